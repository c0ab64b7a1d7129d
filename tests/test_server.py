"""The REST API with FastAPI's TestClient: every endpoint, every error, the limits and the bounded queue."""

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FIXTURES, assert_one_line_error, fixture_site, live_server
from propaganda_lens.api import default_detector
from propaganda_lens.catalogue import CATALOGUE
from propaganda_lens.cli.main import app as cli
from propaganda_lens.server.app import ServerSettings, create_app
from propaganda_lens.server.limits import AnalysisPool, ServerBusy

TEXT = "They are traitors and cowards, and the corrupt elites will destroy our great nation. Wake up!"


class HeldDetector:
    """The real detector, held at `find_spans` until released (or made to fail), to fill the pool."""

    def __init__(self, fail: bool = False):
        self.real, self.fail = default_detector(), fail
        self.config = self.real.config
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def find_spans(self, text, threshold=None):
        self.entered.release()
        if self.fail:
            raise RuntimeError("secret internal detail")
        self.release.wait(10)
        return self.real.find_spans(text, threshold)


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(default_detector())) as test_client:
        yield test_client


def assert_error(response, status: int, code: str, fragment: str = "") -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert fragment in body["error"]["message"]
    assert "Traceback" not in response.text
    return body


def test_analyze_returns_the_same_json_as_the_cli(client, tmp_path):
    api = client.post("/api/analyze", json={"text": TEXT}).json()
    (tmp_path / "t.txt").write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "t.txt"), "-f", "json"])
    command = json.loads(result.stdout)
    for document in (api, command):
        document["article"].pop("id"), document["article"].pop("source")
    assert api == command and api["spans"]


def test_html_input_and_the_html_report(client):
    html = (FIXTURES / "news-page.html").read_text(encoding="utf-8")
    data = client.post("/api/analyze", json={"html": html}).json()
    assert data["article"]["metadata"]["author"] == "Maria Keller"
    assert "wasting our money" not in data["article"]["text"]
    report = client.post("/api/report", json={"html": html})
    assert report.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in report.headers["content-security-policy"]
    assert "Council votes to close the harbour bridge" in report.text


def test_url_input_is_fetched_only_from_public_addresses_unless_allowed():
    with live_server(fixture_site()) as base, TestClient(create_app(default_detector())) as closed, TestClient(
        create_app(default_detector(), ServerSettings(allow_private_urls=True))
    ) as open_client:
        url = f"{base}/news-page.html"
        assert_error(closed.post("/api/analyze", json={"url": url}), 422, "bad_input", "private or local network")
        assert_error(closed.post("/api/analyze", json={"url": "file:///etc/passwd"}), 422, "bad_input", "only http")
        page = open_client.post("/api/analyze", json={"url": url})
        assert page.status_code == 200 and page.json()["article"]["metadata"]["author"] == "Maria Keller"


def test_batch_goes_on_past_a_bad_item(client):
    response = client.post("/api/analyze/batch", json={"items": [{"text": TEXT}, {"text": "   "}, {"text": "Cowards!"}]})
    results = response.json()["results"]
    assert [item["error"] is None for item in results] == [True, False, True]
    assert results[1]["error"]["code"] == "bad_input" and results[1]["analysis"] is None
    assert_error(client.post("/api/analyze/batch", json={"items": []}), 422, "invalid_request")
    assert_error(client.post("/api/analyze/batch", json={"items": [{"text": "x"}] * 21}), 422, "invalid_request")


def test_techniques_health_page_and_docs(client):
    techniques = client.get("/api/techniques").json()["techniques"]
    assert [entry["label"] for entry in techniques] == list(CATALOGUE)
    assert client.get("/health").json() == {"status": "ok", "model": "ptc-minilm", "running_or_waiting": 0,
                                            "capacity": 18}
    page = client.get("/")
    assert page.status_code == 200 and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert {"/api/analyze", "/api/analyze/batch", "/api/report", "/api/techniques", "/health"} <= set(schema["paths"])
    assert "AnalysisSpan" in schema["components"]["schemas"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"text": "a", "url": "http://example.org"}, "exactly one of text, html or url"),
        ({}, "exactly one of text, html or url"),
        ({"text": TEXT, "threshold": 1.5}, "threshold"),
        ({"text": TEXT, "format": "xml"}, "format"),
        ({"text": 42}, "text"),
    ],
)
def test_invalid_requests(client, body, fragment):
    assert_error(client.post("/api/analyze", json=body), 422, "invalid_request", fragment)


