"""Speed and memory of the shipped detector vs the same weights in a transformers pipeline (PyTorch).

    python benchmarks/speed.py --run runs/ptc-minilm [--model fast] [--articles ../shared/data/ptc-semeval2020/dev-articles]
    python benchmarks/speed.py --backend onnx --model fast     # the shipped side only (no run folder needed)
    python benchmarks/speed.py --model fast --record           # the shipped side, written into its evaluation.json

`--record` writes the shipped side's figures (and the machine's CPU count and load) under "speed" in the model
folder's evaluation.json, from which tools/readme_figures.py writes the README's speed column.

The shipped side runs `Detector.find_spans` (tokenize, ONNX encoder, decode, span head). The PyTorch side
runs the run's trained tagger (best.pt, the weights the shipped model was exported from) through
`pipeline("token-classification")` with the same window size and overlap; it does less work (no
technique head). Each side runs in its own process so that peak RSS is its own. Needs the `train`
extra.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ARTICLES = ROOT.parent / "shared" / "data" / "ptc-semeval2020" / "dev-articles"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_texts(folder: Path) -> list[str]:
    from propaganda_lens.ingest.ptc import read_articles

    return [article.text for article in read_articles(folder)]


def time_each(function, texts: list[str], repeats: int) -> tuple[float, list[float]]:
    """(total seconds, per-text latencies) of the median of `repeats` passes over the texts, after a warm-up."""
    function(texts[0])
    passes = []
    for _ in range(repeats):
        latencies = []
        started = time.perf_counter()
        for text in texts:
            begin = time.perf_counter()
            function(text)
            latencies.append(time.perf_counter() - begin)
        passes.append((time.perf_counter() - started, latencies))
    return sorted(passes)[len(passes) // 2]


def run_onnx(texts: list[str], model: str | None, repeats: int) -> dict:
    from propaganda_lens.detect.detector import Detector

    loaded = time.perf_counter()
    detector = Detector.from_disk(model)
    load_seconds = time.perf_counter() - loaded
    total, latencies = time_each(detector.find_spans, texts, repeats)
    return {"load_s": load_seconds, "total_s": total, "latencies": latencies, "peak_rss_mb": peak_rss_mb()}


def run_torch(texts: list[str], run: Path, model: str | None, repeats: int) -> dict:
    import torch
    from transformers import AutoTokenizer, pipeline

    from propaganda_lens.data import TECHNIQUES
    from propaganda_lens.detect.detector import DetectorConfig, model_folder
    from propaganda_lens.train.loop import TrainSettings
    from propaganda_lens.train.network import DetectorNetwork

    settings = TrainSettings.of_run(run)
    config = DetectorConfig.from_file(model_folder(model) / "config.json")
    loaded = time.perf_counter()
    network = DetectorNetwork(settings.base_model, len(TECHNIQUES))
    network.load_state_dict(torch.load(run / "best.pt", weights_only=False)["network"])
    with tempfile.TemporaryDirectory() as folder:
        network.tagger.save_pretrained(folder)
        tokenizer = AutoTokenizer.from_pretrained(str(settings.base_model), model_max_length=config.window_size,
                                                  local_files_only=True)  # never a model hub
        tagger = pipeline(
            "token-classification",
            model=folder,
            model_kwargs={"local_files_only": True},
            tokenizer=tokenizer,
            aggregation_strategy="simple",
            stride=config.window_size - 2 - config.window_stride,
            device="cpu",
        )
    del network
    load_seconds = time.perf_counter() - loaded
    with torch.inference_mode():
        total, latencies = time_each(tagger, texts, repeats)
    return {"load_s": load_seconds, "total_s": total, "latencies": latencies, "peak_rss_mb": peak_rss_mb()}


def measure_in_subprocess(backend: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--backend", backend, "--articles", str(args.articles), "--run", str(args.run),
               "--repeats", str(args.repeats), *(["--model", args.model] if args.model else [])]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def describe(name: str, result: dict, n: int) -> str:
    latencies = result["latencies"]
    return (
        f"{name:<26} {n / result['total_s']:6.2f} articles/s   latency mean {statistics.mean(latencies) * 1000:6.0f} ms"
        f"  p50 {statistics.median(latencies) * 1000:6.0f} ms  p95 {sorted(latencies)[int(0.95 * (n - 1))] * 1000:6.0f} ms"
        f"   load {result['load_s']:.1f} s   peak RSS {result['peak_rss_mb']:.0f} MB"
    )


def record_speed(args: argparse.Namespace, result: dict, texts: list[str], load: float) -> None:
    """The shipped side's figures, under "speed" in the model folder's evaluation.json."""
    from propaganda_lens.detect.detector import EVALUATION_FILE, model_folder
    from propaganda_lens.files import write_text_atomically

    path = model_folder(args.model) / EVALUATION_FILE
    evaluation = json.loads(path.read_text(encoding="utf-8"))
    evaluation["speed"] = {
        "command": "python benchmarks/speed.py" + (f" --model {args.model}" if args.model else "") + " --record",
        "articles": len(texts),
        "mean_chars": round(statistics.mean(len(t) for t in texts)),
        "repeats": args.repeats,
        "articles_per_s": round(len(texts) / result["total_s"], 2),
        "mean_latency_ms": round(statistics.mean(result["latencies"]) * 1000),
        "peak_rss_mb": round(result["peak_rss_mb"]),
        "cpus": os.cpu_count(),
        "load_average": round(load, 1),  # the 1-minute load: above 0 the machine was shared
        "date": datetime.date.today().isoformat(),
    }
    write_text_atomically(path, json.dumps(evaluation, indent=2) + "\n")
    print(f"recorded in {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, default=ROOT / "runs" / "ptc-minilm", help="training run folder (best.pt)")
    parser.add_argument("--articles", type=Path, default=DEFAULT_ARTICLES)
    parser.add_argument("--model", help="the shipped model (name) or model folder exported from --run (default: the default model)")
    parser.add_argument("--repeats", type=int, default=3, help="passes over the articles; the median pass is reported")
    parser.add_argument("--record", action="store_true", help="measure the shipped side only and write it into the model's evaluation.json")
    parser.add_argument("--backend", choices=("onnx", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        texts = load_texts(args.articles)
        if args.backend == "onnx":
            result = run_onnx(texts, args.model, args.repeats)
        else:
            result = run_torch(texts, args.run, args.model, args.repeats)
        print(json.dumps(result))
        return

    texts = load_texts(args.articles)
    mean_chars = statistics.mean(len(t) for t in texts)
    print(f"{len(texts)} articles from {args.articles} (mean {mean_chars:.0f} characters)")
    load_before = os.getloadavg()[0]
    onnx = measure_in_subprocess("onnx", args)
    if args.record:
        print(describe("shipped (onnxruntime)", onnx, len(texts)))
        record_speed(args, onnx, texts, max(load_before, os.getloadavg()[0]))
        return
    torch_result = measure_in_subprocess("torch", args)
    print(describe("shipped (onnxruntime)", onnx, len(texts)))
    print(describe("transformers pipeline", torch_result, len(texts)))
    print(f"speed-up (articles/s):      {torch_result['total_s'] / onnx['total_s']:.2f}x")
    print(f"latency ratio (mean):       {statistics.mean(torch_result['latencies']) / statistics.mean(onnx['latencies']):.2f}x")
    print(f"peak RSS ratio (torch/ours): {torch_result['peak_rss_mb'] / onnx['peak_rss_mb']:.2f}x")


if __name__ == "__main__":
    main()
