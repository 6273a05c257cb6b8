"""Evaluators over traffic, conversion and marketing: product conversion, cart-to-payment gaps, conversion against
its benchmark, a channel's value per visitor and its ROI. Each returns the :class:`Finding` s of one store and day."""

from __future__ import annotations

import shlex
from datetime import timedelta
from typing import Any

from shoplens.analyses.recommend.evidence import Ctx, Finding, alert_links, ev


def _num(x: Any) -> float | None:
    return None if x is None else float(x)


def product_conversion(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """Products among the ``top`` by visitors, with at least ``min_visitors``, whose conversion is below
    ``max_ratio`` x the store's over the same window."""
    span = ctx.window(p["window_days"])
    store = ctx.total(["conversion_rate", "customer_unit_price"], span)
    store_cr, per_buyer = _num(store.get("conversion_rate")), _num(store.get("customer_unit_price"))
    if not store_cr:
        return []
    rows = ctx.rows(["uv", "conversion_rate"], ["product"], span, sort="uv", limit=p["top"])
    out = []
    for r in rows:
        uv, cr = r["uv"] or 0, _num(r["conversion_rate"]) or 0.0
        if r["product"] is None or uv < p["min_visitors"] or cr >= p["max_ratio"] * store_cr:
            continue
        effect = uv * (store_cr - cr) * per_buyer if per_buyer else None
        out.append(Finding({"product": str(r["product"])},
                           [ev("uv", uv, p["min_visitors"], "minimum"), ev("conversion_rate", cr, store_cr, "store")],
                           {"product": (r.get("product_name") or r["product"], "name"), "visitors": (uv, "count"),
                            "value": (cr, "percent"), "reference": (store_cr, "percent")},
                           effect, {"product": str(r["product"]),
                            "metrics": f"shoplens metrics uv,conversion_rate --by product --from {span[0]} "
                                       f"--to {span[1]} --store {shlex.quote(ctx.store.store_id)}"}))
    return out


def cart_payment(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """Values of ``by`` whose add-to-cart rate holds (>= ``cart_floor`` x reference) while cart-to-purchase falls to
    <= (1 - ``drop``) x reference; the reference is the same cut over the ``baseline_days`` before the day."""
    by, day = p["by"], ctx.day
    metrics = ["add_to_cart_users", "add_to_cart_rate", "cart_to_purchase_rate", "customer_unit_price"]
    now = {r[by]: r for r in ctx.rows(metrics, [by], (day, day))}
    before = {r[by]: r for r in ctx.rows(metrics, [by], ctx.window(p["baseline_days"], day - timedelta(days=1)))}
    out = []
    for value, r in now.items():
        b = before.get(value)
        adders, atc, ctp = r["add_to_cart_users"] or 0, _num(r["add_to_cart_rate"]), _num(r["cart_to_purchase_rate"])
        if b is None or adders < p["min_cart_adders"] or atc is None or ctp is None:
            continue
        atc_ref, ctp_ref = _num(b["add_to_cart_rate"]), _num(b["cart_to_purchase_rate"])
        if not atc_ref or not ctp_ref or atc < p["cart_floor"] * atc_ref or ctp > (1 - p["drop"]) * ctp_ref:
            continue
        per_buyer = _num(b["customer_unit_price"])
        effect = adders * (ctp_ref - ctp) * per_buyer if per_buyer else None
        out.append(Finding({by: str(value)},
                           [ev("cart_to_purchase_rate", ctp, ctp_ref, "history"),
                            ev("add_to_cart_rate", atc, atc_ref, "history"),
                            ev("add_to_cart_users", adders, p["min_cart_adders"], "minimum")],
                           {"value": (ctp, "percent"), "reference": (ctp_ref, "percent"),
                            "cart_rate": (atc, "percent"), "cart_reference": (atc_ref, "percent"),
                            "cart_adders": (adders, "count")},
                           effect, alert_links(ctx.store.store_id, day)))
    return out


def benchmark_conversion(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """Values of ``by`` with at least ``min_visitors`` whose conversion over the window is below ``share`` x the
    benchmark of conversion_rate (config ``benchmarks:``; none configured: nothing to compare with)."""
    benchmark = ctx.engine.targets.benchmarks.get("conversion_rate")
    if not benchmark:
        return []
    span, by = ctx.window(p["window_days"]), p["by"]
    rows = ctx.rows(["uv", "conversion_rate", "customer_unit_price"], [by], span)
    store = ctx.total(["customer_unit_price"], span)
    out = []
    for r in rows:
        uv, cr = r["uv"] or 0, _num(r["conversion_rate"])
        if cr is None or uv < p["min_visitors"] or cr >= p["share"] * benchmark:
            continue
        per_buyer = _num(r["customer_unit_price"]) or _num(store.get("customer_unit_price"))
        effect = uv * (p["share"] * benchmark - cr) * per_buyer if per_buyer else None
        out.append(Finding({by: str(r[by])}, [ev("conversion_rate", cr, benchmark, "benchmark"),
                                              ev("uv", uv, p["min_visitors"], "minimum")],
                           {"value": (cr, "percent"), "reference": (benchmark, "percent"), "visitors": (uv, "count")},
                           effect, {"benchmarks": "shoplens.yaml benchmarks: conversion_rate"}))
    return out


def channel_uv_value(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """Values of ``by`` whose value per visitor over the window fell by ``drop`` or more against the same number of
    days before; the recommendation names the values with a higher UV value now (paid ones with ``paid_only``)."""
    by, days = p["by"], p["window_days"]
    span = ctx.window(days)
    before_span = ctx.window(days, span[0] - timedelta(days=1))
    where = {"channel_type": "paid"} if p["paid_only"] else None
    now = {r[by]: r for r in ctx.rows(["uv", "uv_value"], [by], span, where=where)}
    before = {r[by]: r for r in ctx.rows(["uv", "uv_value"], [by], before_span, where=where)}
    out = []
    for value, r in now.items():
        b, v = before.get(value), _num(r["uv_value"])
        ref = _num(b["uv_value"]) if b else None
        if v is None or not ref or (r["uv"] or 0) < p["min_visitors"] or v > (1 - p["drop"]) * ref:
            continue
        better = sorted(((k, _num(x["uv_value"]) or 0.0) for k, x in now.items() if k != value and
                         (_num(x["uv_value"]) or 0) > v), key=lambda kv: (-kv[1], str(kv[0])))[:3]
        if not better:
            continue
        out.append(Finding({by: str(value)},
                           [ev("uv_value", v, ref, "history"), ev("uv", r["uv"], p["min_visitors"], "minimum"),
                            *(ev("uv_value", x, v, "compared", scope={by: str(k)}) for k, x in better)],
                           {"value": (v, "currency"), "reference": (ref, "currency"),
                            "change": (v / ref - 1, "signed"), "better": ((by, [str(k) for k, _ in better]), "values"),
                            "visitors": (r["uv"], "count")},
                           r["uv"] * (ref - v), {"shift_to": [str(k) for k, _ in better]}))
    return out


def channel_roi(ctx: Ctx, p: dict[str, Any], _: Any) -> list[Finding]:
    """Values of ``by`` whose ROI was below ``max_roi`` on every one of the ``days`` days, each with spend."""
    by, span = p["by"], ctx.window(p["days"])
    daily = ctx.rows(["roi", "ad_spend"], [by], span, grain="day")
    days: dict[Any, list[dict[str, Any]]] = {}
    for r in daily:
        days.setdefault(r[by], []).append(r)
    totals = {r[by]: r for r in ctx.rows(["roi", "ad_spend"], [by], span)}
    out = []
    for value, rows in days.items():
        spent = [r for r in rows if (r["ad_spend"] or 0) > 0]
        if len(spent) < p["days"] or any(r["roi"] is None or r["roi"] >= p["max_roi"] for r in spent):
            continue
        total = totals[value]
        roi, spend = _num(total["roi"]) or 0.0, _num(total["ad_spend"]) or 0.0
        campaigns = [str(r["campaign"]) for r in ctx.rows(["ad_spend"], ["campaign"], span, where={by: value},
                                                          sort="ad_spend") if (r["ad_spend"] or 0) > 0]
        out.append(Finding({by: str(value)},
                           [ev("roi", roi, p["max_roi"], "threshold"), ev("ad_spend", spend, None),
                            ev("days_below", len(spent), p["days"], "threshold")],
                           {"value": (roi, "number"), "reference": (p["max_roi"], "number"),
                            "spend": (spend, "currency"), "campaigns": (campaigns, "names")},
                           spend * (1 - roi), {"campaigns": campaigns}))
    return out
