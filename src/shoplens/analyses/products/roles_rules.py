"""The cut-offs of the product roles (``products: roles:`` in shoplens.yaml) and their checks.

The defaults are the dataclass below; a config file overrides any of them. Every cut-off is a plain number so
an operator can read the rule table in docs/products.md and tune it without reading code.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from shoplens.analyses.products.config import config_part
from shoplens.config import config_section
from shoplens.errors import ShoplensError

# the primary role is the first of these that matches (``roles`` lists every match in this order)
PRECEDENCE = ("slow_mover", "hero", "traffic_driver", "potential", "profit", "new", "normal")


@dataclass(frozen=True)
class RoleRules:
    """Cut-offs of the role table. Ratios (``*_ratio``) are multiples of the SKU's category median."""

    new_days: int = 30  # 新品: launched within this many days up to the range end
    slow_days: int = 30  # 滞销款: on sale, stock > 0 and no unit sold in this many days up to the range end
    hero_gmv_share: float = 0.6  # 爆款: among the SKUs making the first 60 % of the category's GMV (A-class-like)
    traffic_ratio: float = 2.0  # 引流款: product-page visitors ≥ 2 × the category median…
    low_conversion_ratio: float = 1.0  # … and conversion < 1 × the category median
    potential_ratio: float = 1.5  # 潜力款: conversion or add-to-cart rate ≥ 1.5 × the category median…
    min_visitors: int = 30  # … with visitors below the median but at least this many (1 visitor is no evidence)
    margin_min: float = 0.5  # 利润款: gross margin ≥ 50 %…
    profit_sales_ratio: float = 1.0  # … and GMV ≥ 1 × the category's median GMV of SKUs that sold

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_INTS = frozenset({"new_days", "slow_days", "min_visitors"})
_SHARES = frozenset({"hero_gmv_share", "margin_min"})


def _bad(where: str, message: str, hint: str, zh: str, zh_hint: str) -> ShoplensError:
    return ShoplensError(message, where=where, hint=hint, zh=zh, zh_hint=zh_hint)


def _value(key: str, value: Any, where: str) -> int | float:
    place = f"{where}.{key}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        kind = "a whole number" if key in _INTS else "a number"
        raise _bad(place, f"{key} must be {kind}, not {value!r}", f"e.g. {key}: {getattr(RoleRules, key)}",
                   f"{key} 应为{'整数' if key in _INTS else '数字'}，而不是 {value!r}",
                   f"例如 {key}: {getattr(RoleRules, key)}")
    if key in _INTS and (not float(value).is_integer() or value < 1):
        raise _bad(place, f"{key} must be a whole number of at least 1, not {value!r}", f"e.g. {key}: 30",
                   f"{key} 应为不小于 1 的整数，而不是 {value!r}", f"例如 {key}: 30")
    if key in _SHARES and not 0 < value <= 1:
        raise _bad(place, f"{key} must be a share between 0 and 1, not {value!r}", f"e.g. {key}: 0.6",
                   f"{key} 应为 0 到 1 之间的比例，而不是 {value!r}", f"例如 {key}: 0.6")
    if value < 0:
        raise _bad(place, f"{key} must not be negative", f"e.g. {key}: {getattr(RoleRules, key)}",
                   f"{key} 不能为负数", f"例如 {key}: {getattr(RoleRules, key)}")
    return int(value) if key in _INTS else float(value)


def parse_rules(section: Any, where: str) -> RoleRules:
    """``products:`` section of the config -> the role cut-offs (defaults for what it does not say). Other keys
    of ``products:`` (e.g. ``trial:``) belong to other analyses and are not read here."""
    roles, where = config_part(section, where, "roles")
    if roles is None:
        return RoleRules()
    known = [f.name for f in fields(RoleRules)]
    changes = {}
    for key, value in roles.items():
        if key not in known:
            raise _bad(f"{where}.{key}", f"unknown key {key!r}", f"keys: {', '.join(known)}",
                       f"未知的键 {key!r}", f"可用的键：{', '.join(known)}")
        changes[key] = _value(key, value, where)
    return replace(RoleRules(), **changes)


def load_rules(explicit: str | os.PathLike[str] | None) -> RoleRules:
    """The role cut-offs of the config file (``--config``, ``SHOPLENS_CONFIG`` or ./shoplens.yaml)."""
    return parse_rules(*config_section(explicit, "products"))
