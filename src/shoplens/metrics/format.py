"""Display formatting of metric values by unit and language (the JSON keeps raw numbers)."""

from __future__ import annotations

from typing import Any


def format_value(value: Any, unit: str, lang: str = "en", currency: str | None = None) -> str:
    if value is None:
        return "—"
    v = float(value)
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "percent":
        return f"{v * 100:.2f}%"
    if unit == "currency":
        return f"{v:,.2f}" + (f" {currency}" if currency else "")
    if unit == "seconds":
        if abs(v) >= 3600:
            return f"{v / 3600:.1f} 小时" if lang == "zh" else f"{v / 3600:.1f} h"
        if abs(v) >= 60:
            return f"{v / 60:.1f} 分钟" if lang == "zh" else f"{v / 60:.1f} min"
        return f"{v:.0f} 秒" if lang == "zh" else f"{v:.0f} s"
    if unit == "days":
        return f"{v:.1f} 天" if lang == "zh" else f"{v:.1f} d"
    return f"{v:,.2f}"


def format_change(value: Any, good: str | None = None) -> str:
    """``▲ 12.3%``; with ``good`` (the metric's good direction) as Rich markup: green good, red bad."""
    if value is None:
        return "—"
    v = float(value) * 100
    arrow = "▲" if v > 0 else "▼" if v < 0 else "="
    text = f"{arrow} {abs(v):.1f}%"
    if good in ("up", "down") and v != 0:
        colour = "green" if (v > 0) == (good == "up") else "red"
        return f"[{colour}]{text}[/]"
    return text
