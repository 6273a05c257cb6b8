"""Product names next to product ids in metric rows: ``product_name`` right after ``product``.

Sellers read names, not SKU ids. A name is an attribute of the row, not a metric: it is not in the
catalog and is looked up after aggregation, in one DuckDB query over only the product ids of the
result (a handful of rows), never by reading the catalog into pandas.

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
# the names of some product ids in some stores; store order decides which name wins without --by store
LOOKUP_SQL = ("SELECT store_id, product_id, name FROM products"
              " WHERE name IS NOT NULL AND store_id IN (SELECT unnest($stores))"
              " AND product_id IN (SELECT unnest($ids)) ORDER BY store_id, product_id")


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


def lookup(con: duckdb.DuckDBPyConnection, stores: Sequence[str], ids: Sequence[str]) -> dict[tuple[str, str], str]:
    """(store, product id) -> name, in store-id order (bound parameters: ids are data, never SQL text)."""
    if not stores or not ids:
        return {}
    found = con.execute(LOOKUP_SQL, {"stores": list(stores), "ids": list(ids)}).fetchall()
    return {(store, pid): name for store, pid, name in found}


def with_names(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], dims: Sequence[str],
               stores: Sequence[str]) -> list[dict[str, Any]]:
    """``rows`` with ``product_name`` after ``product`` (unchanged when ``product`` is not a dimension)."""
    if PRODUCT not in dims:
        return rows
    ids = sorted({str(r[PRODUCT]) for r in rows if r.get(PRODUCT) is not None})
    names = lookup(con, sorted(stores), ids)
    first: dict[str, str] = {}
    for (_, pid), name in names.items():  # store-id order: the first store's name wins
        first.setdefault(pid, name)
    by_store = "store" in dims

    def name_of(row: dict[str, Any]) -> str | None:
        pid = row.get(PRODUCT)
        if pid is None:
            return None
        return names.get((row.get("store"), str(pid))) if by_store else first.get(str(pid))

    if not rows:
        return rows
    keys = list(rows[0])  # every row of an answer has the same keys, in the same order
    at = keys.index(PRODUCT) + 1
    named = [*keys[:at], NAME, *keys[at:]]
    return [dict(zip(named, (*values[:at], name_of(row), *values[at:]), strict=True))
            for row in rows for values in [tuple(row.values())]]
