"""The action log over the real API server (tests/api_server.py: demo + "other", logins root/ana/vic/olga): roles
(a viewer reads, an analyst logs and removes), the login's stores, and the effect equal to the Python API's."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import shoplens
from api_server import ApiServer

BODY = {"title": "payment page fix", "metric": "conversion_rate", "scope": "channel=paid_search",
        "date": "2026-10-24", "recommendation": "rec-1", "note": "after the alert"}


def test_log_list_effect_remove_over_http(two_store_api: ApiServer, demo_db: Path, tmp_path: Path) -> None:
    srv = two_store_api
    vic, ana, olga = srv.client("vic"), srv.client("ana"), srv.client("olga")
    assert vic.post("/api/v1/actions", json=BODY).status_code == 403  # a viewer may not log
    r = ana.post("/api/v1/actions", json=BODY)
    assert r.status_code == 201, r.text
    logged = r.json()
    assert logged["store"] == "demo" and logged["created_by"] == "ana" and logged["scope"] == {"channel":
                                                                                              "paid_search"}
    assert logged["recommendation"] == "rec-1" and logged["status"] == "active"
    assert [x for x in vic.get("/api/v1/actions").json()["actions"] if x["id"] == logged["id"]] == [logged]
    assert olga.get("/api/v1/actions").json()["actions"] == []  # another store's login sees none
    effect = vic.get(f"/api/v1/actions/{logged['id']}/effect", params={"days": 3})
    assert effect.status_code == 200, effect.text
    got = effect.json()
    # the same answer as the Python API on a copy of the demo store
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    with shoplens.connect(str(copy)) as wh:
        a = shoplens.action_add(wh, title=BODY["title"], metric="conversion_rate", scope="channel=paid_search",
                                day=date(2026, 10, 24))
        local = shoplens.action_effect(wh, a["id"], days=3).to_dict()
    for key in ("effect", "daily", "windows", "comparison", "metric"):
        assert got[key] == local[key], key
    assert got["effect"]["high"] < 0 and got["sentence"]["en"] and got["sentence"]["zh"]
    assert olga.get(f"/api/v1/actions/{logged['id']}/effect").status_code == 404
    assert olga.delete(f"/api/v1/actions/{logged['id']}").status_code == 404
    assert vic.delete(f"/api/v1/actions/{logged['id']}").status_code == 403
    removed = ana.delete(f"/api/v1/actions/{logged['id']}")
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert logged["id"] not in [x["id"] for x in vic.get("/api/v1/actions").json()["actions"]]
    assert logged["id"] in [x["id"] for x in vic.get("/api/v1/actions", params={"removed": "true"}).json()["actions"]]


def test_bad_input_is_a_clear_error(two_store_api: ApiServer) -> None:
    srv = two_store_api
    bad = srv.client("ana").post("/api/v1/actions", json={**BODY, "scope": "channel=paidsearch"})
    assert bad.status_code == 400 and "paid_search" in bad.json()["error"]["hint"] and bad.json()["error"]["zh"]
    both = srv.client("root").post("/api/v1/actions", json={**BODY, "scope": None})  # root sees two stores
    assert both.status_code == 400 and "one store" in both.json()["error"]["message"]
    ok = srv.client("root").post("/api/v1/actions", json={**BODY, "store": "demo", "date": "2026-11-10"})
    assert ok.status_code == 201
    short = srv.client("vic").get(f"/api/v1/actions/{ok.json()['id']}/effect")
    assert short.status_code == 400 and "only 5 of the 14 days after" in short.json()["error"]["message"]
    assert srv.client("vic").get("/api/v1/actions/999/effect").status_code == 404
    assert srv.client("olga").post("/api/v1/actions", json={**BODY, "store": "demo"}).status_code == 404
    assert srv.client("vic").get("/api/v1/actions/1/effect", params={"days": 1}).status_code == 422
