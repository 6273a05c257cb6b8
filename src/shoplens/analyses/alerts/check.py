"""``alerts_check``: every enabled rule for one local day per store, stored in the warehouse (idempotent per rule +
scope + day); ``alerts_list``, ``alerts_ack``, ``alerts_resolve``, ``alerts_rules``.

Root cause: each fired alert's ``root_cause`` is ``root_cause(wh, alert)`` when a hook is passed, else that of
:func:`set_root_cause` (:data:`ROOT_CAUSE`), else the ``why`` answer for its metric and day
(:mod:`shoplens.analyses.alerts.root_cause`; ``explain=False`` leaves it null). It is
stored with the alert, so ``list`` answers it too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

from shoplens.analyses.alerts.evaluate import Bundle, evaluate
from shoplens.analyses.alerts.root_cause import why_root_cause
from shoplens.analyses.alerts.rules import Rule, load_rules
from shoplens.analyses.complete_day import data_ends, incomplete_note, last_complete_day
from shoplens.analyses.why.query import ALSO_READ
from shoplens.analyses.workers import Workers
from shoplens.errors import ShoplensError
from shoplens.params import check_day
from shoplens.warehouse import alerts_table as T
from shoplens.warehouse.scope import Scope, StoreInfo, pick_stores

RootCause = Callable[[Any, dict[str, Any]], dict[str, Any] | None]
ROOT_CAUSE: RootCause | None = None  # the `why` answer of an alert's metric and day, once that analysis exists


def set_root_cause(hook: RootCause | None) -> None:
    """Fill every fired alert's ``root_cause`` with ``hook(wh, alert)`` (``alert``: the issue's JSON of one alert,
    without id and status) from now on; None switches it off."""
    global ROOT_CAUSE
    ROOT_CAUSE = hook


@dataclass
class AlertResult:
    """``to_dict()`` is the JSON of the CLI, the Python API and the REST API."""

    alerts: list[dict[str, Any]]
    checked: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"alerts": self.alerts}
        if self.checked:  # a check says what it looked at and what it skipped; a list is only the alerts
            out["checked"] = self.checked
            out["notes"] = self.notes
        return out


def _store_days(engine: Any, stores: list[StoreInfo], version: Any) -> dict[str, tuple[date | None, date | None]]:
    return {s.store_id: (engine._data_day(Scope((s,), None, None), version, "min"),
                         engine._data_day(Scope((s,), None, None), version, "max")) for s in stores}


def check_scopes(wh: Any, stores: list[StoreInfo], rules: list[Rule]) -> None:
    """A scope value nobody has (``channel: paidsearch``) is an error naming the rule, before anything runs."""
    from shoplens.metrics.value_checks import check_values

    ids = {s.store_id for s in stores}
    for rule in rules:
        if not rule.enabled:
            continue
        own = [s for s in stores if rule.scope.get("store") in (None, s.store_id)]
        for dim, value in rule.scope.items():
            if dim == "store":
                if value not in {s.store_id for s in _all(wh)}:
                    raise ShoplensError(f"unknown store {value!r}", where=f"{rule.where}.scope.store",
                                        hint=f"stores: {', '.join(sorted(ids))}", zh=f"未知店铺 {value!r}",
                                        zh_hint=f"已有店铺：{', '.join(sorted(ids))}")
                continue
            if own:  # a rule of a store outside this check is checked when that store is
                check_values(wh, own, dim, [value], where=f"{rule.where}.scope.{dim}")


def _all(wh: Any) -> list[StoreInfo]:
    return [StoreInfo(*r) for r in wh.con.execute(
        "SELECT store_id, timezone, reporting_currency FROM stores ORDER BY store_id").fetchall()]


def _day_values(engine: Any, *, rules: list[Rule], store: str, day: date, bundle: Bundle) -> dict[str, Any]:
    """Each rule metric's store-wide value on the day (None: the store lacks it, the rule is skipped), read with
    the daily rows of the store-wide rules (:class:`Bundle`) so that the check asks the engine once for both."""
    metrics = list(dict.fromkeys(r.metric for r in rules if r.metric and r.kind != "anomaly"))
    if not metrics:
        return {}
    shared = bundle.metrics.get((None, ()), [])
    ask = list(dict.fromkeys([*shared, *metrics]))
    bundle.metrics[(None, ())] = ask
    rows = bundle.query(engine, ask, day, by=["store"], store=store).rows
    return next((r for r in rows if str(r["period"])[:10] == day.isoformat()), {})


def _no_value_note(rule: Rule, store: str, day: date) -> dict[str, str]:
    return {"en": f"{rule.id}: store {store} has no value of {rule.metric} on {day} (no data for it that day, "
                  "e.g. visitors need events, or its denominator is 0): skipped",
            "zh": f"{rule.id}：店铺 {store} 在 {day} 没有 {rule.metric} 的值（当天没有相应数据，例如访客数需要行为"
                  "事件，或分母为 0），已跳过"}


def alerts_check(wh: Any, *, day: date | None = None, store: str | list[str] | None = None,
                 config: str | os.PathLike[str] | None = None, rules: list[Rule] | None = None,
                 root_cause: RootCause | None = None, now: datetime | None = None,
                 explain: bool = True) -> AlertResult:
    """Evaluate every enabled rule for ``day`` (default: each store's last complete local day) and store what
    fired. A config mistake, an unknown store or scope value, or a day without data stores nothing."""
    from shoplens.analyses.segments import SegmentMetricsEngine
    from shoplens.metrics.targets import load_targets

    day = check_day(day, "--date")
    rules = rules if rules is not None else load_rules(config)
    engine = SegmentMetricsEngine(wh, targets=load_targets(config))
    version = engine.data_version()
    stores = pick_stores(engine.stores(version), store)
    check_scopes(wh, stores, rules)
    spans = _store_days(engine, stores, version)
    notes: dict[str, dict[str, str]] = {}
    days: dict[str, str] = {}
    # where data stops matters only for a store whose last day is the day checked (or by default)
    ends = data_ends(wh, [s for s in stores if day is None or day == spans[s.store_id][1]])
    for s in stores:
        first, last = spans[s.store_id]
        if first is None or last is None or (day is not None and not first <= day <= last):
            covers = f"{first}..{last}" if first else "nothing"
            notes[f"alerts:store={s.store_id}"] = {"en": f"store {s.store_id} has no data on {day} (it covers "
                                                   f"{covers}): not checked", "zh": f"店铺 {s.store_id} 在 {day} 没有"
                                                   f"数据（覆盖 {covers}），未检查"}
            continue
        end = ends.get(s.store_id)
        days[s.store_id] = (day or last_complete_day(last, s.timezone, now, end)).isoformat()
        note = incomplete_note(s.store_id, s.timezone, end, now) if end and end.last == last else None
        if note and (day == last or (day is None and end.cut_early)):  # today running is no news
            notes[f"alerts:incomplete:{s.store_id}"] = note
    if not days:
        covers = ", ".join(f"{k} {a}..{b}" for k, (a, b) in spans.items() if a)
        raise ShoplensError(f"no data on {day} in the chosen stores" if day else "the chosen stores have no data yet",
                            where="--date", hint=f"the data covers {covers}" if covers else "import data first",
                            zh=f"所选店铺在 {day} 没有数据" if day else "所选店铺还没有数据",
                            zh_hint=f"数据覆盖 {covers}" if covers else "请先导入数据")
    found: list[dict[str, Any]] = []
    enabled = [r for r in rules if r.enabled]
    hook = root_cause or ROOT_CAUSE
    together = ALSO_READ.set(_explained_metrics(enabled))  # the store-wide reads of the root causes: one query
    try:
        # rules are independent: two at a time; a rule's root causes start when it is done
        with Workers(wh, engine, name="shoplens-alerts") as workers:
            whys: dict[int, Future[Any]] = {}  # id(alert) -> its root cause, being computed
            for store_id, text in days.items():
                outcomes = _start_rules(workers, enabled, store_id, date.fromisoformat(text), config)
                for outcome in outcomes:  # in the rules' order; a rule's root causes start when it is done
                    fired, own_notes = outcome.result() if isinstance(outcome, Future) else ([], outcome)
                    found += fired
                    notes.update(own_notes)
                    if explain and not hook:  # a cover alert's reason is in its message: no `why` per SKU
                        whys.update({id(a): workers.submit(partial(_why, alert=a, rules=enabled))
                                     for a in fired if a["kind"] != "cover"})
            for a in found:
                if id(a) in whys:
                    a["root_cause"] = whys[id(a)].result()
    finally:
        ALSO_READ.reset(together)
    if hook:
        for a in found:
            if a["kind"] != "cover":
                a["root_cause"] = hook(wh, a)
    stored = _save(wh, found)
    counts = {k: sum(1 for a in stored if a["stored"] == k) for k in ("new", "updated", "unchanged")}
    for a in stored:
        a.pop("stored")
    return AlertResult(stored, {"days": days, "rules": len(enabled), "fired": len(stored), **counts}, notes)


def _start_rules(workers: Workers, enabled: list[Rule], store: str, day: date, config: Any) -> list[Any]:
    """Per rule of one store and day, in the rules' order: the future of its (alerts, notes), or the note of a
    rule the store cannot answer. The day's values (which rules can be answered) are read while the anomaly
    rules, which need none, run."""
    mine = [r for r in enabled if r.scope.get("store") in (None, store)]
    bundle = Bundle.of(mine, day)
    rule_task = partial(_evaluate, store=store, day=day, config=config, bundle=bundle)
    probe = workers.submit(partial(_day_values, rules=mine, store=store, day=day, bundle=bundle))
    early = {r.id: workers.submit(partial(rule_task, rule=r)) for r in mine if r.kind == "anomaly"}
    values = probe.result()
    outcomes: list[Any] = []
    for rule in mine:
        if rule.id in early:
            outcomes.append(early[rule.id])
        elif rule.metric and values.get(rule.metric) is None:
            outcomes.append({f"alerts:{rule.id}:{store}": _no_value_note(rule, store, day)})
        else:
            outcomes.append(workers.submit(partial(rule_task, rule=rule)))
    return outcomes


def _evaluate(engine: Any, *, rule: Rule, store: str, day: date, config: Any, bundle: Bundle
              ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One rule's alerts and notes (its own notes dict: rules run two at a time)."""
    notes: dict[str, Any] = {}
    return evaluate(engine, rule, store, day, config, notes, bundle), notes


def _explained_metrics(rules: list[Rule]) -> tuple[str, ...]:
    """Every metric an alert of these rules can be about (an anomaly rule without a metric: the defaults)."""
    from shoplens.analyses.anomalies import DEFAULT_METRICS

    out: set[str] = set()
    for r in rules:
        if r.kind == "anomaly" and not r.metric:
            out |= set(DEFAULT_METRICS)
        elif r.metric and r.kind != "cover":
            out.add(r.metric)
    return tuple(sorted(out))


def _why(engine: Any, *, alert: dict[str, Any], rules: list[Rule]) -> Any:
    """The root cause of one alert; the rule's baseline picks the reference (:mod:`.root_cause`). Two alerts
    asking the same question share the engine's queries (a second asker waits for the first)."""
    rule = next(r for r in rules if r.id == alert["rule"])
    return why_root_cause(engine.wh, {**alert, "baseline": rule.params.get("baseline"),
                                      "weeks": rule.params.get("weeks")})


def _save(wh: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    wh.con.execute("BEGIN TRANSACTION")
    try:
        stored = T.save_alerts(wh.con, found)
        wh.con.execute("COMMIT")
    except Exception:
        wh.con.execute("ROLLBACK")
        raise
    return stored


def alerts_list(wh: Any, *, status: str | None = None, start: date | None = None, end: date | None = None,
                store: str | list[str] | None = None) -> AlertResult:
    stores = None if store is None else [s.store_id for s in pick_stores(_all(wh), store)]
    return AlertResult(T.list_alerts(wh.con, status=status, start=check_day(start, "--from"),
                                     end=check_day(end, "--to"), stores=stores))


def _set(wh: Any, alert_id: int, status: str, note: str | None, stores: list[str] | None) -> dict[str, Any]:
    wh.con.execute("BEGIN TRANSACTION")
    try:
        out = T.set_status(wh.con, alert_id, status, note, stores)
        wh.con.execute("COMMIT")
    except Exception:
        wh.con.execute("ROLLBACK")
        raise
    return {**out, "history": T.history(wh.con, alert_id)}


def alerts_ack(wh: Any, alert_id: int, note: str | None = None, *, stores: list[str] | None = None) -> dict[str, Any]:
    """Acknowledge an alert (someone is on it); the change and the note go into its history."""
    return _set(wh, alert_id, "acknowledged", note, stores)


def alerts_resolve(wh: Any, alert_id: int, note: str | None = None, *,
                   stores: list[str] | None = None) -> dict[str, Any]:
    return _set(wh, alert_id, "resolved", note, stores)


def alerts_rules(config: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The effective rules (shipped, changed by the config, switched off), as JSON."""
    return {"rules": [r.to_dict() for r in load_rules(config)]}
