"""The tables of dashboard/API logins (migration 4): ``app_users`` and ``app_tokens``.

Logins live in the warehouse beside the data they guard, so one file is one deployment. Passwords
are stored as scrypt hashes, tokens as SHA-256 digests (a stolen file gives no usable token).
``stores`` is the list of store ids a login may see; ``['*']`` means every store (admins).
"""

from __future__ import annotations

from typing import Any

USERS = "app_users"
TOKENS = "app_tokens"


def create_accounts(con: Any) -> None:
    """Migration 4."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {USERS} (username VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL,"
                " role VARCHAR NOT NULL, stores VARCHAR[] NOT NULL, language VARCHAR, created_at TIMESTAMP NOT NULL,"
                " updated_at TIMESTAMP NOT NULL)")
    con.execute(f"CREATE TABLE IF NOT EXISTS {TOKENS} (token_hash VARCHAR PRIMARY KEY, username VARCHAR NOT NULL,"
                " kind VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL)")
