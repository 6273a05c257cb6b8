"""Acceptance on the demo store (incident 2026-10-25..27), through the real CLI in subprocesses: `alerts check
--date 2026-10-27` then `alerts send` delivers to a loopback webhook, a signed DingTalk robot and a loopback SMTP
server; a second send delivers nothing new; an unreachable webhook fails with one line naming it (exit 1), the
other channels still deliver, and the next run delivers what it missed. What was sent is checked against the
alerts table read with plain SQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import duckdb
import pytest

from notify_servers import closed_port, http_receiver, smtp_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
SECRET = "SECdemo-signing-secret"


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPLENS_LANG": "en", "SMTP_PASSWORD": "right-password"}
    env.pop("SHOPLENS_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          env=env, timeout=300)


@pytest.fixture(scope="module")
def checked(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("notify_demo") / "demo.duckdb"
    shutil.copy(demo_db, path)
    proc = cli(path, "alerts", "check", "--date", "2026-10-27", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return path


@pytest.fixture
def db(checked: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copy(checked, path)
    return path


def sql(db: Path, query: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


def write_config(path: Path, hook_url: str, ding_url: str, smtp_port: int) -> Path:
    cfg = path / "shoplens.yaml"
    cfg.write_text(f"""notify:
  retries: 1
  backoff: 0.1
  channels:
    hook: {{type: webhook, url: "{hook_url}", timeout: 2}}
    ding: {{type: dingtalk, url: "{ding_url}", secret: "{SECRET}"}}
    mail: {{type: email, host: 127.0.0.1, port: {smtp_port}, security: none, username: bot@example.com,
           password: "${{SMTP_PASSWORD}}", from: bot@example.com, to: [ops@example.com]}}
  routes:
    - {{channels: [hook, mail]}}
    - {{channels: [ding], min_severity: high}}
""", encoding="utf-8")
    return cfg


def test_check_then_send_delivers_once(db: Path, tmp_path: Path) -> None:
    opened = sql(db, "SELECT id, rule, severity FROM alerts WHERE status = 'open' AND period = DATE '2026-10-27' "
                     "ORDER BY id")
    high = [i for i, _, s in opened if s == "high"]
    assert len(opened) >= 2 and high, "the incident day fires alerts, at least one high"
    with http_receiver(default=(200, "ok")) as hook, http_receiver() as ding, smtp_server() as box:
        cfg = write_config(tmp_path, hook.url(), ding.url("/robot/send?access_token=demo-token"), box.port)
        first = cli(db, "alerts", "send", "--config", str(cfg), "--format", "json")
        second = cli(db, "alerts", "send", "--config", str(cfg), "--format", "json")
        table = cli(db, "alerts", "send", "--config", str(cfg))
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert sorted(a["id"] for b in hook.bodies() for a in b["alerts"]) == [i for i, _, _ in opened]
    assert len(box.mails) == len(opened)
    mailed = {}
    for m in box.mails:
        text = m["message"].get_body(("plain",)).get_content()
        (alert_id, rule, severity), = [row for row in opened if f"({row[1]}, #{row[0]})" in text]
        assert m["message"]["Subject"].startswith(f"shoplens alert · {severity.upper()} · ")
        mailed[alert_id] = rule
    assert sorted(mailed) == [i for i, _, _ in opened]
    assert len(ding.requests) == len(high)
    for req in ding.requests:
        stamp = req["query"]["timestamp"]
        expected = base64.b64encode(hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest())
        assert unquote_plus(req["raw_query"].split("sign=")[1]) == expected.decode()
        assert req["json"]["markdown"]["title"].startswith("shoplens 告警 · 高 · ")
    assert out["counts"] == {"sent": 2 * len(opened) + len(high), "failed": 0, "skipped_cooldown": 0}
    logged = sql(db, "SELECT channel, count(*) FROM alert_deliveries WHERE status = 'sent' GROUP BY channel "
                     "ORDER BY channel")
    assert logged == [("ding", len(high)), ("hook", len(opened)), ("mail", len(opened))]
    assert second.returncode == 0 and json.loads(second.stdout)["deliveries"] == []
    assert table.returncode == 0 and "Alert delivery: nothing to send" in table.stdout
    assert len(hook.requests) == len(opened) and len(box.mails) == len(opened), "nothing new the second time"
    why = sql(db, f"SELECT root_cause FROM alerts WHERE id = {high[0]}")[0][0]
    body = next(b for b in hook.bodies() if b["alerts"][0]["id"] == high[0])
    assert json.loads(why)["summary"]["en"] in body["text"], "the message carries the root-cause sentence"


def test_an_unreachable_webhook_fails_alone_and_is_delivered_next_run(db: Path, tmp_path: Path) -> None:
    (n,) = sql(db, "SELECT count(*) FROM alerts WHERE status = 'open'")[0]
    port = closed_port()
    with http_receiver() as ding, smtp_server() as box:
        cfg = write_config(tmp_path, f"http://127.0.0.1:{port}/hook", ding.url("/robot/send?access_token=t"),
                           box.port)
        failed = cli(db, "alerts", "send", "--config", str(cfg))
        assert len(box.mails) == n, "the other channels still deliver"
        with http_receiver(default=(200, "ok")) as hook:
            cfg = write_config(tmp_path, hook.url(), ding.url("/robot/send?access_token=t"), box.port)
            later = cli(db, "alerts", "send", "--config", str(cfg), "--format", "json")
    assert failed.returncode == 1
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: channel hook (webhook http://127.0.0.1:{port}/***) "
                                                   f"failed: cannot reach 127.0.0.1:{port}")
    assert "after 2 attempts" in lines[0]
    assert later.returncode == 0 and len(hook.requests) == n and len(box.mails) == n
    assert [d["channel"] for d in json.loads(later.stdout)["deliveries"]] == ["hook"] * n
    assert sql(db, "SELECT count(*) FROM alert_deliveries WHERE channel = 'hook' AND status = 'failed'") == [(n,)]


def test_notify_test_prints_the_platform_answer(db: Path, tmp_path: Path) -> None:
    with http_receiver() as ding, http_receiver((200, '{"errcode": 310000, "errmsg": "sign not match"}')) as bad:
        cfg = write_config(tmp_path, bad.url(), ding.url("/robot/send?access_token=t"), closed_port())
        ok = cli(db, "notify", "test", "ding", "--config", str(cfg))
        (tmp_path / "x").mkdir()
        cfg2 = write_config(tmp_path / "x", bad.url(), bad.url("/robot/send?access_token=t"), closed_port())
        fails = cli(db, "notify", "test", "ding", "--config", str(cfg2))
    assert ok.returncode == 0 and ok.stdout.strip() == (f"channel ding (dingtalk http://127.0.0.1:{ding.port}/***): "
                                                        'test message sent, the platform answered: {"errcode": 0, '
                                                        '"errmsg": "ok"}')
    assert ding.requests[0]["json"]["markdown"]["title"] == "shoplens 告警 · 测试消息"
    assert fails.returncode == 1 and fails.stderr.strip().endswith("failed: errcode 310000: sign not match")
