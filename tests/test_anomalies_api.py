"""Anomalies on the demo store and over the real API server: the same JSON as the Python API, the login's stores
only; the demo's incident (found in its channel, not at store level) and promotions (quiet)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from statistics import median

import duckdb

import shoplens
from api_server import ApiServer
from shoplens.analyses.anomalies.calendar import load_calendar
from shoplens.analyses.anomalies.detect import excluded_days
from shoplens.demo.calendar import build_calendar
from shoplens.warehouse.scope import StoreInfo

INCIDENT = ("2026-10-25", "2026-10-27")  # paid_search payment conversion collapses (DemoSummary.incident)


def test_api_answers_the_python_json_cut_to_the_login(two_store_api: ApiServer, demo_db: Path) -> None:
    params = {"metrics": "conversion_rate,uv", "from": "2026-10-01", "to": "2026-10-31"}
    r = two_store_api.client("root").get("/api/v1/anomalies", params={**params, "store": "demo"})
    assert r.status_code == 200, r.text
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        local = shoplens.anomalies(wh, "conversion_rate,uv", start=date(2026, 10, 1), end=date(2026, 10, 31),
                                   store="demo").to_dict()
    assert r.json() == local
    # olga sees only the store "other" (data 2026-11-01..03): never a demo series, and October is a range without
    # data for her (an error naming her store's days only, not the demo's)
    olga = two_store_api.client("olga").get("/api/v1/anomalies", params={**params, "to": "2026-11-05"})
    assert olga.status_code == 200, olga.text
    assert all(a["store"] == "other" for a in olga.json()["anomalies"])
    october = two_store_api.client("olga").get("/api/v1/anomalies", params=params)
    assert october.status_code == 400 and "other 2026-11-01..2026-11-03" in october.json()["error"]["hint"]
    assert "demo" not in october.text
    denied = two_store_api.client("olga").get("/api/v1/anomalies", params={**params, "store": "demo"})
    assert denied.status_code in (403, 404) and "error" in denied.json()
    bad = two_store_api.client("root").get("/api/v1/anomalies", params={"metrics": "gmvv"})
    assert bad.status_code == 400 and "gmv" in bad.json()["error"]["hint"]
    csv = two_store_api.client("root").get("/api/v1/anomalies", params={**params, "store": "demo", "format": "csv"})
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("metric,store,dimension")
    assert len(csv.text.strip().splitlines()) == len(local["anomalies"]) + 1


PAID_SEARCH_DAYS = """SELECT CAST(ts + INTERVAL 8 HOUR AS DATE) d, count(DISTINCT user_id) visitors,
    count(DISTINCT user_id) FILTER (WHERE event = 'purchase') purchasers FROM events
    WHERE store_id = 'demo' AND channel = 'paid_search' GROUP BY 1"""


def test_demo_paid_search_incident_is_flagged(demo_db: Path) -> None:
    """The default demo's paid_search is big enough to judge (plain SQL: >= 100 visitors and dozens of buyers
    a day), its incident days fall far outside the binomial noise of its usual conversion (an independent z
    below -5 each day), and the detector flags each of the three days: bad, down, high severity. Store-level
    conversion does not collapse with it (the collapse hides in one channel)."""
    con = duckdb.connect(str(demo_db), read_only=True)
    days = {d: (v, b) for d, v, b in con.execute(PAID_SEARCH_DAYS).fetchall()}
    con.close()
    start, end = (date.fromisoformat(x) for x in INCIDENT)
    usual = [days[d] for d in days if start - timedelta(days=42) <= d < start]  # the detector's 6 weeks
    assert median(v for v, _ in usual) >= 100 and median(b for _, b in usual) >= 30
    for d in (start, start + timedelta(days=1), end):
        same = [days[d - timedelta(days=7 * w)] for w in range(1, 7)]  # same weekday, 6 weeks before
        p = median(b / v for v, b in same)
        visitors, buyers = days[d]
        z = (buyers / visitors - p) / math.sqrt(p * (1 - p) / visitors)
        assert buyers / visitors < 0.3 * p and z < -5, (d, buyers, visitors, p, z)
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        out = shoplens.anomalies(wh, "conversion_rate", by="channel", start=start, end=end).to_dict()
        store = shoplens.anomalies(wh, "conversion_rate", start=start, end=end).to_dict()
    flagged = {a["period"]: a for a in out["anomalies"] if a["dims"] == {"channel": "paid_search"}}
    assert sorted(flagged) == [start.isoformat(), (start + timedelta(days=1)).isoformat(), end.isoformat()]
    for a in flagged.values():
        assert (a["direction"], a["bad"], a["severity"]) == ("down", True, "high") and a["score"] <= -7, a
        assert a["value"] < 0.3 * a["expected"]
    # the store level does not collapse with it (README: it falls 16-33 %, just inside its band): not high
    assert store["checked"]["points"] == 3
    assert all(a["severity"] != "high" and a["value"] > 0.6 * a["expected"] for a in store["anomalies"])


def test_demo_promotions_raise_no_anomaly(demo_db: Path) -> None:
    """618 (2026-06-01..18) and 双11 (10-31..11-11) with the days around them are not judged: their peaks, at 2.8x
    and 4x the usual traffic, raise nothing, at store level or in any channel."""
    promo_days = {f"2026-06-{d:02d}" for d in range(1, 22)} | {"2026-10-30", "2026-10-31"} | {
        f"2026-11-{d:02d}" for d in range(1, 15)}
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        for by in (None, "channel"):
            out = shoplens.anomalies(wh, start=date(2026, 5, 31), end=date(2026, 11, 15), by=by).to_dict()
            assert not {a["period"] for a in out["anomalies"]} & promo_days, by
            assert out["checked"]["skipped"]["promotion"] > 0


def test_demo_promotions_lie_inside_the_shipped_calendar() -> None:
    """Every day the demo generator shapes as a promotion (warm-up, waves, peak, hangover) is a day the detector's
    shipped calendar excludes, so the demo's promotions cannot raise an anomaly just outside the calendar."""
    cal = build_calendar(date(2026, 11, 15), 180, "Asia/Shanghai")
    shaped = {d for d, name in zip(cal.days, cal.promo, strict=True) if name}
    shipped = load_calendar(None)
    demo = StoreInfo("demo", "Asia/Shanghai", "CNY")  # what the demo store is (a China store: 618 and 双11 apply)
    excluded = excluded_days(shipped.spans(demo, cal.start, cal.end), shipped.before, shipped.after)
    assert shaped and shaped <= excluded, sorted(shaped - excluded)
