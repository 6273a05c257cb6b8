"""Product names next to product ids in metric rows: ``product_name`` right after ``product``.

Sellers read names, not SKU ids. A name is an attribute of the row, not a metric: it is not in the
catalog and is looked up after aggregation. The names are read once per data version (one small query:
ids, stores and names only), and looked up in Python for each row: results of 50 k SKUs are common, and a
query per result cost more than the lookups.

Which store's name: ``products`` holds one row per store and product id, and two stores may give the
same id different names. A row cut by ``store`` takes its own store's name. Otherwise the row sums
every store of the query (``--store`` / the login's stores, narrowed by ``--where store=``), and it
takes the name of the first of those stores, in store-id order, whose catalog names the product (the
one name when they agree). No catalog row, or no name: null.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import duckdb

NAME = "product_name"
PRODUCT = "product"
# every named product of the warehouse, read once per data version: product id -> [(store, name)], store order
# decides which name wins without --by store
CATALOG_SQL = "SELECT product_id, store_id, name FROM products WHERE name IS NOT NULL ORDER BY product_id, store_id"


def label_columns(dims: Iterable[str]) -> list[str]:
    """The key columns of a result's rows for ``dims``: ``product_name`` right after ``product``."""
    out: list[str] = []
    for dim in dims:
        out += [dim, NAME] if dim == PRODUCT else [dim]
    return out


def query_stores(store_ids: Sequence[str], where: dict[str, tuple[str, ...]]) -> list[str]:
    """The stores whose data a row can hold: the query's stores, narrowed by ``--where store=``."""
    wanted = set(where.get("store", store_ids))
    return [s for s in store_ids if s in wanted]


def catalog_names(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[tuple[str, str], ...]]:
    """Product id -> its (store, name) pairs in store-id order (the engine keeps it per data version; read as
    columns, not row tuples: half the time for 50 k products)."""
    cols = con.execute(CATALOG_SQL).fetchnumpy()
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for pid, store, name in zip(*(cols[k].tolist() for k in ("product_id", "store_id", "name")), strict=True):
        out[pid] = (*out[pid], (store, name)) if pid in out else ((store, name),)
    return out


def with_names(names: dict[str, tuple[tuple[str, str], ...]], columns: dict[str, list[Any]], dims: Sequence[str],
               stores: Sequence[str]) -> dict[str, list[Any]]:
    """An answer's columns with ``product_name`` after ``product`` (unchanged when ``product`` is not a
    dimension); ``names`` from :func:`catalog_names`."""
    if PRODUCT not in dims or PRODUCT not in columns:
        return columns
    by_store = "store" in dims
    wanted = set(stores)

    def name_of(pid: Any, store: Any) -> str | None:
        """The row's own store's name when cut by store, else the first of the query's stores that names it."""
        for s, name in names.get(str(pid), ()) if pid is not None else ():
            if (s == store) if by_store else (s in wanted):
                return name
        return None

    row_stores = columns["store"] if by_store else [None] * len(columns[PRODUCT])
    named = [name_of(p, s) for p, s in zip(columns[PRODUCT], row_stores, strict=True)]
    out: dict[str, list[Any]] = {}
    for key, values in columns.items():
        out[key] = values
        if key == PRODUCT:
            out[NAME] = named
    return out
