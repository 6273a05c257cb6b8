"""The engine caches each query's result and hands out copies: whatever a caller does to its copy (a row value,
the rows list, notes, sources, the metric list) must not show in the next answer of the same query. The copy is
cheap (no deep copy of 50 k rows), so this pins that it is still a full copy where callers can reach."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from shoplens.metrics.result import MetricResult

W10 = {"start": date(2026, 3, 2), "end": date(2026, 3, 8)}


def _ask(engine: Any) -> MetricResult:
    return engine.query(["gmv", "paid_units"], by=["store", "product"], store="s1", targets=False, **W10)


def _answer(result: MetricResult) -> dict[str, Any]:
    return copy.deepcopy(result.to_dict())


def test_mutating_a_returned_result_does_not_change_the_next_answer(engine: Any) -> None:
    first = _ask(engine)
    expected = _answer(first)
    assert first.rows and all(not isinstance(v, list | dict | set) for r in first.rows for v in r.values())
    first.rows[0]["gmv"] = -1.0
    first.rows[0]["extra"] = "x"
    first.rows.append({"store": "s9"})
    first.rows.reverse()
    first.notes["mine"] = {"en": "changed"}
    first.sources.setdefault("s1", {})["gmv"] = "changed"
    first.metrics.append("orders")
    first.dims.clear()
    first.sql.append("SELECT 1")
    second = _ask(engine)
    assert _answer(second) == expected
    assert second.sql == _ask(engine).sql and "SELECT 1" not in second.sql


def test_nested_notes_of_a_copy_are_its_own(engine: Any) -> None:
    first = _ask(engine)
    first.notes["x"] = {"en": "a"}
    copied = first.copy()
    copied.notes["x"]["en"] = "b"
    copied.sources["s1"] = {"gmv": "z"}
    assert first.notes["x"]["en"] == "a"
    assert first.sources.get("s1") != {"gmv": "z"}
    assert copied.rows == first.rows and copied.rows is not first.rows
    assert all(a is not b for a, b in zip(copied.rows, first.rows, strict=True))
