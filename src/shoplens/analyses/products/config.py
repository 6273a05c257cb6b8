"""The ``products:`` section of shoplens.yaml: one part per product analysis (``roles:``, ``trial:``).

Each analysis reads its own part through :func:`config_part`, which checks the section's shape once for all of
them, so a misspelt part (``role:``) is an error with "did you mean", not a silently ignored block.
"""

from __future__ import annotations

from typing import Any

from shoplens.errors import ShoplensError, close_hint

PARTS: dict[str, str] = {"roles": "roles: {slow_days: 45}", "trial": "trial: {days: 15, min_references: 4}"}


def config_part(section: Any, where: str, part: str) -> tuple[dict[str, Any] | None, str]:
    """``products:`` → (its ``part`` mapping or None when absent, the place of that part for error lines)."""
    place = f"{where}.{part}"
    if section is None:
        return None, place
    if not isinstance(section, dict):
        raise ShoplensError("products: must be a mapping", where=where, hint=f"e.g. products: {{{PARTS[part]}}}",
                            zh="products: 应为键值映射", zh_hint=f"例如 products: {{{PARTS[part]}}}")
    for key in section:
        if key not in PARTS:
            hint, zh_hint = close_hint(str(key), list(PARTS))
            raise ShoplensError(f"unknown part {key!r} of products:", where=f"{where}.{key}", hint=hint,
                                zh=f"products: 下没有 {key!r}", zh_hint=zh_hint)
    value = section.get(part)
    if value is None:
        return None, place
    if not isinstance(value, dict):
        raise ShoplensError(f"{part}: must be a mapping", where=place, hint=f"e.g. {PARTS[part]}",
                            zh=f"{part}: 应为键值映射", zh_hint=f"例如 {PARTS[part]}")
    return value, place
