"""Alert delivery to a real HTTP receiver on loopback, with hand-made alerts in a real warehouse: each platform's
body as its robot docs give it, DingTalk and Feishu signatures recomputed here from the secret, retries on 5xx,
a platform error code, an unreachable robot, cooldown, digest, routes, the delivery log and "sending again is a
no-op"."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

import shoplens
from notify_servers import closed_port, http_receiver
from shoplens.analyses.notify import alerts_send, parse_notify
from shoplens.warehouse import alerts_table, deliveries_table

NAMES = {"gmv_drop": {"en": "GMV drop", "zh": "GMV 下跌"}, "cvr_low": {"en": "Conversion low", "zh": "转化率过低"}}
NOW = datetime(2026, 10, 28, 1, 0, 0)


def alert(rule: str = "gmv_drop", period: str = "2026-10-27", severity: str = "high", store: str = "s1",
          dims: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"rule": rule, "kind": "change", "metric": "gmv", "store": store, "dims": dims or {}, "period": period,
            "value": 600.0, "reference": 1000.0, "change": -0.4, "severity": severity,
            "message": {"en": f"GMV 600 vs 1,000 ({period})", "zh": f"GMV 600，对比 1,000（{period}）"},
            "root_cause": {"summary": {"en": "paid_search payment fell", "zh": "付费搜索支付下降"}}, **extra}


def warehouse(tmp_path: Path, *alerts: dict[str, Any]) -> Path:
    path = tmp_path / "wh.duckdb"
    with shoplens.connect(str(path)) as wh:
        alerts_table.save_alerts(wh.con, list(alerts))
    return path


def config(channels: dict[str, Any], **top: Any) -> Any:
    return parse_notify({"channels": channels, "backoff": 0.01, **top}, "test: notify")


def send(path: Path, notify: Any, now: datetime = NOW, **kw: Any) -> Any:
    waits: list[float] = []
    with shoplens.connect(str(path)) as wh:
        out = alerts_send(wh, notify=notify, names=NAMES, now=now, sleep=waits.append, **kw)
        out.log = deliveries_table.deliveries(wh.con)
    out.waits = waits
    return out


def test_webhook_gets_the_alert_json_once(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    with http_receiver(default=(200, "thanks")) as rec:
        notify = config({"hook": {"type": "webhook", "url": rec.url(), "headers": {"X-Token": "tok-123456"}}})
        first = send(path, notify)
        again = send(path, notify, now=NOW + timedelta(days=2))
    assert len(rec.requests) == 1, "sending again is a no-op"
    body, headers = rec.requests[0]["json"], rec.requests[0]["headers"]
    with shoplens.connect(str(path)) as wh:
        stored = alerts_table.get_alert(wh.con, 1)
    assert body["alerts"] == [json.loads(json.dumps(stored))] and body["kind"] == "alerts"
    assert headers["X-Token"] == "tok-123456" and headers["Content-Type"].startswith("application/json")
    assert body["title"] == "shoplens alert · HIGH · GMV drop", "webhooks default to English"
    assert [(d["channel"], d["alert_id"], d["status"], d["attempts"]) for d in first.deliveries] == [("hook", 1, "sent",
                                                                                                       1)]
    assert first.deliveries[0]["answer"] == "thanks" and again.deliveries == []
    assert [d["status"] for d in again.log] == ["sent"]


def test_dingtalk_markdown_and_signature(tmp_path: Path) -> None:
    """sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))), timestamp in ms."""
    secret = "SECabcdef0123456789"
    path = warehouse(tmp_path, alert())
    with http_receiver() as rec:
        before = int(time.time() * 1000)
        send(path, config({"ding": {"type": "dingtalk", "url": rec.url("/robot/send?access_token=tok987654"),
                                    "secret": secret}}))
        after = int(time.time() * 1000)
    req = rec.requests[0]
    stamp = int(req["query"]["timestamp"])
    assert before <= stamp <= after and req["query"]["access_token"] == "tok987654"
    expected = base64.b64encode(hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest())
    raw_sign = req["raw_query"].split("sign=")[1]
    assert unquote_plus(raw_sign) == expected.decode(), "the sign is URL-encoded base64 of the HMAC"
    assert "+" not in raw_sign and "/" not in raw_sign and "=" not in raw_sign
    body = req["json"]
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == "shoplens 告警 · 高 · GMV 下跌", "DingTalk defaults to Chinese"
    text = body["markdown"]["text"]
    for part in ("[高] GMV 下跌", "gmv_drop", "GMV 600，对比 1,000（2026-10-27）", "归因：付费搜索支付下降", "店铺 s1"):
        assert part in text


def test_feishu_card_and_signature(tmp_path: Path) -> None:
    """timestamp (s) and sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) in the body."""
    secret = "feishu-secret-xyz"
    path = warehouse(tmp_path, alert(severity="medium"))
    with http_receiver(default=(200, '{"code": 0, "msg": "success", "data": {}}')) as rec:
        before = int(time.time())
        out = send(path, config({"fs": {"type": "feishu", "url": rec.url("/open-apis/bot/v2/hook/abcdef123"),
                                        "secret": secret, "lang": "en"}}))
        after = int(time.time())
    body = rec.requests[0]["json"]
    stamp = int(body["timestamp"])
    assert before <= stamp <= after and isinstance(body["timestamp"], str)
    expected = base64.b64encode(hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"] == {"tag": "plain_text", "content": "shoplens alert · MEDIUM · GMV drop"}
    assert card["header"]["template"] == "orange"
    content = card["elements"][0]["text"]
    assert content["tag"] == "lark_md" and "Why: paid_search payment fell" in content["content"]
    assert out.deliveries[0]["status"] == "sent"


def test_wecom_and_slack_shapes(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    with http_receiver() as wecom, http_receiver(default=(200, "ok")) as slack:
        out = send(path, config({"wx": {"type": "wecom", "url": wecom.url("/cgi-bin/webhook/send?key=abc123456")},
                                 "sl": {"type": "slack", "url": slack.url("/services/T0/B0/XYZ123456")}}))
    wx = wecom.requests[0]["json"]
    assert wx["msgtype"] == "markdown" and list(wx["markdown"]) == ["content"]
    assert wx["markdown"]["content"].startswith("### shoplens 告警 · 高 · GMV 下跌")
    sl = slack.requests[0]["json"]
    assert sl["text"] == "shoplens alert · HIGH · GMV drop"
    assert sl["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": sl["text"]}}
    section = sl["blocks"][1]["text"]
    assert section["type"] == "mrkdwn" and section["text"].startswith("*[HIGH] GMV drop*")
    assert sorted(d["status"] for d in out.deliveries) == ["sent", "sent"]


def test_retry_on_500_then_success_with_backoff(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    with http_receiver((500, "busy"), (502, "bad gateway")) as rec:
        out = send(path, config({"hook": {"type": "webhook", "url": rec.url()}}, retries=3, backoff=0.5))
    assert len(rec.requests) == 3 and out.waits == [0.5, 1.0]
    assert (out.deliveries[0]["status"], out.deliveries[0]["attempts"]) == ("sent", 3) and not out.failed


def test_platform_error_fails_without_retry_others_deliver_next_run_sends(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    with http_receiver((200, '{"errcode": 310000, "errmsg": "sign not match"}')) as ding, http_receiver() as hook:
        notify = config({"ding": {"type": "dingtalk", "url": ding.url("/robot/send?access_token=tok"),
                                  "secret": "SECsecretvalue"}, "hook": {"type": "webhook", "url": hook.url()}})
        first = send(path, notify)
        second = send(path, notify, now=NOW + timedelta(minutes=5))
        third = send(path, notify, now=NOW + timedelta(minutes=10))
    assert first.failed == {"ding": "errcode 310000: sign not match"}, "the platform's own words"
    assert len(ding.requests) == 2 and len(hook.requests) == 1, "no retry of an error code; the webhook delivered"
    assert {(d["channel"], d["status"], d["attempts"]) for d in first.deliveries} == {("ding", "failed", 1),
                                                                                      ("hook", "sent", 1)}
    assert [(d["channel"], d["status"]) for d in second.deliveries] == [("ding", "sent")] and third.deliveries == []


def test_unreachable_robot_fails_after_retries_and_the_next_run_delivers(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    port = closed_port()
    out = send(path, config({"hook": {"type": "webhook", "url": f"http://127.0.0.1:{port}/hook?token=hidden-tok",
                                      "timeout": 2}}, retries=2, backoff=0.25))
    assert out.waits == [0.25, 0.5] and out.deliveries[0]["attempts"] == 3
    assert out.failed["hook"].startswith(f"cannot reach 127.0.0.1:{port}") and "after 3 attempts" in out.failed["hook"]
    assert "hidden-tok" not in json.dumps(out.to_dict())
    with http_receiver() as rec:
        later = send(path, config({"hook": {"type": "webhook", "url": rec.url()}}), now=NOW + timedelta(hours=1))
    assert [d["status"] for d in later.deliveries] == ["sent"] and len(rec.requests) == 1
    assert [d["status"] for d in later.log] == ["failed", "sent"]


def test_secrets_in_an_answer_are_masked(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    with http_receiver((400, '{"errcode": 300001, "errmsg": "token tok-SECRET-1 is invalid"}')) as rec:
        url = rec.url("/robot/send?access_token=tok-SECRET-1")
        out = send(path, config({"ding": {"type": "dingtalk", "url": url}}))
    assert out.failed == {"ding": "errcode 300001: token *** is invalid"}


def test_cooldown_per_rule_and_scope(tmp_path: Path) -> None:
    """Same rule + scope on two days in one run: the newest goes, the older is skipped; a later alert of that scope
    inside 6 h is skipped, after 6 h it goes; another scope (channel=social) is not held back."""
    path = warehouse(tmp_path, alert(period="2026-10-26"), alert(period="2026-10-27"),
                     alert(period="2026-10-27", dims={"channel": "social"}))
    with http_receiver() as rec:
        notify = config({"hook": {"type": "webhook", "url": rec.url()}})
        first = send(path, notify)
        with shoplens.connect(str(path)) as wh:
            alerts_table.save_alerts(wh.con, [alert(period="2026-10-28")])
        inside = send(path, notify, now=NOW + timedelta(hours=5, minutes=59))
        with shoplens.connect(str(path)) as wh:
            alerts_table.save_alerts(wh.con, [alert(period="2026-10-29")])
        after = send(path, notify, now=NOW + timedelta(hours=6))
    status = {d["alert_id"]: d["status"] for d in first.deliveries}
    assert status == {2: "sent", 1: "skipped_cooldown", 3: "sent"}
    assert [(d["alert_id"], d["status"]) for d in inside.deliveries] == [(4, "skipped_cooldown")]
    assert [(d["alert_id"], d["status"]) for d in after.deliveries] == [(5, "sent")]
    assert [b["alerts"][0]["id"] for b in rec.bodies()] == [2, 3, 5]


def test_digest_over_five_alerts_and_not_at_five(tmp_path: Path) -> None:
    five = [alert(dims={"channel": f"c{i}"}) for i in range(5)]
    path = warehouse(tmp_path, *five)
    with http_receiver() as rec:
        out = send(path, config({"hook": {"type": "webhook", "url": rec.url()}}))
    assert len(rec.requests) == 5 and not any(d["digest"] for d in out.deliveries)
    (tmp_path / "six").mkdir()
    path6 = warehouse(tmp_path / "six", *five, alert(dims={"channel": "c5"}))
    with http_receiver() as rec6:
        out6 = send(path6, config({"hook": {"type": "webhook", "url": rec6.url()},
                                   "ding": {"type": "dingtalk", "url": rec6.url("/ding")}}))
    hook = [r for r in rec6.requests if r["path"] == "/hook"]
    ding = [r for r in rec6.requests if r["path"] == "/ding"]
    assert len(hook) == 1 and sorted(a["id"] for a in hook[0]["json"]["alerts"]) == [1, 2, 3, 4, 5, 6]
    assert len(ding) == 1 and ding[0]["json"]["markdown"]["title"] == "shoplens · 6 条告警"
    assert ding[0]["json"]["markdown"]["text"].count("GMV 下跌") == 6
    assert len(out6.deliveries) == 12 and all(d["digest"] and d["status"] == "sent" for d in out6.deliveries)


def test_routes_pick_alerts_by_rule_severity_and_store(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert(), alert(rule="cvr_low", severity="low"), alert(store="s2", severity="medium"))
    with http_receiver() as rec:
        notify = config({"urgent": {"type": "webhook", "url": rec.url("/urgent")},
                         "s2": {"type": "webhook", "url": rec.url("/s2")},
                         "cvr": {"type": "webhook", "url": rec.url("/cvr")}},
                        routes=[{"channels": ["urgent"], "min_severity": "medium"},
                                {"channels": ["s2"], "stores": ["s2"]}, {"channels": ["cvr"], "rules": ["cvr_low"]}])
        out = send(path, notify)
    got = sorted((d["channel"], d["alert_id"]) for d in out.deliveries)
    assert got == [("cvr", 2), ("s2", 3), ("urgent", 1), ("urgent", 3)]


def test_date_and_store_pick_and_only_open_alerts_go(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert(period="2026-10-26"), alert(period="2026-10-27", dims={"c": "x"}),
                     alert(period="2026-10-27", store="s2"))
    with shoplens.connect(str(path)) as wh:
        alerts_table.set_status(wh.con, 3, "resolved", None)
        wh.con.execute("INSERT INTO stores (store_id, name, platform, reporting_currency, timezone) VALUES "
                       "('s1', 's1', 'other', 'CNY', 'Asia/Shanghai'), ('s2', 's2', 'other', 'CNY', 'Asia/Shanghai')")
    with http_receiver() as rec:
        out = send(path, config({"hook": {"type": "webhook", "url": rec.url()}}),
                   day=datetime(2026, 10, 27).date(), store="s1")
    assert [d["alert_id"] for d in out.deliveries] == [2]


@pytest.mark.parametrize("answer", ['{"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}',
                                    '{"StatusCode": 9499, "StatusMessage": "Bad Request"}'])
def test_feishu_error_codes(tmp_path: Path, answer: str) -> None:
    path = warehouse(tmp_path, alert())
    with http_receiver(default=(200, answer)) as rec:
        out = send(path, config({"fs": {"type": "feishu", "url": rec.url()}}))
    code = json.loads(answer)
    key = "code" if "code" in code else "StatusCode"
    assert out.failed["fs"].startswith(f"{key} {code[key]}: ") and len(rec.requests) == 1


def test_a_wecom_digest_stays_under_the_robot_s_4096_bytes(tmp_path: Path) -> None:
    path = warehouse(tmp_path, *[alert(dims={"channel": f"c{i:02d}"}) for i in range(40)])
    with http_receiver() as rec:
        out = send(path, config({"wx": {"type": "wecom", "url": rec.url()}}))
    content = rec.requests[0]["json"]["markdown"]["content"]
    shown = content.count("[高] GMV 下跌")
    assert len(rec.requests) == 1 and len(content.encode()) <= 4096 and 0 < shown < 40
    assert content.endswith(f"……另有 {40 - shown} 条") and content.startswith("### shoplens · 40 条告警")
    assert len(out.deliveries) == 40 and all(d["status"] == "sent" for d in out.deliveries)


def test_the_robot_keyword_is_in_the_title_and_text(tmp_path: Path) -> None:
    """A DingTalk/Feishu robot with a custom keyword drops messages without it."""
    path = warehouse(tmp_path, alert())
    with http_receiver() as rec, http_receiver(default=(200, '{"code": 0}')) as fs:
        send(path, config({"ding": {"type": "dingtalk", "url": rec.url(), "keyword": "运营监控"},
                           "fs": {"type": "feishu", "url": fs.url(), "keyword": "告警"}}))
    md = rec.requests[0]["json"]["markdown"]
    assert md["title"] == "运营监控 shoplens 告警 · 高 · GMV 下跌" and "运营监控" in md["text"]
    title = fs.requests[0]["json"]["card"]["header"]["title"]["content"]
    assert title == "shoplens 告警 · 高 · GMV 下跌", "the keyword is already there: not added twice"


def test_top_level_python_api_reads_the_config_file(tmp_path: Path) -> None:
    """`shoplens.alerts_send(wh, config=FILE)` and `shoplens.notify_test(CHANNEL, FILE)`: the same delivery as the
    CLI, from the `notify:` section of a config file."""
    path = warehouse(tmp_path, alert())
    with http_receiver(default=(200, "ok")) as rec:
        cfg = tmp_path / "shoplens.yaml"
        cfg.write_text(f"notify:\n  backoff: 0.01\n  channels:\n    hook: {{type: webhook, url: '{rec.url()}'}}\n",
                       encoding="utf-8")
        with shoplens.connect(str(path)) as wh:
            first = shoplens.alerts_send(wh, config=cfg, now=NOW)
            again = shoplens.alerts_send(wh, config=cfg, now=NOW)
        where, outcome = shoplens.notify_test("hook", cfg)
    assert [(d["channel"], d["alert_id"], d["status"]) for d in first.deliveries] == [("hook", 1, "sent")]
    assert again.deliveries == [] and len(rec.requests) == 2  # the alert once, then the test message
    assert rec.requests[1]["json"]["kind"] == "test" and rec.requests[1]["json"]["alerts"] == []
    assert outcome.ok and outcome.answer == "ok" and where.startswith("webhook")
