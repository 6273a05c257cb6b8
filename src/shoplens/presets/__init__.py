"""Registry of import presets for real platform exports (docs/presets.md)."""

from __future__ import annotations

from shoplens.errors import ShoplensError
from shoplens.presets.base import Preset

_PRESETS: dict[str, str] = {
    # name -> module:attribute, imported on demand
    "online-retail": "shoplens.presets.online_retail:PRESET",
    "taobao-userbehavior": "shoplens.presets.taobao:PRESET",
    "cdnow": "shoplens.presets.cdnow:PRESET",
    "olist": "shoplens.presets.olist:PRESET",
    "amazon-orders": "shoplens.presets.amazon:PRESET",
    "amazon-business-report": "shoplens.presets.amazon_reports:BUSINESS_REPORT",
    "amazon-ads": "shoplens.presets.amazon_reports:ADS",
    "ga4-bigquery": "shoplens.presets.ga4:PRESET",
    "shopify-orders": "shoplens.presets.shopify:PRESET",
    "shopify-products": "shoplens.presets.shopify_catalog:PRODUCTS",
    "shopify-customers": "shoplens.presets.shopify_catalog:CUSTOMERS",
    "woocommerce-orders": "shoplens.presets.woocommerce:PRESET",
    "tmall-orders": "shoplens.presets.tmall:PRESET",
    "sycm-trade": "shoplens.presets.sycm:SYCM_TRADE",
    "sycm-traffic": "shoplens.presets.sycm:SYCM_TRAFFIC",
    "sycm-products": "shoplens.presets.sycm:SYCM_PRODUCTS",
}


def preset_names() -> list[str]:
    return sorted(_PRESETS)


def get_preset(name: str) -> Preset:
    if name not in _PRESETS:
        names = ", ".join(preset_names())
        raise ShoplensError(f"unknown preset {name!r}", hint="presets: " + names,
                            zh=f"未知的预设 {name!r}", zh_hint="可用预设：" + names)
    import importlib

    module, attr = _PRESETS[name].split(":")
    return getattr(importlib.import_module(module), attr)
