"""Teach a model from reviewers' corrections: `propaganda-lens adapt`.

The encoder and the span decoding stay as they are (they find the same spans); what changes is what the model
says about a span:
- the technique head's last layer is refitted on PTC train's gold technique spans plus the reviewed spans
  (accepted, relabelled and added: a span with the reviewer's technique), the reviewed ones weighing `weight`
  times a train span; the weight is chosen by cross-validation over the reviewed articles;
- the technique temperature is refitted on the train articles held out of training and the reviewed spans;
- the span probability map (Platt) is refitted on the spans the model finds in those held-out articles and on
  its reviewed spans, where a rejected span is a span that is wrong. Rejects thus lower the probability of
  spans like them; they do not change which spans are found.

The head's inputs for PTC train's gold spans depend only on the base model and PTC train, so they are cached
(keyed by both) under the user's cache folder: a second adapt of the same model skips the encoder pass over train.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from propaganda_lens.data import Article, Span, text_sha256
from propaganda_lens.detect.detector import (
    CHECKSUM_FILE,
    CONFIG_FILE,
    Detector,
    EncoderState,
    model_folder,
    model_version,
    write_checksums,
)
from propaganda_lens.detect.encoding import decode_spans, span_features
from propaganda_lens.detect.onnx_backend import SPAN_HEAD_FILE
from propaganda_lens.files import atomic_path, write_text_atomically
from propaganda_lens.ingest.ptc import clip_to_articles, read_articles, read_labels
from propaganda_lens.review.corrections import (
    ArticleCorrections,
    apply_corrections,
    check_against,
    write_corrections,
)
from propaganda_lens.review.head_fit import (
    SplitHead,
    fit_last_layer,
    fit_platt,
    fit_temperature,
    smoothed_targets,
    span_outcomes,
)
from propaganda_lens.scoring import matches_gold

CORRECTIONS_FILE = "corrections.json"
ADAPTATION_FILE = "adaptation.json"
HOLDOUT_FILE = "holdout.txt"
CACHE_ENVIRONMENT = "PROPAGANDA_LENS_CACHE"
WEIGHTS = (1.0, 3.0, 10.0, 30.0, 100.0)  # a reviewed span counts this many train spans; cross-validation picks one
DEFAULT_WEIGHT = 10.0  # with fewer than two reviewed articles there is nothing to cross-validate on
LABEL_SMOOTHING = 0.2  # as the shipped heads were refitted (train/span_head.py)
PULL = 1e-3  # L2 pull of the refitted layer towards the base model's
STEPS, LEARNING_RATE = 100, 1e-3  # few steps from the base weights: a refit on train alone stays near the base head
FOLDS = 5
# Files of the base model that describe it and not the adapted one.
NOT_COPIED = {SPAN_HEAD_FILE, CONFIG_FILE, CHECKSUM_FILE, "MODEL_CARD.md", "evaluation.json", "training_log.jsonl",
              "reliability.png", CORRECTIONS_FILE, ADAPTATION_FILE}


class AdaptError(ValueError):
    """Adapting cannot go on; the message is meant for the user."""


@dataclass
class ReviewedArticle:
    """An article's text and the corrections that apply to it (checked against it)."""

    corrections: ArticleCorrections
    text: str


@dataclass
class Rows:
    """Spans as the technique head sees them: its last hidden layer, the span-text prior logits, per technique
    the gold counts (gold spans) or whether that technique would be right (found spans), the article of each,
    and (found spans) the span probability."""

    hidden: np.ndarray
    prior: np.ndarray
    labels: np.ndarray
    articles: np.ndarray
    probability: np.ndarray

    @classmethod
    def empty(cls, hidden: int, techniques: int) -> Rows:
        return cls(np.zeros((0, hidden), np.float32), np.zeros((0, techniques), np.float32),
                   np.zeros((0, techniques), np.float32), np.zeros(0, dtype=str), np.zeros(0))

    @classmethod
    def joined(cls, parts: list[Rows], hidden: int, techniques: int) -> Rows:
        parts = [cls.empty(hidden, techniques), *parts]
        return cls(*(np.concatenate([getattr(part, name) for part in parts])
                     for name in ("hidden", "prior", "labels", "articles", "probability")))

    def where(self, mask: np.ndarray) -> Rows:
        return Rows(self.hidden[mask], self.prior[mask], self.labels[mask], self.articles[mask], self.probability[mask])

    def __len__(self) -> int:
        return len(self.hidden)


