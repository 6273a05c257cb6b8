"""The ``import_profiles`` table (migration 15): saved import options, so next month's export imports with one word.

A profile is a name and the options of one import as JSON (table or preset, --map, --map-value, --timezone,
--currency, --encoding, --delimiter, --sheet). What the options mean is the import's business
(:mod:`shoplens.ingest.profiles`); this module only reads and writes rows. Not per store: a profile describes a
file layout, and the store is named at import time.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from shoplens.errors import NotFoundError, ShoplensError

PROFILES = "import_profiles"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_RULE = "1-64 ASCII letters, digits, '-', '_', '.', starting with a letter or digit"
NAME_RULE_ZH = "1-64 个 ASCII 字母、数字、'-'、'_'、'.'，以字母或数字开头"


def create_import_profiles(con: Any) -> None:
    """Migration 15."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {PROFILES} (name VARCHAR PRIMARY KEY, options JSON NOT NULL,"
                " created TIMESTAMP NOT NULL, updated TIMESTAMP NOT NULL)")


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ShoplensError(f"invalid profile name {name!r}", hint="a profile name is " + NAME_RULE,
                            zh=f"无效的导入配置名 {name!r}", zh_hint="配置名应为" + NAME_RULE_ZH)
    return name


def save_profile(con: Any, name: str, options: dict[str, Any]) -> None:
    """Create or replace ``name`` (in the caller's transaction)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute(f"INSERT INTO {PROFILES} VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "options = excluded.options, updated = excluded.updated",
                [check_name(name), json.dumps(options, ensure_ascii=False), now, now])


def get_profile(con: Any, name: str) -> dict[str, Any]:
    row = con.execute(f"SELECT options FROM {PROFILES} WHERE name = ?", [name]).fetchone()
    if row is None:
        known = ", ".join(r["name"] for r in list_profiles(con)) or "none yet"
        raise NotFoundError(f"no import profile {name!r}", hint="saved profiles: " + known
                            + "; save one with shoplens import ... --save-profile NAME",
                            zh=f"没有名为 {name!r} 的导入配置",
                            zh_hint="已保存的配置：" + known + "；用 shoplens import ... --save-profile NAME 保存")
    return json.loads(row[0])


def list_profiles(con: Any) -> list[dict[str, Any]]:
    """Every profile: name, options, created, updated (naive UTC), by name."""
    rows = con.execute(f"SELECT name, options, created, updated FROM {PROFILES} ORDER BY name").fetchall()
    return [{"name": r[0], "options": json.loads(r[1]), "created": r[2], "updated": r[3]} for r in rows]


def delete_profile(con: Any, name: str) -> None:
    get_profile(con, name)  # the not-found error names the saved ones
    con.execute(f"DELETE FROM {PROFILES} WHERE name = ?", [name])
