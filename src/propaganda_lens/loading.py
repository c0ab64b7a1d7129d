"""Load a model once per process, even when a background thread started loading it first."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def loaded_once(load: Callable[..., T]) -> Callable[..., T]:
    """`load` wrapped so that the first call with given arguments loads and every later call with them, from
    any thread, gets that result (a call made while another thread loads waits for it)."""
    lock = threading.Lock()
    cached = functools.cache(load)

    @functools.wraps(load)
    def once(*arguments) -> T:
        with lock:
            return cached(*arguments)

    return once
