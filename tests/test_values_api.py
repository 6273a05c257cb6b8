"""Known values over HTTP, through a real server (tests/api_server.py): ``GET /api/v1/values/{dim}`` cut to the
login's stores, and 400 with the hint for unknown values on /metrics, /funnel and /values.

The two-store warehouse: ``demo`` (the demo store) and ``other`` (events oe1-oe6: three on channel email, three on
direct; two orders without a channel or a country). ``olga`` sees only ``other``; ``root`` sees both.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import shoplens
from api_server import ApiServer, two_store_db


@pytest.fixture(scope="module")
def env(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = two_store_db(demo_db, tmp_path_factory.mktemp("api_values"))
    with shoplens.connect(str(db), read_only=True) as wh:
        sql = {"events": dict(wh.con.execute("SELECT channel, count(*) FROM events GROUP BY 1").fetchall()),
               "orders": dict(wh.con.execute("SELECT channel, count(*) FROM orders GROUP BY 1").fetchall()),
               "ad_spend": dict(wh.con.execute("SELECT channel, count(*) FROM ad_spend GROUP BY 1").fetchall())}
    server = ApiServer(db)
    clients = {user: server.client(user) for user in ("root", "olga")}
    try:
        yield {"sql": sql, **clients}
    finally:
        for client in clients.values():
            client.close()
        server.stop()


def error(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()["error"]


def test_values_of_every_store_equal_sql(env: dict[str, Any]) -> None:
    r = env["root"].get("/api/v1/values/channel", params={"limit": 100})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["stores"] == ["demo", "other"] and data["count_of"] == ["events", "orders", "ad_spend"]
    got = {row["value"]: (row["events"], row["orders"], row["ad_spend"]) for row in data["values"]}
    want = {v: tuple(env["sql"][k].get(v, 0) for k in ("events", "orders", "ad_spend"))
            for v in set().union(*env["sql"].values()) if v is not None}
    assert {v: c for v, c in got.items() if any(c)} == want
    csv = env["root"].get("/api/v1/values/channel", params={"format": "csv", "limit": 2})
    assert csv.text.splitlines()[0] == "value,rows,events,orders,ad_spend" and len(csv.text.splitlines()) == 3


def test_values_are_cut_to_the_logins_stores(env: dict[str, Any]) -> None:
    data = env["olga"].get("/api/v1/values/channel").json()
    assert data["stores"] == ["other"]
    assert [(r["value"], r["events"]) for r in data["values"] if r["rows"]] == [("direct", 3), ("email", 3)]
    assert env["olga"].get("/api/v1/values/country", params={"store": "demo"}).status_code == 404
    # CN is a country of demo, which olga may not see: unknown to her, and the hint names none of demo's values
    e = error(env["olga"].get("/api/v1/metrics", params={"metrics": "gmv", "where": "country=CN"}))
    assert (e["message"], e["hint"]) == ("unknown country 'CN'", "these stores have no country values")
    e = error(env["olga"].get("/api/v1/values/country", params={"value": "CN"}))
    assert e["hint"] == "these stores have no country values"


def test_unknown_values_answer_400_with_the_hint(env: dict[str, Any]) -> None:
    e = error(env["root"].get("/api/v1/metrics", params={"metrics": "gmv", "where": "channel=paidsearch"}))
    assert e == {"message": "unknown channel 'paidsearch'", "zh": "未知渠道 'paidsearch'",
                 "hint": "did you mean paid_search?", "zh_hint": "是否想用 paid_search？", "where": "where"}
    e = error(env["root"].get("/api/v1/funnel", params={"steps": "product_view,add_to_card,purchase",
                                                        "store": "demo"}))
    assert (e["where"], e["message"], e["hint"]) == ("steps", "unknown event 'add_to_card' in step 2",
                                                     "did you mean add_to_cart?")
    e = error(env["root"].get("/api/v1/funnel", params={"steps": "product_view,purchase", "where": "country=USA",
                                                        "store": "demo"}))
    assert e["hint"] == "did you mean US?"
    e = error(env["root"].get("/api/v1/values/channel", params={"value": "paidsearch"}))
    assert e["hint"] == "did you mean paid_search?"
    assert env["root"].get("/api/v1/values/channel", params={"value": "直播", "limit": 1}).status_code == 200
    assert error(env["root"].get("/api/v1/values/chanel"))["message"] == "unknown dimension 'chanel'"


def test_a_range_without_data_has_a_note_in_the_api(env: dict[str, Any]) -> None:
    r = env["olga"].get("/api/v1/metrics", params={"metrics": "gmv", "from": "2026-01-01", "to": "2026-01-31"})
    assert r.status_code == 200, r.text
    note = r.json()["notes"]["range"]
    assert (note["data_from"], note["data_to"]) == ("2026-11-01", "2026-11-03")  # oe1 .. oe6, UTC store
    r = env["olga"].get("/api/v1/metrics", params={"metrics": "orders", "where": "channel=kol",
                                                   "from": "2026-11-01", "to": "2026-11-03"})
    assert r.json()["rows"] == [{"orders": 0}] and list(r.json()["notes"]) == ["channel=kol"]
