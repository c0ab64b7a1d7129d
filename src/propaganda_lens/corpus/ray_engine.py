"""The Ray engine of `corpus run`: `workers` Ray actors, on this machine or a Ray cluster, each loading the
models once and analyzing a few articles per call. As in the local engine (`corpus.pool`), a call that runs
past the time limit, or whose actor dies, has its actor killed and replaced, and its articles are given
again one per call: an article that then takes too long, or kills its actor, becomes a failure."""

from __future__ import annotations

import os
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from propaganda_lens.corpus.pool import DIED, TIMED_OUT, RunError, calls_of, give_back
from propaganda_lens.corpus.store import first_line
from propaganda_lens.corpus.work import ARTICLES_PER_CALL, StoredAnalysis, WorkItem, analyze_batch, failed_analysis, load_worker

TERMINAL_COLOR = re.compile(r"\x1b\[[0-9;]*m")  # Ray colours parts of its messages


def ray_analyzer(model: str | None, threads: int) -> type:
    """A Ray actor class that loads the models once, with as many threads as the CPUs the actor holds. The
    settings live in the class, so no constructor arguments wait in the object store."""

    class AnalysisActor:
        def __init__(self) -> None:
            self.loaded = load_worker(model, threads)

        def ready(self) -> bool:
            return True

        def analyze(self, items: list[WorkItem]) -> list[StoredAnalysis]:
            return analyze_batch(self.loaded, items)

    return AnalysisActor


def _message(error: Exception) -> str:
    """The first line of a Ray error, or of the worker's own error that it wraps, without colours."""
    return TERMINAL_COLOR.sub("", first_line(getattr(error, "cause", None) or error))


class RayAnalyzer:
    """Analyzes the claimed articles on Ray actors, one call of up to ARTICLES_PER_CALL articles per actor
    at a time, each call allowed `article_timeout` seconds. `actor_class` replaces the analysis (tests)."""

    def __init__(self, model: str | None, workers: int, address: str | None,
                 article_timeout: float = 60.0, actor_class: type | None = None) -> None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # Ray would report usage statistics to its makers
        try:
            import ray
        except ImportError:
            raise RunError("--engine ray needs the ray extra: pip install 'propaganda-lens[ray]'") from None
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, logging_level="ERROR", log_to_driver=False)
                else:
                    ray.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level="ERROR", log_to_driver=False)
            except Exception as error:  # noqa: BLE001 - Ray raises many kinds; the user needs one line
                where = f" at {address}" if address else ""
                raise RunError(f"cannot start or reach Ray{where}: {first_line(error)}") from None
        self.ray, self.timeout = ray, article_timeout
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)) // workers)
        self.actor_class = ray.remote(num_cpus=cpus)(actor_class or ray_analyzer(model, cpus))
        self.actors = self._started(workers)

    def _started(self, count: int) -> list[Any]:
        """`count` new actors, once each has loaded the models."""
        actors = [self.actor_class.remote() for _ in range(count)]
        try:
            self.ray.get([actor.ready.remote() for actor in actors])
        except self.ray.exceptions.RayError as error:
            raise RunError(f"cannot load the model on a Ray worker: {_message(error)}") from None
        return actors

    def __call__(self, batches: Iterable[list[WorkItem]]) -> Iterator[StoredAnalysis]:
        """Each article's result (or failure) as its call ends; the next batch is claimed when an actor is
        free and every call before it is handed out."""
        queue: deque[list[WorkItem]] = deque()
        running: dict[Any, tuple[Any, list[WorkItem], float]] = {}  # call -> its actor, items and deadline
        idle, batches, more = list(self.actors), iter(batches), True
        while True:
            if more and not queue and idle:
                batch = next(batches, None)
                more = batch is not None
                queue.extend(calls_of(batch or [], ARTICLES_PER_CALL, len(self.actors)))
            while idle and queue:
                actor, items = idle.pop(), queue.popleft()
                running[actor.analyze.remote(items)] = (actor, items, time.monotonic() + self.timeout)
            if not running:
                if not more:
                    return
                continue  # an empty batch: claim the next one
            wait_s = max(0.0, min(deadline for _, _, deadline in running.values()) - time.monotonic())
            done, _ = self.ray.wait(list(running), num_returns=1, timeout=wait_s)
            for call in done:
                yield from self._finished(call, running.pop(call), idle, queue)
            for call, (actor, items, deadline) in list(running.items()):
                if time.monotonic() >= deadline:
                    del running[call]
                    yield from self._give_back(actor, items, idle, queue, TIMED_OUT.format(timeout=self.timeout))

    def _finished(self, call: Any, started: tuple[Any, list[WorkItem], float], idle: list, queue: deque) -> Iterator[StoredAnalysis]:
        actor, items, _ = started
        try:
            results = self.ray.get(call)
        except self.ray.exceptions.RayActorError:
            yield from self._give_back(actor, items, idle, queue, DIED)
            return
        except self.ray.exceptions.RayError as error:
            raise RunError(f"a Ray worker failed ({_message(error)}); run the same command again to resume") from None
        idle.append(actor)
        yield from results

    def _give_back(self, actor: Any, items: list[WorkItem], idle: list, queue: deque, message: str) -> Iterator[StoredAnalysis]:
        """Replace an actor that failed on its call, and give its items back."""
        self.ray.kill(actor)
        [replacement] = self._started(1)
        self.actors = [other for other in self.actors if other is not actor] + [replacement]
        idle.append(replacement)
        yield from give_back(items, queue, failed_analysis, message)
