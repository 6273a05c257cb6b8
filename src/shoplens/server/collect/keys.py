"""Write keys of the collector: created by an admin, shown once, kept as a SHA-256 digest, revocable.

A key reads ``slk_<key_id>_<secret>``: ``key_id`` (8 hex characters) names it in lists and in
``keys revoke``; only the digest of the whole key is stored. A key may write events of its one store,
from pages of its origins only (``https://shop.example``; a request without an ``Origin`` header, e.g.
a server-side sender, is allowed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from shoplens.errors import NotFoundError, ShoplensError
from shoplens.warehouse.collect_keys_table import KEYS

PREFIX = "slk_"


@dataclass(frozen=True)
class WriteKey:
    key_id: str
    store_id: str
    origins: tuple[str, ...]
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {"key_id": self.key_id, "store": self.store_id, "origins": list(self.origins),
                "created_at": self.created_at.isoformat(timespec="seconds"), "created_by": self.created_by,
                "revoked_at": self.revoked_at.isoformat(timespec="seconds") if self.revoked_at else None}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_origin(text: str) -> str:
    """``https://Shop.Example/`` -> ``https://shop.example`` (scheme://host[:port], as browsers send Origin)."""
    raw = str(text).strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise ShoplensError(f"not an origin: {raw!r}", where="--origin",
                            hint="give scheme and host, e.g. https://shop.example (a port when not the default)",
                            zh=f"不是有效的来源（origin）：{raw!r}", zh_hint="请写协议和域名，例如 https://shop.example")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def create_key(con: Any, store_id: str, origins: list[str], created_by: str | None = None) -> tuple[str, WriteKey]:
    """A new key of ``store_id`` -> (the key, shown once; its record). The store must exist."""
    if not con.execute("SELECT 1 FROM stores WHERE store_id = ?", [store_id]).fetchone():
        known = ", ".join(r[0] for r in con.execute("SELECT store_id FROM stores ORDER BY 1").fetchall())
        make = (f"a store is made by its first import, e.g. shoplens import orders orders.csv --store {store_id} "
                "--currency USD --timezone America/New_York")
        make_zh = (f"店铺由第一次导入建立，例如 shoplens import orders orders.csv --store {store_id} "
                   "--currency USD --timezone America/New_York")
        raise NotFoundError(f"unknown store {store_id!r}", where="--store",
                            hint=f"stores: {known}" if known else make,
                            zh=f"未知店铺 {store_id!r}", zh_hint=f"可用店铺：{known}" if known else make_zh)
    if not origins:
        raise ShoplensError("a write key needs at least one origin", where="--origin",
                            hint="the address of the shop's pages, e.g. --origin https://shop.example",
                            zh="写入密钥至少需要一个来源（origin）", zh_hint="即网店页面的地址，例如 --origin https://shop.example")
    clean = tuple(dict.fromkeys(normalise_origin(o) for o in origins))
    while True:
        key_id = secrets.token_hex(4)
        if not con.execute(f"SELECT 1 FROM {KEYS} WHERE key_id = ?", [key_id]).fetchone():
            break
    key = f"{PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    con.execute(f"INSERT INTO {KEYS} VALUES (?, ?, ?, ?, ?, ?, NULL)",
                [key_id, store_id, digest(key), list(clean), now, created_by])
    return key, WriteKey(key_id, store_id, clean, now, created_by, None)


def _row(row: tuple[Any, ...]) -> WriteKey:
    return WriteKey(row[0], row[1], tuple(row[2]), row[3], row[4], row[5])


def list_keys(con: Any, stores: list[str] | None = None) -> list[WriteKey]:
    """Every key (of ``stores`` when given), revoked ones too, newest first."""
    rows = con.execute(f"SELECT key_id, store_id, origins, created_at, created_by, revoked_at FROM {KEYS}"
                       " ORDER BY created_at DESC, key_id").fetchall()
    return [_row(r) for r in rows if stores is None or r[1] in stores]


def revoke_key(con: Any, key_id: str, stores: list[str] | None = None) -> WriteKey:
    """Revoke ``key_id`` (again is harmless); a key of a store outside ``stores`` is a missing one."""
    found = [k for k in list_keys(con, stores) if k.key_id == key_id]
    if not found:
        raise NotFoundError(f"no write key {key_id!r}", where="KEY_ID", hint="shoplens collect keys list",
                            zh=f"没有写入密钥 {key_id!r}", zh_hint="用 shoplens collect keys list 查看")
    if found[0].revoked_at is None:
        con.execute(f"UPDATE {KEYS} SET revoked_at = ? WHERE key_id = ?",
                    [datetime.now(UTC).replace(tzinfo=None, microsecond=0), key_id])
    return next(k for k in list_keys(con, stores) if k.key_id == key_id)


def verify(con: Any, key: str) -> WriteKey | None:
    """The live key record of ``key``, or None (unknown, malformed or revoked)."""
    if not isinstance(key, str) or not key.startswith(PREFIX) or key.count("_") < 2:
        return None
    key_id = key[len(PREFIX):].split("_", 1)[0]
    row = con.execute(f"SELECT key_id, store_id, origins, created_at, created_by, revoked_at, key_hash FROM {KEYS}"
                      " WHERE key_id = ? AND revoked_at IS NULL", [key_id]).fetchone()
    if row is None or not hmac.compare_digest(row[6].encode(), digest(key).encode()):
        return None
    return _row(row[:6])


def all_origins(con: Any) -> set[str]:
    """Origins of every live key (a preflight names no key: it is answered for these)."""
    return {o for (origins,) in con.execute(f"SELECT origins FROM {KEYS} WHERE revoked_at IS NULL").fetchall()
            for o in origins}
