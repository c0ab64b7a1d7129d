"""Write the README's model figures from each shipped model's evaluation.json (scores from `export` and
`evaluate-model --record`, speed from `benchmarks/speed.py --record`), between the README's
`<!-- figures:NAME -->` and `<!-- /figures:NAME -->` markers.

    python tools/readme_figures.py            # rewrite the blocks
    python tools/readme_figures.py --check    # exit 1 when the README disagrees with evaluation.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from propaganda_lens.detect.detector import DEFAULT_MODEL_NAME, EVALUATION_FILE, SHIPPED_MODELS, shipped_model_path

README = Path(__file__).resolve().parents[1] / "README.md"
BASES = {"ptc-mpnet": "all-mpnet-base-v2", "ptc-minilm": "all-MiniLM-L6-v2, distilled from `accurate`"}
DESCRIPTIONS = {"ptc-mpnet": "MPNet, int8, head refitted, calibrated", "ptc-minilm": "MiniLM distilled from `accurate`, int8, calibrated"}
FOR = {"accurate": "reading and checking articles", "fast": "bulk work, corpus runs"}
BLOCK = re.compile(r"(<!-- figures:(\w+) -->\n)(.*?)(<!-- /figures:\2 -->)", re.S)


def evaluation(folder: str) -> dict:
    return json.loads((shipped_model_path(folder) / EVALUATION_FILE).read_text(encoding="utf-8"))


def size_mb(folder: str) -> float:
    return sum(path.stat().st_size for path in shipped_model_path(folder).iterdir()) / 1e6


def models_block() -> str:
    rows = ["| name | folder | base | weights | SI F1 | TC F1 | FLC F1 | speed | size | for |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for shipped in SHIPPED_MODELS:
        e = evaluation(shipped.folder)
        reader, speed = e["reader"], e["speed"]
        name = f"`{shipped.name}`" + (" (default)" if shipped.name == DEFAULT_MODEL_NAME else "")
        rows.append(f"| {name} | `{shipped.folder}` | {BASES[shipped.folder]} | {e['variant']} | {reader['si_f1']:.4f} "
                    f"| {reader['tc_f1']:.4f} | {reader['flc_f1']:.4f} | {speed['articles_per_s']:.2f} articles/s "
                    f"| {size_mb(shipped.folder):.0f} MB | {FOR[shipped.name]} |")
    speeds = [(shipped.name, evaluation(shipped.folder)["speed"]) for shipped in SHIPPED_MODELS]
    first = speeds[0][1]
    rows.append("")
    rows.append(
        f"Speed is `{first['command'].replace(' --model ' + speeds[0][0], ' --model NAME')}`: {first['articles']} PTC dev "
        f"articles (mean {first['mean_chars']:,} characters), the median of {first['repeats']} "
        f"pass{'es' if first['repeats'] > 1 else ''}, on this {first['cpus']}-core machine; "
        + "; ".join(f"`{name}` {s['mean_latency_ms']} ms mean latency, peak RSS {s['peak_rss_mb']} MB, "
                    f"load average {s['load_average']} while measured ({s['date']})" for name, s in speeds)
        + ". A load above 0 means other work shared the cores, so the figure is a lower bound.")
    return "\n".join(rows) + "\n"


def scores_block() -> str:
    rows = ["| | SI F1 | TC micro-F1 | FLC F1 |", "|---|---|---|---|"]
    for shipped in SHIPPED_MODELS:
        r = evaluation(shipped.folder)["reader"]
        rows.append(f"| `{shipped.name}` ({DESCRIPTIONS[shipped.folder]}) | {r['si_f1']:.4f} (P {r['si_precision']:.4f}, "
                    f"R {r['si_recall']:.4f}) | {r['tc_f1']:.4f} | {r['flc_f1']:.4f} |")
    baseline = evaluation(SHIPPED_MODELS[0].folder)["every_sentence_baseline_si_f1"]
    rows += [f"| every sentence marked as a span | {baseline:.4f} | | |",
             "| SemEval-2020 winners (test set, GPU ensembles) | 0.5155 | 0.6207 | |", ""]
    names = [shipped.name for shipped in SHIPPED_MODELS]
    readers = [evaluation(shipped.folder)["reader"] for shipped in SHIPPED_MODELS]
    gold = readers[0]
    rows += ["| what a reader meets (`evaluate-model`) | " + " | ".join(f"`{n}`" for n in names) + " |",
             "|---|" + "---|" * len(names)]
    measures = [
        ("SI F1 with the boundary rules (shipped) / without", lambda r: f"{r['si_f1']:.4f} / {r['si_f1_without_boundary_rules']:.4f}"),
        ("what the rules change in SI F1", lambda r: f"{r['si_f1'] - r['si_f1_without_boundary_rules']:+.4f}"),
        ("best SI F1 of export's grid: threshold rule / constrained Viterbi",
         lambda r: f"{r['si_f1_best_threshold_rule']:.4f} / {r['si_f1_best_viterbi']:.4f}"),
        ("ECE (10 bins): top technique on gold spans / predicted spans",
         lambda r: f"{r['ece_technique_on_gold_spans']:.3f} / {r['ece_predicted_spans']:.3f}"),
        (f"spans ending on a function word (gold: {gold['function_word_ends_gold']:.1%})", lambda r: f"{r['function_word_ends']:.1%}"),
        (f"median span, characters (gold: {gold['median_gold_span_chars']:g})", lambda r: f"{r['median_span_chars']:g}"),
    ]
    for label, value in measures:
        rows.append(f"| {label} | " + " | ".join(value(r) for r in readers) + " |")
    return "\n".join(rows) + "\n"


BLOCKS = {"models": models_block, "scores": scores_block}


def rendered(readme: str) -> str:
    """The README with every figures block written anew."""
    return BLOCK.sub(lambda m: m.group(1) + BLOCKS[m.group(2)]() + m.group(4), readme)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when the README differs")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    new = rendered(current)
    if args.check:
        sys.exit(0 if new == current else 1)
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
