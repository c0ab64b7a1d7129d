"""The web page in Debian's Chromium, driven by Playwright against a live server: paste the example
article, analyze, see highlights, legend and explanations, download the JSON; pasted scripts never run.

Set PROPAGANDA_LENS_SCREENSHOTS to a folder to keep the screenshot (the README's comes from docs/)."""

import json
import os
from pathlib import Path

import pytest

from conftest import live_server
from propaganda_lens.report.html import render_html
from propaganda_lens.server.app import create_app

HOSTILE = (
    "<script>window.pwned = 1; alert('script')</script> The corrupt traitors in parliament "
    "<img src=x onerror=\"window.pwned = 2; alert('img')\"> will destroy our nation. "
    "<svg onload=\"window.pwned = 3\"></svg>"
)


@pytest.fixture(scope="module")
def server_url():
    with live_server(create_app()) as url:
        yield url


def analyzed_page(browser, server_url, text: str, **page_options):
    """A new page of the web app with `text` pasted and analyzed."""
    page = browser.new_page(**page_options)
    page.goto(server_url)
    page.fill("#article-text", text)
    page.click("#analyze")
    page.locator("#status", has_text="Done.").wait_for(timeout=30_000)
    return page


def test_paste_analyze_and_read_the_report(browser, server_url, example_article, tmp_path):
    page = browser.new_page(viewport={"width": 1400, "height": 1500})
    page.goto(server_url)
    page.fill("#article-text", example_article.read_text(encoding="utf-8"))
    page.click("#analyze")
    report = page.frame_locator("#report")
    report.locator("mark.span").first.wait_for(timeout=30_000)
    assert report.locator("mark.span").count() >= 5
    assert report.locator(".legend dt").count() >= 2
    assert "Richard Galustian" in report.locator("header.report").inner_text()
    report.locator("mark.span:not(.uncertain)").first.click()
    card = report.locator("#explanation .card").first
    assert "The model gives this passage" in card.inner_text() and "were marked so by the annotators" in card.inner_text()
    assert report.locator(".legend .precision").count() >= 2
    with page.expect_download() as download:
        page.click("#download-json")
    assert download.value.suggested_filename.startswith("libya-field-marshall-khalifa-haftar")  # named after the title
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["article"]["metadata"]["author"] == "Richard Galustian" and data["spans"]
    folder = Path(os.environ.get("PROPAGANDA_LENS_SCREENSHOTS", tmp_path))
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=folder / "web-app.png")
    assert (folder / "web-app.png").stat().st_size > 10_000
    page.close()


def test_pasted_markup_is_shown_as_text_and_never_runs(browser, server_url):
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(server_url)
    page.fill("#article-text", HOSTILE)
    page.click("#analyze")
    page.locator("#status", has_text="Done.").wait_for(timeout=30_000)
    report = page.frame_locator("#report")
    assert "<script>window.pwned = 1;" in report.locator(".article").inner_text()
    assert report.locator(".article img, .article svg, .article script").count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate("window.pwned") is None
    assert all(frame.evaluate("window.pwned") is None for frame in page.frames)
    assert dialogs == []
    page.close()


def test_errors_show_as_text(browser, server_url):
    page = browser.new_page()
    page.goto(server_url)
    page.fill("#article-url", "http://127.0.0.1:9/<b>internal</b>")
    page.click("#analyze")
    error = page.locator("#error")
    error.wait_for(timeout=10_000)
    assert "private or local network address" in error.inner_text()
    assert page.locator("#error b").count() == 0
    page.close()


def frame_heights(page) -> tuple[float, float]:
    """(the frame's height on the page, the height of the report's content inside it)."""
    frame_height = page.evaluate("document.getElementById('report').getBoundingClientRect().height")
    report = next(frame for frame in page.frames if frame != page.main_frame)
    return frame_height, report.evaluate("document.body.getBoundingClientRect().height")


def test_the_frame_settles_at_the_height_of_the_report(browser, server_url):
    text = "They are traitors and cowards. The corrupt elites will destroy our great nation."
    page = analyzed_page(browser, server_url, text, viewport={"width": 1400, "height": 900})
    page.wait_for_timeout(1500)
    settled, content = frame_heights(page)
    page.wait_for_timeout(1500)
    assert frame_heights(page)[0] == settled  # it stopped growing
    assert settled <= 1.5 * max(content, 640)  # 640 px: the frame's minimum height (40rem)
    page.close()


def test_the_status_line_never_says_done_after_an_error(browser, server_url):
    page = analyzed_page(browser, server_url, "Traitors in parliament\n\nThey are traitors and cowards.")
    with page.expect_download() as download:
        page.click("#download-html")
    assert download.value.suggested_filename == "traitors-in-parliament.html"  # pasted text: its headline
    for text, url, message in (("", "", "Paste an article"), ("Some text.", "https://example.org/", "not both")):
        page.fill("#article-text", text)
        page.fill("#article-url", url)
        page.click("#analyze")
        page.locator("#error", has_text=message).wait_for(timeout=5_000)
        assert page.locator("#status").inner_text() == ""
    page.close()


