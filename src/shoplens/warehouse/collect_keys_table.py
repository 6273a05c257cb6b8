"""The collector's write keys (migration 16): ``collect_keys``.

A write key lets a web page send events of ONE store and nothing else; it is not a login. Only its
SHA-256 digest is kept (a stolen file gives no usable key), with the origins (``https://shop.example``)
whose pages may use it and when it was revoked. No key index: ``origins`` is a list column (see
``ddl.drop_key_index``); the single writer checks ``key_id`` is new before it inserts.
"""

from __future__ import annotations

from typing import Any

KEYS = "collect_keys"


def create_collect_keys(con: Any) -> None:
    """Migration 16."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {KEYS} (key_id VARCHAR NOT NULL, store_id VARCHAR NOT NULL,"
                " key_hash VARCHAR NOT NULL, origins VARCHAR[] NOT NULL, created_at TIMESTAMP NOT NULL,"
                " created_by VARCHAR, revoked_at TIMESTAMP)")
