"""The HTML report: one self-contained file (inline CSS and JS, no external requests) with the article,
its highlighted spans, explanations on hover and click, a legend, a technique chart, the metadata, the actors
with a graph of who supports or opposes whom (Cytoscape.js, inlined only when there is an edge to draw), and
the claims and predictions.
The full analysis (the JSON output) travels inside it, in the `analysis-data` script element.

A reviewer can accept, reject, relabel and add spans in the page (static/report.js); the report opens with
any stored corrections applied, and its corrections go to a corrections JSON download, or, with `review_url`,
are also POSTed there as they are made.

Every piece of article text goes through Jinja2's autoescaping, and the span data reaches the script
through `tojson`, which escapes `<`, `>`, `&` and quotes, so article content can never become markup.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from propaganda_lens.catalogue import CATALOGUE
from propaganda_lens.data import SCHEMA_VERSION, Analysis, Correction, Span, text_sha256
from propaganda_lens.enrich.language import not_analyzed_message
from propaganda_lens.enrich.outlets import describe_outlet
from propaganda_lens.enrich.summary import technique_counts
from propaganda_lens.review.corrections import apply_corrections

UNLABELLED_COLOR = "#ffd54f"
# Spans less probable than this are faded and hidden until the reader asks for them ("show uncertain
# spans"); they stay in the JSON.
UNCERTAIN_BELOW = 0.25


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch [start, end) of text covered by the same set of spans (indices into Analysis.spans, most
    probable first)."""

    start: int
    end: int
    text: str
    spans: tuple[int, ...]


def segments(text: str, spans: list[Span], cuts: tuple[int, ...] = ()) -> list[Segment]:
    """`text` cut at every span boundary (and at `cuts`), so that overlapping spans stay readable: each
    piece lists all the spans that cover it."""
    cuts = sorted({0, len(text), *cuts, *(span.start for span in spans), *(span.end for span in spans)})
    order = sorted(range(len(spans)), key=lambda index: -(spans[index].probability or 0.0))
    pieces = []
    for start, end in zip(cuts, cuts[1:]):
        covering = tuple(index for index in order if spans[index].start <= start and end <= spans[index].end)
        pieces.append(Segment(start, end, text[start:end], covering))
    return pieces


def title_range(text: str, title: str | None) -> tuple[int, int, int]:
    """(start, end, body start) of the title when the text opens with it, as PTC articles and scraped pages
    do, so that the report shows it once, as the heading; (0, 0, 0) otherwise."""
    if not title:
        return 0, 0, 0
    start = len(text) - len(text.lstrip("\ufeff \t\n"))
    end = start + len(title)
    if text[start:end] != title:
        return 0, 0, 0
    return start, end, len(text) - len(text[end:].lstrip())


def color_of(span: Span) -> str:
    return CATALOGUE[span.technique].color if span.technique else UNLABELLED_COLOR


def segment_style(segment: Segment, spans: list[Span]) -> str:
    """Background in the most probable span's colour; one underline stripe per further span."""
    colors = [color_of(spans[index]) for index in segment.spans]
    stripes = ", ".join(f"inset 0 -{3 * depth}px 0 {color}" for depth, color in enumerate(colors[1:], start=1))
    return f"background-color: {colors[0]}59;" + (f" box-shadow: {stripes};" if stripes else "")


def is_uncertain(probability: float | None) -> bool:
    return probability is not None and probability < UNCERTAIN_BELOW


def segment_class(segment: Segment, span_data: list[dict]) -> str:
    """'span', plus 'uncertain' when even the most probable span covering the segment is unreviewed and
    uncertain, plus 'reviewed' when a reviewer decided on a span covering it (as static/report.js does)."""
    top = span_data[segment.spans[0]]
    names = ["span"]
    if top["action"] is None and is_uncertain(top["probability"]):
        names.append("uncertain")
    reviewed = [span_data[index] for index in segment.spans if span_data[index]["action"]]
    if reviewed:
        names.append("reviewed")
    if any(span["end"] == segment.end for span in reviewed):
        names.append("reviewed-end")  # the ✓ after a reviewed span
    return " ".join(names)


def segment_title(segment: Segment, span_data: list[dict]) -> str:
    """The hover text: each covering span's technique and confidence, and the reviewer's decision."""
    parts = []
    for index in segment.spans:
        probability, action = span_data[index]["probability"], span_data[index]["action"]
        parts.append(span_data[index]["technique"] + ("" if probability is None else f" ({probability:.0%})")
                     + (f", reviewed: {REVIEW_WORDS[action]}" if action else ""))
    return "; ".join(parts)


# How the page names each decision (static/report.js uses the same words).
REVIEW_WORDS = {"accept": "accepted", "relabel": "technique changed", "add": "added by the reviewer"}


def covered_share(length: int, spans: list[Span]) -> float:
    """The share of the text's characters inside at least one span."""
    covered, reach = 0, 0
    for span in sorted(spans, key=lambda span: span.start):
        covered += max(0, span.end - max(span.start, reach))
        reach = max(reach, span.end)
    return covered / length if length else 0.0


