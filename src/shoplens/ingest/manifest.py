"""The import manifest: one row per file (or generated store) and import, written in the import's
transaction, so lineage (`_import_id` on every row) always points at a committed manifest row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from shoplens import __version__

COLUMNS = ("import_id", "store_id", "file", "file_sha256", "file_bytes", "preset", "target", "read", "loaded",
           "duplicates", "quarantined", "tables", "started", "finished", "shoplens_version")


def write_manifest_row(con: Any, *, import_id: int, store_id: str, file: str, sha256: str, file_bytes: int,
                       preset: str, target: str, read: int, loaded: int, duplicates: int, quarantined: int,
                       tables: dict[str, int], started: datetime) -> None:
    finished = datetime.now(UTC).replace(tzinfo=None)
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    con.execute(f"INSERT INTO import_manifest ({names}) VALUES ({', '.join('?' * len(COLUMNS))})",
                [import_id, store_id, file, sha256, file_bytes, preset, target, read, loaded, duplicates,
                 quarantined, json.dumps(tables), started, finished, __version__])


def next_import_id(con: Any) -> int:
    """The id of a new import: above every import there is and every one undone (an id is never reused,
    so ``import #N`` names one import forever)."""
    return int(con.execute(
        "SELECT greatest(coalesce((SELECT max(import_id) FROM import_manifest), 0), coalesce((SELECT TRY_CAST(value "
        "AS BIGINT) FROM _shoplens_meta WHERE key = 'last_import_id'), 0)) + 1").fetchone()[0])
