"""Corrections in the HTML report, in Debian's Chromium driven by Playwright: accept, reject, relabel and add
update the highlights, the counts and the legend at once; the download is a corrections file that
read_corrections takes; the standalone report makes no request; with a review URL, each correction is POSTed
as a corrections document."""

import json

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import propaganda_lens
from propaganda_lens.data import TECHNIQUES, Article, Correction, Metadata, Span, text_sha256
from propaganda_lens.enrich import enrich
from propaganda_lens.report.html import render_html
from propaganda_lens.review.corrections import parse_corrections, read_corrections, reviewed_spans

# An emoji before the spans: offsets are code points, two UTF-16 units in the page's JavaScript.
TEXT = "Traitors everywhere\n\n🙂 The corrupt elites lie. They will destroy us all! Vote now.\nMr. Smith agreed."


def spans_of(text: str) -> list[Span]:
    def at(words: str, technique: str, probability: float) -> Span:
        start = text.index(words)
        return Span(start, start + len(words), technique, probability)

    return [
        at("corrupt elites", "Loaded_Language", 0.8),
        at("The corrupt elites lie.", "Name_Calling,Labeling", 0.6),
        at("They will destroy us all!", "Appeal_to_fear-prejudice", 0.5),
        at("Vote now.", "Slogans", 0.4),
    ]


def sample():
    return enrich(Article("traitors-1", TEXT, "test", Metadata(title="Traitors everywhere")), spans_of(TEXT),
                  "test-model", {"Loaded_Language": 0.3})


def stats(page) -> dict[str, str]:
    return {name: page.locator(f"#stat-{name}").inner_text() for name in ("spans", "techniques", "reviewed")}


def legend(page) -> list[str]:
    return page.locator("#legend dt").all_inner_texts()


def passage(page, words: str):
    return page.locator("mark.span", has_text=words).first


def select_text(page, words: str) -> None:
    """Select `words` in the article as a reader's drag would."""
    page.evaluate("""words => {
        const article = document.querySelector('.article');
        const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(words);
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + words.length);
                document.getSelection().removeAllRanges();
                document.getSelection().addRange(range);
                return;
            }
        }
        throw new Error('not found: ' + words);
    }""", words)


def marks(page) -> list[tuple[str, str, str]]:
    return page.evaluate("Array.from(document.querySelectorAll('.article mark')).map("
                         "m => [m.textContent, m.className.replace(' active', ''), m.title])")


@pytest.fixture
def report_page(browser, tmp_path):
    """A new page with the standalone report of the sample open; yields (page, its URL, requests, errors)."""
    report = tmp_path / "report.html"
    report.write_text(render_html(sample()), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report.as_uri())
    yield page, report.as_uri(), requests, errors
    page.close()


