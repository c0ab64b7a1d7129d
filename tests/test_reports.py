"""The analysis model and its outputs: enrich, JSON against the shipped schema, the self-contained HTML
report (escaping of hostile article content), SemEval rows, the terminal report, the spaCy component."""

import json
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from propaganda_lens.catalogue import CATALOGUE
from propaganda_lens.data import TECHNIQUES, Article, Metadata, Span
from propaganda_lens.enrich import enrich
from propaganda_lens.enrich.sentences import sentence_ranges
from propaganda_lens.ingest.ptc import format_labels, parse_labels
from propaganda_lens.report.html import render_html, segments
from propaganda_lens.report.terminal import render

PAYLOADS = (
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    "</script><script>alert(2)</script>",
    '"><svg onload=alert(3)>',
    "<!--",
    "{{ 7*7 }} {% raw %}",
)
SCHEMA = json.loads(resources.files("propaganda_lens").joinpath("schema/analysis.schema.json").read_text("utf-8"))


def analysis_of(text: str, spans: list[Span], metadata: Metadata | None = None):
    precision = {"Name_Calling,Labeling": 0.24, "Loaded_Language": 0.3}
    return enrich(Article("a1", text, "test", metadata or Metadata()), spans, "test-model", precision)


def sample():
    text = "Title\n\nThe corrupt elites lie. They will destroy us all! Vote now.\nMr. Smith agreed."
    spans = [
        Span(11, 25, "Loaded_Language", 0.8),
        Span(7, 30, "Name_Calling,Labeling", 0.6, cues=((11, 18),)),
        Span(31, 54, "Appeal_to_fear-prejudice", 0.4),
        Span(55, 64, "Slogans", 0.3),
    ]
    return analysis_of(text, spans, Metadata(title="Title", author="A. Writer", date="2024-01-02"))


def test_enrich_explains_spans_and_scores_sentences():
    analysis = sample()
    text = analysis.article.text
    assert [text[s.start : s.end] for s in analysis.sentences] == [
        "Title", "The corrupt elites lie.", "They will destroy us all!", "Vote now.", "Mr. Smith agreed."
    ]
    assert all(span.explanation.startswith(CATALOGUE[span.technique].name) for span in analysis.spans)
    assert analysis.spans[0].explanation == (
        "Name calling or labeling: " + CATALOGUE["Name_Calling,Labeling"].definition
        + " The model gives this passage 60%; of the passages it marks as Name calling or labeling in the annotated"
        " test articles (PTC dev), 24% were marked so by the annotators too. Words that weighed most: “corrupt”."
    )
    by_text = {text[s.start : s.end]: s for s in analysis.sentences}
    assert by_text["Title"].score == 0 and by_text["Mr. Smith agreed."].span_count == 0
    assert by_text["The corrupt elites lie."].span_count == 2
    assert by_text["The corrupt elites lie."].score == pytest.approx((14 * 0.8 + 9 * 0.6) / 23, abs=1e-4)
    summary = analysis.summary
    assert sum(summary.technique_counts.values()) == 4
    assert summary.covered_share == pytest.approx((23 + 23 + 9) / len(text), abs=1e-4)
    assert [text[s.start : s.end] for s in summary.densest_sentences][0] == "The corrupt elites lie."


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?\n\"'”AZ3…"), max_size=200))
def test_sentences_are_ordered_trimmed_and_inside_the_text(text):
    ranges = sentence_ranges(text)
    previous_end = 0
    for start, end in ranges:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end
    assert "".join(text[s:e] for s, e in ranges).replace(" ", "") == "".join(text.split())


def test_json_output_validates_against_the_shipped_schema():
    data = json.loads(sample().to_json())
    jsonschema.validate(data, SCHEMA)
    assert data["schema_version"] == SCHEMA["properties"]["schema_version"]["const"]
    for span in data["spans"]:
        assert data["article"]["text"][span["start"] : span["end"]] == span["text"]
    assert SCHEMA["$defs"]["span"]["properties"]["technique"]["enum"][:-1] == list(TECHNIQUES)


