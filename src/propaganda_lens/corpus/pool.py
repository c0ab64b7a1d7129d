"""The local engine of `corpus run`: worker processes that each analyze a few articles at a time. A call
that takes longer than the time limit per article, or whose worker dies (out of memory, a crash in native
code), has its worker killed and replaced, and its articles are given again one per call: an article that
then takes too long, or kills its worker, becomes a failure. The run goes on past both."""

from __future__ import annotations

import math
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import wait
from typing import Any



TIMED_OUT = "the analysis took longer than {timeout:g} s (--article-timeout); the run went on without it"
DIED = "the analysis process died (out of memory, or a crash in native code)"


def calls_of(items: list[tuple], per_call: int, workers: int) -> list[list[tuple]]:
    """The items cut into calls of at most `per_call`, small enough to give every worker some."""
    size = max(1, min(per_call, math.ceil(len(items) / workers)))
    return [items[start : start + size] for start in range(0, len(items), size)]


def give_back(items: list[tuple], queue: deque, failure: Callable[[int, str], Any], message: str) -> Iterator[Any]:
    """The items of a call whose worker failed: back to the front of the queue one per call, or, for a call
    of one item, that item's failure."""
    if len(items) == 1:
        yield failure(items[0][0], message)
    else:
        queue.extendleft([item] for item in reversed(items))


class RunError(RuntimeError):
    """The analysis engine failed (the model cannot be loaded, the Ray cluster failed); a rerun resumes."""


@dataclass(frozen=True)
class Task:
    """What a worker does: `load(model, threads)` once, then `analyze(loaded, items)` for a few items at a
    time (each a tuple whose first element is the article id), returning one result per item in their order.
    Both are module-level functions, so that they reach a spawned process."""

    load: Callable[[str | None, int], Any]
    analyze: Callable[[Any, list], list]
    model: str | None = None


def _serve(connection, task: Task, threads: int) -> None:
    """A worker process: load, say "ready", then answer each list of items until the pipe closes."""
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
        connection.send(("done", task.analyze(loaded, item)))


class _Worker:
    def __init__(self, context, task: Task, threads: int) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, task, threads), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.items: list[tuple] = []  # what it analyzes now
        self.deadline = 0.0

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


class WorkerPool:
    """`workers` processes sharing the CPU cores, each given up to `per_call` items at a time; use as a
    context manager. A call may take `article_timeout` seconds, however many items it has (a typical
    article takes a small part of the limit)."""

    def __init__(self, task: Task, workers: int, article_timeout: float, failure: Callable[[int, str], Any],
                 per_call: int = 1) -> None:
        self.task, self.timeout, self.failure, self.per_call = task, article_timeout, failure, per_call
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

    def analyze(self, batches: Iterable[list[tuple]]) -> Iterator[Any]:
        """Each item's result (or failure) as soon as its call ends, in no particular order. The items come in
        batches; the next batch is taken as soon as a worker is free and every call before it is handed out,
        so that no worker waits for the others to end a batch."""
        queue: deque[list[tuple]] = deque()
        batches = iter(batches)
        more = True
        while True:
            if more and not queue and any(worker.ready and not worker.items for worker in self.workers):
                batch = next(batches, None)
                more = batch is not None
                queue.extend(calls_of(batch or [], self.per_call, len(self.workers)))
            for worker in self.workers:
                if worker.ready and not worker.items and queue:
                    worker.items, worker.deadline = queue.popleft(), time.monotonic() + self.timeout
                    worker.connection.send(worker.items)
            if not queue and not any(worker.items for worker in self.workers):
                if not more:
                    return
                if all(worker.ready for worker in self.workers):
                    continue  # an empty batch: ask for the next one
            busy = [worker.deadline for worker in self.workers if worker.items]
            wait_s = max(0.0, min(busy) - time.monotonic()) if busy else None
            ready = set(wait([worker.connection for worker in self.workers], wait_s))
            for worker in list(self.workers):
                if worker.connection in ready:
                    yield from self._receive(worker, queue)
                elif worker.items and time.monotonic() >= worker.deadline:
                    yield from self._give_back(worker, queue, TIMED_OUT.format(timeout=self.timeout))

    def _give_back(self, worker: _Worker, queue: deque, message: str) -> Iterator[Any]:
        """Replace a worker that failed on its call, and give its items back."""
        items = worker.items
        self._replace(worker)
        yield from give_back(items, queue, self.failure, message)

    def _receive(self, worker: _Worker, queue: deque) -> Iterator[Any]:
        try:
            kind, value = worker.connection.recv()
        except (EOFError, OSError):
            if not worker.ready:
                raise RunError("a worker process died while loading the model (out of memory?)") from None
            if not worker.items:  # an idle worker killed from outside: replaced
                self._replace(worker)
                return
            yield from self._give_back(worker, queue, DIED)
            return
        if kind == "error":
            raise RunError(f"cannot load the model: {value}")
        if kind == "ready":
            worker.ready = True
        else:
            worker.items = []
            yield from value
