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


def recognising(header: list[str]) -> list[str]:
    """The presets whose ``recognise`` accepts ``header``, by name."""
    return [name for name in preset_names() if get_preset(name).recognise(header)]


def get_preset(name: str) -> Preset:
    if name not in _PRESETS:
        names = ", ".join(preset_names())
        raise ShoplensError(f"unknown preset {name!r}", hint="presets: " + names,
                            zh=f"未知的预设 {name!r}", zh_hint="可用预设：" + names)
    import importlib

    module, attr = _PRESETS[name].split(":")
    return getattr(importlib.import_module(module), attr)
