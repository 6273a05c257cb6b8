"""`GET /api/v1/products/abc`: the JSON of ``shoplens products abc --format json`` (CSV with ``format=csv``).

Cut to the login's stores like every analysis route: a store the login may not see is answered as unknown (404),
and ABC ranks one store, so a login with several stores names one with ``store``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Response

from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_csv, as_json
from shoplens.server.validation import Day

router = APIRouter(tags=["products"])


@router.get("/products/abc")
def products_abc(by: Literal["gmv", "units", "margin"] = "gmv",
                 start: Day | None = Query(None, alias="from", description="first local date (default: last 30 days)"),
                 end: Day | None = Query(None, alias="to", description="last local date"),
                 thresholds: str = Query("60,85", max_length=40, description="two cumulative % cut-offs"),
                 within: Literal["category"] | None = None,
                 store: list[str] | None = Query(None, description="the store (default: the login's only store)"),
                 format: Literal["json", "csv"] = "json", s: Session = Depends(viewer)) -> Response:
    """ABC classes of one store's merchandise SKUs: classes, movement vs the previous period, every SKU's rank,
    value, share, cumulative share (the Pareto curve), class and previous class."""
    from shoplens.analyses.products.abc import products_abc as run

    stores = s.stores(store)
    result = s.answer(stores, run, by=by, start=start, end=end, thresholds=thresholds, within=within)
    if format == "csv":
        return as_csv(*result.csv_table(), "products_abc.csv", notes=result.notes)
    return as_json(result.to_dict())
