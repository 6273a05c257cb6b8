"""The daily brief on the demo store: its KPIs are the metrics engine's for the same day AND a plain-SQL recount;
the REST answer is the Python one, cut to the login's stores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

import shoplens
from api_server import ApiServer
from demo_sql import LOCAL, PAID

DAY = date(2026, 10, 26)  # inside the demo incident: paid_search payment conversion collapses
KPIS = ("gmv", "uv", "conversion_rate", "aov", "uv_value", "refund_rate", "ad_spend", "roi")


@pytest.fixture(scope="module")
def brief_json(demo_db: Path) -> dict:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        return shoplens.brief(wh, day=DAY, store="demo").to_dict()


def _kpis(data: dict) -> dict[str, dict]:
    return {k["metric"]: k for k in data["sections"][0]["kpis"]}


def _sql_day(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, float]:
    """GMV, orders, buyers by the local day of payment (paid_ts, else created_ts); visitors by the local day of their
    events; refunds by the local day of the refund (docs/metrics.md)."""
    paid_day = LOCAL.format(ts="coalesce(paid_ts, created_ts)")
    gmv, orders, buyers = con.execute(
        f"SELECT sum(gross_amount_rc), count(*), count(DISTINCT user_id) FROM orders WHERE store_id = 'demo' "
        f"AND {PAID} AND {paid_day} = ?", [day]).fetchone()
    uv = con.execute(f"SELECT count(DISTINCT user_id) FROM events WHERE store_id = 'demo' AND {LOCAL.format(ts='ts')}"
                     " = ?", [day]).fetchone()[0]
    refunds = con.execute(f"SELECT coalesce(sum(amount_rc), 0) FROM refunds WHERE store_id = 'demo' AND "
                          f"{LOCAL.format(ts='ts')} = ?", [day]).fetchone()[0]
    gmv, refunds = float(gmv), float(refunds)
    return {"gmv": gmv, "uv": uv, "conversion_rate": buyers / uv, "aov": gmv / orders, "uv_value": gmv / uv,
            "refund_rate": refunds / gmv}


def test_kpis_equal_the_engine_and_plain_sql(demo_db: Path, brief_json: dict) -> None:
    kpis = _kpis(brief_json)
    assert list(kpis) == list(KPIS)
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        engine = shoplens.MetricsEngine(wh)
        row = engine.query(list(KPIS), start=DAY, end=DAY, store="demo").rows[0]
        dod = engine.query(list(KPIS), start=DAY, end=DAY, compare="previous", store="demo").rows[0]
        wow = engine.query(list(KPIS), start=DAY, end=DAY, compare="wow", store="demo").rows[0]
    for m in KPIS:
        assert kpis[m]["value"] == row[m], m
        refs = {c["key"]: c for c in kpis[m]["comparisons"]}
        assert (refs["dod"]["reference"], refs["dod"]["change"]) == (dod[f"{m}__previous"],
                                                                      dod[f"{m}__previous_change"])
        assert (refs["wow"]["reference"], refs["wow"]["change"]) == (wow[f"{m}__wow"], wow[f"{m}__wow_change"])
        assert refs["target"]["change"] == row.get(f"{m}__attainment")
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        today, before = _sql_day(con, DAY), _sql_day(con, date(2026, 10, 25))
        week = _sql_day(con, date(2026, 10, 19))
    finally:
        con.close()
    for m, expected in today.items():  # abs: the engine rounds ratios to 10 decimals
        assert kpis[m]["value"] == pytest.approx(expected, rel=1e-9, abs=1e-9), m
        refs = {c["key"]: c for c in kpis[m]["comparisons"]}
        assert refs["dod"]["reference"] == pytest.approx(before[m], rel=1e-9, abs=1e-9), m
        assert refs["wow"]["reference"] == pytest.approx(week[m], rel=1e-9, abs=1e-9), m
        assert refs["wow"]["change"] == pytest.approx(expected / week[m] - 1, rel=1e-6), m
    # the target of conversion is the shipped default (3 %): attainment = value / target
    conv = {c["key"]: c for c in kpis["conversion_rate"]["comparisons"]}["target"]
    assert conv["reference"] == 0.03 and conv["change"] == pytest.approx(today["conversion_rate"] / 0.03, rel=1e-6)


def test_movers_name_the_incident(brief_json: dict) -> None:
    """GMV fell against the same weekday; its reason is why's sentence, which names paid_search."""
    movers = next(s for s in brief_json["sections"] if s["kind"] == "ranked")
    assert len(movers["items"]) == 3
    changes = [abs(i["change"]) for i in movers["items"]]
    assert changes == sorted(changes, reverse=True)
    gmv = next((i for i in movers["items"] if i["label"]["en"] == "GMV"), None)
    assert gmv is not None and "paid_search" in gmv["reason"]["en"] and "paid_search" in gmv["reason"]["zh"]


