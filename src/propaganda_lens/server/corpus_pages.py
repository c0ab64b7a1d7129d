"""`serve --db URL`: the corpus dashboard at /corpus and each article's report at /corpus/articles/{id}."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from propaganda_lens.corpus.dashboard import dashboard_data, render_dashboard
from propaganda_lens.corpus.export import stored_analyses
from propaganda_lens.corpus.stats import NoAnalyses
from propaganda_lens.corpus.store import open_database, snapshot
from propaganda_lens.report.html import render_html

LARGEST_ID = 2**63 - 1  # the largest integer a database column holds
# The pages are self-contained: inline script and styles, nothing fetched.
REPORT_POLICY = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                 "script-src 'unsafe-inline'; img-src data:"}


def add_corpus_pages(app: FastAPI, database_url: str, version: str) -> None:
    """Serve the dashboard of the analyses by model `version` in the database at `database_url`. Raises
    StoreError at once when the database cannot be opened."""
    sessions = open_database(database_url)

    # Plain (not async) handlers: FastAPI runs them in its thread pool, so the server stays responsive.
    @app.get("/corpus", include_in_schema=False)
    def dashboard() -> HTMLResponse:
        try:
            with snapshot(sessions) as session:  # one state of the database while runs commit
                data = dashboard_data(session, version)
        except NoAnalyses:
            raise HTTPException(404, f"no article has an analysis by {version} yet; run 'propaganda-lens corpus run'")
        return HTMLResponse(render_dashboard(data, lambda article_id: f"/corpus/articles/{article_id}"),
                            headers=REPORT_POLICY)

    @app.get("/corpus/articles/{article_id}", include_in_schema=False)
    def article_report(article_id: int) -> HTMLResponse:
        if 1 <= article_id <= LARGEST_ID:  # no row has another id, and the driver cannot send one past it
            for _, analysis in stored_analyses(sessions, version, [article_id]):
                return HTMLResponse(render_html(analysis), headers=REPORT_POLICY)
        raise HTTPException(404, f"no article {article_id} analyzed by {version} in the corpus")
