"""Answers of read requests kept per data version, computed once even when many ask at the same time.

A dashboard asks the same questions again and again (every user opening the same page), and a
funnel over 10 M events takes seconds. The key is what was asked, not how the URL spelt it: the
function that computes the answer, its options (``None`` and empty values mean "not given"), the
stores answered for and the warehouse's data version (the latest import and the saved segments: a
re-saved segment changes its answers without an import). So the warm-up (:mod:`.warmup`), which
calls the same functions directly, fills exactly the entries the dashboard's requests read, and
any import or segment save starts afresh. Identical requests that arrive while the first is being
computed wait for it ("single flight") instead of computing it again.

Computations are admitted :data:`HEAVY_SLOTS` at a time. Twenty different funnels started together
on two cores would each get a tenth of a core and all finish late; queued, the first ones finish
early and the rest no later than before.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

SIZE = 512  # answers kept (least recently used dropped first)
HEAVY_SLOTS = max(2, os.cpu_count() or 2)  # computations running at once; the rest wait their turn


def data_version(wh: Any) -> tuple[Any, ...]:
    """The warehouse's data version plus the saved segments (a re-saved segment changes answers, no import)."""
    segments = wh.con.execute("SELECT count(*), max(updated_at) FROM segments").fetchone()
    return (*wh.data_version(), *(segments or ()))


class ResultCache:
    def __init__(self, size: int = SIZE, slots: int = HEAVY_SLOTS) -> None:
        self.size = size
        self.hits: Counter[str] = Counter()  # per kind of answer (the computing function's name)
        self.misses: Counter[str] = Counter()
        self._done: OrderedDict[Any, Any] = OrderedDict()
        self._running: dict[Any, threading.Event] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(slots)

    def get(self, key: Any, compute: Callable[[], Any], kind: str = "") -> Any:
        while True:
            with self._lock:
                if key in self._done:
                    self._done.move_to_end(key)
                    self.hits[kind] += 1
                    return self._done[key]
                waiting = self._running.get(key)
                if waiting is None:
                    self._running[key] = threading.Event()
                    self.misses[kind] += 1
                    break
            waiting.wait()  # someone else computes it; an error there lets the next caller try
        try:
            with self._slots:
                value = compute()
            with self._lock:
                self._done[key] = value
                while len(self._done) > self.size:
                    self._done.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._running.pop(key).set()

    def holds(self, key: Any) -> bool:
        with self._lock:
            return key in self._done

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {"entries": len(self._done), "computing": len(self._running), "hits": dict(self.hits),
                    "misses": dict(self.misses)}

    def clear(self) -> None:
        with self._lock:
            self._done.clear()


RESULTS = ResultCache()


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def answer_key(state: Any, stores: list[str], run: Callable[..., Any], options: dict[str, Any]) -> tuple[Any, ...]:
    given = {k: v for k, v in options.items() if v is not None and not (isinstance(v, str | list | tuple | dict)
                                                                        and len(v) == 0)}
    version = state.memo("data_version", data_version)
    return (f"{run.__module__}.{run.__qualname__}", tuple(stores), _frozen(given), version)


def answer(state: Any, stores: list[str], run: Callable[..., Any], **options: Any) -> Any:
    """``run(cursor, store=stores, **options)``, or its answer kept for the same stores, options and data."""

    def compute() -> Any:
        view = state.wh.cursor()
        try:
            return run(view, store=stores, **options)
        finally:
            view.close()

    return RESULTS.get(answer_key(state, stores, run, options), compute, run.__name__)