def test_accept_reject_relabel_and_add_update_the_page_and_download_as_corrections(report_page, tmp_path):
    page, url, requests, errors = report_page
    analysis = sample()
    assert stats(page) == {"spans": "4", "techniques": "4", "reviewed": "0"}
    assert page.locator("label.toggle").is_hidden()  # no uncertain span to show
    page.fill("#reviewer", "ana")
    page.keyboard.press("Tab")  # from the name to the first passage (nothing to download or undo yet)
    assert page.evaluate("document.activeElement.textContent") == "The "
    # Accept with the mouse: the passage is marked reviewed, for the eye and for screen readers.
    passage(page, "Vote now.").click()
    page.locator("#explanation .card.current button", has_text="Accept").click()
    assert stats(page) == {"spans": "4", "techniques": "4", "reviewed": "1"}
    slogan = passage(page, "Vote now.")
    assert "reviewed" in slogan.get_attribute("class") and slogan.get_attribute("aria-describedby") == "note-accept"
    assert page.evaluate("document.getElementById('note-accept').textContent") == "reviewed: accepted"
    assert slogan.evaluate("node => node === document.activeElement")  # the focus stays on the passage
    # Reject with the keyboard: tab to the passage, press R.
    passage(page, "They will destroy us all!").focus()
    page.keyboard.press("r")
    assert stats(page) == {"spans": "3", "techniques": "3", "reviewed": "1"}
    assert page.locator("#review-status").inner_text() == "Rejected: Appeal to fear or prejudice."  # read out
    assert "Appeal to fear or prejudice" not in " ".join(legend(page))
    assert page.locator("mark.span", has_text="They will destroy").count() == 0
    # Relabel with the keyboard: L, choose the technique, Enter. The passage's top technique changes.
    passage(page, "corrupt elites").focus()
    page.keyboard.press("l")
    chosen = page.locator("#explanation .card.current select")
    assert chosen.evaluate("node => node === document.activeElement")
    chosen.select_option("Exaggeration,Minimisation")
    page.keyboard.press("Enter")
    assert stats(page) == {"spans": "3", "techniques": "3", "reviewed": "2"}
    assert [entry.split(" ·")[0] for entry in legend(page)] == [
        "Name calling or labeling", "Exaggeration or minimisation", "Slogans"]
    assert "Exaggeration or minimisation, reviewed: technique changed" in passage(page, "corrupt elites").get_attribute("title")
    # N moves the keys to the passage's next technique: accept the name calling under it.
    passage(page, "corrupt elites").focus()
    page.keyboard.press("n")
    assert page.locator("#explanation .card.current h3").inner_text() == "Name calling or labeling"
    page.keyboard.press("a")
    assert stats(page)["reviewed"] == "3"
    # Add: select text, choose a technique, add.
    select_text(page, "Mr. Smith agreed")
    card = page.locator("#explanation .card", has_text="Add a span")
    card.wait_for()
    assert card.locator("blockquote").inner_text() == "Mr. Smith agreed"
    card.locator("select").select_option("Appeal_to_Authority")
    card.locator("button", has_text="Add span").click()
    assert stats(page) == {"spans": "4", "techniques": "4", "reviewed": "4"}
    assert "Appeal to authority" in " ".join(legend(page))
    passage(page, "Mr. Smith agreed").focus()
    page.keyboard.press("a")  # an added span is the reviewer's own: nothing to accept, and it stays
    assert stats(page) == {"spans": "4", "techniques": "4", "reviewed": "4"}
    assert page.locator("#chart .bar").all_inner_texts()[-1].split() == ["Appeal", "to", "authority", "1"]
    assert page.locator("#correction-count").inner_text() == "5"
    # The download: a corrections file, read back as the library reads any.
    with page.expect_download() as download:
        page.click("#download-corrections")
    assert download.value.suggested_filename == "traitors-1.corrections.json"
    items, problems = read_corrections(download.value.path())
    assert problems == [] and len(items) == 1
    item = items[0]
    assert (item.article, item.text_sha256, item.model) == ("traitors-1", text_sha256(TEXT), "test-model")
    assert [(c.action, TEXT[c.start : c.end], c.technique, c.model_technique) for c in item.corrections] == [
        ("accept", "Vote now.", "Slogans", "Slogans"),
        ("reject", "They will destroy us all!", "Appeal_to_fear-prejudice", "Appeal_to_fear-prejudice"),
        ("relabel", "corrupt elites", "Exaggeration,Minimisation", "Loaded_Language"),
        ("accept", "The corrupt elites lie.", "Name_Calling,Labeling", "Name_Calling,Labeling"),
        ("add", "Mr. Smith agreed", "Appeal_to_Authority", None),
    ]
    assert {c.reviewer for c in item.corrections} == {"ana"} and all(c.time.endswith("Z") for c in item.corrections)
    # The page shows what the library makes of these corrections, and a report rendered with them opens the same.
    assert len(reviewed_spans(analysis.spans, item.corrections)) == 4
    drawn = marks(page)
    again = tmp_path / "again.html"
    again.write_text(render_html(analysis, corrections=item.corrections), encoding="utf-8")
    page.goto(again.as_uri())
    assert marks(page) == drawn and stats(page) == {"spans": "4", "techniques": "4", "reviewed": "4"}
    assert page.locator("#correction-count").inner_text() == "5"
    # ... and so does the template on its own, without the script (the page a reader without JavaScript sees).
    still = page.context.browser.new_page(java_script_enabled=False)
    still.goto(again.as_uri())
    assert [(text, kind) for text, kind, _ in marks(still)] == [(text, kind) for text, kind, _ in drawn]
    assert stats(still) == stats(page)
    still.close()
    assert set(requests) == {url, again.as_uri()} and errors == []  # nothing but the report itself