def test_overlapping_spans_are_cut_into_segments_that_list_every_span():
    analysis = sample()
    pieces = segments(analysis.article.text, analysis.spans)
    assert "".join(piece.text for piece in pieces) == analysis.article.text
    elites = next(piece for piece in pieces if piece.text == "corrupt elites")
    assert [analysis.spans[i].technique for i in elites.spans] == ["Loaded_Language", "Name_Calling,Labeling"]


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.scripts, self._in_script = [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        self._in_script = False


def test_hostile_article_content_renders_as_text():
    text = "Headline " + " ".join(PAYLOADS) + " the end."
    spans = [Span(text.index(p), text.index(p) + len(p), technique, 0.5) for p, technique in zip(PAYLOADS, TECHNIQUES)]
    hostile = Metadata(title=PAYLOADS[0], author=PAYLOADS[1], site=PAYLOADS[3], date=PAYLOADS[2],
                       url="javascript:alert(4)", extra={"region": PAYLOADS[1]})
    html = render_html(analysis_of(text, spans, hostile))
    collector = TagCollector()
    collector.feed(html)
    assert collector.tags.count("script") == 3  # the review data (spans included), the analysis and the report's own script
    assert not {"img", "svg", "iframe", "object", "embed"} & set(collector.tags)
    assert not [name for name, _ in collector.attributes if name.startswith("on")]
    assert "javascript:" not in " ".join(value or "" for name, value in collector.attributes if name == "href")
    span_data = json.loads(collector.scripts[0])["spans"]
    assert [item["text"] for item in span_data] == list(PAYLOADS)  # the script gets the text back intact
    assert json.loads(collector.scripts[1])["article"]["text"] == text
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html


def test_html_report_is_self_contained():
    html = render_html(sample())
    collector = TagCollector()
    collector.feed(html)
    assert "link" not in collector.tags
    assert not [value for name, value in collector.attributes if name == "src"]
    assert "url(" not in html and "@import" not in html
    assert "default-src 'none'" in html  # the CSP forbids any request the page could make
    for technique in sample().summary.technique_counts:
        assert CATALOGUE[technique].definition.replace("'", "&#39;") in html


def test_semeval_rows_parse_back_to_the_spans():
    analysis = sample()
    rows = format_labels({analysis.article.id: analysis.spans}, with_technique=True)
    parsed = parse_labels(rows.splitlines())["a1"]
    assert [(s.start, s.end, s.technique) for s in parsed] == [(s.start, s.end, s.technique) for s in analysis.spans]


def test_terminal_report_shows_metadata_legend_and_table():
    console = Console(width=120, record=True, color_system=None)
    console.print(render(sample()))
    out = console.export_text()
    assert "Title" in out and "by A. Writer" in out and "2024-01-02" in out
    assert "Legend:" in out and "Appeal to fear or prejudice" in out
    assert "4 technique spans (model test-model)" in out


def test_spacy_component_puts_spans_in_doc_spans(tmp_path):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("propaganda_lens", config={"threshold": 0.2})
    text = "The corrupt, lying elites will destroy our great nation. Wake up, patriots, before it is too late!"
    doc = nlp(text)
    group = doc.spans["propaganda"]
    assert len(group) >= 1 and len(group.attrs["probabilities"]) == len(group)
    assert all(span.label_ in TECHNIQUES for span in group)
    nlp.to_disk(tmp_path / "pipeline")
    reloaded = spacy.load(tmp_path / "pipeline")
    assert reloaded.get_pipe("propaganda_lens").threshold == 0.2
    again = reloaded(text)
    assert [(s.start_char, s.label_) for s in again.spans["propaganda"]] == [(s.start_char, s.label_) for s in group]


def test_the_report_draws_the_relation_graph_offline_and_an_edge_shows_its_evidence(browser, example_article, tmp_path):
    from propaganda_lens.api import analyze

    analysis = analyze(Path(example_article))
    report = tmp_path / "report.html"
    report.write_text(render_html(analysis), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report.as_uri())
    graph = page.locator("#relation-graph")
    graph.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let the layout settle
    counts = page.evaluate("() => { const cy = document.getElementById('relation-graph')._cyreg.cy;"
                           " return [cy.nodes().length, cy.edges().length]; }")
    assert counts == [len({a for r in analysis.relations for a in (r.source, r.target)}), len(analysis.relations)]
    point = page.evaluate("() => { const cy = document.getElementById('relation-graph')._cyreg.cy;"
                          " const edge = cy.edges()[0]; const p = edge.renderedMidpoint();"
                          " const box = cy.container().getBoundingClientRect(); return [box.left + p.x, box.top + p.y]; }")
    page.mouse.click(*point)
    page.locator("#explanation blockquote").wait_for()
    first = analysis.relations[0]
    evidence = analysis.article.text[first.evidence[0] : first.evidence[1]]
    assert page.locator("#explanation blockquote").inner_text() == evidence
    assert requests == [report.as_uri()] and errors == []
    page.close()


def test_a_report_without_relations_carries_no_graph_library():
    from propaganda_lens.api import analyze

    html = render_html(analyze("It was a quiet day. Nothing happened at all."))
    assert "cytoscape" not in html.lower() and "No named person" in html


FRENCH = ("Le gouvernement a trahi la nation\n\nLes élites corrompues ont perdu le pouvoir de décider, et elles "
          "détruiront notre grande nation si le peuple ne se réveille pas.")


def test_text_that_is_not_english_is_not_shown_as_analyzed_but_the_json_keeps_the_model_output():
    analysis = analysis_of(FRENCH, [Span(39, 56, "Loaded_Language", 0.7)])
    assert analysis.language == "fr"
    data = json.loads(analysis.to_json())
    jsonschema.validate(data, SCHEMA)
    assert data["techniques_analyzed"] is False and [span["text"] for span in data["spans"]] == ["élites corrompues"]
    html = render_html(analysis)
    assert "not analyzed for propaganda techniques because it is not English" in html
    assert "No propaganda technique was found" not in html and "<mark" not in html
    console = Console(width=200, record=True)
    console.print(render(analysis))
    assert "not analyzed for propaganda techniques because it is not English" in console.export_text()
    english = sample()
    assert english.to_dict()["techniques_analyzed"] is True and "<mark" in render_html(english)
