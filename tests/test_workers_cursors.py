"""Analysis tasks borrow cursors (src/shoplens/analyses/workers.py, Warehouse.borrowed): a cursor is set up once
and lent task after task, each task reads the data version its Workers started with, a failed task's cursor is
dropped, closing the warehouse closes the idle cursors, and in a server request a borrowed cursor belongs to the
request's computation (no task starts once it is cancelled; a running statement is interrupted)."""

from __future__ import annotations

import threading

import duckdb
import pytest

import shoplens
from shoplens.analyses.workers import Workers


def test_tasks_reuse_at_most_one_cursor_per_thread(wh) -> None:
    engine = shoplens.MetricsEngine(wh)
    seen: list[int] = []
    lock = threading.Lock()

    def task(e) -> str:
        with lock:
            seen.append(id(e.wh))
        return e.wh.con.execute("SELECT 'ok'").fetchone()[0]

    with Workers(wh, engine, threads=2) as workers:
        answers = [f.result() for f in [workers.submit(task) for _ in range(12)]]
    assert answers == ["ok"] * 12
    assert len(set(seen)) <= 2 and len(wh._idle) == len(set(seen))  # given back, not closed


def test_a_task_reads_the_version_its_workers_started_with(wh) -> None:
    engine = shoplens.MetricsEngine(wh)
    before = wh.data_version()
    with Workers(wh, engine, threads=1) as workers:
        wh.con.execute("UPDATE _shoplens_meta SET value = 'moved' WHERE key = 'warehouse_id'")
        assert wh.data_version() != before  # the warehouse itself answers the live version
        assert workers.submit(lambda e: e.wh.data_version()).result() == before
    idle = wh._idle[0]
    assert idle._pinned is None and idle.data_version() == wh.data_version()  # pinned only while lent


def test_a_failed_tasks_cursor_is_dropped_and_the_error_comes_through(wh) -> None:
    engine = shoplens.MetricsEngine(wh)

    def fails(e) -> None:
        raise ValueError("boom")

    with Workers(wh, engine, threads=1) as workers:
        workers.submit(lambda e: None).result()
        (lent,) = wh._idle
        with pytest.raises(ValueError, match="boom"):
            workers.submit(fails).result()
    assert wh._idle == []  # the failed task had the idle cursor: it is closed, not given back
    with pytest.raises(duckdb.ConnectionException):
        lent.con.execute("SELECT 1")


def test_closing_the_warehouse_closes_its_idle_cursors(db_path) -> None:
    wh = shoplens.connect(str(db_path))
    with Workers(wh, shoplens.MetricsEngine(wh), threads=1) as workers:
        workers.submit(lambda e: e.wh.con.execute("SELECT 1").fetchone()).result()
    (idle,) = wh._idle
    wh.close()
    with pytest.raises(duckdb.ConnectionException):
        idle.con.execute("SELECT 1")


def test_a_cancelled_requests_tasks_start_nothing_and_stop(wh) -> None:
    """As the server runs a request (server/cache.py): the request's cursor is guarded by its computation. Once
    the computation is cancelled (time budget, client gone), a task's running statement is interrupted and no new
    task starts; the interrupted task's cursor is dropped."""
    import time

    from shoplens.server.computation import Cancelled, Computation

    comp = Computation()
    request = wh.cursor()
    request.con = comp.attach(request.con)
    engine = shoplens.MetricsEngine(request)
    with Workers(request, engine, threads=1) as workers:
        assert workers.submit(lambda e: e.wh.con.execute("SELECT 7").fetchone()[0]).result() == 7
        used = []

        def endless(e):
            used.append(e.wh.con)
            return e.wh.con.execute("SELECT sum(i) FROM range(10000000000000) t(i)").fetchone()

        long = workers.submit(endless)
        time.sleep(0.3)
        comp.cancel()
        with pytest.raises(duckdb.InterruptException):
            long.result(timeout=30)
        with pytest.raises(Cancelled):
            workers.submit(lambda e: e.wh.con.execute("SELECT 1").fetchone()).result()
    comp.done.set()
    with pytest.raises(duckdb.ConnectionException):  # the interrupted task's cursor was closed, not given back
        used[0].execute("SELECT 1")
    assert len(wh._idle) == 1 and wh._idle[0].con is not used[0]  # the refused task's unused cursor went back


def test_a_cursor_given_back_after_close_is_closed(db_path) -> None:
    wh = shoplens.connect(str(db_path))
    view = wh.cursor()
    wh.close()
    wh._give_back(view)
    assert wh._idle == []
