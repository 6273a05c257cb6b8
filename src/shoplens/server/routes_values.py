"""A dimension's values with row counts (``shoplens values``), for the dashboard's filter and step pickers.

Listed for the login's stores only (:meth:`Session.stores`) and answered through the cache
(:meth:`Session.answer`). ``value=`` checks values the way a metric ``where`` reads them (aliases,
case): an unknown one answers 400 with the closest known values, which the dashboard shows beside the
filter.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Response

from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_json, records_csv
from shoplens.server.validation import Day

STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")
router = APIRouter(tags=["metrics"])


@router.get("/values/{dim}")
def values(dim: str, store: list[str] | None = STORE,
           start: Day | None = Query(None, alias="from", description="first local date (default: all dates)"),
           end: Day | None = Query(None, alias="to", description="last local date"),
           limit: int | None = Query(None, ge=1, le=100_000, description="at most this many values (default 100)"),
           value: list[str] | None = Query(None, max_length=1000, description="values to check, as a metric "
                                           "where=DIM=VALUE reads them: 400 with the closest known ones if unknown"),
           format: Literal["json", "csv"] = "json", s: Session = Depends(viewer)) -> Response:
    """Values of a dimension (channel, country, event, product, properties.KEY, ...) with row counts per table
    (events, orders, ...), most rows first: `shoplens values DIM --format json`."""
    from shoplens.metrics.options import no_nul, normalise_where
    from shoplens.metrics.value_checks import check_values
    from shoplens.metrics.values import dimension, list_values, store_infos

    dimension(dim)  # an unknown dimension: 400 before anything is computed
    stores = s.stores(store)
    if value:
        wanted = normalise_where({dim: tuple(no_nul(v.strip(), "value") for v in value)})[dim]
        with s.reading() as wh:
            check_values(wh, store_infos(wh, stores), dim, wanted, where="--where")
    result = s.answer(stores, list_values, dim=dim, start=start, end=end, limit=limit)
    if format == "csv":
        return records_csv(result.values, f"values_{dim}.csv")
    return as_json(result.to_dict())
