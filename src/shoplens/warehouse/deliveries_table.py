"""The ``alert_deliveries`` table (migration 9): the delivery log of alert notifications.

One row per attempt run of one alert to one channel: ``sent`` and ``skipped_cooldown`` close the pair (sending
again is a no-op), ``failed`` rows stay as history and the pair is tried again next run. ``scope`` is the alert's
rule | metric | store | dims without its day: the cooldown looks it up. Timestamps are UTC. What to send lives in
:mod:`shoplens.analyses.notify`; this module only reads and writes rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shoplens.warehouse.alerts_table import ALERTS
from shoplens.warehouse.stores import transaction

DELIVERIES = "alert_deliveries"
DONE = ("sent", "skipped_cooldown")


def create_deliveries(con: Any) -> None:
    """Migration 9."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {DELIVERIES} (channel VARCHAR NOT NULL, alert_id BIGINT NOT NULL,"
                " scope VARCHAR NOT NULL, sent_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL,"
                " attempts INTEGER NOT NULL, digest BOOLEAN NOT NULL, answer VARCHAR)")


def done_pairs(con: Any) -> set[tuple[str, int]]:
    """(channel, alert id) pairs that need nothing more."""
    rows = con.execute(f"SELECT DISTINCT channel, alert_id FROM {DELIVERIES} WHERE list_contains(?, status)",
                       [list(DONE)]).fetchall()
    return {(c, int(a)) for c, a in rows}


def last_sent(con: Any, channel: str, scope: str) -> datetime | None:
    """When an alert of this rule + scope last went out on ``channel`` (None: never)."""
    row = con.execute(f"SELECT max(sent_at) FROM {DELIVERIES} WHERE channel = ? AND scope = ? AND status = 'sent'",
                      [channel, scope]).fetchone()
    return None if row is None else row[0]


def log(con: Any, rows: list[tuple[str, int, str, datetime, str, int, bool, str | None]]) -> None:
    """Append rows (channel, alert id, scope, at, status, attempts, digest, answer) in one transaction."""
    if not rows:
        return
    with transaction(con):
        con.executemany(f"INSERT INTO {DELIVERIES} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def deliveries(con: Any, alert_id: int | None = None) -> list[dict[str, Any]]:
    cond, params = ("WHERE alert_id = ?", [int(alert_id)]) if alert_id is not None else ("", [])
    rows = con.execute(f"SELECT channel, alert_id, scope, sent_at, status, attempts, digest, answer "
                       f"FROM {DELIVERIES} {cond} ORDER BY sent_at, rowid", params).fetchall()
    return [{"channel": c, "alert_id": int(a), "scope": s, "at": at.isoformat(timespec="seconds") + "Z",
             "status": st, "attempts": n, "digest": d, "answer": ans} for c, a, s, at, st, n, d, ans in rows]


def find(con: Any, *, stores: list[str], alert_id: int | None = None, channel: str | None = None,
         status: str | None = None, day: Any = None, limit: int | None = 100,
         offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Log rows of alerts of ``stores`` (newest first), filtered, one page, and how many match in all. ``day``: the
    UTC day of the attempt. The store comes from the alert (a row of a deleted alert has none and is not shown)."""
    cond, params = ["list_contains(?, a.store_id)"], [stores]
    for sql, value in (("d.alert_id = ?", alert_id), ("d.channel = ?", channel), ("d.status = ?", status),
                       ("CAST(d.sent_at AS DATE) = ?", day)):
        if value is not None:
            cond.append(sql)
            params.append(value)
    where = " AND ".join(cond)
    base = f"FROM {DELIVERIES} d JOIN {ALERTS} a ON a.id = d.alert_id WHERE {where}"
    total = con.execute(f"SELECT count(*) {base}", params).fetchone()[0]
    page = "" if limit is None else f" LIMIT {int(limit)}"
    rows = con.execute(f"SELECT d.channel, d.alert_id, a.store_id, a.rule, a.period, d.sent_at, d.status, d.attempts,"
                       f" d.digest, d.answer {base} ORDER BY d.sent_at DESC, d.rowid DESC{page} OFFSET {int(offset)}",
                       params).fetchall()
    keys = ("channel", "alert_id", "store", "rule", "period", "at", "status", "attempts", "digest", "answer")
    out = []
    for r in rows:
        row = dict(zip(keys, r, strict=True))
        row["alert_id"], row["period"] = int(row["alert_id"]), row["period"].isoformat()
        row["at"] = row["at"].isoformat(timespec="seconds") + "Z"
        out.append(row)
    return out, int(total)
