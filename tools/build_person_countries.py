"""Build the table of the countries people act for, from PETRARCH2's Phoenix country actors dictionary (MIT).

    python tools/build_person_countries.py [--dictionaries ../shared/data/cameo-petrarch2/dictionaries]

Writes src/propaganda_lens/actors/person_countries.tsv: one row per name of an entry with roles in
`Phoenix.Countries.actors.txt` (heads of state and government, ministers, party leaders, officials …, as
CountryInfo and the Phoenix coders list them up to about 2015; a few bodies too) with the country of the latest
dated role ("[RUSGOV >080508]" -> Russia); entries of places (a bare country code) are left out.
Names are lower case, PETRARCH2's `_` as spaces; forms with a title ("PRESIDENT_PUTIN"), one-word forms and names
that two countries share are left out. Country codes are ISO 3166 alpha-3, read through the country names table.
The actors stage gives a person found under one of these names the country they act for (`Actor.country`).
`tests/test_actors.py` checks that the shipped table is what this script builds.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from propaganda_lens.actors.mentions import country_names
from propaganda_lens.actors.name_words import TITLE_WORDS

sys.path.insert(0, str(Path(__file__).resolve().parent))
import petrarch_tables  # noqa: E402
from petrarch_tables import DICTIONARIES, tsv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "src/propaganda_lens/actors/person_countries.tsv"
ACTOR_FILE = "Phoenix.Countries.actors.txt"
COLUMNS = ("name", "country")
ROLE = re.compile(r"\[([A-Z]{3})([A-Z]{3,})\s*([<>]?)(\d{6})?(?:-(\d{6}))?\]")
COUNTRY_CODE = re.compile(r"\[[A-Z]{3}\]")  # a place's entry: the country itself, no role
NAME = re.compile(r"[a-z][a-z'.\- ]*[a-z.]")
# Words of the dictionary's titled forms beyond the actors stage's titles ("AMBASSADOR_LAVROV", "KANZLER_MERKEL").
MORE_TITLE_WORDS = frozenset("ambassador envoy president-elect kanzler bundeskanzler foreign defense defence interior "
                             "finance attorney premier mp".split())


def _date(yymmdd: str) -> int:
    """YYMMDD as YYYYMMDD (years above 30 are the 1900s)."""
    year = int(yymmdd[:2])
    return (1900 + year if year > 30 else 2000 + year) * 10000 + int(yymmdd[2:])


def _latest_country(roles: list[tuple[str, str, str, str]]) -> str:
    """The country of the role that ends last: an open role ("> date") is ongoing; an undated one counts least."""
    def end(role: tuple[str, str, str, str]) -> int:
        _, bound, start, finish = role
        if bound == ">":
            return 99999999
        return _date(finish or start) if (finish or start) else 0
    return max(roles, key=end)[0]


def _forms(line: str) -> str | None:
    form = line.split("#", 1)[0].split("[", 1)[0].strip().lstrip("+").rstrip("_").replace("_", " ").lower()
    words = form.split()
    if len(words) < 2 or any(word.rstrip(".") in TITLE_WORDS | MORE_TITLE_WORDS for word in words) or not NAME.fullmatch(form):
        return None
    return " ".join(words)


def rows(dictionary: str, countries: dict[str, str]) -> list[tuple[str, str]]:
    entries: list[tuple[list[str], list[tuple[str, str, str, str]], bool]] = []
    names: list[str] = []
    roles: list[tuple[str, str, str, str]] = []
    place = False
    for line in dictionary.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line[0].isspace() and (roles or place):  # a new entry after the last one's roles
            entries.append((names, roles, place))
            names, roles, place = [], [], False
        if not line[0].isspace():
            names.append(line)
        roles += [(code, bound, start, end) for code, _, bound, start, end in ROLE.findall(line)]
        place = place or bool(COUNTRY_CODE.search(line))
    entries.append((names, roles, place))
    country_of: dict[str, set[str]] = {}
    for lines, person_roles, is_place in entries:
        if is_place or not person_roles:
            continue
        country = countries.get(_latest_country(person_roles))
        if country is None:  # a code that is not a country's (international bodies, regions)
            continue
        for form in filter(None, map(_forms, lines)):
            country_of.setdefault(form, set()).add(country)
    return sorted((form, next(iter(found))) for form, found in country_of.items() if len(found) == 1)


def build(dictionaries: Path = DICTIONARIES) -> str:
    countries = {code: country for code, country in country_names().items() if len(code) == 3 and code.isupper()}
    dictionary = (dictionaries / ACTOR_FILE).read_text(encoding="utf-8", errors="replace")
    return tsv(COLUMNS, rows(dictionary, countries))


def main() -> None:
    petrarch_tables.main(__doc__.split("\n\n")[0], TABLE, build)


if __name__ == "__main__":
    main()
