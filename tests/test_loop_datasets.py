"""The brief, the weekly review and an action's effect on real public data (Online Retail, UCI, imported with its
preset), each number recomputed here from the raw invoice lines with pandas (the rules of tests/test_metrics_real.py:
an order is an invoice's sale lines, on the local day of its first line; country = its first line's country)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens
from test_metrics_real import RETAIL, read_retail


@pytest.fixture(scope="module")
def orders(datasets: Path) -> pd.DataFrame:
    return read_retail(datasets / RETAIL)[0]


def gmv_by_day(orders: pd.DataFrame, first: date, last: date, country: str | None = None,
               other: bool = False) -> dict[date, float]:
    """GMV per local day, 0 on a day without sales (the shop does not trade on Saturdays)."""
    rows = orders if country is None else orders[(orders.country != country) if other else (orders.country == country)]
    per_day = rows.groupby("day").gross.apply(lambda s: sum(s, Decimal(0)))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return {d: float(per_day.get(d.isoformat(), Decimal(0))) for d in days}


def kpis(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["metric"]: k for k in report["sections"][0]["kpis"]}


def reference(kpi: dict[str, Any], key: str) -> Any:
    return next(c for c in kpi["comparisons"] if c["key"] == key)["reference"]


def test_brief_on_online_retail(retail_db: Path, orders: pd.DataFrame) -> None:
    day = date(2011, 10, 4)  # a Tuesday
    with shoplens.connect(str(retail_db), read_only=True) as wh:
        k = kpis(shoplens.brief(wh, day=day, store="uk").to_dict())
    gmv = gmv_by_day(orders, day - timedelta(days=7), day)
    n = int((orders.day == day.isoformat()).sum())
    assert k["gmv"]["value"] == pytest.approx(gmv[day], abs=0.01)
    assert k["aov"]["value"] == pytest.approx(gmv[day] / n, abs=0.01)
    assert reference(k["gmv"], "dod") == pytest.approx(gmv[day - timedelta(days=1)], abs=0.01)
    assert reference(k["gmv"], "wow") == pytest.approx(gmv[day - timedelta(days=7)], abs=0.01)
    assert k["uv"]["value"] is None or k["uv"]["value"] == 0  # the file has no visits


def test_review_on_online_retail(retail_db: Path, orders: pd.DataFrame) -> None:
    monday = date(2011, 10, 3)  # 2011-W40
    with shoplens.connect(str(retail_db), read_only=True) as wh:
        data = shoplens.review(wh, week="2011-W40", store="uk").to_dict()
    k = kpis(data)
    this = sum(gmv_by_day(orders, monday, monday + timedelta(days=6)).values())
    prev = sum(gmv_by_day(orders, monday - timedelta(days=7), monday - timedelta(days=1)).values())
    n = int(orders.day.between(monday.isoformat(), (monday + timedelta(days=6)).isoformat()).sum())
    assert k["gmv"]["value"] == pytest.approx(this, abs=0.01)
    assert k["aov"]["value"] == pytest.approx(this / n, abs=0.01)
    assert reference(k["gmv"], "prev_week") == pytest.approx(prev, abs=0.01)
    assert reference(k["gmv"], "last_year") is None  # 2010-W40 is before the file's first day (2010-12-01)


def test_action_effect_on_online_retail(retail_db: Path, orders: pd.DataFrame, tmp_path: Path) -> None:
    """GMV of the United Kingdom against the other countries together, 14 days around 2011-10-04: the
    difference-in-differences recomputed from the raw lines."""
    db = tmp_path / "uk.duckdb"
    shutil.copy(retail_db, db)
    day, n = date(2011, 10, 4), 14
    with shoplens.connect(str(db)) as wh:
        action = shoplens.action_add(wh, title="UK landing page", metric="gmv", scope="country=United Kingdom",
                                     day=day)
        effect = shoplens.action_effect(wh, action["id"], days=n).to_dict()
    first, last = day - timedelta(days=n), day + timedelta(days=n)
    uk = gmv_by_day(orders, first, last, "United Kingdom")
    rest = gmv_by_day(orders, first, last, "United Kingdom", other=True)
    before = [uk[d] - rest[d] for d in uk if d < day]
    after = [uk[d] - rest[d] for d in uk if d > day]
    assert [(r["date"], r["treated"], r["control"]) for r in effect["daily"]] == [
        (d.isoformat(), pytest.approx(uk[d], abs=0.01), pytest.approx(rest[d], abs=0.01)) for d in uk if d != day]
    expected = sum(after) / len(after) - sum(before) / len(before)
    e = effect["effect"]
    assert (e["days_before"], e["days_after"]) == (n, n)
    assert e["estimate"] == pytest.approx(expected, abs=0.01)
    assert e["low"] < e["estimate"] < e["high"]
