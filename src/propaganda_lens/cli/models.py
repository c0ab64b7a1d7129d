"""Commands about the detector models: list, score, train, calibrate, refit the span head, average and
export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from propaganda_lens.cli.app import app
from propaganda_lens.cli.common import (
    ModelOption, PlainUsage, fail, load_detector, print_table, require_train_extra, stderr, stdout, with_progress,
)
from propaganda_lens.detect.encoding import MAX_WINDOW_TOKENS, window_problem
from propaganda_lens.ingest.ptc import PtcFormatError


@app.command("models")
def models() -> None:
    """List the shipped models: dev scores, speed, size, the claim model their analyses use and intended use."""
    import json

    from propaganda_lens.detect.detector import DEFAULT_MODEL_NAME, SHIPPED_MODELS, recorded_speed, shipped_model_path

    table = Table(title="Shipped models", caption="SI and TC F1: PTC dev, as `export` scored the shipped weights. "
                  "Speed: benchmarks/speed.py, 75 dev articles, 2 CPU cores.")
    numeric = ("SI F1", "TC F1", "speed", "size")
    for column in ("name", "folder", "weights", *numeric, "claim model", "use"):
        table.add_column(column, justify="right" if column in numeric else "left")
    for shipped in SHIPPED_MODELS:
        folder = shipped_model_path(shipped.folder)
        evaluation = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
        scores = evaluation["variants"][evaluation["variant"]]
        size = sum(path.stat().st_size for path in folder.iterdir()) / 1e6
        name = shipped.name + (" (default)" if shipped.name == DEFAULT_MODEL_NAME else "")
        table.add_row(name, folder.name, evaluation["variant"], f"{scores['si_f1']:.4f}", f"{scores['tc_f1']:.4f}",
                      recorded_speed(folder), f"{size:.0f} MB", shipped.claims_folder, shipped.use)
    print_table(table)


@app.command("evaluate-model")
def evaluate_model(
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (dev-articles/, dev-labels-task-si/ …).")],
    model: ModelOption = None,
    split: Annotated[str, typer.Option(help="The labelled split to score: dev (or train).")] = "dev",
    decodings: Annotated[
        bool, typer.Option("--decodings", help="Also give the best SI F1 of each decoding family over export's grid.")
    ] = False,
    reliability_diagram: Annotated[
        Path | None, typer.Option(metavar="PNG", help="Also draw the reliability diagram of both ECEs (train extra).")
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="Write the dev scores into the model's evaluation.json (after refit-head or calibrate).")
    ] = False,
) -> None:
    """Score a model as a reader meets it: SI, TC, FLC, calibration and span boundaries on a PTC split."""
    from propaganda_lens.detect.detector import model_folder
    from propaganda_lens.train.evaluation import (
        DECODING_GRID,
        encode_split,
        evaluate_split,
        reader_measures,
        record_scores,
    )
    from propaganda_lens.train.examples import load_split

    if split not in ("dev", "train"):
        fail("--split must be dev or train: the test articles have no public labels, and are kept for independent evaluation")
    if record and split != "dev":
        fail("--record writes dev scores: use it with --split dev")
    try:
        labelled = load_split(ptc, split)
    except (PtcFormatError, OSError) as error:
        fail(f"cannot read the {split} split of {ptc}: {error}")
    detector = load_detector(model)
    states = encode_split(detector, labelled, lambda ids: with_progress(ids, len(labelled.articles), "Scoring"))
    measures, calibration = reader_measures(detector, labelled, states=states)
    if decodings:
        tuned = evaluate_split(detector, labelled, DECODING_GRID, states=states).si_by_decoding
        for family, viterbi in (("threshold rule", False), ("Viterbi", True)):
            best = max((decoding for decoding in tuned if decoding.viterbi == viterbi), key=lambda d: tuned[d].f1)
            measures[f"si_f1_best_{family.replace(' ', '_').lower()}"] = tuned[best].f1
            measures[f"best_{family.replace(' ', '_').lower()}"] = (
                f"threshold {best.threshold}, join {best.join_gap}, min {best.min_chars}"
            )
    title = f"{detector.config.name} on PTC {split} ({len(labelled.articles)} articles)"
    print_measures(title, measures)
    if record:
        try:
            record_scores(model_folder(model), detector, labelled, states, measures)
        except (OSError, ValueError, KeyError) as error:
            fail(f"cannot record the scores in the model's evaluation.json: {error}")
    if reliability_diagram is not None:
        require_train_extra()
        from propaganda_lens.train.reliability import write_reliability_diagram

        try:
            write_reliability_diagram(reliability_diagram, title, calibration)
        except OSError as error:
            fail(f"cannot write {reliability_diagram}: {error.strerror}")


def print_measures(title: str, measures: dict[str, float | str]) -> None:
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in measures.items():
        table.add_row(name, f"{value:.4f}" if isinstance(value, float) else str(value))
    stdout.print(table)


@app.command("train")
def train_command(
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (train-articles/, dev-articles/ …).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Run folder: checkpoints, log, best network.")],
    epochs: int = 4,
    batch_size: int = 16,
    learning_rate: float = 8e-5,
    seed: int = 13,
    window_size: Annotated[
        int,
        typer.Option(min=3, max=MAX_WINDOW_TOKENS,
                     help=f"Tokens per window, [CLS] and [SEP] included (at most {MAX_WINDOW_TOKENS})."),
    ] = 256,
    window_stride: Annotated[
        int | None,
        typer.Option(min=1, help="Token stride of the windows at evaluation and inference (default: the window "
                     "less 64, an overlap of 62 tokens)."),
    ] = None,
    train_window_stride: Annotated[
        int | None,
        typer.Option(min=1, help="Token stride of training windows (default: the window less 64, as at inference; "
                     "the window less 2 gives no overlap)."),
    ] = None,
    frozen_layers: Annotated[int, typer.Option(help="Keep embeddings and this many lowest layers fixed.")] = 0,
    base_model: Annotated[str, typer.Option(help="minilm, mpnet, or an encoder folder.")] = "minilm",
    resume: Annotated[bool, typer.Option(help="Continue from OUTPUT/checkpoint.pt if present.")] = False,
    threads: Annotated[int | None, typer.Option(help="torch CPU threads (default: all cores).")] = None,
    holdout_share: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share of train articles kept out of training, to fit calibration.")
    ] = 0.0,
    teacher: Annotated[
        str | None, typer.Option(help="A model (name or folder) to distil: its soft targets join the gold labels.")
    ] = None,
    distill_weight: Annotated[float, typer.Option(min=0.0, max=1.0, help="The soft targets' share of each loss.")] = 0.5,
    technique_weight_power: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Weight rare techniques in the span loss: (mean count / count) ** power."),
    ] = 0.0,
    sentence_weight: Annotated[
        float,
        typer.Option(min=0.0, help="Weight of the auxiliary loss of a training-only sentence head (0: none)."),
    ] = 0.0,
    with_dev: Annotated[
        bool,
        typer.Option(help="Train on train + dev with a recipe fixed beforehand: no dev scores, the last epoch kept."),
    ] = False,
) -> None:
    """Fine-tune the detector on PTC train; scores dev after each epoch (needs the `train` extra)."""
    stride = window_size - 64 if window_stride is None else window_stride
    train_window_stride = window_size - 64 if train_window_stride is None else train_window_stride
    if problem := window_problem(window_size, stride) or window_problem(window_size, train_window_stride):
        fail(problem)
    require_train_extra()
    from propaganda_lens.train import base_models
    from propaganda_lens.detect.detector import ModelError
    from propaganda_lens.train.loop import TrainSettings, train

    try:
        base = base_models.resolve(base_model)
    except (OSError, ValueError) as error:
        fail(str(error))
    settings = TrainSettings(
        ptc_folder=ptc,
        base_model=base,
        output=output,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        seed=seed,
        window_size=window_size,
        window_stride=stride,
        train_window_stride=train_window_stride,
        frozen_layers=frozen_layers,
        threads=threads,
        holdout_share=holdout_share,
        teacher=teacher,
        distill_weight=distill_weight,
        technique_weight_power=technique_weight_power,
        sentence_weight=sentence_weight,
        with_dev=with_dev,
    )
    try:
        best = train(settings, resume=resume)
    except (PtcFormatError, OSError, ModelError) as error:
        fail(str(error))
    stderr.print(f"best network: {best}")


@app.command("calibrate", cls=PlainUsage)
def calibrate_command(
    model_folder: Annotated[Path, typer.Argument(help="Model folder to calibrate (rewritten in place).", metavar="MODEL_DIR")],
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (train-articles/ …).")],
    articles: Annotated[Path, typer.Option(help="Train article ids held out of training, one per line (a run's holdout.txt).")],
) -> None:
    """Fit the technique temperature and the span probability map on held-out train articles (train extra)."""
    require_train_extra()
    from propaganda_lens.detect.detector import CONFIG_FILE
    from propaganda_lens.train.calibration import calibrate

    detector = load_detector(model_folder)
    _, held_out = split_by_holdout(ptc, articles)
    config, measures = calibrate(detector, held_out)
    config.to_file(model_folder / CONFIG_FILE)
    rewrite_checksums(model_folder)
    print_measures(f"calibration of {config.name} on {len(held_out.articles)} held-out train articles", measures)


def split_by_holdout(ptc: Path, articles: Path):
    """(kept, held out): PTC train split by a run's list of held-out article ids."""
    from propaganda_lens.train.examples import Split, load_split

    try:
        wanted = {line.strip() for line in articles.read_text(encoding="utf-8").splitlines() if line.strip()}
        train = load_split(ptc, "train")
    except (PtcFormatError, OSError) as error:
        fail(str(error))
    unknown = sorted(wanted - set(train.articles))
    if unknown or not wanted:
        fail(f"{articles}: fits only on train articles kept out of training; not train articles: "
             f"{', '.join(unknown[:3]) or 'none listed'}")

    def part(ids: list[str]) -> Split:
        return Split({i: train.articles[i] for i in ids}, {i: train.si[i] for i in ids}, {i: train.techniques[i] for i in ids})

    return part(sorted(set(train.articles) - wanted)), part(sorted(wanted))


