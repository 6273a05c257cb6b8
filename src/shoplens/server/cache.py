"""Answers of read requests kept per data version, computed once even when many ask at the same time.

A dashboard asks the same questions again and again (every user opening the same page), and a
funnel over 10 M events takes seconds. The key is what was asked, not how the URL spelt it: the
function that computes the answer, its options (``None`` and empty values mean "not given", and
are not passed on either), the stores answered for and the warehouse's data version (its latest
import; for an answer about a segment also the saved segments, since a re-saved segment changes it
without an import). So the warm-up (:mod:`.warmup`), which calls the same functions directly, fills
exactly the entries the dashboard's requests read; an import starts afresh (the answers of older
data are dropped), a segment save only for answers about segments. Identical requests that arrive
while the first is being computed wait for it ("single flight") instead of computing it again.
Member lists (``keep=False``) are computed afresh each time: they can hold a million rows.

Computations are admitted :data:`HEAVY_SLOTS` at a time. Twenty different funnels started together
on two cores would each get a tenth of a core and all finish late; queued, the first ones finish
early and the rest no later than before. One login may have :data:`PER_LOGIN` answers computing or
queued at once; more is refused (:class:`Busy`, HTTP 429), so one script firing hundreds of
different questions cannot hold every server thread while others wait for answers already known.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

SIZE = 512  # answers kept (least recently used dropped first)
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
HEAVY_SLOTS = max(2, CORES)  # computations running at once; the rest wait their turn
PER_LOGIN = 8  # answers one login may have computing or queued at once (a dashboard page asks up to 6)


class Busy(Exception):
    """This login already has :data:`PER_LOGIN` answers computing."""


class PerLogin:
    """How many answers each login has computing or queued."""

    def __init__(self, limit: int = PER_LOGIN) -> None:
        self.limit = limit
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, who: str) -> bool:
        with self._lock:
            if self._running.get(who, 0) >= self.limit:
                return False
            self._running[who] = self._running.get(who, 0) + 1
            return True

    def count(self, who: str) -> int:
        with self._lock:
            return self._running.get(who, 0)

    def leave(self, who: str) -> None:
        with self._lock:
            self._running[who] -= 1
            if not self._running[who]:
                del self._running[who]


def segments_version(wh: Any) -> tuple[Any, ...]:
    """Which saved segments there are (a re-saved segment changes the answers about it, without an import)."""
    return tuple(wh.con.execute("SELECT count(*), max(updated_at) FROM segments").fetchone() or ())


def import_version(state: Any) -> tuple[Any, ...]:
    """The warehouse's latest import (``Warehouse.data_version``), read once per write of the server."""
    return state.memo("import_version", lambda wh: wh.data_version())


class ResultCache:
    def __init__(self, size: int = SIZE, slots: int = HEAVY_SLOTS) -> None:
        self.size = size
        self.hits: Counter[str] = Counter()  # per kind of answer (the computing function's name)
        self.misses: Counter[str] = Counter()
        self._done: OrderedDict[Any, Any] = OrderedDict()
        self._running: dict[Any, threading.Event] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(slots)
        self._version: Any = None

    def get(self, key: Any, compute: Callable[[], Any], kind: str = "", keep: bool = True) -> Any:
        """The kept answer of ``key``, or ``compute()`` (once for simultaneous callers; kept when ``keep``)."""
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
            if keep:
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

    def use_version(self, version: Any) -> None:
        """Keys start with the import version they answer for: a new one drops the answers of older data
        (nobody can ask for them again)."""
        with self._lock:
            if version != self._version:
                self._version = version
                for key in [k for k in self._done if k[0] != version]:
                    del self._done[key]


RESULTS = ResultCache()
RUNNING = PerLogin()


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def given(options: dict[str, Any]) -> dict[str, Any]:
    """The options that were given: ``None`` and empty text/lists/dicts mean "not given"."""
    return {k: v for k, v in options.items()
            if v is not None and not (isinstance(v, str | list | tuple | dict) and len(v) == 0)}


def answer_key(state: Any, stores: list[str], run: Callable[..., Any], options: dict[str, Any]) -> tuple[Any, ...]:
    """(import version, segments version or None, function, stores, options): what was asked, of which data."""
    options = given(options)
    segments = state.memo("segments_version", segments_version) if "segment" in options else None
    return (import_version(state), segments, f"{run.__module__}.{run.__qualname__}", tuple(stores), _frozen(options))


def answer(state: Any, stores: list[str], run: Callable[..., Any], *, keep: bool = True, who: str | None = None,
           **options: Any) -> Any:
    """``run(cursor, store=stores, **given options)``, or its answer kept for the same stores, options and data.
    ``who`` (a login) may have :data:`PER_LOGIN` answers computing at once (:class:`Busy` beyond)."""
    options = given(options)
    key = answer_key(state, stores, run, options)
    RESULTS.use_version(key[0])

    def compute() -> Any:
        view = state.wh.cursor()
        try:
            return run(view, store=stores, **options)
        finally:
            view.close()

    if who is None or RESULTS.holds(key):
        return RESULTS.get(key, compute, run.__name__, keep)
    if not RUNNING.enter(who):
        raise Busy(who)
    try:
        return RESULTS.get(key, compute, run.__name__, keep)
    finally:
        RUNNING.leave(who)
