"""RFM: recency, frequency and monetary value per customer, quantile scores and named tiers.

Definitions (docs/behaviour.md#rfm-tiers) — they decide the numbers:

- **customer**: a ``(store_id, user_id)`` with at least one paid order (``PAID_ORDER``: paid_ts set,
  or status paid/shipped/delivered; a paid order cancelled later still counts, as in GMV) paid on a
  local day from the context's start (default: all history) up to and including ``as_of``
  (default: the context's last day = the last data day; one as-of for all the context's stores).
  Guest orders (no user id) are nobody's.
- **R** ``recency_days`` = ``as_of`` - local day of the last paid order (store time zone), 0 = bought
  on ``as_of``; **F** ``frequency`` = paid orders; **M** ``monetary`` = their GMV, the sum of
  ``gross_amount_rc`` in the store's reporting currency — the catalog's ``gmv`` (before discounts
  and refunds), so tier GMV adds up to the metrics engine's GMV of the same orders.
- A store that imported no orders (events only, e.g. Taobao) uses its ``purchase`` events as orders
  (one per order id, like the metrics engine): F counts them, M is NULL and the M score is skipped
  (``m_score`` NULL; rules on M treat it as unknown).
- **Scores** 1..bins are computed per store, in the database, from ranks with ties sharing a score:
  ``score = 1 + floor(bins * below / n)`` where ``below`` = the store's customers with a strictly
  worse value (R: an earlier last order day; F, M: a smaller value) and ``n`` = its customers (with
  an amount, for M). Distinct values give equal groups (``ntile``); a tie never splits, and a
  customer only scores above 1 by beating others — so the crowd of one-order buyers gets F = 1.
- **Tiers**: ``rfm_tiers.RULES`` (first matching rule wins).
- **Win-back**: customers whose last paid order is ``days`` or more local days before ``as_of``.
- ``--where`` keeps orders by ``channel``, ``device``, ``country`` (the order's own columns) before
  scoring; a segment keeps the scored customers who are its members (scores stay store-wide).
- Money is never added across currencies: over stores with different reporting currencies the tier
  table has no GMV columns and ``by_store`` gives each store's table in its own currency; customer
  lists carry each row's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd

from shoplens.analyses.context import Context, open_context
from shoplens.analyses.filters import Condition, conditions_sql, parse_where, whole_number
from shoplens.analyses.result import Result, ratio
from shoplens.analyses.rfm_tiers import RULES, TIERS, check_bins, find_tier, levels, tier_case_sql
from shoplens.errors import ShoplensError
from shoplens.metrics.sources import paid_orders_sql
from shoplens.warehouse.scope import lit

__all__ = ["TIERS", "CustomerList", "CustomerRow", "RfmResult", "TierRow", "customer_list", "customer_scores_sql",
           "customers", "rfm", "tier_table", "win_back"]

WIN_BACK_DAYS = (90, 180)
ORDER_WHERE_KEYS = ("channel", "device", "country")  # --where keys that orders carry
MAX_DAYS = 36_500  # win-back days: a century
MAX_LIMIT = 1_000_000_000  # rows of a customer list


# ---- arguments (the CLI and the Python API both come through tier_table / customer_list) ---------------
def _as_of(as_of: Any) -> date | None:
    from shoplens.analyses.segments.compile import check_day

    return check_day(as_of, "as_of")


def _tier(tier: Any) -> str | None:
    if tier is None or tier == "":
        return None
    if not isinstance(tier, str):
        raise ShoplensError(f"tier {tier!r} is not a tier name", hint=f"one of {', '.join(TIERS)}",
                            zh=f"tier {tier!r} 不是分层名称", zh_hint=f"可用：{', '.join(TIERS)}")
    return find_tier(tier)


# ---- SQL ------------------------------------------------------------------------------------------
def _stores_without_orders(ctx: Context) -> tuple[str, ...]:
    ids = ctx.scope.store_ids
    found = {r[0] for r in ctx.wh.con.execute(
        f"SELECT DISTINCT store_id FROM orders WHERE store_id IN ({', '.join(lit(s) for s in ids)})").fetchall()}
    return tuple(s for s in ids if s not in found)


def _order_conditions(ctx: Context) -> str:
    _order_keys(ctx.where)
    return conditions_sql(ctx.where, "o")


def _order_keys(conditions: Any) -> None:
    """Keys orders carry, or an error (before any value is looked up: the key is the first mistake)."""
    parsed = conditions if isinstance(conditions, tuple) and all(isinstance(c, Condition) for c in conditions) \
        else parse_where(conditions)
    bad = [c.text for c in parsed if c.key not in ORDER_WHERE_KEYS]
    if bad:
        keys = ", ".join(ORDER_WHERE_KEYS)
        raise ShoplensError(f"RFM cannot filter orders by {', '.join(bad)}", hint=f"orders can be filtered by {keys}",
                            zh=f"RFM 无法按 {', '.join(bad)} 筛选订单", zh_hint=f"订单可按 {keys} 筛选")


def _score_sql(value: str, bins: int, counted: str = "*") -> str:
    """1 + floor(bins * (customers with a strictly smaller value) / customers), per store."""
    below = f"(rank() OVER (PARTITION BY store_id ORDER BY {value} ASC NULLS LAST) - 1)"
    return f"CAST(1 + ({bins} * {below}) // count({counted}) OVER (PARTITION BY store_id) AS INTEGER)"


def customer_scores_sql(ctx: Context, as_of: date | None = None, bins: int = 5) -> str:
    """SELECT one row per customer: ``store_id, user_id, last_day, recency_days, frequency, monetary,
    r_score, f_score, m_score, tier`` (see the module docstring for the definitions).

    Called by segments and the user timeline: pass a context without a segment when a segment is
    defined by RFM tiers (the segment filter calls back into its members).
    """
    check_bins(bins)
    as_of = as_of or ctx.end
    scope = ctx.scope.with_range(ctx.start, as_of)
    orders = paid_orders_sql(scope, _stores_without_orders(ctx))
    day = f"CAST({scope.local('o', 'o.pay_ts')} AS DATE)"
    m_score = f"CASE WHEN monetary IS NOT NULL THEN {_score_sql('monetary', bins, 'monetary')} END"
    sql = (
        f"WITH o AS (SELECT o.store_id, o.user_id, {day} AS day, o.gross_amount_rc FROM ({orders}) o"
        f" WHERE o.user_id IS NOT NULL AND o.user_id <> '' AND {scope.ts_range('o', 'o.pay_ts')}"
        f" AND {_order_conditions(ctx)}),"
        " c AS (SELECT store_id, user_id, max(day) AS last_day, count(*) AS frequency,"
        " sum(gross_amount_rc) AS monetary FROM o GROUP BY store_id, user_id),"
        f" s AS (SELECT *, CAST(date_diff('day', last_day, DATE '{as_of.isoformat()}') AS INTEGER) AS recency_days,"
        f" {_score_sql('last_day', bins)} AS r_score, {_score_sql('frequency', bins)} AS f_score,"
        f" {m_score} AS m_score FROM c)"
        " SELECT s.store_id, s.user_id, s.last_day, s.recency_days, s.frequency, s.monetary,"
        f" s.r_score, s.f_score, s.m_score, {tier_case_sql(bins, 's')} AS tier FROM s"
    )
    if ctx.segment:
        sql += f" WHERE {ctx.in_segment('s')}"
    return sql


# ---- results --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TierRow:
    tier: str
    name_zh: str
    name_en: str
    customers: int
    share: float | None  # of all customers
    gmv: float | None  # reporting currency; None when no store has order amounts
    gmv_share: float | None
    avg_recency_days: float | None
    avg_frequency: float | None
    avg_monetary: float | None


@dataclass(frozen=True)
class RfmResult(Result):
    as_of: date
    bins: int
    customers: int
    tiers: tuple[TierRow, ...]
    win_back: dict[str, int]  # "90" / "180" -> customers with no paid order for that many days
    stores: tuple[str, ...] = ()
    currency: str | None = None
    gmv: float | None = None
    levels: dict[str, int] = field(default_factory=dict)  # low_max, high_min
    by_store: tuple[RfmResult, ...] = ()  # stores in several currencies: each store's table in its own
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # why the table is empty, when it is

    def table_rows(self) -> list[dict[str, Any]]:
        return [dict(vars(t)) for t in self.tiers]


@dataclass(frozen=True)
class CustomerRow:
    store_id: str
    user_id: str
    tier: str
    last_day: date
    recency_days: int
    frequency: int
    monetary: float | None
    currency: str
    r_score: int
    f_score: int
    m_score: int | None


@dataclass(frozen=True)
class CustomerList(Result):
    as_of: date
    bins: int
    tier: str | None  # None = every tier
    min_recency_days: int | None  # win-back lists: last paid order at least this many days before as_of
    total: int  # matching customers (rows may be cut by ``limit``)
    rows: tuple[CustomerRow, ...]

    def table_rows(self) -> list[dict[str, Any]]:
        return [dict(vars(r)) for r in self.rows]


# ---- service functions ----------------------------------------------------------------------------
def rfm(wh: Any, *, as_of: date | None = None, bins: int = 5, store: Any = None, where: Any = None,
        segment: str | None = None) -> RfmResult:
    """Tier sizes, GMV shares, average R/F/M and win-back counts as of ``as_of`` (default: last data day)."""
    check_bins(bins)
    as_of = _as_of(as_of)
    _order_keys(where)
    return tier_table(open_context(wh, store=store, where=where, segment=segment), as_of, bins)


def customers(wh: Any, tier: str | None = None, *, as_of: date | None = None, bins: int = 5, store: Any = None,
              where: Any = None, segment: str | None = None, min_recency_days: int | None = None,
              limit: int | None = None) -> CustomerList:
    """Scored customers (of one tier, or all), most valuable first: GMV, then orders, then recency."""
    check_bins(bins)
    _check_list(tier, min_recency_days, limit)  # before the warehouse is read
    as_of = _as_of(as_of)
    _order_keys(where)
    ctx = open_context(wh, store=store, where=where, segment=segment)
    return customer_list(ctx, as_of, bins, tier=tier, min_recency_days=min_recency_days, limit=limit)


def win_back(wh: Any, days: int = 90, *, tier: str | None = None, as_of: date | None = None, bins: int = 5,
             store: Any = None, where: Any = None, segment: str | None = None,
             limit: int | None = None) -> CustomerList:
    """Customers with no paid order in the ``days`` local days up to ``as_of`` (recency >= days)."""
    return customers(wh, tier, as_of=as_of, bins=bins, store=store, where=where, segment=segment,
                     min_recency_days=days, limit=limit)


def tier_table(ctx: Context, as_of: date | None = None, bins: int = 5) -> RfmResult:
    """``rfm`` on an open context (the CLI's).

    Scores and tiers are per store, so counts, shares, recency and frequency add up across stores. Money does
    not across currencies: when the stores report in several, the combined table has no GMV columns and
    ``by_store`` holds each store's own table in its reporting currency (as ``metrics`` answers per store).
    """
    check_bins(bins)
    as_of = _as_of(as_of) or ctx.end
    currency_of = {s.store_id: s.currency for s in ctx.scope.stores}
    mixed = len(set(currency_of.values())) > 1
    wins = ", ".join(f"count(*) FILTER (WHERE recency_days >= {d}) AS wb{d}" for d in WIN_BACK_DAYS)
    sets = "(store_id, tier), (store_id), (tier), ()" if mixed else "(tier), ()"
    df = ctx.run(
        f"SELECT {'store_id, ' if mixed else ''}tier, count(*) AS n, CAST(sum(monetary) AS DOUBLE) AS gmv,"
        f" avg(recency_days) AS r, avg(frequency) AS f, CAST(avg(monetary) AS DOUBLE) AS m, {wins},"
        f" grouping(tier) AS is_total, {'grouping(store_id)' if mixed else '1'} AS all_stores"
        f" FROM ({customer_scores_sql(ctx, as_of, bins)}) GROUP BY GROUPING SETS ({sets})")
    records = df.to_dict("records")
    if not mixed:
        currency = next(iter(currency_of.values()), None)
        result = _tiers(records, as_of, bins, ctx.scope.store_ids, currency, money=True)
    else:
        by_store = tuple(_tiers([r for r in records if not r["all_stores"] and r["store_id"] == store], as_of, bins,
                                (store,), currency_of[store], money=True) for store in ctx.scope.store_ids)
        result = replace(_tiers([r for r in records if r["all_stores"]], as_of, bins, ctx.scope.store_ids, None,
                                money=False), by_store=by_store)
    return replace(result, notes=_empty_note(ctx, as_of)) if not result.customers else result


def _empty_note(ctx: Context, as_of: date) -> dict[str, dict[str, Any]]:
    """Why nobody is scored: the as-of day is before the data, or nobody paid up to it."""
    first = ctx.data_start
    if first is not None and as_of < first:
        return {"as_of": {"reason": "no_data", "data_from": first.isoformat(), "data_to": str(ctx.data_end),
                          "en": f"no customers as of {as_of}: the data starts on {first}",
                          "zh": f"截至 {as_of} 没有客户：数据从 {first} 开始"}}
    return {"as_of": {"reason": "no_rows", "en": f"nobody has a paid order up to {as_of}",
                      "zh": f"截至 {as_of} 没有人有支付订单"}}


def _tiers(records: list[dict[str, Any]], as_of: date, bins: int, stores: tuple[str, ...], currency: str | None,
           money: bool) -> RfmResult:
    """One tier table from the grouped rows of one store (or of all); ``money=False`` leaves GMV out."""
    rows = {r["tier"]: r for r in records if not r["is_total"]}
    total = next((r for r in records if r["is_total"]), {})
    n = int(total.get("n") or 0)
    gmv = _num(total.get("gmv")) if money else None
    tiers = []
    for rule in RULES:
        r = rows.get(rule.tier, {})
        count = int(r.get("n") or 0)
        tier_gmv = (_num(r.get("gmv")) if count else (0.0 if gmv is not None else None)) if money else None
        tiers.append(TierRow(rule.tier, rule.zh, rule.en, count, ratio(count, n), tier_gmv, ratio(tier_gmv, gmv),
                             _num(r.get("r")), _num(r.get("f")), _num(r.get("m")) if money else None))
    low, high = levels(bins)
    return RfmResult(as_of, bins, n, tuple(tiers), {str(d): int(total.get(f"wb{d}") or 0) for d in WIN_BACK_DAYS},
                     stores, currency, gmv, {"low_max": low, "high_min": high})


def customer_list(ctx: Context, as_of: date | None = None, bins: int = 5, *, tier: str | None = None,
                  min_recency_days: int | None = None, limit: int | None = None) -> CustomerList:
    """``customers`` on an open context."""
    check_bins(bins)
    tier = _check_list(tier, min_recency_days, limit)
    as_of = _as_of(as_of) or ctx.end
    conds = [f"tier = {lit(tier)}" if tier else "TRUE",
             f"recency_days >= {int(min_recency_days)}" if min_recency_days is not None else "TRUE"]
    # the total is a scalar subquery, not count(*) OVER (): DuckDB 1.4 can fail on a filtered window count
    # followed by ORDER BY .. LIMIT now and then (duckdb/duckdb#22846, #25713)
    sql = (f"WITH listed AS (SELECT store_id, user_id, tier, last_day, recency_days, frequency,"
           f" CAST(monetary AS DOUBLE) AS monetary, r_score, f_score, m_score"
           f" FROM ({customer_scores_sql(ctx, as_of, bins)}) WHERE {' AND '.join(conds)})"
           " SELECT *, (SELECT count(*) FROM listed) AS _total FROM listed"
           " ORDER BY monetary DESC NULLS LAST, frequency DESC, recency_days, store_id, user_id")
    if limit:
        sql += f" LIMIT {limit}"
    currency = {s.store_id: s.currency for s in ctx.scope.stores}
    records = ctx.run(sql).to_dict("records")
    total = int(records[0]["_total"]) if records else 0  # counted before LIMIT
    rows = tuple(CustomerRow(r["store_id"], r["user_id"], r["tier"], _day(r["last_day"]), int(r["recency_days"]),
                             int(r["frequency"]), _num(r["monetary"]), currency[r["store_id"]], int(r["r_score"]),
                             int(r["f_score"]), None if _num(r["m_score"]) is None else int(r["m_score"]))
                 for r in records)
    return CustomerList(as_of, bins, tier, min_recency_days, total, rows)


def _check_list(tier: Any, min_recency_days: Any, limit: Any) -> str | None:
    """The tier id of a customer list after checking its options (``days`` of win-back, ``limit``)."""
    if min_recency_days is not None:
        whole_number(min_recency_days, "win-back days", 0, MAX_DAYS, "--win-back 90 / win_back(wh, days=90)")
    if limit is not None:
        whole_number(limit, "limit", 0, MAX_LIMIT, "--limit 50 / limit=50 (0 or None = all)")
    return _tier(tier)


def _num(value: Any) -> float | None:
    """A float, or None for SQL NULL (pandas NaN / NA)."""
    return None if value is None or pd.isna(value) else float(value)


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value
