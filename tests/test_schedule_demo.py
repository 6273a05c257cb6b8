"""`shoplens schedule run --once` on copies of the demo store, through the real CLI in subprocesses: an ``alerts``
job checks the store's last complete day and sends to a loopback webhook; a second run at the same time runs
nothing; a job whose last run was 3 days ago runs exactly once; a failing job is recorded failed and the next job
still runs; Ctrl-C / SIGTERM stop the foreground scheduler with 130 / 143. Expectations come from plain SQL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from notify_servers import closed_port, http_receiver
from signal_runs import run_and_signal

NOW = "2026-11-16T09:00+08:00"  # the morning after the demo's last day, in the store's zone (Asia/Shanghai)


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPLENS_LANG": "en", "COLUMNS": "200"}
    env.pop("SHOPLENS_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          env=env, timeout=300)


def sql(db: Path, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    return path


def config(tmp_path: Path, jobs: str, hook_url: str | None = None) -> Path:
    cfg = tmp_path / "shoplens.yaml"
    notify = (f'notify:\n  retries: 0\n  channels:\n    hook: {{type: webhook, url: "{hook_url}", timeout: 2}}\n'
              if hook_url else "")
    cfg.write_text(f"{notify}schedule:\n{jobs}", encoding="utf-8")
    return cfg


def last_local_day(db: Path) -> str:
    """The store's last day with orders, in its own time zone (plain SQL)."""
    ((day,),) = sql(db, "SELECT max(CAST(timezone(s.timezone, o.created_ts) AS DATE)) FROM orders o "
                        "JOIN stores s USING (store_id)")
    return day.isoformat()


def test_alerts_job_checks_then_sends_and_runs_once(db: Path, tmp_path: Path) -> None:
    day = last_local_day(db)
    assert day == "2026-11-15"  # the day before NOW in Asia/Shanghai: complete, so it is the one checked
    with http_receiver(default=(200, "ok")) as hook:
        cfg = config(tmp_path, '  morning: {cron: "0 9 * * *", run: alerts, timezone: Asia/Shanghai}\n', hook.url())
        first = cli(db, "schedule", "run", "--once", "--now", NOW, "--config", str(cfg))
        second = cli(db, "schedule", "run", "--once", "--now", NOW, "--config", str(cfg))
        sent = sorted(a["id"] for b in hook.bodies() for a in b["alerts"])
    assert first.returncode == 0, first.stderr
    opened = [i for (i,) in sql(db, "SELECT id FROM alerts WHERE status = 'open' AND period = ? ORDER BY id", [day])]
    assert opened and sent == opened  # every alert of that day went out once, nothing else
    assert sql(db, "SELECT count(*) FROM alerts WHERE period <> ?", [day]) == [(0,)]
    line = first.stdout.strip()
    assert line.startswith(f"job morning (alerts, due {NOW}): ok: checked ") and f"(demo {day}): " in line
    assert f"{len(opened)} fired, {len(opened)} new; sent {len(opened)}, skipped (cooldown) 0, failed 0" in line
    assert second.returncode == 0 and second.stdout.strip() == "no job is due"
    runs = sql(db, "SELECT job, due, status, message FROM schedule_runs")
    assert [r[:3] for r in runs] == [("morning", datetime(2026, 11, 16, 1, 0), "ok")]
    assert json.loads(runs[0][3])["en"] in line and "已发送" in json.loads(runs[0][3])["zh"]
    listed = json.loads(cli(db, "schedule", "list", "--config", str(cfg), "--format", "json").stdout)["jobs"]
    assert listed[0]["last_run"]["due"] == NOW and listed[0]["last_run"]["status"] == "ok"


