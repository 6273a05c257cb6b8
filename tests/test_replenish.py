"""Replenishment (#16 part 6): hand-computed cases on a tiny store (tests/replenish_shop.py), the demo's demand
against plain SQL, config precedence and errors, the CLI's formats and the real API server."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from statistics import NormalDist

import duckdb
import pytest

import replenish_shop as shop
import shoplens
from api_server import ApiServer
from shoplens.errors import ShoplensError


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shop.build(tmp_path_factory.mktemp("replenish"))


def run(db: Path, **kwargs):
    with shoplens.connect(str(db), read_only=True) as wh:
        return shoplens.replenish(wh, as_of=shop.AS_OF, **kwargs)


def by_id(result) -> dict:
    return {i["product_id"]: i for i in result.to_dict()["items"]}


def test_hand_computed_history_cases(tiny: Path) -> None:
    result = run(tiny, config=tiny.parent / "shoplens.yaml")
    items = by_id(result)
    # E sells but has no snapshot: skipped with a note; F is off shelf, POST is postage: not listed
    assert set(items) == {"A", "B", "C", "D"}
    note = result.notes["replenish:no_stock:r1"]
    assert note["en"].startswith("1 SKU(s)") and note["en"].endswith("skipped: E") and "已跳过：E" in note["zh"]
    # A: units 2,4,2,4,… over 28 days -> d = 3, sample sd = sqrt(28 × 1² / 27) (the cancelled 50 and the 100
    # sold the day before the window do not count); lead time 7 from its own entry (not the supplier's 21),
    # service level 0.99 from its category: z = 2.3263478740
    a = items["A"]
    sd = math.sqrt(28 / 27)
    assert a["daily_demand"] == pytest.approx(3.0) and a["demand_sd"] == pytest.approx(sd)
    assert (a["lead_time_days"], a["service_level"], a["review_period_days"]) == (7, 0.99, 7)
    assert NormalDist().inv_cdf(0.99) == pytest.approx(2.3263478740)
    ss = 2.3263478740 * 1.0183501544 * math.sqrt(7)  # = 6.26788
    assert a["safety_stock"] == pytest.approx(ss, abs=1e-6) and a["safety_stock"] == pytest.approx(6.26788, abs=1e-5)
    assert a["reorder_point"] == pytest.approx(21 + ss, abs=1e-6)
    # the latest snapshot on or before AS_OF is 03-27 (20 on hand), not the 999 of 03-29
    assert (a["on_hand"], a["in_transit"], a["snapshot_date"]) == (20, 0, "2026-03-27")
    assert a["order_qty"] == 29  # 3 × (7 + 7) + 6.268 − 20 = 28.27, rounded up
    assert a["days_of_cover"] == pytest.approx(20 / 3) and a["stockout_date"] == "2026-04-03"  # + floor(6.67)
    assert a["reorder_now"] is True  # 20 <= 27.27
    # B: same demand; lead time 21 from its supplier, 0.99 from its category; two warehouses summed (12 + 8),
    # 60 inbound: 80 > ROP 73.86 so no reorder now, though 20 on hand alone would be
    b = items["B"]
    ss_b = NormalDist().inv_cdf(0.99) * sd * math.sqrt(21)
    assert (b["on_hand"], b["in_transit"], b["lead_time_days"]) == (20, 60, 21)
    assert b["reorder_point"] == pytest.approx(63 + ss_b) and 20 <= b["reorder_point"] < 80
    assert b["reorder_now"] is False
    assert b["order_qty"] == math.ceil(3 * 28 + ss_b - 80) == 15
    assert b["policy_source"] == {"lead_time_days": "supplier", "service_level": "category",
                                  "review_period_days": "config"}
    # C: 1 a day, nothing in stock: no spread, so no safety stock; ROP = 14, order 1 × 21 = 21, out today
    c = items["C"]
    assert (c["daily_demand"], c["demand_sd"], c["safety_stock"], c["reorder_point"]) == (1, 0, 0, 14)
    assert (c["order_qty"], c["days_of_cover"], c["stockout_date"], c["reorder_now"]) == (21, 0, "2026-03-28", True)
    # D: no demand: no cover figure (null), no stock-out, nothing to order
    d = items["D"]
    assert (d["daily_demand"], d["order_qty"], d["days_of_cover"], d["stockout_date"], d["reorder_now"]) == (
        0, 0, None, None, False)
    # most urgent first: reorder now, then the earliest stock-out
    assert [i["product_id"] for i in result.to_dict()["items"]] == ["C", "A", "B", "D"]


def test_flags_override_the_defaults_not_the_entries(tiny: Path) -> None:
    items = by_id(run(tiny, config=tiny.parent / "shoplens.yaml", lead_time=10, service_level=0.9,
                      review_period=0))
    assert items["C"]["lead_time_days"] == 10 and items["C"]["order_qty"] == 10  # 1 × (10 + 0)
    assert items["A"]["lead_time_days"] == 7 and items["B"]["lead_time_days"] == 21  # SKU and supplier entries
    assert items["A"]["service_level"] == 0.99 and items["D"]["service_level"] == 0.9
    # without a config: the built-in 14 days / 0.95 / 7 days
    plain = by_id(run(tiny))
    z = NormalDist().inv_cdf(0.95)
    assert plain["A"]["safety_stock"] == pytest.approx(z * math.sqrt(28 / 27) * math.sqrt(14))
    assert plain["A"]["order_qty"] == math.ceil(3 * 21 + plain["A"]["safety_stock"] - 20)


@pytest.mark.parametrize(("text", "where", "words"), [
    ("replenish:\n  products: {A: {lead_time_days: -3}}\n", "replenish.products.A.lead_time_days", "not above 0"),
    ("replenish:\n  suppliers: {Acme: {lead_time_days: }}\n", "replenish.suppliers.Acme.lead_time_days",
     "missing"),
    ("replenish:\n  defaults: {service_level: 1}\n", "replenish.defaults.service_level", "outside (0.5, 1)"),
    ("replenish:\n  categories: {cat1: {lead_time: 3}}\n", "replenish.categories.cat1.lead_time", "did you mean"),
])
def test_config_mistakes_are_one_line(tiny: Path, tmp_path: Path, text: str, where: str, words: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ShoplensError) as err:
        run(tiny, config=config)
    assert err.value.where.endswith(where) and words in err.value.render("en") and err.value.zh


def test_bad_input(tiny: Path) -> None:
    with shoplens.connect(str(tiny), read_only=True) as wh:
        with pytest.raises(ShoplensError, match="before the data") as err:
            shoplens.replenish(wh, as_of=date(2026, 1, 1))
        assert err.value.where == "--as-of" and err.value.zh
        with pytest.raises(ShoplensError, match="unknown store"):
            shoplens.replenish(wh, store="nope")
        with pytest.raises(ShoplensError, match="unknown product ZZZ"):
            shoplens.replenish(wh, product="A,ZZZ")
        with pytest.raises(ShoplensError, match="outside"):
            shoplens.replenish(wh, service_level=0.4)
        with pytest.raises(ShoplensError, match="not above 0"):
            shoplens.replenish(wh, lead_time=-1)
        assert [i["product_id"] for i in shoplens.replenish(wh, as_of=shop.AS_OF, product=["B"]).to_dict()["items"]
                ] == ["B"]
        later = shoplens.replenish(wh, as_of=shop.AS_OF + timedelta(days=7))
        assert "after its last day with data (2026-03-28)" in later.notes["replenish:after_data:r1"]["en"]
        assert by_id(later)["C"]["daily_demand"] == pytest.approx(21 / 28)  # 7 days without data count 0


def test_forecast_method_uses_the_forecast_d_and_sd(tiny: Path) -> None:
    try:
        import shoplens.analyses.forecast.demand
    except ImportError:
        with pytest.raises(ShoplensError, match="forecast method not available"):
            run(tiny, method="forecast")
    demand = pytest.importorskip("shoplens.analyses.forecast.demand")
    with shoplens.connect(str(tiny), read_only=True) as wh:
        got = shoplens.replenish(wh, as_of=shop.AS_OF, method="forecast").to_dict()["items"]
        expected = demand.daily_demand(wh, "r1", ["A", "B", "C", "D"], shop.AS_OF, 14)
    z = NormalDist().inv_cdf(0.95)
    for item in got:
        d, sd = expected[item["product_id"]]
        assert item["daily_demand"] == pytest.approx(d) and item["demand_sd"] == pytest.approx(sd)
        assert item["safety_stock"] == pytest.approx(z * sd * math.sqrt(14))
        assert item["reorder_point"] == pytest.approx(d * 14 + z * sd * math.sqrt(14))



def test_forecast_method_with_a_lead_time_over_a_year(tiny: Path) -> None:
    """A lead time of 400 days: the forecast's longest horizon (366 days) gives d and σ, with a note (it was a
    --horizon error); the plan itself uses the 400 days."""
    demand = pytest.importorskip("shoplens.analyses.forecast.demand")
    with shoplens.connect(str(tiny), read_only=True) as wh:
        got = shoplens.replenish(wh, as_of=shop.AS_OF, method="forecast", lead_time=400).to_dict()
        expected = demand.daily_demand(wh, "r1", ["A", "B", "C", "D"], shop.AS_OF, 366)
    assert any("366" in n["en"] and "366" in n["zh"] for k, n in got["notes"].items() if "long_lead" in k)
    z = NormalDist().inv_cdf(0.95)
    for item in got["items"]:
        d, sd = expected[item["product_id"]]
        assert item["lead_time_days"] == 400 and item["daily_demand"] == pytest.approx(d)
        assert item["reorder_point"] == pytest.approx(d * 400 + z * sd * math.sqrt(400))

DEMO_UNITS = """
WITH days AS (SELECT CAST(range AS DATE) AS day FROM range(DATE '{start}', DATE '{end}' + 1, INTERVAL 1 DAY)),
sold AS (
  SELECT CAST(timezone('Asia/Shanghai', timezone('UTC', coalesce(o.paid_ts, o.created_ts))) AS DATE) AS day,
         sum(i.quantity) AS units
  FROM orders o JOIN order_items i ON i.store_id = o.store_id AND i.order_id = o.order_id
  WHERE o.store_id = 'demo' AND i.product_id = ? AND (o.paid_ts IS NOT NULL OR o.status IN ('paid', 'shipped',
        'delivered'))
  GROUP BY 1)
