"""Evaluators over customers, stock and refunds: dormant high-value customers (a segment), slow movers with stock,
top sellers running out, and a product's refund spike. Each returns the :class:`Finding` s of one store and day."""

from __future__ import annotations

import math
import shlex
from datetime import timedelta
from pathlib import Path
from typing import Any

from shoplens.analyses.recommend.evidence import Ctx, Finding, ev


def _num(x: Any) -> float | None:
    return None if x is None else float(x)


def win_back(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """The members of ``segment`` (as of the day), when there are ``min_members`` and their LTV to date is at
    least ``min_value_ratio`` x the store's: a win-back offer to that segment."""
    from shoplens.analyses.context import open_context
    from shoplens.analyses.segments import resolve, size

    store, day, segment = ctx.store.store_id, ctx.day, p["segment"]
    name = resolve(ctx.wh, segment)[0]
    members = size(open_context(ctx.wh, store=[store]), segment, as_of=day)
    if members < max(p["min_members"], 1):
        return []
    theirs = _num(ctx.total(["ltv_to_date"], (day, day), segment=segment).get("ltv_to_date"))
    overall = ctx.total(["ltv_to_date"], (day, day)).get("ltv_to_date")
    per_buyer = _num(ctx.total(["customer_unit_price"], ctx.window(90)).get("customer_unit_price"))
    if theirs is None or not overall or theirs < p["min_value_ratio"] * overall:
        return []
    target = name or p["save_as"]
    links = {"segment": target, "export": f"/api/v1/segments/{target}/members?store={store}&as_of={day}",
             "export_command": f"shoplens segment export {target} --store {store} --as-of {day}"}
    if name is None:  # rule text: save it first under the suggested name
        links |= {"segment_rule": segment,
                  "save_command": f"shoplens segment save {target} --rule {shlex.quote(segment)} --store {store}"}
    effect = members * p["reactivation"] * per_buyer if per_buyer else None
    return [Finding({"segment": target}, [ev("segment_members", members, p["min_members"], "minimum"),
                                          ev("ltv_to_date", theirs, overall, "store")],
                    {"members": (members, "count"), "segment": (target, "name"), "value": (theirs, "currency"),
                     "reference": (overall, "currency")},
                    effect, links)]


def slow_stock(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """On-sale products with no paid unit in the ``days`` up to the day that still hold ``min_units`` or more."""
    span = ctx.window(p["days"])
    on_sale = {r["product"] for r in ctx.rows(["sku_count"], ["product"], (ctx.day, ctx.day)) if r["sku_count"]}
    sold = {r["product"] for r in ctx.rows(["paid_units"], ["product"], span) if (r["paid_units"] or 0) > 0}
    stock = {r["product"]: r["stock_units"] or 0 for r in ctx.rows(["stock_units"], ["product"], (ctx.day, ctx.day))}
    slow = [k for k in on_sale - sold if stock.get(k, 0) >= max(p["min_units"], 1)]
    slow.sort(key=lambda k: (-stock[k], str(k)))  # most stock first; ties by id, the same order in every run
    if not slow:
        return []
    units = sum(stock[k] for k in slow)
    share = ctx.total(["slow_moving_sku_share"], (ctx.day, ctx.day)).get("slow_moving_sku_share")
    return [Finding({}, [ev("slow_moving_skus_with_stock", len(slow), None), ev("stock_units", units, None),
                         ev("slow_moving_sku_share", share, None)],
                    {"count": (len(slow), "count"), "units": (units, "count"), "value": (len(slow), "count"),
                     "reference": (share, "percent")},
                    None, {"products": slow[:100], "products_total": len(slow)})]


def _reorder_plans(ctx: Ctx, ids: list[str], lead_time: int | None) -> dict[str, dict[str, Any]]:
    """``shoplens replenish`` (history method) of the SKUs ``ids`` on the day: lead time, service level and review
    period as replenishment resolves them (the rule's ``lead_time_days``, when set, as its ``--lead-time``). SKUs it
    does not plan (not in the catalog, not on sale, no stock snapshot) are absent, and so is an id that
    ``--product`` would read as two (a comma in it, or spaces around it). Errors are raised: every SKU asked has a
    snapshot on the day and sales before it, so a failure is a real one (a bad ``replenish:`` section, a query
    limit), never "nothing to plan"."""
    from shoplens.analyses.replenish.data import all_ids
    from shoplens.analyses.replenish.run import replenish
    from shoplens.params import split_values

    known = sorted(i for i in all_ids(ctx.wh, ctx.store.store_id, ids) if split_values([i]) == [i])
    if not known:
        return {}
    items = replenish(ctx.wh, as_of=ctx.day, store=ctx.store.store_id, product=known, lead_time=lead_time,
                      config=ctx.config).items
    return {i["product_id"]: i for i in items}


def _whole(days: float) -> int | float:
    """A lead time as it was written: 14, not 14.0 (replenishment keeps every value a float)."""
    return int(days) if float(days).is_integer() else days


def stock_cover(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """Top sellers (the first ``top_share`` of the products with sales by sales over ``sales_days``) whose stock on
    the day covers fewer days than their lead time at their average daily units (stocked out: 0 days), and for which
    replenishment has something to order. Lead time and the quantity to order are replenishment's (issue #16:
    ``shoplens replenish`` for the SKU on the day gives the same), so the recommendation and the reorder list agree:
    stock already in transit that covers the need means no recommendation. The cover shown is the rule's own (the
    day's units on hand / the average over ``sales_days``); replenishment sizes the order from its own 28 days and
    each warehouse's latest snapshot, so with another ``sales_days`` the two can differ."""
    span = ctx.window(p["sales_days"])
    sales = [r for r in ctx.rows(["gmv", "paid_units"], ["product"], span, sort="gmv") if (r["gmv"] or 0) > 0]
    top = sales[:math.ceil(len(sales) * p["top_share"])]
    stock = {r["product"]: r["stock_units"] for r in ctx.rows(["stock_units"], ["product"], (ctx.day, ctx.day))}
    judged = [(rank, r) for rank, r in enumerate(top, 1)
              if stock.get(r["product"]) is not None and (r["paid_units"] or 0) > 0]  # no snapshot: nothing to judge
    plans = _reorder_plans(ctx, [str(r["product"]) for _, r in judged], p["lead_time_days"]) if judged else {}
    out = []
    for rank, r in judged:
        units, plan = stock[r["product"]], plans.get(str(r["product"]))
        daily = r["paid_units"] / p["sales_days"]
        if plan is None or plan["order_qty"] <= 0:  # not on sale, no snapshot to plan from, or nothing to order
            continue
        cover, lead = units / daily, _whole(plan["lead_time_days"])
        if cover >= lead:
            continue
        price = float(r["gmv"]) / r["paid_units"]
        out.append(Finding({"product": str(r["product"])},
                           [ev("days_of_cover", cover, lead, "threshold"),
                            ev("stock_units", units, daily * lead, "threshold"),
                            ev("paid_units", r["paid_units"], None, days=p["sales_days"]),
                            ev("gmv", r["gmv"], None, days=p["sales_days"], rank=rank)],
                           {"product": (r.get("product_name") or r["product"], "name"), "units": (units, "count"),
                            "cover": (cover, "days"), "daily": (daily, "number"), "value": (cover, "days"),
                            "reference": (lead, "count" if isinstance(lead, int) else "number")},
                           (lead - cover) * daily * price,
                           {"product": str(r["product"]), "reorder_units": plan["order_qty"],
                            "in_transit": plan["in_transit"], "lead_time_days": lead,
                            "replenish_command": f"shoplens replenish --product {shlex.quote(str(r['product']))} "
                                                 f"--store {shlex.quote(ctx.store.store_id)} --as-of {ctx.day}"
                                                 + (f" --lead-time {p['lead_time_days']}" if p["lead_time_days"]
                                                    else "")
                                                 + (f" --config {shlex.quote(str(Path(ctx.config).resolve()))}"
                                                    if ctx.config else ""),
                            "stock_command": f"shoplens metrics stock_units,stockout_sku_share --by product --where "
                                             f"{shlex.quote('product=' + str(r['product']))} --store "
                                             f"{shlex.quote(ctx.store.store_id)}"},
                           "high" if units <= 0 else None))
    return out


def product_refunds(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """Products with ``min_orders`` paid orders in the window whose refund rate is at least ``min_rate`` and
    ``ratio`` x both their own rate over the ``reference_days`` before and the store's rate in the window."""
    span = ctx.window(p["window_days"])
    before = ctx.window(p["reference_days"], span[0] - timedelta(days=1))
    store_rate = _num(ctx.total(["refund_rate"], span).get("refund_rate")) or 0.0
    metrics = ["refund_rate", "refund_amount", "orders", "gmv"]
    past = {r["product"]: r for r in ctx.rows(metrics, ["product"], before)}
    out = []
    for r in ctx.rows(metrics, ["product"], span):
        rate = _num(r["refund_rate"])
        if rate is None or (r["orders"] or 0) < p["min_orders"] or rate < p["min_rate"]:
            continue
        own = _num(past[r["product"]]["refund_rate"]) if r["product"] in past else None
        if rate < p["ratio"] * max(own or 0.0, store_rate):
            continue
        gmv = float(r["gmv"] or 0)
        out.append(Finding({"product": str(r["product"])},
                           [ev("refund_rate", rate, own, "history"), ev("refund_rate", store_rate, None, scope="store"),
                            ev("refund_amount", r["refund_amount"], None),
                            ev("orders", r["orders"], p["min_orders"], "minimum")],
                           {"product": (r.get("product_name") or r["product"], "name"), "value": (rate, "percent"),
                            "reference": (own, "percent")},
                           (rate - (own if own is not None else store_rate)) * gmv,
                           {"product": str(r["product"]),
                            "refunds_command": f"shoplens metrics refund_rate,refund_amount --by product --where "
                                               f"{shlex.quote('product=' + str(r['product']))} --from {span[0]} "
                                               f"--to {span[1]} --store {shlex.quote(ctx.store.store_id)}"}))
    return out
