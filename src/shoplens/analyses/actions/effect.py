"""``action_effect``: the measured effect of a logged action, a difference-in-differences with an interval.

Windows: the ``days`` local days before the action day and the ``days`` days after it; the action day itself is
left out (the action took effect during it, so it is neither before nor after). The treated series is the metric
on the action's scope (``channel = paid_search``), daily, from the metrics engine (the one KPI definition). The
comparison group:
- ``other_values``: the other values of the same dimension taken together (``channel IN (every other channel
  with rows in the windows)``), asked of the engine as one filtered query, so a rate is pooled, not averaged;
- ``earlier_weeks`` when the scope is the whole store or its dimension has no other value: the same series
  ``K`` days earlier, ``K`` the smallest multiple of 7 that puts the shifted after-window before the real
  before-window (same weekdays, nothing of the action in it).
The statistics are in :mod:`shoplens.analyses.actions.stats`. The weekly review calls
``action_effect(wh, action_id, days=...)`` for each action of its week (``action_list(wh, start=, end=)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from shoplens.analyses.actions.log import _engine, action_get
from shoplens.analyses.actions.stats import DiD, did
from shoplens.errors import ShoplensError
from shoplens.warehouse.scope import Scope, StoreInfo, pick_stores

MIN_DAYS, MAX_DAYS = 2, 90


@dataclass
class ActionEffect:
    """``to_dict()`` is the JSON of ``shoplens action effect``, the Python API and the REST API."""

    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data


def _daily(engine: Any, metric: str, store: str, start: date, end: date, where: dict[str, list[str]] | None
           ) -> dict[date, float | None]:
    rows = engine.query([metric], grain="day", start=start, end=end, where=where, store=store, targets=False).rows
    return {date.fromisoformat(str(r["period"])[:10]): r.get(metric) for r in rows}


def _other_values(wh: Any, store: str, dim: str, value: str, start: date, end: date) -> list[str]:
    from shoplens.metrics.values import MAX_LIMIT, list_values

    listed = list_values(wh, store=store, dim=dim, start=start, end=end, limit=MAX_LIMIT)
    if listed.distinct > len(listed.values):  # never compare against a silently cut list
        raise ShoplensError(f"{dim} has more than {MAX_LIMIT:,} values in {start}..{end}: too many to compare "
                            "against together", where="--scope", hint="log the action on a coarser dimension "
                            "(e.g. category)",
                            zh=f"{dim} 在 {start}..{end} 有超过 {MAX_LIMIT:,} 个取值，无法合并作为对照组",
                            zh_hint="请在更粗的维度上记录行动（例如 category）")
    return sorted(r["value"] for r in listed.values if r["value"] != value and r.get("rows") != 0)


def _check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        raise ShoplensError(f"--days {days!r} is not a whole number in {MIN_DAYS}..{MAX_DAYS}", where="--days",
                            hint="e.g. --days 14", zh=f"--days {days!r} 不是 {MIN_DAYS}..{MAX_DAYS} 之间的整数",
                            zh_hint="例如 --days 14")
    return days


def action_effect(wh: Any, action_id: int, *, days: int = 14, level: float = 0.95,
                  stores: list[str] | None = None, now: datetime | None = None) -> ActionEffect:
    """The effect of action ``action_id`` over ``days`` days before and after its day (``stores``: the caller may
    see only these; another store's action is a missing one). The after-window ends by the store's last complete
    day as of ``now`` (default the clock): a day still being imported would read as a fall."""
    from shoplens.analyses.complete_day import data_ends, last_complete_day

    days = _check_days(days)
    action = action_get(wh, action_id, stores)
    engine = _engine(wh)
    version = engine.data_version()
    info: StoreInfo = pick_stores(engine.stores(version), action["store"])[0]
    metric = action["metric"]
    dim, value = next(iter(action["scope"].items()), (None, None))
    a = date.fromisoformat(action["date"])
    before, after = (a - timedelta(days=days), a - timedelta(days=1)), (a + timedelta(days=1), a + timedelta(days=days))
    first = engine._data_day(Scope((info,), None, None), version, "min")
    last = engine._data_day(Scope((info,), None, None), version, "max")
    if last is not None:
        last = last_complete_day(last, info.timezone, now, data_ends(wh, [info]).get(info.store_id))
    _check_data(action_id, a, days, first, last, before[0])
    others = _other_values(wh, info.store_id, dim, value, before[0], after[1]) if dim else []
    treated_where = {dim: [value]} if dim else None
    if others:
        kind, shift = "other_values", 0
        treated = _daily(engine, metric, info.store_id, before[0], after[1], treated_where)
        control = _daily(engine, metric, info.store_id, before[0], after[1], {dim: others})
    else:
        kind, shift = "earlier_weeks", 7 * -(-(2 * days + 1) // 7)
        if first is None or before[0] - timedelta(days=shift) < first:
            need = before[0] - timedelta(days=shift)
            raise ShoplensError(f"action {action_id}: the comparison (the same weekdays {shift // 7} weeks earlier) "
                                f"needs data from {need}, the store's data starts {first}", where="--days",
                                hint="use fewer --days", zh=f"行动 {action_id}：对照组（{shift // 7} 周前的相同星期）"
                                f"需要 {need} 起的数据，店铺数据从 {first} 开始", zh_hint="减少 --days")
        treated = _daily(engine, metric, info.store_id, before[0] - timedelta(days=shift), after[1], treated_where)
        control = {d + timedelta(days=shift): v for d, v in treated.items()}
    daily, sides = _pairs(treated, control, before, after, shift)
    if len(sides["before"][0]) < MIN_DAYS or len(sides["after"][0]) < MIN_DAYS:
        raise ShoplensError(f"action {action_id}: {metric} has a value on fewer than {MIN_DAYS} days before or "
                            "after the action on both sides (a rate with no visitors has none)", where="--days",
                            hint="use more --days", zh=f"行动 {action_id}：行动前或后有 {metric} 数值的天数少于 "
                            f"{MIN_DAYS} 天（没有访客的比率没有数值）", zh_hint="增加 --days")
    result = did(sides["before"][0], sides["before"][1], sides["after"][0], sides["after"][1], level)
    from shoplens.analyses.actions.words import comparison_text, sentence

    unit = engine.catalog.metric(metric).unit
    m = engine.catalog.metric(metric)
    comparison = {"kind": kind, "values": others, "shift_days": shift, **comparison_text(dim, others, shift)}
    return ActionEffect({
        "action": action, "metric": {"id": metric, "en": m.en, "zh": m.zh, "unit": unit},
        "days": days, "method": "difference_in_differences",
        "windows": {"before": _span(before), "after": _span(after), "action_day": "excluded"},
        "comparison": comparison, "daily": daily, "effect": _effect_dict(result, unit),
        "sentence": sentence(action, m, result, comparison, days)})


def _check_data(action_id: int, a: date, days: int, first: date | None, last: date | None, start: date) -> None:
    if last is None or first is None:
        raise ShoplensError(f"action {action_id}: its store has no data yet", zh=f"行动 {action_id}：店铺还没有数据")
    have = max(0, (last - a).days)
    if have < days:
        short = have >= MIN_DAYS
        raise ShoplensError(f"action {action_id} of {a}: only {have} of the {days} days after it have data (the "
                            f"data ends {last})", where="--days",
                            hint=f"wait, or use --days {have}" if short else "wait for more data",
                            zh=f"行动 {action_id}（{a}）：之后的 {days} 天中只有 {have} 天有数据（数据截至 {last}）",
                            zh_hint=f"请等待，或使用 --days {have}" if short else "请等待更多数据")
    if start < first:
        have = (a - first).days
        raise ShoplensError(f"action {action_id} of {a}: only {have} of the {days} days before it have data (the "
                            f"data starts {first})", where="--days", hint="use fewer --days",
                            zh=f"行动 {action_id}（{a}）：之前的 {days} 天中只有 {have} 天有数据"
                            f"（数据从 {first} 开始）",
                            zh_hint="减少 --days")


def _span(w: tuple[date, date]) -> dict[str, str]:
    return {"from": w[0].isoformat(), "to": w[1].isoformat()}


def _pairs(treated: dict[date, Any], control: dict[date, Any], before: tuple[date, date], after: tuple[date, date],
           shift: int) -> tuple[list[dict[str, Any]], dict[str, tuple[list[float], list[float]]]]:
    """Each day of both windows with its treated and control value; days where either is null are shown but not
    counted."""
    daily: list[dict[str, Any]] = []
    sides: dict[str, tuple[list[float], list[float]]] = {"before": ([], []), "after": ([], [])}
    for side, (lo, hi) in (("before", before), ("after", after)):
        d = lo
        while d <= hi:
            t, c = treated.get(d), control.get(d)
            counted = t is not None and c is not None
            daily.append({"date": d.isoformat(), "window": side, "treated": t, "control": c,
                          "control_date": (d - timedelta(days=shift)).isoformat(),
                          "difference": t - c if counted else None, "counted": counted})
            if counted:
                sides[side][0].append(float(t))
                sides[side][1].append(float(c))
            d += timedelta(days=1)
    return daily, sides


def _effect_dict(r: DiD, unit: str) -> dict[str, Any]:
    return {"estimate": r.estimate, "low": r.low, "high": r.high, "level": r.level, "se": r.se,
            "df": None if r.df == float("inf") else r.df, "relative": r.relative, "significant": r.significant,
            "treated_before": r.treated_before, "treated_after": r.treated_after,
            "control_before": r.control_before, "control_after": r.control_after,
            "treated_change": r.treated_after - r.treated_before, "control_change": r.control_after - r.control_before,
            "days_before": r.n_before, "days_after": r.n_after, "unit": unit}
