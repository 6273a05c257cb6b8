"""Request parameters the CLI and the REST API read the same way (a light module: no Ibis, no DuckDB)."""

from __future__ import annotations

from datetime import date

from shoplens.errors import ShoplensError


def split_values(values: str | list[str] | None) -> list[str]:
    """``["a,b", "c"]`` (repeated and/or comma-separated options) -> ``["a", "b", "c"]``."""
    items = [values] if isinstance(values, str) else values or []
    return [v.strip() for item in items for v in item.split(",") if v.strip()]


def where_pairs(values: list[str] | None) -> dict[str, list[str]]:
    """``--where DIM=VALUE`` options (repeatable; the same DIM twice means either) -> ``{dim: [values]}``."""
    out: dict[str, list[str]] = {}
    for item in values or []:
        dim, sep, value = item.partition("=")
        if not sep or not dim.strip():
            raise ShoplensError(f"--where {item!r} is not DIM=VALUE", hint="e.g. --where channel=paid_search",
                                zh=f"--where {item!r} 不是 维度=值 的形式", zh_hint="例如 --where channel=paid_search")
        out.setdefault(dim.strip(), []).append(value.strip())
    return out


DATE_MIN = date(1900, 1, 1)  # the dates a request may name: far enough for any history, and no overflow
DATE_MAX = date(2199, 12, 31)  # when a range is shifted back a year or forward 30 days
