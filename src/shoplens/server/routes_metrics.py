"""The KPI catalog and metric queries: the same parameters and JSON as ``shoplens metrics``."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from shoplens.params import split_values, where_pairs
from shoplens.server.deps import Session, viewer
from shoplens.server.respond import as_json, records_csv
from shoplens.server.validation import Day

STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")
router = APIRouter(tags=["metrics"])


@router.get("/metrics/catalog")
def catalog(s: Session = Depends(viewer)) -> Response:
    """Every metric (id, zh/en name and definition, unit, formula, dimensions) and the dimensions."""
    from shoplens.metrics import load_catalog
    from shoplens.metrics.spec import catalog_rows

    cat = load_catalog()
    return as_json({"metrics": catalog_rows(cat),
                    "dimensions": {d.id: {"zh": d.zh, "en": d.en} for d in cat.dimensions.values()},
                    "values": value_names()})


def value_names() -> dict[str, dict[str, list[str]]]:
    """The names of enumerated values (``shoplens.value_labels``: carriers, statuses, tiers, ...), one table per
    dimension, aliases included (``first_channel`` reads channel's): the dashboard's one source for them."""
    from shoplens.value_labels import ALIASES, VALUES

    tables = {dim: {v: list(names) for v, names in values.items()} for dim, values in VALUES.items()}
    return tables | {alias: tables[dim] for alias, dim in ALIASES.items() if dim in tables}


def metric_query(wh: Any, **options: Any) -> Any:
    """``MetricsEngine.query`` (what the route and the cache warm-up compute)."""
    from shoplens.analyses.segments import SegmentMetricsEngine

    return SegmentMetricsEngine(wh).query(**options)


@router.get("/metrics")
def query(metrics: str = Query(..., min_length=1, description="ids, comma-separated: gmv,uv,conversion_rate"),
          by: list[str] | None = Query(None, description="dimensions (comma-separated or repeated)"),
          grain: str | None = None, start: Day | None = Query(None, alias="from"),
          end: Day | None = Query(None, alias="to"), compare: str | None = None,
          where: list[str] | None = Query(None, description="DIM=VALUE, repeatable"),
          store: list[str] | None = STORE, currency: str | None = None, sort: str | None = None,
          limit: int | None = Query(None, ge=1, le=100_000), segment: str | None = None,
          format: Literal["json", "csv"] = "json", s: Session = Depends(viewer)) -> Response:
    """A metric query; `rows` as in `shoplens metrics ... --format json` (or CSV with format=csv)."""
    result = s.answer(s.stores(store), metric_query, metrics=metrics, by=split_values(by), grain=grain, start=start,
                      end=end, compare=compare, where=where_pairs(where), currency=currency, sort=sort, limit=limit,
                      segment=segment)
    data: dict[str, Any] = result.to_dict()
    if format == "csv":
        return records_csv(data["rows"], "metrics.csv", data.get("notes"))  # why numbers may be 0, as a header
    return as_json(data)
