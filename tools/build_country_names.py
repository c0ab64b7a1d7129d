"""Build the country names table shipped in the package from the `countryinfo` package's data (MIT).

    pip install countryinfo==1.0.1 && python tools/build_country_names.py

Writes src/propaganda_lens/actors/country_names.tsv: one row per (name a text may use, country). The names
are each country's common name, its alternative spellings (official names, ISO codes such as USA or UAE, UK),
its demonym ("Egyptian") and the demonym's plural ("Egyptians"), as countryinfo records them, plus the few
everyday short forms that countryinfo lacks, and the Soviet Union (SHORT_FORMS). ISO two-letter codes are left out ("NR" is National Review
far more often than Nauru, "IN" and "ME" are words), but for "US" and "UK", kept as short forms. A name that several countries share ("American", "Chinese")
goes to the most populous of them.
`tests/test_actors.py` checks that the shipped table is what this script builds.
"""

from __future__ import annotations

import csv
import io
import json
from importlib.resources import files
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "src/propaganda_lens/actors/country_names.tsv"
COLUMNS = ("name", "country")
# Everyday names of countries that countryinfo 1.0.1 does not list (checked: none of them is in its data).
SHORT_FORMS = {
    "America": "United States",
    "U.S.": "United States",
    "U.S.A.": "United States",
    "U.K.": "United Kingdom",
    "Swedes": "Sweden",
    "Danes": "Denmark",
    "Finns": "Finland",
    "Poles": "Poland",
    "Turks": "Turkey",
    "Spaniards": "Spain",
    "Scots": "United Kingdom",
    "Dutch": "Netherlands",
    "US": "United States",
    "UK": "United Kingdom",
    "Britain": "United Kingdom",
    "Brits": "United Kingdom",
    "Saudi": "Saudi Arabia",
    "Saudis": "Saudi Arabia",
    "Emirates": "United Arab Emirates",
    # A state that no longer exists but that history and opinion writing still name as an actor.
    "Soviet Union": "Soviet Union",
    "USSR": "Soviet Union",
    "U.S.S.R.": "Soviet Union",
    "Soviet": "Soviet Union",
    "Soviets": "Soviet Union",
}


def plural(demonym: str) -> str | None:
    """English plural of a demonym noun ("Egyptian" -> "Egyptians"); None where the word stays the same."""
    return None if demonym.endswith(("ese", "ss", "sh", "ch")) else demonym + "s"


def build() -> str:
    names: dict[str, dict[str, int]] = {}  # name -> {country: population}
    for path in sorted(files("countryinfo").joinpath("data").iterdir(), key=lambda item: item.name):
        if not path.name.endswith(".json"):
            continue
        record = json.loads(path.read_text(encoding="utf-8"))
        country = record.get("name")
        if not country:
            continue
        candidates = [country, *record.get("altSpellings", [])]
        demonym = (record.get("demonym") or "").strip()
        if demonym:
            candidates += [demonym, plural(demonym)]
        for name in candidates:
            if name and len(name) > 2 and name.isascii():  # ISO two-letter codes ("NR", "IN", "ME") are words in English text
                names.setdefault(name, {})[country] = int(record.get("population") or 0)
    rows = [(name, max(countries, key=lambda country: (countries[country], country))) for name, countries in names.items()]
    rows = sorted({**dict(rows), **SHORT_FORMS}.items())
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    TABLE.write_text(build(), encoding="utf-8")
    print(f"wrote {TABLE}")
