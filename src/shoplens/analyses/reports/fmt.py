"""How a report prints a number: one place for every renderer (markdown, HTML, PDF)."""

from __future__ import annotations

from typing import Any

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$", "BRL": "R$"}
NONE = "—"


def number(value: Any, unit: str | None, currency: str | None = None) -> str:
    """``value`` in ``unit``: money with its symbol and thousands, percent with one decimal, counts whole."""
    if value is None:
        return NONE
    if unit is None:
        return str(value)
    v = float(value)
    if unit == "currency":
        sym = SYMBOLS.get(currency or "", f"{currency} " if currency else "")
        sign = "-" if v < 0 else ""
        return f"{sign}{sym}{abs(v):,.0f}" if abs(v) >= 1000 else f"{sign}{sym}{abs(v):,.2f}"
    if unit == "percent":
        return f"{v * 100:.2f}%" if abs(v) < 0.1 else f"{v * 100:.1f}%"
    if unit == "pp":  # a difference of two rates, in percentage points
        return f"{v * 100:.2f} pp"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "days":
        return f"{v:,.1f} d"
    return f"{v:,.2f}"


def change(value: float | None) -> str:
    """A relative change with its arrow: ``▲ 7.7%``, ``▼ 15.5%``; ``—`` when undefined."""
    if value is None:
        return NONE
    if value == 0:
        return "0.0%"
    return f"{'▲' if value > 0 else '▼'} {abs(value) * 100:.1f}%"


def attainment(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.0f}%"


def tone(value: float | None, good: str) -> str:
    """good / bad / flat: whether a change is good news for a metric whose ``good`` direction is up or down."""
    if value is None or value == 0 or good == "neutral":
        return "flat"
    return "good" if (value > 0) == (good == "up") else "bad"
