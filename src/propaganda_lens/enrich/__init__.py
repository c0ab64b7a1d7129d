"""The enrich stage: turns detected spans into an Analysis with explanations, sentences and a summary."""

from __future__ import annotations

from dataclasses import replace

from propaganda_lens.catalogue import explain
from propaganda_lens.data import Analysis, Article, Span
from propaganda_lens.enrich.language import detect_language, language_warnings
from propaganda_lens.enrich.outlets import outlet_of_article
from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.enrich.summary import character_weights, score_sentences, summarize


def enrich(
    article: Article,
    spans: list[Span],
    model: str,
    technique_precision: dict[str, float] | None = None,
    outlet: str | None = None,
) -> Analysis:
    """The full Analysis of an article from the spans a detector found in its text. `technique_precision`
    is the model's measured share of right spans per technique, shown beside its judgements; `outlet` names
    the article's outlet when it is known apart from the metadata (a corpus's --outlet)."""
    technique_precision = technique_precision or {}
    spans = sorted(spans, key=lambda span: (span.start, span.end))
    explained = [
        replace(span, explanation=explain(
            span.technique,
            span.probability,
            technique_precision.get(span.technique),
            tuple(article.text[start:end] for start, end in span.cues),
        )) if span.technique else span
        for span in spans
    ]
    weights = character_weights(len(article.text), explained)
    sentences = score_sentences(sentence_ranges(article.text), explained, weights)
    summary = summarize(article.text, explained, sentences, weights)
    language = detect_language(article.text)
    return Analysis(article=article, spans=explained, model=model, sentences=sentences, summary=summary,
                    technique_precision=technique_precision, language=language, warnings=language_warnings(language),
                    outlet=outlet_of_article(article, outlet))
