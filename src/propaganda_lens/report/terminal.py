"""A readable terminal report of an Analysis: the text with spans highlighted, then a table of spans."""

from __future__ import annotations

from collections import Counter

from rich.console import Group
from rich.table import Table
from rich.text import Text

from propaganda_lens.data import TECHNIQUES, Analysis

# One colour per technique, in TECHNIQUES order.
COLORS = (
    "#1f77b4", "#d62728", "#8c564b", "#9467bd", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf", "#ff7f0e", "#2ca02c", "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5",
)
TECHNIQUE_COLORS = dict(zip(TECHNIQUES, COLORS))


def render(analysis: Analysis) -> Group:
    text = Text(analysis.article.text)
    for span in analysis.spans:
        color = TECHNIQUE_COLORS.get(span.technique or "", "yellow")
        text.stylize(f"bold black on {color}", span.start, span.end)
    table = Table(title=f"{len(analysis.spans)} propaganda spans ({analysis.model})")
    for column in ("start", "end", "technique", "probability", "text"):
        table.add_column(column, overflow="fold")
    for span in analysis.spans:
        table.add_row(
            str(span.start),
            str(span.end),
            Text(span.technique or "?", style=TECHNIQUE_COLORS.get(span.technique or "", "")),
            f"{span.probability:.2f}" if span.probability is not None else "",
            span.text_in(analysis.article.text),
        )
    counts = Counter(span.technique for span in analysis.spans)
    summary = Table(title="Techniques")
    summary.add_column("technique")
    summary.add_column("spans", justify="right")
    for technique, count in counts.most_common():
        summary.add_row(Text(technique or "?", style=TECHNIQUE_COLORS.get(technique or "", "")), str(count))
    return Group(text, table, summary)
