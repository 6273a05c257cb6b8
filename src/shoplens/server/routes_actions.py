"""The action log over HTTP: the JSON of ``shoplens action list|add|effect|remove --format json``.

A page shows ``GET /actions`` (each action with its scope and day) and, per action, ``GET /actions/{id}/effect``
(the windows, the daily treated and comparison values for a chart, the estimate with its interval and the sentence
in both languages). Every request is cut to the login's stores; an action of another store answers like a missing
one (404). Logging and removing write, so they need the analyst role and run under the write lock; the effect is a
read answered through the result cache (an action never changes once logged, only its status).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from shoplens.server.deps import Session, analyst, viewer
from shoplens.server.respond import as_json
from shoplens.server.validation import Day

STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")
ID = Path(ge=1, le=2**62, description="the action's id")
router = APIRouter(tags=["actions"])


class NewAction(BaseModel):
    title: str = Field(min_length=1, max_length=2000, description="what was done")
    metric: str = Field(min_length=1, max_length=200, description="the metric it should move (catalog id)")
    scope: str | None = Field(None, max_length=500, description="dimension=value (e.g. channel=paid_search); "
                              "empty or 'store': the whole store")
    date: Day | None = Field(None, description="local day it took effect (default: today in the store's zone)")
    store: str | None = Field(None, max_length=200, description="the store (default: the login's only store)")
    recommendation: str | None = Field(None, max_length=2000, description="the recommendation's id it follows")
    note: str | None = Field(None, max_length=2000)


@router.get("/actions")
def list_actions(start: Day | None = Query(None, alias="from", description="first action day"),
                 end: Day | None = Query(None, alias="to", description="last action day"),
                 removed: bool = Query(False, description="include removed actions"),
                 store: list[str] | None = STORE, s: Session = Depends(viewer)) -> Response:
    """Logged actions of the login's stores, newest day first: `shoplens action list --format json`."""
    from shoplens.analyses.actions import action_list

    stores = s.stores(store)
    with s.reading() as wh:
        return as_json(action_list(wh, store=stores, start=start, end=end, include_removed=removed).to_dict())


@router.post("/actions", status_code=201)
def add_action(body: NewAction, s: Session = Depends(analyst)) -> Response:
    """Log an action in one of the login's stores (checked like the CLI: metric, dimension, value); answers the
    stored action: `shoplens action add --format json`."""
    from shoplens.analyses.actions import action_add

    stores = s.stores(body.store)
    with s.locked() as wh:
        out = action_add(wh, title=body.title, metric=body.metric, scope=body.scope, day=body.date, store=stores,
                         recommendation=body.recommendation, note=body.note, created_by=s.account.username)
    answer = as_json(out)
    answer.status_code = 201
    return answer


def effect_answer(wh: Any, *, store: list[str], action_id: int, days: int) -> dict[str, Any]:
    """What the result cache runs (its ``store`` is the login's stores)."""
    from shoplens.analyses.actions import action_effect

    return action_effect(wh, action_id, days=days, stores=store).to_dict()


@router.get("/actions/{action_id}/effect")
def action_effect(action_id: int = ID, days: int = Query(14, ge=2, le=90, description="days before and after"),
                  s: Session = Depends(viewer)) -> Response:
    """The action's measured effect (difference-in-differences with a 95 % interval, daily values, sentence in
    en and zh): `shoplens action effect ID --format json`."""
    return as_json(s.answer(s.allowed_stores(), effect_answer, action_id=action_id, days=days))


@router.delete("/actions/{action_id}")
def remove_action(action_id: int = ID, s: Session = Depends(analyst)) -> Response:
    """Remove an action of the login's stores (kept with status 'removed', left out of the list)."""
    from shoplens.analyses.actions import action_remove

    with s.locked() as wh:
        return as_json(action_remove(wh, action_id, s.allowed_stores()))

