"""Assemble a root-cause answer (the JSON contract of ``shoplens why``, the Python API and ``/api/v1/why``).

Dimension contributions are computed over the values of the dimension. Where a dimension's values do not add up
to the store (a visitor who came by two channels on one day counts once in the store and once per channel; a
GMV by category counts item sales), the difference is one more row, value ``(unattributed)``, so the rows of a
dimension always add up to the store's change; it is never picked as an explanation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from shoplens.analyses.why import baseline as B
from shoplens.analyses.why import contributions as C
from shoplens.analyses.why import query as Q
from shoplens.errors import ShoplensError
from shoplens.params import check_day

UNATTRIBUTED = "(unattributed)"


@dataclass
class WhyResult:
    """The answer; :meth:`to_dict` is the JSON contract."""

    data: dict[str, Any]
    notes: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.data, "notes": self.notes}

    def csv_table(self) -> tuple[list[str], list[list[Any]]]:
        """The CSV of ``--format csv``: :meth:`to_pandas`'s rows."""
        frame = self.to_pandas()
        return list(frame.columns), frame.values.tolist()

    def to_pandas(self) -> pd.DataFrame:
        """One row per dimension value."""
        rows = [{"dimension": d["dimension"], **{k: v for k, v in val.items() if k != "factors"}}
                for d in self.data["dimensions"] for val in d["values"]]
        return pd.DataFrame(rows)


def why(wh: Any, metric: str, *, day: date | None = None, start: date | None = None, end: date | None = None,
        compare: str | None = None, by: str | list[str] | None = None, store: Any = None,
        where: dict[str, Any] | None = None, threshold: float = 0.67) -> WhyResult:
    """Why ``metric`` moved in the period (``day``, or ``start``..``end``) against its reference.

    ``where`` (``{dim: value or [values]}``, as the metrics' ``--where``) explains one slice of the store, e.g. the
    channel an alert fanned out to: every number is read within it, and its own dimensions are not cut again."""
    from shoplens.analyses.segments import SegmentMetricsEngine

    engine = SegmentMetricsEngine(wh)
    engine.catalog.metric(metric)  # unknown metric: the catalog's own error
    day, start, end = check_day(day, "--date"), check_day(start, "--from"), check_day(end, "--to")
    dims, notes = Q.check_dims(engine, metric, by.split(",") if isinstance(by, str) else by)
    where = Q.check_where(engine, metric, where)
    notes += [{"dimension": d, "en": f"the answer is within {d}={','.join(where[d])}: not split by {d}",
               "zh": f"结果限定在 {d}={','.join(where[d])}：不按 {d} 拆分"} for d in dims if d in where]
    dims = [d for d in dims if d not in where]
    the_store = Q.single_store(engine, store)
    p, base_notes = B.usable(engine, the_store, Q.periods(day, start, end, compare, Q.last_day(engine, the_store)))
    notes += base_notes
    ratio = Q.ratio_parts(engine, metric)
    whole = Q.read(engine, Q.needed(engine, metric), None, p, the_store, where)
    now, before = whole.now.get("", {}).get(metric), whole.before.get("", {}).get(metric)
    if now is None or before is None:
        raise ShoplensError(f"{metric} has no value for {p.start}..{p.end} or its reference "
                            f"{p.ref_start}..{p.ref_end}", where=f"store {the_store}",
                            hint="pick dates with data (shoplens metrics shows them)",
                            zh=f"{metric} 在 {p.start}..{p.end} 或对比期 {p.ref_start}..{p.ref_end} 没有数值",
                            zh_hint="请选择有数据的日期")
    change = now - before
    tree = Q.pick_tree(metric, whole)
    factors = _factors(tree, whole.before.get("", {}), whole.now.get("", {}), metric)
    cuts = Q.read_cuts(engine, wh, metric, dims, p, the_store, where)
    dimensions = [_dimension(dim, cuts[dim], metric, ratio, change, tree, threshold) for dim in dims]
    dimensions.sort(key=lambda d: d.pop("_rank"))
    data = {"metric": metric, "store": the_store,
            "period": {"from": p.start.isoformat(), "to": p.end.isoformat()},
            "reference": _reference(p),
            "value": now, "reference_value": before, "change": change,
            "change_pct": change / before if before else None, "factors": factors, "dimensions": dimensions}
    if where:
        data["where"] = where
    from shoplens.analyses.why.words import summary

    data["summary"] = summary(engine.catalog, data, p)
    return WhyResult(data, notes)


