"""New-product trial (新品测款): each new SKU's first N days against its category's recent launches, and a verdict.

Which SKUs: merchandise with a ``launched_at`` whose local launch date (store time zone; launch day = day 1) is in
the last 2 × N days up to ``as_of`` (default: the store's last day with data): those launched in the last N days
are still in their trial (``partial`` when day N is after ``as_of``), those launched in the N days before have just
finished it (their verdict is final). References: the store's merchandise launched in the ``reference_months``
before ``as_of``, no earlier than the store's first day with data (else their first days are not in the data),
and before the window (so they have a full first N days and the SKUs on trial are not compared with each other),
with at least one visitor in their first days. A
partial SKU of d days is compared with its references' first d days (same age).

Every KPI comes from the metrics engine by ``product`` over each SKU's own first days: one engine query per
(launch date, age) for the SKUs sharing them, so visitors are real distinct counts over the range. The average
star rating (not a catalog metric) is read through Ibis from ``reviews`` over the same local dates.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from shoplens.analyses.products.trial_rules import TrialSettings, decide, load_settings, quartiles
from shoplens.analyses.products.trial_words import reason
from shoplens.analyses.result import Result, clean
from shoplens.analyses.workers import Workers
from shoplens.errors import ShoplensError

METRICS = ["uv", "add_to_cart_users", "add_to_cart_rate", "paying_buyers", "conversion_rate", "paid_units", "gmv",
           "reviews", "refund_amount", "refund_rate"]
REFERENCE_METRICS = METRICS[:5]  # what the quartiles need
KEYS = {"paying_buyers": "buyers", "paid_units": "units"}


@dataclass(frozen=True)
class TrialResult(Result):
    days: int
    stores: list[dict[str, Any]]  # per store: store, as_of, window_start, references_from
    items: list[dict[str, Any]]
    notes: dict[str, Any] = field(default_factory=dict)

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = (
        "store", "product_id", "name", "category", "launched_on", "days_observed", "partial", "uv",
        "add_to_cart_rate", "buyers", "conversion_rate", "units", "gmv", "reviews", "rating", "refund_amount",
        "reference_scope", "reference_count", "conversion_q1", "conversion_median", "conversion_q3", "verdict",
        "visitors_needed", "reason_en", "reason_zh")

    def table_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i in self.to_dict()["items"]:
            ref = i["reference"]
            rows.append({**{k: i.get(k) for k in self.CSV_COLUMNS}, "reference_scope": ref["scope"],
                         "reference_count": ref["count"], "conversion_q1": ref["conversion_q1"],
                         "conversion_median": ref["conversion_median"], "conversion_q3": ref["conversion_q3"],
                         "reason_en": i["reason"]["en"], "reason_zh": i["reason"]["zh"]})
        return rows


def months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _utc(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of ``day`` as a naive UTC timestamp (the warehouse stores UTC)."""
    return datetime.combine(day, time(), tz).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _launches(wh: Any, store: str, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Merchandise SKUs of the store with a launch time, their local launch date (small: one row per SKU)."""
    p = wh.table("products")
    merch = p.product_type.isnull() | (p.product_type == "merchandise")
    rows = (p.filter((p.store_id == store) & merch & p.launched_at.notnull())
            .select("product_id", "name", "category", "launched_at").order_by("product_id").to_pyarrow().to_pylist())
    for r in rows:
        r["launched_on"] = r.pop("launched_at").replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).date()
    return rows


def _ratings(wh: Any, store: str, tz: ZoneInfo, groups: dict[tuple[date, int], list[str]]) -> dict[str, float]:
    """Average star rating of each SKU over its own first days: one Ibis query for every group."""
    v = wh.table("reviews")
    cond = None
    for (launch, days), ids in groups.items():
        one = (v.product_id.isin(ids) & (v.ts >= _utc(launch, tz))
               & (v.ts < _utc(launch + timedelta(days=days), tz)))
        cond = one if cond is None else cond | one
    v = v.filter((v.store_id == store) & v.rating.notnull() & cond)
    return {r["product_id"]: r["rating"] for r in
            v.group_by("product_id").aggregate(rating=v.rating.mean()).to_pyarrow().to_pylist()}


def _first_days(wh: Any, workers: Workers, store: str, tz: ZoneInfo, skus: list[dict[str, Any]],
                days_of: dict[str, int], metrics: list[str] = METRICS) -> dict[str, dict[str, Any]]:
    """KPIs of each SKU over its first ``days_of[id]`` days: one engine query by product per (launch date, age),
    two at a time on ``workers``, the rows of the group's SKUs kept (a SKU with no row has zeros). No ``where``
    on the products: checking each group's ids against the data cost more than the query."""
    groups: dict[tuple[date, int], list[str]] = defaultdict(list)
    for s in skus:
        groups[(s["launched_on"], days_of[s["product_id"]])].append(s["product_id"])

    def ask(engine: Any, launch: date, days: int) -> Any:
        return engine.query(metrics, by=["product"], start=launch, end=launch + timedelta(days=days - 1),
                            store=store, targets=False)

    asked = {key: workers.submit(partial(ask, launch=key[0], days=key[1])) for key in sorted(groups)}
    out: dict[str, dict[str, Any]] = {}
    for key, ids in sorted(groups.items()):
        rows = {r["product"]: r for r in asked[key].result().rows}
        for pid in ids:
            row = rows.get(pid, {})
            kpis = {KEYS.get(m, m): row.get(m) for m in metrics}
            for m in ("uv", "add_to_cart_users", "buyers", "units", "reviews"):
                if m in kpis:
                    kpis[m] = int(kpis[m] or 0)
            for m in ("gmv", "refund_amount"):
                if m in kpis:
                    kpis[m] = float(kpis[m] or 0)
            out[pid] = kpis
    if metrics == METRICS and groups:
        ratings = _ratings(wh, store, tz, groups)
        for pid, kpis in out.items():
            kpis["rating"] = ratings.get(pid)
    return out


def _ref_stats(refs: list[dict[str, Any]]) -> dict[str, Any]:
    conv = quartiles([r["conversion_rate"] if r["conversion_rate"] is None else min(1.0, r["conversion_rate"])
                      for r in refs])  # capped at 1 as in trial_rules.decide()
    cart = quartiles([r["add_to_cart_rate"] for r in refs])
    return {"count": len(refs), "products": [r["product_id"] for r in refs],
            "conversion_q1": conv and conv[0], "conversion_median": conv and conv[1],
            "conversion_q3": conv and conv[2], "add_to_cart_q1": cart and cart[0],
            "add_to_cart_median": cart and cart[1], "add_to_cart_q3": cart and cart[2]}


def _one_store(wh: Any, workers: Workers, ctx: Any, settings: TrialSettings, as_of: date | None,
               notes: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    info = ctx.scope.stores[0]
    store, tz, n = info.store_id, ZoneInfo(info.timezone), settings.days
    first, last = ctx.data_start, ctx.data_end
    day = as_of or last
    if day < first:
        raise ShoplensError(f"--as-of {day} is before the first day with data of store {store} ({first})",
                            where="--as-of", hint=f"pick a day from {first} to {last}",
                            zh=f"--as-of {day} 早于店铺 {store} 的首个数据日（{first}）",
                            zh_hint=f"请选择 {first} 到 {last} 之间的日期")
    window_start = day - timedelta(days=2 * n - 1)
    ref_from = max(months_before(day, settings.reference_months), first)
    launches = _launches(wh, store, tz)
    trial = [s for s in launches if window_start <= s["launched_on"] <= day]
    refs = [s for s in launches if ref_from <= s["launched_on"] < window_start]  # full first N days by as_of
    ages = {s["product_id"]: min(n, (day - s["launched_on"]).days + 1) for s in trial}
    store_row = {"store": store, "as_of": day, "window_start": window_start, "references_from": ref_from}
    if not trial:
        return store_row, []
    kpis = _first_days(wh, workers, store, tz, trial, ages)
    by_age: dict[int, dict[str, dict[str, Any]]] = {}
    for age in sorted(set(ages.values())):
        ref_kpis = _first_days(wh, workers, store, tz, refs, {r["product_id"]: age for r in refs}, REFERENCE_METRICS)
        by_age[age] = {pid: k for pid, k in ref_kpis.items() if k["uv"] > 0}
    items = []
    for s in trial:
        pid, age = s["product_id"], ages[s["product_id"]]
        pool = [{**r, **by_age[age][r["product_id"]]} for r in refs
                if r["product_id"] in by_age[age]]
        same = [r for r in pool if r["category"] == s["category"]]
        scope, chosen = ("category", same) if len(same) >= settings.min_references else ("store", pool)
        ref = {"scope": scope, "category": s["category"], **_ref_stats(chosen)}
        enough = len(chosen) >= settings.min_references
        q = (ref["conversion_q1"], ref["conversion_median"], ref["conversion_q3"]) if enough else None
        k = kpis[pid]
        v = decide(k["uv"], k["buyers"], q, settings.z)
        item = {"store": store, "product_id": pid, "name": s["name"], "category": s["category"],
                "launched_on": s["launched_on"], "days_observed": age, "partial": age < n, **k, "reference": ref,
                "quartile": v.quartile, "wilson_low": v.wilson_low, "wilson_high": v.wilson_high,
                "verdict": v.verdict, "visitors_needed": v.visitors_needed}
        item["reason"] = reason(clean(item))
        items.append(item)
        if scope == "store":
            notes.setdefault("fallback", {
                "en": f"categories with fewer than {settings.min_references} earlier launches are compared with "
                      "all of the store's launches",
                "zh": f"历史新品少于 {settings.min_references} 个的类目改与全店新品比较"})
    return store_row, items


def products_trial(wh: Any, *, days: int | None = None, as_of: date | str | None = None,
                   store: str | list[str] | None = None, config: Any = None) -> TrialResult:
    """New SKUs' first ``days`` days against the same category's recent launches at the same age, with a verdict."""
    from dataclasses import replace

    from shoplens.analyses.context import as_date, open_context
    from shoplens.metrics.engine import MetricsEngine

    settings = load_settings(config)
    if days is not None:
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ShoplensError(f"--days {days} is not a number of days from 1 to 365", where="--days",
                                hint="e.g. --days 15", zh=f"--days {days} 不是 1 到 365 之间的天数",
                                zh_hint="例如 --days 15")
        settings = replace(settings, days=days)
    day = as_date(as_of, "--as-of")
    engine = MetricsEngine(wh)
    ctx_all = open_context(wh, store=store)
    notes: dict[str, Any] = {}
    stores, items = [], []
    with Workers(wh, engine) as workers:  # the first days' queries, two at a time
        for info in ctx_all.scope.stores:
            row, found = _one_store(wh, workers, open_context(wh, store=info.store_id), settings, day, notes)
            stores.append(row)
            items.extend(found)
    order = {v: i for i, v in enumerate(("push", "keep_testing", "hold", "drop", "no_reference"))}
    items.sort(key=lambda i: (order[i["verdict"]], -(i["conversion_rate"] or 0), i["store"], i["product_id"]))
    if not items:
        notes["empty"] = {"en": f"no merchandise launched in the last {2 * settings.days} days",
                          "zh": f"最近 {2 * settings.days} 天没有上新的商品"}
    return TrialResult(settings.days, stores, items, notes)
