"""``shoplens import undo ID``: take one import back out of the warehouse, in ONE transaction.

What it does: every row whose last writer is the import (``_import_id``) is removed, and the
versions it replaced (kept by the merge in the history tables) come back, in every canonical
table; its quarantine rows go and the quarantine rows it replaced come back; its manifest rows
go; the events rollup is refreshed on every local day that changed; a store the import created
goes with it (logins and segments naming only it too, as in ``store delete``).

When it refuses, naming the later import that depends on it (undo that one first):
- a later import replaced rows this one wrote (data or quarantine): restoring would undo it too;
- it created or changed the store's row (zone, currency) and a later import wrote to the store;
- it loaded exchange rates and a later import converted money in the store (amounts converted
  with those rates are stored; they would no longer match the rates).
Rows a later import found already stored (an unchanged re-import) are this import's rows and go.
A demo build is not undone: ``shoplens demo`` rebuilds it, ``shoplens store delete`` removes it.
An undone import is remembered (``_shoplens_meta`` key ``undone_import:ID``: store, files, when), so
asking again says it was undone already instead of "no import #ID".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from shoplens.errors import NotFoundError, ShoplensError
from shoplens.model import TABLES
from shoplens.warehouse.connection import Warehouse
from shoplens.warehouse.ddl import quote
from shoplens.warehouse.history import QUARANTINE_COLUMNS, history_table
from shoplens.warehouse.rollups import refresh_days_of_import, remember_replaced_events
from shoplens.warehouse.stores import bump_revision, purge_store, transaction


@dataclass
class UndoResult:
    import_id: int
    store_id: str
    removed: dict[str, int] = field(default_factory=dict)  # rows of the import, per table
    restored: dict[str, int] = field(default_factory=dict)  # earlier versions put back, per table
    quarantine_removed: int = 0
    quarantine_restored: int = 0
    files: list[str] = field(default_factory=list)
    store_removed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _refuse(import_id: int, why: str, zh: str, later: int, store_id: str) -> ShoplensError:
    return ShoplensError(f"import #{import_id} cannot be undone: {why}",
                         hint=f"undo #{later} first (shoplens import undo {later}), or remove the whole store "
                         f"(shoplens store delete {store_id})",
                         zh=f"无法撤销导入 #{import_id}：{zh}",
                         zh_hint=f"请先撤销 #{later}（shoplens import undo {later}），或删除整个店铺"
                         f"（shoplens store delete {store_id}）")


def _check_later(con: Any, import_id: int, store_id: str) -> None:
    """Refuse when a later import depends on this one (see the module docstring)."""
    for name in [t.name for t in TABLES] + ["quarantine"]:
        own = "import_id" if name == "quarantine" else "_import_id"
        row = con.execute(f"SELECT _replaced_by, count(*) FROM {quote(history_table(name))} WHERE {own} = ? AND "
                          "_replaced_by <> ? GROUP BY 1 ORDER BY 1 LIMIT 1", [import_id, import_id]).fetchone()
        if row:
            what = "quarantine rows" if name == "quarantine" else f"{name} rows"
            raise _refuse(import_id, f"import #{row[0]} replaced {row[1]:,} {what} it wrote",
                          f"导入 #{row[0]} 替换了它写入的 {row[1]:,} 行 {name}", row[0], store_id)
    later = con.execute("SELECT min(import_id) FROM import_manifest WHERE store_id = ? AND import_id > ?",
                        [store_id, import_id]).fetchone()[0]
    if later is None:
        return
    if con.execute("SELECT count(*) FROM stores WHERE store_id = ? AND _import_id = ?",
                   [store_id, import_id]).fetchone()[0]:
        raise _refuse(import_id, f"it created or changed store {store_id!r}, and import #{later} wrote to it since",
                      f"它新建或修改了店铺 {store_id!r}，之后导入 #{later} 又写入了该店铺", later, store_id)
    rates = con.execute(f"SELECT count(*) FROM fx_rates WHERE store_id = ? AND _import_id = ? UNION ALL SELECT "
                        f"count(*) FROM {history_table('fx_rates')} WHERE store_id = ? AND _replaced_by = ?",
                        [store_id, import_id, store_id, import_id]).fetchall()
    if not any(r[0] for r in rates):
        return
    money = [t.name for t in TABLES if t.converts_money]
    sql = " UNION ALL ".join(f"SELECT min(_import_id) FROM {quote(n)} WHERE store_id = ? AND _import_id > ?"
                             for n in money)
    used = con.execute(sql, [store_id, import_id] * len(money)).fetchall()
    first = min((r[0] for r in used if r[0] is not None), default=None)
    if first is not None:
        raise _refuse(import_id, f"it loaded exchange rates and import #{first} converted money with the store's rates "
                      "since", f"它导入了汇率，之后导入 #{first} 已按店铺汇率换算金额", first, store_id)


def undo_import(wh: Warehouse, import_id: int) -> UndoResult:
    """Undo import ``import_id`` (see the module docstring); raises ShoplensError when it cannot."""
    con = wh.con
    rows = con.execute("SELECT DISTINCT store_id, preset, file FROM import_manifest WHERE import_id = ? ORDER BY file",
                       [import_id]).fetchall()
    if not rows:
        raise _missing(con, import_id)
    stores = sorted({r[0] for r in rows})
    if any(r[1] == "demo" for r in rows):
        listed = " ".join(stores)
        raise ShoplensError(f"import #{import_id} is the demo build of {', '.join(stores)}; it is not undone",
                            hint=f"rebuild it with shoplens demo, or remove it: shoplens store delete {listed}",
                            zh=f"导入 #{import_id} 是演示数据（{', '.join(stores)}），不能撤销",
                            zh_hint=f"用 shoplens demo 重建，或删除：shoplens store delete {listed}")
    store_id = stores[0]  # an import writes to one store
    result = UndoResult(import_id, store_id, files=[r[2] for r in rows])
    with transaction(con):
        _check_later(con, import_id, store_id)
        high = con.execute("SELECT max(import_id) FROM import_manifest").fetchone()[0]
        for table in TABLES:
            _undo_table(con, table.name, import_id, result)
        _undo_quarantine(con, import_id, result)
        con.execute("DELETE FROM import_manifest WHERE import_id = ?", [import_id])
        if not con.execute("SELECT count(*) FROM stores WHERE store_id = ?", [store_id]).fetchone()[0]:
            purge_store(con, store_id)  # the import created the store: nothing of it may stay behind
            result.store_removed = True
        elif result.removed.get("events") or result.restored.get("events"):
            refresh_days_of_import(con, import_id)
        con.execute("INSERT OR REPLACE INTO _shoplens_meta VALUES ('last_import_id', CAST(greatest(?, coalesce(("
                    "SELECT TRY_CAST(value AS BIGINT) FROM _shoplens_meta WHERE key = 'last_import_id'), 0)) "
                    "AS VARCHAR))", [high])  # the undone id is never given again
        con.execute("INSERT OR REPLACE INTO _shoplens_meta VALUES (?, ?)", [UNDONE_KEY.format(import_id), json.dumps(
            {"store_id": store_id, "files": result.files, "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")})])
        bump_revision(con)
    return result


UNDONE_KEY = "undone_import:{}"
SHOWN_IDS = 10  # the hint lists the latest imports, not hundreds


def _missing(con: Any, import_id: int) -> ShoplensError:
    """Not in the manifest: undone already (remembered by the undo), or never an import of this warehouse. The hint
    lists the imports there are (the latest ones)."""
    ids = con.execute("SELECT import_id, min(store_id) FROM import_manifest WHERE preset <> 'demo' GROUP BY 1 "
                      "ORDER BY 1").fetchall()
    if ids:
        shown = ", ".join(f"#{i} ({store})" for i, store in ids[-SHOWN_IDS:])
        more = "…, " if len(ids) > SHOWN_IDS else ""
        hint, zh_hint = f"imports in the warehouse: {more}{shown}", f"仓库中的导入：{more}{shown}"
    else:
        hint, zh_hint = "there is no import to undo in this warehouse", "此仓库中没有可撤销的导入"
    row = con.execute("SELECT value FROM _shoplens_meta WHERE key = ?", [UNDONE_KEY.format(import_id)]).fetchone()
    if row is None:
        return NotFoundError(f"no import #{import_id}", hint=hint, zh=f"没有导入 #{import_id}", zh_hint=zh_hint)
    done = json.loads(row[0])
    files = ", ".join(f.rsplit("/", 1)[-1] for f in done["files"])
    return AlreadyUndoneError(f"import #{import_id} was undone already ({done['at']}; store {done['store_id']}, "
                              f"{files})", hint=hint, zh=f"导入 #{import_id} 已经撤销过了（{done['at']}；店铺 "
                              f"{done['store_id']}，{files}）", zh_hint=zh_hint)


class AlreadyUndoneError(ShoplensError):
    """The import was undone before: nothing to do (exit 2, like an unknown id)."""


def _undo_table(con: Any, name: str, import_id: int, result: UndoResult) -> None:
    table = next(t for t in TABLES if t.name == name)
    history = quote(history_table(name))
    back = f"FROM {history} WHERE _replaced_by = ? AND _import_id IS DISTINCT FROM ?"  # versions of earlier imports
    if name == "events":  # the rollup refreshes the days of events leaving and coming back
        remember_replaced_events(con, f"SELECT store_id, ts FROM events WHERE _import_id = {int(import_id)}")
        remember_replaced_events(con, f"SELECT store_id, ts {back.replace('?', str(int(import_id)))}")
    removed = int(con.execute(f"DELETE FROM {quote(name)} WHERE _import_id = ?", [import_id]).fetchone()[0])
    names = ", ".join(quote(c.name) for c in table.all_columns)
    restored = int(con.execute(f"INSERT INTO {quote(name)} ({names}) SELECT {names} {back}",
                               [import_id, import_id]).fetchone()[0])
    con.execute(f"DELETE FROM {history} WHERE _replaced_by = ?", [import_id])
    if removed:
        result.removed[name] = removed
    if restored:
        result.restored[name] = restored


def _undo_quarantine(con: Any, import_id: int, result: UndoResult) -> None:
    history = quote(history_table("quarantine"))
    result.quarantine_removed = int(con.execute("DELETE FROM quarantine WHERE import_id = ?",
                                                [import_id]).fetchone()[0])
    names = ", ".join(quote(c) for c in QUARANTINE_COLUMNS)
    result.quarantine_restored = int(con.execute(
        f"INSERT INTO quarantine ({names}) SELECT {names} FROM {history} WHERE _replaced_by = ? AND import_id <> ? "
        "ORDER BY file, line", [import_id, import_id]).fetchone()[0])
    con.execute(f"DELETE FROM {history} WHERE _replaced_by = ?", [import_id])


__all__ = ["UndoResult", "undo_import"]
