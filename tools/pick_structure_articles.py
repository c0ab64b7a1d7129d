"""Pick PTC train articles to annotate with actors, relations and predictions (evaluation/structure/).

    python tools/pick_structure_articles.py --count 72 [--lock-every 3] [--min-chars 1000 --max-chars 5000]

The candidates are PTC **train** articles (never test, never dev) of 1,000-5,000 characters (or the bounds given)
that name at least three political keywords, in the order of the SHA-256 of their id, less those any annotation
file already holds. Every `--lock-every`-th pick goes to the locked set, decided here, before anything is annotated.
Prints `article<TAB>tuning|locked`, one per line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRUCTURE = ROOT / "evaluation" / "structure"
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
KEYWORDS = (
    "government", "president", "minister", "party", "election", "war", "sanctions", "russia", "trump",
    "congress", "senate", "parliament", "military", "democrat", "republican", "nato", "iran", "syria",
)  # fmt: skip
KEYWORD = re.compile(r"\b(" + "|".join(KEYWORDS) + r")", re.IGNORECASE)


def annotated_articles() -> set[str]:
    """Article ids that any annotation file in evaluation/structure holds."""
    ids = set()
    for path in STRUCTURE.glob("*.jsonl"):
        ids.update(json.loads(line)["article"] for line in path.read_text(encoding="utf-8").splitlines() if line)
    return ids


def candidates(ptc: Path, min_chars: int = 1000, max_chars: int = 5000) -> list[str]:
    """Eligible train article ids in SHA-256 order."""
    eligible = []
    for path in (ptc / "train-articles").glob("article*.txt"):
        text = path.read_text(encoding="utf-8")
        keywords = {match.casefold() for match in KEYWORD.findall(text)}
        if min_chars <= len(text) <= max_chars and len(keywords) >= 3:
            eligible.append(path.stem)
    return sorted(eligible, key=lambda article: hashlib.sha256(article.encode()).hexdigest())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--lock-every", type=int, default=3)
    parser.add_argument("--min-chars", type=int, default=1000)
    parser.add_argument("--max-chars", type=int, default=5000)
    parser.add_argument("--ptc", type=Path, default=PTC)
    options = parser.parse_args()
    done = annotated_articles()
    eligible = candidates(options.ptc, options.min_chars, options.max_chars)
    picks = [article for article in eligible if article not in done][: options.count]
    for number, article in enumerate(picks, 1):
        print(f"{article}\t{'locked' if number % options.lock_every == 0 else 'tuning'}")


if __name__ == "__main__":
    main()