SELECT avg(coalesce(units, 0)), stddev_samp(coalesce(units, 0)) FROM days LEFT JOIN sold USING (day)"""


def test_demo_demand_equals_plain_sql(demo_db: Path) -> None:
    """d and σ of two demo SKUs (a top seller and a slow one) = mean and sample sd of their daily units in
    Shanghai days, by plain SQL over orders and order_items; stock = the last snapshot summed over warehouses."""
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        result = shoplens.replenish(wh, store="demo").to_dict()
    items = by_id_dict(result)
    as_of = date.fromisoformat(result["items"][0]["as_of"])
    ranked = sorted(items.values(), key=lambda i: -i["daily_demand"])
    pair = [ranked[0]["product_id"], ranked[len(ranked) // 2]["product_id"]]
    con = duckdb.connect(str(demo_db), read_only=True)
    sql = DEMO_UNITS.format(start=as_of - timedelta(days=27), end=as_of)
    for pid in pair:
        mean, sd = con.execute(sql, [pid]).fetchone()
        assert items[pid]["daily_demand"] == pytest.approx(mean) and items[pid]["demand_sd"] == pytest.approx(sd)
        on_hand, inbound = con.execute(
            "SELECT sum(on_hand), sum(coalesce(in_transit, 0)) FROM inventory_snapshots WHERE store_id = 'demo'"
            " AND product_id = ? AND date = (SELECT max(date) FROM inventory_snapshots WHERE store_id = 'demo'"
            " AND product_id = ? AND date <= ?)", [pid, pid, as_of]).fetchone()
        assert (items[pid]["on_hand"], items[pid]["in_transit"]) == (on_hand, inbound)
    on_sale = con.execute("SELECT count(*) FROM products WHERE store_id = 'demo' AND status = 'on_sale'"
                          " AND coalesce(product_type, 'merchandise') = 'merchandise'").fetchone()[0]
    con.close()
    assert len(items) + sum(int(n["en"].split()[0]) for k, n in result["notes"].items() if "no_stock" in k) == on_sale


def by_id_dict(result: dict) -> dict:
    return {i["product_id"]: i for i in result["items"]}


def cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SHOPLENS_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "replenish", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_cli_formats_and_config_error(tiny: Path, tmp_path: Path) -> None:
    config = str(tiny.parent / "shoplens.yaml")
    out = cli(tiny, "--as-of", "2026-03-28", "--config", config, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json.loads(json.dumps(run(tiny, config=config).to_dict()))
    out = cli(tiny, "--as-of", "2026-03-28", "--config", config, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["product_id"] for r in rows] == ["C", "A", "B", "D"]
    assert rows[1]["order_qty"] == "29" and rows[3]["days_of_cover"] == "" and "skipped: E" in out.stderr
    out = cli(tiny, "--as-of", "2026-03-28", "--config", config)
    assert out.returncode == 0 and "Reorder point" in out.stdout and "4 SKUs, 2 to reorder now" in out.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("replenish:\n  products: {A: {lead_time_days: -3}}\n", encoding="utf-8")
    out = cli(tiny, "--config", str(bad))
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "replenish.products.A.lead_time_days" in out.stderr


def test_api_matches_python_and_cuts_to_the_login(two_store_api: ApiServer, demo_db: Path) -> None:
    root = two_store_api.client("root")
    r = root.get("/api/v1/replenish", params={"store": "demo"})
    assert r.status_code == 200, r.text
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        local = shoplens.replenish(wh, store="demo").to_dict()
    assert r.json() == json.loads(json.dumps(local))
    # every store of root: "other" has no stock, a note; demo's items are the same
    both = root.get("/api/v1/replenish").json()
    assert both["items"] == r.json()["items"] and "replenish:store:other" in both["notes"]
    exported = root.get("/api/v1/replenish", params={"store": "demo", "format": "csv"})
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [x["product_id"] for x in rows] == [i["product_id"] for i in local["items"]]
    assert [int(x["order_qty"]) for x in rows] == [i["order_qty"] for i in local["items"]]
    # olga sees only "other", which has no inventory: a clear error, never demo's items
    olga = two_store_api.client("olga").get("/api/v1/replenish")
    assert olga.status_code == 400 and "inventory" in olga.json()["error"]["message"]
    denied = two_store_api.client("olga").get("/api/v1/replenish", params={"store": "demo"})
    assert denied.status_code in (403, 404) and "error" in denied.json()
    bad = root.get("/api/v1/replenish", params={"service_level": "1.5"})
    assert bad.status_code in (400, 422) and "error" in bad.json()


def _cover_alerts(db: Path, tmp: Path, config_text: str) -> list[dict]:
    import shutil

    from shoplens.analyses.alerts import alerts_check
    from shoplens.analyses.alerts.rules import load_rules

    copy = tmp / "alerts.duckdb"
    shutil.copy(db, copy)
    config = tmp / "alerts.yaml"
    config.write_text(config_text, encoding="utf-8")
    rules = [r for r in load_rules(config) if r.id == "days_of_cover_below_lead_time"]
    assert rules[0].enabled and rules[0].kind == "cover"
    with shoplens.connect(str(copy)) as wh:
        return alerts_check(wh, day=shop.AS_OF, store="r1", config=config, rules=rules).to_dict()["alerts"]


def test_cover_alert_fires_below_the_lead_time(tiny: Path, tmp_path: Path) -> None:
    """(On hand + inbound) / d < the SKU's lead time from replenish: A 20 / 3 = 6.67 < 7, C 0 / 1 < 14; B's 20 on
    hand alone would be 6.67 < 21, but its 60 inbound make 80 / 3 = 26.7 days: quiet; D sells nothing, never."""
    alerts = {a["dims"]["product"]: a for a in _cover_alerts(tiny, tmp_path, shop.CONFIG)}
    assert set(alerts) == {"A", "C"}
    a = alerts["A"]
    assert (a["metric"], a["value"], a["reference"], a["period"]) == ("stock_units", 20, 21, "2026-03-28")
    assert "SKU A" in a["message"]["en"] and "6.7 days of cover" in a["message"]["en"]
    assert "lead time of 7 days" in a["message"]["en"] and "补货周期 7 天" in a["message"]["zh"]
    assert "0 inbound" in a["message"]["en"] and "在途 0 件" in a["message"]["zh"]


def test_cover_alert_quiet_when_the_cover_lasts(tiny: Path, tmp_path: Path) -> None:
    """A's lead time 6 days: 6.67 days of cover last it; C at zero stock still fires."""
    text = shop.CONFIG.replace("products: {A: {lead_time_days: 7}}", "products: {A: {lead_time_days: 6}}")
    alerts = {a["dims"]["product"] for a in _cover_alerts(tiny, tmp_path, text)}
    assert "A" not in alerts and "C" in alerts


