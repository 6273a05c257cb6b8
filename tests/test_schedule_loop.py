"""The foreground loop of `shoplens schedule run` with a stepped clock on a real (empty) warehouse file: it wakes
at each due time, runs the due jobs in the order written, records every run (a job failing — here: no data —
does not stop the next), and sleeps in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.analyses.schedule import Run, parse_schedule, run_forever


class Stop(Exception):
    pass


def test_loop_wakes_at_each_due_time(tmp_path: Path) -> None:
    path = str(tmp_path / "wh.duckdb")
    shoplens.connect(path).close()
    jobs = parse_schedule({"half": {"cron": "*/30 * * * *", "run": "alerts_check"},
                           "nine": {"cron": "0 9 * * *", "run": "alerts_check", "timezone": "Asia/Shanghai"}},
                          "schedule")
    clock = [datetime(2026, 11, 16, 0, 50, 10, tzinfo=UTC)]  # 08:50 in Shanghai
    slept: list[float] = []
    runs: list[Run] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += timedelta(seconds=seconds + 0.5)  # wakes a little late, as a real sleep does
        if clock[0] > datetime(2026, 11, 16, 1, 40, tzinfo=UTC):
            raise Stop

    with pytest.raises(Stop):
        run_forever(lambda: shoplens.connect(path), jobs, None, runs.append, pytest.fail, clock=lambda: clock[0],
                    sleep=sleep)
    got = [(r.job.name, r.due.isoformat(timespec="minutes"), r.status) for r in runs]
    assert got == [("half", "2026-11-16T01:00+00:00", "failed"), ("nine", "2026-11-16T01:00+00:00", "failed"),
                   ("half", "2026-11-16T01:30+00:00", "failed")]
    assert "has no stores yet" in runs[0].message["en"] and "店铺" in runs[0].message["zh"]
    assert max(slept) <= 60 and sum(slept) == pytest.approx(49 * 60 + 50, abs=60)  # asleep all the time but the runs
    with duckdb.connect(path, read_only=True) as con:
        rows = con.execute("SELECT job, due, status FROM schedule_runs ORDER BY due, started, job").fetchall()
    assert rows == [("half", datetime(2026, 11, 16, 1, 0), "failed"), ("nine", datetime(2026, 11, 16, 1, 0), "failed"),
                    ("half", datetime(2026, 11, 16, 1, 30), "failed")]
