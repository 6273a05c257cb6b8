"""Reading the ``quarantine`` table: the CLI's `quarantine list|export` and the API's listing (light: no Arrow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LIST_COLUMNS = ["import_id", "store_id", "file", "line", "column", "field", "value", "reason", "message",
                "target_table", "raw"]


def find(con: Any, *, stores: list[str] | None = None, file: str | None = None, reason: str | None = None,
         limit: int | None = None) -> tuple[list[tuple], int]:
    """Quarantined cells (``LIST_COLUMNS``, at most ``limit``, by store, file, line) and how many match in all.

    ``file`` matches the stored path as given, as an absolute path, or by its name alone.
    """
    where, params = [], []
    if stores is not None:
        where.append(f"store_id IN ({', '.join('?' for _ in stores)})" if stores else "FALSE")
        params += stores
    if reason:
        where.append("reason = ?")
        params.append(reason)
    if file:
        where.append("(file = ? OR file = ? OR file LIKE ? ESCAPE '\\')")
        name = Path(file).name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [file, str(Path(file).absolute()), f"%/{name}"]
    body = ("SELECT import_id, store_id, file, line, \"column\", field, value, reason, message, target_table, "
            "CAST(raw AS VARCHAR) FROM quarantine" + (" WHERE " + " AND ".join(where) if where else ""))
    sql = body + " ORDER BY store_id, file, line" + (f" LIMIT {int(limit)}" if limit else "")
    return con.execute(sql, params).fetchall(), int(con.execute(f"SELECT count(*) FROM ({body})", params).fetchone()[0])
