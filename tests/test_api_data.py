"""REST API: segments (CRUD, profile, export), uploads and the quarantine, logins — on a real server.

One server per module over ``two_store_db`` (tests/api_server.py): store ``demo`` (the demo build)
and store ``other`` (ox1: view, cart, purchase + order 250; ox2: view; ox3: view, purchase + order
350). Logins: root (admin, '*'), ana (analyst, demo), vic (viewer, demo), olga (analyst, other).
The server holds the warehouse's write lock, so the expected demo numbers come from the Python API
and plain SQL on the file before it starts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import shoplens
from api_server import PASSWORD, ApiServer, two_store_db

RULE = "orders>=3"
PAID = "(paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered'))"  # docs/behaviour.md, PAID_ORDER
UPLOAD = "new events 新.csv"  # sent as this; kept (sanitised) as the name below
KEPT = "new_events_新.csv"
BAD_LINE = "n2,not-a-time,nx1,purchase,email"  # line 3 of the upload: column ts (field 2) is no time
EVENTS = ("event_id,ts,user_id,event,channel\n"
          "n1,2026-11-05T10:00:00Z,nx1,product_view,email\n"
          f"{BAD_LINE}\n"
          "n3,2026-11-05T10:02:00Z,nx2,product_view,direct\n")


@pytest.fixture(scope="module")
def env(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = two_store_db(demo_db, tmp_path_factory.mktemp("api_data"))
    with shoplens.connect(str(db), read_only=True) as wh:
        expected = {
            "members": [tuple(r) for r in shoplens.segment_members(wh, RULE, store="demo").itertuples(index=False)],
            "profile": shoplens.segment_profile(wh, RULE, store="demo", top=3).to_dict(),
            "sql_members": wh.con.execute(
                "SELECT count(*) FROM (SELECT user_id FROM orders WHERE store_id = 'demo' AND user_id IS NOT NULL"
                f" AND {PAID} GROUP BY user_id HAVING count(*) >= 3)").fetchone()[0],
            "demo_viewers": wh.con.execute("SELECT count(DISTINCT user_id) FROM events WHERE store_id = 'demo'"
                                           " AND event = 'product_view' AND user_id IS NOT NULL").fetchone()[0],
        }
    server = ApiServer(db)
    clients = {user: server.client(user) for user in ("root", "ana", "vic", "olga")}
    try:
        yield {"server": server, "db": db, "expected": expected, **clients}
    finally:
        for client in clients.values():
            client.close()
        server.stop()


def _csv(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text)))



def test_analyst_saves_a_segment_equal_to_the_python_api(env: dict[str, Any]) -> None:
    ana, expected = env["ana"], env["expected"]
    n = expected["sql_members"]
    assert len(expected["members"]) == n > 0  # the Python API agrees with plain SQL
    saved = ana.post("/api/v1/segments", json={"name": "loyal", "rule": RULE, "description": "3+ paid orders"}).json()
    assert (saved["name"], saved["rule"], saved["definition"], saved["description"], saved["created"]) == (
        "loyal", "orders>=3", {"metric": "orders", ">=": 3}, "3+ paid orders", True)
    users = expected["profile"]["users"]  # everyone of store demo only (ana may not see store other)
    assert (saved["members"], saved["users"]) == (n, users)
    assert saved["share"] == pytest.approx(n / users)

    again = ana.post("/api/v1/segments", json={"name": "loyal", "rule": RULE}).json()
    assert again["created"] is False and again["description"] == "3+ paid orders"  # kept on a re-save
    assert again["created_at"] == saved["created_at"]

    profile = ana.get("/api/v1/segments/loyal", params={"top": 3})
    assert profile.status_code == 200, profile.text
    assert profile.json() == {**expected["profile"], "name": "loyal", "description": "3+ paid orders"}
    assert [s["store_id"] for s in profile.json()["stores"]] == ["demo"]

    members = ana.get("/api/v1/segments/loyal/members", params={"format": "json"}).json()
    assert members["segment"] == "loyal"
    assert [(m["store_id"], m["user_id"]) for m in members["members"]] == expected["members"]
    download = ana.get("/api/v1/segments/loyal/members")
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="loyal.csv"' in download.headers["content-disposition"]
    assert [tuple(r) for r in _csv(download)] == [("store_id", "user_id"), *expected["members"]]
    assert "loyal" in [s["name"] for s in env["vic"].get("/api/v1/segments").json()["segments"]]


def test_segment_sizes_in_the_other_store_are_hand_counted(env: dict[str, Any]) -> None:
    olga = env["olga"]
    r = olga.post("/api/v1/segments", json={"name": "buyers", "json": {"event": "purchase"}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rule"], body["members"], body["users"]) == ("did(purchase)", 2, 3)  # ox1, ox3 of ox1..ox3
    assert body["share"] == pytest.approx(2 / 3)
    store = olga.get("/api/v1/segments/buyers").json()["stores"]
    assert len(store) == 1
    s = store[0]
    assert (s["store_id"], s["currency"], s["as_of"], s["members"], s["users"]) == ("other", "USD", "2026-11-03", 2, 3)
    assert (s["gmv"], s["store_gmv"], s["gmv_share"], s["orders"], s["store_orders"]) == (600.0, 600.0, 1.0, 2, 2)
    rows = _csv(olga.get("/api/v1/segments/buyers/members"))
    assert rows == [["store_id", "user_id"], ["other", "ox1"], ["other", "ox3"]]

    preview = env["vic"].post("/api/v1/segments/preview", json={"rule": "did(purchase) and orders>=1"},
                              params={"top": 1})
    assert preview.status_code == 200, preview.text
    assert preview.json()["name"] is None
    assert [s["store_id"] for s in preview.json()["stores"]] == ["demo"]  # vic's store only


def test_a_segment_saved_by_a_login_of_some_stores_is_theirs(env: dict[str, Any]) -> None:
    """ana (store demo) saves 'demo_fans': olga (store other) cannot list, show, export, use, replace or delete
    it, and no hint names it; vic (viewer, demo) and root (every store) see it; ana may not change a shared one."""
    ana, olga, vic, root = env["ana"], env["olga"], env["vic"], env["root"]
    saved = ana.post("/api/v1/segments", json={"name": "demo_fans", "rule": "orders>=2", "description": "secret"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["stores"] == ["demo"]
    for client, sees in ((vic, True), (root, True), (olga, False)):
        names = [seg["name"] for seg in client.get("/api/v1/segments").json()["segments"]]
        assert ("demo_fans" in names) is sees
    missing = olga.get("/api/v1/segments/no_such_segment")
    for method, path, params in (("GET", "/api/v1/segments/demo_fans", {}),
                                 ("GET", "/api/v1/segments/demo_fans/members", {}),
                                 ("DELETE", "/api/v1/segments/demo_fans", {}),
                                 ("GET", "/api/v1/metrics", {"metrics": "gmv", "segment": "demo_fans"}),
                                 ("GET", "/api/v1/funnel", {"steps": "product_view,purchase", "segment": "demo_fans"}),
                                 ("GET", "/api/v1/rfm", {"segment": "demo_fans"})):
        r = olga.request(method, path, params=params)
        assert r.status_code == 404, (path, r.text)
        error = r.json()["error"]
        assert error["message"] == "no segment named 'demo_fans'"
        assert "demo_fans" not in (error["hint"] or "") and "secret" not in r.text
        assert error["hint"] == missing.json()["error"]["hint"]  # the same hint as for a name nobody saved
    # text that is not a saved name: the engines' own "no segment" hint lists every name; the server's does not
    for text in ("orders>=3", "x y", " ", "a.b"):
        for path, extra in (("/api/v1/funnel", {"steps": "product_view,purchase"}),
                            ("/api/v1/funnel/dropped", {"steps": "product_view,purchase", "step": 2}),
                            ("/api/v1/retention", {}), ("/api/v1/paths", {"start": "product_view"}),
                            ("/api/v1/rfm", {}), ("/api/v1/rfm/customers", {})):
            r = olga.get(path, params={**extra, "segment": text})
            assert r.status_code in (400, 404), (path, text, r.status_code)
            assert "demo_fans" not in r.text, (path, text, r.text)
    taken = olga.post("/api/v1/segments", json={"name": "demo_fans", "rule": "orders>=1"})
    assert taken.status_code == 409 and "orders>=2" not in taken.text and "secret" not in taken.text
    assert vic.get("/api/v1/segments/demo_fans").status_code == 200
    assert ana.get("/api/v1/metrics", params={"metrics": "gmv", "segment": "demo_fans"}).status_code == 200
    # a shared segment (saved by root) is everyone's to use, but only a login of every store changes it
    assert root.post("/api/v1/segments", json={"name": "shared_buyers", "rule": "orders>=1"}).status_code == 200
    assert olga.get("/api/v1/segments/shared_buyers").status_code == 200
    refused = ana.post("/api/v1/segments", json={"name": "shared_buyers", "rule": "orders>=5"})
    assert refused.status_code == 403 and refused.json()["error"]["zh"]
    assert ana.delete("/api/v1/segments/shared_buyers").status_code == 403
    assert root.delete("/api/v1/segments/shared_buyers").status_code == 200
    # ana re-saves her own: still hers; then deletes it
    assert ana.post("/api/v1/segments", json={"name": "demo_fans", "rule": "orders>=3"}).json()["stores"] == ["demo"]
    assert ana.delete("/api/v1/segments/demo_fans").status_code == 200


def test_a_segment_is_evaluated_only_in_the_logins_stores(env: dict[str, Any]) -> None:
    ana, olga = env["ana"], env["olga"]
    saved = env["root"].post("/api/v1/segments", json={"name": "viewers", "rule": "did(product_view)"})
    assert saved.status_code == 200
    # shared (saved by a login of every store), exported by olga (store other): ox1..ox3 and nothing of demo
    rows = _csv(olga.get("/api/v1/segments/viewers/members"))
    assert rows == [["store_id", "user_id"], ["other", "ox1"], ["other", "ox2"], ["other", "ox3"]]
    as_json = olga.get("/api/v1/segments/viewers/members", params={"format": "json"}).json()["members"]
    assert {m["user_id"] for m in as_json} == {"ox1", "ox2", "ox3"}
    profile = olga.get("/api/v1/segments/viewers").json()
    assert (profile["members"], profile["users"]) == (3, 3)
    # and the other way round: ana's export holds demo users only, as many as plain SQL counts
    theirs = _csv(ana.get("/api/v1/segments/viewers/members"))[1:]
    assert len(theirs) == env["expected"]["demo_viewers"]
    assert {r[0] for r in theirs} == {"demo"} and not {r[1] for r in theirs} & {"ox1", "ox2", "ox3"}
    # a store the login may not see answers like a missing one
    for path in ("/api/v1/segments/viewers/members", "/api/v1/segments/viewers"):
        hidden, missing = olga.get(path, params={"store": "demo"}), olga.get(path, params={"store": "nope"})
        assert (hidden.status_code, missing.status_code) == (404, 404)
        assert hidden.json()["error"]["message"] == "unknown store 'demo'"


def test_viewer_may_not_write_segments_and_errors_are_clear(env: dict[str, Any]) -> None:
    vic, ana = env["vic"], env["ana"]
    assert ana.post("/api/v1/segments", json={"name": "gone", "rule": "orders>=1"}).status_code == 200
    denied = vic.post("/api/v1/segments", json={"name": "x", "rule": "orders>=1"})
    assert denied.status_code == 403
    assert denied.json()["error"]["message"] == "this needs the analyst role (you are viewer)"
    assert vic.delete("/api/v1/segments/gone").status_code == 403
    assert vic.get("/api/v1/segments/gone").status_code == 200  # still there

    deleted = ana.delete("/api/v1/segments/gone")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert deleted.json()["rule"] == "orders>=1"
    missing = ana.get("/api/v1/segments/gone")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "no segment named 'gone'"
    assert ana.delete("/api/v1/segments/gone").status_code == 404

    both = ana.post("/api/v1/segments", json={"name": "y", "rule": "orders>=1", "json": {"rfm": ["core"]}})
    assert both.status_code == 400
    bad = ana.post("/api/v1/segments", json={"name": "y", "rule": "orders>="})
    assert bad.status_code == 400 and bad.json()["error"]["message"]
    # a JSON string is parsed, never opened as a file of the server
    not_a_file = ana.post("/api/v1/segments/preview", json={"json": "/etc/passwd"})
    assert not_a_file.status_code == 400
    assert not_a_file.json()["error"]["message"].startswith("not valid JSON")
    assert ana.get("/api/v1/segments/y").status_code == 404  # nothing was saved



def _upload(client: httpx.Client, content: str, **fields: str) -> httpx.Response:
    return client.post("/api/v1/imports", files={"file": (UPLOAD, content.encode("utf-8"), "text/csv")},
                       data={"table": "events", "store": "shop3", "timezone": "UTC", "currency": "EUR", **fields})


def test_only_an_admin_uploads(env: dict[str, Any]) -> None:
    for user in ("ana", "vic", "olga"):
        r = _upload(env[user], EVENTS, store="shop_x")
        assert r.status_code == 403, (user, r.text)
        assert r.json()["error"]["message"].startswith("this needs the admin role")
    stores = [s["store_id"] for s in env["root"].get("/api/v1/stores").json()["stores"]]
    assert "shop_x" not in stores


def test_upload_summary_and_quarantine_name_the_uploaded_file(env: dict[str, Any]) -> None:
    root, olga, vic = env["root"], env["olga"], env["vic"]
    r = _upload(root, EVENTS)
    assert r.status_code == 200, r.text
    summary = r.json()
    assert (summary["store_id"], summary["store_created"]) == ("shop3", True)
    assert (summary["read"], summary["loaded"], summary["duplicates"], summary["quarantined"]) == (3, 2, 0, 1)
    assert summary["tables"] == {"events": 2}
    [f] = summary["files"]
    assert (f["file"], f["target"], f["preset"], f["reasons"]) == (KEPT, "events", "canonical",
                                                                  {"invalid_timestamp": 1})
    [example] = summary["quarantine_examples"]
    assert (example["file"], example["line"], example["field"], example["column"], example["value"]) == (
        KEPT, 3, 2, "ts", "not-a-time")

    listed = root.get("/api/v1/quarantine", params={"store": "shop3"})
    assert listed.status_code == 200 and listed.headers["x-total-count"] == "1"
    [row] = listed.json()
    where = f"{row['file']}:{row['line']}:{row['field']}"
    assert where == f"{KEPT}:3:2"
    assert (row["store_id"], row["column"], row["value"], row["reason"], row["target_table"]) == (
        "shop3", "ts", "not-a-time", "invalid_timestamp", "events")
    assert row["raw"] == '{"event_id":"n2","ts":"not-a-time","user_id":"nx1","event":"purchase","channel":"email"}'
    assert root.get("/api/v1/quarantine", params={"file": KEPT}).json() == [row]
    exported = _csv(root.get("/api/v1/quarantine/export", params={"store": "shop3"}))
    assert exported[0][:4] == ["import_id", "store_id", "file", "line"]
    assert [r[1:5] for r in exported[1:]] == [["shop3", KEPT, "3", "ts"]]

    # store isolation and roles: olga (store other) sees none of it, a viewer may not list
    assert olga.get("/api/v1/quarantine").json() == []
    assert _csv(olga.get("/api/v1/quarantine/export")) == [exported[0]]
    assert olga.get("/api/v1/quarantine", params={"store": "shop3"}).status_code == 404
    assert vic.get("/api/v1/quarantine").status_code == 403
    # the upload is not left on the server
    uploads = env["db"].parent / ".shoplens-uploads"
    assert not [p for p in uploads.rglob("*") if p.is_file()]

    # a corrected file under the same name replaces its quarantine rows (as a CLI re-import of one path)
    fixed = EVENTS.replace("not-a-time", "2026-11-05T10:01:00Z")
    again = _upload(root, fixed).json()
    assert (again["store_created"], again["read"], again["loaded"], again["duplicates"], again["quarantined"]) == (
        False, 3, 1, 2, 0)
    assert root.get("/api/v1/quarantine", params={"store": "shop3"}).json() == []



def test_admin_manages_logins_and_others_may_not(env: dict[str, Any]) -> None:
    server, root = env["server"], env["root"]
    listed = root.get("/api/v1/accounts")
    assert listed.status_code == 200
    assert [(a["username"], a["role"], a["stores"]) for a in listed.json()["accounts"]] == [
        ("ana", "analyst", ["demo"]), ("olga", "analyst", ["other"]), ("root", "admin", ["*"]),
        ("vic", "viewer", ["demo"])]
    assert "scrypt" not in listed.text and "password" not in listed.text
    for user in ("vic", "ana"):
        client = env[user]
        assert client.get("/api/v1/accounts").status_code == 403
        assert client.post("/api/v1/accounts", json={"username": "zz", "password": PASSWORD}).status_code == 403
        assert client.put("/api/v1/accounts/vic", json={"role": "admin"}).status_code == 403
        assert client.delete("/api/v1/accounts/vic").status_code == 403

    created = root.post("/api/v1/accounts", json={"username": "nina", "password": "first-pass-1",
                                                  "role": "analyst", "stores": ["other"]})
    assert created.status_code == 201, created.text
    assert created.json() == {"username": "nina", "role": "analyst", "stores": ["other"], "language": None}
    assert "password" not in created.text
    token = server.token("nina", "first-pass-1")
    nina = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
    try:
        me = nina.get("/api/v1/me").json()
        assert (me["user"]["role"], me["stores"]) == ("analyst", ["other"])
        assert nina.post("/api/v1/segments", json={"name": "nina_seg", "rule": "orders>=1"}).json()["members"] == 2

        changed = root.put("/api/v1/accounts/nina", json={"role": "viewer"})
        assert changed.json()["role"] == "viewer" and changed.json()["stores"] == ["other"]
        assert nina.post("/api/v1/segments", json={"name": "nina_seg", "rule": "orders>=1"}).status_code == 403

        refused = root.put("/api/v1/accounts/nina", json={"role": "boss", "password": "second-pass-2"})
        assert refused.status_code == 400  # all or nothing: the password did not change either
        assert nina.get("/api/v1/me").status_code == 200
        passwd = root.put("/api/v1/accounts/nina", json={"password": "second-pass-2"})
        assert passwd.status_code == 200, (passwd.text, server.log.read_text(errors="replace")[-4000:])
        assert nina.get("/api/v1/me").status_code == 401  # a new password ends the sessions
        assert httpx.post(server.url + "/api/v1/login", json={"username": "nina", "password": "first-pass-1"}
                          ).status_code == 401
        server.token("nina", "second-pass-2")
    finally:
        nina.close()

    for body in ({"username": "nina"}, {"username": "n1", "stores": "nope"}):  # exists; unknown store
        assert root.post("/api/v1/accounts", json={**body, "password": "x" * 10}).status_code == 400
    assert root.put("/api/v1/accounts/root", json={"role": "viewer"}).status_code == 400  # the last admin
    gone = root.delete("/api/v1/accounts/nina")
    assert gone.status_code == 200 and gone.json()["deleted"] is True
    assert root.delete("/api/v1/accounts/nina").status_code == 404
    assert httpx.post(server.url + "/api/v1/login", json={"username": "nina", "password": "second-pass-2"}
                      ).status_code == 401


def test_an_admin_of_some_stores_manages_only_those(env: dict[str, Any]) -> None:
    server, root = env["server"], env["root"]
    r = root.post("/api/v1/accounts", json={"username": "boss2", "password": PASSWORD, "role": "admin",
                                            "stores": "other"})
    assert r.status_code == 201, r.text
    boss = server.client("boss2")
    try:
        names = [a["username"] for a in boss.get("/api/v1/accounts").json()["accounts"]]
        assert names == ["boss2", "olga"]  # not ana/vic (demo) nor root ('*')
        assert boss.put("/api/v1/accounts/ana", json={"role": "viewer"}).status_code == 404
        assert boss.delete("/api/v1/accounts/root").status_code == 404
        assert boss.post("/api/v1/accounts", json={"username": "x9", "password": PASSWORD,
                                                   "stores": ["demo"]}).status_code == 404
        assert boss.post("/api/v1/accounts", json={"username": "x9", "password": PASSWORD,
                                                   "stores": ["*"]}).status_code == 403
        assert _upload(boss, EVENTS, store="shop4").status_code == 404  # a new store needs '*'
        assert _upload(boss, EVENTS, store="demo").status_code == 404  # not its store
    finally:
        boss.close()
        assert root.delete("/api/v1/accounts/boss2").status_code == 200
