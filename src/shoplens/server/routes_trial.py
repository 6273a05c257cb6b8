"""`GET /api/v1/products/trial`: the new-product trial (新品测款), the CLI's `shoplens products trial` over HTTP.

JSON is the CLI's ``--format json``; ``format=csv`` its ``--format csv``. Cut to the login's stores."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Response

from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_csv, as_json
from shoplens.server.validation import Day

router = APIRouter(tags=["products"])


@router.get("/products/trial")
def products_trial(days: int | None = Query(None, ge=1, le=365, description="trial length (default 15)"),
                   as_of: Day | None = Query(None, description="last local day (default: the last day with data)"),
                   store: list[str] | None = Query(None, description="store ids (default: every store of the login)"),
                   format: Literal["json", "csv"] = "json", s: Session = Depends(viewer)) -> Response:
    """New SKUs' first N days against the category's recent launches at the same age, with verdicts."""
    from shoplens.analyses.products.trial import products_trial as run

    result = s.answer(s.stores(store), run, days=days, as_of=as_of)
    if format == "csv":
        return as_csv(*result.csv_table(), "products_trial.csv", notes=result.notes)
    return as_json(result.to_dict())