def test_channels_and_products_come_from_the_engine(demo_db: Path, brief_json: dict) -> None:
    tables = [s for s in brief_json["sections"] if s["kind"] == "table"]
    channels = tables[0]["rows"]
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        rows = shoplens.MetricsEngine(wh).query(["gmv"], by=["channel"], start=DAY, end=DAY, store="demo").rows
    assert sum(r[1] for r in channels) == pytest.approx(sum(r["gmv"] for r in rows))
    paid = next(r for r in channels if r[0] == {"zh": "付费搜索", "en": "Paid search"})
    assert paid[2] < -0.9  # the incident: paid_search GMV collapsed against the same weekday
    top = next(s for s in brief_json["sections"] if s["kind"] == "ranked" and s["title"]["en"] == "Top products")
    values = [i["value"] for i in top["items"]]
    assert values == sorted(values, reverse=True) and len(values) == 5


def test_stock_risk_rule(demo_db: Path) -> None:
    """On 2026-11-20 a top seller has fewer days of cover than the lead time: the rule of analyses/brief/data.py,
    recomputed here from the engine's own metrics."""
    from shoplens.analyses.brief import data as D

    day = date(2026, 11, 15)
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        engine = shoplens.MetricsEngine(wh)
        risks = D.stock_risks(engine, "demo", day)
        sellers = engine.query(["gmv"], by=["product"], start=date(2026, 10, 19), end=day, store="demo", sort="gmv",
                               limit=D.TOP_SELLERS).rows
        ids = [r["product"] for r in sellers]
        cover = {r["product"]: r["inventory_turnover_days"] for r in engine.query(
            ["inventory_turnover_days"], by=["product"], start=date(2026, 11, 9), end=day, where={"product": ids},
            store="demo").rows}
    expected = {p for p, d in cover.items() if d is not None and d < D.LEAD_TIME_DAYS}
    assert {r["product"] for r in risks if not r["out_of_stock"]} == expected
    assert all(r["product"] in ids for r in risks)


def test_stock_risk_uses_each_skus_lead_time(demo_db: Path) -> None:
    """The lead time is the SKU's from the config's replenish: section, resolved as replenish resolves it: with a
    60-day default every top seller under 60 days of cover is at risk, except the one given its own 1-day lead time."""
    from shoplens.analyses.brief import data as D
    from shoplens.analyses.replenish.config import parse_config

    day = date(2026, 11, 15)
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        engine = shoplens.MetricsEngine(wh)
        sellers = [r["product"] for r in engine.query(["gmv"], by=["product"], start=date(2026, 10, 19), end=day,
                                                      store="demo", sort="gmv", limit=D.TOP_SELLERS).rows]
        cover = {r["product"]: r["inventory_turnover_days"] for r in engine.query(
            ["inventory_turnover_days"], by=["product"], start=date(2026, 11, 9), end=day,
            where={"product": sellers}, store="demo").rows}
        in_stock = {p for p, d in cover.items() if d is not None and d < 60}
        assert len(in_stock) >= 2
        quick = sorted(in_stock)[0]
        config = parse_config({"defaults": {"lead_time_days": 60}, "products": {quick: {"lead_time_days": 1}}},
                              "shoplens.yaml: replenish")
        risks = D.stock_risks(engine, "demo", day, config)
    below = {r["product"] for r in risks if not r["out_of_stock"]}
    assert below == {p for p in in_stock if p != quick or cover[p] < 1}
    assert all(r["lead_time_days"] == (1 if r["product"] == quick else 60) for r in risks)


