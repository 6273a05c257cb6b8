"""Retention on real data, checked against independent pandas computations, and rollup == events.

- Online Retail (orders only): the preset's rules read from the raw file - an order is an invoice
  with sale lines (Quantity > 0, UnitPrice > 0; ``C`` invoices are cancellations, ``A`` adjustments),
  bought at its earliest sale line by its first non-empty CustomerID, times Europe/London local.
- Taobao UserBehavior sample (events only, Unix seconds, Asia/Shanghai): pv = product_view,
  buy = purchase.
- The demo store: events read from the warehouse into pandas (the test's own reference), and the
  rollup path compared with the events path on many requests.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from shoplens.analyses.retention import retention


# ---- the reference: cohort tables from (user, local day) activity, written independently ---------------
def _period(day: date, period: str) -> tuple[date, str]:
    """(first day, label) of the calendar period holding ``day``."""
    if period == "month":
        return day.replace(day=1), f"{day:%Y-%m}"
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        year, week, _ = monday.isocalendar()
        return monday, f"{year}-W{week:02d}"
    return day, day.isoformat()


def _shift(start: date, period: str, k: int) -> date:
    if period == "month":
        months = start.year * 12 + start.month - 1 + k
        return date(months // 12, months % 12 + 1, 1)
    return start + timedelta(days=k * (7 if period == "week" else 1))


def reference(cohort_days: Iterable[tuple[Any, date]], return_days: Iterable[tuple[Any, date]], *, period: str,
              first_time: bool, periods: int, data_end: date, start: date = date.min,
              end: date = date.max) -> list[tuple[str, int, list[int]]]:
    """[(label, size, values)] for (user, local day) pairs of the cohort and the return event; cohorts
    whose period starts in [start, end]."""
    cohorts: dict[date, set[Any]] = defaultdict(set)
    first: dict[Any, date] = {}
    for user, day in cohort_days:
        begins = _period(day, period)[0]
        cohorts[begins].add(user)
        first[user] = min(first.get(user, begins), begins)
    if first_time:
        cohorts = defaultdict(set)
        for user, begins in first.items():
            cohorts[begins].add(user)
    active: dict[date, set[Any]] = defaultdict(set)
    for user, day in return_days:
        active[_period(day, period)[0]].add(user)
    out = []
    for first_day in sorted(d for d in cohorts if start <= d <= end):
        members, values, k = cohorts[first_day], [], 0
        while k <= periods and _shift(first_day, period, k) <= data_end:
            values.append(len(members & active[_shift(first_day, period, k)]))
            k += 1
        out.append((_period(first_day, period)[1], len(members), values))
    return out


def got(result: Any) -> list[tuple[str, int, list[int]]]:
    return [(c.cohort, c.size, list(c.values)) for c in result.cohorts]


# ---- Online Retail --------------------------------------------------------------------------------------
def retail_orders(path: Path) -> pd.DataFrame:
    """One row per order: user (None for guests) and local day, straight from the raw invoice lines."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = ["invoice", "stock", "description", "quantity", "date", "price", "customer", "country"]
    inv = df.invoice.str.strip()
    sale = (~inv.str.startswith("C") & ~inv.str.startswith("A") & (df.quantity.astype(int) > 0)
            & (df.price.astype(float) > 0))
    lines = df[sale].assign(invoice=inv[sale])
    orders = lines.groupby("invoice", sort=False).agg(
        ts=("date", "min"), user=("customer", lambda s: next((c for c in s if c), None)))
    orders["day"] = [date.fromisoformat(t[:10]) for t in orders.ts]
    return orders


@pytest.fixture(scope="module")
def retail(retail_db: Path) -> Any:
    with shoplens.connect(str(retail_db), read_only=True) as wh:
        yield wh


@pytest.fixture(scope="module")
def orders(datasets: Path) -> pd.DataFrame:
    return retail_orders(datasets / "online_retail" / "online_retail.csv.gz")


@pytest.mark.parametrize(("period", "first_time"), [("month", True), ("month", False), ("week", True)])
def test_online_retail_repurchase_cohorts(retail: Any, orders: pd.DataFrame, period: str, first_time: bool) -> None:
    result = retention(retail, cohort_event="purchase", period=period, first_time=first_time)
    data_end = max(orders.day)  # guests' orders count for the data range too
    assert result.data_end == data_end == date(2011, 12, 9)
    assert result.source == "events"  # orders read as purchases: the rollup has none
    buys = [(u, d) for u, d in zip(orders.user, orders.day, strict=True) if isinstance(u, str)]  # not guests
    expected = reference(buys, buys, period=period, first_time=first_time, periods=12, data_end=data_end)
    assert got(result) == expected
    if period == "month" and first_time:  # the acceptance case, spelled out
        assert expected[0][0] == "2010-12" and len(expected[0][2]) == 13  # Dec 2010 + 12 months
        assert result.cohorts[-1].cohort == "2011-12" and not result.cohorts[-1].complete


# ---- Taobao ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def taobao(taobao_db: Path) -> Any:
    with shoplens.connect(str(taobao_db), read_only=True) as wh:
        yield wh


