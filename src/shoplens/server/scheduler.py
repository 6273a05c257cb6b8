"""The ``schedule:`` jobs inside `shoplens serve`: one process owns the warehouse, so the server runs them itself.

A background thread runs the same loop as `shoplens schedule run` (:func:`shoplens.analyses.schedule.run_forever`)
with two things injected: the warehouse is the server's own connection taken under its write lock
(:meth:`ServerState.writing`, so a job's writes wait for an import and the reverse), and sleeping is an event
wait that stopping the server cuts short. A job that is running when the server stops finishes first (its
transactions stay whole and its run is recorded); no new job starts after the stop.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from shoplens.analyses.schedule import Job, Run, next_due, run_forever
from shoplens.analyses.schedule.runner import local_text
from shoplens.i18n import register_labels
from shoplens.interrupts import pause_point

LOG = logging.getLogger("shoplens.server")
RETRY_SECONDS = 60.0  # after an unexpected error of the loop itself (a job's own errors are recorded, not raised)


register_labels({
    "srv_sc_start": ("定时任务随服务运行：{jobs}（--no-schedule 可关闭）",
                     "schedule runs in this server: {jobs} (--no-schedule turns it off)"),
    "srv_sc_line": ("定时任务 {job}（{run}，计划 {due}）：{status}：{message}",
                    "schedule: job {job} ({run}, due {due}): {status}: {message}"),
    "srv_sc_ok": ("成功", "ok"),
    "srv_sc_failed": ("失败", "failed"),
    "srv_sc_off": ("已停用", "disabled"),
})


class Stop(Exception):
    """The server is stopping: leave the loop between jobs or while waiting."""


def plan(jobs: list[Job], now: datetime | None = None) -> list[dict[str, Any]]:
    """Each job with its next due time in its own zone (None: disabled or never again)."""
    at = now or datetime.now(UTC)
    out = []
    for j in jobs:
        nxt = next_due([j], at) if j.enabled else None
        out.append({"job": j.name, "run": j.run, "cron": j.cron.text, "timezone": j.timezone, "enabled": j.enabled,
                    "next_due": local_text(nxt, j.timezone) if nxt else None})
    return out


class Scheduler:
    """The thread that runs ``jobs`` in a server; ``report(run)`` is told of every finished run."""

    def __init__(self, state: Any, jobs: list[Job], config: str | os.PathLike[str] | None,
                 report: Callable[[Run], None] | None = None) -> None:
        self.state, self.jobs, self.config = state, jobs, config
        self.report = report or print_run
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="shoplens-schedule", daemon=True)

    @contextmanager
    def _open(self) -> Iterator[Any]:
        if self._stop.is_set():
            raise Stop
        with self.state.writing() as wh:
            pause_point("schedule_job")  # test hook: a job holds the lock when the server is told to stop
            yield wh

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise Stop

    def _told(self, run: Run) -> None:
        self.report(run)
        if self._stop.is_set():  # between two jobs due together
            raise Stop

    def _main(self) -> None:
        while not self._stop.is_set():
            try:
                run_forever(self._open, self.jobs, self.config, self._told,
                            lambda exc: LOG.warning("schedule: %s", exc.render("en")), sleep=self._sleep)
                return  # no job will ever be due again
            except Stop:
                return
            except Exception:  # e.g. the disk is full when recording a run: say so, try again later
                LOG.exception("schedule: the scheduler failed; trying again in %g s", RETRY_SECONDS)
                if self._stop.wait(RETRY_SECONDS):
                    return

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """No new job starts; a running one ends first (at most ``timeout`` seconds)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


def print_run(run: Run) -> None:
    """One line per finished run on the server's stdout, in the language of SHOPLENS_LANG."""
    from shoplens.i18n import lang, t

    data = run.to_dict()
    line = t("srv_sc_line").format(job=data["job"], run=data["run"], due=data["due"],
                                   status=t("srv_sc_" + data["status"]),
                                   message=(data["message"] or {}).get(lang(), ""))
    print(line, file=sys.stdout, flush=True)


def start_line(jobs: list[Job], now: datetime | None = None) -> str:
    """The line `shoplens serve` prints at start: every job and when it runs next."""
    from shoplens.i18n import t

    parts = [f"{p['job']} ({p['run']}, {p['cron']}) {p['next_due'] or t('srv_sc_off')}" for p in plan(jobs, now)]
    return t("srv_sc_start").format(jobs="; ".join(parts))