def _reference(p: Q.Periods) -> dict[str, Any]:
    out: dict[str, Any] = {"from": p.ref_start.isoformat(), "to": p.ref_end.isoformat(), "kind": p.kind}
    if p.kind == "baseline":
        out["periods"] = [{"from": s.isoformat(), "to": e.isoformat()} for s, e in p.refs]
    return out


def _filled(tree: tuple[str, ...], before: dict[str, float | None], now: dict[str, float | None]
            ) -> tuple[dict[str, float | None], dict[str, float | None], dict[str, float], dict[str, float]]:
    """The factors of both rows as read, and filled where undefined (AOV of a day without orders takes the
    other period's value: the product is 0 either way; undefined on both sides, 1)."""
    f0, f1 = Q.factor_values(tree, before), Q.factor_values(tree, now)
    filled0 = {f: v if v is not None else (f1[f] if f1[f] is not None else 1.0) for f, v in f0.items()}
    filled1 = {f: v if v is not None else filled0[f] for f, v in f1.items()}
    return f0, f1, filled0, filled1


def _absent(factors: dict[str, float | None], value: float) -> bool:
    """No row on this side: the metric is 0 and no factor has a value other than 0."""
    return value == 0 and all(not v for v in factors.values())


def _closes(filled: dict[str, float], value: float) -> bool:
    """The factors multiply to the metric (a channel's buyers without an add-to-cart event of that channel do
    not: cart_then_buyers 0, buyers 1); a tree that does not is not shown rather than split wrongly."""
    return abs(math.prod(filled.values()) - value) <= 1e-6 * max(abs(value), 1e-9)


def _factors(tree: tuple[str, ...] | None, before: dict[str, float | None],
             now: dict[str, float | None], metric: str = "gmv") -> list[dict[str, Any]]:
    """The factor split of one row's change; a factor with its own tree (gmv's conversion_rate) carries its
    sub-factors under ``factors``, splitting its contribution (:func:`contributions.nested_split`).

    The engine rounds ratios to 10 decimals, so the factors' product can differ from the metric in the 9th
    digit: the split is scaled by (metric's change / product's change) so it closes on the metric exactly."""
    if tree is None:
        return []
    m0, m1 = before.get(metric) or 0.0, now.get(metric) or 0.0
    f0, f1, filled0, filled1 = _filled(tree, before, now)
    if m0 != m1 and (_absent(f0, m0) or _absent(f1, m1)):
        # a value that appeared or vanished (a country that bought only one of the two days): the whole change is
        # its volume's, the first factor (visitors or buyers) going from nothing to something; this is the limit
        # of the log-mean split as that factor goes to 0, the others' shares going to 0 with it
        volume = tree[0]  # a count: none on the empty side is 0 (the rates there are undefined: None)
        f0 = {**f0, volume: f0[volume] or 0.0}
        f1 = {**f1, volume: f1[volume] or 0.0}
        return [{"factor": f, "value": f1[f], "reference_value": f0[f], "contribution": m1 - m0 if f == volume else 0.0}
                for f in tree]
    if not (_closes(filled0, m0) and _closes(filled1, m1)):
        return []
    split = C.factor_split(filled0, filled1)
    product_change = sum(split.values())
    if abs(product_change) > 1e-12 and abs((m1 - m0) / product_change - 1) < 1e-6:
        split = {f: c * (m1 - m0) / product_change for f, c in split.items()}
    positive = all(v > 0 for v in [*filled0.values(), *filled1.values()])
    weight = C.log_mean(math.prod(filled1.values()), math.prod(filled0.values())) if positive else None
    if weight is not None and abs(product_change) > 1e-12:
        weight *= (m1 - m0) / product_change if abs((m1 - m0) / product_change - 1) < 1e-6 else 1.0
    out = []
    for f in tree:
        row: dict[str, Any] = {"factor": f, "value": f1[f], "reference_value": f0[f], "contribution": split[f]}
        if f in Q.SUB_TREES:
            row["factors"] = _sub_factors(Q.SUB_TREES[f], before, now, filled0[f], filled1[f], split[f], weight)
        out.append(row)
    return out


