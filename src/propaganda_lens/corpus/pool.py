"""The local engine of `corpus run`: worker processes that each analyze one article at a time. An article
that takes longer than the time limit has its worker killed and replaced, and becomes a failure; so does one
whose worker dies (out of memory, a crash in native code). The run goes on past both."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import wait
from typing import Any

from propaganda_lens.data import Article


class RunError(RuntimeError):
    """The analysis engine failed (the model cannot be loaded, the Ray cluster failed); a rerun resumes."""


@dataclass(frozen=True)
class Task:
    """What a worker does: `load(model, threads)` once, then `analyze(loaded, article_id, article)` per
    article, returning a StoredAnalysis. Both are module-level functions, so that they reach a spawned process."""

    load: Callable[[str | None, int], Any]
    analyze: Callable[[Any, int, Article], Any]
    model: str | None = None


def _serve(connection, task: Task, threads: int) -> None:
    """A worker process: load, say "ready", then answer each article until the pipe closes."""
    try:
        loaded = task.load(task.model, threads)
    except Exception as error:  # noqa: BLE001 - the parent reports it in one line
        connection.send(("error", f"{type(error).__name__}: {error}"))
        return
    connection.send(("ready", None))
    while True:
        try:
            item = connection.recv()
        except (EOFError, OSError):  # the parent is gone (even killed): so is this worker
            return
        connection.send(("done", task.analyze(loaded, *item)))


class _Worker:
    def __init__(self, context, task: Task, threads: int) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, task, threads), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.item: tuple[int, Article] | None = None
        self.deadline = 0.0

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


class WorkerPool:
    """`workers` processes sharing the CPU cores; use as a context manager."""

    def __init__(self, task: Task, workers: int, article_timeout: float, failure: Callable[[int, str], Any]) -> None:
        self.task, self.timeout, self.failure = task, article_timeout, failure
        self.threads = max(1, (os.cpu_count() or 1) // workers)
        self.context = get_context("spawn")
        self.workers = [self._start() for _ in range(workers)]

    def _start(self) -> _Worker:
        return _Worker(self.context, self.task, self.threads)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_) -> None:
        for worker in self.workers:
            worker.stop()

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        self.workers[self.workers.index(worker)] = self._start()

    def analyze(self, items: Iterable[tuple[int, Article]]) -> Iterator[Any]:
        """Each item's result (or failure) as soon as it is ready, in no particular order."""
        queue = deque(items)
        while queue or any(worker.item for worker in self.workers):
            for worker in self.workers:
                if worker.ready and worker.item is None and queue:
                    worker.item, worker.deadline = queue.popleft(), time.monotonic() + self.timeout
                    worker.connection.send(worker.item)
            busy = [worker.deadline for worker in self.workers if worker.item]
            wait_s = max(0.0, min(busy) - time.monotonic()) if busy else None
            ready = set(wait([worker.connection for worker in self.workers], wait_s))
            for worker in list(self.workers):
                if worker.connection in ready:
                    yield from self._receive(worker)
                elif worker.item and time.monotonic() >= worker.deadline:
                    article_id = worker.item[0]
                    self._replace(worker)
                    yield self.failure(article_id, f"the analysis took longer than {self.timeout:g} s "
                                                   "(--article-timeout); the run went on without it")

    def _receive(self, worker: _Worker) -> Iterator[Any]:
        try:
            kind, value = worker.connection.recv()
        except (EOFError, OSError):
            if not worker.ready:
                raise RunError("a worker process died while loading the model (out of memory?)") from None
            if worker.item is None:  # an idle worker killed from outside: replaced
                self._replace(worker)
                return
            article_id = worker.item[0]
            self._replace(worker)
            yield self.failure(article_id, "the analysis process died (out of memory, or a crash in native code)")
            return
        if kind == "error":
            raise RunError(f"cannot load the model: {value}")
        if kind == "ready":
            worker.ready = True
        else:
            worker.item = None
            yield value
