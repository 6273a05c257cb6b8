"""A store's data sources: which table each preset (or canonical import, or the event collector) feeds,
with its rows, first and last data day in the store's zone, and how fresh that last day is.

A *source* is one table fed by one preset name from ``import_manifest``. Rows are attributed through
``_import_id`` (the import that last wrote the row); rows whose import is no longer listed (an import undone
after a later one replaced nothing) count under ``unknown``. Freshness compares the last data day with the
store's last ended day (yesterday in its zone): a daily report imported every morning is ``fresh``. A table
without a time column (order lines) is ``undated``; ``stores`` rows are settings and not listed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shoplens.model import TABLES
from shoplens.warehouse.ddl import quote

LATE_DAYS = 2  # 1..LATE_DAYS days behind the last ended day: late; more: stale
COLLECTOR = "collector"  # the preset and file name the event collector writes in the manifest
TIME_COLUMNS = {t.name: t.time_column for t in TABLES}
LISTED_FILES = 20  # file names listed per source (the latest imported); ``files_total`` counts them all
# the manifest rows of one store, one per table each import wrote (``stores`` rows are settings, not data)
_MANIFEST = ("(SELECT m.*, t.name AS tbl FROM import_manifest m, "
             "unnest(json_keys(coalesce(m.tables, '{}'))) AS t(name) WHERE m.store_id = ? AND t.name <> 'stores')")


def freshness(last: date | None, timezone: str, now: datetime | None = None) -> tuple[int | None, str]:
    """Days the last data day lies behind the store's last ended local day, and its class."""
    if last is None:
        return None, "empty"
    ended = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date() - timedelta(days=1)
    behind = max(0, (ended - last).days)
    return behind, "fresh" if behind == 0 else "late" if behind <= LATE_DAYS else "stale"


def _local_day(column: str, sql_type: str) -> str:
    if sql_type.upper() == "DATE":
        return quote(column)
    return f"CAST(timezone(?, timezone('UTC', {quote(column)})) AS DATE)"


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def list_sources(con: Any, store_id: str, now: datetime | None = None) -> dict[str, Any]:
    """Every source of ``store_id`` (table, preset), ordered by table then preset."""
    tz_row = con.execute("SELECT timezone FROM stores WHERE store_id = ?", [store_id]).fetchone()
    timezone = tz_row[0] if tz_row and tz_row[0] else "UTC"
    imports: dict[tuple[str, str], dict[str, Any]] = {}
    # counted in SQL: the collector adds a manifest row every flush (tens of thousands a day), all named `collector`
    for table, preset, n, last in con.execute(
            f"SELECT tbl, preset, count(DISTINCT import_id), max(finished) FROM {_MANIFEST} GROUP BY ALL",
            [store_id]).fetchall():
        imports[(table, preset)] = {"files": [], "files_total": 0, "imports": int(n), "last_import": last}
    for table, preset, name, _last in con.execute(
            "SELECT tbl, preset, regexp_extract(replace(file, '\\', '/'), '[^/]*$') AS base, max(finished) AS last "
            f"FROM {_MANIFEST} GROUP BY ALL ORDER BY last DESC NULLS LAST, base", [store_id]).fetchall():
        seen = imports[(table, preset)]
        seen["files_total"] += 1
        if len(seen["files"]) < LISTED_FILES:  # the most recent distinct names
            seen["files"].append(name)
    sources: dict[tuple[str, str], dict[str, Any]] = {}
    for table in TABLES:
        if table.name == "stores":
            continue
        col = next((c for c in table.all_columns if c.name == table.time_column), None)
        day = _local_day(col.name, col.sql_type) if col else "CAST(NULL AS DATE)"
        params = ([timezone] * 2 if "?" in day else []) + [store_id, store_id]
        rows = con.execute(
            f"SELECT coalesce(m.preset, 'unknown'), count(*), min({day}), max({day}) FROM {quote(table.name)} t "
            "LEFT JOIN (SELECT import_id, any_value(preset) AS preset FROM import_manifest WHERE store_id = ? "
            "GROUP BY 1) m ON t._import_id = m.import_id WHERE t.store_id = ? GROUP BY 1",
            params).fetchall()
        for preset, n, first, last in rows:
            sources[(table.name, preset)] = {"rows": int(n), "first_day": first, "last_day": last}
    out = []
    for table, preset in sorted(set(sources) | set(imports)):
        data = sources.get((table, preset), {"rows": 0, "first_day": None, "last_day": None})
        seen = imports.get((table, preset), {"files": [], "files_total": 0, "imports": 0, "last_import": None})
        behind, status = freshness(data["last_day"], timezone, now)
        if data["rows"] and not TIME_COLUMNS.get(table):
            status = "undated"  # order lines: their day is their order's
        out.append({"table": table, "preset": preset, "collector": preset == COLLECTOR,
                    "files": sorted(seen["files"]), "files_total": seen["files_total"],
                    "imports": seen["imports"], "rows": data["rows"],
                    "first_day": _iso(data["first_day"]), "last_day": _iso(data["last_day"]),
                    "days_behind": behind, "freshness": status, "last_import": _iso(seen["last_import"])})
    return {"store": store_id, "timezone": timezone, "sources": out}
