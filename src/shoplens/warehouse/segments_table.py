"""The ``segments`` table (migration 3): saved behavioural segments, one row per name.

A segment is store-agnostic: ``definition`` is the canonical JSON tree
(:mod:`shoplens.analyses.segments.rules`) and is evaluated in whichever stores a query chooses,
so its members are computed fresh each time. Timestamps are UTC.
"""

from __future__ import annotations

from typing import Any

SEGMENTS = "segments"


def create_segments(con: Any) -> None:
    """Migration 3."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {SEGMENTS} (name VARCHAR PRIMARY KEY, definition VARCHAR NOT NULL,"
                " description VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)")
