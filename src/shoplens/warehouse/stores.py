"""Stores as a whole: valid ids, list, show, rename and delete (each write in ONE transaction).

A store's rows live in every table that has a ``store_id`` column: the canonical tables,
quarantine, the import manifest, the rollups and the history of replaced rows. Those tables are
found by that column, not listed here, so a table a later migration adds is renamed and deleted
with the rest. Logins (``app_users.stores``) and saved segments (``segments.stores``) name stores
inside lists and are updated with them.

Rename and delete change data without an import, so they raise the warehouse's ``revision``
(part of ``Warehouse.data_version``): caches keyed on it never answer for a store's old rows.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from shoplens.errors import NotFoundError, ShoplensError
from shoplens.model import TABLES
from shoplens.warehouse.ddl import quote

STORE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
STORE_ID_RULE = "1-64 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit (e.g. tmall-cn)"
STORE_ID_RULE_ZH = "1-64 个 ASCII 字母、数字、'-'、'_' 或 '.'，以字母或数字开头（如 tmall-cn）"


def check_store_id(store_id: str) -> str:
    """``store_id`` if it is a valid id for a new store, else a one-line error.

    ASCII only: an id travels in paths, URLs and comma-separated ``--store a,b`` lists, and two
    Unicode spellings of one name must not become two stores. The display name is free text.
    """
    if not isinstance(store_id, str) or not STORE_ID.fullmatch(store_id):
        shown = repr(store_id if len(str(store_id)) <= 70 else str(store_id)[:70] + "…")
        raise ShoplensError(f"invalid store id {shown}", hint="a store id is " + STORE_ID_RULE,
                            zh=f"无效的店铺 ID {shown}", zh_hint="店铺 ID 应为" + STORE_ID_RULE_ZH)
    return store_id


@contextlib.contextmanager
def transaction(con: Any) -> Iterator[Any]:
    """BEGIN … COMMIT, rolled back on any error (or interrupt)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(Exception):  # a broken connection must not hide the error that broke it
            con.execute("ROLLBACK")
        raise


def bump_revision(con: Any) -> None:
    """Mark a change of data that no import row records (rename, delete, undo)."""
    con.execute("INSERT OR REPLACE INTO _shoplens_meta VALUES ('revision', CAST(coalesce((SELECT TRY_CAST(value AS "
                "BIGINT) FROM _shoplens_meta WHERE key = 'revision'), 0) + 1 AS VARCHAR))")


def store_tables(con: Any) -> list[str]:
    """Every table of the warehouse with a ``store_id`` column (canonical, system, rollups, history)."""
    rows = con.execute(
        "SELECT c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t ON t.database_name = c.database_name "
        "AND t.schema_name = c.schema_name AND t.table_name = c.table_name WHERE c.column_name = 'store_id' "
        "AND NOT t.temporary AND c.schema_name = 'main' AND c.database_name = current_database() "
        "ORDER BY c.table_name").fetchall()
    return [r[0] for r in rows]


@dataclass
class StoreSummary:
    store_id: str
    name: str | None
    platform: str | None
    reporting_currency: str | None
    timezone: str | None
    rows: int  # every canonical row of the store but its `stores` row
    events: int
    orders: int
    imports: int
    last_import: str | None
    demo: bool  # built by `shoplens demo` only

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StoreDetail:
    store: StoreSummary
    tables: dict[str, dict[str, Any]]  # canonical table -> rows, min, max (UTC timestamps / local dates)
    first: str | None  # earliest and latest time of any row (span)
    last: str | None
    quarantined: int  # source lines in quarantine
    imports: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.store.to_dict(), "tables": self.tables, "first": self.first, "last": self.last,
                "quarantined": self.quarantined, "import_list": self.imports}


def _iso(value: Any) -> str | None:
    return None if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))


