import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check what the code does, never how fast: no deadline, and no health check on slow generation
# (both fail on a busy machine). A test that is about time measures it itself, relative to something.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

# The shared data sits beside the repository (../shared), as in CI; PROPAGANDA_LENS_SHARED overrides it.
SHARED = Path(os.environ.get("PROPAGANDA_LENS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
PTC = SHARED / "data" / "ptc-semeval2020"


def shared(path: Path, what: str) -> Path:
    """A path under ../shared; the test is skipped without it (a failure under CI: see below)."""
    if not path.exists():
        pytest.skip(f"{what} is not at {path}")
    return path


def actors_and_relations(text: str, head=None) -> tuple[set[str], set[tuple[str, str, str, str]]]:
    """What the actors stage reads in `text`: the actor names, and the (source, polarity, target, modality)
    relations by name, from the rules and `head` (a relation head or encoder; None: the rules alone)."""
    from propaganda_lens.actors.mentions import find_actors
    from propaganda_lens.actors.relations import find_relations
    from propaganda_lens.enrich.parsing import parse
    from propaganda_lens.enrich.sentences import sentence_ranges

    doc = parse(text, sentence_ranges(text))
    actors, actor_of_token = find_actors(doc)
    names = {actor.id: actor.name for actor in actors}
    persons = {actor.id for actor in actors if actor.kind == "person"}
    relations = find_relations(doc, actor_of_token, persons, head)
    return set(names.values()), {(names[r.source], r.polarity, names[r.target], r.modality) for r in relations}


def _skips_fail_under_ci(report) -> None:
    """Under CI (CI set, as .ci/run does) a skip is a failure: CI must have every extra, the shared data,
    Chromium and PostgreSQL. Elsewhere `-rs` lists each skip with its reason."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        report.outcome, report.longrepr = "failed", f"skipped under CI, which must run every test: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _skips_fail_under_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield  # a module-level importorskip skips the whole module at collection
    _skips_fail_under_ci(outcome.get_result())


def assert_one_line_error(result, fragment: str) -> None:
    """A CLI result that failed with exactly one stderr line containing `fragment`, and no traceback."""
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


@pytest.fixture(scope="session")
def ptc_folder() -> Path:
    return shared(PTC, "the PTC data")


FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")
EXAMPLE = SHARED / "examples" / "libya-haftar-derna-2018.md"


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT with the shipped MiniLM's tokenizer (needs the train extra)."""
    torch = pytest.importorskip("torch", reason="needs the train extra")
    transformers = pytest.importorskip("transformers", reason="needs the train extra")
    from propaganda_lens.detect.detector import shipped_model_path

    folder = tmp_path_factory.mktemp("encoder")
    config = transformers.BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
    )
    torch.manual_seed(0)
    transformers.BertModel(config).save_pretrained(folder)
    shutil.copy(shipped_model_path("ptc-minilm") / "tokenizer.json", folder / "tokenizer.json")
    return folder


@pytest.fixture(scope="session")
def example_article() -> Path:
    return shared(EXAMPLE, "the example article")


@contextmanager
def live_server(app):
    """Serve an ASGI app with uvicorn on a free loopback port for the duration of the block; yields its URL."""
    import uvicorn

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@contextmanager
def http_site(handler):
    """Serve `handler` (a BaseHTTPRequestHandler class) with a real threading HTTP server on a free loopback port
    for the duration of the block; yields its URL."""
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def fixture_site():
    """An ASGI web site serving tests/fixtures (404 for other paths), to run with live_server."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    return Starlette(routes=[Mount("/", StaticFiles(directory=FIXTURES))])


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


POSTGRES_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server from Debian's package (.ci/run installs it) on a free loopback port;
    yields a SQLAlchemy URL without a database name."""
    import shutil
    import subprocess
    import tempfile

    if not POSTGRES_BINARIES:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    binaries = POSTGRES_BINARIES[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="propaganda-lens-postgres-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(folder, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = folder / "data"
    subprocess.run([*as_user, binaries / "initdb", "-D", data, "-A", "trust", "-U", "lens", "--no-sync"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_user, binaries / "pg_ctl", "-D", data, "-l", folder / "log", "-w", "-o", options, "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://lens@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
