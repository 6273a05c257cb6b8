"""The ``alerts`` table (migration 7) and its history: what the alert rules found, one row per rule + scope + day.

``key`` = rule | metric | store | dims (JSON, sorted keys) | day is unique: checking the same day again finds the row
and only refreshes its numbers and message when a later import changed them (its status stays); ``alert_events``
keeps the history (opened, updated with the old and new value, acknowledged, resolved; each with time and note).
Ids are small whole numbers (``shoplens alerts ack 12``). Timestamps are UTC. The evaluation lives in
:mod:`shoplens.analyses.alerts`; this module only reads and writes rows.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from shoplens.errors import NotFoundError, ShoplensError

ALERTS = "alerts"
EVENTS = "alert_events"
STATUSES = ("open", "acknowledged", "resolved")
COLUMNS = ("id", "rule", "kind", "metric", "store_id", "dims", "period", "value", "reference", "change", "severity",
           "status", "message_en", "message_zh", "root_cause", "created_at", "updated_at")


def create_alerts(con: Any) -> None:
    """Migration 7."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {ALERTS} (id BIGINT PRIMARY KEY, key VARCHAR NOT NULL UNIQUE,"
                " rule VARCHAR NOT NULL, kind VARCHAR NOT NULL, metric VARCHAR, store_id VARCHAR NOT NULL,"
                " dims VARCHAR NOT NULL, period DATE NOT NULL, value DOUBLE, reference DOUBLE, change DOUBLE,"
                " severity VARCHAR NOT NULL, status VARCHAR NOT NULL, message_en VARCHAR, message_zh VARCHAR,"
                " root_cause VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)")
    con.execute(f"CREATE TABLE IF NOT EXISTS {EVENTS} (alert_id BIGINT NOT NULL, happened_at TIMESTAMP NOT NULL,"
                " event VARCHAR NOT NULL, status VARCHAR NOT NULL, note VARCHAR, value DOUBLE, reference DOUBLE)")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def alert_key(rule: str, metric: str | None, store: str, dims: dict[str, Any], period: str) -> str:
    """The identity of an alert: the metric is part of it because one anomaly rule watches several metrics."""
    return f"{rule}|{metric}|{store}|{json.dumps(dims, sort_keys=True, ensure_ascii=False)}|{period}"


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))


