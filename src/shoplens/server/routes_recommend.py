"""Recommendations over HTTP: the JSON of ``shoplens recommend --format json``, cut to the login's stores
(:meth:`Session.stores`). Read-only, so any login of the stores may ask; answers are cached per data version like
every read (:mod:`shoplens.server.cache`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_json
from shoplens.server.validation import Day

STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")
router = APIRouter(tags=["recommendations"])


@router.get("/recommendations")
def recommendations(date: Day | None = Query(None, description="local day (default: each store's last complete day)"),
                    store: list[str] | None = STORE, s: Session = Depends(viewer)) -> Response:
    """Every enabled recommendation rule for a day in the login's stores: `shoplens recommend --format json`."""
    from shoplens.analyses.recommend import recommend

    stores = s.stores(store)
    return as_json(s.answer(stores, recommend, day=date).to_dict())


@router.get("/recommendations/rules")
def recommendation_rules(s: Session = Depends(viewer)) -> Response:
    """The effective rules (shipped, changed or added by the config file): `shoplens recommend --rules`."""
    from shoplens.analyses.recommend import recommend_rules

    return as_json(recommend_rules())
