"""GET /api/v1/forecast: the CLI's `shoplens forecast --format json` (format=csv: its CSV), cut to the login's
stores (one store per request: the login's only store by default)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Response

from shoplens.params import split_values
from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_csv, as_json
from shoplens.server.validation import Day

router = APIRouter(tags=["products"])


@router.get("/forecast")
def forecast(product: list[str] | None = Query(None, description="SKU ids, comma-separated or repeated"),
             klass: str | None = Query(None, alias="class", description="A: the ABC class-A SKUs"),
             top: int | None = Query(None, ge=1, le=100_000, description="the N best sellers (default 20)"),
             grain: Literal["day", "week"] = "day", horizon: int = Query(8, ge=1, le=366),
             as_of: Day | None = Query(None, description="last local day read (default: the last day with data)"),
             backtest: bool = False,
             store: list[str] | None = Query(None, description="one store id (default: the login's only store)"),
             format: Literal["json", "csv"] = "json", s: Session = Depends(viewer)) -> Response:
    """Units per SKU with 80/95 % intervals, the method chosen per SKU by backtest; backtest=true adds WAPE/MASE
    against the naive and seasonal-naive forecasts."""
    from shoplens.analyses.forecast import forecast as run

    stores = s.stores(store)
    result = s.answer(stores, run, products=split_values(product) or None, klass=klass, top=top, grain=grain,
                      horizon=horizon, as_of=as_of, backtest=backtest)
    if format == "csv":
        return as_csv(*result.csv_table(), "forecast.csv", notes=result.notes)
    return as_json(result.to_dict())
