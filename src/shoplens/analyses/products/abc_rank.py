"""The ABC rule on per-SKU values (pure Python: at most one row per SKU, ≤ 50 k rows).

Rank by value (descending; ties by product_id ascending). A SKU is A when the cumulative share of the SKUs ranked
ABOVE it is below the first threshold (so the SKU that crosses it is A), B when below the second, else C.
Only positive values add to the Pareto: the total is the sum of positive values, a SKU at 0 or below has share 0
and cannot move the cumulative share (negative margin: it sinks to the bottom and is C).
A SKU whose value is unknown (margin without any unit cost) is not ranked: class None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CLASSES = ("A", "B", "C")


@dataclass
class Ranked:
    product_id: str
    value: float | None
    rank: int | None = None
    share: float | None = None
    cumulative_share: float | None = None
    klass: str | None = None


def sort_key(value: float | None, product_id: str) -> tuple[float, str]:
    return (-round(value or 0.0, 6), product_id)


def classify(values: dict[str, float | None], thresholds: tuple[float, float]) -> dict[str, Ranked]:
    """Rank, share, cumulative share and class of every SKU of one group (a store, or one category of it)."""
    known = sorted(((p, v) for p, v in values.items() if v is not None), key=lambda pv: sort_key(pv[1], pv[0]))
    total = sum(round(v, 6) for _, v in known if v > 0)
    out: dict[str, Ranked] = {p: Ranked(p, None) for p, v in values.items() if v is None}
    above = 0.0
    for rank, (pid, value) in enumerate(known, start=1):
        positive = max(round(value, 6), 0.0)
        share_above = above / total if total > 0 else 1.0
        klass = "A" if share_above < thresholds[0] else "B" if share_above < thresholds[1] else "C"
        if positive == 0:
            klass = "C"  # no sales (or a loss) is never A or B, even in a group without any positive value
        above += positive
        out[pid] = Ranked(pid, value, rank, positive / total if total > 0 else None,
                          above / total if total > 0 else None, klass)
    return out


def class_summary(rows: list[Ranked], values_total: float) -> dict[str, dict[str, Any]]:
    """SKUs, value and share of each class (share of the positive total of all groups)."""
    out: dict[str, dict[str, Any]] = {}
    for klass in CLASSES:
        members = [r for r in rows if r.klass == klass]
        value = sum(r.value or 0.0 for r in members)
        positive = sum(max(r.value or 0.0, 0.0) for r in members)
        out[klass] = {"skus": len(members), "value": value,
                      "share": positive / values_total if values_total > 0 else None}
    return out


def movement(previous: dict[str, str | None], current: dict[str, str | None]) -> dict[str, dict[str, int]]:
    """How many SKUs went from each previous class ("new": none then) to each current class."""
    out: dict[str, dict[str, int]] = {k: {c: 0 for c in CLASSES} for k in (*CLASSES, "new")}
    for pid, now in current.items():
        if now is None:
            continue
        out[previous.get(pid) or "new"][now] += 1
    return out
