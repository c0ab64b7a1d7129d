"""The FastAPI app: the REST API, the web page, limits and JSON errors. `create_app` builds it around a
pool of worker processes that each load the model once (see `workers`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from contextlib import asynccontextmanager, suppress
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi_offline import FastAPIOffline
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from starlette.middleware.trustedhost import TrustedHostMiddleware

from propaganda_lens import __version__
from propaganda_lens.catalogue import CATALOGUE
from propaganda_lens.ingest.errors import IngestError, InvalidText
from propaganda_lens.ingest.fetch import FetchLimits
from propaganda_lens.server.limits import BodySizeLimit
from propaganda_lens.server.workers import AnalysisPool, ModelSource, ServerBusy, Task, WorkerFailed
from propaganda_lens.server.models import (
    BATCH_RESPONSE_SCHEMA,
    AnalyzeRequest,
    BatchRequest,
    ErrorResponse,
    HealthResponse,
    TechniquesResponse,
    analysis_components,
)

log = logging.getLogger("propaganda_lens.server")
STATIC = Path(str(resources.files("propaganda_lens.server").joinpath("static")))
PAGE_HEADERS = {
    # The report is shown in a sandboxed srcdoc iframe, which inherits this policy: its inline script and
    # styles need 'unsafe-inline'; the sandbox (no allow-same-origin) keeps it away from this page.
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-src 'self' about:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "body_too_large",
               415: "unsupported_media_type", 422: "invalid_request"}
RETRY_AFTER_S = 2
# The default model's whole analysis, one at a time on a loaded 2-core machine: 11 s for 5,000 characters,
# 30 s for 20,000, 66 s for 40,000 (PTC train articles joined; see the README). An analysis past the timeout
# gets 504, so the timeout sets the longest article: about timeout / 1.6 s thousand characters.
SECONDS_PER_1000_CHARS = 1.6


def longest_article(timeout_s: float) -> int:
    """About how many characters the default model analyzes within `timeout_s` (rounded to thousands)."""
    return int(timeout_s / SECONDS_PER_1000_CHARS) * 1000
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    workers: int = 2
    queue: int = 16
    timeout_s: float = 30.0
    max_body_bytes: int = 2_000_000
    fetch_timeout_s: float = 15.0
    allow_private_urls: bool = False
    # Host headers answered (DNS rebinding defence); "*" answers any. The CLI adds the address it binds to.
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    max_tasks_per_worker: int = 200
    max_worker_mb: float = 1000.0
    corpus_database: str | None = None  # a database URL: serve its dashboard at /corpus
    corpus_reviewed: bool = False  # the dashboard counts the spans reviewed where reviewed, else the model's


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def batch_result(result) -> dict:
    """One batch item's place in the answer: its analysis, or its error."""
    if isinstance(result, IngestError):
        return {"analysis": None, "error": {"code": "bad_input", "message": str(result)}}
    if isinstance(result, TimeoutError):
        return {"analysis": None, "error": {"code": "timeout", "message": "this item took longer than the timeout"}}
    if isinstance(result, Exception):
        log.error("batch item failed: %s", result)
        return {"analysis": None, "error": {"code": "internal_error", "message": "the server failed on this item"}}
    return {"analysis": result, "error": None}


class ClientGone(Exception):
    """The client disconnected before its analysis was done."""


async def _disconnected(http: Request) -> None:
    """Returns when the client disconnects (the request body has been read: the next message says so)."""
    while (await http.receive())["type"] != "http.disconnect":
        pass