def test_missed_runs_run_once(db: Path, tmp_path: Path) -> None:
    """Last run 3 days ago for a daily job: one run, for the latest missed time, then nothing until the next."""
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO schedule_runs VALUES ('daily', TIMESTAMP '2026-11-13 01:00', "
                    "TIMESTAMP '2026-11-13 01:00', TIMESTAMP '2026-11-13 01:01', 'ok', NULL)")
    cfg = config(tmp_path, '  daily: {cron: "0 9 * * *", run: alerts_check, timezone: Asia/Shanghai}\n')
    late = "2026-11-16T15:30+08:00"
    out = cli(db, "schedule", "run", "--once", "--now", late, "--config", str(cfg), "--format", "json")
    assert out.returncode == 0, out.stderr
    runs = json.loads(out.stdout)["runs"]
    assert [(r["job"], r["due"], r["status"]) for r in runs] == [("daily", NOW, "ok")]
    assert sql(db, "SELECT due FROM schedule_runs ORDER BY due") == [(datetime(2026, 11, 13, 1),),
                                                                    (datetime(2026, 11, 16, 1),)]
    again = cli(db, "schedule", "run", "--once", "--now", "2026-11-16T23:59+08:00", "--config", str(cfg))
    assert again.stdout.strip() == "no job is due"
    nxt = cli(db, "schedule", "run", "--once", "--now", "2026-11-17T09:00+08:00", "--config", str(cfg))
    assert "job daily (alerts_check, due 2026-11-17T09:00+08:00): ok" in nxt.stdout


def test_failing_job_is_recorded_and_the_next_runs(db: Path, tmp_path: Path) -> None:
    hook = f"http://127.0.0.1:{closed_port()}/hook"
    cfg = config(tmp_path, '  push: {cron: "0 1 * * *", run: alerts}\n  check: {cron: "0 1 * * *", run: alerts_check}\n'
                 '  off: {cron: "0 1 * * *", run: alerts_check, enabled: false}\n', hook)
    out = cli(db, "schedule", "run", "--once", "--now", "2026-11-16T01:00Z", "--config", str(cfg))
    assert out.returncode == 1
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in out.stderr
    assert lines[0].startswith("job push (alerts, due 2026-11-16T01:00+00:00): failed: checked ")
    assert "channel hook (webhook http://127.0.0.1:" in lines[0]
    assert lines[1].startswith("job check (alerts_check, due 2026-11-16T01:00+00:00): ok: checked ")
    assert sql(db, "SELECT job, status FROM schedule_runs ORDER BY started, job") == [("check", "ok"),
                                                                                     ("push", "failed")]
    failed = sql(db, "SELECT count(*) FROM alert_deliveries WHERE status = 'failed'")[0][0]
    assert failed == sql(db, "SELECT count(*) FROM alerts")[0][0] > 0  # every alert was tried, none sent


def test_config_mistake_is_one_line(db: Path, tmp_path: Path) -> None:
    cfg = config(tmp_path, '  morning: {cron: "0 9 * * mnd", run: alerts}\n')
    out = cli(db, "schedule", "run", "--once", "--config", str(cfg))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0
    assert "schedule.morning.cron: day of week 'mnd' is not a number" in out.stderr
    assert sql(db, "SELECT count(*) FROM schedule_runs") == [(0,)]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_the_scheduler(db: Path, tmp_path: Path, sig: int, code: int) -> None:
    cfg = config(tmp_path, '  yearly: {cron: "0 0 1 1 *", run: alerts_check}\n')
    stopped = run_and_signal(["--db", str(db), "schedule", "run", "--config", str(cfg)], pause="schedule_wait=0",
                             sig=sig, delay=0.3, env={"SHOPLENS_LANG": "en"})
    assert stopped.code == code
    assert stopped.stderr.strip().splitlines()[-1] == "interrupted; nothing was written"
    assert "Traceback" not in stopped.stderr
    assert "scheduler started: 1 jobs" in stopped.stdout


def test_now_needs_once_and_jobs_are_needed(db: Path, tmp_path: Path) -> None:
    cfg = config(tmp_path, '  morning: {cron: "0 9 * * *", run: alerts}\n')
    out = cli(db, "schedule", "run", "--now", NOW, "--config", str(cfg))
    assert out.returncode == 2 and "--now: --now goes with --once (hint: add --once)" in out.stderr
    empty = tmp_path / "empty.yaml"
    empty.write_text("alerts: {}\n", encoding="utf-8")
    out = cli(db, "schedule", "list", "--config", str(empty))
    assert out.returncode == 2 and "schedule: no scheduled jobs are configured" in out.stderr
