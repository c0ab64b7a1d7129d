"""Analyses in worker processes, so that no input can hold the server.

The event loop only hands requests to workers and waits on them; a worker does the ingestion, detection and
rendering. A task past its deadline gets its worker killed at once and replaced, so the client gets its 504
on time and `/health` answers throughout. Each worker loads the models once (the detector, spaCy's pipeline
and the claim model) and takes tasks only once they are loaded; it is replaced after `max_tasks` tasks, or
when its memory passes `max_rss_mb`, so memory stays bounded.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from propaganda_lens.detect.detector import CONFIG_FILE, Detector, DetectorConfig, model_folder, verify_checksums
from propaganda_lens.ingest.errors import IngestError
from propaganda_lens.ingest.fetch import FetchLimits
from propaganda_lens.memory import release_freed_memory

Output = Literal["json", "html"]


class ServerBusy(Exception):
    """Every worker is busy and the queue is full; the client should retry later."""


class WorkerFailed(Exception):
    """A worker died or raised an unexpected error; the message is for the log, not the client."""


@dataclass(frozen=True)
class ModelSource:
    """Where workers load the model from. Picklable, so that it can travel to a worker process."""

    model: str | Path | None = None  # a shipped model's name or a model folder; None: the default model

    def check(self) -> str:
        """Verify the model's files once, in the server process, and return the model's name; ModelError or
        OSError when the folder is missing, incomplete or corrupt."""
        folder = model_folder(self.model)
        verify_checksums(folder)
        return DetectorConfig.from_file(folder / CONFIG_FILE).name

    def load(self) -> Detector:
        """The detector, in a worker: `check` already verified the files, so they are not hashed again."""
        return Detector.from_disk(self.model, verify=False)


@dataclass(frozen=True)
class Task:
    """One article to analyze (a request body as a dict) and the output wanted: analysis JSON or HTML report."""

    request: dict[str, Any]
    output: Output = "json"


def perform(task: Task, detector: Detector, fetch_limits: FetchLimits) -> dict | str:
    from propaganda_lens.api import analyze
    from propaganda_lens.ingest.sources import InputFormat, article_from_text, read_url
    from propaganda_lens.report.html import render_html

    request = task.request
    if request.get("url") is not None:
        article = read_url(request["url"], limits=fetch_limits)
    elif request.get("html") is not None:
        article = article_from_text(request["html"], "html", "html", input_format=InputFormat.html)
    else:
        input_format = InputFormat(request.get("input_format") or "auto")
        article = article_from_text(request["text"], "text", "text", input_format=input_format)
    analysis = analyze(article, detector=detector, threshold=request.get("threshold"))
    return render_html(analysis) if task.output == "html" else analysis.to_dict()


def release_memory() -> None:
    """Give freed memory back to the system after a task."""
    gc.collect()
    release_freed_memory()


def resident_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def worker_main(connection: Connection, model: ModelSource, fetch_limits: FetchLimits) -> None:
    """A worker's life: load the models and say "ready", then answer tasks until the pipe closes. Each answer
    is (status, value, resident MB): ok and the result, bad_input and the IngestError, or error and a traceback."""
    from propaganda_lens.api import load_stages

    detector = model.load()
    load_stages(model=detector.config.name)
    try:
        connection.send(("ready", None, resident_mb()))
    except (EOFError, OSError):
        return
    while True:
        try:
            task = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = ("ok", perform(task, detector, fetch_limits))
        except IngestError as problem:
            answer = ("bad_input", problem)
        except Exception:  # reported to the server's log; the client gets a generic 500
            answer = ("error", traceback.format_exc())
        release_memory()
        try:
            connection.send((*answer, resident_mb()))
        except (EOFError, OSError):
            return


class Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context, model: ModelSource, fetch_limits: FetchLimits) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(child, model, fetch_limits), name="propaganda-lens-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.tasks = 0

    def wait_until_ready(self) -> bool:
        """Block until the worker has loaded its models (True), or ended first (False)."""
        try:
            return self.connection.recv()[0] == "ready"
        except (EOFError, OSError):
            return False

    def exchange(self, task: Task) -> tuple[str, Any, float]:
        """Send a task and wait for its answer (blocking: runs on a thread, never on the event loop)."""
        try:
            self.connection.send(task)
            return self.connection.recv()
        except (EOFError, OSError) as error:
            raise WorkerFailed(f"the worker process ended ({type(error).__name__})") from None

    def stop(self) -> None:
        """Kill the process at once and reap it."""
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class AnalysisPool:
    """`workers` worker processes, with at most `queue` more requests waiting for one. A request past that
    gets ServerBusy at once; one that passes its deadline, waiting or running, gets TimeoutError within
    moments of the deadline (its worker, if it had one, is killed and replaced)."""

    def __init__(
        self,
        model: ModelSource,
        workers: int,
        queue: int,
        timeout_s: float,
        fetch_limits: FetchLimits = FetchLimits(),
        max_tasks: int = 200,
        max_rss_mb: float = 1000.0,
    ) -> None:
        self.model, self.fetch_limits = model, fetch_limits
        self.workers, self.capacity, self.timeout_s = workers, workers + queue, timeout_s
        self.max_tasks, self.max_rss_mb = max_tasks, max_rss_mb
        self._context = multiprocessing.get_context("spawn")  # a clean interpreter: no threads or locks copied
        self._threads = ThreadPoolExecutor(max_workers=workers * 2, thread_name_prefix="worker-pipe")
        self._lock = threading.Lock()
        self._pending = 0
        self._idle: asyncio.Queue[Worker] | None = None
        self._live: set[Worker] = set()
        self._ready: set[Worker] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failed_starts = 0  # workers in a row that ended before they were ready
        self.replaced = 0  # workers replaced so far (timeouts, crashes, recycling)

    @property
    def pending(self) -> int:
        """Requests running or waiting."""
        return self._pending

    @property
    def ready_workers(self) -> int:
        """Workers whose models are loaded, busy or idle."""
        return len(self._ready)

    def start(self) -> None:
        """Start the workers; call from the event loop that will use the pool."""
        self._idle = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        for _ in range(self.workers):
            self._new_worker()

    def _new_worker(self) -> None:
        """Start a worker; it joins the idle queue once its models are loaded, so no task waits on a load."""
        worker = Worker(self._context, self.model, self.fetch_limits)
        self._live.add(worker)
        threading.Thread(target=self._announce_when_ready, args=(worker,), daemon=True,
                         name="worker-start").start()

    def _announce_when_ready(self, worker: Worker) -> None:
        ready = worker.wait_until_ready()
        try:
            self._loop.call_soon_threadsafe(self._started if ready else self._failed_start, worker)
        except RuntimeError:  # the event loop has closed: the server is stopping
            pass

    def _started(self, worker: Worker) -> None:
        if worker in self._live:
            self._failed_starts = 0
            self._ready.add(worker)
            self._idle.put_nowait(worker)

    def _failed_start(self, worker: Worker) -> None:
        """A worker ended while loading: replace it, unless workers keep failing to start (the log says why)."""
        if worker not in self._live:
            return  # stopped on purpose
        self._live.discard(worker)
        self._failed_starts += 1
        if self._failed_starts <= 3 * self.workers:
            self._new_worker()

    def _replace(self, worker: Worker) -> None:
        """Kill `worker` (reaped off the event loop) and start a new one in its place."""
        self.replaced += 1
        self._live.discard(worker)
        self._ready.discard(worker)
        self._threads.submit(worker.stop)
        self._new_worker()

    async def run(self, task: Task, timeout_s: float | None = None) -> Any:
        """The task's result. Raises IngestError for bad input, TimeoutError past the deadline, WorkerFailed
        when the worker failed, ServerBusy when the pool is full."""
        [result] = await self.run_all([task], timeout_s)
        if isinstance(result, Exception):
            raise result
        return result

    async def run_all(self, tasks: list[Task], timeout_s: float | None = None) -> list[Any]:
        """Run tasks one after another on one worker, each within `timeout_s` (the first one's time counts
        from the call, waiting included). Each result is the value, or the exception in its place
        (IngestError, TimeoutError, WorkerFailed). Raises ServerBusy when the pool is full, and TimeoutError
        when no worker became free in time."""
        with self._lock:
            if self._pending >= self.capacity:
                raise ServerBusy
            self._pending += 1
        timeout_s = timeout_s or self.timeout_s
        try:
            deadline = time.monotonic() + timeout_s
            worker = await asyncio.wait_for(self._idle.get(), timeout_s)
            results = []
            try:
                for task in tasks:
                    if worker is None:  # the last task cost its worker: wait for a ready one
                        try:
                            worker = await asyncio.wait_for(self._idle.get(), max(deadline - time.monotonic(), 0.0))
                        except TimeoutError as problem:
                            results.append(problem)
                            deadline = time.monotonic() + timeout_s
                            continue
                    worker, result = await self._attempt(worker, task, deadline - time.monotonic())
                    results.append(result)
                    deadline = time.monotonic() + timeout_s
            except BaseException:  # cancelled while the worker holds a task: it cannot be trusted to be free
                if worker is not None:
                    self._replace(worker)
                raise
            if worker is not None:
                self._idle.put_nowait(worker)
            return results
        finally:
            with self._lock:
                self._pending -= 1

    async def _attempt(self, worker: Worker, task: Task, timeout_s: float) -> tuple[Worker | None, Any]:
        """(the worker to go on with, None when it was replaced; the task's value or exception). A worker that
        timed out, died, did `max_tasks` tasks or grew past `max_rss_mb` is replaced."""
        loop = asyncio.get_running_loop()
        try:
            status, value, rss_mb = await asyncio.wait_for(
                loop.run_in_executor(self._threads, worker.exchange, task), max(timeout_s, 0.0)
            )
        except (TimeoutError, WorkerFailed) as problem:
            self._replace(worker)
            return None, problem
        worker.tasks += 1
        if worker.tasks >= self.max_tasks or rss_mb > self.max_rss_mb:
            self._replace(worker)
            worker = None
        if status == "ok":
            return worker, value
        return worker, value if status == "bad_input" else WorkerFailed(value)

    def shutdown(self) -> None:
        """Kill every worker, busy or idle."""
        for worker in list(self._live):
            worker.stop()
        self._live.clear()
        self._ready.clear()
        self._threads.shutdown(wait=False, cancel_futures=True)
