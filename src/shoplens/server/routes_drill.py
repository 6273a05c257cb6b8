"""What the dashboard's drill-down shows beyond the metrics: one product's reviews and refunds (product 360)
and the service page's exception lists (late / lost parcels, tickets past the first-response ceiling).

Both read one store's local dates (``from``/``to``), cut to the login's stores; numbers are documented in
:mod:`shoplens.analyses.product_detail` and :mod:`shoplens.analyses.service_exceptions`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_json
from shoplens.server.validation import Day

STORE = Query(None, description="store id (default: the login's only store)")
FROM = Query(None, alias="from", description="first local date (default: all data)")
TO = Query(None, alias="to", description="last local date")
router = APIRouter(tags=["behaviour"])


@router.get("/products/{product_id}/detail")
def product_detail(product_id: str, start: Day | None = FROM, end: Day | None = TO, store: list[str] | None = STORE,
                   s: Session = Depends(viewer)) -> Response:
    """One product's reviews (count, average rating, count per star) and refunds (count, amount, by reason)."""
    from shoplens.analyses.product_detail import product_detail as run

    stores = s.stores(store)
    with s.reading() as wh:
        return as_json(run(wh, store=stores, product=product_id, start=start, end=end).to_dict())


@router.get("/service/exceptions")
def service_exceptions(start: Day | None = FROM, end: Day | None = TO, store: list[str] | None = STORE,
                       response_hours: float = Query(8, gt=0, le=24 * 365, description="first-response ceiling"),
                       limit: int = Query(50, ge=1, le=10_000, description="rows per list, newest first"),
                       s: Session = Depends(viewer)) -> Response:
    """Late and lost parcels (by shipping date) and tickets answered after ``response_hours`` or never."""
    from shoplens.analyses.service_exceptions import service_exceptions as run

    stores = s.stores(store)
    with s.reading() as wh:
        return as_json(run(wh, store=stores, start=start, end=end, response_hours=response_hours,
                           limit=limit).to_dict())