def list_stores(con: Any) -> list[StoreSummary]:
    """Every store with its settings, row counts and imports, by id."""
    parts = " UNION ALL ".join(f"SELECT store_id, {_lit(t.name)} AS t, count(*) AS n FROM {quote(t.name)} GROUP BY 1"
                               for t in TABLES if t.name != "stores")
    rows = con.execute(f"""
        WITH counts AS ({parts}),
             per AS (SELECT store_id, sum(n) AS rows, sum(n) FILTER (WHERE t = 'events') AS events,
                            sum(n) FILTER (WHERE t = 'orders') AS orders FROM counts GROUP BY 1),
             imp AS (SELECT store_id, count(DISTINCT import_id) AS imports, max(finished) AS last_import,
                            bool_and(preset = 'demo') AS demo FROM import_manifest GROUP BY 1)
        SELECT s.store_id, s.name, s.platform, s.reporting_currency, s.timezone, coalesce(p.rows, 0),
               coalesce(p.events, 0), coalesce(p.orders, 0), coalesce(i.imports, 0), i.last_import,
               coalesce(i.demo, false)
        FROM stores s LEFT JOIN per p USING (store_id) LEFT JOIN imp i USING (store_id)
        ORDER BY s.store_id""").fetchall()
    return [StoreSummary(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6]), int(r[7]), int(r[8]), _iso(r[9]),
                         bool(r[10])) for r in rows]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def require_store(con: Any, store_id: str) -> StoreSummary:
    """The store, or a NotFoundError listing the stores there are."""
    found = [s for s in list_stores(con) if s.store_id == store_id]
    if found:
        return found[0]
    known = ", ".join(s.store_id for s in list_stores(con)) or "(none)"
    raise NotFoundError(f"no store {store_id!r}", hint=f"stores: {known}", zh=f"没有店铺 {store_id!r}",
                        zh_hint=f"已有店铺：{known.replace('(none)', '（无）')}")


def store_detail(con: Any, store_id: str) -> StoreDetail:
    """One store: per table rows and time range, its span, quarantined cells and imports."""
    summary = require_store(con, store_id)
    tables: dict[str, dict[str, Any]] = {}
    for t in TABLES:
        if t.time_column:
            col = quote(t.time_column)
            row = con.execute(f"SELECT count(*), min({col}), max({col}) FROM {quote(t.name)} WHERE store_id = ?",
                              [store_id]).fetchone()
        else:
            row = (con.execute(f"SELECT count(*) FROM {quote(t.name)} WHERE store_id = ?", [store_id]).fetchone()[0],
                   None, None)
        if row[0]:
            tables[t.name] = {"rows": int(row[0]), "min": _iso(row[1]), "max": _iso(row[2])}
    firsts = [v["min"][:10] for v in tables.values() if v["min"]]
    lasts = [v["max"][:10] for v in tables.values() if v["max"]]
    quarantined = int(con.execute("SELECT count(*) FROM (SELECT DISTINCT file, line FROM quarantine "
                                  "WHERE store_id = ?)", [store_id]).fetchone()[0])
    imports = con.execute(
        "SELECT import_id, min(preset), list(file ORDER BY file), sum(\"read\"), sum(loaded), sum(duplicates), "
        "sum(quarantined), max(finished) FROM import_manifest WHERE store_id = ? GROUP BY 1 ORDER BY 1",
        [store_id]).fetchall()
    keys = ("import_id", "preset", "files", "read", "loaded", "duplicates", "quarantined", "finished")
    listed = [dict(zip(keys, (int(r[0]), r[1], list(r[2]), *(int(v) for v in r[3:7]), _iso(r[7])), strict=True))
              for r in imports]
    return StoreDetail(summary, tables, min(firsts, default=None), max(lasts, default=None), quarantined, listed)


@dataclass
class StoreChange:
    """What a rename or delete changed (or, before confirming a delete, would change)."""

    store_id: str
    new_id: str | None = None
    rows: dict[str, int] = field(default_factory=dict)  # per table with a store_id column
    logins_changed: list[str] = field(default_factory=list)
    logins_removed: list[str] = field(default_factory=list)  # logins that saw only this store
    segments_changed: list[str] = field(default_factory=list)
    segments_removed: list[str] = field(default_factory=list)  # segments saved for this store only

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_rows": self.total}


def _counts(con: Any, store_id: str) -> dict[str, int]:
    out = {}
    for name in store_tables(con):
        n = int(con.execute(f"SELECT count(*) FROM {quote(name)} WHERE store_id = ?", [store_id]).fetchone()[0])
        if n:
            out[name] = n
    return out


def _named_in(con: Any, table: str, key: str, store_id: str) -> tuple[list[str], list[str]]:
    """Rows of ``table`` whose ``stores`` list names the store: (all of them, those naming only it)."""
    rows = con.execute(f"SELECT {key}, len(stores) FROM {table} WHERE list_contains(stores, ?) ORDER BY 1",
                       [store_id]).fetchall()
    return [r[0] for r in rows], [r[0] for r in rows if r[1] == 1]