def span_info(span: Span, text: str, action: str | None = None) -> dict:
    """What the page's script shows of a span: offsets, technique, explanation, the words that weighed most."""
    return {
        "start": span.start,
        "end": span.end,
        "label": span.technique,
        "technique": CATALOGUE[span.technique].name if span.technique else "Propaganda",
        "color": color_of(span),
        "probability": span.probability,
        "text": span.text_in(text),
        "explanation": span.explanation or "",
        "example": CATALOGUE[span.technique].example if span.technique else "",
        "cues": [[max(start, span.start) - span.start, min(end, span.end) - span.start] for start, end in span.cues],
        "action": action,
    }


@lru_cache(maxsize=1)
def report_script() -> str:
    """The report's own script (explanations, the review controls), inlined into every report."""
    return (resources.files("propaganda_lens.report") / "static" / "report.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def graph_library() -> str:
    """Cytoscape.js 3.34.4 (MIT, from npm; its license is beside it), to inline into reports with relations."""
    return (resources.files("propaganda_lens.report") / "static" / "cytoscape.min.js").read_text(encoding="utf-8")


def relation_graph(analysis: Analysis) -> dict:
    """Nodes (the actors in a relation) and edges for the report's graph, evidence text included."""
    text = analysis.article.text
    names = {actor.id: actor for actor in analysis.actors}
    used = {actor_id for relation in analysis.relations for actor_id in (relation.source, relation.target)}
    return {
        "nodes": [{"id": actor.id, "name": actor.name, "kind": actor.kind} for actor in analysis.actors if actor.id in used],
        "edges": [
            {
                "source": relation.source,
                "target": relation.target,
                "polarity": relation.polarity,
                "modality": relation.modality,
                "evidence": text[relation.evidence[0] : relation.evidence[1]],
                "trigger": [text[start:end] for start, end in relation.trigger],
                "summary": f"{names[relation.source].name} {relation.polarity} {names[relation.target].name}",
            }
            for relation in analysis.relations
        ],
    }


def statement_parts(analysis: Analysis) -> list[dict]:
    """Each statement's text cut around its hedge (shown in bold), with its kind, probability and source."""
    text = analysis.article.text
    parts = []
    for statement in analysis.statements:
        hedge_start, hedge_end = statement.hedge or (statement.start, statement.start)
        parts.append({
            "kind": statement.kind,
            "probability": statement.probability,
            "before": text[statement.start : hedge_start],
            "hedge": text[hedge_start:hedge_end],
            "after": text[hedge_end : statement.end],
            "source": analysis.speaker(statement),
        })
    return parts


def safe_link(url: str | None) -> str | None:
    """The URL if it is http(s), so a `javascript:` address in metadata never becomes a link."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("propaganda_lens.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["segment_style"] = segment_style
    environment.filters["segment_title"] = segment_title
    environment.filters["segment_class"] = segment_class
    return environment


def render_html(analysis: Analysis, corrections: list[Correction] | None = None, review_url: str | None = None) -> str:
    """The report as one HTML document, with `corrections` (a reviewer's, stored earlier) applied and marked
    reviewed. With `review_url`, the page POSTs each new correction there as a corrections document (its
    policy then allows requests to its own origin); without, it makes no request at all."""
    text = analysis.article.text
    analyzed = analysis.techniques_analyzed
    model_spans = analysis.spans if analyzed else []  # a text that is not English shows no model output as findings
    reviewed = apply_corrections(model_spans, list(corrections or []) if analyzed else [])
    shown = [item.span for item in reviewed]
    counts = technique_counts(shown)
    span_data = [span_info(item.span, text, item.action) for item in reviewed]
    title_start, title_end, body_start = title_range(text, analysis.article.metadata.title)
    review = {
        "article": analysis.article.id,
        "text_sha256": text_sha256(text),
        "model": analysis.model,
        "review_url": review_url,
        "uncertain_below": UNCERTAIN_BELOW,
        "spans": [span_info(span, text) for span in model_spans],
        "corrections": [asdict(correction) for correction in corrections or []] if analyzed else [],
        "techniques": [{"label": entry.label, "name": entry.name, "color": entry.color, "definition": entry.definition,
                        "example": entry.example, "precision": analysis.technique_precision.get(entry.label)}
                       for entry in CATALOGUE.values()],
    }
    pieces = segments(text, shown, (title_start, title_end, body_start))
    return _environment().get_template("report.html.j2").render(
        analysis=analysis,
        metadata=analysis.article.metadata,
        link=safe_link(analysis.article.metadata.url),
        outlet_line=describe_outlet(analysis.outlet),
        title_segments=[piece for piece in pieces if title_start <= piece.start and piece.end <= title_end],
        segments=[piece for piece in pieces if piece.start >= body_start],
        spans=shown,
        not_analyzed=None if analyzed else not_analyzed_message(analysis.language),
        span_data=span_data,
        review=review,
        review_script=report_script(),
        title_start=title_start,
        title_end=title_end,
        body_start=body_start,
        used=[CATALOGUE[label] for label in counts],
        counts=counts,
        covered_share=covered_share(len(text), shown),
        precision=analysis.technique_precision,
        uncertain_count=sum(is_uncertain(item.span.probability) and item.action is None for item in reviewed),
        reviewed_count=sum(item.action is not None for item in reviewed),
        uncertain_below=UNCERTAIN_BELOW,
        top_count=max(counts.values(), default=1),
        schema_version=SCHEMA_VERSION,
        graph=relation_graph(analysis),
        graph_library=graph_library() if analysis.relations else "",
        statements=statement_parts(analysis),
        catalogue=CATALOGUE,
    )
