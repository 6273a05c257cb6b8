"""The kinds of recommendation rule: the parameters each evidence query takes and the placeholders its action text
may use. A rule of the catalog (``rules.yaml``) or of the config names one kind; the evaluators live in
:mod:`.traffic` and :mod:`.stock`.

Parameter types: ``days`` (a whole number of days, 1..366), ``days?`` (the same, or absent: another setting
decides), ``count`` (a whole number >= 0), ``number`` (> 0), ``share`` (0 < x <= 1), ``bool``, ``dim`` (a dimension
the kind's metrics can be cut by), ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kind:
    params: dict[str, tuple[str, Any]]  # name -> (type, default)
    placeholders: tuple[str, ...]
    metrics: tuple[str, ...] = ()  # what a `dim` parameter must be able to cut


COMMON_PLACEHOLDERS = ("scope", "store", "day", "window", "value", "reference")
KINDS: dict[str, Kind] = {
    "product_conversion": Kind({"window_days": ("days", 7), "top": ("count", 20), "min_visitors": ("count", 50),
                                "max_ratio": ("share", 0.5)}, ("product", "visitors")),
    "cart_payment": Kind({"by": ("dim", "channel"), "baseline_days": ("days", 7), "drop": ("share", 0.5),
                          "cart_floor": ("share", 0.8), "min_cart_adders": ("count", 50)},
                         ("cart_rate", "cart_reference", "cart_adders"),
                         ("add_to_cart_rate", "cart_to_purchase_rate")),
    "benchmark_conversion": Kind({"by": ("dim", "channel"), "window_days": ("days", 7), "share": ("share", 0.5),
                                  "min_visitors": ("count", 200)}, ("visitors",), ("conversion_rate",)),
    "channel_uv_value": Kind({"by": ("dim", "channel"), "window_days": ("days", 7), "drop": ("share", 0.2),
                              "min_visitors": ("count", 200), "paid_only": ("bool", True)},
                             ("change", "better", "visitors"), ("uv_value",)),
    "channel_roi": Kind({"by": ("dim", "channel"), "days": ("days", 7), "max_roi": ("number", 1.0)},
                        ("spend", "campaigns"), ("roi", "ad_spend")),
    "win_back": Kind({"segment": ("text", "rfm=at_risk|lost"), "save_as": ("text", "win_back"),
                      "min_members": ("count", 20), "min_value_ratio": ("number", 1.0),
                      "reactivation": ("share", 0.05)}, ("members", "segment")),
    "slow_stock": Kind({"days": ("days", 30), "min_units": ("count", 1)}, ("count", "units")),
    "stock_cover": Kind({"sales_days": ("days", 28), "top_share": ("share", 0.1), "lead_time_days": ("days?", None)},
                        ("product", "units", "cover", "daily")),
    "product_refunds": Kind({"window_days": ("days", 7), "reference_days": ("days", 28), "ratio": ("number", 2.0),
                             "min_rate": ("share", 0.1), "min_orders": ("count", 10)}, ("product",)),
}


def placeholders(kind: str) -> tuple[str, ...]:
    return COMMON_PLACEHOLDERS + KINDS[kind].placeholders
