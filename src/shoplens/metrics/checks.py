"""Refusals before any SQL runs: dimensions a metric cannot take, hours of daily data, missing fx rates."""

from __future__ import annotations

from typing import Any

from shoplens.errors import ShoplensError
from shoplens.metrics.currencies import reads_money
from shoplens.metrics.plan import Group, Request, needed_measures
from shoplens.warehouse.scope import Scope, lit

DAILY_SOURCES = frozenset({"ad_spend", "inventory"})  # dated per local day, no time of day


def check_dims(engine: Any, metric_ids: list[str], dims: set[str]) -> None:
    """Every dimension exists and every metric can be cut by it."""
    for d in sorted(dims):
        if d not in engine.catalog.dimensions:
            raise ShoplensError(f"unknown dimension {d!r}", hint=f"one of {', '.join(engine.catalog.dimensions)}",
                                zh=f"未知维度 {d!r}", zh_hint=f"可选：{', '.join(engine.catalog.dimensions)}")
    for mid in metric_ids:
        unsupported = dims - engine.catalog.metric_dims(mid)
        if unsupported:
            ok = ", ".join(sorted(engine.catalog.metric_dims(mid))) or "-"
            raise ShoplensError(f"metric {mid} cannot be cut or filtered by {', '.join(sorted(unsupported))}",
                                hint=f"{mid} supports: {ok}",
                                zh=f"指标 {mid} 不支持按 {', '.join(sorted(unsupported))} 拆分或筛选",
                                zh_hint=f"{mid} 支持的维度：{ok}")


def check_hourly(engine: Any, req: Request, groups: list[Group]) -> None:
    """Daily data (ad spend, stock) and period-end snapshots have no hours: refuse rather than pile into 00:00."""
    daily = {m.id for g in groups for m in g.measures
             if g.timed and (g.source in DAILY_SOURCES or m.agg == "builder")}
    names, _ = needed_measures(engine.catalog, req)
    bad = [mid for mid in req.metric_ids
           if {names.get(n, n) for n in engine.catalog.metrics[mid].formula.measures} & daily]
    if bad:
        raise ShoplensError(f"{', '.join(bad)} cannot be cut by hour (daily data)",
                            hint="use --grain day or longer",
                            zh=f"{', '.join(bad)} 不能按小时拆分（按天记录的数据）",
                            zh_hint="请用 --grain day 或更长")



def check_rates(engine: Any, scope: Scope, req: Request, version: Any) -> None:
    """--currency needs a rate for every day a store has data in the range, so the error names what to import
    before any SQL runs (the conversion itself also refuses a missing rate, row by row).

    Only metrics that read money need rates (visitors and orders do not), and only on the days between a store's
    first and last day with events or orders: a range reaching past the data, or a store with no data then,
    needs none.
    """
    if not scope.converts() or scope.start is None or scope.end is None or not reads_money(engine.catalog, req):
        return
    for s in scope.stores:
        if s.currency == scope.currency:
            continue
        alone = Scope((s,), None, None, scope.currency)
        first, last = engine._data_day(alone, version, "min"), engine._data_day(alone, version, "max")
        if first is None or last is None:
            continue
        lo, hi = max(scope.start, first), min(scope.end, last)
        if lo > hi:
            continue
        chosen = [d for d in scope.days if lo <= d <= hi]  # query(days=): only those days are read
        if scope.days and not chosen:
            continue
        days = len(chosen) or (hi - lo).days + 1
        only = f" AND d IN ({', '.join(f'DATE {lit(str(d))}' for d in chosen)})" if chosen else ""
        sql = (f"SELECT min(d)::VARCHAR, count(*) FROM (SELECT CAST(range AS DATE) AS d FROM range("
               f"DATE '{lo}', DATE '{hi}' + INTERVAL 1 DAY, INTERVAL 1 DAY)) days"
               f" WHERE TRUE{only} AND d NOT IN (SELECT date FROM fx_rates WHERE store_id = {lit(s.store_id)}"
               f" AND currency = {lit(scope.currency or '')})")
        first_missing, missing = engine._run(sql, version).iloc[0]
        if missing:
            raise ShoplensError(
                f"no {scope.currency} rate for {missing} of {days} days with data in store {s.store_id} "
                f"(first {first_missing})",
                hint=f"import fx_rates with currency {scope.currency} (rate_to = {s.currency} per 1 "
                     f"{scope.currency}) for those dates",
                zh=f"店铺 {s.store_id} 有数据的 {days} 天中有 {missing} 天没有 {scope.currency} 汇率"
                   f"（最早 {first_missing}）",
                zh_hint=f"为这些日期导入 currency 为 {scope.currency} 的 fx_rates（rate_to = 1 {scope.currency} "
                        f"折合多少 {s.currency}）")