def save_alerts(con: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert new alerts, refresh changed ones; the caller holds the transaction. Returns the stored rows, each
    with ``"stored": "new" | "updated" | "unchanged"`` (not part of the JSON shape)."""
    now, out = _now(), []
    next_id = int(con.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {ALERTS}").fetchone()[0])
    for a in found:
        key = alert_key(a["rule"], a["metric"], a["store"], a["dims"], a["period"])
        row = con.execute(f"SELECT id, value, reference, status, message_en, message_zh FROM {ALERTS} WHERE key = ?",
                          [key]).fetchone()
        cause = None if a.get("root_cause") is None else json.dumps(a["root_cause"], ensure_ascii=False)
        if row is None:
            con.execute(f"INSERT INTO {ALERTS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [next_id, key, a["rule"], a["kind"], a["metric"], a["store"],
                         json.dumps(a["dims"], sort_keys=True, ensure_ascii=False), a["period"], a["value"],
                         a["reference"], a["change"], a["severity"], "open", a["message"]["en"], a["message"]["zh"],
                         cause, now, now])
            con.execute(f"INSERT INTO {EVENTS} VALUES (?, ?, 'opened', 'open', NULL, ?, ?)",
                        [next_id, now, a["value"], a["reference"]])
            out.append({**get_alert(con, next_id), "stored": "new"})
            next_id += 1
            continue
        alert_id, value, reference, status, en, zh = row
        changed = not (_same(value, a["value"]) and _same(reference, a["reference"]) and en == a["message"]["en"]
                       and zh == a["message"]["zh"])
        if changed:
            con.execute(f"UPDATE {ALERTS} SET value = ?, reference = ?, change = ?, severity = ?, message_en = ?,"
                        " message_zh = ?, root_cause = coalesce(?, root_cause), updated_at = ? WHERE id = ?",
                        [a["value"], a["reference"], a["change"], a["severity"], a["message"]["en"],
                         a["message"]["zh"], cause, now, alert_id])
            con.execute(f"INSERT INTO {EVENTS} VALUES (?, ?, 'updated', ?, ?, ?, ?)",
                        [alert_id, now, status, f"value {value} -> {a['value']}, reference {reference} -> "
                         f"{a['reference']}", a["value"], a["reference"]])
        out.append({**get_alert(con, alert_id), "stored": "updated" if changed else "unchanged"})
    return out


def _row(rec: tuple[Any, ...]) -> dict[str, Any]:
    r = dict(zip(COLUMNS, rec, strict=True))
    return {"id": int(r["id"]), "rule": r["rule"], "kind": r["kind"], "metric": r["metric"], "store": r["store_id"],
            "dims": json.loads(r["dims"]), "period": r["period"].isoformat(), "value": r["value"],
            "reference": r["reference"], "change": r["change"], "severity": r["severity"], "status": r["status"],
            "message": {"en": r["message_en"], "zh": r["message_zh"]},
            "root_cause": None if r["root_cause"] is None else json.loads(r["root_cause"])}


def get_alert(con: Any, alert_id: int, stores: list[str] | None = None) -> dict[str, Any]:
    """One alert (``stores``: only if it is in one of these; else it is missing, like an unknown id)."""
    rec = con.execute(f"SELECT {', '.join(COLUMNS)} FROM {ALERTS} WHERE id = ?", [int(alert_id)]).fetchone()
    if rec is None or (stores is not None and rec[4] not in stores):
        raise NotFoundError(f"no alert {alert_id}", hint="`shoplens alerts list` shows the alerts",
                            zh=f"没有编号为 {alert_id} 的告警", zh_hint="`shoplens alerts list` 列出告警")
    return _row(rec)


def list_alerts(con: Any, *, status: str | None = None, start: date | None = None, end: date | None = None,
                stores: list[str] | None = None) -> list[dict[str, Any]]:
    """Alerts by day (newest first), then severity and id."""
    if status is not None and status not in STATUSES:
        raise ShoplensError(f"--status {status!r} is not one of {', '.join(STATUSES)}", zh=f"--status {status!r} 无效",
                            hint=f"one of {', '.join(STATUSES)}", zh_hint=f"可选：{'、'.join(STATUSES)}")
    cond, params = ["TRUE"], []
    for sql, value in (("status = ?", status), ("period >= ?", start), ("period <= ?", end)):
        if value is not None:
            cond.append(sql)
            params.append(value)
    if stores is not None:
        cond.append("list_contains(?, store_id)")
        params.append(list(stores))
    rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM {ALERTS} WHERE {' AND '.join(cond)} ORDER BY period DESC,"
                       " CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, id", params).fetchall()
    return [_row(r) for r in rows]


def history(con: Any, alert_id: int) -> list[dict[str, Any]]:
    rows = con.execute(f"SELECT happened_at, event, status, note, value, reference FROM {EVENTS} WHERE alert_id = ?"
                       " ORDER BY happened_at, rowid", [int(alert_id)]).fetchall()
    return [{"at": at.isoformat(timespec="seconds") + "Z", "event": ev, "status": st, "note": note, "value": v,
             "reference": ref} for at, ev, st, note, v, ref in rows]


def set_status(con: Any, alert_id: int, status: str, note: str | None, stores: list[str] | None = None
               ) -> dict[str, Any]:
    """Acknowledge or resolve an alert (the caller holds the transaction); the change goes into the history."""
    current = get_alert(con, alert_id, stores)
    now = _now()
    con.execute(f"UPDATE {ALERTS} SET status = ?, updated_at = ? WHERE id = ?", [status, now, int(alert_id)])
    event = {"acknowledged": "acknowledged", "resolved": "resolved", "open": "reopened"}[status]
    con.execute(f"INSERT INTO {EVENTS} VALUES (?, ?, ?, ?, ?, ?, ?)",
                [int(alert_id), now, event, status, note, current["value"], current["reference"]])
    return {**current, "status": status}