def test_http_level_errors(client):
    assert_error(client.post("/api/analyze", content=b"{not json", headers={"content-type": "application/json"}),
                 422, "invalid_request", "JSON")
    assert_error(client.put("/api/analyze", json={"text": TEXT}), 405, "method_not_allowed")
    assert_error(client.get("/api/nothing"), 404, "not_found")
    assert_error(client.get("/static/../pyproject.toml"), 404, "not_found")
    assert_error(client.post("/api/analyze", json={"text": "  "}), 422, "bad_input", "only whitespace")


def test_bodies_over_the_cap_get_413_declared_or_not():
    with TestClient(create_app(default_detector(), ServerSettings(max_body_bytes=10_000))) as small:
        assert_error(small.post("/api/analyze", json={"text": "x" * 20_000}), 413, "body_too_large")
        chunks = (b'{"text": "' + b"x" * 4_000 for _ in range(5))
        assert_error(small.post("/api/analyze", content=chunks, headers={"content-type": "application/json"}),
                     413, "body_too_large")
        assert small.post("/api/analyze", json={"text": TEXT}).status_code == 200


def test_cors_stays_closed(client):
    preflight = client.options("/api/analyze", headers={"Origin": "https://evil.example",
                                                        "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    response = client.post("/api/analyze", json={"text": TEXT}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


def test_past_the_queue_requests_get_503_and_slow_ones_504():
    held = HeldDetector()
    with TestClient(create_app(held, ServerSettings(workers=1, queue=0, timeout_s=5))) as busy:
        first = {}
        worker = threading.Thread(target=lambda: first.update(r=busy.post("/api/analyze", json={"text": TEXT})))
        worker.start()
        assert held.entered.acquire(timeout=10)
        refused = busy.post("/api/analyze", json={"text": TEXT})
        assert_error(refused, 503, "busy")
        assert refused.headers["retry-after"] == "2"
        held.release.set()
        worker.join(10)
        assert first["r"].status_code == 200
    slow = HeldDetector()
    with TestClient(create_app(slow, ServerSettings(workers=1, queue=1, timeout_s=0.3))) as impatient:
        assert_error(impatient.post("/api/analyze", json={"text": TEXT}), 504, "timeout")
        slow.release.set()


def test_a_failure_inside_is_a_500_without_details():
    with TestClient(create_app(HeldDetector(fail=True)), raise_server_exceptions=False) as failing:
        body = assert_error(failing.post("/api/analyze", json={"text": TEXT}), 500, "internal_error")
        assert "secret internal detail" not in json.dumps(body)


def test_the_pool_never_holds_more_than_workers_plus_queue():
    async def scenario():
        pool = AnalysisPool(workers=2, queue=3, timeout_s=5)
        gate = threading.Event()
        tasks = [asyncio.create_task(pool.run(gate.wait)) for _ in range(5)]
        await asyncio.sleep(0.05)
        assert pool.pending == 5
        with pytest.raises(ServerBusy):
            await pool.run(gate.wait)
        gate.set()
        await asyncio.gather(*tasks)
        for _ in range(50):
            if pool.pending == 0:
                break
            await asyncio.sleep(0.01)
        assert pool.pending == 0
        pool.shutdown()

    asyncio.run(scenario())


def test_serve_answers_on_its_port_and_a_busy_port_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_one_line_error(CliRunner().invoke(cli, ["serve", "--port", str(port)]), "Address already in use")
    command = shutil.which("propaganda-lens") or str(Path(sys.executable).with_name("propaganda-lens"))
    server = subprocess.Popen([command, "serve", "--port", str(port)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health")
                break
            except httpx.ConnectError:
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert httpx.post(f"http://127.0.0.1:{port}/api/analyze", json={"text": TEXT}).json()["spans"]
    finally:
        server.terminate()
        server.wait(timeout=20)
