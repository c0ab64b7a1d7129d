"""Build the agent noun table shipped in the package from the Phoenix agents dictionary of PETRARCH2 (MIT).

    python tools/build_agent_nouns.py [--dictionaries ../shared/data/cameo-petrarch2/dictionaries]

Writes src/propaganda_lens/actors/agent_nouns.tsv: one row per one-word agent noun of `Phoenix.agents.txt`
("rebel", "diplomat", "militia") with its Phoenix role code ("REB", "GOV", "UAFMUS") and the code's first role
(its first three letters). Nouns are lower-cased; the substitution sets (`!PERSON!`, `!MINIST!`) are expanded and
the irregular plurals in braces kept as nouns of their own. Multi-word agents ("government_forces") are left
out: the actors stage reads the head noun of a phrase. A noun the dictionary gives two first roles (PETRARCH2
lists "assailant" as both CRM and UAF) keeps each. `tests/test_agent_nouns.py` checks that the shipped table is what
this script builds.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import petrarch_tables  # noqa: E402
from petrarch_tables import DICTIONARIES, tsv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "src/propaganda_lens/actors/agent_nouns.tsv"
AGENT_FILE = "Phoenix.agents.txt"
COLUMNS = ("noun", "code", "role")
SUBSTITUTION = re.compile(r"^!(\w+)!\s*=\s*(.+)$")
ENTRY = re.compile(r"^([^\s{\[]+)\s*(?:\{([^}]*)\})?\s*\[~([A-Z]+)\]")


def rows(dictionary: str) -> list[tuple[str, str, str]]:
    """(noun, code, role) of every one-word agent, sorted and without repeats."""
    substitutions: dict[str, list[str]] = {}
    found = set()
    for line in dictionary.splitlines():
        line = line.split("#", 1)[0].strip()
        substitution = SUBSTITUTION.match(line)
        if substitution:
            substitutions[substitution.group(1)] = [word.strip() for word in substitution.group(2).split(",")]
            continue
        entry = ENTRY.match(line)
        if not entry:
            continue
        forms, plurals, code = entry.group(1), entry.group(2), entry.group(3)
        nouns = [forms, *(plurals or "").split()]
        for noun in nouns:
            for expanded in _expanded(noun, substitutions):
                word = expanded.lower()
                if re.fullmatch(r"[a-z][a-z'-]*[a-z]", word):
                    found.add((word, code, code[:3]))
    return sorted(found)


def _expanded(noun: str, substitutions: dict[str, list[str]]) -> list[str]:
    """A dictionary noun with its substitution set spelled out ("POLICE!PERSON!" -> "POLICEMAN", "POLICEMEN" …)."""
    marker = re.search(r"!(\w+)!", noun)
    if marker is None or marker.group(1) not in substitutions:
        return [noun]
    return [noun[: marker.start()] + word + noun[marker.end() :] for word in substitutions[marker.group(1)]]


def build(dictionaries: Path = DICTIONARIES) -> str:
    dictionary = (dictionaries / AGENT_FILE).read_text(encoding="utf-8", errors="replace")
    return tsv(COLUMNS, rows(dictionary))


def main() -> None:
    petrarch_tables.main(__doc__.split("\n\n")[0], TABLE, build)


if __name__ == "__main__":
    main()
