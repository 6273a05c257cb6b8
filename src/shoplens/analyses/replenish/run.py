"""``replenish``: per SKU on sale, its stock, demand, safety stock, reorder point and order quantity.

Items are sorted by urgency: reorder now first, then the earliest projected stock-out (none last), then id.
A SKU on sale without any inventory snapshot on or before ``as_of`` is skipped with a note (count and ids).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

from shoplens.analyses.replenish import data
from shoplens.analyses.replenish.calc import Policy, mean_sd, plan
from shoplens.analyses.replenish.config import FLAGS, ReplenishConfig, check_value, load_config
from shoplens.analyses.result import Result
from shoplens.errors import ShoplensError
from shoplens.params import check_day

METHODS = ("history", "forecast")
SHOWN_IDS = 5


@dataclass(frozen=True)
class ReplenishResult(Result):
    """``to_dict()``: ``{"items": [...], "method": ..., "notes": {...}}``, the JSON of the CLI, API and REST."""

    items: list[dict[str, Any]]
    method: str
    notes: dict[str, dict[str, str]] = field(default_factory=dict)

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = (
        "store", "product_id", "name", "category", "supplier", "snapshot_date", "on_hand", "in_transit",
        "daily_demand", "demand_sd", "lead_time_days", "review_period_days", "service_level", "safety_stock",
        "reorder_point", "order_qty", "days_of_cover", "stockout_date", "reorder_now")

    def table_rows(self) -> list[dict[str, Any]]:
        return self.to_dict()["items"]


def _no_data(what: str, zh: str, where: str, hint: str, zh_hint: str) -> ShoplensError:
    return ShoplensError(what, where=where, hint=hint, zh=zh, zh_hint=zh_hint)


def _demand(wh: Any, engine: Any, store: str, as_of: date, skus: list[dict[str, Any]], method: str,
            policies: dict[str, Policy], notes: dict[str, dict[str, str]]) -> dict[str, tuple[float, float]]:
    """(d, σ) per SKU: history = mean and sample sd of the last 28 days' units; forecast = the forecast's over the
    SKU's lead time (at most the forecast's longest horizon, 366 days: the demand of a longer lead time is that
    year's mean, with a note)."""
    ids = [s["product_id"] for s in skus]
    if method == "history":
        return {pid: mean_sd(units) for pid, units in data.daily_units(engine, store, as_of, set(ids)).items()}
    try:
        from shoplens.analyses.forecast.demand import daily_demand
    except ImportError:
        raise ShoplensError("forecast method not available: this installation has no demand forecast yet",
                            where="--method", hint="use --method history",
                            zh="forecast 方法不可用：当前版本还没有需求预测", zh_hint="请用 --method history") from None
    from shoplens.analyses.forecast import MAX_HORIZON

    out: dict[str, tuple[float, float]] = {}
    by_lead: dict[int, list[str]] = {}
    for pid in ids:  # the forecast over each SKU's own lead time, one call per distinct lead time
        by_lead.setdefault(min(MAX_HORIZON, max(1, round(policies[pid].lead_time_days))), []).append(pid)
    longer = sorted(pid for pid in ids if policies[pid].lead_time_days > MAX_HORIZON)
    if longer:
        shown = ", ".join(longer[:SHOWN_IDS]) + (", …" if len(longer) > SHOWN_IDS else "")
        notes[f"replenish:long_lead:{store}"] = {
            "en": f"{len(longer)} SKU(s) have a lead time over {MAX_HORIZON} days ({shown}): their daily demand is "
                  f"the mean of the next {MAX_HORIZON} days' forecast",
            "zh": f"{len(longer)} 个 SKU 的补货周期超过 {MAX_HORIZON} 天（{shown}）：其日均需求取未来 {MAX_HORIZON} 天"
                  "预测的均值"}
    for days, group in sorted(by_lead.items()):
        got = daily_demand(wh, store, group, as_of, days)
        out.update({pid: (float(got[pid][0]), float(got[pid][1])) for pid in group if pid in got})
    return out


