"""The ``replenish:`` section of shoplens.yaml: lead times, service levels and review periods.

::

    replenish:
      defaults: {lead_time_days: 14, service_level: 0.95, review_period_days: 7}
      suppliers: {Acme Labs: {lead_time_days: 30}}
      categories: {skincare: {service_level: 0.98}}
      products: {SKU100004: {lead_time_days: 5, review_period_days: 3}}

Each value is resolved on its own, first found wins: the SKU's entry, its supplier's, its category's, then the
command line's explicit flag, then ``defaults:``, then the built-in defaults (14 days, 0.95, 7 days). So a flag
(``--lead-time 21``) overrides the config's defaults but never an entry written for a SKU, supplier or category:
those are facts about the product, the flag is a what-if for the rest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from shoplens.analyses.replenish.calc import Policy
from shoplens.config import config_section
from shoplens.errors import ShoplensError, close_hint

BUILT_IN = {"lead_time_days": 14.0, "service_level": 0.95, "review_period_days": 7.0}
KEYS = tuple(BUILT_IN)
GROUPS = ("products", "suppliers", "categories")
FLAGS = {"lead_time_days": "--lead-time", "service_level": "--service-level", "review_period_days": "--review-period"}


def _bad(where: str, message: str, zh: str, hint: str, zh_hint: str) -> ShoplensError:
    return ShoplensError(message, where=where, hint=hint, zh=zh, zh_hint=zh_hint)


def check_value(key: str, value: Any, where: str) -> float:
    """One lead time (> 0 days), review period (≥ 0 days) or service level (strictly between 0.5 and 1)."""
    if value is None:
        raise _bad(where, f"{key} is missing (empty)", f"{key} 缺少取值（为空）", f"write e.g. {key}: "
                   f"{BUILT_IN[key]:g}", f"例如 {key}: {BUILT_IN[key]:g}")
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise _bad(where, f"{key} {value!r} is not a number", f"{key} {value!r} 不是数字",
                   f"write e.g. {key}: {BUILT_IN[key]:g}", f"例如 {key}: {BUILT_IN[key]:g}")
    value = float(value)
    if key == "service_level" and not 0.5 < value < 1:
        raise _bad(where, f"service level {value:g} is outside (0.5, 1)", f"服务水平 {value:g} 不在 (0.5, 1) 之间",
                   "write it as a share, e.g. 0.95 for 95 %", "请写成小数，例如 0.95 表示 95%")
    if key == "lead_time_days" and value <= 0:
        raise _bad(where, f"lead time {value:g} days is not above 0", f"补货周期 {value:g} 天不大于 0",
                   "the days from placing an order to the goods on the shelf, e.g. 14", "下单到上架的天数，例如 14")
    if key == "review_period_days" and value < 0:
        raise _bad(where, f"review period {value:g} days is negative", f"盘点周期 {value:g} 天为负数",
                   "the days between two orders, e.g. 7 (0: order any day)",
                   "两次下单之间的天数，例如 7（0 表示随时下单）")
    return value


def _entry(raw: Any, where: str) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise _bad(where, "expected a mapping of lead_time_days, service_level, review_period_days",
                   "应为 lead_time_days、service_level、review_period_days 的映射",
                   "e.g. {lead_time_days: 21}", "例如 {lead_time_days: 21}")
    out = {}
    for key, value in raw.items():
        if key not in KEYS:
            hint, zh_hint = close_hint(str(key), KEYS)
            raise _bad(f"{where}.{key}", f"unknown key {key!r}", f"未知的键 {key!r}", hint or f"known: "
                       f"{', '.join(KEYS)}", zh_hint or f"可用：{'、'.join(KEYS)}")
        out[key] = check_value(key, value, f"{where}.{key}")
    return out


@dataclass(frozen=True)
class ReplenishConfig:
    defaults: dict[str, float] = field(default_factory=dict)
    products: dict[str, dict[str, float]] = field(default_factory=dict)
    suppliers: dict[str, dict[str, float]] = field(default_factory=dict)
    categories: dict[str, dict[str, float]] = field(default_factory=dict)

    def policy(self, product_id: str, supplier: str | None, category: str | None,
               flags: dict[str, float | None]) -> Policy:
        """The SKU's values (see the module's order), with the source of each."""
        layers = [("sku", self.products.get(product_id, {})),
                  ("supplier", self.suppliers.get(supplier, {}) if supplier is not None else {}),
                  ("category", self.categories.get(category, {}) if category is not None else {}),
                  ("flag", {k: v for k, v in flags.items() if v is not None}),
                  ("config", self.defaults), ("default", BUILT_IN)]
        values, source = {}, {}
        for key in KEYS:
            source[key], values[key] = next((name, layer[key]) for name, layer in layers if key in layer)
        return Policy(values["lead_time_days"], values["service_level"], values["review_period_days"], source)


def parse_config(section: Any, where: str) -> ReplenishConfig:
    if section is None:
        return ReplenishConfig()
    if not isinstance(section, dict):
        raise _bad(where, "the replenish section must be a mapping (defaults, products, suppliers, categories)",
                   "replenish 部分应为映射（defaults、products、suppliers、categories）",
                   "see README, section Replenishment", "参见 README 的“补货建议”一节")
    known = ("defaults", *GROUPS)
    for key in section:
        if key not in known:
            hint, zh_hint = close_hint(str(key), known)
            raise _bad(f"{where}.{key}", f"unknown key {key!r}", f"未知的键 {key!r}",
                       hint or f"known: {', '.join(known)}", zh_hint or f"可用：{'、'.join(known)}")
    groups: dict[str, dict[str, dict[str, float]]] = {}
    for group in GROUPS:
        raw = section.get(group) or {}
        if not isinstance(raw, dict):
            raise _bad(f"{where}.{group}", f"{group} must be a mapping of name: {{lead_time_days: ...}}",
                       f"{group} 应为“名称: {{lead_time_days: ...}}”的映射", "e.g. {SKU1: {lead_time_days: 21}}",
                       "例如 {SKU1: {lead_time_days: 21}}")
        groups[group] = {str(k): _entry(v, f"{where}.{group}.{k}") for k, v in raw.items()}
    return ReplenishConfig(_entry(section.get("defaults") or {}, f"{where}.defaults"), **groups)


def load_config(explicit: str | os.PathLike[str] | None = None) -> ReplenishConfig:
    """``replenish:`` of the config file (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml)."""
    return parse_config(*config_section(explicit, "replenish"))
