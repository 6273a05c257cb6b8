"""What a write is doing when the process is asked to stop (Ctrl-C = SIGINT, SIGTERM).

Writers (an import, the demo build) run their DuckDB transaction through :class:`Transaction`,
which tells the CLI's signal handlers (:mod:`shoplens.cli.signals`) whether a transaction is open,
committing or done. That is what lets the CLI say truthfully "nothing was written", "the import
was rolled back" or "the import had been committed", and it lets a signal that arrives while
COMMIT runs wait for it instead of cutting it. Nothing here installs a handler: library callers and
the server (whose writes run on worker threads, which are not tracked) are unaffected.

:func:`pause_point` is a test hook (``SHOPLENS_TEST_PAUSE_AT``) so that tests can send a real signal
at a known moment of a real import; it does nothing when the variable is unset.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import weakref
from typing import Any

PAUSE_ENV = "SHOPLENS_TEST_PAUSE_AT"
_paused: set[str] = set()


class Interrupted(KeyboardInterrupt):
    """The process was asked to stop by ``signum``; raised where it is safe (never inside an import)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class InterruptState:
    """The main thread's write section and the stop request (one per process; a plain class, not a
    dataclass: it is imported before anything else, while an early Ctrl-C is still Python's own)."""

    def __init__(self) -> None:
        self.requested: int | None = None  # the first signal received
        self.phase = "idle"  # idle | writing | committing
        self.what: str | None = None  # "import", "demo", … while a section is open
        self.at_signal: tuple[str, str | None] = ("idle", None)  # (phase, what) when the signal came
        self.committed: list[str] = []  # sections committed in this process
        self.deferred = False  # a signal waited for COMMIT: raise once it is done


STATE = InterruptState()
_WATCHED: weakref.WeakSet[Any] = weakref.WeakSet()


def watch(con: Any) -> None:
    """Let a stop request interrupt ``con``'s running query (DuckDB's own reaction to a signal only stops
    the main thread's wait: a worker thread in the middle of a long task would finish it first)."""
    with contextlib.suppress(TypeError):  # not weak-referenceable (a stand-in in a test): nothing to interrupt
        _WATCHED.add(con)


def interrupt_queries() -> None:
    """``interrupt()`` every watched connection (an idle one is unaffected: DuckDB resets it per query)."""
    for con in list(_WATCHED):
        with contextlib.suppress(Exception):  # a closed connection
            con.interrupt()


def _tracked() -> bool:
    return threading.current_thread() is threading.main_thread()


class Transaction:
    """``BEGIN TRANSACTION`` on ``con`` as the write section ``what``.

    Use ``tx = Transaction(con, "import")``, then ``tx.commit()`` as the last step of the ``try``
    and ``tx.close()`` in its ``finally`` (the caller keeps its own ROLLBACK on failure).
    """

    def __init__(self, con: Any, what: str) -> None:
        self.con, self.what = con, what
        con.execute("BEGIN TRANSACTION")
        if _tracked():
            STATE.phase, STATE.what = "writing", what

    def commit(self) -> None:
        """COMMIT, unless a stop was asked for already (then :class:`Interrupted`, and the caller rolls back)."""
        if not _tracked():
            self.con.execute("COMMIT")
            return
        if STATE.requested is not None:
            raise Interrupted(STATE.requested)
        STATE.phase = "committing"
        pause_point("commit")
        try:
            self.con.execute("COMMIT")
            STATE.committed.append(self.what)
        finally:
            STATE.phase, STATE.what = "idle", None
        if STATE.deferred and STATE.requested is not None:  # the signal came during COMMIT
            STATE.deferred = False
            raise Interrupted(STATE.requested)

    def close(self) -> None:
        """End the section (after COMMIT or the caller's ROLLBACK)."""
        if _tracked() and STATE.phase != "idle":
            STATE.phase, STATE.what = "idle", None


def pause_point(name: str) -> None:
    """Test hook: with ``SHOPLENS_TEST_PAUSE_AT=name`` (or ``name=SECONDS``, several joined by ``,``) print
    ``shoplens-test-pause: name`` on stderr, then sleep (30 s by default) so a test can signal right then.
    Each point pauses once per process (the staging point is in a loop)."""
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted or name in _paused:
        return
    for item in wanted.split(","):
        point, _, seconds = item.partition("=")
        if point.strip() == name:
            _paused.add(name)
            sys.stderr.write(f"shoplens-test-pause: {name}\n")
            sys.stderr.flush()
            time.sleep(float(seconds or 30))
            return
