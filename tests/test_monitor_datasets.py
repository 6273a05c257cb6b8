"""Anomalies and root cause on a real data set (UCI Online Retail) against an INDEPENDENT computation.

The daily series come from the raw CSV with pandas, not through shoplens, using the preset's documented rules
(docs/presets.md#online-retail): an invoice starting with ``C`` is a cancellation (a refund, not an order), one
starting with ``A`` is a bad-debt adjustment (not a sale); every other invoice is an order made of its lines with
Quantity > 0 and UnitPrice > 0, worth the sum of Quantity x UnitPrice, placed on the day of its earliest line
(the file's times are Europe/London local times, so the local day is the text's date), bought by its CustomerID
(empty: a guest, not a paying buyer), in the country of its first line.

The detector is written out again from its documentation (detect.py, README "Anomalies"): expected = median of the
same weekday over the previous 6 weeks, scale = max(1.4826 x MAD of the pooled residuals, 2 % of expected), band =
expected +- k x scale (lower end at least 0); promotion days (618, 双11 with 1 day before and 3 after) are neither
judged nor learned from, but only in stores of the CN market (reporting currency CNY or a China time zone): the UK
shop (the preset's Europe/London and GBP, docs/presets.md) has none; closed days of the config are neither judged
nor learned from (no margin); fewer than 3 same-weekday history days: not judged; usual volume (median of the volume
measure on those days) below the floor: not judged. A day inside the data without orders is 0 (the shop sells
nothing on Saturdays and at Christmas); days before the first export have no value. The default range is the 30 days
up to the last complete day: the last day with data, unless its latest order is placed at an earlier time of day
than the latest order of every one of the 28 days with orders before it (the file stops at 12:50 on 2011-12-09, a
shop that trades until 16:00 and later): then the day before.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from statistics import median
from typing import Any

import pandas as pd
import pytest

import shoplens
from shoplens.analyses.anomalies.detect import Params, Series, baseline

RETAIL = "online_retail/online_retail.csv.gz"
FIRST, LAST = date(2010, 12, 1), date(2011, 12, 9)
K = {"low": 4.5, "medium": 3.5, "high": 2.5}
FLOORS = {"gmv": ("orders", 20), "orders": ("orders", 20), "paying_buyers": ("paying_buyers", 20)}
METRICS = tuple(FLOORS)


# ---- the independent computation -------------------------------------------------------------------
def retail_orders(path: Path) -> pd.DataFrame:
    """One row per order: invoice, day (local), time placed (local, "HH:MM:SS"), amount, customer (None: guest),
    country."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = ["invoice", "stock", "description", "quantity", "date", "price", "customer", "country"]
    inv = df.invoice.str.strip()
    sale = (~inv.str.startswith(("C", "A"))) & (df.quantity.astype(int) > 0) & (df.price.astype(float) > 0)
    lines = df[sale].assign(invoice=inv[sale], amount=df.quantity[sale].astype(int) * df.price[sale].astype(float),
                            customer=df.customer[sale].str.strip().replace("", None))
    return lines.groupby("invoice", sort=False).agg(
        day=("date", lambda s: date.fromisoformat(min(s)[:10])), placed=("date", lambda s: min(s)[11:19]),
        amount=("amount", "sum"),
        customer=("customer", "first"), country=("country", "first")).reset_index()


def daily(orders: pd.DataFrame) -> dict[str, dict[date, float]]:
    """metric -> day -> value for every day FIRST..LAST (0 where nothing was sold)."""
    per = orders.groupby("day").agg(gmv=("amount", "sum"), orders=("invoice", "size"),
                                    paying_buyers=("customer", "nunique"))
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    return {m: {d: float(per[m].get(d, 0.0)) for d in days} for m in METRICS}


def promotion_days(promotions: list[tuple[str, str]]) -> set[date]:
    """The documented default calendar: each MM-DD span of 2010 and 2011, one day before, three after."""
    out: set[date] = set()
    for year in (2010, 2011):
        for first, last in promotions:
            d = date.fromisoformat(f"{year}-{first}") - timedelta(days=1)
            while d <= date.fromisoformat(f"{year}-{last}") + timedelta(days=3):
                out.add(d)
                d += timedelta(days=1)
    return out


