"""`POST /api/v1/alerts/send` and `GET /api/v1/deliveries` on the real server over demo + "other".

Two channels: ``hook`` (a loopback receiver; its URL carries a token that must never come back) and ``dead`` (a
closed port: every attempt fails and is tried again by the next send). A configured rule fires one alert in
"other" (its GMV on its last day is above 0). The sends run once, in this order: a
viewer (403), the analyst of demo twice, then the admin of every store. What the log must hold is counted from
that order and from what the receiver got, not from the server's own answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from api_server import ApiServer, two_store_db
from notify_servers import closed_port, http_receiver

TOKEN = "SECRET-TOKEN-42"


@pytest.fixture(scope="module")
def world(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("api_deliveries")
    db = two_store_db(demo_db, tmp)
    with http_receiver() as hook:
        cfg = tmp / "shoplens.yaml"
        cfg.write_text("alerts:\n  other_sells: {kind: threshold, metric: gmv, scope: {store: other}, above: 0}\n"
                       f'notify:\n  retries: 0\n  digest_over: 1000\n  channels:\n'
                       f'    hook: {{type: webhook, url: "{hook.url()}?access_token={TOKEN}", timeout: 5}}\n'
                       f'    dead: {{type: webhook, url: "http://127.0.0.1:{closed_port()}/x", timeout: 2}}\n',
                       encoding="utf-8")
        srv = ApiServer(db, env={"SHOPLENS_CONFIG": str(cfg), "SHOPLENS_LANG": "en"})
        try:
            root, ana, vic, olga = (srv.client(u) for u in ("root", "ana", "vic", "olga"))
            checked = root.post("/api/v1/alerts/check")
            assert checked.status_code == 200, checked.text
            alerts = {s: [a["id"] for a in root.get("/api/v1/alerts", params={"store": s, "status": "open"}).json()
                          ["alerts"]] for s in ("demo", "other")}
            viewer = vic.post("/api/v1/alerts/send")
            first = ana.post("/api/v1/alerts/send")
            after_ana = [a["id"] for b in hook.bodies() for a in b["alerts"]]
            second = ana.post("/api/v1/alerts/send")
            third = root.post("/api/v1/alerts/send")
            yield {"clients": {"root": root, "ana": ana, "olga": olga}, "alerts": alerts, "viewer": viewer,
                   "sends": [first, second, third], "after_ana": after_ana,
                   "received": [a["id"] for b in hook.bodies() for a in b["alerts"]], "hook": hook}
        finally:
            srv.stop()


def deliveries(client: Any, **params: Any) -> dict[str, Any]:
    r = client.get("/api/v1/deliveries", params={"limit": 0, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_viewer_may_not_send(world: dict[str, Any]) -> None:
    r = world["viewer"]
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "this needs the analyst role (you are viewer)"
    assert r.json()["error"]["zh"] == "需要 analyst 角色（当前为 viewer）"


def test_send_delivers_the_logins_stores_once(world: dict[str, Any]) -> None:
    demo, other = world["alerts"]["demo"], world["alerts"]["other"]
    assert demo, "the demo store's last complete day fires alerts"
    assert len(other) == 1  # the configured rule on other's last day (GMV 350 > 0)
    assert sorted(world["after_ana"]) == sorted(demo)  # the analyst of demo sent demo's alerts only
    assert sorted(world["received"]) == sorted(demo + other)  # each alert reached the hook once in all
    first, second, third = (r.json() for r in world["sends"])
    assert first["counts"] == {"sent": len(demo), "failed": len(demo), "skipped_cooldown": 0}
    assert second["counts"] == {"sent": 0, "failed": len(demo), "skipped_cooldown": 0}  # only dead again
    assert third["counts"] == {"sent": len(other), "failed": len(demo) + len(other), "skipped_cooldown": 0}
    assert [f["channel"] for f in first["failed"]] == ["dead"]


def test_log_filters_and_paging(world: dict[str, Any]) -> None:
    n, m = len(world["alerts"]["demo"]), len(world["alerts"]["other"])
    root = world["clients"]["root"]
    everything = deliveries(root)
    rows = everything["deliveries"]
    assert everything["total"] == len(rows) == 4 * n + 2 * m  # send 1: 2n, send 2: n, send 3: n + 2m
    assert deliveries(root, status="sent")["total"] == n + m
    assert deliveries(root, status="failed")["total"] == 3 * n + m
    assert {r["channel"] for r in deliveries(root, channel="hook")["deliveries"]} == {"hook"}
    assert deliveries(root, channel="nope")["total"] == 0
    one = world["alerts"]["demo"][0]
    assert sorted(r["status"] for r in deliveries(root, alert=one)["deliveries"]) == ["failed"] * 3 + ["sent"]
    today = datetime.now(UTC).date()
    assert deliveries(root, date=today.isoformat())["total"] + deliveries(
        root, date=(today - timedelta(days=1)).isoformat())["total"] == len(rows)  # (a run across midnight)
    assert deliveries(root, date="2020-01-01")["total"] == 0
    page = root.get("/api/v1/deliveries", params={"limit": 3, "offset": 2}).json()
    assert page["deliveries"] == rows[2:5] and page["total"] == len(rows)
    assert [r["at"] for r in rows] == sorted((r["at"] for r in rows), reverse=True)  # newest first
    sent = [r for r in rows if r["status"] == "sent"]
    assert {r["answer"] for r in sent} == {'{"errcode": 0, "errmsg": "ok"}'}
    assert {r["store"] for r in rows} == {"demo", "other"} if m else {"demo"}


def test_log_is_cut_to_the_logins_stores(world: dict[str, Any]) -> None:
    n, m = len(world["alerts"]["demo"]), len(world["alerts"]["other"])
    ana, olga = world["clients"]["ana"], world["clients"]["olga"]
    assert deliveries(ana)["total"] == 4 * n and {r["store"] for r in deliveries(ana)["deliveries"]} == {"demo"}
    assert deliveries(olga)["total"] == 2 * m
    hidden = olga.get("/api/v1/deliveries", params={"store": "demo"})
    assert hidden.status_code == 404 and hidden.json()["error"]["zh"] == "未知店铺 'demo'"
    assert deliveries(olga, alert=world["alerts"]["demo"][0])["total"] == 0


def test_no_secret_comes_back(world: dict[str, Any]) -> None:
    root = world["clients"]["root"]
    texts = [r.text for r in world["sends"]] + [root.get("/api/v1/deliveries").text,
                                                root.get("/api/v1/schedule").text]
    assert all(TOKEN not in t for t in texts)
    assert all(r["query"]["access_token"] == TOKEN for r in world["hook"].requests)  # it was used, not shown


def test_bad_filters_are_bilingual(world: dict[str, Any]) -> None:
    root = world["clients"]["root"]
    for params in ({"status": "lost"}, {"limit": -1}, {"date": "2026-13-01"}, {"alert": 0}):
        r = root.get("/api/v1/deliveries", params=params)
        assert r.status_code == 422, (params, r.text)
        error = r.json()["error"]
        assert error["message"] and error["zh"] and error["message"] != error["zh"]


def test_schedule_without_jobs(world: dict[str, Any]) -> None:
    assert world["clients"]["ana"].get("/api/v1/schedule").json() == {"running": False, "jobs": []}


def test_send_to_a_hidden_store_is_a_missing_store(world: dict[str, Any]) -> None:
    root = world["clients"]["root"]
    before = deliveries(root)["total"]
    r = world["clients"]["olga"].post("/api/v1/alerts/send", params={"store": "demo"})
    assert r.status_code == 404 and r.json()["error"]["message"] == "unknown store 'demo'"
    assert deliveries(root)["total"] == before  # nothing was tried
