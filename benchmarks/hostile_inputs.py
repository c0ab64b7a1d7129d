"""Time per MB of each stage on adversarial inputs, at two sizes: linear code keeps the same figure (ratio
near 1) as the input grows; super-linear code's figure grows with the size.

    python benchmarks/hostile_inputs.py [--sizes 20000 80000]
    python benchmarks/hostile_inputs.py --analysis [--sizes 10000 40000] [--timeout 300]

Text stages: format sniffing (`sniff_format`), Markdown cleaning (`parse_markdown`), sentence splitting
(`sentence_ranges`). Shapes: repeated HTML comments, runs of every Markdown markup character, unclosed
links and emphasis, long text without sentence ends, many abbreviations, many short lowercase paragraphs.

With `--analysis`, the stages after detection on the worst shapes for spaCy: enrich, spaCy's parse
(`enrich.parsing.parse`), actors and claims, beside ordinary text (PTC train articles joined, where
`../shared/data` has them; a repeated news sentence otherwise). Each measurement runs in a child process
and is reported as `>` the timeout when it does not finish. Detection is left out (its model's time per
token is measured by `benchmarks/speed.py`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from pathlib import Path

from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.ingest.markdown import parse_markdown
from propaganda_lens.ingest.sources import sniff_format

SHAPES = {
    "html comments": "<!---->",
    "nested comments": "<!--<!-- -->",
    "[ run": "[",
    "* run": "*",
    "_ run": "_",
    "# run": "#",
    "` run": "`",
    "![ run": "![",
    "unclosed links": "[a](",
    "link openers": "[a]",
    "unclosed strong": "**a ",
    "autolinks": "<http://",
    "heading spaces": "# " + " " * 50 + "#",
    "no sentence end": "word ",
    "abbreviations": "Mr. Dr. e.g. vs. ",
    "dots": ". ",
    "short paragraphs": "a\n\n",
}
STAGES = {
    "sniff": sniff_format,
    "markdown": parse_markdown,
    "sentences": sentence_ranges,
}
ORDINARY = "The minister said on Tuesday that the new law would protect families in Paris and Berlin. "
# The shapes that were slow in spaCy's tokenizer or parser, or in the stages that read the parse.
ANALYSIS_SHAPES = {
    "ordinary": None,
    "no sentence end": "word ",
    "( run": "(",
    "nested parens": "(a ",
    "Gen. run": "Gen. ",
    "dots": ". ",
    "a- run": "a-",
    "quotes": '"a ',
}
ANALYSIS_STAGES = ("enrich", "parse", "actors", "claims")
TRAIN_ARTICLES = Path(__file__).resolve().parents[2] / "shared/data/ptc-semeval2020/train-articles"


def seconds(function, text: str) -> float:
    started = time.perf_counter()
    function(text)
    return time.perf_counter() - started


def ordinary_text(size: int) -> str:
    """News text of `size` characters: PTC train articles joined, or a repeated sentence without them."""
    if TRAIN_ARTICLES.is_dir():
        text = "\n\n".join(path.read_text(encoding="utf-8") for path in sorted(TRAIN_ARTICLES.glob("*.txt")))
    else:
        text = ORDINARY
    return (text * (size // len(text) + 1))[:size]


def stage_seconds(text: str) -> dict[str, float]:
    """Seconds each stage after detection takes on `text` (no spans: detection is not run)."""
    from propaganda_lens.actors import add_actors
    from propaganda_lens.api import load_stages
    from propaganda_lens.claims import add_claims
    from propaganda_lens.enrich import enrich
    from propaganda_lens.enrich.parsing import parse
    from propaganda_lens.ingest.sources import article_from_text

    load_stages()
    article = article_from_text(text, "text", "text", input_format="text")
    timings = {}
    started = time.perf_counter()
    analysis = enrich(article, [], "none", {})
    timings["enrich"] = time.perf_counter() - started
    started = time.perf_counter()
    doc = parse(article.text, [(sentence.start, sentence.end) for sentence in analysis.sentences])
    timings["parse"] = time.perf_counter() - started
    started = time.perf_counter()
    analysis = add_actors(analysis, doc)
    timings["actors"] = time.perf_counter() - started
    started = time.perf_counter()
    add_claims(analysis, doc)
    timings["claims"] = time.perf_counter() - started
    return timings


def _answer(text: str, sender) -> None:
    sender.send(stage_seconds(text))


def stage_seconds_in_child(text: str, timeout: float) -> dict[str, float]:
    """`stage_seconds` in a child process; stages it did not finish within `timeout` are infinite."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(text, sender))
    child.start()
    timings = receiver.recv() if receiver.poll(timeout) else {}
    child.kill()
    child.join()
    return {stage: timings.get(stage, float("inf")) for stage in ANALYSIS_STAGES}


def text_stages(small: int, large: int) -> None:
    print(f"{'shape':<18} {'stage':<10} {'s/MB at ' + str(small):>16} {'s/MB at ' + str(large):>16} {'ratio':>7}")
    worst = 0.0
    for shape, unit in SHAPES.items():
        for stage, function in STAGES.items():
            per_mb = []
            for size in (small, large):
                text = (unit * (size // len(unit) + 1))[:size]
                per_mb.append(seconds(function, text) / (size / 1e6))
            ratio = per_mb[1] / max(per_mb[0], 1e-9)
            worst = max(worst, per_mb[1])
            print(f"{shape:<18} {stage:<10} {per_mb[0]:>16.3f} {per_mb[1]:>16.3f} {ratio:>7.2f}")
    print(f"worst: {worst:.3f} s/MB")


def analysis_stages(small: int, large: int, timeout: float) -> None:
    """Each stage's time per MB, and its ratio to the same stage on ordinary text of the same length."""
    header = f"{'shape':<16} {'stage':<8} {'s/MB at ' + str(small):>15} {'s/MB at ' + str(large):>15}"
    print(f"{header} {'ratio':>7} {'x ordinary':>11}", flush=True)
    ordinary: dict[tuple[str, int], float] = {}
    for shape, unit in ANALYSIS_SHAPES.items():
        per_mb: dict[int, dict[str, float]] = {}
        for size in (small, large):
            text = ordinary_text(size) if unit is None else (unit * (size // len(unit) + 1))[:size]
            per_mb[size] = {stage: s / (size / 1e6) for stage, s in stage_seconds_in_child(text, timeout).items()}
        for stage in ANALYSIS_STAGES:
            if unit is None:
                ordinary[stage, large] = per_mb[large][stage]
            ratio = per_mb[large][stage] / max(per_mb[small][stage], 1e-9)
            versus = per_mb[large][stage] / max(ordinary[stage, large], 1e-9)
            print(f"{shape:<16} {stage:<8} {per_mb[small][stage]:>15.1f} {per_mb[large][stage]:>15.1f} "
                  f"{ratio:>7.2f} {versus:>11.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=None, help="Two input sizes in characters.")
    parser.add_argument("--analysis", action="store_true", help="The stages after detection, spaCy's included.")
    parser.add_argument("--timeout", type=float, default=300, help="Seconds per measurement with --analysis.")
    arguments = parser.parse_args()
    if arguments.analysis:
        analysis_stages(*(arguments.sizes or [10_000, 40_000]), arguments.timeout)
    else:
        text_stages(*(arguments.sizes or [20_000, 80_000]))


if __name__ == "__main__":
    main()
