"""Product roles (issue #16 part 3) on generated stores where every SKU's role is known by construction, on the
demo store against independent SQL, through the CLI (real subprocess) and the real API server.

The store of ``SKUS`` (category ``c``, 28 days ``START``..``END``), by hand:
visitors 100 (N1, N2, N3, PROFIT, NEW), 200 HERO, 400 TRAFFIC, 40 POTENTIAL, 1 TINY, 0 SLOW, 0 SOLDOUT
  -> median of the 11 listed SKUs: 0 0 1 40 100 [100] 100 100 100 200 400 = 100
conversion of the SKUs with visitors: 0.05 (N×3, PROFIT, NEW), 0.10 HERO, 0.01 TRAFFIC, 0.15 POTENTIAL, 1.0 TINY
  -> median of 9: 0.01 .05 .05 .05 [.05] .05 .10 .15 1.0 = 0.05
add-to-cart rate: 0.10 (N×3, HERO, PROFIT, NEW), 0.025 TRAFFIC, 0.20 POTENTIAL, 1.0 TINY -> median 0.10
GMV of the SKUs that sold: 50 ×4 (N×3, NEW), 2000 HERO, 40 TRAFFIC, 60 POTENTIAL, 10 TINY, 500 PROFIT
  -> median of 9: 10 40 50 50 [50] 50 60 500 2000 = 50; category GMV 2,810
HERO makes 2000 / 2810 = 71 % alone: the only SKU of the first 60 %. The off-shelf SKU, the fee SKU and the
postage lines (HERO's orders) are not listed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from statistics import median

import duckdb
import pytest

import shoplens
from api_server import ApiServer
from product_stores import END, START, Sku, build
from shoplens.analyses.products.roles_rules import RoleRules, parse_rules
from shoplens.errors import ShoplensError

SKUS = [
    Sku("n1", visitors=100, adders=10, buyers=5),
    Sku("n2", visitors=100, adders=10, buyers=5),
    Sku("n3", visitors=100, adders=10, buyers=5),
    Sku("hero", visitors=200, adders=20, buyers=20, price=100.0, unit_cost=80.0, shipping_line=True),
    Sku("traffic", visitors=400, adders=10, buyers=4),
    Sku("potential", visitors=40, adders=8, buyers=6),
    Sku("tiny", visitors=1, adders=1, buyers=1),  # 1 visitor, 1 buyer: conversion 20× the median, no evidence
    Sku("profit", visitors=100, adders=10, buyers=5, price=100.0, unit_cost=20.0, sale_days=[0, 20, 21, 22, 23]),
    Sku("slow", on_hand=30, sold_days_before_end=40),
    Sku("soldout", on_hand=0),  # never sold, but nothing on hand: not a slow mover
    Sku("new", visitors=100, adders=10, buyers=5, launched=END - timedelta(days=5)),
    Sku("off", visitors=1000, adders=500, buyers=500, status="off_shelf"),
    Sku("fee", visitors=50, buyers=5, product_type="fee"),
]
EXPECTED = {"n1": "normal", "n2": "normal", "n3": "normal", "hero": "hero", "traffic": "traffic_driver",
            "potential": "potential", "tiny": "normal", "profit": "profit", "slow": "slow_mover",
            "soldout": "normal", "new": "new"}
MEDIANS = {"uv": 100.0, "conversion": 0.05, "add_to_cart_rate": 0.10, "gmv_of_sold": 50.0}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("roles"), SKUS)


@pytest.fixture(scope="module")
def orders_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("roles_orders"), SKUS, events=False)


def roles(path: Path, **kw: object) -> dict:
    with shoplens.connect(str(path), read_only=True) as wh:
        return shoplens.products_roles(wh, start=START, end=END, **kw).to_dict()


def by_id(out: dict) -> dict[str, dict]:
    return {p["product_id"]: p for p in out["products"]}


def test_each_sku_gets_exactly_its_constructed_role(shop: Path) -> None:
    out = roles(shop)
    got = by_id(out)
    assert set(got) == set(EXPECTED)  # off-shelf, fee and postage lines are not listed
    assert {k: p["role"] for k, p in got.items()} == EXPECTED
    assert all(p["roles"] == [p["role"]] for p in got.values())  # exactly one rule holds for each
    assert all(p["medians"] == pytest.approx(MEDIANS) for p in got.values())
    assert out["traffic"] == {"s1": True} and out["notes"] == {}


def test_the_numbers_of_each_sku_by_hand(shop: Path) -> None:
    got = by_id(roles(shop))
    hero = got["hero"]
    assert (hero["uv"], hero["units"], hero["gmv"]) == (200, 20, 2000.0)  # postage lines are not its sales
    assert hero["conversion"] == pytest.approx(0.10) and hero["margin"] == pytest.approx(0.2)
    profit = got["profit"]
    # units by half (14 days each): day 0 -> 1 in the first, days 20..23 -> 4 in the second: (4 - 1) / 1
    assert profit["trend"] == pytest.approx(3.0) and profit["margin"] == pytest.approx(0.8)
    assert profit["days_since_last_sale"] == (END - (START + timedelta(days=23))).days == 4
    slow = got["slow"]
    assert (slow["days_since_last_sale"], slow["on_hand"], slow["units"], slow["uv"]) == (40, 30, 0, 0)
    assert got["soldout"]["days_since_last_sale"] is None and got["soldout"]["on_hand"] == 0
    assert got["n1"]["on_hand"] == 50  # the snapshot on END, not the 999 of START
    assert got["tiny"]["conversion_index"] == pytest.approx(20.0) and got["tiny"]["uv"] == 1
    assert got["traffic"]["traffic_index"] == pytest.approx(4.0)
    assert got["traffic"]["conversion_index"] == pytest.approx(0.2)


def test_reasons_state_the_compared_numbers(shop: Path) -> None:
    got = by_id(roles(shop))
    # traffic 400 / 100 = 4.0, conversion (4 / 400) / 0.05 = 0.2
    assert got["traffic"]["reason"] == {"en": "traffic 4.0× the category median, conversion 0.2×",
                                        "zh": "流量为类目中位数的 4.0 倍，转化为 0.2 倍"}
    # conversion (6 / 40) / 0.05 = 3.0, add-to-cart (8 / 40) / 0.10 = 2.0, traffic 40 / 100 = 0.4
    assert got["potential"]["reason"]["en"] == ("conversion 3.0×, add-to-cart rate 2.0× the category median, "
                                                "traffic 0.4× (40 visitors)")
    # margin (100 - 20) / 100 = 80 %, GMV 500 / 50 = 10.0
    assert got["profit"]["reason"]["en"] == ("margin 80% (cut-off 50%), GMV 10.0× the category median of SKUs "
                                             "that sold")
    assert got["slow"]["reason"]["zh"] == "在库 30 件，已 40 天无销量（门槛 30 天）"
    assert got["new"]["reason"]["en"] == "launched 2026-03-24, 5 days before the range end (cut-off 30)"


def test_summary_and_quadrant(shop: Path) -> None:
    out = roles(shop)
    assert out["summary"]["normal"] == {"skus": 5, "gmv": 50.0 * 3 + 10.0, "gmv_by_currency": {"USD": 160.0}}
    assert out["summary"]["hero"] == {"skus": 1, "gmv": 2000.0, "gmv_by_currency": {"USD": 2000.0}}
    assert sum(v["skus"] for v in out["summary"].values()) == len(EXPECTED)
    points = {p["product_id"]: (p["x"], p["y"]) for p in out["quadrant"]["points"]}
    assert points["traffic"] == pytest.approx((4.0, 0.2)) and points["hero"] == pytest.approx((2.0, 2.0))
    assert "slow" not in points  # no visitors: no conversion to place it by


def test_orders_only_store_gets_no_traffic_roles_and_a_note(orders_only: Path) -> None:
    out = roles(orders_only)
    got = by_id(out)
    assert out["traffic"] == {"s1": False}
    assert set(out["notes"]) == {"roles:no_traffic:s1"} and "店铺 s1" in out["notes"]["roles:no_traffic:s1"]["zh"]
    assert all(p["uv"] is None and p["conversion"] is None for p in got.values())
    # hero by sales alone; the traffic driver and the potential hit are plain normals without traffic
    assert {k: p["role"] for k, p in got.items()} == EXPECTED | {"traffic": "normal", "potential": "normal"}
    assert got["hero"]["reason"]["en"] == "among the SKUs making the first 60% of the category's GMV (GMV 2,000.00)"


def test_a_store_with_platform_reports_uses_their_visitors(tmp_path: Path, shop: Path) -> None:
    """traffic_daily rows instead of events: the engine's visitors by product come from them, same roles."""
    out = roles(build(tmp_path, SKUS, report=True))
    assert out["traffic"] == {"s1": True} and "roles:no_traffic:s1" not in out["notes"]
    assert {k: (p["role"], p["uv"]) for k, p in by_id(out).items()} == {
        k: (p["role"], p["uv"]) for k, p in by_id(roles(shop)).items()}


