"""One computation of a key at a time: a thread that asks for a query another thread is computing right now waits
for it and then reads the cache, instead of computing the same thing twice (the root causes of one alert check,
the panels of a dashboard page asked at once)."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

_RUNNING: dict[Hashable, threading.Event] = {}  # keys being computed now
_LOCK = threading.Lock()


@contextmanager
def one_at_a_time(key: Hashable) -> Iterator[None]:
    """The block runs at once if nobody is computing ``key``, else after that computation ends (done or failed:
    the block then checks the cache, and computes itself when the first attempt failed). Whatever happens in the
    first block (an error, Ctrl-C), the threads waiting for it are released."""
    mine: threading.Event | None = None
    try:
        with _LOCK:
            running = _RUNNING.get(key)
            if running is None:
                mine = threading.Event()
                _RUNNING[key] = mine
        if running is not None:
            running.wait()
        yield
    finally:
        if mine is not None:
            with _LOCK:
                if _RUNNING.get(key) is mine:
                    del _RUNNING[key]
            mine.set()
