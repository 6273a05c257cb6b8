"""Sending a report through notify channels (``send_report``), in process, to a real HTTP receiver on loopback: the
demo store's daily brief in each robot's message shape (DingTalk and Feishu signatures recomputed here from the
secret), the generic webhook's JSON, the cut at a section boundary for each platform's size, "sent once unless
force", and a failing channel that leaves the others delivered. The GMV in the message is recounted in plain SQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import duckdb
import pytest

import shoplens
from demo_sql import LOCAL, PAID
from notify_servers import closed_port, http_receiver
from shoplens.analyses.notify import parse_notify
from shoplens.analyses.notify.reports import LIMITS, send_report
from shoplens.analyses.reports import Ranked, RankedSection, Report
from shoplens.analyses.schedule.config import parse_schedule
from shoplens.errors import ShoplensError
from shoplens.warehouse.report_deliveries_table import report_deliveries

DAY = date(2026, 10, 26)
NOW = datetime(2026, 10, 27, 1, 0)
TITLE_ZH = "shoplens 运营日报 · demo · 2026-10-26"
TITLE_EN = "shoplens Daily brief · demo · 2026-10-26"


@pytest.fixture(scope="module")
def report(demo_db: Path) -> Report:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        return shoplens.brief(wh, day=DAY, store="demo")


@pytest.fixture
def wh_path(tmp_path: Path) -> Path:
    """A fresh warehouse: only its report_deliveries log is used."""
    return tmp_path / "log.duckdb"


def config(channels: dict[str, Any], **top: Any) -> Any:
    return parse_notify({"channels": channels, "backoff": 0.01, **top}, "test: notify")


def send(path: Path, report: Report, names: list[str], notify: Any, **kw: Any) -> Any:
    waits: list[float] = []
    with shoplens.connect(str(path)) as wh:
        out = send_report(wh, report, names, notify, now=NOW, sleep=waits.append, **kw)
        out.log = report_deliveries(wh.con)
    out.waits = waits
    return out


def body_of(md: str) -> str:
    """The markdown renderer's output without its "# title" line (the title goes in the message's title)."""
    first, _, rest = md.partition("\n")
    assert first.startswith("# ")
    return rest.strip("\n")


def sql_gmv(demo_db: Path) -> float:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        paid_day = LOCAL.format(ts="coalesce(paid_ts, created_ts)")
        return float(con.execute(f"SELECT sum(gross_amount_rc) FROM orders WHERE store_id = 'demo' AND {PAID} AND "
                                 f"{paid_day} = ?", [DAY]).fetchone()[0])


def test_dingtalk_gets_the_markdown_signed(report: Report, wh_path: Path, demo_db: Path) -> None:
    secret = "SECabcdef0123456789"
    with http_receiver() as rec:
        before = int(time.time() * 1000)
        out = send(wh_path, report, ["ding"], config({"ding": {"type": "dingtalk", "secret": secret,
                                                               "url": rec.url("/robot/send?access_token=tok9876")}}))
        after = int(time.time() * 1000)
    req = rec.requests[0]
    stamp = int(req["query"]["timestamp"])
    expected = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest())
    assert before <= stamp <= after and unquote_plus(req["raw_query"].split("sign=")[1]) == expected.decode()
    md = req["json"]["markdown"]
    assert req["json"]["msgtype"] == "markdown" and md["title"] == TITLE_ZH, "DingTalk defaults to Chinese"
    assert md["text"] == f"#### {TITLE_ZH}\n\n{body_of(report.render('markdown', 'zh'))}", "the whole brief fits"
    gmv = sql_gmv(demo_db)
    assert f"成交总额 GMV: **¥{round(gmv):,}**" in md["text"], "the day's GMV as plain SQL counts it"
    assert [(d["channel"], d["status"], d["attempts"]) for d in out.deliveries] == [("ding", "sent", 1)]
    assert [(r["kind"], r["store"], r["period"], r["channel"], r["lang"], r["status"]) for r in out.log] == [
        ("brief", "demo", "2026-10-26", "ding", "zh", "sent")]


def test_feishu_card_signed_without_headings(report: Report, wh_path: Path) -> None:
    secret = "feishu-secret-xyz"
    with http_receiver(default=(200, '{"code": 0, "msg": "success", "data": {}}')) as rec:
        out = send(wh_path, report, ["fs"], config({"fs": {"type": "feishu", "secret": secret,
                                                           "url": rec.url("/open-apis/bot/v2/hook/abcdef123")}}),
                   lang="en")
    body = rec.requests[0]["json"]
    stamp = int(body["timestamp"])
    assert body["sign"] == base64.b64encode(hmac.new(f"{stamp}\n{secret}".encode(), b"",
                                                     hashlib.sha256).digest()).decode()
    card = body["card"]
    assert body["msg_type"] == "interactive" and card["header"]["title"]["content"] == TITLE_EN, "lang= wins"
    content = card["elements"][0]["text"]["content"]
    assert not re.search(r"^#", content, re.M), "lark_md has no headings: section titles are bold lines"
    assert "**Core KPIs**" in content and "**Stock risks**" in content
    assert out.deliveries[0]["lang"] == "en" and out.deliveries[0]["status"] == "sent"


def test_wecom_slack_and_webhook_shapes(report: Report, wh_path: Path) -> None:
    with http_receiver() as wecom, http_receiver(default=(200, "ok")) as slack, \
            http_receiver(default=(200, "thanks")) as hook:
        out = send(wh_path, report, ["wx", "sl", "hook"], config({
            "wx": {"type": "wecom", "url": wecom.url("/cgi-bin/webhook/send?key=abc123456")},
            "sl": {"type": "slack", "url": slack.url("/services/T0/B0/XYZ123456")},
            "hook": {"type": "webhook", "url": hook.url(), "headers": {"X-Token": "tok-123456"}}}))
    wx = wecom.requests[0]["json"]
    assert wx["msgtype"] == "markdown" and list(wx["markdown"]) == ["content"]
    content = wx["markdown"]["content"]
    assert content.startswith(f"### {TITLE_ZH}\n\n> 店铺 demo") and len(content.encode()) <= 4096
    sl = slack.requests[0]["json"]
    assert sl["text"] == TITLE_EN and sl["blocks"][0] == {"type": "header",
                                                          "text": {"type": "plain_text", "text": TITLE_EN}}
    sections = [b["text"] for b in sl["blocks"][1:]]
    assert all(s["type"] == "mrkdwn" and len(s["text"]) <= 3000 and "**" not in s["text"] for s in sections)
    assert sections[1]["text"].startswith("*Core KPIs*\n- GMV: *"), "mrkdwn bolds with one star"
    assert len(sections) == len(body_of(report.render("markdown", "en")).split("\n## ")), "one block per section"
    wh = hook.requests[0]
    assert wh["headers"]["X-Token"] == "tok-123456"
    assert set(wh["json"]) == {"source", "kind", "title", "text", "report"} and wh["json"]["kind"] == "brief"
    assert wh["json"]["report"] == json.loads(json.dumps(report.to_dict())), "the numbers for machines"
    assert wh["json"]["text"] == body_of(report.render("markdown", "en"))
    assert sorted(d["status"] for d in out.deliveries) == ["sent"] * 3


def big_report(n: int = 60) -> Report:
    """A report far over every robot's size: n sections of 5 long lines each."""
    sections = [RankedSection({"en": f"Section {i}", "zh": f"第 {i} 节"},
                              [Ranked({"en": f"item {i}.{j} " + "x" * 80, "zh": f"商品 {i}.{j} " + "长" * 40}, 1.0,
                                      "count") for j in range(5)]) for i in range(n)]
    return Report("brief", {"en": "Daily brief", "zh": "运营日报"}, {"en": "store s1", "zh": "店铺 s1"}, sections,
                  {"store": "s1", "date": "2026-10-27"})


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "wecom", "slack"])
def test_a_long_report_is_cut_at_a_section_boundary(kind: str, wh_path: Path) -> None:
    report = big_report()
    full = body_of(report.render("markdown", "zh"))
    answer = '{"code": 0}' if kind == "feishu" else ("ok" if kind == "slack" else '{"errcode": 0}')
    with http_receiver(default=(200, answer)) as rec:
        send(wh_path, report, ["r"], config({"r": {"type": kind, "url": rec.url("/x?key=abcd1234"), "lang": "zh"}}))
    body = rec.requests[0]["json"]
    tail = "……完整报告：shoplens brief --store s1 --date 2026-10-27"
    if kind == "slack":
        texts = [b["text"]["text"] for b in body["blocks"][1:]]
        assert len(body["blocks"]) == 50 and texts[-1] == tail
        shown = [t.replace("*", "") for t in texts[:-1]]
        assert shown == [p.replace("**", "").replace("## ", "") for p in full.split("\n\n")[:len(shown)]]
        return
    text = {"dingtalk": lambda b: b["markdown"]["text"], "wecom": lambda b: b["markdown"]["content"],
            "feishu": lambda b: b["card"]["elements"][0]["text"]["content"]}[kind](body)
    assert text.endswith(f"\n\n{tail}")
    kept = text[:-len(tail)].rstrip("\n")
    if kind != "feishu":
        kept = kept.split("\n\n", 1)[1]  # the heading line with the title
        assert len(text.encode()) <= LIMITS[kind] <= {"dingtalk": 20000, "wecom": 4096}[kind]
    else:
        assert len(rec.requests[0]["raw"]) <= 20 * 1024, "Feishu takes a request body of 20 KB"
        full = full.replace("## ", "**").replace("节\n", "节**\n")
    assert full.startswith(kept) and full[len(kept):].startswith("\n\n"), "whole sections only"
    assert kept.count("\n\n") >= 3, "as many sections as fit, not a few"