DEFAULT_PROMOTIONS = [("06-01", "06-18"), ("10-31", "11-11")]
CHINA_ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Kashgar", "PRC")
UK_CURRENCY, UK_ZONE = "GBP", "Europe/London"  # the online-retail preset's store defaults (docs/presets.md)


def shipped_promotion_days(currency: str, zone: str) -> set[date]:
    """The shipped 618 and 双11 belong to the CN market: a store reporting in CNY or in a China time zone."""
    return promotion_days(DEFAULT_PROMOTIONS) if currency == "CNY" or zone in CHINA_ZONES else set()


# the README's closed days of the UK shop (calendar closed:), written out day by day
UK_CLOSED = ({date(2010, 12, 24) + timedelta(days=i) for i in range(11)}  # christmas: 12-24 .. 01-03
             | {date(2011, 12, 24) + timedelta(days=i) for i in range(11)}
             | {date(2011, 4, 22), date(2011, 4, 23), date(2011, 4, 24), date(2011, 4, 25), date(2011, 4, 29),
                date(2011, 5, 2), date(2011, 5, 30), date(2011, 8, 29)})
UK_CLOSED_YAML = """calendar:
  closed:
    christmas: {from: 12-24, to: 01-03, stores: [uk]}
    easter_2011: {from: 2011-04-22, to: 2011-04-25, stores: [uk]}
    bank_holidays_2011: {days: [2011-04-29, 2011-05-02, 2011-05-30, 2011-08-29], stores: [uk]}
"""


def last_complete_day(orders: pd.DataFrame) -> tuple[date, str]:
    """(last complete day, the time the data stops on the last day) by the documented rule."""
    ends = orders.groupby("day").placed.max().sort_index()
    last, stops = ends.index[-1], ends.iloc[-1]
    usual = ends.iloc[-29:-1].min()  # the 28 days with orders before the last
    return (last - timedelta(days=1) if stops < usual else last), stops


def reference(values: dict[date, float], volume: dict[date, float], floor: float, excluded: set[date],
              day: date, k: float, closed: frozenset[date] = frozenset()) -> tuple[float, float, float] | str:
    """(expected, lower, upper) of ``day`` or why it is not judged: the README's rule written out."""
    if day in excluded:
        return "promotion"
    if day in closed:
        return "closed"
    window = [day - timedelta(days=i) for i in range(1, 43)]
    usable = [d for d in window if d in values and d not in excluded and d not in closed]
    same = [d for d in usable if d.weekday() == day.weekday()]
    if len(same) < 3:
        return "history"
    if median(volume[d] for d in same) < floor:
        return "volume"
    centre = {w: median(values[d] for d in usable if d.weekday() == w) for w in {d.weekday() for d in usable}}
    residuals = pd.Series([values[d] - centre[d.weekday()] for d in usable])
    mad = (residuals - residuals.median()).abs().median()
    expected = centre[day.weekday()]
    scale = max(1.4826 * mad, 0.02 * abs(expected))
    return expected, max(expected - k * scale, 0.0), expected + k * scale  # GMV, orders, buyers: never below 0


def expected_anomalies(series: dict[str, dict[date, float]], excluded: set[date], k: float, start: date,
                       end: date = LAST, closed: frozenset[date] = frozenset(),
                       ) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, int]]:
    """The flagged (metric, day) with their numbers, and how many days were judged / skipped per reason."""
    flagged: dict[tuple[str, str], dict[str, Any]] = {}
    counts = {"points": 0, "promotion": 0, "closed": 0, "history": 0, "volume": 0, "no_value": 0}
    for m in METRICS:
        vol_metric, floor = FLOORS[m]
        day = start
        while day <= end:
            ref = reference(series[m], series[vol_metric], floor, excluded, day, k, closed)
            if isinstance(ref, str):
                counts[ref] += 1
            else:
                counts["points"] += 1
                expected, lower, upper = ref
                value = series[m][day]
                if not lower <= value <= upper:
                    flagged[(m, day.isoformat())] = {"value": value, "expected": expected, "lower": lower,
                                                     "upper": upper, "direction": "up" if value > expected else "down",
                                                     "score": (value - expected) / ((upper - expected) / k)}
            day += timedelta(days=1)
    return flagged, counts