def _rows(detector: Detector, head: SplitHead, state: EncoderState, article: str, ranges: list[tuple[int, int]],
          labels: list[np.ndarray], probabilities: list[float] | None = None) -> Rows:
    k = len(detector.config.techniques)
    if not ranges:
        return Rows.empty(head.weight.shape[1], k)
    features = np.asarray(span_features(state.text, ranges), np.float32)
    return Rows(head.hidden(detector.span_vectors(state, ranges), features), detector.log_prior(state.text, ranges),
                np.asarray(labels, np.float32).reshape(-1, k), np.asarray([article] * len(ranges)),
                np.asarray(probabilities if probabilities is not None else [0.0] * len(ranges)))


def gold_rows(detector: Detector, head: SplitHead, state: EncoderState, article: str, gold: Iterable[Span]) -> Rows:
    """One row per distinct gold range, with how often gold gives it each technique."""
    techniques = detector.config.techniques
    counts: dict[tuple[int, int], np.ndarray] = {}
    for span in gold:
        counts.setdefault((span.start, span.end), np.zeros(len(techniques)))[techniques.index(span.technique)] += 1
    ranges = sorted(counts)
    return _rows(detector, head, state, article, ranges, [counts[key] for key in ranges])


def found_rows(detector: Detector, head: SplitHead, state: EncoderState, article: str,
               right: Callable[[int, int], np.ndarray | None]) -> Rows:
    """One row per span the model finds for which `right(start, end)` says which techniques are right (None:
    leave it out), with its span probability."""
    ranges, labels, probabilities = [], [], []
    for start, end, probability in decode_spans(state.text, state.encoded, state.tag_probabilities,
                                                detector.config.decoding):
        outcome = right(start, end)
        if outcome is not None:
            ranges.append((start, end))
            labels.append(outcome)
            probabilities.append(probability)
    return _rows(detector, head, state, article, ranges, labels, probabilities)


def gold_overlaps(gold: list[Span], techniques: tuple[str, ...]) -> Callable[[int, int], np.ndarray]:
    """For a found span: per technique, whether the span labelled so would match gold (scoring.matches_gold)."""
    return lambda start, end: np.asarray([matches_gold(Span(start, end, t), gold) for t in techniques], np.float32)


# -- PTC train, cached ----------------------------------------------------------------------------------------
def default_cache_folder() -> Path:
    """$PROPAGANDA_LENS_CACHE, else $XDG_CACHE_HOME/propaganda-lens, else ~/.cache/propaganda-lens."""
    if os.environ.get(CACHE_ENVIRONMENT):
        return Path(os.environ[CACHE_ENVIRONMENT])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "propaganda-lens"