def rewrite_checksums(model_folder: Path, added: tuple[str, ...] = ()) -> None:
    """Recompute the checksums of the files a model folder lists, and of the `added` files."""
    from propaganda_lens.detect.detector import CHECKSUM_FILE, write_checksums

    listed = [line.split(maxsplit=1)[1] for line in (model_folder / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines()]
    write_checksums(model_folder, sorted(set(listed) | set(added)))


@app.command("refit-head", cls=PlainUsage)
def refit_head_command(
    model_folder: Annotated[Path, typer.Argument(help="Model folder whose span head to refit (rewritten in place).", metavar="MODEL_DIR")],
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder (train-articles/ …).")],
    articles: Annotated[Path, typer.Option(help="Train article ids held out of training (a run's holdout.txt); not fitted on.")],
    epochs: Annotated[int, typer.Option(min=1, metavar="<int>")] = 10,
    learning_rate: Annotated[float, typer.Option(min=0.0, metavar="<float>")] = 5e-4,
    label_smoothing: Annotated[float, typer.Option(min=0.0, max=0.9, metavar="<float>")] = 0.2,
    seed: Annotated[int, typer.Option(metavar="<int>")] = 0,
    prior_strength: Annotated[
        float, typer.Option(min=0.0, metavar="<float>", help="Weight of the span-text priors (0: none).")
    ] = 1.0,
    prior_smoothing: Annotated[float, typer.Option(min=0.01, metavar="<float>", help="Their additive smoothing.")] = 0.5,
) -> None:
    """Refit the technique span head on the model's own encoder states of train's gold spans and write the
    span-text priors of those spans; resets the calibration, so run `calibrate` next (train extra)."""
    require_train_extra()
    from dataclasses import replace

    from propaganda_lens.detect.detector import CONFIG_FILE
    from propaganda_lens.detect.priors import PRIORS_FILE
    from propaganda_lens.train.span_head import refit

    detector = load_detector(model_folder)
    kept, _ = split_by_holdout(ptc, articles)
    train_tc = refit(detector, kept, model_folder, epochs, learning_rate, label_smoothing, seed,
                     lambda ids: with_progress(ids, len(kept.articles), "Encoding"))
    replace(detector.config, technique_temperature=1.0, span_calibration=None, span_prior_strength=prior_strength,
            span_prior_smoothing=prior_smoothing).to_file(model_folder / CONFIG_FILE)
    rewrite_checksums(model_folder, added=(PRIORS_FILE,))
    print_measures(f"span head of {detector.config.name} refitted on {len(kept.articles)} train articles",
                   {"train_tc_f1": train_tc, "epochs": epochs, "label_smoothing": label_smoothing, "seed": seed,
                    "prior_strength": prior_strength})


@app.command("average", cls=PlainUsage)
def average_command(
    runs: Annotated[
        list[Path],
        typer.Argument(help="Run folders written by `train` (best.pt, checkpoint.pt).", metavar="RUN..."),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Run folder to write, for `export`.")],
) -> None:
    """Average one run's best and last epochs' weights, or several runs' best networks (a soup of runs fine-tuned
    from the same base, holding out the same articles), into a new run folder (train extra)."""
    require_train_extra()
    from propaganda_lens.train.averaging import average_run, average_runs

    try:
        if len(runs) == 1:
            average_run(runs[0], output)
        else:
            average_runs(runs, output)
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        fail(f"cannot average {', '.join(map(str, runs))}: {error}")
    stderr.print(f"averaged network written to {output / 'best.pt'}; export it with 'propaganda-lens export {output}'")


@app.command("export", cls=PlainUsage)
def export_command(
    run: Annotated[Path, typer.Argument(help="Run folder written by `train` (best.pt, checkpoint.pt).", metavar="RUN")],
    ptc: Annotated[Path, typer.Option(help="The SemEval-2020 PTC folder, for the dev evaluation.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Model folder to (re)write.")],
    weights: Annotated[
        str, typer.Option(help="auto (int8 if it costs at most 1 F1 point, else fp32), int8 or fp32.")
    ] = "auto",
    window_stride: Annotated[
        int | None,
        typer.Option(min=1, help="Token stride of the model's windows at inference (default: the run's; 254: no overlap)."),
    ] = None,
    decoding_of: Annotated[
        str | None,
        typer.Option(help="Ship this model's decoding (name or folder) instead of the best on dev; needed for --with-dev runs."),
    ] = None,
) -> None:
    """Export a trained run to an ONNX model folder (int8 if it costs ≤ 1 F1 point), scored on dev."""
    require_train_extra()
    from propaganda_lens.detect.detector import CONFIG_FILE, DetectorConfig, model_folder
    from propaganda_lens.train.export import export
    from propaganda_lens.train.loop import TrainSettings

    try:
        settings = TrainSettings.of_run(run)
        settings.ptc_folder = ptc
        if window_stride is not None:
            if window_stride > settings.window_size - 2:
                fail(f"--window-stride must be at most {settings.window_size - 2} (the window less [CLS] and [SEP])")
            settings.window_stride = window_stride
        if weights not in ("auto", "int8", "fp32"):
            fail("--weights must be auto, int8 or fp32")
        decoding = None if decoding_of is None else DetectorConfig.from_file(model_folder(decoding_of) / CONFIG_FILE).decoding
        scores = export(run, settings, output, output.name, weights, decoding)
    except (PtcFormatError, OSError, ValueError) as error:
        fail(str(error))
    stderr.print(f"dev SI F1 {scores.si.f1:.4f}, TC F1 {scores.tc.f1:.4f}, FLC F1 {scores.flc.f1:.4f}")
