"""The ABC rule on per-SKU values (one row per SKU, ≤ 50 k rows: pandas, vectorised).

Rank by value (descending; ties by product_id ascending). A SKU is A when the cumulative share of the SKUs ranked
ABOVE it is below the first threshold (so the SKU that crosses it is A), B when below the second, else C.
Only positive values add to the Pareto: the total is the sum of positive values, a SKU at 0 or below has share 0
and cannot move the cumulative share (negative margin: it sinks to the bottom and is C).
A SKU whose value is unknown (margin without any unit cost) is not ranked: class None.
Values are rounded to 6 decimals before ranking, so that float noise never breaks a tie.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

CLASSES = ("A", "B", "C")


def classify(frame: pd.DataFrame, thresholds: tuple[float, float]) -> pd.DataFrame:
    """``frame`` (product_id, value, group) -> the same rows with rank, share, cumulative_share and class, in
    order: group, then rank (unranked SKUs last in their group)."""
    df = frame.copy()
    df["value"] = df["value"].astype("float64").round(6)
    known = df["value"].notna()
    df["_unknown"] = ~known
    df["_neg"] = -df["value"].fillna(0.0)
    df = df.sort_values(["group", "_unknown", "_neg", "product_id"], kind="mergesort").reset_index(drop=True)
    positive = df["value"].clip(lower=0).fillna(0.0)
    groups = df.groupby("group", sort=False)
    total = positive.groupby(df["group"], sort=False).transform("sum")
    cum = positive.groupby(df["group"], sort=False).cumsum()
    has_total = total > 0
    share_above = np.where(has_total, (cum - positive) / total.where(has_total, 1.0), 1.0)
    klass = np.where(share_above < thresholds[0], "A", np.where(share_above < thresholds[1], "B", "C"))
    klass = np.where(positive > 0, klass, "C")
    df["class"] = pd.Series(klass, dtype=object).where(~df["_unknown"], None)
    df["rank"] = (groups.cumcount() + 1).astype(object).where(~df["_unknown"], None)
    df["share"] = (positive / total).where(has_total & ~df["_unknown"], None)
    df["cumulative_share"] = (cum / total).where(has_total & ~df["_unknown"], None)
    return df.drop(columns=["_unknown", "_neg"])


def class_summary(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """SKUs, value and share of each class (share of the positive total of all groups)."""
    total = float(df["value"].clip(lower=0).fillna(0.0).sum())
    out: dict[str, dict[str, Any]] = {}
    for klass in CLASSES:
        members = df[df["class"] == klass]
        positive = float(members["value"].clip(lower=0).fillna(0.0).sum())
        out[klass] = {"skus": len(members), "value": float(members["value"].fillna(0.0).sum()),
                      "share": positive / total if total > 0 else None}
    return out


def movement(previous: dict[str, str | None], current: dict[str, str | None]) -> dict[str, dict[str, int]]:
    """How many SKUs went from each previous class ("new": none then) to each current class."""
    out: dict[str, dict[str, int]] = {k: {c: 0 for c in CLASSES} for k in (*CLASSES, "new")}
    for pid, now in current.items():
        if now is None:
            continue
        out[previous.get(pid) or "new"][now] += 1
    return out
