"""A cancelled computation on a real DuckDB connection: it starts no further statement, its waiters leave at once,
and interrupting a cursor that was closed meanwhile is silent (server/computation.py, server/cache.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import duckdb
import pytest

from shoplens.server.cache import ResultCache
from shoplens.server.computation import Cancelled, Computation, Stopping, TimedOut, current


@pytest.fixture
def thread_errors() -> Iterator[list[BaseException | None]]:
    """Exceptions raised in any thread (what Python would print as "Exception in thread …")."""
    caught: list[BaseException | None] = []
    before = threading.excepthook
    threading.excepthook = lambda args: caught.append(args.exc_value)
    try:
        yield caught
    finally:
        threading.excepthook = before


def short_statements(con: duckdb.DuckDBPyConnection, log: list[float]) -> None:
    """Many millisecond statements with Python work between them (like a weekly comparison over years)."""
    guarded = current().attach(con)  # type: ignore[union-attr]
    for _ in range(5000):
        guarded.execute("SELECT sum(range) FROM range(20000)").fetchall()
        log.append(time.monotonic())
        time.sleep(0.005)  # Python work: interrupt() finds the connection idle here


def test_a_cancelled_computation_starts_no_further_statement() -> None:
    con = duckdb.connect()
    cache, log, ended = ResultCache(), [], threading.Event()

    def compute() -> None:
        try:
            short_statements(con.cursor(), log)
        finally:
            ended.set()

    with pytest.raises(TimedOut):
        cache.get("k", compute, deadline=time.monotonic() + 0.5)
    left = time.monotonic()  # the waiter left: the computation was cancelled
    assert ended.wait(1)
    assert len(log) > 20  # it did run until then
    assert sum(t > left for t in log) <= 1  # at most the statement that was running
    assert time.monotonic() - left < 0.5


def test_waiters_leave_at_once_when_the_server_stops() -> None:
    cache, started = ResultCache(), threading.Event()

    def compute() -> None:
        started.set()
        time.sleep(3)  # Python work: nothing can cut it, and nobody needs to wait for it

    answers: list[BaseException] = []

    def wait() -> None:
        try:
            cache.get("k", compute)
        except Exception as exc:
            answers.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    assert started.wait(2)
    began = time.monotonic()
    cache.stop_all()
    waiter.join(2)
    assert time.monotonic() - began < 0.5 and len(answers) == 1 and isinstance(answers[0], Stopping)


def test_interrupting_a_cursor_closed_meanwhile_is_silent(thread_errors: list[BaseException | None]) -> None:
    parent = duckdb.connect()
    comp = Computation()
    comp.attach(parent.cursor())
    comp.cancel()  # interrupts every 20 ms until the computation ends
    time.sleep(0.1)
    parent.close()  # closes its cursors (what the server's warehouse does when it stops)
    time.sleep(0.2)
    comp.done.set()
    time.sleep(0.1)
    assert thread_errors == []


def test_released_cursors_are_never_interrupted_again() -> None:
    parent = duckdb.connect()
    comp, calls = Computation(), []

    class Counted:
        def interrupt(self) -> None:
            calls.append(1)

    comp.attach(Counted())
    comp.release()  # cancelled, and the cursors dropped: the warehouse may close now
    n = len(calls)
    time.sleep(0.1)
    assert len(calls) == n  # no interrupt after release
    with pytest.raises(Cancelled):
        comp.attach(parent.cursor())
    comp.done.set()


def test_a_guarded_cursor_refuses_statements_once_cancelled() -> None:
    con = duckdb.connect()
    comp = Computation()
    guarded = comp.attach(con)
    assert guarded.execute("SELECT 42").fetchone() == (42,)
    comp.cancel()
    for use in (lambda: guarded.execute("SELECT 1"), lambda: guarded.sql("SELECT 1"),
                lambda: guarded.register("t", {"a": [1]})):
        with pytest.raises(Cancelled):
            use()
    guarded.interrupt()  # these two always go through: stopping and closing are never refused
    guarded.close()
    comp.done.set()
