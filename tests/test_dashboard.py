"""The corpus dashboard in Debian's Chromium, on a corpus whose rows the test stores directly (no model run):
a time axis with gaps for empty months, every outlet reachable and re-ranked by the technique filter, every
bar labelled, a layout that fits 1280 and 390 px wide screens, and who is framed how per outlet.

Set PROPAGANDA_LENS_SCREENSHOTS to a folder to keep the screenshots."""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from propaganda_lens.cli.main import app
from propaganda_lens.corpus.dashboard import dashboard_data
from propaganda_lens.corpus.store import ActorRow, AnalysisRow, ArticleRow, ModelRow, SpanRow, open_database, snapshot, writing
from propaganda_lens.detect.detector import model_version

MODEL = "fast"
# 17 outlets of two articles with six loaded-language spans each, and thehill.com: one article whose five
# spans are all slogans. By all spans thehill.com ranks last; by slogans, first.
OUTLETS = ["abcnews.go.com", "breitbart.com", "cbsnews.com", "cnn.com", "foxnews.com", "huffpost.com",
           "motherjones.com", "nationalreview.com", "nbcnews.com", "npr.org", "nypost.com", "politico.com",
           "reuters.com", "rt.com", "theguardian.com", "washingtonexaminer.com", "washingtontimes.com"]
MONTHS = ["2014-09", "2014-10", "2017-10"]  # 2014-11 to 2017-09: no article


def article(number: int, outlet: str, published: str | None, spans: list[tuple[str, str]],
            actors: list[tuple[str, str, dict[str, int]]]) -> dict:
    return {"number": number, "outlet": outlet, "published": published, "spans": spans, "actors": actors}


def corpus_articles() -> list[dict]:
    loaded = [("Loaded_Language", "corrupt elites")] * 5 + [("Name_Calling,Labeling", "traitors")]
    articles = []
    for index, outlet in enumerate(OUTLETS):
        for copy in range(2):
            number = len(articles) + 1
            month = MONTHS[(index + copy) % len(MONTHS)]
            spans = loaded + ([("Slogans", "make it great")] if index == 0 and copy == 0 else [])
            actors = [("Donald Trump", "person", {"Loaded_Language": 4, "Name_Calling,Labeling": 1}),
                      (f"Senator {index}", "person", {"Loaded_Language": 1}),
                      ("Congress", "organization", {"Slogans": 2})]
            articles.append(article(number, outlet, f"{month}-0{copy + 1}", spans, actors))
    articles.append(article(len(articles) + 1, "thehill.com", "2017-10-15", [("Slogans", "drain the swamp")] * 5,
                            [("Hillary Clinton", "person", {"Name_Calling,Labeling": 3, "Slogans": 5})]))
    articles.append(article(len(articles) + 1, "thehill.com", None, [], []))  # undated: not on the time axis
    return articles


def store_corpus(database: str, articles: list[dict], version: str) -> None:
    """Store the articles with their analyses by `version`, as `corpus run` would."""
    sessions = open_database(database)
    with writing(sessions) as session:
        session.add(ModelRow(version=version, name=MODEL, technique_precision={"Slogans": 0.5}))
        for item in articles:
            text = f"Article {item['number']}. " + " ".join(phrase for _, phrase in item["spans"]) + " and more words." * 20
            row = ArticleRow(content_hash=f"{item['number']:064d}", name=f"article{item['number']}",
                             outlet=item["outlet"], published=item["published"], title=f"Story {item['number']}",
                             url=f"https://{item['outlet']}/{item['number']}", extra={}, text=text,
                             words=len(text.split()))
            session.add(row)
            session.flush()
            analysis = AnalysisRow(article_id=row.id, model_version=version, warnings=[], checkworthiness=[],
                                   covered_chars=sum(len(phrase) for _, phrase in item["spans"]))
            session.add(analysis)
            session.flush()
            position = 0
            for technique, phrase in item["spans"]:
                start = text.index(phrase, position)
                position = start + len(phrase)
                session.add(SpanRow(analysis_id=analysis.id, start=start, end=position, technique=technique,
                                    probability=0.9, text=phrase, cues=[]))
            for key, (name, kind, techniques) in enumerate(item["actors"]):
                session.add(ActorRow(analysis_id=analysis.id, key=f"actor-{key}", name=name, kind=kind,
                                     mentions=[[0, 7]], techniques=techniques))


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory) -> Path:
    """The dashboard file of the test corpus, written by `corpus report`."""
    folder = tmp_path_factory.mktemp("dashboard")
    database = f"sqlite:///{folder / 'c.sqlite'}"
    store_corpus(database, corpus_articles(), model_version(MODEL))
    output = folder / "dashboard.html"
    made = CliRunner().invoke(app, ["corpus", "report", "-o", str(output), "--db", database, "-m", MODEL,
                                    "--article-reports", "0"])
    assert made.exit_code == 0, made.output
    return output


