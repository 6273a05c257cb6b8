"""Measures that are not one aggregate per period: snapshots at each period's end, per-user windows, ranks.

A builder gets the filtered source SQL it asks for (the query's --where already applied through
Ibis, so user values arrive as quoted literals) and returns SQL with ``_period`` (timestamp of
the period start), ``store_id``, the requested dimensions and ``value``. The engine sums ``value``
over stores. Choices that decide numbers:
- customers / dormant / LTV are as of each period's last day (in range), over all history;
- retention counts a visitor in the period of the first visit, only when the whole N-day window
  lies within the store's data (the last event day), returning on day 1..N after the first day;
- slow-moving: on-sale SKUs with no paid unit in the N days up to the period's last day;
- top sellers: the top ceil(10 %) of SKUs with sales in the period, by sales.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from shoplens.metrics.periods import IBIS_UNIT, Period
from shoplens.warehouse.scope import Scope

DUCK_UNIT = {"h": "hour", "D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


@dataclass
class BuildContext:
    scope: Scope
    grain: str | None
    periods: list[Period]
    dims: tuple[str, ...]
    params: dict
    # (source, needed columns, start, end) -> filtered source SQL; None bounds mean "all history"
    source: Callable[[str, frozenset[str], date | None, date | None], str] = field(repr=False)

    @property
    def start(self) -> date:
        return self.periods[0].first

    @property
    def end(self) -> date:
        return self.periods[-1].last

    def period_of(self, expr: str) -> str:
        """The period start of a local timestamp/date expression."""
        if self.grain is None:
            return f"TIMESTAMP '{self.start.isoformat()} 00:00:00'"
        return f"date_trunc('{DUCK_UNIT[IBIS_UNIT[self.grain]]}', CAST({expr} AS TIMESTAMP))"

    def periods_sql(self) -> str:
        rows = ", ".join(f"(TIMESTAMP '{p.start.isoformat()} 00:00:00', DATE '{p.first.isoformat()}', "
                         f"DATE '{p.last.isoformat()}')" for p in self.periods)
        return f"(VALUES {rows}) per(_period, p_first, p_last)"

    def dim_cols(self, alias: str) -> str:
        return "".join(f", {alias}.{d}" for d in self.dims)


@dataclass(frozen=True)
class Builder:
    dims: frozenset[str]
    build: Callable[[BuildContext], str]
    sources: frozenset[str]  # every source ``build`` reads through ``ctx.source`` (decides segment scope)
    grains: tuple[str | None, ...] = (None, "day", "week", "month", "quarter", "year")


def _customers_to_date(ctx: BuildContext) -> str:
    src = ctx.source("orders", frozenset({"user_id"}), None, ctx.end)
    return (f"WITH f AS (SELECT store_id, user_id, min(CAST(_ts AS DATE)) AS fd FROM ({src}) WHERE user_id IS NOT NULL"
            f" GROUP BY ALL) SELECT per._period, f.store_id, count(*) AS value FROM {ctx.periods_sql()}"
            " JOIN f ON f.fd <= per.p_last GROUP BY ALL")


def _dormant_customers(ctx: BuildContext) -> str:
    days = int(ctx.params.get("days", 180))
    src = ctx.source("orders", frozenset({"user_id"}), None, ctx.end)
    return (f"WITH ud AS (SELECT DISTINCT store_id, user_id, CAST(_ts AS DATE) AS d FROM ({src})"
            " WHERE user_id IS NOT NULL), f AS (SELECT store_id, user_id, min(d) AS fd FROM ud GROUP BY ALL),"
            f" total AS (SELECT per._period, f.store_id, count(*) AS n FROM {ctx.periods_sql()}"
            " JOIN f ON f.fd <= per.p_last GROUP BY ALL),"
            f" active AS (SELECT per._period, ud.store_id, count(DISTINCT ud.user_id) AS n FROM {ctx.periods_sql()}"
            f" JOIN ud ON ud.d > per.p_last - {days} AND ud.d <= per.p_last GROUP BY ALL)"
            " SELECT total._period, total.store_id, total.n - coalesce(active.n, 0) AS value FROM total"
            " LEFT JOIN active ON active._period = total._period AND active.store_id = total.store_id")


def _buyer_gmv_to_date(ctx: BuildContext) -> str:
    src = ctx.source("orders", frozenset({"user_id", "gross_amount_rc"}), None, ctx.end)
    return (f"WITH daily AS (SELECT store_id, CAST(_ts AS DATE) AS d, sum(gross_amount_rc) AS g FROM ({src})"
            f" WHERE user_id IS NOT NULL GROUP BY ALL) SELECT per._period, daily.store_id, sum(daily.g) AS value"
            f" FROM {ctx.periods_sql()} JOIN daily ON daily.d <= per.p_last GROUP BY ALL")


def _first_visits(ctx: BuildContext) -> str:
    days = int(ctx.params["days"])
    src = ctx.source("events", frozenset({"user_id"}), None, None)
    return (f"WITH ud AS (SELECT DISTINCT store_id, user_id, CAST(_ts AS DATE) AS d FROM ({src})),"
            " f AS (SELECT store_id, user_id, min(d) AS fd FROM ud GROUP BY ALL),"
            " ld AS (SELECT store_id, max(d) AS last_day FROM ud GROUP BY ALL),"
            " cohort AS (SELECT f.* FROM f JOIN ld USING (store_id)"
            f" WHERE f.fd >= DATE '{ctx.start.isoformat()}' AND f.fd <= DATE '{ctx.end.isoformat()}'"
            f" AND f.fd + {days} <= ld.last_day)")


def _retention_base(ctx: BuildContext) -> str:
    return (_first_visits(ctx) + f" SELECT {ctx.period_of('cohort.fd')} AS _period, cohort.store_id,"
            " count(*) AS value FROM cohort GROUP BY ALL")


def _retained(ctx: BuildContext) -> str:
    days = int(ctx.params["days"])
    return (_first_visits(ctx) + f" SELECT {ctx.period_of('cohort.fd')} AS _period, cohort.store_id,"
            " count(DISTINCT cohort.user_id) AS value FROM cohort JOIN ud ON ud.store_id = cohort.store_id"
            f" AND ud.user_id = cohort.user_id AND ud.d > cohort.fd AND ud.d <= cohort.fd + {days} GROUP BY ALL")


def _slow_moving_skus(ctx: BuildContext) -> str:
    days = int(ctx.params.get("days", 30))
    needs = frozenset(ctx.dims) | {"product"}
    on_sale = ctx.source("products", needs | {"status"}, None, None)
    first = min(p.last for p in ctx.periods) - timedelta(days=days - 1)
    sold = ctx.source("items", frozenset({"product"}), first, ctx.end)
    dims = "".join(f", {d}" for d in ctx.dims if d != "product")
    return (f"WITH s AS (SELECT DISTINCT store_id, product{dims} FROM ({on_sale}) WHERE status = 'on_sale'),"
            f" sold AS (SELECT DISTINCT store_id, product, CAST(_ts AS DATE) AS d FROM ({sold}))"
            f" SELECT per._period, s.store_id{ctx.dim_cols('s')}, count(*) AS value FROM {ctx.periods_sql()}, s"
            " WHERE NOT EXISTS (SELECT 1 FROM sold x WHERE x.store_id = s.store_id AND x.product = s.product"
            f" AND x.d > per.p_last - {days} AND x.d <= per.p_last) GROUP BY ALL")


def _top_seller_sales(ctx: BuildContext) -> str:
    share = float(ctx.params.get("share", 0.1))
    src = ctx.source("items", frozenset(ctx.dims) | {"product", "line_amount_rc"}, ctx.start, ctx.end)
    keys = "_period, store_id" + "".join(f", {d}" for d in ctx.dims)
    return (f"WITH s AS (SELECT {ctx.period_of('_ts')} AS _period, store_id{ctx.dim_cols('src')}, product,"
            f" sum(line_amount_rc) AS sales FROM ({src}) src WHERE product IS NOT NULL GROUP BY ALL),"
            f" r AS (SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY sales DESC, product) AS rn,"
            f" count(*) OVER (PARTITION BY {keys}) AS n FROM s)"
            f" SELECT {keys}, sum(sales) AS value FROM r WHERE rn <= ceil(n * {share}) GROUP BY ALL")


STORE = frozenset({"store"})
ORDERS, EVENTS, ITEMS = frozenset({"orders"}), frozenset({"events"}), frozenset({"items"})
BUILDERS: dict[str, Builder] = {
    "customers_to_date": Builder(STORE, _customers_to_date, ORDERS),
    "dormant_customers": Builder(STORE, _dormant_customers, ORDERS),
    "buyer_gmv_to_date": Builder(STORE, _buyer_gmv_to_date, ORDERS),
    "retention_base": Builder(STORE, _retention_base, EVENTS),
    "retained": Builder(STORE, _retained, EVENTS),
    # on-sale SKUs of the (store-wide) catalog against the paid units of the query's buyers
    "slow_moving_skus": Builder(frozenset({"store", "category", "brand", "product"}), _slow_moving_skus,
                                frozenset({"products", "items"})),
    "top_seller_sales": Builder(frozenset({"store", "category", "brand"}), _top_seller_sales, ITEMS),
}
