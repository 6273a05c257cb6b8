"""One answer being computed on a thread of its own, and how it is stopped at once.

A computation (a funnel, a metric query, …) runs several DuckDB statements one after another, with Python
work between them. DuckDB's ``interrupt()`` only stops the statement running at that instant: a connection
that is between two statements ignores it, and the next statement would start and run to its end. A weekly
comparison over years runs thousands of millisecond statements, so a single interrupt almost never lands;
a funnel's re-targeting list spends seconds in Python after its last statement. So a cancelled computation
(time budget, client gone, server stopping) is stopped in two ways at once:

- **No new statement.** The computation's cursor is wrapped (:class:`GuardedConnection`): once
  :attr:`Computation.cancelled` is set, every use of it raises :class:`Cancelled` before anything starts.
- **The running statement is interrupted**, again every 20 ms until the computation ends (an interrupt sent
  in the instant between the check and the statement's start would otherwise be lost).

Nobody waits for the end of a cancelled computation: its waiters have left already (the server answers at
once), and Python work cannot be interrupted anyway. The interrupts and the server's closing of the
warehouse never meet: :meth:`Computation.release` (called for every live computation before the warehouse
closes) drops its cursors under the same lock the interrupts take, so no ``interrupt()`` ever reaches a
closed connection, and any error of an ``interrupt()`` is ignored (there is nothing left to stop).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

INTERRUPT_EVERY = 0.02  # seconds between two interrupts of a cancelled computation's cursors
UNGUARDED = frozenset({"close", "interrupt"})  # what a cancelled computation may still do with its cursor


class Cancelled(Exception):
    """The computation stopped before its answer (nobody waited for it any more)."""


class Stopping(Exception):
    """The server is stopping: running computations were interrupted."""


class Gone(Exception):
    """The client closed its connection while it waited."""


class TimedOut(Exception):
    """The request's time budget ran out (``started``: while computing, else still waiting for a slot;
    ``queue``: which slot it waited for, ``"login"`` (its own login's share) or ``"server"``)."""

    def __init__(self, started: bool, queue: str | None = None) -> None:
        super().__init__("started" if started else f"queued ({queue or 'server'})")
        self.started = started
        self.queue = queue


class Computation:
    """One answer being computed: who waits for it, the DuckDB connections it runs on, how it ended."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.waiters = 0
        self.started = False
        self.cancelled = False
        self.queue: str | None = None  # the slot it waits for before it starts: "login" or "server"
        self._cons: list[Any] = []
        self._released = False
        self._lock = threading.Lock()

    def check(self) -> None:
        """:class:`Cancelled` once the computation was cancelled (before any further statement)."""
        if self.cancelled:
            raise Cancelled()

    def attach(self, con: Any) -> GuardedConnection:
        """Queries on ``con`` belong to this computation: the returned cursor refuses to start one once the
        computation is cancelled, and a running one is interrupted."""
        with self._lock:
            if self.cancelled or self._released:
                raise Cancelled()
            self._cons.append(con)
        return GuardedConnection(con, self)

    def detach(self, con: Any) -> None:
        """``con`` is no longer used (call before closing it: an interrupt never reaches a closed cursor)."""
        with self._lock:
            if con in self._cons:
                self._cons.remove(con)

    def cancel(self) -> None:
        with self._lock:
            if self.cancelled or self.done.is_set():
                return
            self.cancelled = True
        threading.Thread(target=self._interrupt, name="shoplens-cancel", daemon=True).start()

    def release(self) -> None:
        """The warehouse is about to close: cancel, and forget the cursors (no interrupt may reach them)."""
        self.cancel()
        with self._lock:
            self._released = True
            self._cons.clear()

    def interrupt_now(self) -> None:
        """``interrupt()`` every cursor of the computation (an error means there is nothing left to stop)."""
        with self._lock:
            for con in self._cons:
                with contextlib.suppress(Exception):  # duckdb.ConnectionException: closed by its owner
                    con.interrupt()

    def _interrupt(self) -> None:
        while True:  # an idle connection ignores interrupt(): repeat until the computation ends
            self.interrupt_now()
            if self.done.wait(INTERRUPT_EVERY):
                return


class GuardedConnection:
    """A computation's DuckDB cursor that starts nothing once the computation is cancelled.

    Everything (``execute``, ``sql``, ``register``, what Ibis calls) goes through to the cursor after a
    check of the computation; ``close`` and ``interrupt`` always do."""

    __slots__ = ("_comp", "_con")

    def __init__(self, con: Any, comp: Computation) -> None:
        self._con = con
        self._comp = comp

    def __getattr__(self, name: str) -> Any:
        if name not in UNGUARDED:
            self._comp.check()
        return getattr(self._con, name)

    def lend(self, con: Any) -> None:
        """``con`` (a cursor an analysis task of this computation borrows: Warehouse.borrowed) belongs to the
        computation until :meth:`give_back`: :class:`Cancelled` now if it was cancelled, interrupted when it is."""
        self._comp.attach(con)

    def give_back(self, con: Any) -> None:
        self._comp.detach(con)


_CURRENT = threading.local()


def current() -> Computation | None:
    """The computation running on this thread (None outside one)."""
    return getattr(_CURRENT, "computation", None)


def running_as(comp: Computation | None) -> None:
    """Mark this thread as running ``comp`` (None: no longer)."""
    _CURRENT.computation = comp