# ---- fixtures ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def orders(datasets: Path) -> pd.DataFrame:
    return retail_orders(datasets / RETAIL)


@pytest.fixture(scope="module")
def series(orders: pd.DataFrame) -> dict[str, dict[date, float]]:
    return daily(orders)


@pytest.fixture(scope="module")
def retail_wh(retail_db: Path):
    with shoplens.connect(str(retail_db), read_only=True) as wh:
        yield wh


def close(a: float, b: float) -> bool:
    """Equal up to the 4 decimals (6 significant digits below 1) the JSON is rounded to."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-4)


# ---- anomalies ----------------------------------------------------------------------------------------
def test_daily_series_match_the_engine(retail_wh: Any, series: dict[str, dict[date, float]]) -> None:
    """The cleaning rules agree before anything is judged: every day's gmv, orders and paying buyers."""
    rows = shoplens.MetricsEngine(retail_wh).query(list(METRICS), by=["store"], grain="day", start=FIRST,
                                                   end=LAST, targets=False).rows
    got = {(r["period"][:10] if isinstance(r["period"], str) else r["period"].isoformat()): r for r in rows}
    for m in METRICS:
        for d, want in series[m].items():
            have = float(got[d.isoformat()][m] or 0.0) if d.isoformat() in got else 0.0
            assert close(have, want), (m, d, have, want)
    # 19,959 orders: what the README's import example reports as rows written to orders
    assert sum(series["orders"].values()) == 19959 and sum(1 for v in series["orders"].values() if v == 0) > 50


def test_the_last_day_is_incomplete(orders: pd.DataFrame) -> None:
    """The file stops at 12:50 on Friday 2011-12-09; the 28 days with orders before it all ran to 16:00 or later."""
    assert last_complete_day(orders) == (date(2011, 12, 8), "12:50:00")


@pytest.mark.parametrize("sensitivity", ["medium", "high", "low"])
def test_retail_anomalies_equal_pandas(retail_wh: Any, series: dict[str, dict[date, float]],
                                       sensitivity: str) -> None:
    """The whole file, the half last day asked for (judged, with a note); the UK shop has no shipped promotion."""
    want, counts = expected_anomalies(series, shipped_promotion_days(UK_CURRENCY, UK_ZONE), K[sensitivity], FIRST)
    result = shoplens.anomalies(retail_wh, list(METRICS), start=FIRST, end=LAST, sensitivity=sensitivity,
                                calendar=_default_calendar()).to_dict()
    _same(result, want, counts)
    assert len(want) > 20 and counts["volume"] > 100  # Saturdays (no trade) are never judged
    assert counts["promotion"] == 0 and any(p.startswith("2011-11-0") for _, p in want)  # November judged
    assert "data stops at 12:50 local" in result["notes"]["anomalies:incomplete:uk"]["en"]


def _same(result: dict[str, Any], want: dict[tuple[str, str], dict[str, Any]], counts: dict[str, int]) -> None:
    got = {(a["metric"], a["period"]): a for a in result["anomalies"]}
    assert sorted(got) == sorted(want)
    for key, w in want.items():
        g = got[key]
        for field in ("value", "expected", "lower", "upper"):
            assert close(g[field], w[field]), (key, field, g[field], w[field])
        assert g["direction"] == w["direction"] and g["bad"] == (w["direction"] == "down")
        assert math.isclose(g["score"], w["score"], abs_tol=0.006), key
    assert result["checked"] == {"series": 3, "points": counts["points"], "skipped": {
        r: counts[r] for r in ("promotion", "closed", "history", "volume", "no_value")}}