def test_second_send_is_a_no_op_and_force_sends_again(report: Report, wh_path: Path) -> None:
    with http_receiver(default=(200, "thanks")) as rec:
        notify = config({"hook": {"type": "webhook", "url": rec.url()}})
        first = send(wh_path, report, ["hook"], notify)
        again = send(wh_path, report, ["hook"], notify)
        forced = send(wh_path, report, ["hook"], notify, force=True)
    assert len(rec.requests) == 2
    assert [d["status"] for d in (*first.deliveries, *again.deliveries, *forced.deliveries)] == [
        "sent", "already_sent", "sent"]
    assert [r["status"] for r in forced.log] == ["sent", "sent"], "an already-sent report writes no row"


def test_failing_channels_leave_the_others_delivered(report: Report, wh_path: Path) -> None:
    with http_receiver(default=(500, "busy")) as down, \
            http_receiver(default=(200, '{"errcode": 310000, "errmsg": "keywords not in content"}')) as ding, \
            http_receiver(default=(200, "thanks")) as hook:
        notify = config({"down": {"type": "webhook", "url": down.url()},
                         "ding": {"type": "dingtalk", "url": ding.url("/robot/send?access_token=tok9876")},
                         "gone": {"type": "webhook", "url": f"http://127.0.0.1:{closed_port()}/hook"},
                         "hook": {"type": "webhook", "url": hook.url()}}, retries=2)
        out = send(wh_path, report, ["down", "ding", "gone", "hook"], notify)
        retry = send(wh_path, report, ["down", "ding", "gone", "hook"], notify)
    assert len(down.requests) == 3 * 2 and len(ding.requests) == 2 and len(hook.requests) == 1
    assert out.failed["down"] == "HTTP 500: busy (after 3 attempts)"
    assert out.failed["ding"] == "errcode 310000: keywords not in content", "the platform's own code and words"
    assert out.failed["gone"].startswith("cannot reach 127.0.0.1:") and "after 3 attempts" in out.failed["gone"]
    assert out.waits == [0.01, 0.02] * 2, "backoff doubles, per channel"
    assert [d["status"] for d in retry.deliveries] == ["failed", "failed", "failed", "already_sent"], \
        "failed channels are tried again next time, the delivered one is not"
    assert "tok9876" not in json.dumps(out.to_dict())


