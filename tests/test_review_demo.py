"""The weekly review on the demo store: its KPIs are the metrics engine's for the same ISO week AND a plain-SQL
recount; the movers are the engine's with why's sentence; funnel and retention come from their analyses; the
REST answer is the Python one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import shoplens
from api_server import ApiServer
from demo_sql import LOCAL, PAID
from shoplens.analyses.review.data import MOVERS

WEEK, MONDAY = "2026-W44", date(2026, 10, 26)  # the demo incident starts on Monday 2026-10-26
KPIS = ("gmv", "uv", "conversion_rate", "aov", "uv_value", "refund_rate", "ad_spend", "roi")


@pytest.fixture(scope="module")
def review_json(demo_db: Path) -> dict:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        return shoplens.review(wh, week=WEEK, store="demo").to_dict()


def _kpis(data: dict) -> dict[str, dict]:
    return {k["metric"]: k for k in data["sections"][0]["kpis"]}


def _sql_week(con: duckdb.DuckDBPyConnection, monday: date) -> dict[str, float]:
    """GMV, orders, buyers by the local day of payment; visitors (distinct over the week) by the local day of their
    events; refunds by the local day of the refund (docs/metrics.md), Monday to Sunday."""
    span = [monday, monday + timedelta(days=6)]
    paid_day = LOCAL.format(ts="coalesce(paid_ts, created_ts)")
    gmv, orders, buyers = con.execute(
        f"SELECT sum(gross_amount_rc), count(*), count(DISTINCT user_id) FROM orders WHERE store_id = 'demo' "
        f"AND {PAID} AND {paid_day} BETWEEN ? AND ?", span).fetchone()
    uv = con.execute(f"SELECT count(DISTINCT user_id) FROM events WHERE store_id = 'demo' AND "
                     f"{LOCAL.format(ts='ts')} BETWEEN ? AND ?", span).fetchone()[0]
    refunds = con.execute(f"SELECT coalesce(sum(amount_rc), 0) FROM refunds WHERE store_id = 'demo' AND "
                          f"{LOCAL.format(ts='ts')} BETWEEN ? AND ?", span).fetchone()[0]
    gmv, refunds = float(gmv), float(refunds)
    return {"gmv": gmv, "uv": uv, "conversion_rate": buyers / uv, "aov": gmv / orders, "refund_rate": refunds / gmv}


def test_kpis_equal_the_engine_and_plain_sql(demo_db: Path, review_json: dict) -> None:
    kpis = _kpis(review_json)
    assert list(kpis) == list(KPIS)
    assert (review_json["meta"]["from"], review_json["meta"]["to"]) == ("2026-10-26", "2026-11-01")
    sunday = MONDAY + timedelta(days=6)
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        engine = shoplens.MetricsEngine(wh)
        row = engine.query(list(KPIS), start=MONDAY, end=sunday, store="demo").rows[0]
        prev = engine.query(list(KPIS), start=MONDAY, end=sunday, compare="previous", store="demo").rows[0]
        weekly = engine.query(list(KPIS), grain="week", start=MONDAY, end=sunday, store="demo").rows[0]
    assert weekly["period"] == WEEK
    for m in KPIS:
        assert kpis[m]["value"] == pytest.approx(row[m], rel=1e-12), m
        refs = {c["key"]: c for c in kpis[m]["comparisons"]}
        assert refs["prev_week"]["reference"] == pytest.approx(prev[f"{m}__previous"], rel=1e-12), m
        assert refs["prev_week"]["change"] == pytest.approx(prev[f"{m}__previous_change"], rel=1e-9), m
        assert refs["target"]["change"] == weekly.get(f"{m}__attainment"), m
        # the demo store starts on 2026-05-20: 2025-W44 is not in the data
        assert (refs["last_year"]["reference"], refs["last_year"]["change"]) == (None, None), m
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        week, before = _sql_week(con, MONDAY), _sql_week(con, MONDAY - timedelta(days=7))
    finally:
        con.close()
    for m, expected in week.items():  # abs: the engine rounds ratios to 10 decimals
        assert kpis[m]["value"] == pytest.approx(expected, rel=1e-9, abs=1e-9), m
        refs = {c["key"]: c for c in kpis[m]["comparisons"]}
        assert refs["prev_week"]["reference"] == pytest.approx(before[m], rel=1e-9, abs=1e-9), m
        assert refs["prev_week"]["change"] == pytest.approx(expected / before[m] - 1, rel=1e-6), m
    conv = {c["key"]: c for c in kpis["conversion_rate"]["comparisons"]}["target"]
    assert conv["reference"] == 0.03 and conv["change"] == pytest.approx(week["conversion_rate"] / 0.03, rel=1e-6)
    assert review_json["remarks"][0]["en"].startswith("No data for the same week last year: 2025-W44")


def test_movers_are_the_engines_and_carry_whys_sentence(demo_db: Path, review_json: dict) -> None:
    """Channels: the largest GMV rises then the largest falls (MOVERS each) against the previous week, as the
    engine counts them (the incident of 2026-10-25..27 straddles two weeks; the week's paid_search GMV still
    rose); each line's reason is why's sentence for that channel and week, e.g. referral, the largest fall."""
    from shoplens.analyses.brief.labels import value_label

    sunday = MONDAY + timedelta(days=6)
    channels = next(s for s in review_json["sections"] if s["title"]["en"] == "Channels: what grew and what fell")
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        rows = shoplens.MetricsEngine(wh).query(["gmv"], by=["channel"], start=MONDAY, end=sunday,
                                                compare="previous", store="demo").rows
        fell_most = min(rows, key=lambda r: r["gmv"] - r["gmv__previous"])["channel"]
        sentence = shoplens.why(wh, "gmv", start=MONDAY, end=sunday, compare="previous", store="demo",
                                where={"channel": fell_most}).to_dict()["summary"]
    deltas = {r["channel"]: r["gmv"] - r["gmv__previous"] for r in rows}
    grew = sorted((c for c, v in deltas.items() if v > 0), key=lambda c: -deltas[c])[:MOVERS]
    fell = sorted((c for c, v in deltas.items() if v < 0), key=lambda c: deltas[c])[:MOVERS]
    assert [i["label"] for i in channels["items"]] == [value_label("channel", c) for c in grew + fell]
    first_fall = channels["items"][len(grew)]
    assert first_fall["reason"] == sentence and first_fall["change"] < 0
    assert "2026-10-19..2026-10-25" in sentence["en"]  # why's reference for a 7-day period: the week before
    for dim in ("Categories", "Products", "Countries"):
        section = next(s for s in review_json["sections"] if s["title"]["en"].startswith(dim))
        assert 1 <= len(section["items"]) <= 2 * MOVERS and all(i["reason"]["en"] and i["reason"]["zh"]
                                                       for i in section["items"])


def test_funnel_and_retention_come_from_their_analyses(demo_db: Path, review_json: dict) -> None:
    from shoplens.analyses.review.data import FUNNEL
    from shoplens.server.warmup import DEFAULT_FUNNEL

    assert FUNNEL == DEFAULT_FUNNEL  # the review reads the dashboard's default funnel
    funnel = next(s for s in review_json["sections"] if s["title"]["en"] == "Funnel changes")
    retention = next(s for s in review_json["sections"] if s["title"]["en"] == "Retention changes")
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        now = shoplens.funnel(wh, FUNNEL["steps"], store="demo", start=MONDAY, end=MONDAY + timedelta(days=6)).steps
        before = shoplens.funnel(wh, FUNNEL["steps"], store="demo", start=MONDAY - timedelta(days=7),
                                 end=MONDAY - timedelta(days=1)).steps
        cohorts = shoplens.retention(wh, cohort_event="page_view", period="week", first_time=True, store="demo",
                                     start=MONDAY - timedelta(days=14), end=MONDAY).cohorts
    assert [r[1] for r in funnel["rows"]] == [now[1].step_conversion, now[2].step_conversion, now[2].conversion]
    assert [r[2] for r in funnel["rows"]] == [before[1].step_conversion, before[2].step_conversion,
                                             before[2].conversion]
    assert funnel["rows"][0][0] == {"en": "Product view → Add to cart", "zh": "浏览商品 → 加入购物车"}
    assert [(r[0], r[1]) for r in retention["rows"]] == [(c.cohort, c.size) for c in cohorts]
    assert [r[0] for r in retention["rows"]] == ["2026-W42", "2026-W43", "2026-W44"]
    # week 1 of each cohort is the next week, complete here (the data runs to 2026-11-15)
    assert [r[2] for r in retention["rows"]] == [pytest.approx(c.values[1] / c.size) for c in cohorts]


def test_api_review(two_store_api: ApiServer, review_json: dict) -> None:
    root = two_store_api.client("root")
    r = root.get("/api/v1/review", params={"week": WEEK, "store": "demo"})
    assert r.status_code == 200, r.text
    assert r.json() == review_json
    html = root.get("/api/v1/review", params={"week": WEEK, "store": "demo", "format": "html", "lang": "zh"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "运营周报" in html.text and "http" not in html.text
    md = root.get("/api/v1/review", params={"week": WEEK, "store": "demo", "format": "markdown", "lang": "en"})
    assert md.status_code == 200 and md.text.startswith("# Weekly review")
    denied = two_store_api.client("olga").get("/api/v1/review", params={"store": "demo"})
    assert denied.status_code in (403, 404) and "error" in denied.json()
    for week in ("2026-W47", "soon"):
        bad = root.get("/api/v1/review", params={"store": "demo", "week": week})
        assert bad.status_code == 400 and bad.json()["error"]["zh"], bad.text


def test_recommendations_for_next_week(demo_db: Path, review_json: dict) -> None:
    """The rule catalog on the week's Sunday, highest priority first, each line with its id (to log it as an
    action) and its expected effect."""
    from shoplens.analyses.review.loop import MAX_RECOMMENDATIONS

    section = next(s for s in review_json["sections"] if s["title"]["en"] == "Recommendations for next week")
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        found = shoplens.recommend(wh, day=MONDAY + timedelta(days=6), store="demo").recommendations
    assert found and len(section["items"]) == min(len(found), MAX_RECOMMENDATIONS)
    for item, rec in zip(section["items"], found, strict=False):
        assert item["label"] == rec["action"]
        assert rec["id"] in item["reason"]["en"] and rec["id"] in item["reason"]["zh"]
        assert item["value"] == (rec["expected_effect"] or {}).get("value")
