"""Time per MB of each text stage on adversarial inputs, at two sizes: linear code keeps the same figure
(ratio near 1) as the input grows; super-linear code's figure grows with the size.

    python benchmarks/hostile_inputs.py [--sizes 20000 80000]

Stages: format sniffing (`sniff_format`), Markdown cleaning (`parse_markdown`), sentence splitting
(`sentence_ranges`). Shapes: repeated HTML comments, runs of every Markdown markup character, unclosed
links and emphasis, long text without sentence ends, many abbreviations, many short lowercase paragraphs.
"""

from __future__ import annotations

import argparse
import time

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


def seconds(function, text: str) -> float:
    started = time.perf_counter()
    function(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[20_000, 80_000], help="Two input sizes in characters.")
    small, large = parser.parse_args().sizes
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


if __name__ == "__main__":
    main()
