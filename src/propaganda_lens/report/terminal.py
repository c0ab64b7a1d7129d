"""The terminal report: metadata, the text with colored spans, a legend, a summary table, the actors and their
relations, and the claims and predictions (Rich)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from propaganda_lens.catalogue import CATALOGUE
from propaganda_lens.data import Analysis, Span
from propaganda_lens.enrich.language import not_analyzed_message
from propaganda_lens.enrich.outlets import describe_outlet

UNLABELLED_STYLE = "bold black on yellow"


def _style(span: Span) -> str:
    return f"bold black on {CATALOGUE[span.technique].color}" if span.technique else UNLABELLED_STYLE


def _header(analysis: Analysis) -> Text:
    metadata = analysis.article.metadata
    header = Text(metadata.title or analysis.article.id, style="bold")
    details = [metadata.site, metadata.author and f"by {metadata.author}", metadata.date,
               *(f"{name.replace('_', ' ').capitalize()}: {value}" for name, value in metadata.extra.items()),
               metadata.url or analysis.article.source]
    line = " · ".join(detail for detail in details if detail)
    if line:
        header.append(f"\n{line}", style="dim")
    header.append(f"\nOutlet: {describe_outlet(analysis.outlet)}", style="dim")
    return header


def render(analysis: Analysis) -> Group:
    """The whole report as one Rich renderable. Overlapping spans show the most probable one's colour."""
    text = Text(analysis.article.text)
    analyzed = analysis.techniques_analyzed
    for span in sorted(analysis.spans if analyzed else [], key=lambda span: span.probability or 0.0):
        text.stylize(_style(span), span.start, span.end)
    counts = (analysis.summary.technique_counts if analysis.summary else {}) if analyzed else {}
    legend = Text("Legend: ", style="bold")
    for label in counts:
        legend.append(f" {CATALOGUE[label].name} ", style=f"bold black on {CATALOGUE[label].color}")
        legend.append(" ")
    table = Table(title=f"{len(analysis.spans)} technique spans (model {analysis.model})", title_justify="left")
    for column in ("technique", "spans", "what it is"):
        table.add_column(column, overflow="fold", justify="right" if column == "spans" else "left")
    for label, count in counts.items():
        table.add_row(Text(CATALOGUE[label].name, style=CATALOGUE[label].color), str(count), CATALOGUE[label].definition)
    warnings = [Text(f"Warning: {warning}", style="bold red") for warning in analysis.warnings]
    parts = [_header(analysis), *warnings, Text(), text, Text(), legend if counts else
             Text("No technique found." if analyzed else not_analyzed_message(analysis.language))]
    if counts:
        covered = analysis.summary.covered_share if analysis.summary else 0.0
        parts += [table, Text(f"{covered:.0%} of the text lies inside technique spans.", style="dim")]
    return Group(*parts, *_actors(analysis), *_relations(analysis), *_statements(analysis))


def _actors(analysis: Analysis) -> list:
    if not analysis.actors:
        return [Text("\nNo named actors.", style="dim")]
    table = Table(title=f"{len(analysis.actors)} actors", title_justify="left")
    for column in ("actor", "kind", "mentions", "techniques in the sentences that name it"):
        table.add_column(column, overflow="fold", justify="right" if column == "mentions" else "left")
    for actor in analysis.actors:
        framing = ", ".join(f"{CATALOGUE[label].name} ({count})" for label, count in actor.techniques.items())
        kind = f"{actor.kind}, acts for {actor.country}" if actor.country else actor.kind
        table.add_row(actor.name, kind, str(len(actor.mentions)), framing)
    return [Text(), table]


def _relations(analysis: Analysis) -> list:
    if not analysis.relations:
        return []
    names = {actor.id: actor.name for actor in analysis.actors}
    text = analysis.article.text
    lines = [Text("\nWho supports or opposes whom", style="bold")]
    for relation in analysis.relations:
        line = Text(f"  {names[relation.source]} ")
        line.append(relation.polarity, style="bold green" if relation.polarity == "supports" else "bold red")
        line.append(f" {names[relation.target]}")
        trigger = " … ".join(text[start:end] for start, end in relation.trigger)
        line.append(f"  ({relation.modality}; \"{trigger}\")", style="dim")
        lines.append(line)
    return lines


def _statements(analysis: Analysis) -> list:
    if not analysis.statements:
        return [Text("\nNo check-worthy claims or predictions.", style="dim")]
    text = analysis.article.text
    lines = [Text("\nClaims and predictions", style="bold")]
    for statement in analysis.statements:
        line = Text(f"  [{statement.kind}] ", style="bold magenta" if statement.kind == "prediction" else "bold cyan")
        line.append(text[statement.start : statement.end])
        if statement.hedge:
            line.stylize("bold underline", len(line) - (statement.end - statement.hedge[0]), len(line) - (statement.end - statement.hedge[1]))
        line.append(f"  — {analysis.speaker(statement)}; check-worthiness {statement.probability:.0%}", style="dim")
        lines.append(line)
    return lines