def _store(wh: Any, engine: Any, info: Any, as_of: date | None, method: str, cfg: ReplenishConfig,
           flags: dict[str, float | None], products: list[str] | None,
           notes: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    from shoplens.warehouse.scope import Scope

    store = info.store_id
    version = engine.data_version()
    first = engine._data_day(Scope((info,), None, None), version, "min")
    last = engine._data_day(Scope((info,), None, None), version, "max")
    first_stock = data.first_snapshot(wh, store)
    if first is None or first_stock is None:
        raise _no_data(f"store {store} has no {'orders or events' if first is None else 'inventory snapshots'}",
                       f"店铺 {store} 没有{'订单或事件' if first is None else '库存快照'}", "--store",
                       "import them first", "请先导入")
    day = as_of or last
    if day < first or day < first_stock:
        since = max(first, first_stock)
        raise _no_data(f"--as-of {day} is before the data of store {store} (stock and sales from {since})",
                       f"--as-of {day} 早于店铺 {store} 的数据（库存和销量从 {since} 起）", "--as-of",
                       f"choose a day from {since} to {last}", f"请选择 {since} 到 {last} 之间的日期")
    if day > last:
        notes[f"replenish:after_data:{store}"] = {
            "en": f"store {store}: --as-of {day} is after its last day with data ({last}); the days after count as 0",
            "zh": f"店铺 {store}：--as-of {day} 晚于最后有数据的一天（{last}），之后的天数按 0 件计"}
    skus = data.on_sale(wh, store)
    if products:
        missing = sorted(set(products) - data.all_ids(wh, store, products))
        if missing:
            raise _no_data(f"unknown product {', '.join(missing[:SHOWN_IDS])} in store {store}",
                           f"店铺 {store} 没有商品 {', '.join(missing[:SHOWN_IDS])}", "--product",
                           "`shoplens values product` lists them", "`shoplens values product` 可列出商品")
        skus = [s for s in skus if s["product_id"] in set(products)]
    stock = data.stock(wh, store, day)
    skipped = [s["product_id"] for s in skus if s["product_id"] not in stock]
    if skipped:
        shown = ", ".join(skipped[:SHOWN_IDS]) + (", …" if len(skipped) > SHOWN_IDS else "")
        notes[f"replenish:no_stock:{store}"] = {
            "en": f"{len(skipped)} SKU(s) on sale in store {store} have no inventory snapshot on or before {day}, "
                  f"skipped: {shown}", "zh": f"店铺 {store} 有 {len(skipped)} 个在售 SKU 在 {day} 及之前没有库存快照，"
                  f"已跳过：{shown}"}
    skus = [s for s in skus if s["product_id"] in stock]
    if method == "history" and day - timedelta(days=data.WINDOW - 1) < first:
        notes[f"replenish:short_history:{store}"] = {
            "en": f"store {store}: the 28 days up to {day} start before its data ({first}); those days count as 0",
            "zh": f"店铺 {store}：截至 {day} 的 28 天早于数据起点（{first}），这些天按 0 件计"}
    policies = {s["product_id"]: cfg.policy(s["product_id"], s.get("supplier"), s.get("category"), flags)
                for s in skus}
    demand = _demand(wh, engine, store, day, skus, method, policies, notes)
    items = []
    for s in skus:
        pid, pol = s["product_id"], policies[s["product_id"]]
        if pid not in demand:
            notes[f"replenish:no_demand:{store}:{pid}"] = {"en": f"{pid}: no demand figure from the {method}",
                                                           "zh": f"{pid}：{method} 没有给出需求"}
            continue
        d, sd = demand[pid]
        got = stock[pid]
        items.append({"store": store, "product_id": pid, "name": s.get("name"), "category": s.get("category"),
                      "supplier": s.get("supplier"), "snapshot_date": got["snapshot_date"], "as_of": day,
                      "on_hand": got["on_hand"], "in_transit": got["in_transit"], "daily_demand": d, "demand_sd": sd,
                      "lead_time_days": pol.lead_time_days, "review_period_days": pol.review_period_days,
                      "service_level": pol.service_level, "method": method, "policy_source": pol.source,
                      **plan(got["on_hand"], got["in_transit"], d, sd, pol, day)})
    return items


def replenish(wh: Any, *, service_level: float | None = None, lead_time: float | None = None,
              review_period: float | None = None, method: str = "history", as_of: date | str | None = None,
              store: str | list[str] | None = None, product: list[str] | str | None = None,
              config: str | os.PathLike[str] | None = None) -> ReplenishResult:
    """The reorder list of each chosen store (default ``as_of``: the store's last day with data).

    ``service_level``/``lead_time``/``review_period`` are the command line's flags: None leaves the config's
    (or built-in) defaults; per-SKU, supplier and category entries of ``replenish:`` win over them."""
    from shoplens.analyses.segments import SegmentMetricsEngine
    from shoplens.params import split_values
    from shoplens.warehouse.scope import pick_stores

    if method not in METHODS:
        raise ShoplensError(f"unknown method {method!r}", where="--method", hint="history or forecast",
                            zh=f"未知方法 {method!r}", zh_hint="history 或 forecast")
    flags = {"lead_time_days": lead_time, "service_level": service_level, "review_period_days": review_period}
    flags = {k: None if v is None else check_value(k, v, FLAGS[k]) for k, v in flags.items()}
    day = check_day(as_of, "--as-of")
    cfg = load_config(config)
    products = split_values(product) or None
    engine = SegmentMetricsEngine(wh)
    notes: dict[str, dict[str, str]] = {}
    items: list[dict[str, Any]] = []
    chosen = pick_stores(engine.stores(engine.data_version()), store)
    failed: list[ShoplensError] = []
    for info in chosen:
        try:
            items += _store(wh, engine, info, day, method, cfg, flags, products, notes)
        except ShoplensError as exc:  # several stores: one without stock (or data that day) is a note
            if len(chosen) == 1 or exc.where in ("--method", "--product"):
                raise
            failed.append(exc)
            notes[f"replenish:store:{info.store_id}"] = {"en": exc.render("en"), "zh": exc.render("zh")}
    if failed and len(failed) == len(chosen):
        raise failed[0]
    items.sort(key=lambda i: (not i["reorder_now"], i["stockout_date"] or date.max, i["store"], i["product_id"]))
    return ReplenishResult(items, method, notes)
