"""Check annotation files of actors, relations and predictions against evaluation/structure/GUIDELINES.md's
format: one JSON object per line, known kinds, polarities and modalities, relations between annotated actors,
prediction quotes and the optional relation quotes (the sentence that states a relation) found exactly once in the
article text.

    python tools/check_structure_annotations.py [FILE …] [--ptc ../shared/data/ptc-semeval2020]

Prints one line per problem and exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANNOTATIONS = ROOT / "evaluation" / "structure" / "annotations.jsonl"
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020"
KINDS = {"person", "organization", "country", "group"}
POLARITIES = {"supports", "opposes"}
MODALITIES = {"negated", "conditional", "predicted", "reported", "asserted"}
SPLITS = {"train", "dev"}


def record_problems(record: dict, ptc: Path) -> list[str]:
    """What is wrong with one article's annotation (empty when nothing)."""
    article = record.get("article", "?")
    if record.get("split") not in SPLITS:
        return [f"{article}: split must be one of {sorted(SPLITS)}"]
    path = ptc / f"{record['split']}-articles" / f"{article}.txt"
    if not path.is_file():
        return [f"{article}: no article {path}"]
    text = path.read_text(encoding="utf-8")
    problems = []
    names: set[str] = set()
    for actor in record.get("actors", []):
        name = actor.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"{article}: an actor without a name: {actor}")
            continue
        if name in names:
            problems.append(f"{article}: actor {name!r} twice")
        names.add(name)
        if actor.get("kind") not in KINDS:
            problems.append(f"{article}: actor {name!r}: kind must be one of {sorted(KINDS)}")
        if not all(isinstance(alias, str) and alias for alias in actor.get("aliases", [])):
            problems.append(f"{article}: actor {name!r}: aliases must be non-empty strings")
    for relation in record.get("relations", []):
        for end in ("source", "target"):
            if relation.get(end) not in names:
                problems.append(f"{article}: relation {end} {relation.get(end)!r} is not an annotated actor's name")
        if relation.get("polarity") not in POLARITIES:
            problems.append(f"{article}: relation {relation}: polarity must be one of {sorted(POLARITIES)}")
        if relation.get("modality") not in MODALITIES:
            problems.append(f"{article}: relation {relation}: modality must be one of {sorted(MODALITIES)}")
        if "quote" in relation:
            problems += quote_problems(article, text, relation["quote"], f"relation quote of {relation}")
    for quote in record.get("predictions", []):
        problems += quote_problems(article, text, quote, "prediction quote")
    return problems


def quote_problems(article: str, text: str, quote: object, what: str) -> list[str]:
    """A quote must occur exactly once in the article text, and so name one sentence."""
    count = text.count(quote) if isinstance(quote, str) and quote else 0
    return [] if count == 1 else [f"{article}: {what} {quote!r} occurs {count} times in the text (must be once)"]


def file_problems(path: Path, ptc: Path) -> list[str]:
    problems = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"{path}:{number}: not JSON ({error})")
            continue
        if not isinstance(record, dict):
            problems.append(f"{path}:{number}: not a JSON object")
            continue
        if record.get("article") in seen:
            problems.append(f"{path}:{number}: article {record.get('article')} annotated twice")
        seen.add(record.get("article"))
        problems += [f"{path}:{number}: {problem}" for problem in record_problems(record, ptc)]
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=[ANNOTATIONS])
    parser.add_argument("--ptc", type=Path, default=PTC)
    arguments = parser.parse_args()
    problems = [problem for path in arguments.files for problem in file_problems(path, arguments.ptc)]
    if problems:
        print(*problems, sep="\n")
    print(f"{len(problems)} problems", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
