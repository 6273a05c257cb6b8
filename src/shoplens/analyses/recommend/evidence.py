"""What an evaluator works with (:class:`Ctx`: one store, one day, the metrics engine) and what it returns
(:class:`Finding`). Every number comes from the metrics engine (or an existing analysis); an evaluator only
compares them with its rule's thresholds."""

from __future__ import annotations

import shlex
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from shoplens.metrics.format import format_value
from shoplens.value_labels import VALUES, name
from shoplens.warehouse.scope import StoreInfo

# a placeholder's value and its unit: count, percent, currency, number, days, signed, text, words ((en, zh)),
# name (one of the seller's own names: a product, store, segment), names (a list of them: campaigns),
# values ((dim, [ids]): enumerated values, named in zh through shoplens.value_labels), scope ((store, {dim: id}))
Var = tuple[Any, str]
NAMED_UNITS = ("name", "names", "values", "scope")
_DIM_ZH = {"segment": "人群"}  # scopes the metrics catalog has no dimension for


@dataclass
class Ctx:
    engine: Any
    wh: Any
    store: StoreInfo
    day: date
    config: Any = None  # the config file (--config): rules that reuse another analysis's settings read it

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
        if unit in ("text", "name"):
            shown[key] = str(value)
        elif unit == "names":  # English keeps its ", " (the texts the tests pin); Chinese lists with 、
            shown[key] = (", " if lang == "en" else "、").join(str(v) for v in value) or "—"
        elif unit == "values":
            dim, ids = value
            shown[key] = ", ".join(str(v) for v in ids) if lang == "en" else \
                "、".join(str(name(dim, v, "zh")) for v in ids) or "—"
        elif unit == "scope":
            shown[key] = scope_words(*value, lang=lang)
        elif unit == "words":  # (en, zh)
            shown[key] = value[0] if lang == "en" else value[1]
        elif unit == "signed":
            shown[key] = "—" if value is None else f"{value:+.1%}"
        elif unit == "days":
            shown[key] = "—" if value is None else f"{value:.1f}"
        else:
            shown[key] = format_value(value, unit, lang, currency if unit == "currency" else None)
    return template.format(**shown)


def dim_zh(dim: str) -> str:
    """A dimension's Chinese name: the metrics catalog's, else value_labels' ``dimension`` table's, else the id."""
    from shoplens.metrics.spec import load_catalog

    known = load_catalog().dimensions.get(dim)
    if known is not None:
        return known.zh
    return _DIM_ZH.get(dim) or VALUES["dimension"].get(dim, (dim, dim))[0]


def scope_words(store: str, scope: dict[str, str], lang: str = "en") -> str:
    """``demo · channel=paid_search`` in English (what ``--where`` takes), ``demo · 渠道 付费搜索`` in Chinese."""
    if lang == "en":
        return " · ".join([store, *(f"{k}={v}" for k, v in scope.items())])
    return " · ".join([store, *(f"{dim_zh(k)} {name(k, v, 'zh')}" for k, v in scope.items())])


def raw_names(values: dict[str, Var], templates: list[str]) -> list[str]:
    """The seller's own names (and ids without a label) the texts show verbatim, in order of first use: what a
    reader sees untranslated on purpose (the dashboard marks them as names)."""
    used = [f for text in templates for _, f, _, _ in string.Formatter().parse(text) if f]
    out: list[str] = []
    for key in dict.fromkeys(used):
        value, unit = values.get(key, (None, ""))
        if unit == "name":
            found = [value]
        elif unit == "names":
            found = list(value)
        elif unit == "values":
            found = [v for v in value[1] if name(value[0], v, "zh") == v]
        elif unit == "scope":
            found = [value[0], *(v for k, v in value[1].items() if name(k, v, "zh") == v)]
        else:
            continue
        out += [str(v) for v in found if v not in (None, "", "—") and str(v) not in out]
    return out


def alert_links(store: str, day: date) -> dict[str, str]:
    return {"alerts": f"/api/v1/alerts?store={quote(store, safe='')}&from={day}&to={day}",
            "alerts_command": f"shoplens alerts list --store {shlex.quote(store)} --from {day} --to {day}"}
