"""The ``actions`` table (migration 12): what the team did (执行), so that a review can measure it (复盘).

One row per logged action: its store, title, the metric it means to move, its scope (one ``dimension = value`` or
the whole store: both NULL), the local day it took effect, the recommendation it came from (free text), a note,
who logged it and when (UTC). Removing an action sets ``status = 'removed'`` (kept for the record, hidden from the
list). No PRIMARY KEY (see :func:`shoplens.warehouse.ddl.drop_key_index`): ids are given by the single writer (the
CLI, or the server's write lock) as ``max(id) + 1``. The effect is computed in :mod:`shoplens.analyses.actions`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from shoplens.errors import NotFoundError

ACTIONS = "actions"
STATUSES = ("active", "removed")
COLUMNS = ("id", "store_id", "title", "metric", "dimension", "value", "action_date", "recommendation_id", "note",
           "created_by", "created_at", "status", "removed_at")


def create_actions(con: Any) -> None:
    """Migration 12."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {ACTIONS} (id BIGINT NOT NULL, store_id VARCHAR NOT NULL,"
                " title VARCHAR NOT NULL, metric VARCHAR NOT NULL, dimension VARCHAR, value VARCHAR,"
                " action_date DATE NOT NULL, recommendation_id VARCHAR, note VARCHAR, created_by VARCHAR NOT NULL,"
                " created_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, removed_at TIMESTAMP)")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def row_dict(rec: tuple[Any, ...]) -> dict[str, Any]:
    """The JSON of one action (CLI, Python API and REST)."""
    r = dict(zip(COLUMNS, rec, strict=True))
    scope = {r["dimension"]: r["value"]} if r["dimension"] else {}
    return {"id": int(r["id"]), "store": r["store_id"], "title": r["title"], "metric": r["metric"], "scope": scope,
            "scope_text": f"{r['dimension']}={r['value']}" if r["dimension"] else "store",
            "date": r["action_date"].isoformat(), "recommendation": r["recommendation_id"], "note": r["note"],
            "created_by": r["created_by"], "created_at": r["created_at"].isoformat(timespec="seconds") + "Z",
            "status": r["status"],
            "removed_at": r["removed_at"].isoformat(timespec="seconds") + "Z" if r["removed_at"] else None}


def insert_action(con: Any, *, store: str, title: str, metric: str, dimension: str | None, value: str | None,
                  day: date, recommendation: str | None, note: str | None, created_by: str) -> dict[str, Any]:
    """Append one action (the caller is the single writer and holds the transaction); returns it."""
    next_id = int(con.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {ACTIONS}").fetchone()[0])
    con.execute(f"INSERT INTO {ACTIONS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', NULL)",
                [next_id, store, title, metric, dimension, value, day, recommendation, note, created_by, _now()])
    return get_action(con, next_id)


def get_action(con: Any, action_id: int, stores: list[str] | None = None) -> dict[str, Any]:
    """One action, removed ones too (``stores``: only if it is in one of these, else it is missing)."""
    rec = con.execute(f"SELECT {', '.join(COLUMNS)} FROM {ACTIONS} WHERE id = ?", [int(action_id)]).fetchone()
    if rec is None or (stores is not None and rec[1] not in stores):
        raise NotFoundError(f"no action {action_id}", where="action id",
                            hint="`shoplens action list` shows the logged actions",
                            zh=f"没有编号为 {action_id} 的行动", zh_hint="`shoplens action list` 列出已记录的行动")
    return row_dict(rec)


def list_actions(con: Any, *, stores: list[str] | None = None, start: date | None = None, end: date | None = None,
                 include_removed: bool = False) -> list[dict[str, Any]]:
    """Actions by day (newest first), then id; ``start``/``end`` cut by the action's day (a week's review)."""
    cond, params = ["TRUE"], []
    for sql, value in (("action_date >= ?", start), ("action_date <= ?", end)):
        if value is not None:
            cond.append(sql)
            params.append(value)
    if not include_removed:
        cond.append("status = 'active'")
    if stores is not None:
        cond.append("list_contains(?, store_id)")
        params.append(list(stores))
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM {ACTIONS} WHERE {' AND '.join(cond)} "
                       "ORDER BY action_date DESC, id DESC", params).fetchall()
    return [row_dict(r) for r in rows]


def remove_action(con: Any, action_id: int, stores: list[str] | None = None) -> dict[str, Any]:
    """Mark an action removed (idempotent: removing it again changes nothing); returns it."""
    current = get_action(con, action_id, stores)
    if current["status"] != "removed":
        con.execute(f"UPDATE {ACTIONS} SET status = 'removed', removed_at = ? WHERE id = ?", [_now(), int(action_id)])
    return get_action(con, action_id, stores)