def test_a_cover_rules_own_message_uses_the_cover_placeholders(tiny: Path, tmp_path: Path) -> None:
    """A cover rule's message may use what alerts/cover.py fills ({product}, {inbound}, {cover}, {demand}, {lead});
    A: 20 on hand, 0 inbound, d = 3, cover 20 / 3 = 6.7 days, lead time 7."""
    own = ("  days_of_cover_below_lead_time:\n    message: {en: '{product}|{inbound}|{cover:.1f}|{demand:.0f}|"
           "{lead:g}', zh: '{product}：{lead:g} 天'}\n")
    alerts = {a["dims"]["product"]: a for a in _cover_alerts(tiny, tmp_path, shop.CONFIG + "alerts:\n" + own)}
    assert alerts["A"]["message"] == {"en": "A|0|6.7|3|7", "zh": "A：7 天"}


def test_a_kinds_own_placeholder_is_refused_in_another_kind(tmp_path: Path) -> None:
    """{abc_class} is a stock-out rule's, {inbound} a cover rule's: in a threshold rule they would print a made-up
    value, so the config is refused with the kind's own list."""
    from shoplens.analyses.alerts.rules import load_rules

    for placeholder in ("abc_class", "inbound", "attainment"):
        config = tmp_path / "c.yaml"
        message = "{en: 'x {" + placeholder + "}'}"
        config.write_text(f"alerts:\n  mine: {{kind: threshold, metric: gmv, below: 1, message: {message}}}\n",
                          encoding="utf-8")
        with pytest.raises(ShoplensError, match=f"unknown placeholder {{{placeholder}}} for a threshold rule") as err:
            load_rules(config)
        assert err.value.where.endswith("alerts.mine.message.en") and "abc_class" not in (err.value.hint or "")


