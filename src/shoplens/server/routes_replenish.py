"""Replenishment over HTTP: the JSON of ``shoplens replenish --format json``; ``format=csv`` is the buyer's export
(the CLI's ``--format csv``, notes in ``X-Shoplens-Notes``). Cut to the login's stores; the ``replenish:`` config
is the server's own config file."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Response

from shoplens.params import split_values
from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_csv, as_json
from shoplens.server.validation import Day

router = APIRouter(tags=["products"])


@router.get("/replenish")
def replenish(service_level: float | None = Query(None, gt=0.5, lt=1, description="e.g. 0.95 (default: config, "
                                                  "else 0.95)"),
              lead_time: float | None = Query(None, gt=0, le=3650, description="days (default: config, else 14)"),
              review_period: float | None = Query(None, ge=0, le=3650, description="days (default: config, else 7)"),
              method: Literal["history", "forecast"] = "history",
              as_of: Day | None = Query(None, description="local day (default: the store's last day with data)"),
              product: list[str] | None = Query(None, description="only these SKUs (comma-separated or repeated)"),
              store: list[str] | None = Query(None, description="store ids (default: every store of the login)"),
              format: Literal["json", "csv"] = Query("json", description="json, or csv: the buyer's export"),
              s: Session = Depends(viewer)) -> Response:
    """Per SKU on sale: stock, demand, safety stock, reorder point, order quantity, days of cover, stock-out date."""
    from shoplens.analyses.replenish import replenish as run

    stores = s.stores(store)
    result = s.answer(stores, run, service_level=service_level, lead_time=lead_time, review_period=review_period,
                      method=method, as_of=as_of, product=split_values(product) or None)
    if format == "csv":
        return as_csv(*result.csv_table(), f"replenish_{result.items[0]['as_of'] if result.items else 'empty'}.csv",
                      notes=result.notes)
    return as_json(result.to_dict())