def opened(browser, dashboard: Path, width: int):
    """The dashboard in a new page `width` px wide, drawn, having made no request but for itself."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(dashboard.as_uri())
    page.locator("#articles tbody tr").first.wait_for()
    assert requests == [dashboard.as_uri()] and not errors
    return page


def chart_labels(page, name: str) -> list[str]:
    return page.evaluate(f"Chart.getChart('{name}').data.labels")


def choose(page, selector: str, value: str) -> None:
    page.fill(selector, value)
    page.dispatch_event(selector, "change")


def framing_rows(page) -> list[list[str]]:
    return page.evaluate("""Array.from(document.querySelectorAll('#framing tbody tr'),
                                       (row) => Array.from(row.cells, (cell) => cell.textContent))""")


def test_the_dashboard_data_holds_who_is_framed_how(tmp_path):
    database = f"sqlite:///{tmp_path / 'c.sqlite'}"
    store_corpus(database, corpus_articles(), "test@1")
    with snapshot(open_database(database)) as session:
        data = dashboard_data(session, "test@1")
    names = [name for name, _ in data["actors"]]
    # Congress is named only beside slogans: not framed by name calling or loaded language.
    assert names == ["Donald Trump", "Hillary Clinton"] + sorted(f"Senator {n}" for n in range(len(OUTLETS)))
    assert [data["techniques"][index]["label"] for index in data["framing_techniques"]] == \
        ["Name_Calling,Labeling", "Loaded_Language"]
    clinton = names.index("Hillary Clinton")
    assert [row for row in data["framing"] if row[1] == clinton] == [[len(OUTLETS) * 2, clinton, 3, 0]]
    assert len(data["framing"]) == len(OUTLETS) * 2 * 2 + 1


def test_months_without_articles_are_gaps_on_a_time_axis(browser, dashboard):
    page = opened(browser, dashboard, 1280)
    timeline = page.evaluate("""(() => {
        const chart = Chart.getChart('timeline'), meta = chart.getDatasetMeta(0);
        return { type: chart.scales.x.type, values: chart.data.datasets[0].data.map((point) => point.y),
                 x: meta.data.map((point) => point.x), skipped: meta.data.map((point) => point.skip),
                 tension: meta.dataset.options.tension, spanGaps: meta.dataset.options.spanGaps,
                 segments: meta.dataset.segments.map((s) => [s.start, s.end]),
                 ticks: chart.scales.x.ticks.map((tick) => tick.label) };
    })()""")
    assert timeline["type"] == "linear" and timeline["tension"] == 0 and not timeline["spanGaps"]
    # 2014-09 to 2017-10: 38 months, of which 2014-11 to 2017-09 have no article.
    assert len(timeline["values"]) == 38
    assert [value is None for value in timeline["values"]] == [False, False] + [True] * 35 + [False]
    assert timeline["skipped"] == [value is None for value in timeline["values"]]
    assert all(not (start <= 1 and end >= 37) for start, end in timeline["segments"])  # no line across the gap
    x = timeline["x"]
    assert (x[37] - x[1]) / (x[1] - x[0]) == pytest.approx(36, rel=0.01)  # distances are times
    assert timeline["ticks"][0] == "2014-09" and timeline["ticks"][-1] == "2017-10"
    page.close()


def test_a_technique_filter_re_ranks_outlets_and_every_outlet_is_reachable(browser, dashboard):
    page = opened(browser, dashboard, 1280)
    mix = chart_labels(page, "mix")
    assert len(mix) == 15 and "thehill.com" not in mix  # by all spans it ranks last
    page.select_option("#technique", label="Slogans (p 0.50)")
    assert chart_labels(page, "mix")[:2] == ["thehill.com", "abcnews.go.com"]
    assert chart_labels(page, "ranking")[:2] == ["thehill.com", "abcnews.go.com"]
    assert framing_rows(page)[0] == ["thehill.com", "Hillary Clinton person", "3", "0", "1"]
    page.select_option("#technique", label="Loaded language (p n/a)")
    assert "thehill.com" not in chart_labels(page, "mix")
    assert page.input_value("#top") == "15"
    choose(page, "#top", "18")
    assert len(chart_labels(page, "mix")) == len(chart_labels(page, "ranking")) == 18
    page.fill("#outlet-search", "HILL")
    assert page.evaluate("Array.from(document.querySelectorAll('#outlet option'), (o) => o.hidden)") == \
        [outlet != "thehill.com" for outlet in sorted([*OUTLETS, "thehill.com"])]
    page.select_option("#outlet", label="thehill.com")
    assert page.inner_text("#summary").startswith("2 articles")
    assert chart_labels(page, "mix") == ["thehill.com"]
    page.click("button[type=reset]")
    page.wait_for_function("document.querySelector('#summary').textContent.startsWith('36 articles')")
    assert page.evaluate("Array.from(document.querySelectorAll('#outlet option')).some((o) => o.hidden)") is False
    assert page.input_value("#top") == "15"
    page.close()


def bar_labels(page, name: str) -> dict:
    """A bar chart's bars, its labelled ticks, the least distance between two ticks and the tick font size."""
    return page.evaluate(f"""(() => {{
        const chart = Chart.getChart('{name}'), scale = chart.scales.y;
        const pixels = scale.ticks.map((_, index) => scale.getPixelForTick(index));
        return {{ bars: chart.data.labels.length, ticks: scale.ticks.length,
                 gap: Math.min(...pixels.slice(1).map((pixel, index) => pixel - pixels[index])),
                 font: Chart.defaults.font.size }};  // the ticks keep the default font
    }})()""")