def train_rows(detector: Detector, head: SplitHead, ptc: Path, holdout: set[str], cache: Path | None,
               progress: Callable[[Iterable], Iterable] = lambda items: items) -> tuple[Rows, Rows, bool]:
    """(gold rows of every PTC train article, found rows of the held-out ones, whether they came from the cache).
    The cache file's name is a digest of the model version, the train articles and labels, and `holdout`."""
    articles = {article.id: article for article in read_articles(ptc / "train-articles")}
    gold = clip_to_articles(read_labels(ptc / "train-labels-task-flc-tc"), articles)
    if not articles:
        raise AdaptError(f"{ptc / 'train-articles'}: no PTC train articles")
    digest = hashlib.sha256(model_version(detector.backend.folder).encode())
    for article_id in sorted(articles):
        spans = sorted((span.start, span.end, span.technique) for span in gold.get(article_id, []))
        digest.update(f"{article_id} {text_sha256(articles[article_id].text)} {spans} {article_id in holdout}\n".encode())
    path = cache / f"adapt-train-{digest.hexdigest()[:24]}.npz" if cache is not None else None
    names = ("hidden", "prior", "labels", "articles", "probability")
    if path is not None and path.is_file():
        try:
            with np.load(path) as stored:
                return (Rows(*(stored[f"gold_{name}"] for name in names)),
                        Rows(*(stored[f"found_{name}"] for name in names)), True)
        except (OSError, ValueError, KeyError):
            pass  # an unreadable cache file is rebuilt
    gold_parts, found_parts = [], []
    for article_id in progress(sorted(articles)):
        spans = gold.get(article_id, [])
        if not spans and article_id not in holdout:
            continue
        state = detector.run(articles[article_id].text)
        gold_parts.append(gold_rows(detector, head, state, article_id, spans))
        if article_id in holdout:
            found_parts.append(found_rows(detector, head, state, article_id,
                                          gold_overlaps(spans, detector.config.techniques)))
    size = (head.weight.shape[1], len(detector.config.techniques))
    train, held_out = Rows.joined(gold_parts, *size), Rows.joined(found_parts, *size)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as temporary, temporary.open("wb") as handle:
                np.savez(handle, **{f"{prefix}_{name}": getattr(rows, name)
                                    for prefix, rows in (("gold", train), ("found", held_out)) for name in names})
        except OSError:
            pass  # no cache: the next adapt encodes train again
    return train, held_out, False


# -- reviewed articles ------------------------------------------------------------------------------------------
def matched_reviews(items: list[ArticleCorrections], articles: Iterable[Article]) -> tuple[list[ReviewedArticle], list[str]]:
    """Each corrections entry with its text (found by the text's SHA-256, else by article id, then checked
    against it), and one line for each entry or correction left out."""
    texts = list(articles)
    by_hash = {text_sha256(article.text): article.text for article in texts}
    by_id = {article.id: article.text for article in texts}
    reviewed, problems = [], []
    for item in items:
        text = by_hash.get(item.text_sha256, by_id.get(item.article))
        if text is None:
            problems.append(f"article {item.article!r}: none of the given texts is the one reviewed; its "
                            f"{len(item.corrections)} corrections are left out")
            continue
        kept, issues = check_against(item, text)
        problems.extend(issues)
        if kept:
            reviewed.append(ReviewedArticle(replace(item, corrections=kept), text))
    return reviewed, problems


def reviewed_rows(detector: Detector, head: SplitHead, article: ReviewedArticle, state: EncoderState) -> tuple[Rows, Rows]:
    """(the reviewed spans with the reviewer's techniques, the model's found spans a reviewer decided on with
    which techniques are right for them: none for a rejected span)."""
    corrections = article.corrections.corrections
    model_spans = sorted({Span(c.start, c.end, c.model_technique) for c in corrections if c.model_technique},
                         key=lambda span: (span.start, span.end, span.technique))
    after = [item.span for item in apply_corrections(model_spans, corrections)]
    techniques = detector.config.techniques
    right_here: dict[tuple[int, int], set[str]] = {(span.start, span.end): set() for span in model_spans}
    for span in after:
        right_here.setdefault((span.start, span.end), set()).add(span.technique)
    name = article.corrections.article
    labelled = gold_rows(detector, head, state, name, after)
    found = found_rows(detector, head, state, name, lambda start, end: None if (start, end) not in right_here else
                       np.asarray([t in right_here[(start, end)] for t in techniques], np.float32))
    return labelled, found


# -- fitting ------------------------------------------------------------------------------------------------------
@dataclass
class Fitted:
    """The refitted last layer and maps, and how they were chosen."""

    weight: np.ndarray
    bias: np.ndarray
    review_weight: float
    cross_validation: dict[str, dict[str, float]]  # per review weight: held-out accuracy and log-loss
    temperature: float
    span_calibration: tuple[float, float] | None
    calibration_rows: dict[str, int]


