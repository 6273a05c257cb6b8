"""`POST /api/v1/imports` follows the CLI's rules (issue #11): no silent store, valid store ids, and
`strict` / `max_bad_rows` refuse with a 4xx saying why, writing nothing. Against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import shoplens
from api_server import PASSWORD, ApiServer
from shoplens.server.accounts import add_user

HEADER = "order_id,created_ts,gross_amount\n"
BAD = HEADER + "b1,2026-03-01 10:00:00,1\nb2,not a date,2\nb3,2026-03-01 11:00:00,three\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("api_imports")
    db = tmp / "w.duckdb"
    orders = tmp / "orders.csv"
    orders.write_text(HEADER + "o1,2026-03-01 10:00:00,10\n", encoding="utf-8")
    with shoplens.connect(str(db)) as wh:
        shoplens.import_files(wh, [orders], table="orders", store="s1", currency="USD", timezone="UTC")
        add_user(wh, "root", PASSWORD, "admin", ["*"])
        add_user(wh, "boss", PASSWORD, "admin", ["s1"])
    server = ApiServer(db)
    clients = {name: server.client(name) for name in ("root", "boss")}
    try:
        yield {"server": server, "db": db, **clients}
    finally:
        for client in clients.values():
            client.close()
        server.stop()


def upload(client: httpx.Client, content: str, name: str = "orders.csv", **fields: str) -> httpx.Response:
    return client.post("/api/v1/imports", files={"file": (name, content.encode("utf-8"), "text/csv")},
                       data={"table": "orders", **fields})


def has_store(client: httpx.Client, store: str) -> int:
    r = client.get("/api/v1/stores")
    assert r.status_code == 200, r.text
    return len([s for s in r.json()["stores"] if s["store_id"] == store])


def test_no_store_goes_to_the_only_one_and_says_so(env: dict[str, Any]) -> None:
    r = upload(env["root"], HEADER + "o2,2026-03-01 11:00:00,20\n")
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["store_id"], out["store_implied"], out["store_created"], out["outcome"]) == ("s1", True, False,
                                                                                             "loaded")


def test_new_stores_need_a_valid_id_currency_and_zone(env: dict[str, Any]) -> None:
    root = env["root"]
    r = upload(root, HEADER + "n1,2026-03-01 10:00:00,1\n", store="a,b", currency="USD", timezone="UTC")
    assert r.status_code == 400 and r.json()["error"]["message"] == "invalid store id 'a,b'"
    assert "无效的店铺 ID" in r.json()["error"]["zh"]
    r = upload(root, HEADER + "n1,2026-03-01 10:00:00,1\n", store="s2", timezone="UTC")
    assert r.status_code == 400 and "needs its reporting currency" in r.json()["error"]["message"]
    assert has_store(root, "s2") == 0
    r = upload(root, HEADER + "n1,2026-03-01 10:00:00,1\n", store="s2", currency="EUR", timezone="Europe/Berlin")
    assert r.status_code == 200 and r.json()["store_created"] is True

    # two stores now: an upload without a store is refused, naming them …
    r = upload(root, HEADER + "n2,2026-03-01 10:00:00,1\n")
    assert r.status_code == 400
    assert "the warehouse has 2 stores" in r.json()["error"]["message"] and "s1, s2" in r.json()["error"]["hint"]
    # … but an admin of one store has one choice, and never hears of the other
    r = upload(env["boss"], HEADER + "n3,2026-03-01 10:00:00,1\n")
    assert r.status_code == 200, r.text
    assert (r.json()["store_id"], r.json()["store_implied"]) == ("s1", True)


def test_store_ids_are_taken_exactly_as_sent_like_the_cli(env: dict[str, Any], tmp_path: Path) -> None:
    """A QA probe: the form stripped store="ok\\n" to "ok" and created that store, while the CLI refuses ' ok'. An id
    is checked as sent, with the CLI's very message; an existing store's id with a space is not that store."""
    root, boss = env["root"], env["boss"]
    orders = tmp_path / "orders.csv"
    orders.write_text(HEADER + "x1,2026-03-01 10:00:00,1\n", encoding="utf-8")
    other = tmp_path / "cli.duckdb"  # the server holds its warehouse: the CLI answers on a warehouse of its own
    before = root.get("/api/v1/stores").json()
    for sent in ("ok\n", " ok", "ok ", "\tok", "s1 ", " s1"):
        r = upload(root, orders.read_text(), store=sent, currency="USD", timezone="UTC")
        assert r.status_code == 400, (sent, r.text)
        error = r.json()["error"]
        proc = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(other), "import", "orders", str(orders),
                               "--store", sent, "--currency", "USD", "--timezone", "UTC"], capture_output=True,
                              text=True, timeout=120, env={**os.environ, "SHOPLENS_LANG": "en"})
        assert proc.returncode == 2 and proc.stderr.strip() == f"error: {error['message']} (hint: {error['hint']})"
        assert error["message"] == f"invalid store id {sent!r}"
    r = upload(boss, orders.read_text(), store=" s1")  # an admin of s1 only: the same answer
    assert r.status_code == 400 and r.json()["error"]["message"] == "invalid store id ' s1'"
    assert root.get("/api/v1/stores").json() == before and has_store(root, "ok") == 0  # nothing created, nothing added
    r = upload(boss, orders.read_text(), store="")  # an empty field is no store named: the only one, said so
    assert r.status_code == 200 and (r.json()["store_id"], r.json()["store_implied"]) == ("s1", True)


def test_strict_and_max_bad_rows_refuse_with_the_reason(env: dict[str, Any]) -> None:
    root, db = env["root"], env["db"]
    before = root.get("/api/v1/quarantine", params={"store": "s1"}).json()
    r = upload(root, BAD, name="bad.csv", store="s1", strict="true")
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["message"].startswith("import refused: 2 of 3 lines quarantined, over strict; nothing was written")
    assert error["where"] == "bad.csv:3" and str(db.parent) not in str(error)
    assert "导入被拒绝" in error["zh"]
    r = upload(root, BAD, name="bad.csv", store="s1", max_bad_rows="1")
    assert r.status_code == 400 and "over max_bad_rows=1" in r.json()["error"]["message"]
    assert root.get("/api/v1/quarantine", params={"store": "s1"}).json() == before  # nothing written
    r = upload(root, BAD, name="bad.csv", store="s1", max_bad_rows="abc")
    assert r.status_code == 400 and "invalid max_bad_rows" in r.json()["error"]["message"]

    r = upload(root, BAD, name="bad.csv", store="s1", max_bad_rows="70%")
    assert r.status_code == 200 and (r.json()["loaded"], r.json()["quarantined"]) == (1, 2)
    r = upload(root, HEADER, name="empty.csv", store="s1")  # committed, and says no rows came of it
    assert r.status_code == 200 and r.json()["outcome"] == "no_rows" and r.json()["files"][0]["no_rows"] is True