def test_a_mistake_in_replenish_does_not_stop_the_brief(demo_db: Path, tmp_path: Path) -> None:
    """A bad replenish: section (a negative lead time) leaves the brief whole: every SKU gets the built-in 14 days,
    as with no config, and the stock section's note names the mistake in both languages."""
    config = tmp_path / "shoplens.yaml"
    config.write_text("replenish:\n  defaults: {lead_time_days: -3}\n", encoding="utf-8")
    day = date(2026, 11, 15)
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        plain = shoplens.brief(wh, day=day).to_dict()
        bad = shoplens.brief(wh, day=day, config=config).to_dict()

    def stock(report: dict) -> dict:
        return next(s for s in report["sections"] if s["title"]["en"] == "Stock risks")

    assert stock(bad)["rows"] == stock(plain)["rows"] and len(stock(plain)["rows"]) == 2  # SKU100252, SKU100056
    assert all(row[2] == 14 for row in stock(bad)["rows"])
    assert "replenish.defaults.lead_time_days" in stock(bad)["note"]["en"]
    assert "every SKU got 14 days" in stock(bad)["note"]["en"] and "所有商品按 14 天计" in stock(bad)["note"]["zh"]
    assert "mistake" not in stock(plain)["note"]["en"]


def test_open_alerts_are_listed(demo_db: Path, tmp_path: Path) -> None:
    """After `alerts check`, the brief lists every alert of the store still open, high severity first."""
    import shutil

    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    with shoplens.connect(str(copy)) as wh:
        fired = shoplens.alerts_check(wh, day=DAY, store="demo").alerts
        shoplens.alerts_resolve(wh, fired[-1]["id"], "handled")
        listed = next(s for s in shoplens.brief(wh, day=DAY).to_dict()["sections"] if s["kind"] == "alerts")
    assert len(fired) >= 2
    expected = [a["message"] for a in fired[:-1]]
    assert sorted(a["message"]["en"] for a in listed["alerts"]) == sorted(m["en"] for m in expected)
    ranks = [{"high": 0, "medium": 1, "low": 2}[a["severity"]] for a in listed["alerts"]]
    assert ranks == sorted(ranks)


def test_api_brief(two_store_api: ApiServer, brief_json: dict) -> None:
    root = two_store_api.client("root")
    r = root.get("/api/v1/brief", params={"date": "2026-10-26", "store": "demo"})
    assert r.status_code == 200, r.text
    assert r.json() == brief_json
    html = root.get("/api/v1/brief", params={"date": "2026-10-26", "store": "demo", "format": "html", "lang": "zh"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "运营日报" in html.text and "http" not in html.text
    md = root.get("/api/v1/brief", params={"date": "2026-10-26", "store": "demo", "format": "markdown", "lang": "en"})
    assert md.status_code == 200 and md.text.startswith("# Daily brief")
    denied = two_store_api.client("olga").get("/api/v1/brief", params={"store": "demo"})
    assert denied.status_code in (403, 404) and "error" in denied.json()
    bad = root.get("/api/v1/brief", params={"store": "demo", "date": "2031-01-01"})
    assert bad.status_code == 400 and bad.json()["error"]["zh"], bad.text


def test_api_brief_follows_alert_checks_without_an_import(two_store_api: ApiServer) -> None:
    """The server keeps answers until the data changes; the brief also reads the alerts, so an alert check (no
    import) must give a new brief, not the kept one."""
    root = two_store_api.client("root")
    params = {"date": "2026-10-25", "store": "demo"}  # a day no other test of this module checks

    def listed() -> list[str]:
        r = root.get("/api/v1/brief", params=params)
        assert r.status_code == 200, r.text
        section = next(s for s in r.json()["sections"] if s["kind"] == "alerts")
        return sorted(a["message"]["en"] for a in section["alerts"])

    before = listed()  # this answer is now kept by the server
    checked = root.post("/api/v1/alerts/check", params=params)
    assert checked.status_code == 200, checked.text
    stored = root.get("/api/v1/alerts", params={"to": "2026-10-25", "store": "demo"}).json()["alerts"]
    expected = sorted(a["message"]["en"] for a in stored if a["status"] in ("open", "acknowledged"))
    assert len(expected) > len(before)  # the incident's first day fires alerts
    assert listed() == expected
