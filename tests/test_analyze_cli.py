"""`propaganda-lens analyze`: the example article to an HTML report, output formats, batches that go on
past bad inputs, and one clear line for every class of bad input."""

import json
from importlib import resources

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, assert_one_line_error, fixture_site, live_server
from propaganda_lens.cli.main import app
from propaganda_lens.ingest.ptc import parse_labels

runner = CliRunner()


def test_example_article_becomes_an_html_report(example_article, tmp_path):
    report = tmp_path / "report.html"
    result = runner.invoke(app, ["analyze", str(example_article), "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert "1 of 1 inputs analyzed; html written to" in result.stderr
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    for shown in ("Libya: Field Marshall Khalifa Haftar", "by Richard Galustian", "2018-05-16",
                  "Region: Middle East &amp; North Africa", "Theme: Intelligence", '<mark class="span"'):
        assert shown in html, shown
    assert "Disclaimer" not in html and "Become a Member" not in html


def test_json_output_follows_the_schema_and_the_format_follows_the_suffix(example_article, tmp_path):
    out = tmp_path / "analysis.json"
    assert runner.invoke(app, ["analyze", str(example_article), "-o", str(out)]).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads(resources.files("propaganda_lens").joinpath("schema/analysis.schema.json").read_text("utf-8"))
    jsonschema.validate(data, schema)
    assert data["article"]["metadata"]["extra"]["theme"] == "Intelligence"


def test_semeval_rows_and_text_report(example_article):
    rows = runner.invoke(app, ["analyze", str(example_article), "-f", "semeval"])
    assert rows.exit_code == 0
    labels = parse_labels(rows.stdout.splitlines())
    assert list(labels) == ["libya-haftar-derna-2018"] and labels["libya-haftar-derna-2018"]
    text = runner.invoke(app, ["analyze", str(example_article), "-f", "text"])
    assert "Legend:" in text.stdout and "Richard Galustian" in text.stdout


def test_a_batch_goes_on_past_bad_inputs_and_reports_them(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "news.html").write_bytes((FIXTURES / "news-page.html").read_bytes())
    (inputs / "blog.htm").write_bytes((FIXTURES / "blog-post.htm").read_bytes())
    (inputs / "empty.txt").write_text("")
    (inputs / "scan.txt").write_bytes(b"%PDF-1.4 binary")
    reports = tmp_path / "reports"
    result = runner.invoke(app, ["analyze", str(inputs), "-f", "html", "-o", str(reports)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "2 of 4 inputs analyzed" in result.stderr
    assert "empty.txt: is empty" in result.stderr and "scan.txt: is a PDF" in result.stderr
    assert sorted(path.name for path in reports.iterdir()) == ["blog.html", "news.html"]
    single = runner.invoke(app, ["analyze", str(inputs / "news.html"), "-f", "semeval", "-o", str(reports)])
    assert single.exit_code == 0 and (reports / "news.labels").read_text().startswith("news\t")
    lines = runner.invoke(app, ["analyze", str(inputs / "news.html"), str(inputs / "blog.htm"), "-f", "json"])
    assert [json.loads(line)["article"]["id"] for line in lines.stdout.splitlines()] == ["news", "blog"]


def test_stdin_with_an_explicit_input_format():
    html = (FIXTURES / "news-page.html").read_text(encoding="utf-8")
    result = runner.invoke(app, ["analyze", "-", "--input-format", "html", "-f", "json"], input=html)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["article"]["id"] == "stdin" and data["article"]["metadata"]["author"] == "Maria Keller"


@pytest.fixture()
def missing_page_url():
    with live_server(fixture_site()) as base:
        yield f"{base}/gone.html"


@pytest.mark.parametrize(
    ("content", "options", "fragment"),
    [
        (b"", [], "is empty"),
        (b"   \n\n\t", [], "contains only whitespace"),
        (b"%PDF-1.5\n%\xb5\xb5\xb5\xb5", [], "is a PDF"),
        (bytes(range(256)) * 8, [], "looks like a binary file"),
        (b"word " * 100, ["--max-bytes", "100"], "over the 0.0001 MB cap"),
        ((FIXTURES / "no-article.html").read_bytes(), [], "found no article text"),
        (b"caf\xe9", ["--encoding", "utf-8"], "is not valid utf-8"),
        (b"text", ["--encoding", "no-such-codec"], "unknown encoding 'no-such-codec'"),
        (b"text", ["--encoding", "rot13"], "'rot13' is not a text encoding"),
        (b"text", ["--encoding", "zlib"], "'zlib' is not a text encoding"),
    ],
)
def test_every_bad_input_gets_one_clear_line(tmp_path, content, options, fragment):
    suffix = ".html" if content.startswith(b"<!DOCTYPE") else ".txt"
    path = tmp_path / f"input{suffix}"
    path.write_bytes(content)
    assert_one_line_error(runner.invoke(app, ["analyze", str(path), *options]), fragment)


def test_bad_urls_get_one_clear_line(missing_page_url):
    assert_one_line_error(runner.invoke(app, ["analyze", missing_page_url, "--allow-private-urls"]),
                          "answered 404 Not Found")
    assert_one_line_error(runner.invoke(app, ["analyze", missing_page_url]), "private or local network address")


def test_outputs_never_overwrite_inputs_and_several_html_reports_need_a_folder(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("They are traitors.")
    assert_one_line_error(runner.invoke(app, ["analyze", str(article), "-o", str(article)]), "is one of the inputs")
    assert article.read_text() == "They are traitors."
    other = tmp_path / "b.txt"
    other.write_text("Cowards, all of them.")
    assert_one_line_error(runner.invoke(app, ["analyze", str(article), str(other), "-f", "html"]), "give a folder with -o")
    assert_one_line_error(runner.invoke(app, ["analyze", str(tmp_path / "*.nothing")]), "matches no files")