def test_two_stores_in_two_currencies_are_judged_apart_and_never_added(tmp_path: Path) -> None:
    """s2 (EUR) holds the same SKUs with 10× the visitors: its medians are its own, its roles the same, and the
    summary keeps EUR and USD apart."""
    build(tmp_path, SKUS)
    path = build(tmp_path, [replace(s, visitors=10 * s.visitors, adders=10 * s.adders) for s in SKUS], store="s2",
                 currency="EUR")
    out = roles(path)
    assert out["currencies"] == {"s1": "USD", "s2": "EUR"}
    s2 = {p["product_id"]: p for p in out["products"] if p["store"] == "s2"}
    assert {k: p["role"] for k, p in s2.items()} == EXPECTED
    assert s2["n1"]["medians"]["uv"] == 1000.0 and s2["n1"]["medians"]["conversion"] == pytest.approx(0.005)
    assert out["summary"]["hero"] == {"skus": 2, "gmv": None, "gmv_by_currency": {"EUR": 2000.0, "USD": 2000.0}}
    assert roles(path, store="s1")["summary"]["hero"]["gmv"] == 2000.0


def test_cut_offs_come_from_the_config(shop: Path, tmp_path: Path) -> None:
    config = tmp_path / "shoplens.yaml"
    config.write_text("products:\n  roles:\n    min_visitors: 41\n    slow_days: 41\n  trial: {days: 15}\n",
                      encoding="utf-8")
    got = by_id(roles(shop, config=config))
    assert got["potential"]["role"] == "normal"  # 40 visitors < 41
    assert got["slow"]["role"] == "normal"  # 40 days without a sale < 41
    assert got["traffic"]["role"] == "traffic_driver"
    out = roles(shop, rules=RoleRules(margin_min=0.9))
    assert by_id(out)["profit"]["role"] == "normal" and out["rules"]["margin_min"] == 0.9


