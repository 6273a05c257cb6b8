"""Metrics on real public data equal an INDEPENDENT computation from the raw files.

Online Retail (UCI) and the Taobao UserBehavior head sample are imported once per module with
their presets; every expected number is recomputed here from the raw CSV with pandas, following
the documented rules (docs/presets.md, the catalog in src/shoplens/metrics/catalog.yaml), never
by asking the engine twice:

- online-retail: a line of an invoice starting with ``C`` is a cancellation -> a refund of
  -(Quantity x UnitPrice) at the line's time; invoices starting with ``A`` are never sales; any
  other line is a sale line when Quantity > 0 and UnitPrice > 0. An order = an invoice with sale
  lines, paid when placed (at its earliest sale line), amount = sum of Quantity x UnitPrice of its
  sale lines, buyer = its CustomerID (empty: a guest, counted in GMV and orders, not in buyers),
  country = the country of its first sale line. The file's times are Europe/London local time, so
  a local month/day is read off the text.
- taobao: one line = one event, pv/fav/cart/buy; the store has no orders, so each ``buy`` stands
  in for a paid order with no money; days are Asia/Shanghai days of the Unix timestamp.

The demo store is checked against plain SQL on the canonical tables.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from shoplens.ingest.pipeline import import_files
from shoplens.metrics import MetricsEngine
from shoplens.metrics.periods import shift_for

REPO = Path(__file__).resolve().parents[1]
RETAIL = "online_retail/online_retail.csv.gz"
TAOBAO = "taobao_userbehavior_sample/UserBehavior_head.csv.gz"
CENT = Decimal("0.01")
MONEY = ("gmv", "aov", "customer_unit_price", "refund_amount")
RETAIL_METRICS = ["gmv", "orders", "paying_buyers", "aov", "customer_unit_price", "repeat_purchase_rate",
                  "refund_amount"]
TAOBAO_METRICS = ["uv", "pv", "add_to_cart_users", "paying_buyers", "conversion_rate", "orders", "gmv"]


# ---------------------------------------------------------------- independent computations


def read_retail(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(orders, refunds) from the raw invoice lines, one row per order / per refund line."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.columns = ["invoice", "stock", "description", "quantity", "date", "price", "customer", "country"]
    df["invoice"] = df.invoice.str.strip()
    df["amount"] = [Decimal(q) * Decimal(p) for q, p in zip(df.quantity, df.price, strict=True)]
    cancel = df.invoice.str.startswith("C")
    sale = ~cancel & ~df.invoice.str.startswith("A") & (df.quantity.astype(int) > 0) & (df.price.astype(float) > 0)
    lines = df[sale]  # file order is kept: the first line of an invoice comes first
    orders = lines.groupby("invoice", sort=False).agg(
        ts=("date", "min"), gross=("amount", lambda s: sum(s, Decimal(0))),
        user=("customer", lambda s: next((c for c in s if c), None)), country=("country", "first"))
    refunds = df.loc[cancel, ["date", "amount"]].assign(amount=lambda r: -r.amount)
    assert (refunds.amount >= 0).all()  # no refund line is quarantined as negative in this file
    for frame, ts in ((orders, "ts"), (refunds, "date")):
        frame["day"] = frame[ts].str[:10]
        frame["month"] = frame[ts].str[:7]
    return orders.reset_index(), refunds.reset_index(drop=True)


def retail_kpis(orders: pd.DataFrame, refunds: pd.DataFrame) -> dict[str, Any]:
    gmv, n = sum(orders.gross, Decimal(0)), len(orders)
    per_buyer = orders.user.dropna().value_counts()
    buyers = len(per_buyer)
    return {"gmv": gmv, "orders": n, "paying_buyers": buyers,
            "aov": gmv / n if n else None, "customer_unit_price": gmv / buyers if buyers else None,
            "repeat_purchase_rate": Fraction(int((per_buyer >= 2).sum()), buyers) if buyers else None,
            "refund_amount": sum(refunds.amount, Decimal(0))}


def between(df: pd.DataFrame, first: date, last: date) -> pd.DataFrame:
    return df[(df.day >= first.isoformat()) & (df.day <= last.isoformat())]


def read_taobao(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, header=None, names=["user", "item", "category", "behaviour", "ts"], dtype=str)
    local = pd.to_datetime(df.ts.astype("int64"), unit="s", utc=True).dt.tz_convert("Asia/Shanghai")
    df["day"] = local.dt.strftime("%Y-%m-%d")
    return df


def taobao_kpis(events: pd.DataFrame) -> dict[str, Any]:
    uv = events.user.nunique()
    buyers = events.loc[events.behaviour == "buy", "user"].nunique()
    return {"uv": uv, "pv": int((events.behaviour == "pv").sum()),
            "add_to_cart_users": events.loc[events.behaviour == "cart", "user"].nunique(),
            "paying_buyers": buyers, "conversion_rate": Fraction(buyers, uv) if uv else None,
            "orders": int((events.behaviour == "buy").sum()), "gmv": None}


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ---------------------------------------------------------------- comparing


def cents(value: Decimal | float) -> Decimal:
    return (value if isinstance(value, Decimal) else Decimal(repr(value))).quantize(CENT, ROUND_HALF_UP)


def assert_value(metric: str, got: Any, expected: Any, where: str = "") -> None:
    msg = f"{metric} {where}: engine {got!r}, expected {expected!r}"
    if expected is None:
        assert got is None, msg
    elif metric in MONEY:
        assert got is not None and cents(got) == cents(expected), msg
    elif isinstance(expected, Fraction):
        assert got == pytest.approx(float(expected), rel=0, abs=1e-9), msg
    else:
        assert got == expected and isinstance(got, int), msg


def assert_row(row: dict[str, Any], expected: dict[str, Any], metrics: list[str], where: str = "") -> None:
    for m in metrics:
        assert_value(m, row[m], expected[m], where)


def expected_change(base: Any, comp: Any) -> Fraction | None:
    """(base - comp) / |comp|, None when either is missing or comp is 0."""
    if base is None or comp is None or comp == 0:
        return None
    base, comp = Fraction(base), Fraction(comp)
    return (base - comp) / abs(comp)


def assert_compared(row: dict[str, Any], compare: str, base: dict[str, Any], comp: dict[str, Any] | None,
                    metrics: list[str], where: str = "") -> None:
    """Base values, the comparison values (all None when ``comp`` is None) and the relative changes."""
    for m in metrics:
        assert_value(m, row[m], base[m], where)
        assert_value(m, row[f"{m}__{compare}"], None if comp is None else comp[m], f"{where} ({compare})")
        change = None if comp is None else expected_change(base[m], comp[m])
        got = row[f"{m}__{compare}_change"]
        msg = f"{m}__{compare}_change {where}: engine {got!r}, expected {change}"
        if change is None:
            assert got is None, msg
        else:
            assert got == pytest.approx(float(change), rel=0, abs=1e-9), msg
        # and the engine's change is consistent with its own two values
        if got is not None:
            own = (row[m] - row[f"{m}__{compare}"]) / abs(row[f"{m}__{compare}"])
            assert got == pytest.approx(own, rel=1e-6, abs=1e-9), msg  # (its values are rounded to 10 places)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def retail(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """online_retail.csv.gz in store ``uk``; the engine reads it read-only (so the CLI can too)."""
    db = tmp_path_factory.mktemp("metrics_retail") / "w.duckdb"
    with shoplens.connect(str(db)) as wh:
        import_files(wh, [datasets / RETAIL], preset="online-retail", store="uk")
    orders, refunds = read_retail(datasets / RETAIL)
    wh = shoplens.connect(str(db), read_only=True)
    yield {"db": db, "engine": MetricsEngine(wh), "orders": orders, "refunds": refunds}
    wh.close()


@pytest.fixture(scope="module")
def taobao(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("metrics_taobao") / "w.duckdb"
    wh = shoplens.connect(str(db))
    import_files(wh, [datasets / TAOBAO], preset="taobao-userbehavior", store="tb")
    yield {"engine": MetricsEngine(wh), "events": read_taobao(datasets / TAOBAO)}
    wh.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from shoplens.demo.build import build_demo

    wh = shoplens.connect(str(tmp_path_factory.mktemp("metrics_demo") / "w.duckdb"))
    summary = build_demo(wh, events=60_000, days=120, seed=3)
    yield {"wh": wh, "engine": MetricsEngine(wh), "summary": summary}
    wh.close()


def retail_query(retail: dict[str, Any], metrics: list[str], **kw: Any) -> list[dict[str, Any]]:
    return retail["engine"].query(metrics, store="uk", targets=False, **kw).rows


# ---------------------------------------------------------------- 1. online retail, monthly


def test_retail_monthly_kpis(retail: dict[str, Any]) -> None:
    orders, refunds = retail["orders"], retail["refunds"]
    rows = retail_query(retail, RETAIL_METRICS, grain="month", start=date(2010, 12, 1), end=date(2011, 12, 31))
    months = sorted(set(orders.month))
    assert months[0] == "2010-12" and months[-1] == "2011-12" and len(months) == 13
    assert [r["period"] for r in rows] == months
    for row in rows:
        m = row["period"]
        assert_row(row, retail_kpis(orders[orders.month == m], refunds[refunds.month == m]), RETAIL_METRICS, m)
    # the whole range without a grain: one row, no period
    (total,) = retail_query(retail, RETAIL_METRICS, start=date(2010, 12, 1), end=date(2011, 12, 31))
    assert "period" not in total
    assert_row(total, retail_kpis(orders, refunds), RETAIL_METRICS, "all")
    assert total["orders"] == len(orders) == 19_959  # invoices with a sale line (A563185 is not one)


def test_retail_net_of_refunds(retail: dict[str, Any]) -> None:
    """refund_amount per month = the cancellations of that month; net = GMV - refunds (no discounts here)."""
    orders, refunds = retail["orders"], retail["refunds"]
    rows = retail_query(retail, ["gmv", "refund_amount", "refund_rate", "net_revenue"], grain="month",
                        start=date(2010, 12, 1), end=date(2011, 12, 31))
    assert len(rows) == 13
    for row in rows:
        m = row["period"]
        gmv = sum(orders.gross[orders.month == m], Decimal(0))
        refunded = sum(refunds.amount[refunds.month == m], Decimal(0))
        assert cents(row["refund_amount"]) == cents(refunded), m
        assert row["refund_rate"] == pytest.approx(float(Fraction(refunded) / Fraction(gmv)), abs=1e-9), m
        assert row["net_revenue"] is not None and cents(row["net_revenue"]) == cents(gmv - refunded), m
    assert cents(sum(r["refund_amount"] for r in rows)) == cents(sum(refunds.amount, Decimal(0)))


def test_retail_gmv_by_country_every_month(retail: dict[str, Any]) -> None:
    orders = retail["orders"]
    rows = retail_query(retail, ["gmv", "orders"], by=["country"], grain="month", start=date(2010, 12, 1),
                        end=date(2011, 12, 31))
    got = {(r["period"], r["country"]): r for r in rows}
    expected = {key: (sum(g.gross, Decimal(0)), len(g)) for key, g in orders.groupby(["month", "country"])}
    assert set(got) == set(expected)
    assert len({c for _, c in expected}) == 38  # every country of the file has a sale
    for key, (gmv, n) in expected.items():
        assert cents(got[key]["gmv"]) == cents(gmv), key
        assert got[key]["orders"] == n, key


# ---------------------------------------------------------------- 2. taobao, daily


def test_taobao_daily_kpis(taobao: dict[str, Any]) -> None:
    events = taobao["events"]
    first, last = date.fromisoformat(events.day.min()), date.fromisoformat(events.day.max())
    assert (first, last) == (date(2017, 9, 11), date(2017, 12, 3))  # stray early lines are kept
    rows = taobao["engine"].query(TAOBAO_METRICS, grain="day", start=first, end=last, store="tb",
                                  targets=False).rows
    assert [r["period"] for r in rows] == [d.isoformat() for d in days(first, last)]
    for row in rows:
        day = events[events.day == row["period"]]
        # a day of the range without events counts 0 visitors (conversion has no denominator)
        assert_row(row, taobao_kpis(day), TAOBAO_METRICS, row["period"])
    busy = [r for r in rows if r["period"] >= "2017-11-25"]
    assert len(busy) == 9 and all(r["uv"] > 500 for r in busy)
    (total,) = taobao["engine"].query(TAOBAO_METRICS, start=first, end=last, store="tb", targets=False).rows
    assert_row(total, taobao_kpis(events), TAOBAO_METRICS, "all")
    assert (total["uv"], total["pv"], total["orders"]) == (814, 75_693, 1_749)


def test_taobao_has_no_money(taobao: dict[str, Any]) -> None:
    rows = taobao["engine"].query(["gmv", "aov", "customer_unit_price", "orders"], grain="day",
                                  start=date(2017, 11, 25), end=date(2017, 12, 3), store="tb", targets=False).rows
    assert len(rows) == 9
    assert all(r["gmv"] is None and r["aov"] is None and r["customer_unit_price"] is None for r in rows)
    assert all(r["orders"] > 0 for r in rows)


# ---------------------------------------------------------------- 3. comparisons on real data


def test_retail_previous_month(retail: dict[str, Any]) -> None:
    """A whole calendar month compares with the month before: 2011-11 vs 2011-10."""
    orders, refunds = retail["orders"], retail["refunds"]
    for grain in ("month", None):
        (row,) = retail_query(retail, RETAIL_METRICS, grain=grain, start=date(2011, 11, 1), end=date(2011, 11, 30),
                              compare="previous")
        assert row.get("period") == ("2011-11" if grain else None)
        base = retail_kpis(orders[orders.month == "2011-11"], refunds[refunds.month == "2011-11"])
        comp = retail_kpis(orders[orders.month == "2011-10"], refunds[refunds.month == "2011-10"])
        assert_compared(row, "previous", base, comp, RETAIL_METRICS, f"2011-11 grain={grain}")


def test_whole_months_shift_to_whole_months() -> None:
    """The comparison range of whole calendar months ends on a month's last day (November -> all of
    October, not October 1-30); a range that is not whole months shifts day for day."""
    cases = [("previous", date(2011, 11, 1), date(2011, 11, 30), date(2011, 10, 1), date(2011, 10, 31)),
             ("previous", date(2011, 10, 1), date(2011, 11, 30), date(2011, 8, 1), date(2011, 9, 30)),
             ("previous", date(2011, 3, 1), date(2011, 3, 31), date(2011, 2, 1), date(2011, 2, 28)),
             ("yoy", date(2029, 2, 1), date(2029, 2, 28), date(2028, 2, 1), date(2028, 2, 29)),
             ("yoy", date(2028, 2, 1), date(2028, 2, 29), date(2027, 2, 1), date(2027, 2, 28)),
             ("yoy", date(2011, 12, 1), date(2011, 12, 9), date(2010, 12, 1), date(2010, 12, 9)),
             ("yoy", date(2013, 2, 20), date(2013, 2, 28), date(2012, 2, 20), date(2012, 2, 28))]
    for compare, start, end, c_start, c_end in cases:
        for grain in (None, "day", "month"):
            shift = shift_for(compare, start, end, grain)
            assert (shift.back(start), shift.back(end)) == (c_start, c_end), (compare, start, end, grain)


def test_retail_previous_of_two_months(retail: dict[str, Any]) -> None:
    """A range of two whole months compares with the two months before it, period by period."""
    orders, refunds = retail["orders"], retail["refunds"]
    rows = retail_query(retail, RETAIL_METRICS, grain="month", start=date(2011, 10, 1), end=date(2011, 11, 30),
                        compare="previous")
    assert [r["period"] for r in rows] == ["2011-10", "2011-11"]
    for row, comp_month in zip(rows, ("2011-08", "2011-09"), strict=True):
        base = retail_kpis(orders[orders.month == row["period"]], refunds[refunds.month == row["period"]])
        comp = retail_kpis(orders[orders.month == comp_month], refunds[refunds.month == comp_month])
        assert_compared(row, "previous", base, comp, RETAIL_METRICS, row["period"])


def test_retail_yoy_of_the_partial_last_month(retail: dict[str, Any]) -> None:
    """The data stops on 2011-12-09. Asked for 2011-12-01..09, December compares with 2010-12-01..09;
    asked for the whole of December it compares with the whole of December 2010; months whose year-ago
    month lies before the data have no comparison (None, not 0)."""
    orders, refunds = retail["orders"], retail["refunds"]
    dec1, dec9 = date(2011, 12, 1), date(2011, 12, 9)
    year_ago = (date(2010, 12, 1), date(2010, 12, 9))
    (row,) = retail_query(retail, RETAIL_METRICS, grain="month", start=dec1, end=dec9, compare="yoy")
    base = retail_kpis(between(orders, dec1, dec9), between(refunds, dec1, dec9))
    comp = retail_kpis(between(orders, *year_ago), between(refunds, *year_ago))
    assert row["period"] == "2011-12"
    assert base == retail_kpis(orders[orders.month == "2011-12"], refunds[refunds.month == "2011-12"])
    assert comp["orders"] < len(orders[orders.month == "2010-12"])  # really only part of December 2010
    assert_compared(row, "yoy", base, comp, RETAIL_METRICS, "2011-12-01..09")

    (row,) = retail_query(retail, RETAIL_METRICS, grain="month", start=dec1, end=date(2011, 12, 31), compare="yoy")
    full = retail_kpis(orders[orders.month == "2010-12"], refunds[refunds.month == "2010-12"])
    assert_compared(row, "yoy", base, full, RETAIL_METRICS, "2011-12 whole month")

    rows = retail_query(retail, RETAIL_METRICS, grain="month", start=date(2011, 10, 1), end=dec9, compare="yoy")
    assert [r["period"] for r in rows] == ["2011-10", "2011-11", "2011-12"]
    for row in rows[:2]:
        m = row["period"]
        assert_compared(row, "yoy", retail_kpis(orders[orders.month == m], refunds[refunds.month == m]), None,
                        RETAIL_METRICS, m)
    assert_compared(rows[2], "yoy", base, comp, RETAIL_METRICS, "2011-12 in a longer range")


def test_retail_daily_previous_over_a_week(retail: dict[str, Any]) -> None:
    """Seven days vs the seven before, day by day; the comparison week holds the end of British Summer
    Time (2011-10-30) and both weeks a Saturday without trade (0 vs 0: no change)."""
    orders, refunds = retail["orders"], retail["refunds"]
    first, last = date(2011, 10, 31), date(2011, 11, 6)
    rows = retail_query(retail, RETAIL_METRICS, grain="day", start=first, end=last, compare="previous")
    assert [r["period"] for r in rows] == [d.isoformat() for d in days(first, last)]
    for row, day in zip(rows, days(first, last), strict=True):
        before = day - timedelta(days=7)
        base = retail_kpis(between(orders, day, day), between(refunds, day, day))
        comp = retail_kpis(between(orders, before, before), between(refunds, before, before))
        assert_compared(row, "previous", base, comp, RETAIL_METRICS, f"{day} vs {before}")
    saturday = next(r for r in rows if r["period"] == "2011-11-05")
    assert saturday["orders"] == saturday["orders__previous"] == 0 and saturday["orders__previous_change"] is None
    assert saturday["aov"] is None and saturday["aov__previous"] is None


def test_taobao_daily_previous_over_a_week(taobao: dict[str, Any]) -> None:
    """2017-11-27..12-03 vs 11-20..26: the comparison week is mostly the sparse stray lines."""
    events = taobao["events"]
    first, last = date(2017, 11, 27), date(2017, 12, 3)
    metrics = ["uv", "pv", "add_to_cart_users", "paying_buyers", "conversion_rate", "orders"]
    rows = taobao["engine"].query(metrics, grain="day", start=first, end=last, compare="previous", store="tb",
                                  targets=False).rows
    assert len(rows) == 7
    for row, day in zip(rows, days(first, last), strict=True):
        before = day - timedelta(days=7)
        assert row["period"] == day.isoformat()
        base = taobao_kpis(events[events.day == day.isoformat()])
        comp = taobao_kpis(events[events.day == before.isoformat()])
        assert_compared(row, "previous", base, comp, metrics, f"{day} vs {before}")


# ---------------------------------------------------------------- 4. the demo store


DEMO_ORDERS = """
    WITH o AS (
        SELECT user_id, gross_amount_rc,
               CAST(timezone('Asia/Shanghai', timezone('UTC', coalesce(paid_ts, created_ts))) AS DATE) AS d
        FROM orders
        WHERE store_id = 'demo' AND (paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered')))
    SELECT coalesce(sum(gross_amount_rc), 0), count(*), count(DISTINCT user_id) FROM o WHERE d BETWEEN ? AND ?"""
DEMO_VISITORS = """
    SELECT count(DISTINCT user_id) FROM events
    WHERE store_id = 'demo' AND CAST(timezone('Asia/Shanghai', timezone('UTC', ts)) AS DATE) BETWEEN ? AND ?"""
DEMO_METRICS = ["gmv", "orders", "uv", "conversion_rate"]


def demo_kpis(con: Any, first: date, last: date) -> dict[str, Any]:
    gmv, n, buyers = con.execute(DEMO_ORDERS, [first, last]).fetchone()
    (uv,) = con.execute(DEMO_VISITORS, [first, last]).fetchone()
    return {"gmv": Decimal(gmv), "orders": n, "uv": uv, "conversion_rate": Fraction(buyers, uv) if uv else None}


def test_demo_previous_and_yoy(demo: dict[str, Any]) -> None:
    con, engine = demo["wh"].con, demo["engine"]
    assert con.execute("SELECT timezone FROM stores WHERE store_id = 'demo'").fetchone() == ("Asia/Shanghai",)
    first_day = con.execute("SELECT min(CAST(timezone('Asia/Shanghai', timezone('UTC', ts)) AS DATE)) FROM events "
                            "WHERE store_id = 'demo'").fetchone()[0]
    assert first_day == date.fromisoformat(demo["summary"].start) == date(2026, 7, 19)
    first, last = date(2026, 11, 2), date(2026, 11, 15)
    prev = (date(2026, 10, 19), date(2026, 11, 1))

    (row,) = engine.query(DEMO_METRICS, start=first, end=last, compare="previous", store="demo", targets=False).rows
    base, comp = demo_kpis(con, first, last), demo_kpis(con, *prev)
    assert base["orders"] > 50 and comp["orders"] > 50 and base["uv"] > 1000
    assert_compared(row, "previous", base, comp, DEMO_METRICS, "14 days")

    rows = engine.query(DEMO_METRICS, grain="day", start=first, end=last, compare="previous", store="demo",
                        targets=False).rows
    assert [r["period"] for r in rows] == [d.isoformat() for d in days(first, last)]
    for row, day in zip(rows, days(first, last), strict=True):
        before = day - timedelta(days=14)
        assert_compared(row, "previous", demo_kpis(con, day, day), demo_kpis(con, before, before), DEMO_METRICS,
                        f"{day} vs {before}")

    # a year back lies before the demo's first day: no comparison, not a comparison with zero
    for grain in (None, "day", "week"):
        rows = engine.query(DEMO_METRICS, grain=grain, start=first, end=last, compare="yoy", store="demo",
                            targets=False).rows
        assert rows and all(r[f"{m}__yoy"] is None and r[f"{m}__yoy_change"] is None
                            for r in rows for m in DEMO_METRICS), grain
    (row,) = engine.query(DEMO_METRICS, start=first, end=last, compare="yoy", store="demo", targets=False).rows
    assert_compared(row, "yoy", base, None, DEMO_METRICS, "yoy")


# ---------------------------------------------------------------- 5. the CLI and its JSON


def run_cli(*args: str) -> Any:
    proc = subprocess.run([sys.executable, "-m", "shoplens.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_cli_json_on_online_retail(retail: dict[str, Any]) -> None:
    orders, db = retail["orders"], str(retail["db"])
    out = run_cli("--db", db, "metrics", "gmv,orders,paying_buyers", "--grain", "month", "--from", "2011-01-01",
                  "--to", "2011-12-31", "--compare", "yoy", "--format", "json")
    assert out["metrics"] == ["gmv", "orders", "paying_buyers"]
    assert (out["grain"], out["from"], out["to"], out["compare"], out["currency"]) == (
        "month", "2011-01-01", "2011-12-31", "yoy", "GBP")
    assert [r["period"] for r in out["rows"]] == [f"2011-{m:02d}" for m in range(1, 13)]
    keys = {"period"} | {f"{m}{s}" for m in out["metrics"] for s in ("", "__yoy", "__yoy_change")}
    no_refunds = retail["refunds"].iloc[:0]
    for row in out["rows"]:
        assert set(row) == keys, row["period"]
        base = retail_kpis(orders[orders.month == row["period"]], no_refunds)
        year_ago = f"2010-{row['period'][5:]}"
        comp = retail_kpis(orders[orders.month == year_ago], no_refunds) if year_ago == "2010-12" else None
        assert_compared(row, "yoy", base, comp, out["metrics"], row["period"])

    explain = run_cli("--db", db, "metrics", "explain", "gmv", "--format", "json")
    assert {"id", "name", "group", "definition", "formula", "unit", "good", "dimensions", "from", "to", "measures",
            "sql"} <= set(explain)
    assert (explain["id"], explain["formula"], explain["unit"], explain["group"]) == (
        "gmv", "gmv_amount", "currency", "value")
    assert set(explain["name"]) == set(explain["definition"]) == {"zh", "en"}
    assert explain["measures"] == {"gmv_amount": {"source": "orders", "agg": "sum"}}
    assert "country" in explain["dimensions"] and explain["to"] == "2011-12-09"  # default: last 30 days of data
    assert explain["from"] == "2011-11-10"
    assert explain["sql"] and all(isinstance(s, str) and "SELECT" in s.upper() for s in explain["sql"])

    listed = run_cli("metrics", "list", "--format", "json")
    by_id = {m["id"]: m for m in listed["metrics"]}
    assert {"gmv", "orders", "uv", "pv", "conversion_rate", "aov", "customer_unit_price",
            "repeat_purchase_rate", "refund_amount", "add_to_cart_users", "paying_buyers"} <= set(by_id)
    assert len(by_id) == len(listed["metrics"])
    for m in listed["metrics"]:
        assert set(m) == {"id", "group", "name_zh", "name_en", "unit", "good", "definition_zh", "definition_en",
                          "formula", "dimensions", "base"}, m["id"]
    # base: the count a rate divides by (#14: the sample size beside a rate), none for a count
    assert by_id["conversion_rate"]["base"] == "uv" and by_id["uv"]["base"] is None
    assert by_id["customer_unit_price"]["name_zh"] == "客单价"
    assert by_id["customer_unit_price"]["formula"] == "gmv_amount / buyers"
    assert "country" in listed["dimensions"] and set(listed["dimensions"]["country"]) == {"zh", "en"}