def logits_of(rows: Rows, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Technique logits as the detector computes them: the head's last layer plus the span-text priors."""
    return rows.hidden @ weight.T + bias + rows.prior


def _held_out_scores(logits: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Top-technique accuracy and log-loss of the label distribution, on reviewed spans left out of the fit."""
    best = logits.argmax(axis=1)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    targets = labels / labels.sum(axis=1, keepdims=True)
    return {"accuracy": float((labels[np.arange(len(best)), best] > 0).mean()),
            "log_loss": float(-(targets * log_probabilities).sum(axis=1).mean())}


def fit(head: SplitHead, train: Rows, held_out_found: Rows, holdout: set[str], reviewed: Rows, reviewed_found: Rows,
        base_temperature: float, base_span_map: tuple[float, float] | None) -> Fitted:
    """Refit the head's last layer on train (less the held-out articles) and the reviewed spans; pick the
    reviewed spans' weight by cross-validation over the reviewed articles; refit the temperature and the span
    map on the held-out train articles and the reviewed spans' out-of-fold predictions."""
    held = np.isin(train.articles, sorted(holdout))
    fit_rows, held_gold = train.where(~held), train.where(held)
    size = (head.weight.shape[1], head.weight.shape[0])

    def refitted(extra: Rows, review_weight: float) -> tuple[np.ndarray, np.ndarray]:
        rows = Rows.joined([fit_rows, extra], *size)
        weights = np.r_[np.ones(len(fit_rows)), np.full(len(extra), review_weight)]
        return fit_last_layer(rows.hidden, smoothed_targets(rows.labels, LABEL_SMOOTHING), weights,
                              (head.weight, head.bias), PULL, STEPS, LEARNING_RATE)

    articles = sorted(set(reviewed.articles) | set(reviewed_found.articles))
    scores: dict[str, dict[str, float]] = {}
    out_of_fold: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    if len(articles) >= 2 and len(reviewed):
        folds = min(FOLDS, len(articles))
        fold_of = {article: index % folds for index, article in enumerate(articles)}
        in_fold = [np.asarray([fold_of[a] for a in rows.articles], dtype=int) for rows in (reviewed, reviewed_found)]
        for review_weight in WEIGHTS:
            gold_logits, found_logits = np.zeros(reviewed.labels.shape), np.zeros(reviewed_found.labels.shape)
            for fold in range(folds):
                weight, bias = refitted(reviewed.where(in_fold[0] != fold), review_weight)
                gold_logits[in_fold[0] == fold] = logits_of(reviewed.where(in_fold[0] == fold), weight, bias)
                found_logits[in_fold[1] == fold] = logits_of(reviewed_found.where(in_fold[1] == fold), weight, bias)
            scores[f"{review_weight:g}"] = _held_out_scores(gold_logits, reviewed.labels)
            out_of_fold[review_weight] = gold_logits, found_logits
        review_weight = max(WEIGHTS, key=lambda w: (scores[f"{w:g}"]["accuracy"], -scores[f"{w:g}"]["log_loss"]))
    else:
        review_weight = DEFAULT_WEIGHT
    weight, bias = refitted(reviewed, review_weight)

    # Calibration data: held-out train articles (weight 1) and, when cross-validated, reviewed spans (out of fold).
    technique_sets = [(logits_of(held_gold, weight, bias), held_gold.labels > 0, 1.0)]
    found_sets = [(held_out_found, logits_of(held_out_found, weight, bias), 1.0)]
    if review_weight in out_of_fold:
        gold_out_of_fold, found_out_of_fold = out_of_fold[review_weight]
        technique_sets.append((gold_out_of_fold, reviewed.labels > 0, review_weight))
        found_sets.append((reviewed_found, found_out_of_fold, review_weight))
    logits = np.concatenate([logits for logits, _, _ in technique_sets])
    right = np.concatenate([right for _, right, _ in technique_sets])
    weights = np.concatenate([np.full(len(logits), share) for logits, _, share in technique_sets])
    temperature = fit_temperature(logits, right, weights) if len(logits) else base_temperature
    span_map = base_span_map
    found = Rows.joined([rows for rows, _, _ in found_sets], *size)
    if len(found):
        probabilities, outcomes = span_outcomes(found.probability, np.concatenate([logits for _, logits, _ in found_sets]),
                                                found.labels, temperature)
        weights = np.concatenate([np.full(len(rows), share) for rows, _, share in found_sets])
        span_map = fit_platt(probabilities, outcomes, weights, base_span_map or (1.0, 0.0))
    return Fitted(weight, bias, review_weight, scores, temperature, span_map,
                  {"technique_spans": len(logits), "found_spans": len(found)})


# -- the adapted model folder ---------------------------------------------------------------------------------
def link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the file system allows one (the large encoder is not stored twice), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def adapt(reviewed: list[ReviewedArticle], ptc: Path, output: Path, model: str | Path | None = None,
          cache: Path | None = None, states: Mapping[str, EncoderState] | None = None,
          progress: Callable[[Iterable], Iterable] = lambda items: items) -> dict:
    """Write the model adapted to `reviewed` as the new folder `output`; returns what adaptation.json holds.
    `states`: the base encoder's output for reviewed articles by article id, when the caller has it."""
    from propaganda_lens.review.adapt_card import model_card

    base = model_folder(model)
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise AdaptError(f"{output} exists and is not empty; the adapted model needs a new folder")
    detector = Detector.from_disk(base)
    head = SplitHead(base)
    holdout_path = base / HOLDOUT_FILE
    holdout = set(holdout_path.read_text(encoding="utf-8").split()) if holdout_path.is_file() else set()
    train, held_out_found, cached = train_rows(detector, head, Path(ptc), holdout, cache, progress)
    size = (head.weight.shape[1], head.weight.shape[0])
    labelled, found = [], []
    for article in reviewed:
        state = (states or {}).get(article.corrections.article) or detector.run(article.text)
        rows = reviewed_rows(detector, head, article, state)
        labelled.append(rows[0])
        found.append(rows[1])
    reviewed_gold, reviewed_found = Rows.joined(labelled, *size), Rows.joined(found, *size)
    if not len(reviewed_gold) and not len(reviewed_found):
        raise AdaptError("no usable corrections: nothing to adapt the model on")
    config = detector.config
    fitted = fit(head, train, held_out_found, holdout, reviewed_gold, reviewed_found, config.technique_temperature,
                 config.span_calibration)
    actions: dict[str, int] = {}
    for article in reviewed:
        for correction in article.corrections.corrections:
            actions[correction.action] = actions.get(correction.action, 0) + 1
    summary = {
        "base_model": model_version(base),
        "reviewed_articles": len(reviewed),
        "corrections": dict(sorted(actions.items())),
        "reviewed_technique_spans": len(reviewed_gold),
        "reviewed_found_spans": len(reviewed_found),
        "train_technique_spans": int((~np.isin(train.articles, sorted(holdout))).sum()),
        "held_out_train_articles": len(holdout),
        "review_weight": fitted.review_weight,
        "review_weights_tried": list(WEIGHTS) if fitted.cross_validation else [],
        "cross_validation": fitted.cross_validation,
        "label_smoothing": LABEL_SMOOTHING,
        "pull_to_base": PULL,
        "technique_temperature": {"base": config.technique_temperature, "adapted": fitted.temperature},
        "span_calibration": {"base": config.span_calibration, "adapted": fitted.span_calibration},
        "calibration_rows": fitted.calibration_rows,
        "train_states_from_cache": cached,
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}."))
    try:
        for path in sorted(base.iterdir()):
            if path.is_file() and path.name not in NOT_COPIED:
                link_or_copy(path, scratch / path.name)
        head.write(scratch, fitted.weight, fitted.bias)
        adapted = replace(config, name=f"{config.name}-adapted", technique_temperature=fitted.temperature,
                          span_calibration=fitted.span_calibration)
        adapted.to_file(scratch / CONFIG_FILE)
        write_corrections(scratch / CORRECTIONS_FILE, [article.corrections for article in reviewed])
        write_text_atomically(scratch / ADAPTATION_FILE, json.dumps(summary, indent=2) + "\n")
        listed = [line.split(maxsplit=1)[1] for line in (base / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines()]
        write_checksums(scratch, sorted(set(listed) | {CORRECTIONS_FILE, ADAPTATION_FILE}))
        write_text_atomically(scratch / "MODEL_CARD.md", model_card(adapted.name, summary))
        if output.exists():
            output.rmdir()
        os.replace(scratch, output)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    summary["version"] = model_version(output)
    return summary
