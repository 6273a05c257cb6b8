"""The forecast's result: the issue's JSON (grain, as_of, horizon, products, summary) plus notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from shoplens.analyses.result import Result


@dataclass(frozen=True)
class ForecastResult(Result):
    grain: str
    as_of: str
    horizon: int
    store: str
    products: list[dict[str, Any]]
    summary: dict[str, Any] | None
    promotions: str = "replaced_by_baseline"
    notes: dict[str, Any] = field(default_factory=dict)

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = (
        "product_id", "method", "period", "value", "lo80", "hi80", "lo95", "hi95", "wape", "mase", "naive_wape",
        "seasonal_naive_wape")

    def table_rows(self) -> list[dict[str, Any]]:
        rows = []
        for p in self.products:
            bt = p.get("backtest") or {}
            for f in p["forecast"]:
                rows.append({"product_id": p["product_id"], "method": p["method"], **f,
                             **{k: bt.get(k) for k in ("wape", "mase", "naive_wape", "seasonal_naive_wape")}})
        return rows
