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

