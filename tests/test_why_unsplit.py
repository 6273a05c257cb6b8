"""A dimension that carries no value of a ratio's denominator on one side (orders without a category, device or
country) cannot split the change: `why` keeps the whole change on the unattributed row instead of failing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import shoplens
from test_brief_fixture import store_db  # noqa: F401  (the hand-made store: four orders, one refund)

DAY = date(2026, 3, 10)


def test_a_ratio_a_dimension_cannot_split(store_db: Path) -> None:  # noqa: F811
    with shoplens.connect(str(store_db), read_only=True) as wh:
        aov = shoplens.why(wh, "aov", day=DAY, compare="wow", store="t").to_dict()
        refund = shoplens.why(wh, "refund_rate", day=DAY, compare="wow", store="t").to_dict()
    # AOV: 300 (o4) on 03-10 against 100 (o1) on 03-03; no order has a line, so no category
    assert (aov["value"], aov["reference_value"], aov["change"]) == (300.0, 100.0, 200.0)
    category = next(d for d in aov["dimensions"] if d["dimension"] == "category")
    assert [(v["value"], v["contribution"], v["explains"]) for v in category["values"]] == [
        ("(unattributed)", 200.0, False)]
    assert category["explanatory_power"] == 0.0
    channel = next(d for d in aov["dimensions"] if d["dimension"] == "channel")
    assert sum(v["contribution"] for v in channel["values"]) == 200.0  # the channels do split it
    # refund rate: 30 / 300 = 10 % against 0 / 100
    assert abs(refund["change"] - 0.1) < 1e-12
    category = next(d for d in refund["dimensions"] if d["dimension"] == "category")
    assert [v["value"] for v in category["values"]] == ["(unattributed)"]
