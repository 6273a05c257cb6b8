"""What the demo owns in a warehouse: its stores and the login it created.

A *demo store* is one that only ``shoplens demo`` wrote (every manifest row of it has preset
``demo``). A warehouse is *all demo* when it has no other store; only then may the demo create its
known-password admin. The login the demo created is remembered in ``_shoplens_meta`` (key
``demo_login``: user name, password hash, role and stores as created), so a later demo run can tell
"still the demo's" from "changed by an operator" (or deleted) and leaves the latter alone.
"""

from __future__ import annotations

import json
from typing import Any

META = "_shoplens_meta"
MARK_KEY = "demo_login"


def non_demo_stores(con: Any) -> list[str]:
    """Stores (of ``stores`` or the manifest) that hold anything ``shoplens demo`` did not write."""
    rows = con.execute(
        "SELECT store_id FROM stores WHERE store_id NOT IN "
        "(SELECT store_id FROM import_manifest WHERE preset = 'demo' AND store_id IS NOT NULL) "
        "UNION SELECT store_id FROM import_manifest WHERE preset <> 'demo' AND store_id IS NOT NULL "
        "ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def read_mark(con: Any) -> dict[str, Any] | None:
    """The demo login as the demo created it (None when the demo never created one here)."""
    row = con.execute(f"SELECT value FROM {META} WHERE key = ?", [MARK_KEY]).fetchone()
    return json.loads(row[0]) if row else None


def write_mark(con: Any, mark: dict[str, Any] | None) -> None:
    con.execute(f"CREATE TABLE IF NOT EXISTS {META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(f"DELETE FROM {META} WHERE key = ?", [MARK_KEY])
    if mark is not None:
        con.execute(f"INSERT INTO {META} VALUES (?, ?)", [MARK_KEY, json.dumps(mark, sort_keys=True)])
