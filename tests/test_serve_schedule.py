"""`shoplens serve` runs the config's ``schedule:`` (one process owns the warehouse), on the real server.

A job due within seconds without a test clock: a job that never ran is due in the minute the scheduler started
(the runner's rule), so ``cron: "* * * * *"`` runs right after the server starts. Expectations come from what
the loopback webhook received and from plain SQL on the warehouse once the server has stopped.
"""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from api_server import ApiServer, two_store_db
from notify_servers import http_receiver

EVERY_MINUTE = '"* * * * *"'


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    return two_store_db(demo_db, tmp_path)


def sql(db: Path, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def serve(db: Path, text: str, *args: str) -> ApiServer:
    cfg = db.parent / "shoplens.yaml"
    cfg.write_text(text, encoding="utf-8")
    return ApiServer(db, env={"SHOPLENS_CONFIG": str(cfg), "SHOPLENS_LANG": "en"}, args=args)


def hook_config(url: str, jobs: str) -> str:
    return (f'notify:\n  retries: 0\n  channels:\n    hook: {{type: webhook, url: "{url}", timeout: 5}}\n'
            f"schedule:\n{jobs}")


def wait_for(check: Callable[[], Any], seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := check()):
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(0.2)
    return value


def runs_of(admin: httpx.Client, job: str) -> list[dict[str, Any]]:
    jobs = {j["job"]: j for j in admin.get("/api/v1/schedule").json()["jobs"]}
    return jobs[job]["last_runs"]


def stop_and_output(srv: ApiServer) -> tuple[int, str]:
    srv.proc.terminate()
    out, _ = srv.proc.communicate(timeout=60)
    return srv.proc.returncode, out


def test_serve_delivers_scheduled_alerts_without_a_cli_call(db: Path) -> None:
    with http_receiver(default=(200, '{"ok": true}')) as hook:
        srv = serve(db, hook_config(hook.url(), f"  push: {{cron: {EVERY_MINUTE}, run: alerts}}\n"))
        try:
            admin = srv.client("root")
            first = wait_for(lambda: runs_of(admin, "push"))[-1]  # the oldest: the run at start
            assert first["status"] == "ok", first
            assert "sent" in first["message"]["en"] and "已发送" in first["message"]["zh"]
            assert runs_of(srv.client("ana"), "push")[-1]["message"] is None  # it names every store checked
            deliveries = admin.get("/api/v1/deliveries", params={"limit": 0}).json()
        finally:
            code, out = stop_and_output(srv)
        sent = [a["id"] for body in hook.bodies() for a in body["alerts"]]
    assert code == 0
    assert "schedule runs in this server: push (alerts, * * * * *) " in out
    assert "schedule: job push (alerts, due " in out and ": ok: checked " in out
    # independently: every open alert of the last complete day of each store went out once, nothing else
    opened = sorted(i for (i,) in sql(db, "SELECT id FROM alerts WHERE status = 'open'"))
    assert opened and sorted(sent) == opened and len(set(sent)) == len(sent)
    logged = sql(db, "SELECT channel, alert_id, status FROM alert_deliveries ORDER BY alert_id")
    assert logged == [("hook", i, "sent") for i in opened]
    assert sorted(d["alert_id"] for d in deliveries["deliveries"]) == opened == sorted(
        i for (_, i, _) in logged)
    assert {d["answer"] for d in deliveries["deliveries"]} == {'{"ok": true}'}
    runs = sql(db, "SELECT job, status FROM schedule_runs ORDER BY due")
    assert runs[0] == ("push", "ok") and all(r == ("push", "ok") for r in runs)  # one per minute it ran


def latest_nine_utc(now: datetime) -> datetime:
    """The latest 09:00 UTC at or before ``now``: what ``0 9 * * *`` last asked for."""
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return nine if nine <= now else nine - timedelta(days=1)


def test_missed_runs_after_a_restart_run_once(db: Path) -> None:
    now = datetime.now(UTC)
    due = latest_nine_utc(now).replace(tzinfo=None)
    if (now.replace(tzinfo=None) - due) > timedelta(hours=23, minutes=58):
        pytest.skip("too close to 09:00 UTC: the expected due time could move while the test runs")
    old = due - timedelta(days=3)  # three missed mornings
    with duckdb.connect(str(db)) as con:
        con.execute("INSERT INTO schedule_runs VALUES ('daily', ?, ?, ?, 'ok', NULL)", [old, old, old])
    srv = serve(db, 'schedule:\n  daily: {cron: "0 9 * * *", run: alerts_check}\n'
                f"  paused: {{cron: {EVERY_MINUTE}, run: alerts_check, enabled: false}}\n")
    try:
        admin = srv.client("root")
        wait_for(lambda: len(runs_of(admin, "daily")) == 2)
        time.sleep(2)  # nothing more comes: not once per missed morning
        listed = admin.get("/api/v1/schedule").json()
    finally:
        code, out = stop_and_output(srv)
    assert code == 0
    assert sql(db, "SELECT job, due, status FROM schedule_runs ORDER BY due") == [
        ("daily", old, "ok"), ("daily", due, "ok")]
    jobs = {j["job"]: j for j in listed["jobs"]}
    assert jobs["daily"]["last_runs"][0]["due"] == due.strftime("%Y-%m-%dT%H:%M+00:00")
    assert jobs["daily"]["next_due"] == (due + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M+00:00")
    paused = jobs["paused"]
    assert paused["enabled"] is False and paused["next_due"] is None and paused["last_runs"] == []
    assert listed["running"] is True
    assert "paused (alerts_check, * * * * *) disabled" in out


def test_no_schedule_leaves_the_jobs_alone(db: Path) -> None:
    srv = serve(db, f"schedule:\n  check: {{cron: {EVERY_MINUTE}, run: alerts_check}}\n", "--no-schedule")
    try:
        admin = srv.client("root")
        time.sleep(3)
        listed = admin.get("/api/v1/schedule").json()
        unsent = admin.post("/api/v1/alerts/send")
    finally:
        code, out = stop_and_output(srv)
    assert code == 0 and "schedule runs in this server" not in out
    assert listed["running"] is False and listed["jobs"][0]["job"] == "check"
    assert unsent.status_code == 400 and unsent.json()["error"] == {
        "message": "no delivery channels are configured", "zh": "没有配置推送渠道", "where": "notify.channels",
        "hint": "add channels under notify: in the server's config file (README, Alert delivery)",
        "zh_hint": "在服务器配置文件的 notify: 下添加渠道（参见 README 的“告警推送”一节）"}
    assert sql(db, "SELECT count(*) FROM schedule_runs") == [(0,)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_server_and_scheduler(db: Path, sig: int) -> None:
    srv = ApiServer(db, env={"SHOPLENS_LANG": "en"})
    srv.proc.terminate()
    srv.proc.wait(30)
    cfg = db.parent / "yearly.yaml"
    cfg.write_text('schedule:\n  yearly: {cron: "0 0 1 1 *", run: alerts_check}\n', encoding="utf-8")
    srv = ApiServer(db, env={"SHOPLENS_CONFIG": str(cfg), "SHOPLENS_LANG": "en"})
    began = time.monotonic()
    srv.proc.send_signal(sig)
    out, _ = srv.proc.communicate(timeout=60)
    took = time.monotonic() - began
    assert srv.proc.returncode == 0 and took < 5, (srv.proc.returncode, took)  # the waiting thread is woken
    assert "schedule runs in this server: yearly (alerts_check, 0 0 1 1 *) " in out
    err = srv.log.read_text()
    assert "Traceback" not in err and "Exception" not in err


def test_a_running_job_finishes_and_is_recorded_when_the_server_stops(db: Path) -> None:
    """SIGTERM while the job holds the write lock (held there 3 s by the test hook): the server waits for it, the
    run is recorded ok, and nothing else starts; exit 0 without a traceback."""
    from test_api_stop import wait_for_line

    cfg = db.parent / "shoplens.yaml"
    cfg.write_text(f"schedule:\n  check: {{cron: {EVERY_MINUTE}, run: alerts_check}}\n", encoding="utf-8")
    srv = ApiServer(db, env={"SHOPLENS_CONFIG": str(cfg), "SHOPLENS_LANG": "en",
                             "SHOPLENS_TEST_PAUSE_AT": "schedule_job=3"}, stderr_pipe=True)
    try:
        wait_for_line(srv, "shoplens-test-pause: schedule_job")
        began = time.monotonic()
        srv.proc.terminate()
        out, err = srv.proc.communicate(timeout=60)
        took = time.monotonic() - began
    finally:
        srv.stop()
    assert srv.proc.returncode == 0 and "Traceback" not in err and "Exception" not in err, err
    assert took > 2, took  # it waited for the job
    assert "schedule: job check (alerts_check, due " in out and "): ok: checked " in out
    assert [r[0] for r in sql(db, "SELECT status FROM schedule_runs")] == ["ok"]
    assert sql(db, "SELECT count(*) FROM alerts")[0][0] > 0  # what it checked was stored


def test_schedule_mistake_stops_serve_before_it_listens(db: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    cfg = tmp_path / "bad.yaml"
    cfg.write_text('schedule:\n  morning: {cron: "0 9 * * mnd", run: alerts}\n', encoding="utf-8")
    shutil.copy(db, tmp_path / "copy.duckdb")
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(tmp_path / "copy.duckdb"), "serve", "--port",
                          "1"], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "SHOPLENS_CONFIG": str(cfg), "SHOPLENS_LANG": "en",
                              "SHOPLENS_SECRET_KEY": "x" * 40})
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "schedule.morning.cron: day of week 'mnd' is not a number" in out.stderr
