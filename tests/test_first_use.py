"""What a new user meets first: the CLI's help, version, outputs and progress; pasted text's title; the
report's title and explanations; HTML pages without an article."""

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

import propaganda_lens
from conftest import assert_one_line_error
from propaganda_lens import render_html
from propaganda_lens.api import analyze
from propaganda_lens.cli.main import app as cli
from propaganda_lens.detect.detector import model_folder, technique_precision_of
from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.ingest.sources import InputFormat, article_from_text

PASTED = "Elites betray the nation again\n\nThey are traitors and cowards, and the corrupt elites will destroy us."
NAVIGATION_ONLY = """<!DOCTYPE html><html><head><title>Home</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/menu">Menu</a></nav>
<main><h1>Home</h1><p>Home About menu</p></main>
<footer><p>Copyright 2024 Example Site. All rights reserved.</p></footer></body></html>"""


def test_version_and_short_help():
    runner = CliRunner()
    for flag in ("--version", "-V"):
        result = runner.invoke(cli, [flag])
        assert result.exit_code == 0 and result.stdout.strip() == f"propaganda-lens {propaganda_lens.__version__}"
    assert propaganda_lens.__version__[0].isdigit()
    main_help = runner.invoke(cli, ["-h"])
    assert main_help.exit_code == 0 and "Examples:" in main_help.stdout and "propaganda-lens analyze" in main_help.stdout
    analyze_help = runner.invoke(cli, ["analyze", "-h"], prog_name="propaganda-lens")
    assert analyze_help.exit_code == 0
    assert "Usage: propaganda-lens analyze [OPTIONS] SOURCE..." in analyze_help.stdout
    assert "<bool>" not in analyze_help.stdout and "{" not in analyze_help.stdout.splitlines()[0]


def test_a_trailing_slash_makes_a_folder_for_several_reports(tmp_path):
    for name in ("one", "two"):
        (tmp_path / f"{name}.txt").write_text(PASTED, encoding="utf-8")
    reports = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "one.txt"), str(tmp_path / "two.txt"),
                                      "-f", "json", "-o", f"{reports}/"])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in reports.iterdir()) == ["one.json", "two.json"]


