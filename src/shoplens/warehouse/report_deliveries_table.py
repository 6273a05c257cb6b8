"""The ``report_deliveries`` table (migration 13): the delivery log of reports (daily brief, weekly review) sent to
notification channels.

A table of its own rather than rows in ``alert_deliveries``: a report has no alert id, no rule scope and no cooldown;
it is one (kind, store, period) going to one channel. One row per attempt run: ``sent`` closes the (kind, store,
period, channel) so sending again is a no-op (``--force`` sends anyway and adds a row); ``failed`` rows stay as
history. ``period`` is the report's day (``2026-11-15``) or ISO week (``2026-W46``); ``note`` says what the message
lacks (e.g. the PDF when Chromium is missing). Timestamps are UTC. What to send lives in
:mod:`shoplens.analyses.notify.reports`; this module only reads and writes rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shoplens.warehouse.stores import transaction

REPORT_DELIVERIES = "report_deliveries"
COLUMNS = ("kind", "store", "period", "channel", "lang", "sent_at", "status", "attempts", "answer", "note")


def create_report_deliveries(con: Any) -> None:
    """Migration 13."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {REPORT_DELIVERIES} (kind VARCHAR NOT NULL, store VARCHAR NOT NULL,"
                " period VARCHAR NOT NULL, channel VARCHAR NOT NULL, lang VARCHAR NOT NULL,"
                " sent_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, attempts INTEGER NOT NULL, answer VARCHAR,"
                " note VARCHAR)")


def was_sent(con: Any, kind: str, store: str, period: str, channel: str) -> bool:
    """Whether this report already went out on ``channel``."""
    row = con.execute(f"SELECT count(*) FROM {REPORT_DELIVERIES} WHERE kind = ? AND store = ? AND period = ? "
                      "AND channel = ? AND status = 'sent'", [kind, store, period, channel]).fetchone()
    return bool(row and row[0])


def log(con: Any, rows: list[tuple[str, str, str, str, str, datetime, str, int, str | None, str | None]]) -> None:
    """Append rows (kind, store, period, channel, lang, at, status, attempts, answer, note) in one transaction."""
    if not rows:
        return
    with transaction(con):
        con.executemany(f"INSERT INTO {REPORT_DELIVERIES} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def report_deliveries(con: Any, kind: str | None = None) -> list[dict[str, Any]]:
    """Every row (oldest first), ``at`` as ISO text with Z."""
    cond, params = ("WHERE kind = ?", [kind]) if kind else ("", [])
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM {REPORT_DELIVERIES} {cond} ORDER BY sent_at, rowid",
                       params).fetchall()
    out = []
    for r in rows:
        row = dict(zip(COLUMNS, r, strict=True))
        row["sent_at"] = row["sent_at"].isoformat(timespec="seconds") + "Z"
        out.append(row)
    return out