def test_undo_takes_back_the_last_decision(report_page):
    page, _, requests, errors = report_page
    passage(page, "Vote now.").focus()
    page.keyboard.press("r")
    assert stats(page)["spans"] == "3"
    page.click("#undo-correction")
    assert stats(page) == {"spans": "4", "techniques": "4", "reviewed": "0"}
    assert page.locator("#review-status").inner_text() == "Undone."
    assert page.locator("#download-corrections").is_disabled() and page.locator("#undo-correction").is_disabled()
    # A new technique for an added span takes two corrections (reject it, add it again); undo takes back both.
    select_text(page, "Mr. Smith agreed")
    card = page.locator("#explanation .card", has_text="Add a span")
    card.locator("select").select_option("Appeal_to_Authority")
    card.locator("button", has_text="Add span").click()
    passage(page, "Mr. Smith agreed").focus()
    page.keyboard.press("l")
    page.locator("#explanation .card.current select").select_option("Doubt")
    page.keyboard.press("Enter")
    assert page.locator("#review-status").inner_text() == "Changed to Doubt."
    assert page.locator("#correction-count").inner_text() == "3" and "Doubt" in legend(page)
    page.click("#undo-correction")
    assert page.locator("#correction-count").inner_text() == "1" and stats(page)["spans"] == "5"
    assert "Appeal to authority" in legend(page) and "Doubt" not in legend(page)
    assert errors == [] and len(requests) == 1


def test_the_review_controls_fit_a_phone_screen(browser, tmp_path):
    report = tmp_path / "report.html"
    report.write_text(render_html(sample()), encoding="utf-8")
    page = browser.new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page.goto(report.as_uri())
    passage(page, "Vote now.").tap()
    card = page.locator("#explanation .card.current")
    card.wait_for()
    for control in card.locator("button, select").all() + [page.locator("#download-corrections")]:
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.locator("button", has_text="Reject").tap()
    assert stats(page)["spans"] == "3"
    page.close()


def test_stored_corrections_are_drawn_applied_and_marked_reviewed():
    analysis = sample()
    fear, slogan = analysis.spans[2], analysis.spans[3]
    smith = TEXT.index("Mr. Smith")
    stored = [Correction("reject", fear.start, fear.end, fear.technique, fear.technique),
              Correction("relabel", slogan.start, slogan.end, "Flag-Waving", "Slogans"),
              Correction("add", smith, smith + 9, "Appeal_to_Authority")]
    page = lxml.html.fromstring(propaganda_lens.render_html(analysis, corrections=stored))  # the library's own
    drawn = {mark.text_content(): (mark.get("class"), mark.get("title")) for mark in page.xpath('//div[@class="article"]//mark')}
    assert "They will destroy us all!" not in drawn
    assert drawn["Vote now."] == ("span reviewed reviewed-end", "Flag-waving, reviewed: technique changed")
    assert drawn["Mr. Smith"] == ("span reviewed reviewed-end", "Appeal to authority, reviewed: added by the reviewer")
    assert drawn["corrupt elites"] == ("span", "Loaded language (80%); Name calling or labeling (60%)")
    statistics = [node.text_content() for node in page.xpath('//b[starts-with(@id, "stat-")]')]
    assert statistics == ["4", "4", "41%", "2"]  # 41 of the text's 100 characters in spans
    assert [dt.text_content() for dt in page.xpath('//dl[@id="legend"]/dt')][2:] == ["Flag-waving", "Appeal to authority"]
    assert "connect-src" not in page.xpath("//meta[@http-equiv]")[0].get("content")


