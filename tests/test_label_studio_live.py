"""The Label Studio round trip against a real Label Studio: a throwaway server (SQLite, loopback, no analytics or
update checks) in its own virtual environment, driven through its REST API like a reviewer would.

The environment is installed once per pinned version (tests/label-studio-requirements.txt) under
~/.cache/propaganda-lens/ (PROPAGANDA_LENS_CACHE overrides it) and reused; a clean machine installs it from PyPI.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from propaganda_lens.data import Correction, Span
from propaganda_lens.review.formats import ReviewTask, corrections_from_annotation, export_tasks, import_annotations
from propaganda_lens.review.formats.label_studio import labelling_config

REQUIREMENTS = Path(__file__).with_name("label-studio-requirements.txt")
CACHE = Path(os.environ.get("PROPAGANDA_LENS_CACHE", Path.home() / ".cache" / "propaganda-lens"))
TOKEN = "propaganda-lens-test-token"  # Label Studio's legacy API token, set for the user the server creates
START_SECONDS = 900  # migrating a new SQLite database takes minutes on a busy machine

LOADED, NAME, DOUBT, FLAG = "Loaded_Language", "Name_Calling,Labeling", "Doubt", "Flag-Waving"
FIRST = "😀 Our 𝕏 heroes fight the corrupt elites, the traitors who hate our great nation 🇺🇸 and its flag."
SECOND = "Nothing to see here 𝕏, only a quiet report."


def at(text, words, after=0):
    start = text.index(words, after)
    return start, start + len(words)


MODEL = {"1": [Span(*at(FIRST, "corrupt elites"), LOADED, 0.8),  # accepted
               Span(*at(FIRST, "traitors"), LOADED, 0.6),  # relabelled as name calling
               Span(*at(FIRST, "heroes"), DOUBT, 0.3)],  # deleted
         "2": [Span(*at(SECOND, "quiet report"), DOUBT, 0.4)]}
ADDED = Span(*at(FIRST, "our great nation 🇺🇸"), FLAG)  # after three characters outside the BMP, and holding two


def utf16(text, offset):
    """What JavaScript counts for a code-point offset (worked out here independently of the library)."""
    return len(text[:offset].encode("utf-16-le")) // 2


def region(text, span, number):
    return {"id": f"r{number}", "from_name": "technique", "to_name": "text", "type": "labels",
            "value": {"start": utf16(text, span.start), "end": utf16(text, span.end),
                      "text": text[span.start:span.end], "labels": [span.technique]}}


def label_studio_python() -> Path:
    """The Python of a virtual environment with the pinned Label Studio, installed on first use (atomically: a
    complete environment is renamed into place, so an interrupted install is never reused)."""
    version = re.search(r"^label-studio==(\S+)", REQUIREMENTS.read_text(encoding="utf-8"), re.MULTILINE).group(1)
    folder = CACHE / f"label-studio-{version}"
    if not (folder / "bin" / "python").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", suffix=".part", dir=CACHE))
        try:
            started = time.monotonic()
            subprocess.run([sys.executable, "-m", "venv", "--clear", building], check=True, capture_output=True)
            installed = subprocess.run([building / "bin" / "python", "-m", "pip", "install", "-q", "-r", REQUIREMENTS],
                                       capture_output=True, text=True, timeout=2400, check=False)
            if installed.returncode != 0:
                raise RuntimeError(f"pip could not install Label Studio {version}:\n{installed.stderr[-4000:]}")
            print(f"installed Label Studio {version} in {time.monotonic() - started:.0f} s", file=sys.stderr)
            building.rename(folder)  # fails when another run finished first: theirs is used
        except OSError:
            if not (folder / "bin" / "python").exists():
                raise
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return folder / "bin" / "python"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def label_studio(tmp_path):
    """A running Label Studio on a free loopback port with a throwaway SQLite database; yields an API client.
    The server is always stopped; its log is printed at teardown, which pytest shows when the test fails."""
    python = label_studio_python()
    port, data, log_path = free_port(), tmp_path / "label-studio", tmp_path / "label-studio.log"
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("HOST", "LABEL_STUDIO_HOST", "HEARTEX_HOST")}
    environment.update(  # no error reports, analytics or version checks: nothing leaves the machine
        LABEL_STUDIO_BASE_DATA_DIR=str(data), DJANGO_DB="sqlite", SENTRY_DSN="", FRONTEND_SENTRY_DSN="",
        COLLECT_ANALYTICS="false", LATEST_VERSION_CHECK="false", LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true")
    command = [python, "-m", "label_studio.server", "start", "--no-browser", "--data-dir", data,
               "--internal-host", "127.0.0.1", "--port", str(port), "--username", "reviewer@example.org",
               "--password", "a-throwaway-password", "--user-token", TOKEN, "--enable-legacy-api-token"]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  env=environment, start_new_session=True)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Token {TOKEN}"},
                          timeout=120)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"Label Studio exited with status {server.returncode}")
            try:
                if client.get("/health").json().get("status") == "UP":
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Label Studio did not answer within {START_SECONDS} s")
            time.sleep(2)
        yield client
    finally:
        client.close()
        print("--- Label Studio's log (end) ---\n" + log_path.read_text(encoding="utf-8", errors="replace")[-6000:])
        if server.poll() is None:
            os.killpg(server.pid, 15)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)
                server.wait()


def checked(response: httpx.Response) -> dict | list:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.status_code} " \
                                f"{response.text[:500]}"
    return response.json()


@pytest.mark.slow
def test_a_review_in_label_studio_comes_back_as_the_corrections_made(label_studio, tmp_path):
    tasks_file, export_file = tmp_path / "tasks.json", tmp_path / "export.json"
    export_tasks("label-studio", [ReviewTask("1", FIRST, MODEL["1"], "m1"), ReviewTask("2", SECOND, MODEL["2"], "m1")],
                 tasks_file)
    project = checked(label_studio.post("/api/projects", json={"title": "propaganda-lens review",
                                                               "label_config": labelling_config()}))
    imported = checked(label_studio.post(f"/api/projects/{project['id']}/import",
                                         content=tasks_file.read_bytes(), headers={"Content-Type": "application/json"}))
    assert imported["task_count"] == 2 and imported["prediction_count"] == 2
    listed = checked(label_studio.get("/api/tasks", params={"project": project["id"], "fields": "all"}))["tasks"]
    task_of = {task["data"]["article"]: task for task in listed}
    reviewer = str(checked(label_studio.get("/api/current-user/whoami"))["id"])

    def annotate(article, spans, cancelled=False):
        text = FIRST if article == "1" else SECOND
        checked(label_studio.post(f"/api/tasks/{task_of[article]['id']}/annotations", json={
            "result": [region(text, span, number) for number, span in enumerate(spans)],
            "was_cancelled": cancelled, "ground_truth": False}))

    accepted, relabelled = MODEL["1"][0], Span(MODEL["1"][1].start, MODEL["1"][1].end, NAME)
    annotate("1", MODEL["1"])  # a first pass that kept everything, then the reviewer's final word:
    annotate("1", [accepted, relabelled, ADDED])
    annotate("2", [], cancelled=True)  # skipped: not a review
    export_file.write_bytes(checked_bytes(label_studio.get(f"/api/projects/{project['id']}/export",
                                                           params={"exportType": "JSON"})))

    annotated, problems = import_annotations("label-studio", export_file, lambda article: None)
    assert problems == []
    assert [(item.article, item.text, item.reviewer) for item in annotated] == [("1", FIRST, reviewer)]
    assert FIRST[ADDED.start:ADDED.end] == "our great nation 🇺🇸"
    time = "2026-12-04T22:00:00Z"
    assert corrections_from_annotation(MODEL["1"], annotated[0].spans, reviewer, time) == [
        Correction("reject", *at(FIRST, "heroes"), DOUBT, DOUBT, reviewer, time),
        Correction("accept", accepted.start, accepted.end, LOADED, LOADED, reviewer, time),
        Correction("relabel", relabelled.start, relabelled.end, NAME, LOADED, reviewer, time),
        Correction("add", ADDED.start, ADDED.end, FLAG, None, reviewer, time)]


def checked_bytes(response: httpx.Response) -> bytes:
    assert response.is_success, f"{response.request.url}: {response.status_code} {response.text[:500]}"
    return response.content