async def unless_gone(http: Request, work: Awaitable[Any]) -> Any:
    """The result of `work`; it is cancelled, which frees its worker and its queue place, and ClientGone is
    raised when the client disconnects first."""
    job, gone = asyncio.ensure_future(work), asyncio.ensure_future(_disconnected(http))
    try:
        await asyncio.wait({job, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not job.done():
            job.cancel()
            with suppress(asyncio.CancelledError):
                await job
    if job.cancelled():
        raise ClientGone
    return job.result()


ERRORS = {status: {"model": ErrorResponse} for status in (413, 422, 500, 503, 504)}


def create_app(model: ModelSource = ModelSource(), settings: ServerSettings = ServerSettings()) -> FastAPI:
    """The app; its workers load `model` (default: the shipped one) when it starts. Raises ModelError or
    OSError at once for a missing, incomplete or corrupt model, StoreError for a corpus database that cannot
    be opened."""
    fetch_limits = FetchLimits(timeout_s=settings.fetch_timeout_s, allow_private=settings.allow_private_urls)
    model_name = model.check()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = AnalysisPool(
            model, settings.workers, settings.queue, settings.timeout_s, fetch_limits,
            settings.max_tasks_per_worker, settings.max_worker_mb,
        )
        app.state.pool.start()
        yield
        app.state.pool.shutdown()

    # FastAPIOffline serves the docs page's Swagger UI files from the package: the docs work offline.
    app = FastAPIOffline(
        title="propaganda-lens",
        version=__version__,
        summary="Find, label and explain propaganda techniques in news articles.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        static_url="/api/docs-files",
        openapi_url="/api/openapi.json",
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(settings.allowed_hosts))

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, ERROR_CODES.get(exc.status_code, "http_error"), str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        expected = 'send a JSON object as /api/docs describes, such as {"text": "…"}'
        if first.get("type") == "json_invalid":
            return error(422, "invalid_request", "the request body is not valid JSON "
                         f"({first.get('ctx', {}).get('error', 'decode error')} at character {first['loc'][-1]}): "
                         + expected)
        if tuple(first.get("loc", ())) == ("body",) and first.get("type") in ("model_attributes_type", "dict_type"):
            return error(422, "invalid_request", f"the request body is not a JSON object: {expected}")
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        return error(422, "invalid_request", f"{where + ': ' if where else ''}{first.get('msg', 'invalid request')}")

    @app.exception_handler(InvalidText)
    async def invalid_text(_request: Request, exc: InvalidText) -> JSONResponse:
        return error(400, "bad_request", str(exc))

    @app.exception_handler(IngestError)
    async def bad_input(_request: Request, exc: IngestError) -> JSONResponse:
        return error(422, "bad_input", str(exc))

    @app.exception_handler(ServerBusy)
    async def busy(_request: Request, _exc: ServerBusy) -> JSONResponse:
        return error(503, "busy", "the server is busy with other analyses; retry shortly",
                     {"Retry-After": str(RETRY_AFTER_S)})

    @app.exception_handler(TimeoutError)
    async def timed_out(_request: Request, _exc: TimeoutError) -> JSONResponse:
        return error(504, "timeout", f"the analysis took longer than {settings.timeout_s:g} s, which fits articles "
                     f"of about {longest_article(settings.timeout_s):,} characters; try a shorter text")

    @app.exception_handler(ClientGone)
    async def client_gone(_request: Request, _exc: ClientGone) -> Response:
        log.info("client disconnected; its analysis was cancelled")
        return Response(status_code=499)  # nobody reads it; as nginx logs a closed connection

    @app.exception_handler(WorkerFailed)
    async def worker_failed(_request: Request, exc: WorkerFailed) -> JSONResponse:
        log.error("analysis failed: %s", exc)
        return error(500, "internal_error", "the server failed on this request; its log has the details")

    @app.exception_handler(Exception)
    async def internal_error(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed", exc_info=exc)
        return error(500, "internal_error", "the server failed on this request; its log has the details")

    @app.get("/health", response_model=HealthResponse, tags=["service"])
    async def health(request: Request) -> HealthResponse:
        """Liveness and load: the model's name, how full the analysis pool is and how many workers are ready."""
        pool = request.app.state.pool
        return HealthResponse(status="ok", model=model_name, running_or_waiting=pool.pending,
                              capacity=pool.capacity, ready_workers=pool.ready_workers)

    @app.get("/api/techniques", response_model=TechniquesResponse, tags=["analysis"])
    async def techniques() -> TechniquesResponse:
        """The technique catalogue: label, name, definition, example and color of each technique."""
        return TechniquesResponse(techniques=[asdict(entry) for entry in CATALOGUE.values()])

    @app.post(
        "/api/analyze",
        tags=["analysis"],
        responses={200: {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Analysis"}}}},
                   **ERRORS},
    )
    async def analyze_one(request: AnalyzeRequest, http: Request) -> JSONResponse:
        """Analyze one article; the answer is the JSON that `propaganda-lens analyze --format json` writes."""
        analysis = await unless_gone(http, http.app.state.pool.run(Task(request.model_dump(), "json")))
        return JSONResponse(analysis)

    @app.post(
        "/api/report",
        tags=["analysis"],
        response_class=HTMLResponse,
        responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}, **ERRORS},
    )
    async def report(request: AnalyzeRequest, http: Request) -> HTMLResponse:
        """Analyze one article; the answer is the self-contained HTML report (the analysis JSON inside)."""
        html = await unless_gone(http, http.app.state.pool.run(Task(request.model_dump(), "html")))
        return HTMLResponse(html, headers={"Content-Security-Policy": "default-src 'none'; "
                            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"})

    @app.post(
        "/api/analyze/batch",
        tags=["analysis"],
        responses={200: {"content": {"application/json": {"schema": BATCH_RESPONSE_SCHEMA}}}, **ERRORS},
    )
    async def analyze_batch(batch: BatchRequest, http: Request) -> JSONResponse:
        """Analyze up to 20 articles, each within the timeout; a bad item gets an error in its place and the
        rest go on."""
        tasks = [Task(item.model_dump(), "json") for item in batch.items]
        results = await unless_gone(http, http.app.state.pool.run_all(tasks))
        return JSONResponse({"results": [batch_result(result) for result in results]})

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return Response((STATIC / "index.html").read_bytes(), media_type="text/html; charset=utf-8",
                        headers=PAGE_HEADERS)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:  # browsers ask for it on pages that name no icon (the API docs)
        return Response((STATIC / "favicon.svg").read_bytes(), media_type="image/svg+xml",
                        headers={"Cache-Control": "max-age=86400"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.corpus_database is not None:
        from propaganda_lens.detect.detector import model_version
        from propaganda_lens.server.corpus_pages import add_corpus_pages

        add_corpus_pages(app, settings.corpus_database, model_version(model.model), settings.corpus_reviewed)

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(analysis_components())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    return app