def test_cover_rule_takes_no_metric(tmp_path: Path) -> None:
    from shoplens.analyses.alerts.rules import load_rules

    config = tmp_path / "c.yaml"
    config.write_text("alerts:\n  days_of_cover_below_lead_time: {metric: gmv}\n", encoding="utf-8")
    with pytest.raises(ShoplensError, match="a cover rule takes no metric") as err:
        load_rules(config)
    assert err.value.where.endswith("alerts.days_of_cover_below_lead_time") and err.value.zh


def test_stock_sums_each_warehouses_latest_snapshot(tiny: Path, tmp_path: Path) -> None:
    """A warehouse whose last report is older than another's still holds its units: C has 0 in main on 03-28 and
    30 in west on 03-26 (nothing since): on hand 30, so with d = 1 and a 14-day lead time it is not to reorder."""
    import shutil

    copy = tmp_path / "wh.duckdb"
    shutil.copy(tiny, copy)
    con = duckdb.connect(str(copy))
    con.execute("INSERT INTO inventory_snapshots (store_id, date, product_id, warehouse, on_hand, in_transit) "
                "VALUES ('r1', DATE '2026-03-26', 'C', 'west', 30, 0)")
    con.close()
    with shoplens.connect(str(copy)) as wh:
        c = {i["product_id"]: i for i in shoplens.replenish(wh, as_of=shop.AS_OF, store="r1").to_dict()["items"]}["C"]
    assert c["on_hand"] == 30 and c["days_of_cover"] == pytest.approx(30.0)
    assert c["reorder_now"] is (c["reorder_point"] >= 30)


def test_reorder_now_needs_some_demand() -> None:
    """d = 0 and σ = 0 (nobody buys): never; d = 0 and σ > 0 (an intermittent forecast): the safety stock is the
    reorder point and the order, so reorder now and order quantity agree."""
    from shoplens.analyses.replenish.calc import Policy, plan

    policy = Policy(lead_time_days=4, service_level=0.95, review_period_days=7, source={})
    none = plan(0, 0, 0.0, 0.0, policy, shop.AS_OF)
    assert none["reorder_now"] is False and none["order_qty"] == 0
    some = plan(0, 0, 0.0, 0.5, policy, shop.AS_OF)
    safety = NormalDist().inv_cdf(0.95) * 0.5 * 2  # z × σ × √4
    assert some["safety_stock"] == pytest.approx(safety) and some["reorder_now"] is True
    assert some["order_qty"] == math.ceil(safety)
