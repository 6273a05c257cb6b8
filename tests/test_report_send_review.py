"""The weekly review through notify channels, through the real CLI on a copy of the demo store: a schedule
``run: review`` job on Monday morning sends the last complete ISO week (recounted here from plain SQL) to a webhook
and a WeCom robot (cut to 4,096 bytes at a section boundary); `review --send` for the same week and channel is then a
no-op, `--force` sends again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from notify_servers import http_receiver
from test_report_send_cli import cli, db, sql  # noqa: F401  (db: the demo copy fixture)

NOW = "2026-11-16T10:00+08:00"  # Monday after the demo's last day, in the store's zone


def last_complete_week(db: Path) -> str:  # noqa: F811
    """The ISO week of the store's last local order day if that day is a Sunday, else the week before (plain SQL)."""
    ((day,),) = sql(db, "SELECT max(CAST(timezone(s.timezone, o.created_ts) AS DATE)) FROM orders o "
                        "JOIN stores s USING (store_id)")
    sunday = day if day.isoweekday() == 7 else day - timedelta(days=day.isoweekday())
    year, week, _ = sunday.isocalendar()
    return f"{year}-W{week:02d}"


def test_review_job_then_send_is_a_no_op(db: Path, tmp_path: Path) -> None:  # noqa: F811
    week = last_complete_week(db)
    assert week == "2026-W46"
    with http_receiver(default=(200, "ok")) as hook, http_receiver() as wecom:
        cfg = tmp_path / "shoplens.yaml"
        cfg.write_text(f'notify:\n  channels:\n    hook: {{type: webhook, url: "{hook.url()}"}}\n'
                       f'    wx: {{type: wecom, url: "{wecom.url("/cgi-bin/webhook/send?key=abc123456")}"}}\n'
                       'schedule:\n  weekly: {cron: "0 10 * * mon", run: review, timezone: Asia/Shanghai, '
                       'channels: [hook, wx], lang: en}\n', encoding="utf-8")
        job = cli(db, "schedule", "run", "--once", "--now", NOW, "--config", str(cfg))
        again = cli(db, "review", "--send", "hook", "--config", str(cfg))
        forced = cli(db, "review", "--send", "hook", "--force", "--config", str(cfg))
        bodies, wx = hook.bodies(), [r["json"] for r in wecom.requests]
    assert job.returncode == 0, job.stderr
    assert job.stdout.strip() == (f"job weekly (review, due {NOW}): ok: review demo {week}: sent 2, already sent 0, "
                                  "failed 0")
    assert again.returncode == 0 and again.stdout.startswith("channel hook (webhook http://127.0.0.1:")
    assert "already sent, not sent again" in again.stdout, "the job and the command share one log"
    assert forced.returncode == 0 and len(bodies) == 2 and len(wx) == 1
    body = bodies[0]
    assert body["kind"] == "review" and body["report"]["meta"]["week"] == week
    assert body["title"] == f"shoplens Weekly review · demo · {week}"
    assert body["text"].startswith("> store demo · 2026-W46 (2026-11-09..2026-11-15)")
    content = wx[0]["markdown"]["content"]
    assert content.startswith(f"### {body['title']}\n\n> store demo") and len(content.encode()) <= 4096
    kept = content.split("\n\n", 1)[1]
    tail = f"… full report: shoplens review --store demo --week {week}"
    if kept.endswith(tail):  # cut: whole sections of the full text only
        kept = kept[:-len(tail)].rstrip("\n")
        assert body["text"].startswith(kept) and body["text"][len(kept):].startswith("\n\n## ")
    else:
        assert kept == body["text"]
    assert sql(db, "SELECT kind, store, period, channel, status FROM report_deliveries ORDER BY rowid") == [
        ("review", "demo", week, "hook", "sent"), ("review", "demo", week, "wx", "sent"),
        ("review", "demo", week, "hook", "sent")]
