"""Alerts over HTTP: the JSON of ``shoplens alerts check|list|ack|resolve|rules --format json``.

Every request is cut to the login's stores (:meth:`Session.stores`): a check evaluates only those stores, the
list shows only their alerts, and an alert of another store is answered like a missing one (404). Checking and
changing a status write to the warehouse, so they need the analyst role and run under the write lock.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from shoplens.server.deps import Session, analyst, viewer
from shoplens.server.respond import as_json
from shoplens.server.validation import Day

STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")
ID = Path(ge=1, le=2**62, description="the alert's id")
router = APIRouter(tags=["alerts"])


class Note(BaseModel):
    note: str | None = Field(None, max_length=2000, description="why (kept in the alert's history)")


@router.post("/alerts/check")
def check_alerts(date: Day | None = Query(None, description="local day (default: each store's last complete day)"),
                 store: list[str] | None = STORE, s: Session = Depends(analyst)) -> Response:
    """Evaluate every enabled rule for a day in the login's stores and store what fired (idempotent per rule +
    scope + day): `shoplens alerts check --format json`."""
    from shoplens.analyses.alerts import alerts_check

    stores = s.stores(store)
    with s.locked() as wh:
        result = alerts_check(wh, day=date, store=stores)
    return as_json(result.to_dict())


@router.get("/alerts")
def list_alerts(status: Literal["open", "acknowledged", "resolved"] | None = None,
                start: Day | None = Query(None, alias="from", description="first local day"),
                end: Day | None = Query(None, alias="to", description="last local day"),
                store: list[str] | None = STORE, s: Session = Depends(viewer)) -> Response:
    """Stored alerts of the login's stores, newest day first: `shoplens alerts list --format json`."""
    from shoplens.analyses.alerts import alerts_list

    stores = s.stores(store)
    with s.reading() as wh:
        return as_json(alerts_list(wh, status=status, start=start, end=end, store=stores).to_dict())


@router.get("/alerts/rules")
def alert_rules(s: Session = Depends(viewer)) -> Response:
    """The effective rules (shipped, changed by the config file, switched off): `shoplens alerts rules`."""
    from shoplens.analyses.alerts import alerts_rules

    return as_json(alerts_rules())


def _set(s: Session, alert_id: int, body: Note | None, resolve: bool) -> Response:
    from shoplens.analyses.alerts import alerts_ack, alerts_resolve

    with s.locked() as wh:
        run = alerts_resolve if resolve else alerts_ack
        return as_json(run(wh, alert_id, body.note if body else None, stores=s.allowed_stores()))


@router.post("/alerts/{alert_id}/ack")
def ack_alert(alert_id: int = ID, body: Note | None = None, s: Session = Depends(analyst)) -> Response:
    """Acknowledge an alert of the login's stores; the note goes into its history (answers the alert and its
    history)."""
    return _set(s, alert_id, body, resolve=False)


@router.post("/alerts/{alert_id}/resolve")
def resolve_alert(alert_id: int = ID, body: Note | None = None, s: Session = Depends(analyst)) -> Response:
    """Resolve an alert of the login's stores; the note goes into its history."""
    return _set(s, alert_id, body, resolve=True)
