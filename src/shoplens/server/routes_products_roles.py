"""``GET /api/v1/products/roles``: the CLI's ``shoplens products roles`` over HTTP, cut to the login's stores.

The cut-offs are the server's config file (``products: roles:`` of $SHOPLENS_CONFIG or ./shoplens.yaml);
``format=csv`` answers the CLI's ``--format csv`` rows, with the notes in the ``X-Shoplens-Notes`` header.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_csv, as_json
from shoplens.server.routes_analyses import FORMAT, FROM, STORE, TO, Format
from shoplens.server.validation import Day

router = APIRouter(tags=["products"])


@router.get("/products/roles")
def product_roles(start: Day | None = FROM, end: Day | None = TO, store: list[str] | None = STORE,
                  format: Format = FORMAT, s: Session = Depends(viewer)) -> Response:
    """Role of every on-sale SKU against its category's medians: per-SKU numbers, role and reason, summary per
    role, quadrant points (traffic and conversion relative to the category median)."""
    from shoplens.analyses.products.roles import product_roles as run

    stores = s.stores(store)
    result = s.answer(stores, run, start=start, end=end)
    if format == "csv":
        return as_csv(*result.csv_table(), "product_roles.csv", notes=result.notes)
    return as_json(result.to_dict())
