"""Giving memory that Python and the native libraries have freed back to the operating system."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _c_library():
    """The C library if it is glibc (the one with `malloc_trim`), else None."""
    name = ctypes.util.find_library("c")
    try:
        library = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return library if library is not None and hasattr(library, "malloc_trim") else None


def release_freed_memory() -> None:
    """Return the C heap's free pages to the system (glibc's `malloc_trim`; nothing elsewhere). glibc keeps
    what a large batch freed, so a worker's resident memory would otherwise stay at its largest batch's."""
    library = _c_library()
    if library is not None:
        library.malloc_trim(0)
