"""`shoplens brief --send` and a schedule ``run: brief`` job through the real CLI in subprocesses, on a copy of the demo
store: a loopback SMTP server gets the HTML brief with the markdown text part and the PDF attached (opened with
pypdf, the Chinese title extractable); a signed DingTalk robot gets the markdown; a second send is a no-op and
--force sends again; a failing channel exits 1 with one line naming it while the others are delivered; without
Chromium the mail goes without the PDF and says so; a scheduled brief goes out once."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from notify_servers import http_receiver, smtp_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only

NOW = "2026-11-16T09:00+08:00"  # the morning after the demo's last day in the store's zone
LAST_DAY = "2026-11-15"


def cli(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "SHOPLENS_LANG": "en", "COLUMNS": "200", **(env or {})}
    full.pop("SHOPLENS_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          env=full, timeout=300)


def sql(db: Path, query: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    return path


def write_config(tmp_path: Path, channels: str, extra: str = "") -> Path:
    cfg = tmp_path / "shoplens.yaml"
    cfg.write_text(f"notify:\n  retries: 1\n  backoff: 0.01\n  channels:\n{channels}{extra}", encoding="utf-8")
    return cfg


def mail_line(port: int) -> str:
    return (f"    mail: {{type: email, host: 127.0.0.1, port: {port}, security: none, username: bot@example.com, "
            f"password: right-password, from: bot@example.com, to: [ops@example.com]}}\n")


def test_brief_by_mail_with_pdf_and_to_dingtalk_once(db: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with smtp_server() as box, http_receiver() as ding:
        cfg = write_config(tmp_path, mail_line(box.port) + f'    ding: {{type: dingtalk, url: "{ding.url()}'
                                     f'?access_token=tok9876", secret: SECabc123}}\n')
        first = cli(db, "brief", "--date", LAST_DAY, "--lang", "zh", "--send", "mail,ding", "--config", str(cfg))
        again = cli(db, "brief", "--date", LAST_DAY, "--lang", "zh", "--send", "mail,ding", "--config", str(cfg))
        forced = cli(db, "brief", "--date", LAST_DAY, "--lang", "zh", "--send", "ding", "--force", "--config",
                     str(cfg))
        mails, posts = len(box.mails), len(ding.requests)
        expected = cli(db, "brief", "--date", LAST_DAY, "--lang", "zh", "--format", "html").stdout
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == (f"渠道 mail（email 127.0.0.1:{box.port} -> ops@example.com）：已发送，平台应答：250 accepted "
                        "for 1 recipient(s)")
    assert lines[1].startswith("渠道 ding（dingtalk http://127.0.0.1:") and len(lines) == 2
    assert "tok9876" not in first.stdout + first.stderr and "SECabc123" not in first.stdout + first.stderr
    assert (mails, posts) == (1, 2), "the second send is a no-op; --force sends the robot message again"
    assert again.returncode == 0 and "already sent" in again.stdout.replace("此前已发送", "already sent")
    assert forced.returncode == 0
    msg = box.message(0)
    assert msg["Subject"] == f"shoplens 运营日报 · demo · {LAST_DAY}" and msg["To"] == "ops@example.com"
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/mixed", "multipart/alternative", "text/plain",
                                                          "text/html", "application/pdf"]
    html = msg.get_body(("html",)).get_content().replace("\r\n", "\n")  # mail lines end in CRLF
    assert html == expected, "the body is the brief's HTML, as `brief --format html` writes it"
    assert msg.get_body(("plain",)).get_content().startswith("# 运营日报\n\n> 店铺 demo")
    (pdf,) = list(msg.iter_attachments())
    assert pdf.get_filename() == f"shoplens-brief-demo-{LAST_DAY}.pdf"
    reader = PdfReader(io.BytesIO(pdf.get_content()))
    assert len(reader.pages) >= 1 and "运营日报" in reader.pages[0].extract_text(), "CJK text extractable"
    rows = sql(db, "SELECT channel, kind, store, period, lang, status FROM report_deliveries ORDER BY rowid")
    ding = ("ding", "brief", "demo", LAST_DAY, "zh", "sent")
    assert rows == [("mail", "brief", "demo", LAST_DAY, "zh", "sent"), ding, ding]


def test_a_failing_channel_exits_1_and_the_others_deliver(db: Path, tmp_path: Path) -> None:
    with http_receiver(default=(500, "busy")) as down, \
            http_receiver(default=(200, '{"errcode": 310000, "errmsg": "keywords not in content"}')) as ding, \
            http_receiver(default=(200, "ok")) as hook:
        cfg = write_config(tmp_path, f'    down: {{type: wecom, url: "{down.url()}?key=abc123456"}}\n'
                                     f'    ding: {{type: dingtalk, url: "{ding.url()}?access_token=tok9876"}}\n'
                                     f'    hook: {{type: webhook, url: "{hook.url()}"}}\n')
        out = cli(db, "brief", "--send", "down,ding,hook", "--config", str(cfg))
        delivered = hook.bodies()
    assert out.returncode == 1
    errors = out.stderr.splitlines()
    assert errors == [f"error: channel down (wecom http://127.0.0.1:{down.port}/***) failed: HTTP 500: busy "
                      "(after 2 attempts)",
                      f"error: channel ding (dingtalk http://127.0.0.1:{ding.port}/***) failed: errcode 310000: "
                      "keywords not in content"]
    assert len(down.requests) == 2, "a 5xx is tried again (retries: 1)"
    assert len(delivered) == 1 and delivered[0]["report"]["meta"]["date"] == LAST_DAY
    assert out.stdout.startswith("channel hook (webhook http://127.0.0.1:")


def test_without_chromium_the_mail_goes_without_the_pdf(db: Path, tmp_path: Path) -> None:
    with smtp_server() as box:
        cfg = write_config(tmp_path, mail_line(box.port))
        out = cli(db, "brief", "--send", "mail", "--config", str(cfg),
                  env={"SHOPLENS_CHROMIUM": str(tmp_path / "no-chromium")})
        mails = list(box.mails)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].startswith("note: sent without the PDF attachment: pdf: --format pdf needs "
                                                 "Chromium")
    msg = mails[0]["message"]
    assert [p.get_content_type() for p in msg.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert sql(db, "SELECT status, note IS NOT NULL FROM report_deliveries") == [("sent", True)]


def test_unknown_channel_is_one_line_and_exit_2(db: Path, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, '    hook: {type: webhook, url: "http://127.0.0.1:9/hook"}\n')
    out = cli(db, "brief", "--send", "hok", "--config", str(cfg))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "error: --send: unknown channel 'hok' (hint: did you mean hook?)"
    zh = cli(db, "brief", "--send", "hok", "--config", str(cfg), env={"SHOPLENS_LANG": "zh"})
    assert "未知渠道 'hok'" in zh.stderr


def test_schedule_brief_job_sends_once(db: Path, tmp_path: Path) -> None:
    with http_receiver(default=(200, "ok")) as hook:
        cfg = write_config(tmp_path, f'    hook: {{type: webhook, url: "{hook.url()}"}}\n',
                           "schedule:\n  morning: {cron: \"0 9 * * *\", run: brief, timezone: Asia/Shanghai, "
                           "channels: [hook], lang: en}\n")
        first = cli(db, "schedule", "run", "--once", "--now", NOW, "--config", str(cfg))
        second = cli(db, "schedule", "run", "--once", "--now", "2026-11-17T09:00+08:00", "--config", str(cfg))
        bodies = hook.bodies()
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (f"job morning (brief, due {NOW}): ok: brief demo {LAST_DAY}: sent 1, "
                                    "already sent 0, failed 0")
    assert bodies[0]["title"] == f"shoplens Daily brief · demo · {LAST_DAY}"
    assert second.returncode == 0 and "already sent 1" in second.stdout, "the next morning: no newer complete day"
    assert len(bodies) == 1
    assert sql(db, "SELECT job, status FROM schedule_runs ORDER BY due") == [("morning", "ok"), ("morning", "ok")]
