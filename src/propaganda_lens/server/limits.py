"""Back-pressure for the server: a bounded pool of analyses with a bounded queue, and a request body cap."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

T = TypeVar("T")


class ServerBusy(Exception):
    """Every worker is busy and the queue is full; the client should retry later."""


class AnalysisPool:
    """Runs blocking analyses on `workers` threads with at most `queue` more waiting. A request past
    that gets ServerBusy at once; a request over `timeout_s` gets TimeoutError, and its work is dropped
    if it had not started (work already running finishes, still counted, so the bound always holds)."""

    def __init__(self, workers: int, queue: int, timeout_s: float):
        self.workers, self.capacity, self.timeout_s = workers, workers + queue, timeout_s
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="analysis")
        self._lock = threading.Lock()
        self._pending = 0

    @property
    def pending(self) -> int:
        """Analyses running or waiting."""
        return self._pending

    def _release(self, _future) -> None:
        with self._lock:
            self._pending -= 1

    async def run(self, function: Callable[[], T], timeout_s: float | None = None) -> T:
        with self._lock:
            if self._pending >= self.capacity:
                raise ServerBusy
            self._pending += 1
        future = self._executor.submit(function)
        future.add_done_callback(self._release)
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout_s or self.timeout_s)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class BodySizeLimit:
    """ASGI middleware: a 413 for a request body over `max_bytes`, whether or not it declares its length."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def _too_large(self) -> HTTPException:
        return HTTPException(413, f"the request body is over the {self.max_bytes:,} byte limit")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self.app(scope, self._refusing_receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise self._too_large()
            return message

        await self.app(scope, counting_receive, send)

    async def _refusing_receive(self) -> Message:
        raise self._too_large()