def test_the_api_docs_render_without_the_network(browser, server_url):
    page = browser.new_page()
    outside = []

    def only_local(route):
        if route.request.url.startswith(server_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{server_url}/api/docs")
    page.locator(".swagger-ui .info .title", has_text="propaganda-lens").wait_for(timeout=15_000)
    assert page.locator(".opblock-summary-path", has_text="/api/analyze").count() >= 1
    assert outside == []
    page.close()


def test_the_readme_report_screenshot_comes_from_the_example(browser, example_article, tmp_path):
    from propaganda_lens.api import analyze

    report = tmp_path / "report.html"
    report.write_text(render_html(analyze(example_article)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1500})
    page.goto(report.as_uri())
    assert page.locator("h2", has_text="Densest sentences").count() == 1
    folder = Path(os.environ.get("PROPAGANDA_LENS_SCREENSHOTS", tmp_path))
    page.screenshot(path=folder / "report.png")
    assert (folder / "report.png").stat().st_size > 10_000
    page.close()
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(report.as_uri())
    assert phone.evaluate("document.documentElement.scrollWidth") == 390  # no sideways scrolling (was 490: the actors table)
    phone.close()


def test_uncertain_spans_are_hidden_until_asked_for(browser, example_article, tmp_path):
    from propaganda_lens.api import analyze
    from propaganda_lens.report.html import UNCERTAIN_BELOW

    analysis = analyze(example_article)
    uncertain = [span for span in analysis.spans if span.probability < UNCERTAIN_BELOW]
    assert uncertain and len(uncertain) < len(analysis.spans)
    assert len(analysis.to_dict()["spans"]) == len(analysis.spans)  # the JSON keeps them
    report = tmp_path / "report.html"
    report.write_text(render_html(analysis), encoding="utf-8")
    page = browser.new_page()
    page.goto(report.as_uri())
    marks = page.locator("mark.uncertain")
    assert marks.count() >= 1
    background = "getComputedStyle(document.querySelector('mark.uncertain')).backgroundColor"
    assert page.evaluate(background) == "rgba(0, 0, 0, 0)"
    page.check("#show-uncertain")
    assert page.evaluate(background) != "rgba(0, 0, 0, 0)"
    assert page.evaluate("getComputedStyle(document.querySelector('mark.uncertain')).opacity") == "0.55"
    page.close()


def assert_in_view(box: dict, passage: dict, height: int) -> None:
    """The panel starts inside the viewport, shows at least 150 px there, and is level with or below the passage."""
    assert 0 <= box["y"] < height and min(box["y"] + box["height"], height) - box["y"] >= min(150, box["height"])
    assert abs(box["y"] - passage["y"]) < height / 2


@pytest.mark.parametrize("width", [1400, 700])  # the aside beside the article, and one column
def test_the_explanation_shows_beside_the_last_passage_clicked(browser, server_url, example_article, tmp_path, width):
    from propaganda_lens.api import analyze

    height = 800
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(server_url)
    page.fill("#article-text", example_article.read_text(encoding="utf-8"))
    page.click("#analyze")
    report = page.frame_locator("#report")
    report.locator("mark.span").first.wait_for(timeout=180_000)  # a cold model on a busy machine
    last = report.locator("mark.span:not(.uncertain)").last
    last.click()
    report.locator("#explanation .card").first.wait_for()
    assert_in_view(report.locator("#explanation").bounding_box(), last.bounding_box(), height)
    # The standalone report, scrolled by the window rather than by a frame.
    standalone = tmp_path / "report.html"
    standalone.write_text(render_html(analyze(example_article)), encoding="utf-8")
    page.goto(standalone.as_uri())
    last = page.locator("mark.span:not(.uncertain)").last
    last.click()
    page.locator("#explanation .card").first.wait_for()
    assert_in_view(page.locator("#explanation").bounding_box(), last.bounding_box(), height)
    page.close()


def test_corrections_in_the_web_page_download_from_the_frame(browser, server_url):
    """The report's review controls work in the page's sandboxed frame: reject and add change the counts, and
    the corrections download; nothing is requested beyond this server."""
    from propaganda_lens.data import text_sha256
    from propaganda_lens.review.corrections import read_corrections

    text = "They are traitors and cowards. The corrupt elites will destroy our great nation. Mr. Smith agreed."
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    outside = []
    page.on("request", lambda request: None if request.url.startswith((server_url, "about:")) else outside.append(request.url))
    page.goto(server_url)
    page.fill("#article-text", text)
    page.click("#analyze")
    report = page.frame_locator("#report")
    report.locator("mark.span").first.wait_for(timeout=60_000)
    spans = int(report.locator("#stat-spans").inner_text())
    report.locator("mark.span:not(.uncertain)").first.focus()
    page.keyboard.press("r")
    report.locator("#stat-spans", has_text=str(spans - 1)).wait_for()
    frame = next(frame for frame in page.frames if frame != page.main_frame)
    frame.evaluate("""() => {
        const node = Array.from(document.querySelector('.article').childNodes).find(n => n.textContent.includes('Mr. Smith'));
        const inner = node.firstChild || node, at = inner.data.indexOf('Mr. Smith');
        const range = document.createRange();
        range.setStart(inner, at);
        range.setEnd(inner, at + 'Mr. Smith'.length);
        document.getSelection().addRange(range);
    }""")
    card = report.locator("#explanation .card", has_text="Add a span")
    card.locator("select").select_option("Appeal_to_Authority")
    card.locator("button", has_text="Add span").click()
    report.locator("#stat-spans", has_text=str(spans)).wait_for()
    assert report.locator("#stat-reviewed").inner_text() == "1"  # the added span; the rejected one is gone
    with page.expect_download() as download:
        report.locator("#download-corrections").click()
    items, problems = read_corrections(download.value.path())
    assert problems == [] and items[0].text_sha256 == text_sha256(text)
    assert [(c.action, text[c.start : c.end]) for c in items[0].corrections][1] == ("add", "Mr. Smith")
    assert [c.action for c in items[0].corrections][0] == "reject" and outside == []
    page.close()