def assert_every_bar_labelled(page, bars: int) -> None:
    for name in ("mix", "ranking"):
        chart = bar_labels(page, name)
        assert chart["ticks"] == chart["bars"] == bars
        assert chart["gap"] >= 1.5 * chart["font"]  # labels never overlap


@pytest.mark.parametrize("width", [1280, 390])
def test_every_bar_is_labelled_and_the_layout_fits_the_screen(browser, dashboard, tmp_path, width):
    page = opened(browser, dashboard, width)
    assert_every_bar_labelled(page, 15)
    layout = page.evaluate("""(() => {
        const lines = (cell) => { const range = document.createRange(); range.selectNodeContents(cell);
                                  return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size; };
        return {
            page: document.documentElement.scrollWidth,
            hidden: Array.from(document.querySelectorAll('table'), (t) => t.parentElement.scrollWidth - t.parentElement.clientWidth),
            monthLines: Array.from(document.querySelectorAll('#articles td:nth-child(3)'), lines),
            sections: Array.from(document.querySelectorAll('section'), (s) => {
                const box = s.getBoundingClientRect(), last = s.lastElementChild.getBoundingClientRect();
                return { left: box.left, top: box.top, width: box.width, empty: (box.bottom - last.bottom) / box.height };
            }),
        };
    })()""")
    assert layout["page"] <= width  # nothing scrolls sideways
    assert all(hidden <= 0 for hidden in layout["hidden"])
    assert layout["monthLines"] and set(layout["monthLines"]) == {1}  # "2019-11", never "2019-" over "11"
    assert max(section["empty"] for section in layout["sections"]) < 0.3  # no section stays mostly empty
    mix, ranking = layout["sections"][:2]
    if width == 1280:  # the two bar charts side by side
        assert mix["top"] == ranking["top"] and min(mix["width"], ranking["width"]) > 500
    else:
        assert all(section["left"] >= 0 and section["width"] <= width for section in layout["sections"])
    choose(page, "#top", "18")
    assert_every_bar_labelled(page, 18)
    folder = Path(os.environ.get("PROPAGANDA_LENS_SCREENSHOTS", tmp_path))
    page.screenshot(path=folder / f"dashboard-{width}.png", full_page=True)
    assert (folder / f"dashboard-{width}.png").stat().st_size > 10_000
    page.close()