def test_markup_in_the_text_stays_text_when_the_page_redraws_it(browser):
    text = 'Traitors <img src=x onerror="window.pwned = 1"> will <b onclick="window.pwned = 2">destroy</b> us.'
    start = text.index("<img")
    analysis = enrich(Article("x", text, "test", Metadata()), [Span(start, text.index(" will"), "Loaded_Language", 0.7)],
                      "test-model", {})
    page = browser.new_page()
    page.set_content(render_html(analysis))
    passage(page, "<img").focus()
    page.keyboard.press("l")
    page.locator("#explanation .card.current select").select_option("Doubt")
    page.keyboard.press("Enter")
    select_text(page, '<b onclick="window.pwned = 2">destroy</b>')
    card = page.locator("#explanation .card", has_text="Add a span")
    card.locator("select").select_option("Slogans")
    card.locator("button", has_text="Add span").click()
    assert page.locator("#stat-reviewed").inner_text() == "2"
    assert page.locator(".article img, .article b, #explanation img").count() == 0
    page.locator("mark.span", has_text="destroy").click()
    assert page.evaluate("window.pwned") is None and page.locator(".article").inner_text() == text
    page.close()


REVIEW_URL = "/corpus/articles/7/reviews"


def test_with_a_review_url_stored_corrections_show_and_each_new_one_is_posted(browser):
    """The corpus article page of `serve --db`, stood in for by Playwright's routing: no server, no network."""
    analysis = sample()
    slogan = next(span for span in analysis.spans if span.technique == "Slogans")
    stored = [Correction("accept", slogan.start, slogan.end, "Slogans", "Slogans", "ana", "2026-12-04T21:00:00Z")]
    html = render_html(analysis, corrections=stored, review_url=REVIEW_URL)
    assert "connect-src 'self'" in html and "connect-src" not in render_html(analysis)
    site = "http://corpus.test"
    posted, answers, outside = [], [(200, {"stored": 1, "problems": []}),
                                     (409, {"error": {"message": "the text is not the stored article's"}})], []

    def serve(route):
        request = route.request
        if request.url == f"{site}/corpus/articles/7":
            route.fulfill(body=html, content_type="text/html; charset=utf-8", headers={
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                                           "img-src data:; connect-src 'self'"})
        elif request.url == site + REVIEW_URL and request.method == "POST":
            posted.append(request.post_data_json)
            status, body = answers[len(posted) - 1]
            route.fulfill(status=status, body=json.dumps(body), content_type="application/json")
        else:
            outside.append(request.url)
            route.abort()

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", serve)
    page.goto(f"{site}/corpus/articles/7")
    assert stats(page) == {"spans": "4", "techniques": "4", "reviewed": "1"}  # the stored correction, applied
    assert "reviewed" in passage(page, "Vote now.").get_attribute("class")
    assert page.locator("#undo-correction").count() == 0  # what is stored is not taken back from the page
    page.fill("#reviewer", "bo")
    passage(page, "They will destroy us all!").focus()
    page.keyboard.press("r")
    page.locator("#review-status", has_text="Rejected: Appeal to fear or prejudice. Saved.").wait_for()
    items, problems = parse_corrections(posted[0])
    assert problems == [] and [(item.article, item.text_sha256) for item in items] == [("traitors-1", text_sha256(TEXT))]
    assert [(c.action, TEXT[c.start : c.end], c.reviewer) for c in items[0].corrections] == [
        ("reject", "They will destroy us all!", "bo")]
    passage(page, "Vote now.").focus()
    page.keyboard.press("r")
    page.locator("#review-status", has_text="Not saved: the text is not the stored article's.").wait_for()
    assert stats(page)["spans"] == "2"  # kept in the page, to download
    assert len(posted) == 2 and outside == [] and errors == []
    page.close()


