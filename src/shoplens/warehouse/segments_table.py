"""The ``segments`` table (migration 3): saved behavioural segments, one row per name.

A segment's ``definition`` is the canonical JSON tree (:mod:`shoplens.analyses.segments.rules`),
evaluated in whichever stores a query chooses, so its members are computed fresh each time.
``stores`` (migration 5) says which logins of the API see the definition: NULL = every login
(shared; what the CLI and the Python API save), else logins whose stores include all of these
(what a login of some stores saves over the API). Timestamps are UTC.
"""

from __future__ import annotations

from typing import Any

SEGMENTS = "segments"


def create_segments(con: Any) -> None:
    """Migration 3."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {SEGMENTS} (name VARCHAR PRIMARY KEY, definition VARCHAR NOT NULL,"
                " description VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)")


def add_segment_stores(con: Any) -> None:
    """Migration 5: which logins see a segment (NULL = every login)."""
    con.execute(f"ALTER TABLE {SEGMENTS} ADD COLUMN IF NOT EXISTS stores VARCHAR[]")
