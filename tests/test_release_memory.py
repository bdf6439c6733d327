"""`release_free_memory`: the C heap's free pages go back to the system after a load (issue 22: a warmed process
kept its warm-up's temporaries resident)."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import review.pipeline
from review.pipeline import Reviewer
from review.resources import _c_library_trim, release_free_memory

glibc_only = pytest.mark.skipif(not sys.platform.startswith("linux") or _c_library_trim() is None,
                                reason="malloc_trim is glibc's")


def _anonymous_mb() -> int:
    """This process's resident anonymous memory, MB."""
    with open("/proc/self/status", encoding="ascii") as handle:
        return int(re.search(r"RssAnon:\s+(\d+) kB", handle.read()).group(1)) // 1024


@glibc_only
def test_freed_heap_memory_goes_back_to_the_system() -> None:
    """Arrays under the mmap threshold, freed below one still alive, stay resident until the heap is trimmed."""
    arrays = [np.ones(100_000 // 8) for _ in range(600)]  # ~60 MB in 100 KB blocks, from the heap
    last = arrays[-1]  # holds the top of the heap: freeing the others cannot shrink it from the end
    del arrays
    freed = _anonymous_mb()
    release_free_memory()
    assert _anonymous_mb() < freed - 30
    assert last.sum() == len(last)


def test_off_glibc_it_does_nothing(monkeypatch) -> None:
    """Where the C library is not glibc's (macOS, Windows) the call is a no-op, not an error."""
    _c_library_trim.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert _c_library_trim() is None
        release_free_memory()
    finally:
        _c_library_trim.cache_clear()


def test_warm_up_gives_back_what_loading_freed(monkeypatch) -> None:
    """The reviewer trims the heap once, after every check has loaded (the service and `review batch` warm up)."""
    calls: list[int] = []
    monkeypatch.setattr(review.pipeline, "release_free_memory", lambda: calls.append(1))
    Reviewer(checks=["format", "punctuation"]).warm_up()
    assert calls == [1]
