"""`shoplens info`: what is in the warehouse, table by table, computed through Ibis."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shoplens.model import TABLES
from shoplens.warehouse.connection import Warehouse


@dataclass
class TableInfo:
    rows: int
    min_ts: str | None
    max_ts: str | None


@dataclass
class WarehouseInfo:
    path: str
    schema_version: int
    stores: list[dict[str, Any]]
    tables: dict[str, TableInfo] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "schema_version": self.schema_version,
            "stores": self.stores,
            "tables": {name: vars(t) for name, t in self.tables.items()},
        }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def warehouse_info(wh: Warehouse, store: str | None = None) -> WarehouseInfo:
    """Row count and min/max of each table's time column (UTC), optionally for one store."""
    from shoplens.warehouse.migrations import current_version

    stores_t = wh.table("stores")
    if store is not None:
        stores_t = stores_t.filter(stores_t.store_id == store)
    stores = stores_t.select("store_id", "name", "platform", "reporting_currency", "timezone") \
        .order_by("store_id").to_pyarrow().to_pylist()
    result = WarehouseInfo(str(wh.path), current_version(wh.con), stores)
    for spec in TABLES:
        t = wh.table(spec.name)
        if store is not None:
            t = t.filter(t.store_id == store)
        aggs = {"rows": t.count()}
        if spec.time_column:
            col = t[spec.time_column]
            aggs |= {"min_ts": col.min(), "max_ts": col.max()}
        row = t.aggregate(**aggs).to_pyarrow().to_pylist()[0]
        result.tables[spec.name] = TableInfo(int(row["rows"]), _iso(row.get("min_ts")), _iso(row.get("max_ts")))
    return result
