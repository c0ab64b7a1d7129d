"""The web page in Debian's Chromium, driven by Playwright against a live server: paste the example
article, analyze, see highlights, legend and explanations, download the JSON; pasted scripts never run.

Set PROPAGANDA_LENS_SCREENSHOTS to a folder to keep the screenshot (the README's comes from docs/)."""

import json
import os
from pathlib import Path

import pytest

from conftest import live_server
from propaganda_lens.server.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
HOSTILE = (
    "<script>window.pwned = 1; alert('script')</script> The corrupt traitors in parliament "
    "<img src=x onerror=\"window.pwned = 2; alert('img')\"> will destroy our nation. "
    "<svg onload=\"window.pwned = 3\"></svg>"
)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have Debian's chromium at {CHROMIUM} (.ci/run installs it)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server_url():
    with live_server(create_app()) as url:
        yield url


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
    report.locator("mark.span").nth(1).click()
    assert report.locator("#explanation .card h3").first.inner_text().endswith("confidence")
    with page.expect_download() as download:
        page.click("#download-json")
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
