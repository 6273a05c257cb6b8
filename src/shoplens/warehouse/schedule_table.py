"""The ``schedule_runs`` table (migration 10): one row per finished run of a scheduled job.

``due`` is the scheduled instant the run was for (UTC); the latest ``due`` of a job is what the scheduler compares
with the job's previous scheduled time after a restart, so missed runs run once, not once per missed time. A run
that was cut (a crash, a signal) writes no row and is run again. What to run lives in
:mod:`shoplens.analyses.schedule`; this module only reads and writes rows. Timestamps are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shoplens.warehouse.stores import transaction

RUNS = "schedule_runs"


def create_schedule_runs(con: Any) -> None:
    """Migration 10."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {RUNS} (job VARCHAR NOT NULL, due TIMESTAMP NOT NULL,"
                " started TIMESTAMP NOT NULL, finished TIMESTAMP NOT NULL, status VARCHAR NOT NULL, message VARCHAR)")


def last_due(con: Any) -> dict[str, datetime]:
    """Each job's latest due time that has a run (naive UTC)."""
    return {job: due for job, due in con.execute(f"SELECT job, max(due) FROM {RUNS} GROUP BY job").fetchall()}


def record(con: Any, job: str, due: datetime, started: datetime, finished: datetime, status: str,
           message: str) -> None:
    """One finished run (naive UTC times), in its own transaction."""
    with transaction(con):
        con.execute(f"INSERT INTO {RUNS} VALUES (?, ?, ?, ?, ?, ?)", [job, due, started, finished, status, message])


def last_runs(con: Any) -> dict[str, dict[str, Any]]:
    """Each job's latest run: {due, started, finished, status, message} (naive UTC)."""
    rows = con.execute(f"SELECT job, due, started, finished, status, message FROM {RUNS} "
                       "QUALIFY row_number() OVER (PARTITION BY job ORDER BY due DESC, finished DESC) = 1").fetchall()
    return {r[0]: dict(zip(("due", "started", "finished", "status", "message"), r[1:], strict=True)) for r in rows}


def recent_runs(con: Any, per_job: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Each job's latest ``per_job`` runs, newest first: {due, started, finished, status, message} (naive UTC)."""
    rows = con.execute(f"SELECT job, due, started, finished, status, message FROM {RUNS} QUALIFY row_number() "
                       "OVER (PARTITION BY job ORDER BY due DESC, finished DESC) <= ? ORDER BY job, due DESC, "
                       "finished DESC", [per_job]).fetchall()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(dict(zip(("due", "started", "finished", "status", "message"), r[1:],
                                                 strict=True)))
    return out
