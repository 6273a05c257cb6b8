"""The visitor-day rollup stays equal to a from-scratch rebuild after every kind of import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import shoplens
from shoplens.ingest.pipeline import import_files
from shoplens.warehouse.rollups import USER_DAY, refresh_user_day

HEADER = "event_id,ts,user_id,event\n"


def rollup(con) -> list[tuple]:
    return con.execute(f"SELECT * FROM {USER_DAY} ORDER BY ALL").fetchall()


def rebuilt(con) -> list[tuple]:
    con.execute("BEGIN TRANSACTION")
    try:
        refresh_user_day(con, [r[0] for r in con.execute("SELECT store_id FROM stores").fetchall()])
        return rollup(con)
    finally:
        con.execute("ROLLBACK")


def test_incremental_refresh_matches_a_rebuild(tmp_path: Path) -> None:
    def write(name: str, rows: str) -> Path:
        path = tmp_path / name
        path.write_text(HEADER + rows, encoding="utf-8")
        return path

    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        kw = {"table": "events", "store": "s", "currency": "CNY", "timezone": "Asia/Shanghai"}
        import_files(wh, [write("a.csv", "e1,2026-03-01T15:59:00Z,u1,page_view\n"  # 23:59 local, 1 Mar
                                         "e2,2026-03-01T16:00:00Z,u1,add_to_cart\n"  # 00:00 local, 2 Mar
                                         "e3,2026-03-05T02:00:00Z,u2,purchase\n")], **kw)
        assert rollup(wh.con) == rebuilt(wh.con)
        assert [r[1:4] for r in rollup(wh.con)] == [
            (date.fromisoformat("2026-03-01"), "u1", 1), (date.fromisoformat("2026-03-02"), "u1", 1),
            (date.fromisoformat("2026-03-05"), "u2", 1)]
        # e3 moves from 5 Mar to 9 Mar, e2 changes type, e4 is new; 5 Mar must lose u2
        import_files(wh, [write("b.csv", "e2,2026-03-01T16:00:00Z,u1,favorite\n"
                                         "e3,2026-03-09T02:00:00Z,u2,purchase\n"
                                         "e4,2026-03-09T03:00:00Z,u3,page_view\n")], **kw)
        assert rollup(wh.con) == rebuilt(wh.con)
        assert date.fromisoformat("2026-03-05") not in {r[1] for r in rollup(wh.con)}
        # an import into another store leaves this one alone
        import_files(wh, [write("c.csv", "e1,2026-03-01T10:00:00Z,u9,page_view\n")], table="events", store="t",
                     currency="CNY", timezone="Europe/London")
        assert rollup(wh.con) == rebuilt(wh.con)
        # re-importing the same file changes nothing
        import_files(wh, [tmp_path / "b.csv"], **kw)
        assert rollup(wh.con) == rebuilt(wh.con)



def test_first_day_follows_every_import(tmp_path: Path) -> None:
    """``first_day`` (new vs returning) is each visitor's earliest local day, also on rows of days an
    import did not touch: an earlier visit imported later makes the visitor's older rows 'returning'."""
    def first_days(con) -> dict[str, set]:
        out: dict[str, set] = {}
        for user, first in con.execute(f"SELECT user_id, first_day FROM {USER_DAY}").fetchall():
            out.setdefault(user, set()).add(first)
        return out

    def from_events(con) -> dict[str, set]:  # independent: local date of each visitor's first event
        rows = con.execute("SELECT user_id, CAST(timezone('Asia/Shanghai', timezone('UTC', min(ts))) AS DATE)"
                           " FROM events GROUP BY user_id").fetchall()
        return {u: {d} for u, d in rows}

    def write(name: str, rows: str) -> Path:
        path = tmp_path / name
        path.write_text(HEADER + rows, encoding="utf-8")
        return path

    day = date.fromisoformat
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        kw = {"table": "events", "store": "s", "currency": "CNY", "timezone": "Asia/Shanghai"}
        import_files(wh, [write("a.csv", "e1,2026-03-01T15:59:00Z,u1,page_view\n"
                                         "e2,2026-03-01T16:00:00Z,u1,add_to_cart\n"
                                         "e3,2026-03-05T02:00:00Z,u2,purchase\n")], **kw)
        assert first_days(wh.con) == {"u1": {day("2026-03-01")}, "u2": {day("2026-03-05")}} == from_events(wh.con)
        import_files(wh, [write("b.csv", "e3,2026-03-09T02:00:00Z,u2,purchase\n"  # u2's only visit moves later
                                         "e5,2026-02-20T02:00:00Z,u1,page_view\n")], **kw)  # u1 came earlier
        assert first_days(wh.con) == {"u1": {day("2026-02-20")}, "u2": {day("2026-03-09")}} == from_events(wh.con)
        assert rollup(wh.con) == rebuilt(wh.con)
        m = shoplens.metrics(wh, "uv", by=["new_vs_returning"], start=day("2026-02-20"), end=day("2026-03-09"))
        assert dict(zip(m["new_vs_returning"], m["uv"], strict=True)) == {"new": 2, "returning": 1}


def test_migration_fills_first_days_of_an_older_warehouse(tmp_path: Path) -> None:
    from shoplens.warehouse.rollups import add_first_days

    path = tmp_path / "e.csv"
    path.write_text(HEADER + "e1,2026-03-01T02:00:00Z,u1,page_view\ne2,2026-03-04T02:00:00Z,u1,page_view\n",
                    encoding="utf-8")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [path], table="events", store="s", currency="CNY", timezone="Asia/Shanghai")
        wh.con.execute(f"ALTER TABLE {USER_DAY} DROP COLUMN first_day")  # as a v7 warehouse has it
        add_first_days(wh.con)
        assert wh.con.execute(f"SELECT DISTINCT first_day FROM {USER_DAY}").fetchall() == [(date(2026, 3, 1),)]
        assert rollup(wh.con) == rebuilt(wh.con)
