"""Build the CAMEO verb polarity table shipped in the package from PETRARCH2's CAMEO verb dictionary (MIT).

    python tools/build_cameo_verbs.py [--dictionaries ../shared/data/cameo-petrarch2/dictionaries]

Writes src/propaganda_lens/actors/cameo_verbs.tsv: one row per (verb, verb set) of the dictionary's verb
patterns section whose set has an event code, with the code, its two-digit CAMEO root and the polarity of
that root: 01-08 (statements, appeals, intent to cooperate, consultation, diplomatic and material
cooperation, aid, yielding) are `supports`, 09-20 (investigation, demands, disapproval, rejection, threats,
protest, force, reduced relations, coercion, assault, fighting, mass violence) are `opposes`. Verbs are
lower-cased lemmas; PETRARCH2 writes multi-word forms with `_` ("stir_up"), kept here as spaces; the
irregular forms in braces and the phrase patterns (`- * …`) are left out, since the parser gives lemmas.
`tests/test_relations_lexicon.py` checks that the shipped table is what this script builds.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import petrarch_tables  # noqa: E402
from petrarch_tables import DICTIONARIES, tsv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "src/propaganda_lens/actors/cameo_verbs.tsv"
VERB_FILE = "CAMEO.verbpatterns.150430.txt"
COLUMNS = ("verb", "code", "root", "polarity", "verb_set")
SET_HEADER = re.compile(r"^---\s*(\S+)\s*\[([^\]]*)\]\s*---")
VERBS_SECTION = "####### VERB PATTERNS #######"


def polarity_of(root: int) -> str:
    return "supports" if root <= 8 else "opposes"


def rows(dictionary: str) -> list[tuple[str, str, str, str, str]]:
    """(verb, code, root, polarity, verb set) for every verb of a coded set, sorted and without repeats."""
    found = set()
    in_verbs = False
    verb_set, code = None, None
    for line in dictionary.splitlines():
        if line.startswith(VERBS_SECTION):
            in_verbs = True
            continue
        if not in_verbs:
            continue
        header = SET_HEADER.match(line)
        if header:
            verb_set = header.group(1)
            code = header.group(2).split(":")[0].strip()
            code = code if code.isdigit() and len(code) >= 3 else None
            continue
        words = line.split("#", 1)[0].strip()
        if not words or words.startswith("-") or verb_set is None or code is None:
            continue
        verb = words.split("{", 1)[0].strip().lstrip("+").rstrip("_").replace("_", " ").lower()
        if not re.fullmatch(r"[a-z][a-z' -]*", verb):
            continue
        root = int(code[:2])
        if 1 <= root <= 20:
            found.add((verb, code, f"{root:02d}", polarity_of(root), verb_set))
    return sorted(found)


def build(dictionaries: Path = DICTIONARIES) -> str:
    dictionary = (dictionaries / VERB_FILE).read_text(encoding="utf-8", errors="replace")
    return tsv(COLUMNS, rows(dictionary))


def main() -> None:
    petrarch_tables.main(__doc__.split("\n\n")[0], TABLE, build)


if __name__ == "__main__":
    main()
