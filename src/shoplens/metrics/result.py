"""What a metric query returns (:class:`MetricResult`: rows + context, the JSON contract) and the
small helpers that shape its rows."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from shoplens.metrics import assemble as A
from shoplens.metrics.periods import label


@dataclass
class MetricResult:
    metrics: list[str]
    dims: list[str]
    grain: str | None
    start: date
    end: date
    compare: str | None
    rows: list[dict[str, Any]]
    currency: str | None
    sql: list[str] = field(default_factory=list, repr=False)
    segment: str | None = None  # the segment's name (or rule text) when the query was restricted to one
    # metric id -> why it is null in every row: under a segment, a metric reading ad spend, inventory or
    # products ({"reason": "mixed" | "store_wide", "store_wide_sources": [...], "zh": ..., "en": ...})
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # currency: null when the rows are per store in each store's own (each row then has its "currency");
    # converted: amounts were converted to ``currency`` with fx_rates of each local day (--currency)
    converted: bool = False
    # store -> metric -> the table(s) its numbers came from ("events", "orders", "traffic_daily",
    # "orders+traffic_daily"): a store without events answers from platform reports (metrics/traffic_source.py)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)

    def copy(self) -> MetricResult:
        """A copy the caller may change freely (the engine caches results and hands out copies), without the
        cost of ``copy.deepcopy`` over the rows (~1 s per 50 k rows): a new rows list of new row dicts (row values
        are plain scalars: str, numbers, dates, None), deep copies of the small parts (notes, sources, lists)."""
        return replace(self, metrics=list(self.metrics), dims=list(self.dims), rows=[dict(r) for r in self.rows],
                       sql=list(self.sql), notes=copy.deepcopy(self.notes), sources=copy.deepcopy(self.sources))

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``{"metrics": [...], "rows": [...]}`` plus the query's context."""
        return {"metrics": self.metrics, "dimensions": self.dims, "grain": self.grain,
                "from": self.start.isoformat(), "to": self.end.isoformat(), "compare": self.compare,
                "currency": self.currency, "converted": self.converted,
                "segment": self.segment, "notes": self.notes, "sources": self.sources, "rows": self.rows}

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def clean_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float):
        return round(value, 10)
    return value


def with_null_columns(frame: pd.DataFrame, metric_ids: list[str], nulls: list[str], by: tuple[str, ...],
                  compare: str | None) -> pd.DataFrame:
    """Null columns (value, comparison, change) for ``nulls``, every column in the order of ``metric_ids``."""
    if not nulls:
        return frame
    suffixes = ["", f"__{compare}", f"__{compare}_change"] if compare else [""]
    frame = frame.assign(**{m + s: np.nan for m in nulls for s in suffixes})
    ordered = [c for c in (A.PERIOD, *by) if c in frame.columns] + [m + s for s in suffixes for m in metric_ids]
    return frame[ordered + [c for c in frame.columns if c not in ordered]]


def _rounded_column(values: list[Any], digits: int | None) -> list[Any]:
    """A column of the answer: :func:`clean_value` per cell, then whole (``digits`` 0) or to ``digits``
    decimals; the same values as one call per cell, in one pass (50 k SKU rows are common)."""
    if digits is None:
        return [(None if v != v else round(v, 10)) if isinstance(v, float) else v for v in values]
    if digits == 0:
        return [(None if v != v else round(round(v, 10))) if isinstance(v, float) else
                None if v is None else round(v) for v in values]
    return [(None if v != v else round(round(v, 10), digits)) if isinstance(v, float) else
            None if v is None else round(v, digits) for v in values]


def answer_columns(frame: pd.DataFrame, req: Any, catalog: Any) -> dict[str, list[Any]]:
    """The answer's columns (name -> one value per row, rows sorted): clean Python values (NaN -> None, floats
    to 10 decimals), counts as whole numbers and summed money to 4 decimals. :func:`rows_of` makes the rows."""
    if A.PERIOD in frame.columns:
        frame = frame.sort_values([A.PERIOD, *req.by], na_position="last")
    elif req.by:
        frame = frame.sort_values(list(req.by), na_position="last")
    count_like = {m for m in req.metric_ids if catalog.metrics[m].unit == "count"}
    money = {m for m in req.metric_ids if catalog.is_additive(m) and catalog.metrics[m].unit != "count"}
    columns: dict[str, list[Any]] = {}
    if req.grain:
        columns["period"] = [label(pd.Timestamp(v).to_pydatetime(), req.grain) for v in frame[A.PERIOD].tolist()]
    for d in req.by:
        columns[d] = [clean_value(v) for v in frame[d].tolist()]
    for k in frame.columns:
        if k == A.PERIOD or k in req.by:
            continue
        plain = not k.endswith(("_change", "__attainment"))
        base = k.split("__")[0]
        digits = 0 if plain and base in count_like else 4 if plain and base in money else None
        columns[k] = _rounded_column(frame[k].tolist(), digits)
    return columns


def rows_of(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """One dict per row, keys in column order."""
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]
