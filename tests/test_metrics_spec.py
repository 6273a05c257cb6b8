"""The catalog loader, formulas, periods, comparison shifts and local-time offsets (no warehouse data needed)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from shoplens.errors import ShoplensError
from shoplens.metrics.docs import render
from shoplens.metrics.formula import FormulaError, parse_formula
from shoplens.metrics.periods import label, periods, shift_for
from shoplens.metrics.spec import CatalogError, load_catalog, parse_catalog
from shoplens.warehouse.scope import _offset_sql, _offsets

REPO = Path(__file__).resolve().parents[1]
CONTRACT = ("uv pv sessions new_visitors bounce_rate gmv orders paying_buyers conversion_rate aov "
            "customer_unit_price add_to_cart_users add_to_cart_rate repeat_purchase_rate refund_amount refund_rate "
            "uv_value ad_spend roi cac sell_through_rate inventory_turnover_days").split()
DIMS = ("channel channel_type source campaign device country market category brand product new_vs_returning "
        "member_tier store").split()


def test_contract_ids_and_dimensions_exist() -> None:
    catalog = load_catalog()
    assert set(CONTRACT) <= set(catalog.metrics)
    assert set(DIMS) <= set(catalog.dimensions)
    for m in catalog.metrics.values():
        assert m.zh and m.en and m.def_zh and m.def_en, m.id
        assert catalog.metric_dims(m.id), f"{m.id} cannot be cut by anything"


def test_metric_dims_follow_sources() -> None:
    catalog = load_catalog()
    assert "campaign" in catalog.metric_dims("uv")
    assert "country" not in catalog.metric_dims("roi")  # ad spend has no country
    assert {"category", "brand", "product"} <= catalog.metric_dims("gmv")  # via order lines


def _raw() -> dict:
    return yaml.safe_load((REPO / "src/shoplens/metrics/catalog.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("patch, message", [
    (lambda d: d["metrics"][0].update(formula="visitors / nope"), "unknown measure 'nope'"),
    (lambda d: d["metrics"][0].update(formula="__import__('os')"), "unsupported element"),
    (lambda d: d["metrics"][0].update(unit="furlongs"), "group/unit/good"),
    (lambda d: d["metrics"].append(dict(d["metrics"][0])), "defined twice"),
    (lambda d: d["measures"]["visitors"].update(source="nowhere"), "unknown source"),
    (lambda d: d["measures"]["visitors"].update(column="nope"), "`column` must be a column"),
    (lambda d: d["measures"]["page_views"].update(where={"colour": "red"}), "unknown column 'colour'"),
    (lambda d: d["measures"]["retained_7d"].update(builder="magic"), "unknown builder"),
    (lambda d: d["metrics"][0].pop("def_zh"), "missing def_zh"),
])
def test_broken_catalog_is_refused_with_the_id(patch, message: str) -> None:
    data = _raw()
    patch(data)
    with pytest.raises(CatalogError, match=message):
        parse_catalog(data)


def test_formula_grammar() -> None:
    f = parse_formula("(a - b) / total(c) * 2")
    assert f.measures == {"a", "b"} and f.totals == {"c"}
    assert f.evaluate({"a": 5.0, "b": 1.0, "total:c": 4.0}) == 2.0
    assert f.evaluate({"a": 5.0, "b": 1.0, "total:c": 0.0}) != f.evaluate({"a": 5.0, "b": 1.0, "total:c": 0.0})
    for bad in ("a ** 2", "a.b", "f(a)", "'x'", "a if b else c"):
        with pytest.raises(FormulaError):
            parse_formula(bad)


def test_period_labels_and_edges() -> None:
    assert label(date(2026, 11, 16), "week") == "2026-W47"
    assert label(date(2027, 1, 1), "week") == "2026-W53"  # ISO year of a Friday 1 Jan
    assert label(date(2026, 10, 1), "quarter") == "2026-Q4"
    assert label(datetime(2026, 3, 1, 9), "hour") == "2026-03-01 09:00"
    weeks = periods(date(2026, 11, 4), date(2026, 11, 18), "week")  # Wed .. Wed
    assert [(p.start, p.first, p.last, p.days) for p in weeks] == [
        (date(2026, 11, 2), date(2026, 11, 4), date(2026, 11, 8), 5),
        (date(2026, 11, 9), date(2026, 11, 9), date(2026, 11, 15), 7),
        (date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 18), 3)]


def test_comparison_shifts() -> None:
    march = shift_for("previous", date(2026, 3, 1), date(2026, 3, 31), "day")
    assert (march.back(date(2026, 3, 1)), march.back(date(2026, 3, 31))) == (date(2026, 2, 1), date(2026, 2, 28))
    ten = shift_for("previous", date(2026, 3, 5), date(2026, 3, 14), None)
    assert (ten.back(date(2026, 3, 5)), ten.back(date(2026, 3, 14))) == (date(2026, 2, 23), date(2026, 3, 4))
    yoy = shift_for("yoy", date(2028, 2, 1), date(2028, 2, 29), "day")
    assert yoy.back(date(2028, 2, 29)) == date(2027, 2, 28)
    weekly = shift_for("yoy", date(2026, 11, 16), date(2026, 11, 22), "week")
    assert weekly.back(date(2026, 11, 16)).weekday() == 0  # Monday maps to Monday
    assert shift_for("wow", date(2026, 3, 5), date(2026, 3, 5), None).back(date(2026, 3, 5)) == date(2026, 2, 26)
    with pytest.raises(ShoplensError, match="unknown comparison"):
        shift_for("mom", date(2026, 3, 5), date(2026, 3, 5), None)


@pytest.mark.parametrize("zone, start, end", [
    ("Europe/London", date(2026, 1, 1), date(2026, 12, 31)),
    ("America/New_York", date(2026, 1, 1), date(2026, 12, 31)),
    ("America/Los_Angeles", date(2026, 6, 1), date(2026, 6, 30)),  # behind UTC, no switch in range
    ("America/Sao_Paulo", date(2026, 1, 1), date(2026, 12, 31)),  # behind UTC, no DST at all
    ("Asia/Shanghai", date(2026, 1, 1), date(2026, 12, 31)),
    ("Australia/Lord_Howe", date(2026, 1, 1), date(2026, 12, 31)),  # 30-minute DST
])
def test_offset_arithmetic_equals_icu_time_zones(zone: str, start: date, end: date) -> None:
    """Every minute of the range (DST switches included) gets the same local time as DuckDB's timezone()."""
    sql = _offset_sql("ts", _offsets(zone, start - timedelta(days=3), end + timedelta(days=3)))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    wrong = con.execute(
        f"SELECT count(*) FROM (SELECT TIMESTAMP '{start}' + to_minutes(i) AS ts FROM range(0, "
        f"{((end - start).days + 1) * 1440}) t(i))"
        f" WHERE {sql} <> timezone('{zone}', timezone('UTC', ts))").fetchone()
    assert wrong == (0,)


def test_docs_metrics_md_is_current() -> None:
    doc = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert render() == doc, "docs/metrics.md is stale: run `make docs`"


def test_metrics_list_json_lists_every_metric() -> None:
    import json

    proc = subprocess.run([sys.executable, "-m", "shoplens.cli", "metrics", "list", "--format", "json"],
                          capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout)
    assert [m["id"] for m in data["metrics"]] == list(load_catalog().metrics)
    assert {"id", "name_zh", "name_en", "unit", "good", "definition_en", "formula", "dimensions"} <= set(
        data["metrics"][0])


def test_unknown_metric_keys_are_refused() -> None:
    """An unquoted comma inside a {…} entry splits a text into a stray key: refuse it, don't truncate."""
    data = _raw()
    data["metrics"][0]["nothing else) / sessions"] = None
    with pytest.raises(CatalogError, match="unknown keys"):
        parse_catalog(data)
