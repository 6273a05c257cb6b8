"""Acceptance on UCI Online Retail: segment members, their profile and their metrics equal an
independent pandas computation from the raw invoice lines (the preset's rules, docs/presets.md):

- an invoice starting with C is a cancellation (kept as refunds); one starting with A, and any other
  line with Quantity <= 0 or UnitPrice <= 0, is quarantined; the remaining lines are sales;
- an order = an invoice with sale lines: its user is the first non-empty CustomerID of those lines,
  its day the day of its first line (the store is Europe/London and the file is in local time), its
  amount the sum of Quantity x UnitPrice (GBP);
- a customer's country is the Country of the customer's last loaded line in the file;
- the store has no events, so paid orders are its purchases; its last data day is 2011-12-09.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from shoplens.analyses.context import open_context
from shoplens.analyses.segments import SegmentMetricsEngine as MetricsEngine
from shoplens.analyses.segments import members, profile, save_segment

NOV_NEW = "did(purchase, from=2011-11-01, to=2011-11-30) and not did(purchase, to=2011-10-31)"  # new in November


@pytest.fixture(scope="module")
def raw(datasets: Path) -> dict[str, Any]:
    lines = pd.read_csv(datasets / "online_retail/online_retail.csv.gz", dtype=str, keep_default_na=False)
    lines.columns = ["invoice", "stock", "description", "quantity", "ts", "price", "customer", "country"]
    cancelled = lines.invoice.str.startswith("C")
    sale = (~cancelled & ~lines.invoice.str.startswith("A") & (lines.quantity.astype(int) > 0)
            & (lines.price.astype(float) > 0))
    sales = lines[sale].assign(amount=[Decimal(q) * Decimal(p) for q, p in
                                       zip(lines[sale].quantity, lines[sale].price, strict=True)])
    orders = pd.DataFrame({
        "user": sales.groupby("invoice", sort=False).customer.agg(lambda s: next((c for c in s if c), None)),
        "day": sales.groupby("invoice", sort=False).ts.min().str[:10],
        "gross": sales.groupby("invoice", sort=False).amount.agg(lambda s: sum(s, Decimal(0))),
    })
    known = lines[(sale | cancelled) & (lines.customer != "")]
    country = known.groupby("customer").country.last()  # file order: the last loaded line wins
    return {"orders": orders, "country": country, "users": set(country.index) | set(orders.user.dropna())}


@pytest.fixture(scope="module")
def retail(retail_db: Path, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("retail_segments") / "w.duckdb"
    shutil.copy(retail_db, path)  # the session's warehouse stays untouched
    wh = shoplens.connect(str(path))
    yield wh
    wh.close()


def _users(orders: pd.DataFrame) -> pd.DataFrame:
    buyers = orders.dropna(subset=["user"])
    return buyers.groupby("user").agg(n=("gross", "size"), gmv=("gross", lambda s: sum(s, Decimal(0))),
                                      first=("day", "min"))


def expected_members(raw: dict[str, Any]) -> dict[str, set[str]]:
    orders, country = raw["orders"], raw["country"]
    per_user = _users(orders)
    november = set(orders[(orders.day >= "2011-11-01") & (orders.day <= "2011-11-30")].user.dropna())
    before = set(orders[orders.day <= "2011-10-31"].user.dropna())
    last_90 = orders[(orders.day >= "2011-09-11") & (orders.day <= "2011-12-09")].dropna(subset=["user"])
    return {
        "orders>=3 and lifetime_gmv>=1000": set(per_user[(per_user.n >= 3) & (per_user.gmv >= 1000)].index),
        "country=France": set(country[country == "France"].index),
        NOV_NEW: november - before,
        "did(purchase, min=5, last_days=90)": set(last_90.user.value_counts().loc[lambda s: s >= 5].index),
        'not country="United Kingdom" and orders>=10':
            set(country[country != "United Kingdom"].index) & set(per_user[per_user.n >= 10].index),
        "orders<1": raw["users"] - set(per_user.index),  # customers with cancellations only
    }


def test_members_equal_pandas(retail: Any, raw: dict[str, Any]) -> None:
    ctx = open_context(retail)
    for rule, want in expected_members(raw).items():
        got = members(ctx, rule)
        assert set(got.store_id) <= {"uk"}
        assert set(got.user_id) == want, rule
        assert want, rule  # every rule selects someone: the comparison means something


def test_saved_segment_profile_equals_pandas(retail: Any, raw: dict[str, Any]) -> None:
    save_segment(retail, "france", "country=France", description="French customers")
    result = profile(open_context(retail), "france", top=3)
    orders, country = raw["orders"], raw["country"]
    french = set(country[country == "France"].index)
    mine = orders[orders.user.isin(french)]
    store = result.stores[0]
    assert (store.store_id, store.as_of, store.currency) == ("uk", date(2011, 12, 9), "GBP")
    assert (result.members, result.users) == (len(french), len(raw["users"]))
    assert (store.orders, store.store_orders) == (len(mine), len(orders))
    assert store.gmv == pytest.approx(float(sum(mine.gross, Decimal(0))), abs=0.005)
    assert store.store_gmv == pytest.approx(float(sum(orders.gross, Decimal(0))), abs=0.005)
    assert [(v.value, v.users) for v in result.profile["country"]] == [("France", len(french))]
    assert [(v.value, v.users) for v in result.profile["member_tier"]] == [("none", len(french))]


def test_metrics_of_a_segment_equal_pandas(retail: Any, raw: dict[str, Any]) -> None:
    engine, orders, want = MetricsEngine(retail), raw["orders"], expected_members(raw)
    for name, rule in (("france", "country=France"), ("nov_new", NOV_NEW)):
        save_segment(retail, name, rule)
        got = engine.query(["gmv", "orders", "paying_buyers"], start=date(2011, 11, 1), end=date(2011, 11, 30),
                           segment=name, targets=False).rows[0]
        mine = orders[orders.user.isin(want[rule]) & (orders.day >= "2011-11-01") & (orders.day <= "2011-11-30")]
        assert got["orders"] == len(mine) and got["paying_buyers"] == mine.user.nunique(), name
        assert got["gmv"] == pytest.approx(float(sum(mine.gross, Decimal(0))), abs=0.005), name