def test_taobao_daily_view_to_buy_against_the_raw_file(taobao: Any, datasets: Path) -> None:
    raw = pd.read_csv(datasets / "taobao_userbehavior_sample" / "UserBehavior_head.csv.gz", header=None,
                      names=["user", "item", "category", "behaviour", "ts"], dtype=str)
    local = pd.to_datetime(raw.ts.astype("int64"), unit="s", utc=True).dt.tz_convert("Asia/Shanghai")
    raw["day"] = [d.date() for d in local]
    result = retention(taobao, cohort_event="product_view", return_event="purchase", period="day", periods=8)
    assert result.source == "rollup" and result.data_end == max(raw.day)

    def pairs(behaviour: str) -> list[tuple[str, date]]:
        rows = raw[raw.behaviour == behaviour]
        return list(zip(rows.user, rows.day, strict=True))

    assert got(result) == reference(pairs("pv"), pairs("buy"), period="day", first_time=False, periods=8,
                                    data_end=result.data_end)


@pytest.mark.parametrize(("period", "first_time", "events"), [
    ("day", True, ("product_view", "purchase")), ("day", False, ("add_to_cart", "purchase")),
    ("week", False, ("product_view", "product_view")), ("week", True, ("favorite", "purchase")),
    ("month", True, ("product_view", "purchase")),
])
def test_taobao_rollup_equals_events(taobao: Any, period: str, first_time: bool, events: tuple[str, str]) -> None:
    kw: dict[str, Any] = {"cohort_event": events[0], "return_event": events[1], "period": period,
                          "first_time": first_time}
    rollup, raw = retention(taobao, source="rollup", **kw), retention(taobao, source="events", **kw)
    assert rollup.cohorts and rollup.cohorts == raw.cohorts and rollup.average == raw.average


# ---- the demo store -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_db: Path) -> Any:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        yield wh


def test_demo_rollup_equals_events(demo: Any) -> None:
    cases = itertools.product(("day", "week", "month"), (False, True),
                              (("product_view", "purchase"), ("purchase", "purchase"), ("page_view", "search")))
    for period, first_time, (cohort, back) in cases:
        kw: dict[str, Any] = {"cohort_event": cohort, "return_event": back, "period": period,
                              "first_time": first_time}
        rollup, raw = retention(demo, source="rollup", **kw), retention(demo, source="events", **kw)
        assert rollup.source == "rollup" and retention(demo, **kw).source == "rollup"
        assert rollup.cohorts and rollup.cohorts == raw.cohorts, kw
        assert rollup.average == raw.average, kw
    kw = {"cohort_event": "product_view", "period": "week", "start": date(2026, 8, 3), "end": date(2026, 9, 30),
          "periods": 5}
    assert retention(demo, source="rollup", **kw).cohorts == retention(demo, source="events", **kw).cohorts


def test_demo_against_pandas(demo: Any) -> None:
    (tz,) = demo.con.execute("SELECT timezone FROM stores").fetchone()
    ev = demo.con.execute("SELECT user_id, ts, event FROM events WHERE event IN ('product_view', 'purchase')"
                          " AND user_id IS NOT NULL").df()
    ev["day"] = [t.date() for t in pd.to_datetime(ev.ts).dt.tz_localize("UTC").dt.tz_convert(tz)]

    def pairs(event: str) -> list[tuple[str, date]]:
        rows = ev[ev.event == event]
        return list(zip(rows.user_id, rows.day, strict=True))

    views, buys = pairs("product_view"), pairs("purchase")
    weekly = retention(demo, cohort_event="product_view", return_event="purchase", period="week", periods=8)
    assert got(weekly) == reference(views, buys, period="week", first_time=False, periods=8,
                                    data_end=weekly.data_end)
    daily = retention(demo, cohort_event="purchase", period="day", first_time=True, periods=40)
    assert got(daily) == reference(buys, buys, period="day", first_time=True, periods=40, data_end=daily.data_end)
    # cohorts picked by --from/--to (day 2026-07-10 .. 2026-09-01: return days span several 64-day words)
    a, b = date(2026, 7, 10), date(2026, 9, 1)
    for first_time in (False, True):
        ranged = retention(demo, cohort_event="product_view", return_event="purchase", period="day",
                           first_time=first_time, periods=63, start=a, end=b)
        assert got(ranged) == reference(views, buys, period="day", first_time=first_time, periods=63,
                                        data_end=ranged.data_end, start=a, end=b)
    # the weighted average by hand: complete periods only (the demo ends on Sunday 2026-11-15, so all are)
    assert weekly.data_end == date(2026, 11, 15) and weekly.data_end.weekday() == 6
    sizes = [sum(c.size for c in weekly.cohorts if len(c.values) > k) for k in range(9)]
    values = [sum(c.values[k] for c in weekly.cohorts if len(c.values) > k) for k in range(9)]
    (avg,) = weekly.average
    assert list(avg.sizes) == sizes and list(avg.values) == values
    assert avg.rates[1] == pytest.approx(values[1] / sizes[1])
