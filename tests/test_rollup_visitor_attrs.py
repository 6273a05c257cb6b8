"""Member tier and new vs returning of event measures, served from the visitor-day rollups (issue #12 point 5).

Both are attributes of a visitor on a local day, so cuts and filters by them (root cause's default dimensions)
read ``_rollup_user_day`` (or the dims rollup, when a channel, device or country is also asked) instead of raw
events. The numbers must equal the engine over raw events and an independent SQL over events and customers.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.ingest.pipeline import import_files
from shoplens.metrics import engine as engine_mod
from shoplens.metrics import plan as plan_mod
from shoplens.metrics import values as values_mod
from shoplens.warehouse.rollups import USER_DAY, USER_DAY_DIMS

METRICS = ["uv", "pv", "add_to_cart_rate", "conversion_rate"]
START, END = date(2026, 10, 19), date(2026, 10, 26)
TIER = "coalesce(nullif(lower(trim(c.member_tier)), ''), 'none')"


def _clear_caches() -> None:
    engine_mod._CACHE.clear()
    values_mod._CACHE.clear()


def _rows(m: Any, keys: list[str]) -> dict[tuple, tuple]:
    return {tuple(str(r[k])[:10] for k in keys): tuple(None if r[x] != r[x] else r[x] for x in METRICS)
            for _, r in m.iterrows()}


def _both(wh: Any, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[dict, dict, list[str | None]]:
    """The engine's answer with the rollups and with raw events forced, and the tables it picked."""
    used: list[str | None] = []
    usable = plan_mod.rollup_source.usable

    def spy(*args: Any) -> str | None:
        used.append(usable(*args))
        return used[-1]

    keys = [*(["period"] if kw.get("grain") else []), *kw.get("by", [])]
    _clear_caches()
    monkeypatch.setattr(plan_mod.rollup_source, "usable", spy)
    fast = _rows(shoplens.metrics(wh, METRICS, store="demo", **kw), keys)
    monkeypatch.setattr(plan_mod.rollup_source, "usable", lambda *a: None)
    _clear_caches()
    raw = _rows(shoplens.metrics(wh, METRICS, store="demo", **kw), keys)
    _clear_caches()
    monkeypatch.setattr(plan_mod.rollup_source, "usable", usable)
    return fast, raw, used


def _local_day(tz: str) -> str:
    return f"CAST(timezone('{tz}', timezone('UTC', e.ts)) AS DATE)"


@pytest.mark.parametrize("dim", ["member_tier", "new_vs_returning"])
@pytest.mark.parametrize("grain", [None, "day"])
def test_cuts_equal_raw_events_and_plain_sql(demo_db: Path, monkeypatch: pytest.MonkeyPatch, dim: str,
                                             grain: str | None) -> None:
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        fast, raw, used = _both(wh, monkeypatch, by=[dim], grain=grain, start=START, end=END)
        assert USER_DAY in used and USER_DAY_DIMS not in used
        assert fast == raw and len(fast) >= 2
        if grain:
            return
        tz = wh.con.execute("SELECT timezone FROM stores WHERE store_id = 'demo'").fetchone()[0]
        day = _local_day(tz)
        # independent: a visitor is new on the local day of their first event ever in the store
        value = TIER if dim == "member_tier" else "CASE WHEN d = f.first THEN 'new' ELSE 'returning' END"
        sql = wh.con.execute(
            f"SELECT {value} AS v, count(DISTINCT e.user_id), count_if(e.event IN ('page_view', 'product_view'))"
            f" FROM (SELECT *, {day} AS d FROM events e WHERE store_id = 'demo') e"
            " LEFT JOIN customers c ON c.store_id = e.store_id AND c.user_id = e.user_id"
            f" JOIN (SELECT user_id, min({day}) AS first FROM events e WHERE store_id = 'demo' GROUP BY 1) f"
            " ON f.user_id = e.user_id WHERE d BETWEEN ? AND ? GROUP BY 1", [START, END]).fetchall()
        assert {k[0]: v[:2] for k, v in fast.items()} == {v: (uv, pv) for v, uv, pv in sql}


def test_with_a_channel_filter_reads_the_dims_rollup(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root cause within one channel: cut by new vs returning and by tier, filtered to paid_search."""
    with shoplens.connect(str(demo_db), read_only=True) as wh:
        for dim in ("new_vs_returning", "member_tier"):
            fast, raw, used = _both(wh, monkeypatch, by=[dim], where={"channel": ["paid_search"]}, start=END,
                                    end=END)
            assert USER_DAY_DIMS in used
            assert fast == raw and fast
        fast, raw, used = _both(wh, monkeypatch, by=["device"], where={"member_tier": ["gold"]}, grain="day",
                                start=START, end=END)
        assert USER_DAY_DIMS in used and fast == raw and fast


def test_hand_made_store(tmp_path: Path) -> None:
    """u1 is new on 1 Mar and returning on 2 Mar; u2 (gold) is new on 2 Mar; u3 has no customer row."""
    events = ("event_id,ts,user_id,event,channel,device,country\n"
              "e1,2026-03-01T02:00:00Z,u1,page_view,direct,mobile,CN\n"
              "e2,2026-03-02T02:00:00Z,u1,page_view,direct,mobile,CN\n"
              "e3,2026-03-02T03:00:00Z,u2,page_view,email,desktop,CN\n"
              "e4,2026-03-02T04:00:00Z,u2,add_to_cart,email,desktop,CN\n"
              "e5,2026-03-02T05:00:00Z,u3,page_view,direct,mobile,CN\n")
    customers = "user_id,member_tier\nu1,Silver\nu2, gold \n"
    kw = {"store": "s", "currency": "CNY", "timezone": "Asia/Shanghai"}
    (tmp_path / "e.csv").write_text(events, encoding="utf-8")
    (tmp_path / "c.csv").write_text(customers, encoding="utf-8")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [tmp_path / "e.csv"], table="events", **kw)
        import_files(wh, [tmp_path / "c.csv"], table="customers", **kw)
        day2 = {"start": date(2026, 3, 2), "end": date(2026, 3, 2), "store": "s"}
        m = shoplens.metrics(wh, ["uv", "pv"], by=["new_vs_returning"], **day2)
        assert dict(zip(m["new_vs_returning"], m["uv"], strict=True)) == {"new": 2, "returning": 1}
        m = shoplens.metrics(wh, ["uv", "add_to_cart_rate"], by=["member_tier"], **day2)
        got = {t: (uv, rate) for t, uv, rate in zip(m["member_tier"], m["uv"], m["add_to_cart_rate"], strict=True)}
        assert got == {"gold": (1, 1.0), "silver": (1, 0.0), "none": (1, 0.0)}
        m = shoplens.metrics(wh, ["uv"], by=["new_vs_returning"], where={"channel": ["direct"]}, **day2)
        assert dict(zip(m["new_vs_returning"], m["uv"], strict=True)) == {"new": 1, "returning": 1}
        m = shoplens.metrics(wh, ["uv"], by=["new_vs_returning"], start=date(2026, 3, 1), end=date(2026, 3, 2),
                             store="s")
        # over both days u1 is new (1 Mar) and returning (2 Mar): a visitor in both rows, as raw events say
        assert dict(zip(m["new_vs_returning"], m["uv"], strict=True)) == {"new": 3, "returning": 1}
