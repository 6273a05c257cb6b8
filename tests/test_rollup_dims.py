"""The visitor-day rollup by channel, device and country (``_rollup_user_day_dims``, issue #12 point 5).

It must hold exactly what the raw events say after every write (imports that replace events, undo,
store rename and delete, migration 18), and the metrics engine's cuts by channel / device / country
/ channel_type / market read from it must equal the same queries over raw events.
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
from shoplens.model.vocab import EVENTS
from shoplens.warehouse.rollups import USER_DAY, USER_DAY_DIMS, refresh_user_day

HEADER = "event_id,ts,user_id,event,channel,device,country\n"
KW = {"table": "events", "store": "s", "currency": "CNY", "timezone": "Asia/Shanghai"}
COUNTS = ", ".join(f"count_if(event = '{e}')" for e in EVENTS)


def dims_rollup(con: Any, store: str | None = None) -> list[tuple]:
    where = f" WHERE store_id = '{store}'" if store else ""
    return con.execute(f"SELECT store_id, day, user_id, channel, device, country, n_events,"
                       f" {', '.join(f'n_{e}' for e in EVENTS)} FROM {USER_DAY_DIMS}{where} ORDER BY ALL").fetchall()


def from_events(con: Any, store: str) -> list[tuple]:
    """Independent: the rows the table must hold, by the ICU time zone conversion over raw events."""
    tz = con.execute("SELECT timezone FROM stores WHERE store_id = ?", [store]).fetchone()[0]
    return con.execute(f"SELECT store_id, CAST(timezone('{tz}', timezone('UTC', ts)) AS DATE) AS d, user_id, channel,"
                       f" device, country, count(*), {COUNTS} FROM events WHERE store_id = ? GROUP BY ALL ORDER BY ALL",
                       [store]).fetchall()


def rebuilt(con: Any) -> list[tuple]:
    con.execute("BEGIN TRANSACTION")
    try:
        refresh_user_day(con, [r[0] for r in con.execute("SELECT store_id FROM stores").fetchall()])
        return dims_rollup(con)
    finally:
        con.execute("ROLLBACK")


def _key(value: Any) -> Any:
    """A missing dimension value (NaN in a DataFrame) as None, so that it compares equal."""
    return value if isinstance(value, str | date) or hasattr(value, "isoformat") else None


def write(tmp_path: Path, name: str, rows: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


A = ("e1,2026-03-01T15:59:00Z,u1,page_view,paid_search,mobile,CN\n"  # 23:59 local, 1 Mar
     "e2,2026-03-01T16:00:00Z,u1,add_to_cart,paid_search,mobile,CN\n"  # 00:00 local, 2 Mar
     "e3,2026-03-02T02:00:00Z,u1,page_view,direct,desktop,CN\n"  # u1 twice on 2 Mar: two rows
     "e4,2026-03-02T03:00:00Z,u2,page_view,direct,desktop,US\n"
     "e5,2026-03-02T04:00:00Z,u2,purchase,direct,desktop,US\n"
     "e6,2026-03-05T02:00:00Z,u3,product_view,organic_search,mobile,\n")  # no country: its own row


def test_hand_made_store_rows_and_engine_cuts(tmp_path: Path) -> None:
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [write(tmp_path, "a.csv", A)], **KW)
        rows = dims_rollup(wh.con)
        assert rows == from_events(wh.con, "s") == rebuilt(wh.con)
        day2 = [r[2:7] for r in rows if r[1] == date(2026, 3, 2)]  # user, channel, device, country, n_events
        assert day2 == [("u1", "direct", "desktop", "CN", 1), ("u1", "paid_search", "mobile", "CN", 1),
                        ("u2", "direct", "desktop", "US", 2)]
        m = shoplens.metrics(wh, ["uv", "pv", "add_to_cart_rate"], by=["country"], start=date(2026, 3, 1),
                             end=date(2026, 3, 5), store="s")
        got = {_key(c): (uv, pv) for c, uv, pv in zip(m["country"], m["uv"], m["pv"], strict=True)}
        assert got == {"CN": (1, 2), "US": (1, 1), None: (1, 1)}  # by hand: u1 counted once over 3 days
        m = shoplens.metrics(wh, ["uv", "add_to_cart_rate"], by=["channel_type"], grain="day",
                             start=date(2026, 3, 2), end=date(2026, 3, 2), store="s")
        got = {t: (uv, rate) for t, uv, rate in zip(m["channel_type"], m["uv"], m["add_to_cart_rate"], strict=True)}
        assert got == {"free": (2, 0.0), "paid": (1, 1.0)}  # u1 is one visitor of each type on 2 Mar


def test_second_import_undo_rename_delete(tmp_path: Path) -> None:
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [write(tmp_path, "a.csv", A)], **KW)
        before = dims_rollup(wh.con)
        # e4 moves to another device and day, e6 changes channel, e7 is new
        b = import_files(wh, [write(tmp_path, "b.csv", "e4,2026-03-07T03:00:00Z,u2,page_view,direct,tablet,US\n"
                                                       "e6,2026-03-05T02:00:00Z,u3,product_view,email,mobile,\n"
                                                       "e7,2026-03-07T05:00:00Z,u4,page_view,social,app,DE\n")], **KW)
        after = dims_rollup(wh.con)
        assert after == from_events(wh.con, "s") == rebuilt(wh.con) != before
        assert ("u3", "email") in {(r[2], r[3]) for r in after} and ("u3", "organic_search") not in {
            (r[2], r[3]) for r in after}
        shoplens.undo_import(wh, b.import_id)
        assert dims_rollup(wh.con) == before == from_events(wh.con, "s")
        import_files(wh, [write(tmp_path, "c.csv", "x1,2026-03-01T10:00:00Z,u9,page_view,direct,mobile,GB\n")],
                     table="events", store="t", currency="GBP", timezone="Europe/London")
        t_rows = dims_rollup(wh.con, "t")
        assert t_rows == from_events(wh.con, "t") and len(t_rows) == 1
        shoplens.rename_store(wh, "s", "s2")
        assert dims_rollup(wh.con, "s") == []
        assert dims_rollup(wh.con, "s2") == [("s2", *r[1:]) for r in before] == from_events(wh.con, "s2")
        shoplens.delete_store(wh, "s2")
        assert dims_rollup(wh.con) == t_rows  # the other store's rows stay
        assert wh.con.execute(f"SELECT count(*) FROM {USER_DAY} WHERE store_id = 's2'").fetchone()[0] == 0


def test_migration_18_fills_a_schema_17_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with shoplens.connect(str(db)) as wh:
        import_files(wh, [write(tmp_path, "a.csv", A)], **KW)
        expected = dims_rollup(wh.con)
        wh.con.execute(f"DROP TABLE {USER_DAY_DIMS}")  # as a v17 warehouse has it
        wh.con.execute("UPDATE _shoplens_meta SET value = '17' WHERE key = 'schema_version'")
    with shoplens.connect(str(db)) as wh:  # opening for writing migrates
        assert wh.con.execute("SELECT value FROM _shoplens_meta WHERE key = 'schema_version'").fetchone()[0] == "18"
        assert dims_rollup(wh.con) == expected == from_events(wh.con, "s")


# ---- the engine on the demo store: dims rollup vs raw events ----------------------------------------
METRICS = ["uv", "pv", "add_to_cart_rate", "conversion_rate"]
START, END = date(2026, 9, 15), date(2026, 10, 26)


def _query(wh: Any, by: str, grain: str | None) -> dict[tuple, tuple]:
    m = shoplens.metrics(wh, METRICS, by=[by], grain=grain, start=START, end=END, store="demo")
    keys = [c for c in m.columns if c in ("period", by)]
    return {tuple(_key(r[k]) for k in keys): tuple(None if r[x] != r[x] else r[x] for x in METRICS)
            for _, r in m.iterrows()}


def _clear_caches() -> None:
    engine_mod._CACHE.clear()
    values_mod._CACHE.clear()


@pytest.mark.parametrize("by", ["channel", "device", "country", "channel_type", "market"])
def test_engine_cuts_from_the_rollup_equal_raw_events(demo_db: Path, by: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str | None] = []
    usable = plan_mod.rollup_source.usable

    def spy(*args: Any) -> str | None:
        used.append(usable(*args))
        return used[-1]

    with shoplens.connect(str(demo_db), read_only=True) as wh:
        _clear_caches()
        monkeypatch.setattr(plan_mod.rollup_source, "usable", spy)
        fast = {g: _query(wh, by, g) for g in (None, "day")}
        assert USER_DAY_DIMS in used and USER_DAY not in used
        monkeypatch.setattr(plan_mod.rollup_source, "usable", lambda *a: None)  # force raw events
        _clear_caches()
        raw = {g: _query(wh, by, g) for g in (None, "day")}
        _clear_caches()
        assert fast == raw and len(fast[None]) >= 2
        # independent: plain SQL over events for visitors and page views of the range
        column = {"market": "country", "channel_type": "channel"}.get(by, by)
        if by != "channel_type":
            tz = wh.con.execute("SELECT timezone FROM stores WHERE store_id = 'demo'").fetchone()[0]
            rows = wh.con.execute(
                f"SELECT {column}, count(DISTINCT user_id), count_if(event IN ('page_view', 'product_view')),"
                " count(DISTINCT user_id) FILTER (WHERE event = 'add_to_cart') FROM events WHERE store_id = 'demo'"
                f" AND CAST(timezone('{tz}', timezone('UTC', ts)) AS DATE)"
                " BETWEEN ? AND ? GROUP BY 1", [START, END]).fetchall()
            sql = {(k,): (uv, pv, carts / uv) for k, uv, pv, carts in rows}
            got = {k: v[:3] for k, v in fast[None].items()}
            assert {k: v[:2] for k, v in got.items()} == {k: v[:2] for k, v in sql.items()}
            assert all(got[k][2] == pytest.approx(sql[k][2]) for k in sql)


def test_rows_are_not_visitors_in_the_dims_rollup(tmp_path: Path) -> None:
    """A daily uv filtered to a channel counts u1 once although u1 has two rows that day (two devices)."""
    rows = ("e1,2026-03-02T02:00:00Z,u1,page_view,direct,mobile,CN\n"
            "e2,2026-03-02T03:00:00Z,u1,page_view,direct,desktop,CN\n"
            "e3,2026-03-02T04:00:00Z,u2,page_view,direct,desktop,CN\n")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [write(tmp_path, "a.csv", rows)], **KW)
        m = shoplens.metrics(wh, ["uv", "pv"], grain="day", where={"channel": ["direct"]},
                             start=date(2026, 3, 2), end=date(2026, 3, 2), store="s")
        assert list(m["uv"]) == [2] and list(m["pv"]) == [3]
        m = shoplens.metrics(wh, ["uv"], by=["country"], grain="day", start=date(2026, 3, 2), end=date(2026, 3, 2),
                             store="s")
        assert list(m["uv"]) == [2]


def test_rebuilt_in_ranges_of_days_equals_one_built_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole store is rebuilt in chunks of days past ``CHUNK_EVENTS`` events; both rollups get the same rows."""
    import shoplens.warehouse.rollups as rollups

    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [write(tmp_path, "a.csv", A)], **KW)
        monkeypatch.setattr(rollups, "CHUNK_EVENTS", 2)  # 6 events: built in ranges of days
        wh.con.execute("BEGIN TRANSACTION")
        refresh_user_day(wh.con, ["s"])
        chunked = dims_rollup(wh.con)
        wh.con.execute("COMMIT")
        assert chunked == from_events(wh.con, "s")
