"""Exception lists of the service page: late and lost parcels, tickets past the first-response ceiling.

An operator reads the logistics and service KPIs as rates; the rows behind a bad rate are what they
act on. Rules (the catalog's ``on_time_delivery_rate`` and ``lost_parcel_rate`` read the same way):

- **late**: a delivered parcel whose delivery took longer than its promise: ``days_late`` =
  (delivered_ts - shipped_ts) in days - promised_days, > 0. Parcels without a promise are never late.
- **lost**: a parcel with status ``lost``.
- **slow first response**: a ticket answered more than ``response_hours`` (default 8) after it was
  opened, or not answered at all once ``response_hours`` have passed by the end of the store's ticket data
  (``response_hours`` None on the row): a ticket opened an hour before the data ends is not late yet.

Parcels count by the local date they were shipped, tickets by the local date they were opened (as
the metrics do); newest first, at most ``limit`` rows per list, ``total`` says how many there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shoplens.analyses.context import open_context
from shoplens.analyses.filters import whole_number

DEFAULT_RESPONSE_HOURS = 8
DEFAULT_LIMIT = 50
DAYS = "((epoch(s.delivered_ts) - epoch(s.shipped_ts)) / 86400.0)"
HOURS = "((epoch(t.first_response_ts) - epoch(t.opened_ts)) / 3600.0)"
# the store's last moment in its ticket data: an unanswered ticket is late only once the ceiling has passed by then
# (one opened an hour before the export ends is not "past an 8-hour ceiling" yet)
DATA_END = ("(SELECT max(greatest(x.opened_ts, coalesce(x.first_response_ts, x.opened_ts))) FROM service_tickets x"
            " WHERE x.store_id = t.store_id)")


@dataclass(frozen=True)
class ServiceExceptions:
    start: date
    end: date
    response_hours: float
    late: dict[str, Any]  # {total, rows: [{shipment_id, order_id, carrier, shipped_ts, promised_days, days_late}]}
    lost: dict[str, Any]  # {total, rows: [{shipment_id, order_id, carrier, shipped_ts, promised_days}]}
    slow_tickets: dict[str, Any]  # {total, rows: [{ticket_id, order_id, kind, opened_ts, response_hours}]}

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "response_hours": self.response_hours,
                "late": self.late, "lost": self.lost, "slow_tickets": self.slow_tickets}


def _rows(wh: Any, sql: str, limit: int) -> dict[str, Any]:
    df = wh.con.execute(f"WITH x AS ({sql}) SELECT *, (SELECT count(*) FROM x) AS _total FROM x"
                        f" ORDER BY ts DESC, id DESC LIMIT {int(limit)}").df()
    total = int(df["_total"].iloc[0]) if len(df) else 0
    rows = []
    for rec in df.drop(columns=["_total", "ts", "id"]).to_dict("records"):
        rows.append({k: (None if v is None or v != v else (v.isoformat() if hasattr(v, "isoformat") else v))
                     for k, v in rec.items()})
    return {"total": total, "rows": rows}


def service_exceptions(wh: Any, *, store: str | list[str] | None = None, start: date | str | None = None,
                       end: date | str | None = None, response_hours: float = DEFAULT_RESPONSE_HOURS,
                       limit: int = DEFAULT_LIMIT) -> ServiceExceptions:
    """Late and lost parcels and slow-answered tickets in the local dates ``start``..``end``."""
    whole_number(limit, "limit", 1, 10_000)
    ctx = open_context(wh, store=store, start=start, end=end)
    scope = ctx.scope
    ships = f"FROM shipments s WHERE {scope.store_filter('s')} AND {scope.ts_range('s', 's.shipped_ts')}"
    base = ("SELECT s.shipped_ts AS ts, s.shipment_id AS id, s.store_id AS store, s.shipment_id, s.order_id,"
            " s.carrier, CAST(s.shipped_ts AS VARCHAR) || 'Z' AS shipped_utc, s.promised_days")
    late = _rows(wh, f"{base}, round({DAYS} - s.promised_days, 2) AS days_late {ships}"
                     f" AND s.delivered_ts IS NOT NULL AND s.promised_days IS NOT NULL AND {DAYS} > s.promised_days",
                 limit)
    lost = _rows(wh, f"{base} {ships} AND s.status = 'lost'", limit)
    tickets = _rows(wh, "SELECT t.opened_ts AS ts, t.ticket_id AS id, t.store_id AS store, t.ticket_id, t.order_id,"
                        f" t.kind, CAST(t.opened_ts AS VARCHAR) || 'Z' AS opened_utc, round({HOURS}, 2) AS"
                        f" response_hours FROM service_tickets t WHERE {scope.store_filter('t')} AND"
                        f" {scope.ts_range('t', 't.opened_ts')} AND ((t.first_response_ts IS NULL AND"
                        f" epoch({DATA_END}) - epoch(t.opened_ts) > {float(response_hours) * 3600})"
                        f" OR {HOURS} > {float(response_hours)})", limit)
    return ServiceExceptions(ctx.start, ctx.end, float(response_hours), late, lost, tickets)
