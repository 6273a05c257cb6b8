"""#14 over HTTP (a real ``shoplens serve``, tests/api_server.py): the names of enumerated values come from one
table (``shoplens.value_labels``, served in the catalog), download names and CSV headers say what they hold, and a
typo in a funnel step is said as such. ``ana`` sees the demo store only (Asia/Shanghai)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import httpx
import pytest

from api_server import ApiServer
from shoplens.value_labels import ALIASES, VALUES

STEPS = "product_view,add_to_cart,purchase"
RANGE = {"from": "2026-11-09", "to": "2026-11-15"}


@pytest.fixture(scope="module")
def ana(two_store_api: ApiServer) -> Any:
    with two_store_api.client("ana") as client:
        yield client


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def filename(response: httpx.Response) -> str:
    m = re.fullmatch(r'attachment; filename="([^"]+)"', response.headers["content-disposition"])
    assert m, response.headers["content-disposition"]
    return m.group(1)


def test_catalog_serves_every_value_name(ana: Any, demo_db: Path) -> None:
    """The dashboard's names are the CLI's (one source), and every carrier, order and shipment status, member tier,
    device and refund reason of the demo (plain SQL) has a Chinese name there."""
    served = ana.get("/api/v1/metrics/catalog").json()["values"]
    assert {d: {v: tuple(n) for v, n in t.items()} for d, t in served.items() if d not in ALIASES} == VALUES
    assert all(served[alias] == served[dim] for alias, dim in ALIASES.items() if dim in VALUES)
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        for dim, sql in {"carrier": "SELECT carrier FROM shipments", "status": "SELECT status FROM orders",
                         "shipment_status": "SELECT status FROM shipments", "device": "SELECT device FROM events",
                         "member_tier": "SELECT member_tier FROM customers",
                         "refund_reason": "SELECT reason FROM refunds",
                         "payment_method": "SELECT payment_method FROM orders",
                         "page_type": "SELECT page_type FROM events"}.items():
            ids = {r[0] for r in con.execute(f"SELECT DISTINCT v FROM ({sql}) t(v) WHERE v IS NOT NULL").fetchall()}
            assert ids and ids <= set(served[dim]), (dim, ids - set(served[dim]))
            assert all(re.search(r"[\u4e00-\u9fff]", served[dim][v][0]) or served[dim][v][0] == served[dim][v][1]
                       for v in ids), dim
    finally:
        con.close()
    assert served["carrier"]["sf_express"] == ["顺丰速运", "SF Express"] and served["lifecycle"]["active"][0] == "活跃"


def test_rfm_list_downloads_under_its_tier_and_day(ana: Any) -> None:
    as_of = ana.get("/api/v1/rfm").json()["as_of"]
    r = ana.get("/api/v1/rfm/customers", params={"tier": "core", "format": "csv"})
    assert filename(r) == f"rfm_core_{as_of}.csv" and {x["tier"] for x in rows(r)} == {"core"}
    old = ana.get("/api/v1/rfm/customers", params={"tier": "champions", "format": "csv", "as_of": "2026-10-31"})
    assert filename(old) == "rfm_rising_2026-10-31.csv"  # the old id of rising still works (docs/behaviour.md)
    assert {x["tier"] for x in rows(old)} == {"rising"}
    back = ana.get("/api/v1/rfm/customers", params={"win_back": 90, "format": "csv"})
    assert filename(back) == f"rfm_win_back_90_all_{as_of}.csv"
    assert all(int(x["recency_days"]) >= 90 for x in rows(back))


def test_funnel_step_typo_says_did_you_mean(ana: Any) -> None:
    r = ana.get("/api/v1/funnel", params={"steps": "product_veiw,add_to_cart,purchase", **RANGE})
    assert r.status_code == 400, r.text
    e = r.json()["error"]
    assert (e["where"], e["message"], e["hint"]) == ("steps", "unknown event 'product_veiw' in step 1",
                                                     "did you mean product_view?")
    assert e["zh"] == "未知事件 'product_veiw'（第 1 步）" and e["zh_hint"] == "是否想用 product_view？"


def test_dropoff_csv_says_its_time_zones(ana: Any) -> None:
    """The drop-off list's times: UTC and the store's time (Asia/Shanghai, what the page shows), each header naming
    its zone; the store time is the UTC time converted independently (zoneinfo)."""
    r = ana.get("/api/v1/funnel/dropped", params={"steps": STEPS, "step": 3, "format": "csv", **RANGE})
    got = rows(r)
    assert got, "the demo's last week has users who added to cart and did not buy"
    assert list(got[0]) == ["user_id", "first_step_at (UTC)", "last_step_at (UTC)", "first_step_at (Asia/Shanghai)",
                            "last_step_at (Asia/Shanghai)"]
    shanghai = ZoneInfo("Asia/Shanghai")
    for row in got[:50]:
        for col in ("first_step_at", "last_step_at"):
            utc = datetime.fromisoformat(row[f"{col} (UTC)"]).replace(tzinfo=UTC)
            assert row[f"{col} (Asia/Shanghai)"] == utc.astimezone(shanghai).strftime("%Y-%m-%d %H:%M:%S")
            assert utc.astimezone(shanghai).utcoffset() == timedelta(hours=8)
    j = ana.get("/api/v1/funnel/dropped", params={"steps": STEPS, "step": 3, **RANGE}).json()
    assert {"first_step_at", "first_step_local"} <= set(j["users"][0])  # JSON keeps its UTC field, adds store time
