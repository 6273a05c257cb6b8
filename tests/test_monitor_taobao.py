"""Root cause on an events-only real data set (Taobao UserBehavior head sample) against pandas on the raw file.

The preset's rules (docs/presets.md#taobao-userbehavior) read with pandas: one line = one event of ``user``
on ``item``; timestamps are Unix seconds, the store's days are Asia/Shanghai (UTC+8, no DST) days; an item's
category is the one on its last line in the file; ``buy`` lines are the purchases (no orders, no money).
UV = distinct users with any event that day, paying buyers = distinct users with a ``buy``, payment conversion
= buyers / UV. The sample covers 2017-11-25..2017-12-03, too short for the anomaly detector's 6-week history,
so only ``why`` is checked here: Saturday 2017-12-02 against Saturday 2017-11-25.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import shoplens

TAOBAO = "taobao_userbehavior_sample/UserBehavior_head.csv.gz"
DAY, REF = date(2017, 12, 2), date(2017, 11, 25)


@pytest.fixture(scope="module")
def events(datasets: Path) -> pd.DataFrame:
    df = pd.read_csv(datasets / TAOBAO, header=None, names=["user", "item", "category", "behaviour", "ts"],
                     dtype={"user": str, "item": str, "category": str, "behaviour": str, "ts": "int64"})
    df["day"] = (pd.to_datetime(df.ts, unit="s") + pd.Timedelta(hours=8)).dt.date
    last_category = df.groupby("item").category.last()  # file order: the item's last line wins
    df["item_category"] = df.item.map(last_category)
    return df


@pytest.fixture(scope="module")
def taobao_wh(taobao_db: Path):
    with shoplens.connect(str(taobao_db), read_only=True) as wh:
        yield wh


def uv(df: pd.DataFrame, day: date) -> int:
    return int(df[df.day == day].user.nunique())


def buyers(df: pd.DataFrame, day: date) -> int:
    return int(df[(df.day == day) & (df.behaviour == "buy")].user.nunique())


def test_uv_by_category_equals_pandas(taobao_wh: Any, events: pd.DataFrame) -> None:
    got = shoplens.why(taobao_wh, "uv", day=DAY, compare="wow", by=["category"]).to_dict()
    now, before = uv(events, DAY), uv(events, REF)
    assert (got["value"], got["reference_value"], got["change"]) == (now, before, now - before)
    assert got["factors"] == []  # uv is a leaf of the factor tree

    def per_category(day: date) -> dict[str, int]:
        return events[events.day == day].groupby("item_category").user.nunique().to_dict()

    c1, c0 = per_category(DAY), per_category(REF)
    (dim,) = got["dimensions"]
    rows = {v["value"]: v for v in dim["values"]}
    assert set(rows) - {"(unattributed)"} == set(c0) | set(c1)
    for cat in set(c0) | set(c1):
        assert rows[cat]["contribution"] == c1.get(cat, 0) - c0.get(cat, 0), cat
        assert rows[cat]["value_now"] == c1.get(cat) and rows[cat]["value_before"] == c0.get(cat), cat
    # a visitor who looked at two categories counts in both: the difference to the store's change is one row
    own = sum(c1.values()) - sum(c0.values())
    assert rows["(unattributed)"]["contribution"] == (now - before) - own != 0
    assert math.isclose(sum(r["contribution"] for r in rows.values()), now - before)


def test_conversion_rate_equals_pandas(taobao_wh: Any, events: pd.DataFrame) -> None:
    """The store's payment conversion both days; with one value of device (none recorded) the whole change is that
    value's rate effect, no mix."""
    got = shoplens.why(taobao_wh, "conversion_rate", day=DAY, compare="wow", by=["device"]).to_dict()
    r1, r0 = buyers(events, DAY) / uv(events, DAY), buyers(events, REF) / uv(events, REF)
    assert math.isclose(got["value"], r1, abs_tol=1e-9) and math.isclose(got["reference_value"], r0, abs_tol=1e-9)
    (value,) = got["dimensions"][0]["values"]
    assert value["value"] == "(none)" and value["mix_effect"] == 0
    assert math.isclose(value["rate_effect"], r1 - r0, abs_tol=1e-9)
    assert math.isclose(value["contribution"], got["change"], abs_tol=1e-9)  # the engine rounds rates to 1e-10


def test_conversion_rate_by_category_equals_pandas(taobao_wh: Any, events: pd.DataFrame) -> None:
    """Rate and mix effects per category (buyers of the category / its visitors) add up to the change."""
    got = shoplens.why(taobao_wh, "conversion_rate", day=DAY, compare="wow", by=["category"]).to_dict()
    bought = events[(events.day == DAY) & (events.behaviour == "buy")].groupby("item_category").user.nunique()
    rows = {v["value"]: v for v in got["dimensions"][0]["values"]}
    top = bought.sort_values(ascending=False).index[0]
    visitors = events[(events.day == DAY) & (events.item_category == top)].user.nunique()
    assert rows[top]["value_now"] is not None
    assert math.isclose(rows[top]["value_now"], bought[top] / visitors, abs_tol=1e-9)