def test_unknown_channel_sends_nothing(report: Report, wh_path: Path) -> None:
    with http_receiver() as rec:
        notify = config({"mail_ops": {"type": "webhook", "url": rec.url()}})
        with pytest.raises(ShoplensError) as err:
            send(wh_path, report, ["mail_ops", "mail_opz"], notify)
    assert rec.requests == []
    assert err.value.render("en") == "--send: unknown channel 'mail_opz' (hint: did you mean mail_ops?)"
    assert err.value.render("zh").startswith("--send: 未知渠道 'mail_opz'")


@pytest.mark.parametrize(("job", "where", "words"), [
    ({"cron": "0 9 * * *", "run": "brief", "channels": ["opz"]}, "s.j.channels[0]", "unknown channel 'opz'"),
    ({"cron": "0 9 * * *", "run": "brief"}, "s.j.channels", "a brief job needs channels"),
    ({"cron": "0 9 * * *", "run": "alerts", "channels": ["ops"]}, "s.j.channels", "channels is only for run: brief"),
    ({"cron": "0 9 * * *", "run": "brief", "channels": ["ops"], "lang": "fr"}, "s.j.lang", "lang 'fr' is not"),
])
def test_schedule_report_job_config(job: dict[str, Any], where: str, words: str) -> None:
    with pytest.raises(ShoplensError) as err:
        parse_schedule({"j": job}, "s", ["ops", "mail"])
    assert err.value.where == where and words in err.value.message
    ok = parse_schedule({"j": {"cron": "0 9 * * *", "run": "brief", "channels": "ops", "lang": "en"}}, "s", ["ops"])
    assert (ok[0].channels, ok[0].lang) == (("ops",), "en")