@pytest.mark.parametrize(("section", "words"), [
    ({"roles": {"slow_dayz": 3}}, ["slow_dayz", "unknown key", "slow_days"]),
    ({"roles": {"min_visitors": "many"}}, ["min_visitors", "whole number"]),
    ({"roles": {"hero_gmv_share": 60}}, ["hero_gmv_share", "between 0 and 1"]),
    ({"roles": {"traffic_ratio": -1}}, ["traffic_ratio", "negative"]),
    ({"roles": [1]}, ["roles: must be a mapping"]),
    ({"role": {"slow_days": 3}}, ["unknown part 'role'", "did you mean roles"]),
])
def test_bad_cut_offs_are_one_line_errors_naming_the_key(section: dict, words: list[str]) -> None:
    with pytest.raises(ShoplensError) as err:
        parse_rules(section, "shoplens.yaml: products")
    text = str(err.value) + " " + (err.value.where or "") + " " + (err.value.hint or "")
    assert all(w in text for w in words), text
    assert err.value.zh


def test_cli_json_csv_table_and_a_config_typo(shop: Path, tmp_path: Path) -> None:
    args = [sys.executable, "-m", "shoplens", "--db", str(shop), "products", "roles", "--from", str(START),
            "--to", str(END)]
    out = subprocess.run([*args, "--format", "json"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == roles(shop)
    csv = subprocess.run([*args, "--format", "csv"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert csv[0].startswith("store,product_id,name,category,role,roles,uv,conversion")
    assert len(csv) == len(EXPECTED) + 1
    assert any(line.startswith("s1,traffic,Traffic,c,traffic_driver,traffic_driver,400,") for line in csv)
    table = subprocess.run(args, capture_output=True, text=True, check=True)
    assert "traffic driver" in table.stdout and "Roles summary" in table.stdout
    helped = subprocess.run([*args, "--help"], capture_output=True, text=True, check=True,
                            env={**os.environ, "COLUMNS": "200"})
    for word in ("slow_mover", "滞销款", "hero_gmv_share", "min_visitors", "margin_min", "docs/products.md"):
        assert word in helped.stdout, word
    config = tmp_path / "typo.yaml"
    config.write_text("products:\n  roles:\n    slow_dayz: 3\n", encoding="utf-8")
    bad = subprocess.run([*args, "--config", str(config)], capture_output=True, text=True)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "slow_dayz" in bad.stderr and "products.roles" in bad.stderr


LOCAL = "CAST(timezone('Asia/Shanghai', timezone('UTC', {})) AS DATE)"
DEMO_SKUS = f"""WITH listed AS (SELECT product_id, category FROM products WHERE store_id = 'demo' AND status = 'on_sale'
      AND coalesce(product_type, 'merchandise') = 'merchandise'),
    visits AS (SELECT product_id, count(DISTINCT user_id) AS uv FROM events WHERE store_id = 'demo'
      AND product_id IS NOT NULL AND {LOCAL.format('ts')} BETWEEN $start AND $end GROUP BY ALL),
    paid AS (SELECT i.product_id, o.user_id, {LOCAL.format('coalesce(o.paid_ts, o.created_ts)')} AS d
      FROM orders o JOIN order_items i USING (store_id, order_id) WHERE o.store_id = 'demo'
      AND (o.paid_ts IS NOT NULL OR o.status IN ('paid', 'shipped', 'delivered'))),
    buyers AS (SELECT product_id, count(DISTINCT user_id) AS buyers FROM paid WHERE d BETWEEN $start AND $end
      GROUP BY ALL),
    last AS (SELECT product_id, max(d) AS last_day FROM paid WHERE d <= $end GROUP BY ALL),
    snap AS (SELECT product_id, date, sum(on_hand) AS on_hand FROM inventory_snapshots WHERE store_id = 'demo'
      AND date <= $end GROUP BY product_id, date QUALIFY date = max(date) OVER (PARTITION BY product_id))
    SELECT l.product_id, l.category, coalesce(v.uv, 0), coalesce(b.buyers, 0), $end - last.last_day, snap.on_hand
    FROM listed l LEFT JOIN visits v USING (product_id) LEFT JOIN buyers b USING (product_id)
    LEFT JOIN last USING (product_id) LEFT JOIN snap USING (product_id)"""


def test_demo_medians_and_a_role_against_sql(demo_db: Path) -> None:
    """Visitors, buyers, last sale and stock of every demo SKU in plain SQL; the category medians from them; and
    SKU100012's role from those numbers and the rule table (x ≥ 2, y < 1, ≥ 30 visitors, sold within 30 days)."""
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        out = shoplens.products_roles(wh).to_dict()
    con = duckdb.connect(str(demo_db), read_only=True)
    rows = con.execute(DEMO_SKUS, {"start": date.fromisoformat(out["from"]),
                                   "end": date.fromisoformat(out["to"])}).fetchall()
    con.close()
    got = by_id(out)
    assert len(got) == len(rows) and sum(v["skus"] for v in out["summary"].values()) == len(rows)
    sql = {pid: (cat, uv, buyers, days, on_hand) for pid, cat, uv, buyers, days, on_hand in rows}
    assert {pid: (got[pid]["uv"], got[pid]["days_since_last_sale"], got[pid]["on_hand"]) for pid in sql} == {
        pid: (v[1], v[3], None if v[4] is None else int(v[4])) for pid, v in sql.items()}
    for cat in {v[0] for v in sql.values()}:
        uvs = [v[1] for v in sql.values() if v[0] == cat]
        conv = [v[2] / v[1] for v in sql.values() if v[0] == cat and v[1]]
        listed = [p for p in got.values() if p["category"] == cat]
        assert all(p["medians"]["uv"] == pytest.approx(median(uvs)) for p in listed), cat
        assert all(p["medians"]["conversion"] == pytest.approx(median(conv)) for p in listed), cat
    cat, uv, buyers, days, _ = sql["SKU100012"]
    uvs = [v[1] for v in sql.values() if v[0] == cat]
    conv = [v[2] / v[1] for v in sql.values() if v[0] == cat and v[1]]
    x, y = uv / median(uvs), (buyers / uv) / median(conv)
    assert x >= 2 and y < 1 and uv >= 30 and days < 30  # a traffic driver, not slow, not a hero (y < 1)
    assert got["SKU100012"]["role"] == "traffic_driver"
    assert got["SKU100012"]["reason"]["en"] == f"traffic {x:.1f}× the category median, conversion {y:.1f}×"


def test_api_equals_python_and_is_cut_to_the_login(two_store_api: ApiServer, demo_db: Path) -> None:
    params = {"from": "2026-10-01", "to": "2026-10-31"}
    r = two_store_api.client("root").get("/api/v1/products/roles", params={**params, "store": "demo"})
    assert r.status_code == 200, r.text
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        local = shoplens.products_roles(wh, start=date(2026, 10, 1), end=date(2026, 10, 31), store="demo").to_dict()
    assert r.json() == local and local["products"]
    own = {"from": "2026-10-01", "to": "2026-11-03"}  # olga's store "other" has data on 11-01..11-03 only
    olga = two_store_api.client("olga").get("/api/v1/products/roles", params=own)
    assert olga.status_code == 200, olga.text
    assert all(p["store"] == "other" for p in olga.json()["products"])
    denied = two_store_api.client("olga").get("/api/v1/products/roles", params={**own, "store": "demo"})
    assert denied.status_code in (403, 404) and "error" in denied.json()
    csv = two_store_api.client("vic").get("/api/v1/products/roles", params={**params, "format": "csv"})
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("store,product_id,name")
    assert len(csv.text.strip().splitlines()) == len(local["products"]) + 1



def test_a_range_without_data_is_an_error(shop: Path) -> None:
    """Roles over dates with no data are not "every SKU is a slow mover": one line with the data's span."""
    with shoplens.connect(str(shop), read_only=True) as wh, pytest.raises(ShoplensError, match="no data in") as err:
        shoplens.products_roles(wh, start=date(2030, 1, 1), end=date(2030, 2, 1))
    assert err.value.where == "--from/--to" and err.value.zh and "the data covers s1" in (err.value.hint or "")