def _sub_factors(sub: tuple[str, ...], before: dict[str, float | None], now: dict[str, float | None],
                 v0: float, v1: float, contribution: float, weight: float | None) -> list[dict[str, Any]]:
    """A factor's contribution over its own factors (they add up to it); [] where its tree does not close."""
    if not (Q.has_tree(sub, before) and Q.has_tree(sub, now)):
        return []
    s0, s1, filled0, filled1 = _filled(sub, before, now)
    if not (_closes(filled0, v0) and _closes(filled1, v1)):
        return []
    split = C.nested_split(contribution, filled0, filled1, weight)
    return [{"factor": f, "value": s1[f], "reference_value": s0[f], "contribution": split[f]} for f in sub]


def _dimension(dim: str, cut: Q.Cut, metric: str, ratio: tuple[str, str] | None, change: float,
               tree: tuple[str, ...] | None, threshold: float) -> dict[str, Any]:
    keys = list(dict.fromkeys([*cut.before, *cut.now]))

    def col(side: dict[str, dict[str, float | None]], m: str) -> dict[str, float]:
        return {k: side[k][m] or 0.0 for k in keys if k in side and side[k].get(m) is not None}

    if ratio and not (sum(col(cut.before, ratio[1]).values()) > 0 and sum(col(cut.now, ratio[1]).values()) > 0):
        # no value of this dimension carries the denominator on one side (orders without a device, say): the
        # dimension cannot split the change, which stays whole on the unattributed row
        effects, surprises = [], {}
    elif ratio:
        num, den = ratio
        effects = C.ratio_contributions(col(cut.before, num), col(cut.before, den), col(cut.now, num),
                                        col(cut.now, den))
        s_num = C.surprise(col(cut.before, num), col(cut.now, num))
        s_den = C.surprise(col(cut.before, den), col(cut.now, den))
        surprises = {k: s_num.get(k, 0.0) + s_den.get(k, 0.0) for k in keys}
    else:
        effects = C.additive_contributions(col(cut.before, metric), col(cut.now, metric))
        surprises = C.surprise(col(cut.before, metric), col(cut.now, metric))
    contrib = {e.value: e.contribution for e in effects}
    residual = change - sum(contrib.values())
    found = C.explain_dimension(dim, contrib, surprises, threshold, total=change) if abs(change) > 1e-12 else \
        C.Explained(dim, [], 0.0, 0.0, False)
    # EP of the chosen values against the store's change (the dimension's own sum may differ by the residual)
    ep = sum(contrib[v] for v in found.values) / change if abs(change) > 1e-12 else 0.0
    order = found.values + sorted((k for k in contrib if k not in found.values), key=lambda k: -abs(contrib[k]))
    by_value = {e.value: e for e in effects}
    opposite = [k for k in contrib if contrib[k] * change < 0]
    detail = set(found.values)  # values whose own change is split over the factors too
    if opposite:
        worst = max(opposite, key=lambda k: abs(contrib[k]))
        if abs(contrib[worst]) >= 0.5 * abs(change):  # a move against the store's, hidden under it
            detail.add(worst)
    values = []
    for k in order:
        e = by_value[k]
        value_tree = tree if tree and Q.has_tree(tree, cut.now.get(k) or cut.before.get(k) or {}) else None
        row = {"value": k, "value_now": (cut.now.get(k) or {}).get(metric),
               "value_before": (cut.before.get(k) or {}).get(metric), "contribution": e.contribution,
               "share": e.contribution / change if abs(change) > 1e-12 else None,
               "rate_effect": e.rate_effect, "mix_effect": e.mix_effect, "surprise": surprises.get(k, 0.0),
               "explains": k in found.values,
               "factors": _factors(value_tree, cut.before.get(k, {}), cut.now.get(k, {}), metric)
               if k in detail else []}
        values.append(row)
    if abs(residual) > 1e-9 * max(1.0, abs(change)):
        values.append({"value": UNATTRIBUTED, "value_now": None, "value_before": None, "contribution": residual,
                       "share": residual / change if abs(change) > 1e-12 else None, "rate_effect": None,
                       "mix_effect": None, "surprise": 0.0, "explains": False, "factors": []})
    return {"dimension": dim, "explanatory_power": ep, "surprise": found.surprise, "values": values,
            "_rank": (not found.complete, -found.surprise, dim)}
