"""`serve --db URL`: the corpus dashboard at /corpus, each article's report at /corpus/articles/{id}, and its
reviewers' corrections at /corpus/articles/{id}/reviews (GET: a corrections file; POST one to store it)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from propaganda_lens.corpus.dashboard import dashboard_data, render_dashboard
from propaganda_lens.corpus.export import stored_analyses
from propaganda_lens.corpus.reviews import (
    StoreResult, article_corrections, reviewed_articles, reviewed_corrections, store_item, version_reviewed,
)
from propaganda_lens.corpus.stats import NoAnalyses
from propaganda_lens.corpus.store import ArticleRow, open_database, snapshot, writing
from propaganda_lens.report.html import render_html
from propaganda_lens.review.corrections import CorrectionsError, corrections_document, parse_corrections

LARGEST_ID = 2**63 - 1  # the largest integer a database column holds
# The pages are self-contained: inline script and styles, nothing fetched.
REPORT_POLICY = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                 "script-src 'unsafe-inline'; img-src data:"}
# An article's report also sends its reviewer's corrections to this server, and nowhere else.
REVIEWABLE_REPORT_POLICY = {"Content-Security-Policy": REPORT_POLICY["Content-Security-Policy"] + "; connect-src 'self'"}


async def json_body(request: Request) -> Any:
    """The request body, decoded as JSON (the body size limit applies as it is read); 400 when it is not JSON."""
    try:
        return json.loads(await request.body())
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise HTTPException(400, f"the request body is not JSON ({error}): send a corrections file") from None


def stored_article(session: Session, article_id: int) -> ArticleRow:
    """The article with this id; 404 when there is none (ids past the 64-bit range included)."""
    article = session.get(ArticleRow, article_id) if 1 <= article_id <= LARGEST_ID else None
    if article is None:
        raise HTTPException(404, f"no article {article_id} in the corpus")
    return article


def add_corpus_pages(app: FastAPI, database_url: str, version: str, reviewed: bool = False) -> None:
    """Serve the dashboard of the analyses by model `version` in the database at `database_url` (`reviewed`:
    counting the spans reviewed where reviewed, else the model's). Raises StoreError at once when the database
    cannot be opened."""
    sessions = open_database(database_url)

    # Plain (not async) handlers: FastAPI runs them in its thread pool, so the server stays responsive.
    @app.get("/corpus", include_in_schema=False)
    def dashboard() -> HTMLResponse:
        try:
            with snapshot(sessions) as session:  # one state of the database while runs commit
                data = dashboard_data(session, version, reviewed=reviewed_articles(session, version) if reviewed else None)
        except NoAnalyses:
            raise HTTPException(404, f"no article has an analysis by {version} yet; run 'propaganda-lens corpus run'")
        return HTMLResponse(render_dashboard(data, lambda article_id: f"/corpus/articles/{article_id}"),
                            headers=REPORT_POLICY)

    @app.get("/corpus/articles/{article_id}", include_in_schema=False)
    def article_report(article_id: int) -> HTMLResponse:
        if 1 <= article_id <= LARGEST_ID:  # no row has another id, and the driver cannot send one past it
            for article, analysis in stored_analyses(sessions, version, [article_id]):
                corrections = reviewed_corrections(sessions, article, version)  # shown applied, marked reviewed
                page = render_html(analysis, corrections, review_url=f"/corpus/articles/{article_id}/reviews")
                return HTMLResponse(page, headers=REVIEWABLE_REPORT_POLICY)
        raise HTTPException(404, f"no article {article_id} analyzed by {version} in the corpus")

    @app.get("/corpus/articles/{article_id}/reviews", include_in_schema=False)
    def reviews(article_id: int) -> JSONResponse:
        """The article's stored corrections of the served model version's spans, as a corrections file."""
        with snapshot(sessions) as session:
            item = article_corrections(session, stored_article(session, article_id), version)
        return JSONResponse(corrections_document([item]))

    @app.post("/corpus/articles/{article_id}/reviews", include_in_schema=False)
    def store_reviews(article_id: int, body: Any = Depends(json_body)) -> JSONResponse:
        """Store a corrections file's corrections of this article (its one entry), in one transaction: each
        correction that cannot be stored is named in "problems", and the rest is stored."""
        try:
            items, problems = parse_corrections(body)
        except CorrectionsError as error:
            raise HTTPException(400, str(error)) from None
        if len(body["articles"]) != 1:
            raise HTTPException(400, f"send the corrections of one article (one entry in \"articles\"), "
                                f"not {len(body['articles'])}")
        if not items:
            raise HTTPException(400, problems[0])
        item = items[0]
        with writing(sessions) as session:
            article = stored_article(session, article_id)
            if item.text_sha256 != article.content_hash:
                raise HTTPException(409, f"the corrections were made on another text than article {article_id}'s "
                                    "(its SHA-256 differs): the article changed or this is another one")
            reviewed = version_reviewed(item.model, version)
            if reviewed != version:
                raise HTTPException(409, f"the corrections were made on the spans of model {item.model!r}; this "
                                    f"server shows those of {version}")
            result = StoreResult(problems=problems)
            store_item(session, article, item, version, "", result)
        return JSONResponse({"stored": result.stored, "already_stored": result.already_stored,
                             "problems": result.problems})
