"""The HTML report: one self-contained file (inline CSS and JS, no external requests) with the article,
its highlighted spans, explanations on hover and click, a legend, a technique chart, the metadata, the actors
with a graph of who supports or opposes whom (Cytoscape.js, inlined only when there is an edge to draw), and
the claims and predictions.
The full analysis (the JSON output) travels inside it, in the `analysis-data` script element.

Every piece of article text goes through Jinja2's autoescaping, and the span data reaches the script
through `tojson`, which escapes `<`, `>`, `&` and quotes, so article content can never become markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape

from propaganda_lens.catalogue import CATALOGUE
from propaganda_lens.data import SCHEMA_VERSION, Analysis, Span
from propaganda_lens.enrich.language import not_analyzed_message
from propaganda_lens.enrich.outlets import describe_outlet

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


def is_uncertain(span: Span) -> bool:
    return span.probability is not None and span.probability < UNCERTAIN_BELOW


def segment_class(segment: Segment, spans: list[Span]) -> str:
    """'span', plus 'uncertain' when even the most probable span covering the segment is uncertain."""
    return "span uncertain" if is_uncertain(spans[segment.spans[0]]) else "span"


def segment_title(segment: Segment, span_data: list[dict]) -> str:
    """The hover text: each covering span's technique and confidence."""
    parts = []
    for index in segment.spans:
        probability = span_data[index]["probability"]
        parts.append(span_data[index]["technique"] + ("" if probability is None else f" ({probability:.0%})"))
    return "; ".join(parts)


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


def render_html(analysis: Analysis) -> str:
    """The report as one HTML document."""
    text = analysis.article.text
    analyzed = analysis.techniques_analyzed
    shown = analysis.spans if analyzed else []  # a text that is not English shows no model output as findings
    counts = (analysis.summary.technique_counts if analysis.summary else {}) if analyzed else {}
    span_data = [
        {
            "technique": CATALOGUE[span.technique].name if span.technique else "Propaganda",
            "color": color_of(span),
            "probability": span.probability,
            "text": span.text_in(text),
            "explanation": span.explanation or "",
            "example": CATALOGUE[span.technique].example if span.technique else "",
            "cues": [[max(start, span.start) - span.start, min(end, span.end) - span.start] for start, end in span.cues],
        }
        for span in shown
    ]
    title_start, title_end, body_start = title_range(text, analysis.article.metadata.title)
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
        used=[CATALOGUE[label] for label in counts],
        counts=counts,
        precision=analysis.technique_precision,
        uncertain_count=sum(is_uncertain(span) for span in shown),
        uncertain_below=UNCERTAIN_BELOW,
        top_count=max(counts.values(), default=1),
        schema_version=SCHEMA_VERSION,
        graph=relation_graph(analysis),
        graph_library=graph_library() if analysis.relations else "",
        statements=statement_parts(analysis),
        catalogue=CATALOGUE,
    )
