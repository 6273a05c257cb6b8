"""The shipped ``a_sku_stockout`` rule (kind ``stockout``): an A-class SKU by GMV over the 28 days up to the
checked day with nothing on hand that day (warehouses summed), on the hand-made store of tests/abc_shop.py.

GMV 2026-02-19..03-18: a1 600, a3 450, a4 200, a2 150, a5 100, z0 0 (total 1500): a1 A (above 0), a3 A (above
40 %), a4 B (above 70 %), a2 B (above 83.3 %), a5 and z0 C. So only a1 and a3 may page.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import shoplens
from abc_shop import abc_shop
from shoplens.analyses.alerts.rules import load_rules

DAY = date(2026, 3, 18)  # the last day with orders


def _check(folder: Path, inventory: list[tuple[str, str, str, int]]) -> list[dict]:
    path = abc_shop(folder, inventory=inventory)
    rule = next(r for r in load_rules(None) if r.id == "a_sku_stockout")
    assert rule.enabled and rule.kind == "stockout" and rule.params == {"classes": ["A"], "abc_days": 28}
    with shoplens.connect(str(path)) as wh:
        return shoplens.alerts_check(wh, day=DAY, rules=[rule]).to_dict()["alerts"]


def test_fires_for_the_a_sku_at_zero_only(tmp_path: Path) -> None:
    alerts = _check(tmp_path, [
        ("2026-03-18", "a1", "main", 0), ("2026-03-18", "a1", "wh2", 3),  # A, 3 on hand in all: no alert
        ("2026-03-18", "a3", "main", 0), ("2026-03-18", "a3", "wh2", 0),  # A at zero: the alert
        ("2026-03-18", "a4", "main", 0), ("2026-03-18", "z0", "main", 0),  # B and C at zero: no alert
        ("2026-03-17", "a1", "main", 0)])  # another day: not read
    assert [(a["rule"], a["dims"], a["value"], a["severity"]) for a in alerts] == [
        ("a_sku_stockout", {"product": "a3"}, 0, "high")]
    assert "product=a3" in alerts[0]["message"]["en"] and "A-class" in alerts[0]["message"]["en"]
    assert "product=a3" in alerts[0]["message"]["zh"] and "库存为 0" in alerts[0]["message"]["zh"]


@pytest.mark.parametrize("a3_stock", [1, None])
def test_silent_when_every_a_sku_has_stock_or_no_snapshot(tmp_path: Path, a3_stock: int | None) -> None:
    inventory = [("2026-03-18", "a1", "main", 2), ("2026-03-18", "a4", "main", 0), ("2026-03-18", "a5", "main", 0)]
    if a3_stock is not None:
        inventory.append(("2026-03-18", "a3", "main", a3_stock))
    assert _check(tmp_path, inventory) == []


def test_classes_a_and_b_name_each_sku_by_its_own_class(tmp_path: Path) -> None:
    """With ``classes: [A, B]`` a B-class SKU at zero pages too, and its message says B-class, not A-class."""
    path = abc_shop(tmp_path, inventory=[("2026-03-18", "a3", "main", 0), ("2026-03-18", "a4", "main", 0),
                                         ("2026-03-18", "a5", "main", 0)])
    rule = next(r for r in load_rules(None) if r.id == "a_sku_stockout")
    rule.params["classes"] = ["A", "B"]
    with shoplens.connect(str(path)) as wh:
        alerts = shoplens.alerts_check(wh, day=DAY, rules=[rule]).to_dict()["alerts"]
    got = {a["dims"]["product"]: a["message"] for a in alerts}
    assert set(got) == {"a3", "a4"}  # a5 is C
    assert "A-class" in got["a3"]["en"] and "A 类" in got["a3"]["zh"]
    assert "B-class" in got["a4"]["en"] and "B 类" in got["a4"]["zh"]