def test_the_default_range_ends_on_the_last_complete_day(retail_wh: Any, orders: pd.DataFrame,
                                                         series: dict[str, dict[date, float]]) -> None:
    end, _ = last_complete_day(orders)
    start = end - timedelta(days=29)
    want, counts = expected_anomalies(series, shipped_promotion_days(UK_CURRENCY, UK_ZONE), K["medium"], start, end)
    result = shoplens.anomalies(retail_wh, list(METRICS), calendar=_default_calendar()).to_dict()
    assert (result["from"], result["to"]) == (start.isoformat(), end.isoformat())
    _same(result, want, counts)
    assert not [p for _, p in want if p == LAST.isoformat()]
    assert "the last day, 2011-12-09, is incomplete" in result["notes"]["anomalies:incomplete:uk"]["en"]


def test_uk_bank_holidays_are_found(retail_wh: Any) -> None:
    """Closed days that no calendar names (Easter, the royal wedding, bank holidays) fall to 0: each is a drop."""
    result = shoplens.anomalies(retail_wh, "gmv", start=FIRST, end=LAST, calendar=_default_calendar()).to_dict()
    down = {a["period"]: a["severity"] for a in result["anomalies"] if a["direction"] == "down" and a["value"] == 0}
    closed = ("2011-04-22", "2011-04-25", "2011-04-29", "2011-05-02", "2011-05-30", "2011-08-29")
    assert set(closed) <= set(down)
    assert [down[d] for d in closed].count("high") == 4  # the README's figure


@pytest.mark.parametrize("sensitivity", ["medium", "high"])
def test_closed_days_of_the_readme_equal_pandas(retail_wh: Any, series: dict[str, dict[date, float]],
                                                tmp_path: Path, sensitivity: str) -> None:
    """The README's closed days of the UK shop: neither judged nor learned from; no zero is flagged any more."""
    config = tmp_path / "shoplens.yaml"
    config.write_text(UK_CLOSED_YAML, encoding="utf-8")
    want, counts = expected_anomalies(series, set(), K[sensitivity], FIRST, closed=frozenset(UK_CLOSED))
    result = shoplens.anomalies(retail_wh, list(METRICS), start=FIRST, end=LAST, sensitivity=sensitivity,
                                config=config).to_dict()
    _same(result, want, counts)
    assert counts["closed"] == 3 * (11 + 4 + 4)  # 3 metrics x (christmas 2010, easter, 4 bank holidays)
    assert not [a for a in result["anomalies"] if a["value"] == 0 and date.fromisoformat(a["period"]).weekday() < 5]


def test_an_unscoped_double_11_applies_to_the_uk_shop(retail_wh: Any, series: dict[str, dict[date, float]],
                                                      tmp_path: Path) -> None:
    """A user's 双11 without a scope replaces the shipped one and applies to every store, the UK one too."""
    config = tmp_path / "shoplens.yaml"
    config.write_text('calendar:\n  promotions:\n    "618": {from: 06-01, to: 06-18}\n'
                      '    双11: {from: 10-31, to: 11-11}\n', encoding="utf-8")
    want, counts = expected_anomalies(series, promotion_days(DEFAULT_PROMOTIONS), K["medium"], FIRST)
    result = shoplens.anomalies(retail_wh, list(METRICS), start=FIRST, end=LAST, config=config).to_dict()
    _same(result, want, counts)
    assert counts["promotion"] > 0 and not any("2011-10-30" <= p <= "2011-11-14" for _, p in want)


def test_detector_baseline_on_every_retail_day(series: dict[str, dict[date, float]]) -> None:
    """Every judged day (not only the flagged ones): detect.baseline on the pandas series = the written-out rule."""
    excluded = promotion_days(DEFAULT_PROMOTIONS)
    params = Params("medium")
    judged = 0
    for m in METRICS:
        vol_metric, floor = FLOORS[m]
        s = Series(m, "uk", {}, "up", dict(series[m]), dict(series[vol_metric]), float(floor), frozenset(excluded))
        day = FIRST
        while day <= LAST:
            want = reference(series[m], series[vol_metric], floor, excluded, day, params.k)
            got = "promotion" if day in excluded else baseline(s, day, params)
            if isinstance(want, str):
                assert got == want, (m, day)
            else:
                assert not isinstance(got, str), (m, day, got)
                expected, scale, _ = got
                assert close(expected, want[0]) and close(expected + params.k * scale, want[2]), (m, day)
                judged += 1
            day += timedelta(days=1)
    assert judged > 600


