"""`shoplens values` / ``list_values``: counts against independent SQL on the demo store and on real data sets,
and the CLI's exit codes and texts for unknown values (a real subprocess each).

Demo store facts: one store ``demo`` (Asia/Shanghai), data 2026-05-20 .. 2026-11-15, countries CN, US, JP, DE,
AU, GB, FR. The independent counts below cut local days with DuckDB's ICU ``timezone()``, not the UTC bounds
the lookups use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.errors import ShoplensError
from shoplens.metrics import MetricsEngine
from shoplens.metrics.values import list_values

ENV = {"PATH": "/usr/bin:/bin", "SHOPLENS_LOCK_WAIT": "1", "COLUMNS": "200"}
OCT = (date(2026, 10, 1), date(2026, 10, 31))
LOCAL = "CAST(timezone({tz}, timezone('UTC', {ts})) AS DATE)"


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True,
                          text=True, timeout=120, env=ENV)


def sql_counts(wh: Any, sql: str) -> dict[str, int]:
    return {v: int(n) for v, n in wh.con.execute(sql).fetchall() if v is not None}


def by_value(listing: Any, kinds: list[str]) -> dict[str, tuple[int, ...]]:
    assert listing.count_of == kinds
    return {r["value"]: tuple(r[k] for k in kinds) for r in listing.values}


def expected(parts: dict[str, dict[str, int]]) -> dict[str, tuple[int, ...]]:
    values = set().union(*parts.values())
    return {v: tuple(parts[k].get(v, 0) for k in parts) for v in values}


@pytest.fixture(scope="module")
def demo(demo_db: Path) -> Any:
    wh = shoplens.connect(str(demo_db), read_only=True)
    yield wh
    wh.close()


def test_channel_counts_in_a_month_equal_sql(demo: Any) -> None:
    day = LOCAL.format(tz="'Asia/Shanghai'", ts="{}")
    between = f"BETWEEN DATE '{OCT[0]}' AND DATE '{OCT[1]}'"
    paid_day = day.format("coalesce(paid_ts, created_ts)")
    parts = {
        "events": sql_counts(demo, f"SELECT channel, count(*) FROM events WHERE {day.format('ts')} {between}"
                                   " GROUP BY 1"),
        "orders": sql_counts(demo, f"SELECT channel, count(*) FROM orders WHERE {paid_day} {between} GROUP BY 1"),
        "ad_spend": sql_counts(demo, f"SELECT channel, count(*) FROM ad_spend WHERE date {between} GROUP BY 1"),
    }
    listing = list_values(demo, dim="channel", start=OCT[0], end=OCT[1])
    assert by_value(listing, ["events", "orders", "ad_spend"]) == expected(parts)
    totals = [r["rows"] for r in listing.values]
    assert totals == sorted(totals, reverse=True) and all(r["rows"] == sum(
        r[k] for k in listing.count_of) for r in listing.values)
    assert listing.closed and listing.stores == ["demo"]


def test_country_and_event_counts_over_all_dates_equal_sql(demo: Any) -> None:
    parts = {"events": sql_counts(demo, "SELECT country, count(*) FROM events GROUP BY 1"),
             "orders": sql_counts(demo, "SELECT country, count(*) FROM orders GROUP BY 1"),
             "customers": sql_counts(demo, "SELECT country, count(*) FROM customers GROUP BY 1")}
    assert by_value(list_values(demo, dim="country"), list(parts)) == expected(parts)
    # the demo has purchase events of its own: its orders do not stand in for them (no "orders" count)
    parts = {"events": sql_counts(demo, "SELECT event, count(*) FROM events GROUP BY 1"), "orders": {}}
    assert by_value(list_values(demo, dim="event"), list(parts)) == expected(parts)


def test_the_python_api_lists_the_same(demo: Any) -> None:
    assert shoplens.values(demo, "device").to_dict() == list_values(demo, dim="device").to_dict()


def test_a_high_cardinality_dimension_lists_the_top_values(demo: Any) -> None:
    listing = list_values(demo, dim="product", limit=5)
    counts = demo.con.execute(
        "SELECT v, count(*) AS n FROM (SELECT product_id AS v FROM events UNION ALL SELECT product_id FROM order_items"
        " UNION ALL SELECT product_id FROM products) WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v").fetchall()
    assert [(r["value"], r["rows"]) for r in listing.values] == [(v, n) for v, n in counts[:5]]
    assert listing.distinct == len(counts)


def test_real_online_retail_countries(retail_db: Path) -> None:
    with shoplens.connect(str(retail_db), read_only=True) as wh:
        parts = {"events": {}, "orders": sql_counts(wh, "SELECT country, count(*) FROM orders GROUP BY 1"),
                 "customers": sql_counts(wh, "SELECT country, count(*) FROM customers GROUP BY 1")}
        listing = list_values(wh, dim="country", limit=1000)
        assert by_value(listing, list(parts)) == expected(parts)
        top = max(parts["orders"], key=lambda c: parts["orders"][c] + parts["customers"].get(c, 0))
        assert listing.values[0]["value"] == top == "United Kingdom"
        # the store has no channels: the closed vocabulary is listed with 0 rows
        channels = list_values(wh, dim="channel")
        assert channels.distinct == 0 and {r["rows"] for r in channels.values} == {0} and len(channels.values) == 13
        # no purchase events: paid orders are the purchases (as the analyses read them)
        paid = "(paid_ts IS NOT NULL OR status IN ('paid', 'shipped', 'delivered'))"
        events = {r["value"]: (r["events"], r["orders"]) for r in list_values(wh, dim="event").values if r["rows"]}
        assert events == {"purchase": (0, wh.con.execute(f"SELECT count(*) FROM orders WHERE {paid}").fetchone()[0])}
        with pytest.raises(ShoplensError) as exc:
            MetricsEngine(wh).query("gmv", where={"country": "Untied Kingdom"})
        assert exc.value.hint == "did you mean United Kingdom?"


def test_real_taobao_events_and_a_typo_in_a_step(taobao_db: Path) -> None:
    with shoplens.connect(str(taobao_db), read_only=True) as wh:
        parts = {"events": sql_counts(wh, "SELECT event, count(*) FROM events GROUP BY 1"), "orders": {}}
        listing = list_values(wh, dim="event")
        assert by_value(listing, ["events", "orders"]) == expected(parts)  # no orders: no purchases from them
        with pytest.raises(ShoplensError, match=r"unknown event 'favourite' in step 2 \(hint: did you mean favorite\?"):
            shoplens.funnel(wh, "product_view,favourite")


# ---- the CLI (real processes: exit codes and the one-line error) -----------------------------------------
def test_cli_unknown_filter_value_exits_non_zero_with_one_line(demo_db: Path) -> None:
    out = run(demo_db, "--lang", "en", "metrics", "gmv", "--where", "channel=paidsearch")
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr == "error: --where: unknown channel 'paidsearch' (hint: did you mean paid_search?)\n"
    out = run(demo_db, "--lang", "zh", "metrics", "gmv", "--where", "country=USA")
    assert (out.returncode, out.stderr) == (2, "错误: --where: 未知国家/市场 'USA'（提示：是否想用 US？）\n")
    out = run(demo_db, "--lang", "en", "funnel", "--steps", "product_view,add_to_card,purchase")
    assert out.returncode == 2 and out.stderr == (
        "error: --steps: unknown event 'add_to_card' in step 2 (hint: did you mean add_to_cart?)\n")


def test_cli_notes_a_range_without_data_in_both_languages(demo_db: Path) -> None:
    out = run(demo_db, "--lang", "en", "metrics", "gmv", "--from", "2020-01-01", "--to", "2020-01-31")
    assert out.returncode == 0, out.stderr
    assert "* no data in 2020-01-01..2020-01-31: the data covers 2026-05-20..2026-11-15" in out.stdout
    out = run(demo_db, "--lang", "zh", "funnel", "--steps", "product_view,purchase", "--from", "2020-01-01",
              "--to", "2020-01-31")
    assert out.returncode == 0, out.stderr
    assert "* 2020-01-01..2020-01-31 没有数据：数据覆盖 2026-05-20..2026-11-15" in out.stdout


def test_cli_values_json_csv_and_table(demo_db: Path, demo: Any) -> None:
    out = run(demo_db, "values", "country", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == list_values(demo, dim="country", start=OCT[0], end=OCT[1]).to_dict()
    out = run(demo_db, "values", "device", "--format", "csv")
    lines = out.stdout.splitlines()
    assert lines[0] == "value,rows,events,orders" and len(lines) == 1 + 5  # the closed vocabulary of devices
    out = run(demo_db, "--lang", "en", "values", "event")
    assert out.returncode == 0 and "page_view" in out.stdout and "paid orders count as purchase events" in out.stdout
    out = run(demo_db, "--lang", "en", "values", "chanel")
    assert out.returncode == 2
    assert out.stderr.startswith("error: unknown dimension 'chanel' (hint: did you mean channel")
