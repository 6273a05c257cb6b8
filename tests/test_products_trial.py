"""New-product trial (新品测款): rules by hand, a generated store where every verdict is known, the demo store
against independent SQL, the CLI (real subprocess) and the REST route (real server)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

import shoplens
from api_server import two_store_server
from shoplens.analyses.products.trial_rules import (
    TrialSettings,
    decide,
    parse_settings,
    quartiles,
    visitors_needed,
    wilson,
)
from shoplens.errors import ShoplensError
from trial_stores import AS_OF, NEW, PRICE, build

Z = 1.959963984540054  # 95 %
Q = (0.0275, 0.045, 0.0625)  # quartiles of 1 % .. 8 % (linear interpolation, worked out by hand)


def needed_closed_form(p: float, m: float) -> int:
    """The Wilson interval at rate p excludes m exactly when n (p - m)^2 > z^2 m (1 - m) (m is a root of the
    interval's quadratic only at equality): the smallest whole n above that bound."""
    return math.floor(Z * Z * m * (1 - m) / (p - m) ** 2) + 1


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPLENS_LANG": "en"}
    env.pop("SHOPLENS_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True,
                          text=True, env=env, timeout=180)


# ---- rules ------------------------------------------------------------------------------------------------
def test_quartiles_and_wilson_by_hand() -> None:
    q1, m, q3 = quartiles([k / 100 for k in range(8, 0, -1)])
    assert (q1, m, q3) == pytest.approx(Q)
    assert quartiles([]) is None
    lo, hi = wilson(0.0, 10, Z)  # p = 0: [0, z^2 / (n + z^2)]
    assert lo == 0 and hi == pytest.approx(Z * Z / (10 + Z * Z))
    lo, hi = wilson(0.5, 100, Z)  # symmetric around 1/2
    assert lo + hi == pytest.approx(1.0)


@pytest.mark.parametrize(("p", "above"), [(0.1, True), (0.0, False), (0.02, False), (0.3, True)])
def test_visitors_needed_matches_closed_form(p: float, above: bool) -> None:
    assert visitors_needed(p, 0.045, Z, above) == needed_closed_form(p, 0.045)
    assert visitors_needed(0.045, 0.045, Z, above) is None  # on the median: never separable


def test_decide_each_verdict() -> None:
    assert decide(400, 40, Q, Z).verdict == "push"
    assert decide(400, 2, Q, Z).verdict == "drop"
    assert decide(2000, 100, Q, Z).verdict == "hold"
    middle = decide(100, 5, Q, Z)  # 5 %: the interval [2.2 %, 11.2 %] covers Q1 2.75 % .. Q3 6.25 %
    assert (middle.verdict, middle.quartile) == ("keep_testing", "middle")
    # the interval leaves Q1 out first: 203 visitors (Q3 out would take 1441)
    assert middle.visitors_needed == needed_closed_form(0.05, Q[0]) == 203 < needed_closed_form(0.05, Q[2]) == 1441
    keep = decide(20, 2, Q, Z)
    assert (keep.verdict, keep.quartile, keep.visitors_needed) == ("keep_testing", "top", 55)
    cold = decide(0, 0, Q, Z)  # no visitors: what a top-quartile SKU would need
    assert cold.verdict == "keep_testing" and cold.visitors_needed == needed_closed_form(Q[2], Q[1])
    assert decide(100, 5, None, Z).verdict == "no_reference"


def test_settings_from_config() -> None:
    assert parse_settings(None, "x") == TrialSettings()
    s = parse_settings({"trial": {"days": 10, "min_references": 6, "confidence": 0.9}, "roles": {"any": 1}}, "f: p")
    assert (s.days, s.min_references, s.confidence) == (10, 6, 0.9)
    for bad, where in (({"trial": {"days": 0}}, "f: p.trial.days"), ({"trial": {"confidence": 2}},
                                                                       "f: p.trial.confidence"),
                       ({"trial": {"dayz": 3}}, "f: p.trial.dayz"), ({"trial": [1]}, "f: p.trial")):
        with pytest.raises(ShoplensError) as err:
            parse_settings(bad, "f: p")
        assert err.value.where == where and err.value.zh


# ---- the generated store ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trial_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("trial"))


@pytest.fixture(scope="module")
def trial(trial_db: Path) -> dict:
    with shoplens.connect(str(trial_db), read_only=True) as wh:
        return shoplens.products_trial(wh).to_dict()


def test_generated_verdicts(trial: dict) -> None:
    items = {i["product_id"]: i for i in trial["items"]}
    assert set(items) == set(NEW)  # not SHIP (shipping), not the references launched before the window
    assert trial["stores"] == [{"store": "t1", "as_of": "2026-09-30", "window_start": "2026-09-01",
                                "references_from": "2026-03-30"}]
    home = items["PUSH"]["reference"]
    assert home["scope"] == "category" and sorted(home["products"]) == [f"R{k}" for k in range(1, 9)]  # not OLD
    assert (home["conversion_q1"], home["conversion_median"], home["conversion_q3"]) == pytest.approx(Q)
    assert {p: i["verdict"] for p, i in items.items()} == {
        "PUSH": "push", "DROP": "drop", "KEEP": "keep_testing", "COLD": "keep_testing", "PART": "keep_testing",
        "GARD": "keep_testing", "HOLD": "hold"}
    assert items["GARD"]["visitors_needed"] == 203  # z^2 Q1 (1 - Q1) / (p - Q1)^2 = 202.9
    assert "203 visitors needed to place it" in items["GARD"]["reason"]["en"]
    assert items["KEEP"]["visitors_needed"] == needed_closed_form(0.1, 0.045) == 55
    assert items["COLD"]["visitors_needed"] == 82  # z^2 (1 - m) / m = 81.5
    assert items["PUSH"]["visitors_needed"] is None
    assert "top quartile of 8 home launches" in items["PUSH"]["reason"]["en"]
    assert "加推" in items["PUSH"]["reason"]["zh"]
    assert "55 visitors needed" in items["KEEP"]["reason"]["en"] and "55 访客" in items["KEEP"]["reason"]["zh"]


def test_partial_and_fallback(trial: dict) -> None:
    items = {i["product_id"]: i for i in trial["items"]}
    part = items["PART"]
    assert part["partial"] is True and part["days_observed"] == 6 and part["uv"] == 50
    assert "so far" in part["reason"]["en"]
    assert all(not items[p]["partial"] and items[p]["days_observed"] == 15 for p in ("PUSH", "DROP", "GARD"))
    gard = items["GARD"]["reference"]
    assert gard["scope"] == "store" and gard["count"] == 8 and "too few garden" in items["GARD"]["reason"]["en"]
    assert "fallback" in trial["notes"]


def test_first_days_against_sql(trial: dict, trial_db: Path) -> None:
    """PUSH's first 15 days (2026-09-10..24, UTC store) from the raw tables."""
    item = next(i for i in trial["items"] if i["product_id"] == "PUSH")
    start, end = NEW["PUSH"][0], NEW["PUSH"][0] + timedelta(days=15)
    con = duckdb.connect(str(trial_db), read_only=True)
    rng = "ts >= ? AND ts < ?"
    uv, carts = con.execute(f"SELECT count(DISTINCT user_id), count(DISTINCT user_id) FILTER (event = 'add_to_cart')"
                            f" FROM events WHERE product_id = 'PUSH' AND {rng}", [start, end]).fetchone()
    daily = con.execute(f"SELECT sum(n) FROM (SELECT count(DISTINCT user_id) n FROM events WHERE product_id = 'PUSH'"
                        f" AND {rng} GROUP BY CAST(ts AS DATE))", [start, end]).fetchone()[0]
    buyers, units, gmv = con.execute(
        "SELECT count(DISTINCT o.user_id), sum(i.quantity), sum(i.quantity * i.unit_price) FROM orders o JOIN"
        " order_items i USING (store_id, order_id) WHERE i.product_id = 'PUSH' AND o.paid_ts >= ? AND o.paid_ts < ?",
        [start, end]).fetchone()
    reviews, rating = con.execute(f"SELECT count(*), avg(rating) FROM reviews WHERE product_id = 'PUSH' AND {rng}",
                                  [start, end]).fetchone()
    refunds = con.execute(f"SELECT sum(amount) FROM refunds WHERE product_id = 'PUSH' AND {rng}",
                          [start, end]).fetchone()[0]
    assert daily > uv == item["uv"] == 400  # distinct over the range, not a sum of daily visitors
    assert (item["buyers"], item["units"], item["gmv"]) == (buyers, units, pytest.approx(float(gmv)))
    assert (buyers, units, float(gmv)) == (40, 80, 80 * PRICE)  # day 20's sale left out
    assert item["add_to_cart_users"] == carts and item["add_to_cart_rate"] == pytest.approx(carts / uv)
    assert item["conversion_rate"] == pytest.approx(0.1)
    assert (item["reviews"], item["rating"]) == (reviews, pytest.approx(float(rating))) == (2, 4.5)
    assert item["refund_amount"] == pytest.approx(float(refunds)) == 40


def test_bad_input(trial_db: Path) -> None:
    with shoplens.connect(str(trial_db), read_only=True) as wh:
        with pytest.raises(ShoplensError, match="--days"):
            shoplens.products_trial(wh, days=0)
        with pytest.raises(ShoplensError, match="before the first day with data"):
            shoplens.products_trial(wh, as_of="2026-01-01")
        assert shoplens.products_trial(wh, as_of="2026-03-10").to_dict()["items"] == []  # nothing launched then
        early = shoplens.products_trial(wh, as_of="2026-04-01").to_dict()["items"]  # OLD, nothing launched before
        assert [(i["product_id"], i["verdict"], i["reference"]["count"]) for i in early] == [("OLD", "no_reference", 0)]
        assert "no reference" in early[0]["reason"]["en"] and "无参照" in early[0]["reason"]["zh"]


def test_config_days(trial_db: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "shoplens.yaml"
    cfg.write_text("products:\n  trial:\n    days: 10\n", encoding="utf-8")
    with shoplens.connect(str(trial_db), read_only=True) as wh:
        result = shoplens.products_trial(wh, config=cfg).to_dict()
    assert result["days"] == 10 and result["stores"][0]["window_start"] == "2026-09-11"
    assert {i["product_id"]: i["days_observed"] for i in result["items"]} == {  # PUSH launched 09-10: out
        "DROP": 10, "KEEP": 10, "COLD": 10, "GARD": 10, "PART": 6}  # HOLD launched 09-09: out
    bad = tmp_path / "bad.yaml"
    bad.write_text("products:\n  trial:\n    days: many\n", encoding="utf-8")
    proc = cli(trial_db, "products", "trial", "--config", str(bad))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "trial.days" in proc.stderr


# ---- CLI ---------------------------------------------------------------------------------------------------
def test_cli_formats_and_errors(trial_db: Path, trial: dict) -> None:
    out = cli(trial_db, "products", "trial", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == trial
    rows = list(csv.DictReader(io.StringIO(cli(trial_db, "products", "trial", "--format", "csv").stdout)))
    assert {r["product_id"]: r["verdict"] for r in rows}["DROP"] == "drop" and rows[0]["reason_en"]
    table = cli(trial_db, "products", "trial", "--as-of", str(AS_OF))
    assert table.returncode == 0 and "push" in table.stdout and "PUSH: conversion 10.0 %" in table.stdout
    for args, fragment in ((("--days", "0"), "--days"), (("--as-of", "2020-01-01"), "before the first day"),
                           (("--store", "nope"), "unknown store")):
        proc = cli(trial_db, "products", "trial", *args)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and fragment in proc.stderr, proc.stderr


# ---- demo store --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_trial(demo_db: Path) -> dict:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        return shoplens.products_trial(wh).to_dict()


def test_demo_against_sql(demo_db: Path, demo_trial: dict) -> None:
    assert demo_trial["items"], "the demo store launched SKUs in its last 30 days"
    item = max(demo_trial["items"], key=lambda i: i["uv"])
    start = item["launched_on"]
    con = duckdb.connect(str(demo_db), read_only=True)
    local = "CAST(timezone('Asia/Shanghai', timezone('UTC', {c})) AS DATE)"
    span = f"BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) + {item['days_observed'] - 1}"
    uv = con.execute(f"SELECT count(DISTINCT user_id) FROM events WHERE product_id = ? AND {local.format(c='ts')} "
                     f"{span}", [item["product_id"], start, start]).fetchone()[0]
    units, gmv = con.execute(
        f"SELECT sum(i.quantity), sum(i.quantity * i.unit_price * coalesce(o.fx_rate, 1)) FROM orders o"
        f" JOIN order_items i USING (store_id, order_id) WHERE i.product_id = ? AND o.paid_ts IS NOT NULL"
        f" AND o.status <> 'cancelled'"
        f" AND {local.format(c='o.paid_ts')} {span}", [item["product_id"], start, start]).fetchone()
    launched = con.execute("SELECT category, CAST(timezone('Asia/Shanghai', timezone('UTC', launched_at)) AS DATE)"
                           " FROM products WHERE product_id = ?", [item["product_id"]]).fetchone()
    assert (item["category"], item["launched_on"]) == (launched[0], str(launched[1]))
    assert item["uv"] == uv and item["units"] == units
    assert item["gmv"] == pytest.approx(float(gmv), abs=0.01)


# ---- REST --------------------------------------------------------------------------------------------------
def test_rest_matches_python_and_is_cut_by_login(demo_db: Path, demo_trial: dict, tmp_path: Path) -> None:
    with two_store_server(demo_db, tmp_path) as server:
        ana = server.client("ana")  # demo only
        r = ana.get("/api/v1/products/trial")
        assert r.status_code == 200, r.text
        assert r.json() == demo_trial
        assert ana.get("/api/v1/products/trial", params={"store": "other"}).status_code == 404
        csv_text = ana.get("/api/v1/products/trial", params={"format": "csv"}).text
        assert len(list(csv.DictReader(io.StringIO(csv_text)))) == len(demo_trial["items"])
        olga = server.client("olga")  # the other store: no products
        body = olga.get("/api/v1/products/trial").json()
        assert [s["store"] for s in body["stores"]] == ["other"] and body["items"] == []
        bad = ana.get("/api/v1/products/trial", params={"as_of": "2020-01-01"})
        assert bad.status_code >= 400 and "before the first day" in bad.json()["error"]["message"]



def test_more_buyers_than_visitors_is_capped_not_a_crash() -> None:
    """Buyers come from orders, visitors from events: 2 buyers over 1 tracked visitor reads as conversion 1."""
    from shoplens.analyses.products.trial_rules import decide, wilson

    verdict = decide(1, 2, (0.02, 0.04, 0.06), 1.96)
    assert verdict.verdict in {"push", "keep_testing"} and verdict.wilson_high == 1.0
    assert verdict.wilson_low == pytest.approx(wilson(1.0, 1, 1.96)[0])