def _default_calendar() -> Any:
    from shoplens.analyses.anomalies.calendar import parse_calendar

    return parse_calendar(None, "calendar")


# ---- root cause (why) -------------------------------------------------------------------------------
def log_mean(a: float, b: float) -> float:
    return a if a == b else (a - b) / (math.log(a) - math.log(b))


def js_term(p: float, q: float) -> float:
    m = (p + q) / 2
    return 0.5 * sum(x * math.log(x / m) for x in (p, q) if x > 0)


def day_totals(orders: pd.DataFrame, day: date) -> dict[str, float]:
    part = orders[orders.day == day]
    return {"gmv": float(part.amount.sum()), "orders": float(len(part)),
            "paying_buyers": float(part.customer.dropna().nunique())}


WHY_DAYS = [(date(2011, 11, 24), date(2011, 11, 17)), (date(2011, 10, 4), date(2011, 9, 27))]


@pytest.mark.parametrize(("day", "ref"), WHY_DAYS)
def test_why_gmv_by_country_equals_pandas(retail_wh: Any, orders: pd.DataFrame, day: date, ref: date) -> None:
    got = shoplens.why(retail_wh, "gmv", day=day, compare="wow", by=["country"]).to_dict()
    now, before = day_totals(orders, day), day_totals(orders, ref)
    change = now["gmv"] - before["gmv"]
    assert got["reference"] == {"from": ref.isoformat(), "to": ref.isoformat(), "kind": "wow"}
    assert close(got["value"], now["gmv"]) and close(got["reference_value"], before["gmv"])
    assert close(got["change"], change) and math.isclose(got["change_pct"], change / before["gmv"], rel_tol=1e-9)

    # each country's own change; an order has one country, so nothing is unattributed
    g1 = orders[orders.day == day].groupby("country").amount.sum().to_dict()
    g0 = orders[orders.day == ref].groupby("country").amount.sum().to_dict()
    (dim,) = got["dimensions"]
    rows = {v["value"]: v for v in dim["values"]}
    assert set(rows) == set(g0) | set(g1)
    for c, row in rows.items():
        assert (row["value_now"] is None) == (c not in g1) and (row["value_before"] is None) == (c not in g0)
        want = g1.get(c, 0.0) - g0.get(c, 0.0)
        assert close(row["contribution"], want), c
        assert math.isclose(row["share"], want / change, rel_tol=1e-6, abs_tol=1e-9), c  # explanatory power
    assert math.isclose(sum(r["contribution"] for r in rows.values()), change, rel_tol=1e-9)

    # Adtributor: surprise = JS term of the country's share of GMV before and after; by surprise, values with
    # EP > 0.1 until their EP reaches 0.67
    t0, t1 = sum(g0.values()), sum(g1.values())
    surprise = {c: js_term(g0.get(c, 0.0) / t0, g1.get(c, 0.0) / t1) for c in rows}
    ep = {c: (g1.get(c, 0.0) - g0.get(c, 0.0)) / change for c in rows}
    chosen, total = [], 0.0
    for c in sorted(rows, key=lambda c: (-surprise[c], -ep[c], c)):
        if ep[c] > 0.1 and total < 0.67:
            chosen.append(c)
            total += ep[c]
    assert [v["value"] for v in dim["values"] if v["explains"]] == chosen and chosen
    assert math.isclose(dim["explanatory_power"], total, rel_tol=1e-9)
    assert math.isclose(dim["surprise"], sum(surprise[c] for c in chosen), rel_tol=1e-9)
    for c, row in rows.items():
        assert math.isclose(row["surprise"], surprise[c], rel_tol=1e-9, abs_tol=1e-15), c


