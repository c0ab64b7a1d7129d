"""MODEL_CARD.md of a model adapted from reviewers' corrections (every figure comes from adaptation.json)."""

from __future__ import annotations

CARD = """# Model card: {name}

A propaganda span and technique detector adapted by `propaganda-lens adapt` from **{base_model}** with the
corrections of {reviewed_articles} reviewed articles ({corrections}), listed in `corrections.json`. The
fitting record is `adaptation.json`.

## What changed, and what did not
- The encoder, the tokenizer, the span decoding and the span-text priors (where the base model has them) are
  the base model's: the adapted model finds the same spans. What it says about them changes.
- **Technique head**: its last layer was refitted, from the base weights and with an L2 pull of {pull:g}
  towards them, on the base encoder's states of {train_spans} PTC train technique spans (train less the
  {held_out} articles held out for calibration) and of {reviewed_spans} reviewed spans: an accepted span with
  its technique, a relabelled one with the reviewer's technique, an added one with its technique. Targets are
  smoothed by {smoothing:g} as when the base head was refitted.
- **Weight of a reviewed span**: {weight_line}
- **Technique temperature**: {temperature_base:.3f} -> {temperature:.3f}, fitted on {technique_rows} technique
  spans: the held-out train articles' gold spans and, out of fold, the reviewed spans (weighted as above).
- **Span probability map** (sigmoid(a * logit(p) + b)): {span_map_base} -> {span_map}, fitted on
  {found_rows} spans the model finds: those of the held-out train articles (right when they overlap a gold span of
  their technique) and, out of fold, those a reviewer decided on (right when accepted with, or relabelled to,
  the model's technique; a **rejected** span is a wrong one). Rejects therefore lower the probability of
  spans like them; they do not remove spans.

## Data
PTC SemEval-2020 train (the base model's training data) and the reviewed articles. No dev or test article
was used unless it is among the reviewed articles. This card claims no score: measure the adapted model
with `propaganda-lens evaluate-model` on articles that none of the corrections came from.
"""


def model_card(name: str, summary: dict) -> str:
    """The card of an adapted model from its adaptation summary."""
    validation = summary["cross_validation"]
    if validation:
        tried = ", ".join(f"{weight} (held-out accuracy {scores['accuracy']:.3f})" for weight, scores in validation.items())
        weight_line = (f"{summary['review_weight']:g} train spans, chosen by {min(5, summary['reviewed_articles'])}-fold "
                       f"cross-validation over the reviewed articles among {tried}.")
    else:
        weight_line = (f"{summary['review_weight']:g} train spans, a fixed default: too few reviewed articles to "
                       "cross-validate on, so the reviewed spans did not enter the calibration either.")
    temperature, span_map = summary["technique_temperature"], summary["span_calibration"]

    def shown(pair) -> str:
        return "none" if pair is None else f"a = {pair[0]:.3f}, b = {pair[1]:.3f}"

    corrections = ", ".join(f"{count} {action}" for action, count in summary["corrections"].items())
    return CARD.format(
        name=name, base_model=summary["base_model"], reviewed_articles=summary["reviewed_articles"],
        corrections=corrections, pull=summary["pull_to_base"], train_spans=summary["train_technique_spans"],
        held_out=summary["held_out_train_articles"], reviewed_spans=summary["reviewed_technique_spans"],
        smoothing=summary["label_smoothing"], weight_line=weight_line, temperature_base=temperature["base"],
        temperature=temperature["adapted"], technique_rows=summary["calibration_rows"]["technique_spans"],
        span_map_base=shown(span_map["base"]), span_map=shown(span_map["adapted"]),
        found_rows=summary["calibration_rows"]["found_spans"],
    )
