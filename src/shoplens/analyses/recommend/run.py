"""``recommend``: every enabled rule of the catalog for one local day per store, as recommendations.

Each recommendation's ``id`` is a hash of its day, rule and scope (store included): the same finding on the same
day has the same id in every run, so an action log can refer to it without a table of recommendations. The list
is sorted by priority, then by the size of the expected effect (GMV at stake, largest first; none last).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shoplens.analyses.recommend import stock, traffic
from shoplens.analyses.recommend.catalog import PRIORITIES, Rule, load_rules
from shoplens.analyses.recommend.evidence import EFFECTS, Ctx, Finding, fill, raw_names, window_words
from shoplens.errors import ShoplensError
from shoplens.params import check_day
from shoplens.warehouse.scope import Scope, pick_stores

EVALUATORS = {"product_conversion": traffic.product_conversion, "cart_payment": traffic.cart_payment,
              "benchmark_conversion": traffic.benchmark_conversion, "channel_uv_value": traffic.channel_uv_value,
              "channel_roi": traffic.channel_roi, "win_back": stock.win_back, "slow_stock": stock.slow_stock,
              "stock_cover": stock.stock_cover, "product_refunds": stock.product_refunds}
WINDOW = {"product_conversion": "window_days", "benchmark_conversion": "window_days", "channel_roi": "days",
          "channel_uv_value": "window_days", "slow_stock": "days", "stock_cover": "sales_days",
          "product_refunds": "window_days"}  # cart_payment and win_back look at the day itself


@dataclass
class RecommendResult:
    """``to_dict()`` is the JSON of the CLI, the Python API and the REST API."""

    recommendations: list[dict[str, Any]]
    days: dict[str, str] = field(default_factory=dict)
    rules: int = 0
    notes: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"recommendations": self.recommendations, "days": self.days, "rules": self.rules,
                "notes": self.notes}


def recommendation_id(day: str, rule: str, scope: dict[str, str]) -> str:
    """Stable for the same day, rule and scope (store included)."""
    key = json.dumps([day, rule, sorted(scope.items())], ensure_ascii=False, separators=(",", ":"))
    return "rec-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _item(rule: Rule, ctx: Ctx, f: Finding) -> dict[str, Any]:
    store, day = ctx.store.store_id, ctx.day.isoformat()
    scope = {"store": store, **f.scope}
    window = window_words(rule.params[WINDOW[rule.kind]]) if rule.kind in WINDOW else window_words(1)
    values = {**f.vars, "scope": ((store, f.scope), "scope"), "store": (store, "name"),
              "day": (day, "text"), "window": (window, "words")}
    currency = ctx.store.currency
    action = {lang: fill(rule.action[lang], values, lang, currency) for lang in ("en", "zh")}
    effect = None
    if f.effect is not None and f.effect == f.effect:
        en, zh = EFFECTS[rule.kind]
        effect = {"metric": "gmv", "value": round(max(f.effect, 0.0), 2), "currency": currency, "en": en, "zh": zh}
    return {"id": recommendation_id(day, rule.id, scope), "rule": rule.id, "kind": rule.kind,
            "priority": f.priority or rule.priority, "day": day, "scope": scope, "evidence": f.evidence,
            "action": action, "names": raw_names(values, [rule.action["en"], rule.action["zh"]]),
            "expected_effect": effect, "links": f.links}


def _order(item: dict[str, Any]) -> tuple[int, float, str]:
    effect = item["expected_effect"]
    return PRIORITIES.index(item["priority"]), -(effect["value"] if effect else -1.0), item["id"]


def _days(engine: Any, wh: Any, stores: list[Any], day: date | None, now: datetime | None,
          notes: dict[str, dict[str, str]]) -> dict[str, date]:
    """Each store's day: ``day`` when it has data then, else its last complete day (as alerts check)."""
    from shoplens.analyses.complete_day import data_ends, last_complete_day

    version = engine.data_version()
    out: dict[str, date] = {}
    spans: list[str] = []
    for s in stores:
        scope = Scope((s,), None, None)
        first, last = engine._data_day(scope, version, "min"), engine._data_day(scope, version, "max")
        if first is None or last is None or (day is not None and not first <= day <= last):
            covers = f"{first}..{last}" if first else "nothing"
            spans += [f"{s.store_id} {covers}"] if first else []
            notes[f"recommend:store={s.store_id}"] = {
                "en": f"store {s.store_id} has no data on {day} (it covers {covers}): not looked at",
                "zh": f"店铺 {s.store_id} 在 {day} 没有数据（覆盖 {covers}），未分析"}
            continue
        out[s.store_id] = day or last_complete_day(last, s.timezone, now, data_ends(wh, [s]).get(s.store_id))
    if not out:
        covered = ", ".join(spans)
        raise ShoplensError(f"no data on {day} in the chosen stores" if day else "the chosen stores have no data yet",
                            where="--date", hint=f"the data covers {covered}" if spans else "import data first",
                            zh=f"所选店铺在 {day} 没有数据" if day else "所选店铺还没有数据",
                            zh_hint=f"数据覆盖 {covered}" if spans else "请先导入数据")
    return out


def recommend(wh: Any, *, day: date | None = None, store: str | list[str] | None = None,
              config: str | os.PathLike[str] | None = None, rules: list[Rule] | None = None,
              now: datetime | None = None) -> RecommendResult:
    """Every enabled rule for ``day`` (default: each store's last complete local day), read-only."""
    from shoplens.analyses.segments import SegmentMetricsEngine
    from shoplens.metrics.targets import load_targets

    day = check_day(day, "--date")
    rules = rules if rules is not None else load_rules(config)
    engine = SegmentMetricsEngine(wh, targets=load_targets(config))
    stores = pick_stores(engine.stores(engine.data_version()), store)
    notes: dict[str, dict[str, str]] = {}
    days = _days(engine, wh, stores, day, now, notes)
    enabled = [r for r in rules if r.enabled]
    items: list[dict[str, Any]] = []
    for s in stores:
        if s.store_id not in days:
            continue
        ctx = Ctx(engine, wh, s, days[s.store_id], config)
        for rule in enabled:
            items += [_item(rule, ctx, f) for f in EVALUATORS[rule.kind](ctx, rule.params, rule)]
    items.sort(key=_order)
    return RecommendResult(items, {k: v.isoformat() for k, v in days.items()}, len(enabled), notes)


def recommend_rules(config: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The effective rules (shipped, changed by the config, switched off, added), as JSON."""
    return {"rules": [r.to_dict() for r in load_rules(config)]}
