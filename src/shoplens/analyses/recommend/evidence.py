"""What an evaluator works with (:class:`Ctx`: one store, one day, the metrics engine) and what it returns
(:class:`Finding`). Every number comes from the metrics engine (or an existing analysis); an evaluator only
compares them with its rule's thresholds."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from shoplens.metrics.format import format_value
from shoplens.warehouse.scope import StoreInfo

Var = tuple[Any, str]  # a placeholder's value and its unit (count, percent, currency, number, days, text)


@dataclass
class Ctx:
    engine: Any
    wh: Any
    store: StoreInfo
    day: date

    def window(self, days: int, end: date | None = None) -> tuple[date, date]:
        """The ``days`` local days up to ``end`` (default: the checked day), inclusive."""
        end = end or self.day
        return end - timedelta(days=days - 1), end

    def rows(self, metrics: list[str], by: list[str], span: tuple[date, date], **kw: Any) -> list[dict[str, Any]]:
        """The engine's rows for this store (no targets: thresholds are the rule's)."""
        return self.engine.query(metrics, by=by, start=span[0], end=span[1], store=self.store.store_id,
                                 targets=False, **kw).rows

    def total(self, metrics: list[str], span: tuple[date, date], **kw: Any) -> dict[str, Any]:
        rows = self.rows(metrics, [], span, **kw)
        return rows[0] if rows else {}


@dataclass
class Finding:
    scope: dict[str, str]  # dimension values besides the store
    evidence: list[dict[str, Any]]
    vars: dict[str, Var]
    effect: float | None = None  # GMV at stake (reporting currency), what the recommendations are sorted by
    links: dict[str, Any] = field(default_factory=dict)
    priority: str | None = None  # overrides the rule's


# how each kind estimates its expected effect (GMV at stake, in the store's reporting currency)
EFFECTS = {
    "product_conversion": ("GMV if the product converted like the store: visitors x conversion gap x revenue per buyer",
                           "若该商品转化率达到全店水平可多得的成交额：访客 × 转化率差 × 客单价"),
    "cart_payment": ("GMV lost on the day: add-to-cart visitors x cart-to-purchase gap x revenue per buyer of the "
                     "days before", "当天损失的成交额：加购人数 × 加购支付转化率差 × 此前的客单价"),
    "benchmark_conversion": ("GMV if conversion reached the rule's share of the benchmark: visitors x gap x revenue "
                             "per buyer", "转化率达到基准的规则比例时可多得的成交额：访客 × 差距 × 客单价"),
    "channel_uv_value": ("GMV lost in the window against the value per visitor before: visitors x drop",
                         "相对此前 UV 价值损失的成交额：访客 × 下降额"),
    "channel_roi": ("spend not earned back in the window: spend x (1 - ROI)", "窗口内未收回的花费：花费 × (1 − ROI)"),
    "win_back": ("GMV if the rule's share of members buys once at the store's revenue per buyer of the last 90 days",
                 "按规则比例的成员各购买一次（近 90 天客单价）可得的成交额"),
    "stock_cover": ("sales at risk until a reorder arrives: (lead time - days of cover) x daily units x average price",
                    "补货到达前可能损失的销售额：(补货周期 − 可售天数) × 日均件数 × 平均售价"),
    "product_refunds": ("refunds above the product's usual rate in the window: rate gap x its GMV",
                        "窗口内高出该商品平时退款率的退款额：退款率差 × 其成交额"),
}


# what an evidence item's ``reference`` is: the scope's own earlier level, the store's level, the configured
# benchmark, the rule's limit, the least sample the rule needs before it speaks, or the scope the rule compares to
REFERENCE_KINDS = ("history", "store", "benchmark", "threshold", "minimum", "compared")


def ev(metric: str, value: Any, reference: Any, kind: str | None = None, **extra: Any) -> dict[str, Any]:
    """One evidence number; ``kind`` (one of REFERENCE_KINDS) says what its reference is, so a reader never takes a
    minimum sample size for a comparison value."""
    if reference is not None and kind not in REFERENCE_KINDS:
        raise ValueError(f"evidence {metric}: reference kind {kind!r} is not one of {REFERENCE_KINDS}")
    return {"metric": metric, "value": _clean(value), "reference": _clean(reference),
            "reference_kind": kind if reference is not None else None, **extra}


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 10)
    return value


def window_words(days: int) -> tuple[str, str]:
    return (f"{days} day" if days == 1 else f"{days} days"), ("当天" if days == 1 else f"近 {days} 天")


def fill(template: str, values: dict[str, Var], lang: str, currency: str | None) -> str:
    shown = {}
    for key, (value, unit) in values.items():
        if unit == "text":
            shown[key] = str(value)
        elif unit == "words":  # (en, zh)
            shown[key] = value[0] if lang == "en" else value[1]
        elif unit == "signed":
            shown[key] = "—" if value is None else f"{value:+.1%}"
        elif unit == "days":
            shown[key] = "—" if value is None else f"{value:.1f}"
        else:
            shown[key] = format_value(value, unit, lang, currency if unit == "currency" else None)
    return template.format(**shown)


def scope_words(store: str, scope: dict[str, str]) -> str:
    return " · ".join([store, *(f"{k}={v}" for k, v in scope.items())])


def alert_links(store: str, day: date) -> dict[str, str]:
    return {"alerts": f"/api/v1/alerts?store={quote(store, safe='')}&from={day}&to={day}",
            "alerts_command": f"shoplens alerts list --store {shlex.quote(store)} --from {day} --to {day}"}