@st.composite
def corrections(draw):
    """Decisions on the sample's model spans and on stretches of its text, in any order, repeats included."""
    spans, made = spans_of(TEXT), []
    for _ in range(draw(st.integers(0, 8))):
        technique = draw(st.sampled_from(TECHNIQUES))
        if draw(st.booleans()):
            span = draw(st.sampled_from(spans))
            action = draw(st.sampled_from(("accept", "reject", "relabel")))
            made.append(Correction(action, span.start, span.end, span.technique if action == "accept" else technique,
                                   span.technique))
        else:
            start = draw(st.integers(0, len(TEXT) - 1))
            end = draw(st.integers(start + 1, min(start + 30, len(TEXT))))
            action = draw(st.sampled_from(("add", "reject")))
            made.append(Correction(action, start, end, technique, None if action == "add" else technique))
    return made


@pytest.fixture(scope="module")
def two_pages(browser):
    """A page that runs the report's script and one that does not (what the template alone draws)."""
    pages = [browser.new_page(), browser.new_page(java_script_enabled=False)]
    yield pages
    for page in pages:
        page.close()


@settings(max_examples=25, deadline=None)
@given(corrections())
def test_the_script_applies_corrections_as_the_library_and_the_template_do(two_pages, made):
    """The page's script redraws the report on opening; with any corrections, it draws what the template drew
    from apply_corrections (the page without JavaScript)."""
    html = render_html(sample(), corrections=made)
    drawn = []
    for page in two_pages:
        page.set_content(html)
        drawn.append((marks(page), stats(page), page.locator("#legend dt").all_inner_texts(),
                      page.locator("#chart .bar").all_inner_texts()))
    (with_script, statistics, *rest), (without, *same) = drawn
    assert [(text, kind) for text, kind, _ in with_script] == [(text, kind) for text, kind, _ in without]
    assert [statistics, *rest] == same
    assert statistics["spans"] == str(len(reviewed_spans(sample().spans, made)))


def test_on_serve_db_each_correction_is_stored_and_shown_next_time(browser, tmp_path):
    """The corpus article page of a real `serve --db`: a rejection goes through the API into the database, and
    the page shows it applied when it opens again."""
    import httpx
    from typer.testing import CliRunner

    from conftest import live_server
    from propaganda_lens.cli.main import app
    from propaganda_lens.server.app import ServerSettings, create_app
    from propaganda_lens.server.workers import ModelSource

    article = tmp_path / "traitors.txt"
    article.write_text("The corrupt traitors in parliament will destroy our great nation. These cowards betrayed "
                       "every one of us, and the shameful elites cheered them on.", encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'corpus.sqlite'}"
    runner = CliRunner()
    for arguments in (["corpus", "add", str(article)], ["corpus", "run", "-m", "fast"]):
        result = runner.invoke(app, [*arguments, "--db", database])
        assert result.exit_code == 0, result.output
    with live_server(create_app(ModelSource("fast"), ServerSettings(workers=1, corpus_database=database))) as url:
        page = browser.new_page()
        outside, errors = [], []
        page.on("request", lambda request: None if request.url.startswith(url) else outside.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/corpus/articles/1")
        spans = int(page.inner_text("#stat-spans"))
        assert spans >= 1 and page.inner_text("#stat-reviewed") == "0"
        page.fill("#reviewer", "ana")
        page.locator("mark.span:not(.uncertain)").first.focus()
        page.keyboard.press("r")
        page.locator("#review-status", has_text="Saved.").wait_for()
        stored = httpx.get(f"{url}/corpus/articles/1/reviews").json()
        items, problems = parse_corrections(stored)
        assert problems == [] and [(c.action, c.reviewer) for c in items[0].corrections] == [("reject", "ana")]
        page.reload()
        assert page.inner_text("#stat-spans") == str(spans - 1) and page.inner_text("#correction-count") == "1"
        assert outside == [] and errors == []
        page.close()