@pytest.mark.parametrize(("day", "ref"), WHY_DAYS)
def test_why_gmv_factors_are_lmdi_of_buyers_orders_per_buyer_aov(retail_wh: Any, orders: pd.DataFrame,
                                                                  day: date, ref: date) -> None:
    got = shoplens.why(retail_wh, "gmv", day=day, compare="wow", by=["country"]).to_dict()
    now, before = day_totals(orders, day), day_totals(orders, ref)

    def factors(t: dict[str, float]) -> dict[str, float]:
        return {"paying_buyers": t["paying_buyers"], "orders_per_buyer": t["orders"] / t["paying_buyers"],
                "aov": t["gmv"] / t["orders"]}

    f1, f0 = factors(now), factors(before)
    assert [f["factor"] for f in got["factors"]] == list(f1)  # orders only: no visitors, so no uv x conversion
    assert math.isclose(math.prod(f1.values()), now["gmv"], rel_tol=1e-12)
    weight = log_mean(now["gmv"], before["gmv"])
    for f in got["factors"]:
        name = f["factor"]
        assert math.isclose(f["value"], f1[name], rel_tol=1e-9) and math.isclose(f["reference_value"], f0[name],
                                                                                 rel_tol=1e-9)
        assert math.isclose(f["contribution"], weight * math.log(f1[name] / f0[name]), rel_tol=1e-6), name
    assert math.isclose(sum(f["contribution"] for f in got["factors"]), now["gmv"] - before["gmv"], rel_tol=1e-9)


@pytest.mark.parametrize(("day", "ref"), WHY_DAYS)
def test_why_each_explaining_country_split_over_its_factors(retail_wh: Any, orders: pd.DataFrame, day: date,
                                                            ref: date) -> None:
    """A country that sold on both days: its own factors (LMDI) add up to its own change."""
    got = shoplens.why(retail_wh, "gmv", day=day, compare="wow", by=["country"]).to_dict()
    both = [v for v in got["dimensions"][0]["values"] if v["factors"] and v["value_now"] and v["value_before"]]
    assert both or day == date(2011, 11, 24)
    for v in both:
        assert math.isclose(sum(f["contribution"] for f in v["factors"]), v["contribution"], rel_tol=1e-9)
        part = orders[orders.country == v["value"]]
        now, before = day_totals(part, day), day_totals(part, ref)
        assert close(v["value_now"], now["gmv"]) and close(v["value_before"], before["gmv"])
        weight = log_mean(now["gmv"], before["gmv"])
        ratios = {"paying_buyers": now["paying_buyers"] / before["paying_buyers"],
                  "orders_per_buyer": (now["orders"] / now["paying_buyers"])
                  / (before["orders"] / before["paying_buyers"]),
                  "aov": (now["gmv"] / now["orders"]) / (before["gmv"] / before["orders"])}
        for f in v["factors"]:
            assert math.isclose(f["contribution"], weight * math.log(ratios[f["factor"]]), rel_tol=1e-6), f


def test_why_vanished_country_factors_add_up(retail_wh: Any, orders: pd.DataFrame) -> None:
    """2011-11-24 vs 2011-11-17: Japan, Denmark and Belgium bought only the week before (all three explain the
    fall). Their own change is their whole GMV of 2011-11-17; the factor split must add up to it."""
    day = WHY_DAYS[0][0]
    got = shoplens.why(retail_wh, "gmv", day=day, compare="wow", by=["country"]).to_dict()
    gone = [v for v in got["dimensions"][0]["values"] if v["factors"] and v["value_now"] is None]
    assert {v["value"] for v in gone} == {"Japan", "Denmark", "Belgium"}
    assert set(orders[orders.day == day].country).isdisjoint({"Japan", "Denmark", "Belgium"})
    for v in gone:
        assert math.isclose(sum(f["contribution"] for f in v["factors"]), v["contribution"], rel_tol=1e-9), v
        buyers = v["factors"][0]  # the whole change is the buyers' (1 or more -> 0), the limit of the log-mean split
        assert buyers["factor"] == "paying_buyers" and buyers["value"] == 0
        assert buyers["reference_value"] == orders[(orders.day == WHY_DAYS[0][1]) & (orders.country == v["value"])
                                                   ].customer.nunique()
        assert buyers["contribution"] == v["contribution"]
