"""Training examples from PTC: token windows with BIO tags, and the gold technique spans inside them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from propaganda_lens.data import Article, Span
from propaganda_lens.detect.encoding import (
    EncodedText,
    aligned_tag_probabilities,
    bio_tags,
    best_window,
    encode,
    span_features,
    window_ranges,
)
from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.enrich.summary import spans_per_sentence
from propaganda_lens.ingest.ptc import clip_to_articles, read_articles, read_labels


@dataclass
class SpanExample:
    first: int  # token positions inside the window, counting [CLS] as 0
    last: int
    features: list[float]
    label: int
    soft_label: np.ndarray | None = None  # a teacher's technique distribution, when distilling


@dataclass
class SentenceExample:
    """A sentence (or the part of it inside its window) for the auxiliary sentence head: does it hold a span?"""

    first: int  # token positions inside the window, counting [CLS] as 0
    last: int
    label: float  # 1.0 when a gold SI span overlaps the sentence


@dataclass
class WindowExample:
    input_ids: np.ndarray  # with [CLS] and [SEP]
    tags: np.ndarray  # -100 on [CLS] / [SEP]
    spans: list[SpanExample] = field(default_factory=list)
    sentences: list[SentenceExample] = field(default_factory=list)
    soft_tags: np.ndarray | None = None  # (length, 3) a teacher's O/B/I probabilities, when distilling


@dataclass
class SoftTargets:
    """A teacher's view of one article: O/B/I probabilities per student token, and a technique distribution
    per gold technique span (in the article's span order)."""

    tags: np.ndarray
    techniques: np.ndarray


@dataclass
class Split:
    """Articles of one PTC split with their gold SI and technique spans."""

    articles: dict[str, Article]
    si: dict[str, list[Span]]
    techniques: dict[str, list[Span]]


def load_split(ptc_folder: Path, split: str) -> Split:
    """Load `train` or `dev` of the SemEval-2020 PTC release."""
    articles = {a.id: a for a in read_articles(ptc_folder / f"{split}-articles")}
    si = clip_to_articles(read_labels(ptc_folder / f"{split}-labels-task-si"), articles)
    techniques = clip_to_articles(read_labels(ptc_folder / f"{split}-labels-task-flc-tc"), articles)
    for article_id in articles:
        si.setdefault(article_id, [])
        techniques.setdefault(article_id, [])
    return Split(articles, si, techniques)


def split_off(split: Split, share: float) -> tuple[Split, Split]:
    """(kept, held out): about `share` of the articles, chosen by a stable hash of their id, are held out."""

    def held_out(article_id: str) -> bool:
        digest = hashlib.sha256(article_id.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < share

    def part(ids: list[str]) -> Split:
        return Split(
            {i: split.articles[i] for i in ids}, {i: split.si[i] for i in ids}, {i: split.techniques[i] for i in ids}
        )

    ids = sorted(split.articles)
    return part([i for i in ids if not held_out(i)]), part([i for i in ids if held_out(i)])


def joined(first: Split, second: Split) -> Split:
    """Both splits' articles as one split (PTC train and dev ids do not overlap)."""
    if first.articles.keys() & second.articles.keys():
        raise ValueError("the splits share article ids")
    return Split({**first.articles, **second.articles}, {**first.si, **second.si},
                 {**first.techniques, **second.techniques})


def build_windows(
    split: Split,
    tokenizer,
    techniques: tuple[str, ...],
    window_size: int,
    stride: int,
    cls_id: int,
    sep_id: int,
    soft_targets: dict[str, SoftTargets] | None = None,
) -> list[WindowExample]:
    """Cut every article into windows; each gold technique span and each sentence goes to the window that holds
    it best. With `soft_targets` (distillation), windows and spans also carry the teacher's distributions."""
    examples: list[WindowExample] = []
    for article_id in sorted(split.articles):
        text = split.articles[article_id].text
        encoded = encode(tokenizer, text)
        if len(encoded) == 0:
            continue
        tags = bio_tags(encoded, split.si[article_id])
        windows = window_ranges(len(encoded), window_size - 2, stride)
        soft = soft_targets.get(article_id) if soft_targets else None
        article_examples = [
            WindowExample(
                input_ids=np.r_[cls_id, encoded.ids[start:end], sep_id],
                tags=np.r_[-100, tags[start:end], -100],
                soft_tags=None if soft is None else np.pad(soft.tags[start:end], ((1, 1), (0, 0))),
            )
            for start, end in windows
        ]
        spans = split.techniques[article_id]
        features = span_features(text, [(span.start, span.end) for span in spans])
        for span_index, (span, span_feature) in enumerate(zip(spans, features)):
            first, last = encoded.token_range(span.start, span.end)
            if first == last:
                continue
            index = best_window(windows, first, last)
            start, end = windows[index]
            first, last = max(first, start), min(last, end)
            article_examples[index].spans.append(
                SpanExample(
                    first=first - start + 1,
                    last=last - start + 1,
                    features=span_feature,
                    label=techniques.index(span.technique),
                    soft_label=None if soft is None else soft.techniques[span_index],
                )
            )
        for first, last, label in sentence_labels(text, encoded, split.si[article_id]):
            index = best_window(windows, first, last)
            start, end = windows[index]
            article_examples[index].sentences.append(
                SentenceExample(first=max(first, start) - start + 1, last=min(last, end) - start + 1, label=label)
            )
        examples.extend(article_examples)
    return examples


def sentence_labels(text: str, encoded: EncodedText, si_spans: list[Span]) -> list[tuple[int, int, float]]:
    """(first token, last token, 1.0 if a gold SI span overlaps it else 0.0) for each sentence of `text`."""
    ranges = sentence_ranges(text)
    labels = []
    for (start, end), touching in zip(ranges, spans_per_sentence(ranges, si_spans)):
        first, last = encoded.token_range(start, end)
        if first < last:
            labels.append((first, last, float(bool(touching))))
    return labels


def teacher_targets(teacher, split: Split, tokenizer) -> dict[str, SoftTargets]:
    """What a teacher detector (any tokenizer) says of each article, aligned to the student's tokens by
    character offsets: each student token takes the tag probabilities of the first teacher token it overlaps."""
    targets = {}
    for article_id in sorted(split.articles):
        text = split.articles[article_id].text
        student = encode(tokenizer, text)
        if len(student) == 0:
            continue
        state = teacher.run(text)
        tags = aligned_tag_probabilities(student, state.encoded, state.tag_probabilities)
        spans = [(span.start, span.end) for span in split.techniques[article_id]]
        targets[article_id] = SoftTargets(tags, teacher.technique_probabilities(state, spans).astype(np.float32))
    return targets
