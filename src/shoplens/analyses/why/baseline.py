"""``--compare baseline``: the reference is "the usual", the mean of the 4 earlier periods with the same days of
the week (:func:`shoplens.metrics.periods.baseline_periods`, the same periods as the ``same_weekday`` alert
baseline; one day → the same weekday of the previous 4 weeks).

Means are taken of counts and sums, never of ratios: a ratio's reference is its averaged numerator over its
averaged denominator (conversion = mean buyers / mean visitors), so the factor tree still multiplies to the
metric and a dimension's rate and mix effects still add up to the change exactly. A dimension value missing from
a period counts 0 there (a channel with no visitors that week). A metric that is neither (bounce rate, ROI) is the
mean of the periods that have a value. A period that starts before the store's first day is left out of the mean
(with a note); when none is left the answer is an error.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shoplens.analyses.why import query as Q
from shoplens.errors import ShoplensError

Row = dict[str, float | None]


def _parts(engine: Any, metric: str) -> tuple[str, str] | None:
    if metric == "cart_to_purchase_rate":  # cart_then_buyers is no catalog metric: the row's own count
        return Q.CART_BUYERS, "add_to_cart_users"
    return Q.ratio_parts(engine, metric) if metric in engine.catalog.metrics else None


def average(engine: Any, periods: list[dict[str, Row]]) -> dict[str, Row]:
    """Per key (dimension value, or ``""``), the mean of each metric over the periods (ratios from means)."""
    n = len(periods)
    keys = list(dict.fromkeys(k for period in periods for k in period))
    names = list(dict.fromkeys(m for period in periods for row in period.values() for m in row))
    out: dict[str, Row] = {}
    for key in keys:
        rows = [period.get(key) for period in periods]
        row: Row = {}
        for m in names:
            if _parts(engine, m) is not None:
                continue
            if m == Q.CART_BUYERS or engine.catalog.is_additive(m):
                row[m] = sum((r or {}).get(m) or 0.0 for r in rows) / n
            else:
                present = [v for r in rows if r is not None and (v := r.get(m)) is not None]
                row[m] = sum(present) / len(present) if present else None
        for m in names:
            parts = _parts(engine, m)
            if parts is not None:
                num, den = (row.get(x) for x in parts)
                row[m] = round(num / den, 10) if num is not None and den else None  # as the engine rounds
        out[key] = row
    return out


def usable(engine: Any, store: str, p: Q.Periods) -> tuple[Q.Periods, list[dict[str, str]]]:
    """The baseline without the periods that start before the store's first day, and a note saying so."""
    if p.kind != "baseline":
        return p, []
    version = engine.data_version()
    first = engine._data_day(engine.resolve_scope(store, None, version), version, "min")
    refs = tuple(r for r in p.refs if first is not None and r[0] >= first)
    if not refs:
        raise ShoplensError(f"no baseline for {p.start}..{p.end}: all {len(p.refs)} reference periods "
                            f"({p.refs[0][0]}..{p.refs[-1][1]}) are before the store's first day ({first})",
                            where=f"store {store}", hint="use --compare wow or previous, or a later date",
                            zh=f"{p.start}..{p.end} 没有基线：{len(p.refs)} 个对比期（{p.refs[0][0]}..{p.refs[-1][1]}）"
                               f"都早于店铺的第一天（{first}）",
                            zh_hint="改用 --compare wow 或 previous，或选择更晚的日期")
    notes = []
    if len(refs) < len(p.refs):
        left = len(p.refs) - len(refs)
        notes.append({"reference": "baseline",
                      "en": f"baseline: {left} of the {len(p.refs)} reference periods start before the store's first "
                            f"day ({first}) and are left out; the reference is the mean of {len(refs)}",
                      "zh": f"基线：{len(p.refs)} 个对比期中有 {left} 个早于店铺的第一天（{first}），已排除；"
                            f"对比值为其余 {len(refs)} 个的均值"})
    return replace(p, ref_start=refs[0][0], ref_end=refs[-1][1], refs=refs), notes