def delete_preview(con: Any, store_id: str) -> StoreChange:
    """What ``delete_store`` would remove (nothing is written)."""
    require_store(con, store_id)
    logins, lone_logins = _named_in(con, "app_users", "username", store_id)
    segments, lone_segments = _named_in(con, "segments", "name", store_id)
    return StoreChange(store_id, None, _counts(con, store_id), [u for u in logins if u not in lone_logins],
                       lone_logins, [s for s in segments if s not in lone_segments], lone_segments)


def purge_store(con: Any, store_id: str) -> StoreChange:
    """Remove every row of the store and its mentions, inside the caller's transaction.

    A login whose only store this was is removed with its tokens (a login needs a store); a
    segment saved for this store only is removed; other lists just lose the id.
    """
    change = StoreChange(store_id)
    # the store's import ids leave the manifest but are never given again (``import #N`` names one import forever)
    con.execute("INSERT OR REPLACE INTO _shoplens_meta SELECT 'last_import_id', CAST(greatest(coalesce((SELECT "
                "max(import_id) FROM import_manifest), 0), coalesce((SELECT TRY_CAST(value AS BIGINT) FROM "
                "_shoplens_meta WHERE key = 'last_import_id'), 0)) AS VARCHAR)")
    logins, change.logins_removed = _named_in(con, "app_users", "username", store_id)
    change.logins_changed = [u for u in logins if u not in change.logins_removed]
    segments, change.segments_removed = _named_in(con, "segments", "name", store_id)
    change.segments_changed = [s for s in segments if s not in change.segments_removed]
    for name in store_tables(con):
        n = int(con.execute(f"DELETE FROM {quote(name)} WHERE store_id = ?", [store_id]).fetchone()[0])
        if n:
            change.rows[name] = n
    for table, key, removed in (("app_users", "username", change.logins_removed),
                                ("segments", "name", change.segments_removed)):
        if removed:
            marks = ", ".join("?" for _ in removed)
            if table == "app_users":
                con.execute(f"DELETE FROM app_tokens WHERE username IN ({marks})", removed)
            con.execute(f"DELETE FROM {table} WHERE {key} IN ({marks})", removed)
        con.execute(f"UPDATE {table} SET stores = list_filter(stores, s -> s <> ?) WHERE list_contains(stores, ?)",
                    [store_id, store_id])
    return change


def delete_store(con: Any, store_id: str) -> StoreChange:
    """Remove every row of the store in every table, in ONE transaction."""
    require_store(con, store_id)
    with transaction(con):
        change = purge_store(con, store_id)
        bump_revision(con)
    return change


def rename_store(con: Any, store_id: str, new_id: str) -> StoreChange:
    """Give a store another id everywhere (rows, quarantine, manifest, rollups, logins, segments), in ONE
    transaction. The display name follows when it was the old id. The new id must be valid and unused."""
    require_store(con, store_id)
    check_store_id(new_id)
    if new_id == store_id:
        raise ShoplensError(f"store {store_id!r} already has that id", zh=f"店铺 {store_id!r} 已经是这个 ID")
    used = [t for t in store_tables(con)
            if con.execute(f"SELECT count(*) FROM {quote(t)} WHERE store_id = ?", [new_id]).fetchone()[0]]
    if used:  # its rows, wherever they are (the tables are no news to the user: one line, no list)
        raise ShoplensError(f"cannot rename store {store_id!r} to {new_id!r}: store {new_id!r} already exists",
                            hint=f"choose another id, or delete that store first (shoplens store delete {new_id})",
                            zh=f"无法把店铺 {store_id!r} 重命名为 {new_id!r}：店铺 {new_id!r} 已存在",
                            zh_hint=f"请换一个 ID，或先删除那个店铺（shoplens store delete {new_id}）")
    change = StoreChange(store_id, new_id)
    with transaction(con):
        change.logins_changed = _named_in(con, "app_users", "username", store_id)[0]
        change.segments_changed = _named_in(con, "segments", "name", store_id)[0]
        for name in store_tables(con):
            n = int(con.execute(f"UPDATE {quote(name)} SET store_id = ? WHERE store_id = ?",
                                [new_id, store_id]).fetchone()[0])
            if n:
                change.rows[name] = n
        con.execute("UPDATE stores SET name = ? WHERE store_id = ? AND name = ?", [new_id, new_id, store_id])
        for table in ("app_users", "segments"):
            con.execute(f"UPDATE {table} SET stores = list_transform(stores, s -> CASE WHEN s = ? THEN ? ELSE s END) "
                        "WHERE list_contains(stores, ?)", [store_id, new_id, store_id])
        bump_revision(con)
    return change
