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

Each computation runs on a thread of its own; the requests that want it wait for it, each until its own
deadline (the server's time budget) or until its client goes away. When the last one has left, the
computation is cancelled: it starts no further statement and its running one is interrupted
(:mod:`.computation`), and nothing is kept. A waiter never waits for a cancelled computation to unwind, and
:meth:`ResultCache.stop_all` (SIGTERM) cancels them all and answers every waiter at once. One login's
computations hold at most :attr:`ResultCache.per_login` of the slots (one less than all of them), so a
login can never keep every other login waiting.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from shoplens.server.computation import Cancelled, Computation, Gone, Stopping, TimedOut, current, running_as

__all__ = ["Busy", "Cancelled", "Computation", "Gone", "ResultCache", "Stopping", "TimedOut", "answer", "current"]

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


def loop_version(wh: Any) -> tuple[Any, ...]:
    """The alerts and the action log as they stand: the brief lists the open alerts and the review the week's
    actions, so a check, an acknowledgement or a logged action changes those answers without an import."""
    alerts = wh.con.execute("SELECT count(*), max(happened_at) FROM alert_events").fetchone() or ()
    actions = wh.con.execute("SELECT count(*), max(created_at), max(removed_at) FROM actions").fetchone() or ()
    return (*alerts, *actions)


# answers that read the alerts or the action log besides the data (see loop_version)
LOOP_READERS = ("shoplens.analyses.brief", "shoplens.analyses.review")


def import_version(state: Any) -> tuple[Any, ...]:
    """The warehouse's latest import (``Warehouse.data_version``), read once per write of the server."""
    return state.memo("import_version", lambda wh: wh.data_version())


class ResultCache:
    def __init__(self, size: int = SIZE, slots: int = HEAVY_SLOTS) -> None:
        self.size = size
        self.hits: Counter[str] = Counter()  # per kind of answer (the computing function's name)
        self.misses: Counter[str] = Counter()
        self.slots = slots
        self.per_login = max(1, slots - 1)  # computations one login may run at once
        self.stopping = False
        self._done: OrderedDict[Any, Any] = OrderedDict()
        self._running: dict[Any, Computation] = {}
        self._live: set[Computation] = set()  # every computation whose thread runs (cancelled ones too)
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(slots)
        self._logins: dict[str, threading.Semaphore] = {}
        self._version: Any = None

    def get(self, key: Any, compute: Callable[[], Any], kind: str = "", keep: bool = True, *, who: str | None = None,
            deadline: float | None = None, gone: Callable[[], bool] | None = None) -> Any:
        """The kept answer of ``key``, or ``compute()`` (once for simultaneous callers; kept when ``keep``).

        ``deadline`` (``time.monotonic()``): :class:`TimedOut` after it; ``gone()`` true: :class:`Gone`. The
        computation goes on while someone else waits for it, else it is cancelled. ``who`` (a login) runs at
        most :attr:`per_login` computations at once."""
        with self._lock:
            if self.stopping:
                raise Stopping()
            if key in self._done:
                self._done.move_to_end(key)
                self.hits[kind] += 1
                return self._done[key]
            comp = self._running.get(key)
            start = comp is None or comp.cancelled
            if start:
                comp = self._running[key] = Computation()
                self._live.add(comp)
                self.misses[kind] += 1
            assert comp is not None
            comp.waiters += 1
        if start:
            context = contextvars.copy_context()  # e.g. the request's language
            threading.Thread(target=context.run, args=(self._compute, key, comp, compute, keep, who),
                             name=f"shoplens-{kind or 'compute'}", daemon=True).start()
        return self._wait(comp, deadline, gone)

    def _wait(self, comp: Computation, deadline: float | None, gone: Callable[[], bool] | None) -> Any:
        """``comp``'s answer; leaves at once when the server stops, the deadline passes or the client goes
        (never waiting for a cancelled computation to unwind: Python work between statements cannot be cut)."""
        try:
            while not comp.done.wait(0.05):
                if self.stopping:
                    raise Stopping()
                if gone is not None and gone():
                    raise Gone()
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimedOut(comp.started, comp.queue)
        except BaseException:
            with self._lock:  # the last one to leave cancels it
                comp.waiters -= 1
                if comp.waiters == 0:
                    comp.cancel()
            raise
        with self._lock:
            comp.waiters -= 1
        if comp.error is not None:
            if comp.cancelled:
                raise Stopping() if self.stopping else Cancelled()
            raise comp.error
        return comp.value

    @contextmanager
    def _slot(self, who: str | None, comp: Computation) -> Iterator[None]:
        """A computing slot (and one of ``who``'s), waited for until the computation is cancelled."""
        wanted = [self._slots]
        if who is not None:
            with self._lock:
                wanted.insert(0, self._logins.setdefault(who, threading.Semaphore(self.per_login)))
        held: list[threading.Semaphore] = []
        try:
            for sem in wanted:
                comp.queue = "server" if sem is self._slots else "login"
                while not sem.acquire(timeout=0.05):
                    if comp.cancelled:
                        raise Cancelled()
                held.append(sem)
            comp.queue = None
            yield
        finally:
            for sem in reversed(held):
                sem.release()

    def _compute(self, key: Any, comp: Computation, compute: Callable[[], Any], keep: bool, who: str | None) -> None:
        try:
            with self._slot(who, comp):
                if comp.cancelled:
                    raise Cancelled()
                comp.started = True
                running_as(comp)
                try:
                    comp.value = compute()
                finally:
                    running_as(None)
            if keep and not comp.cancelled:
                with self._lock:
                    self._done[key] = comp.value
                    while len(self._done) > self.size:
                        self._done.popitem(last=False)
        except BaseException as exc:  # handed to every waiter
            comp.error = exc
        finally:
            with self._lock:
                if self._running.get(key) is comp:
                    del self._running[key]
                self._live.discard(comp)
            comp.done.set()

    def stop_all(self) -> None:
        """The server stops: no new computation, the running ones start no further statement and their
        current one is interrupted; whoever waits for them is answered at once (:class:`Stopping`)."""
        with self._lock:
            self.stopping = True
            running = list(self._live)
        for comp in running:
            comp.cancel()
            comp.interrupt_now()

    def release_all(self) -> None:
        """The warehouse is about to close: every live computation lets go of its cursors first, so no interrupt
        reaches a closed connection (it would fail with "Connection already closed!")."""
        self.stop_all()
        with self._lock:
            live = list(self._live)
        for comp in live:
            comp.release()

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
    """(import version, segments version or None, function, stores, options, alerts/actions version or None):
    what was asked, of which data."""
    options = given(options)
    segments = state.memo("segments_version", segments_version) if "segment" in options else None
    loop = state.memo("loop_version", loop_version) if run.__module__.startswith(LOOP_READERS) else None
    return (import_version(state), segments, f"{run.__module__}.{run.__qualname__}", tuple(stores), _frozen(options),
            loop)


def answer(state: Any, stores: list[str], run: Callable[..., Any], *, keep: bool = True, who: str | None = None,
           deadline: float | None = None, gone: Callable[[], bool] | None = None, **options: Any) -> Any:
    """``run(cursor, store=stores, **given options)``, or its answer kept for the same stores, options and data.
    ``who`` (a login) may have :data:`PER_LOGIN` answers computing at once (:class:`Busy` beyond); ``deadline``
    and ``gone`` as in :meth:`ResultCache.get`. Metric queries are checked against the server's query limits."""
    from shoplens.interrupts import pause_point
    from shoplens.metrics.limits import applied

    options = given(options)
    key = answer_key(state, stores, run, options)
    RESULTS.use_version(key[0])
    settings = getattr(state, "settings", None)
    limits = settings.query if settings is not None else None

    def compute() -> Any:
        view = state.wh.cursor()
        cursor, comp = view.con, current()
        try:
            if comp is not None:
                view.con = comp.attach(cursor)  # starts nothing once cancelled
                pause_point(f"compute:{run.__name__}")  # test hook: Python work no interrupt() can cut
            with applied(limits):
                return run(view, store=stores, **options)
        finally:
            if comp is not None:
                comp.detach(cursor)
            cursor.close()

    wait = {"deadline": deadline, "gone": gone}
    if who is None or RESULTS.holds(key):
        return RESULTS.get(key, compute, run.__name__, keep, **wait)
    if not RUNNING.enter(who):
        raise Busy(who)
    try:
        return RESULTS.get(key, compute, run.__name__, keep, who=who, **wait)
    finally:
        RUNNING.leave(who)