def test_an_output_suffix_without_a_format_is_an_error_unless_f_says(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(PASTED, encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", str(article), "-o", str(tmp_path / "out.pdf")])
    assert_one_line_error(result, "no report format writes .pdf files")
    assert not (tmp_path / "out.pdf").exists()
    result = CliRunner().invoke(cli, ["analyze", str(article), "-o", str(tmp_path / "out.pdf"), "-f", "json"])
    assert result.exit_code == 0 and json.loads((tmp_path / "out.pdf").read_text(encoding="utf-8"))["spans"]


def run_in_terminal(arguments: list[str], timeout: float = 120) -> str:
    """What a terminal shows when the command runs in it (a pseudo-terminal on stdout and stderr)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "propaganda_lens", *arguments], stdin=subprocess.DEVNULL,
                               stdout=terminal, stderr=terminal, env={**os.environ, "COLUMNS": "100"})
    os.close(terminal)
    shown, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the command ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    process.wait(timeout=10)
    os.close(controller)
    return shown.decode("utf-8", "replace")


def test_a_report_on_the_terminal_has_no_stuck_progress_bar(example_article):
    shown = run_in_terminal(["analyze", str(example_article)])
    assert "Analyzing" not in shown and "0/1" not in shown
    assert "Libya" in shown


def test_pasted_text_takes_its_title_from_a_headline_first_line():
    analysis = analyze(PASTED)
    assert analysis.article.metadata.title == "Elites betray the nation again"
    assert article_from_text("They are traitors.\nAnd cowards.", "t", "t", input_format=InputFormat.text).metadata.title is None
    html = lxml.html.fromstring(render_html(analysis))
    assert html.xpath('//header[@class="report"]/h1')[0].text_content() == "Elites betray the nation again"


def test_the_title_shows_once_as_the_heading(example_article):
    analysis = analyze(example_article)
    title = analysis.article.metadata.title
    assert analysis.article.text.startswith(title)
    page = lxml.html.fromstring(render_html(analysis))
    assert page.xpath('//header[@class="report"]/h1')[0].text_content() == title
    article = page.xpath('//div[@class="article"]')[0].text_content()
    assert title not in article and article.startswith(analysis.article.text[len(title):].lstrip()[:40])


def test_explanations_say_why_a_passage_was_flagged(example_article):
    analysis = analyze(example_article)
    explained = [span for span in analysis.spans if span.cues]
    assert len(explained) >= len(analysis.spans) // 2
    text = analysis.article.text
    for span in explained:
        assert len(span.cues) <= 3
        assert all(text[start:end].strip() and start < end for start, end in span.cues)
        assert "The model gives this passage" in span.explanation and "Words that weighed most" in span.explanation
    shipped = technique_precision_of(model_folder())  # the default model's evaluation.json
    assert analysis.technique_precision["Loaded_Language"] == shipped["Loaded_Language"] > 0.2
    data = analysis.to_dict()
    assert data["technique_precision"] and all("cues" in span for span in data["spans"])


def test_an_html_page_without_prose_is_refused():
    with pytest.raises(IngestError, match="found only menus, links or captions"):
        article_from_text(NAVIGATION_ONLY, "nav", "nav.html", input_format=InputFormat.html)
    prose = NAVIGATION_ONLY.replace("<p>Home About menu</p>", "<p>" + PASTED.split("\n\n")[1] + "</p>")
    assert "traitors" in article_from_text(prose, "page", "page.html", input_format=InputFormat.html).text


@pytest.mark.parametrize("fixture, words", [
    ("japanese-blog.html", "図書館"),  # a script written without spaces
    ("table-layout-feature.html", "Engineers who once worked"),  # a page laid out in a table: cells in one line
])
def test_real_prose_in_any_script_or_layout_is_analyzed(fixture, words):
    page = (Path(__file__).parent / "fixtures" / fixture).read_text(encoding="utf-8")
    assert words in article_from_text(page, "page", fixture, input_format=InputFormat.html).text


def test_the_readme_names_what_the_report_shows():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    template = (Path(propaganda_lens.__file__).parent / "report" / "templates" / "report.html.j2").read_text("utf-8")
    for heading in ("Densest sentences", "Legend", "Explanation"):
        assert heading in template and heading.lower() in readme.lower()


FRENCH = ("Le gouvernement a trahi la nation\n\nLes élites corrompues ont perdu le pouvoir de décider, et elles "
          "détruiront notre grande nation si le peuple ne se réveille pas.")


def test_text_that_is_not_english_is_analyzed_with_a_warning_in_every_output(tmp_path):
    analysis = analyze(FRENCH)
    assert analysis.language == "fr" and "English only" in analysis.warnings[0]
    assert analysis.to_dict()["language"] == "fr"
    page = lxml.html.fromstring(render_html(analysis))
    assert "English only" in page.xpath('//p[@class="warning"]')[0].text_content()
    (tmp_path / "fr.txt").write_text(FRENCH, encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "fr.txt"), "-f", "text"])
    assert result.exit_code == 0 and "English only" in result.stdout and "English only" in result.stderr
    english = analyze(PASTED)
    assert english.language == "en" and english.warnings == []
    assert lxml.html.fromstring(render_html(english)).xpath('//p[@class="warning"]') == []


def test_models_are_chosen_by_name_on_every_surface(ptc_folder, tmp_path):
    runner = CliRunner()
    listing = runner.invoke(cli, ["models"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0 and "accurate (default)" in listing.stdout and "ptc-mpnet" in listing.stdout
    assert "ptc-minilm" in listing.stdout and "articles/s" in listing.stdout
    assert "checkworthiness-mpnet" in listing.stdout and "checkworthiness-minilm" in listing.stdout
    assert analyze(PASTED).model == "ptc-mpnet"
    article = tmp_path / "a.txt"
    article.write_text(PASTED, encoding="utf-8")
    by_name = runner.invoke(cli, ["analyze", str(article), "-f", "json", "--model", "fast"])
    assert by_name.exit_code == 0 and json.loads(by_name.stdout)["model"] == "ptc-minilm"
    assert_one_line_error(runner.invoke(cli, ["analyze", str(article), "-m", "huge"]), "neither a shipped model")
    articles = tmp_path / "articles"
    articles.mkdir()
    source = sorted((ptc_folder / "dev-articles").glob("article*.txt"))[0]
    (articles / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    predicted = runner.invoke(cli, ["predict", str(articles), "-o", str(tmp_path / "p.txt"), "-m", "fast"])
    assert predicted.exit_code == 0 and (tmp_path / "p.txt").exists() and "in 1 articles" in predicted.stderr
    template = tmp_path / "template.txt"
    template.write_text(f"{source.stem.removeprefix('article')}\t?\t0\t10\n", encoding="utf-8")
    classified = runner.invoke(cli, ["classify-spans", str(articles), "--spans", str(template), "-o",
                                     str(tmp_path / "tc.txt"), "--model", "fast"])
    assert classified.exit_code == 0 and (tmp_path / "tc.txt").read_text(encoding="utf-8").count("\t") == 3
    assert analyze(PASTED, model="fast").model == "ptc-minilm"
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("propaganda_lens", config={"model": "fast"})
    assert nlp(PASTED.split("\n\n")[1]).spans["propaganda"]


def test_plain_english_skips_the_language_model_and_agrees_with_it(ptc_folder):
    from propaganda_lens.enrich.language import _identifier, is_plain_english

    for path in sorted((ptc_folder / "dev-articles").glob("article*.txt"))[:20]:
        text = path.read_text(encoding="utf-8")
        assert is_plain_english(text) and _identifier().classify(text)[0] == "en"
    assert not is_plain_english(FRENCH * 3) and not is_plain_english("They are traitors.")
