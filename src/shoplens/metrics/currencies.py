"""Stores that report in different currencies: per-store rows, never a sum of CNY and USD.

Money is summed in each store's reporting currency (the ``*_rc`` columns). When a query covers
stores whose currencies differ and no ``--currency`` is given, a total across them would add
yuan to dollars, so:

- a query whose metrics read money (GMV, AOV, ROI, refund amounts, a ratio of two amounts, ...)
  is cut **by store** (``store`` is added to its dimensions), and each row carries the
  ``currency`` its amounts are in (the store's reporting currency);
- a query of metrics without money (visitors, orders, conversion rate, ...) is answered as one
  total, since a count does not depend on a currency; its ``currency`` is null;
- ``--currency CUR`` converts every store's amounts with ``fx_rates`` of each local day and gives
  totals across stores, labelled as converted.

The result's ``currency`` is null when its rows are in several currencies.
"""

from __future__ import annotations

from typing import Any

from shoplens.metrics.plan import Request, needed_measures
from shoplens.metrics.spec import Catalog
from shoplens.warehouse.scope import Scope

# the source columns that hold money in the store's reporting currency (metrics/sources.py)
MONEY_COLUMNS = frozenset({"gross_amount_rc", "discount_rc", "line_amount_rc", "line_cost_rc", "amount_rc",
                           "spend_rc", "cost_rc", "stock_cost_rc"})
# builders that sum money themselves (metrics/builders.py); a test checks this list against their SQL
MONEY_BUILDERS = frozenset({"buyer_gmv_to_date", "top_seller_sales"})


def reads_money(catalog: Catalog, req: Request) -> bool:
    """Whether any measure the request's metrics need (by_product replacements included) sums money."""
    plain, totals = needed_measures(catalog, req)
    for mid in {*plain.values(), *totals.values()}:
        m = catalog.measures[mid]
        columns = {m.column} | {c.column for c in m.where}
        if columns & MONEY_COLUMNS or (m.agg == "builder" and m.builder in MONEY_BUILDERS):
            return True
    return False


def mixed(scope: Scope) -> bool:
    """The scope's stores report in several currencies and nothing converts them to one."""
    return scope.currency is None and len({s.currency for s in scope.stores}) > 1


def split_by_store(catalog: Catalog, scope: Scope, req: Request) -> tuple[str, ...]:
    """The request's dimensions, with ``store`` first when its money would otherwise mix currencies."""
    if "store" in req.by or not mixed(scope) or not reads_money(catalog, req):
        return req.by
    return ("store", *req.by)


def result_currency(scope: Scope) -> str | None:
    """One currency for the whole result, or None when its rows are in each store's own."""
    if scope.currency:
        return scope.currency
    currencies = {s.currency for s in scope.stores}
    return currencies.pop() if len(currencies) == 1 else None


def with_currency(columns: dict[str, list[Any]], scope: Scope, keys: list[str]) -> dict[str, list[Any]]:
    """A mixed-currency answer's columns (cut by store) with each row's store ``currency`` right after ``keys``."""
    if not mixed(scope) or "store" not in keys or "store" not in columns:
        return columns
    of = {s.store_id: s.currency for s in scope.stores}
    currency = [of.get(s) for s in columns["store"]]
    out: dict[str, list[Any]] = {}
    for key, values in columns.items():
        if key not in keys and "currency" not in out:
            out["currency"] = currency
        out[key] = values
    out.setdefault("currency", currency)
    return out
