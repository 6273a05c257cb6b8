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
}


def preset_names() -> list[str]:
    return sorted(_PRESETS)


def get_preset(name: str) -> Preset:
    if name not in _PRESETS:
        raise ShoplensError(f"unknown preset {name!r}", hint="presets: " + ", ".join(preset_names()))
    import importlib

    module, attr = _PRESETS[name].split(":")
    return getattr(importlib.import_module(module), attr)
