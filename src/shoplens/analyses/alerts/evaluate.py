"""Evaluating one rule for one store and one local day: every number from the metrics engine, never a second
definition of a KPI. Each kind answers the fired alerts as dicts of the issue's JSON shape (without id/status).

* threshold: ``value < below`` or ``value > above`` on each of the ``days`` days ending on the day;
* change: ``value / reference - 1 <= -drop`` or ``>= rise``; the reference is the day before (``previous_day``),
  the mean of the same weekday's values over the ``weeks`` weeks before (``same_weekday``), the ``days`` days
  before the ``days`` days ending on the day (``previous_period``) or the same days a year before (``yoy``; the
  engine's own comparisons);
* target: attainment (the engine's, from the config's targets) below ``min_attainment``;
* benchmark: value / benchmark below ``below`` or above ``above``;
* anomaly: an anomaly of the day (:mod:`shoplens.analyses.anomalies`) of at least ``min_severity``;
* cover: a SKU's days of cover below its lead time (:mod:`shoplens.analyses.alerts.cover`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shoplens.analyses.alerts.rules import SEVERITIES, Rule
from shoplens.analyses.alerts.words import message
from shoplens.metrics.periods import baseline_periods

EPS = 1e-9  # a change of exactly -20 % is "down 20 %" though 0.8 / 1 - 1 is -0.19999999999999996


def _ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None or reference == 0:
        return None
    return round(value / reference - 1, 10)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 10)  # as the engine's rows


def cut_of(rule: Rule) -> tuple[Any, ...]:
    """What a rule's daily rows are cut by: its fan-out dimension and its dimension filters."""
    return rule.by, tuple(sorted((k, v) for k, v in rule.scope.items() if k != "store"))


@dataclass
class Bundle:
    """The daily rows of every rule of a check that reads the same cut, fetched by one engine query.

    Rules are evaluated one by one, but a dozen one-metric queries cost a dozen compilations; one query of all
    their metrics over the widest window (``first``..the day) costs one, and it reads only the ``days`` some rule
    looks at (the day, the same weekday of earlier weeks, a threshold's last days). Rows outside a rule's own days
    are dropped before the rule sees them, so each rule reads exactly what it would read alone."""

    days: set[date]
    metrics: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)

    @property
    def first(self) -> date:
        return min(self.days)

    @classmethod
    def of(cls, rules: list[Rule], day: date) -> Bundle:
        bundle = cls({day})
        for rule in rules:
            if not rule.metric or rule.kind in ("anomaly", "stockout"):
                continue
            bundle.metrics.setdefault(cut_of(rule), [])
            bundle.metrics[cut_of(rule)] = list(dict.fromkeys([*bundle.metrics[cut_of(rule)], rule.metric]))
            p = rule.params
            if rule.kind == "threshold":
                bundle.days |= {day - timedelta(days=i) for i in range(p.get("days", 1))}
            elif rule.kind == "change" and p.get("baseline") == "same_weekday":
                bundle.days |= {d for d, _ in baseline_periods(day, day, p["weeks"])}
        return bundle

    def query(self, engine: Any, metrics: list[str], end: date, **kw: Any) -> Any:
        """The engine's daily rows of ``metrics`` from ``first`` to ``end`` (the checked day), only the bundle's
        days read."""
        return engine.query(metrics, start=self.first, end=end, grain="day", targets=False,
                            days=tuple(sorted(self.days)), **kw)


def _rows(engine: Any, rule: Rule, metric: str, store: str, start: date, end: date, bundle: Bundle | None = None,
          **opts: Any) -> list[dict]:
    where = {k: v for k, v in rule.scope.items() if k != "store"}
    by = ["store"] + ([rule.by] if rule.by else [])
    daily = opts.get("grain") == "day" and "compare" not in opts and not opts.get("targets")
    if bundle is None or not daily or metric not in bundle.metrics.get(cut_of(rule), ()):
        return engine.query([metric], by=by, start=start, end=end, where=where or None, store=store, **opts).rows
    rows = bundle.query(engine, bundle.metrics[cut_of(rule)], end, by=by, where=where or None, store=store).rows
    return [r for r in rows if str(r["period"])[:10] >= start.isoformat()]


def _dims(rule: Rule, row: dict[str, Any]) -> dict[str, Any]:
    dims = {k: v for k, v in rule.scope.items() if k != "store"}
    if rule.by:
        dims[rule.by] = row.get(rule.by)
    return dims


def _daily(engine: Any, rule: Rule, metric: str, store: str, first: date, day: date, bundle: Bundle | None = None
           ) -> dict[tuple[Any, ...], dict[date, float | None]]:
    """Each scope's (fan-out value's) metric by day; a day without a row is 0 for an additive metric."""
    rows = _rows(engine, rule, metric, store, first, day, bundle, grain="day", targets=False)
    out: dict[tuple[Any, ...], dict[date, float | None]] = {}
    for r in rows:
        key = tuple(sorted(_dims(rule, r).items()))
        out.setdefault(key, {})[date.fromisoformat(str(r["period"])[:10])] = r.get(metric)
    days = [first + timedelta(days=i) for i in range((day - first).days + 1)]
    additive = engine.catalog.is_additive(metric)
    for series in out.values():
        seen = any(v is not None for v in series.values())
        for d in days:
            if series.get(d) is None and d not in series and additive and seen:
                series[d] = 0.0
    return out


def _alert(rule: Rule, engine: Any, store: str, dims: dict[str, Any], day: date, value: float | None,
           reference: float | None, metric: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    metric = metric or rule.metric
    value, reference = _round(value), _round(reference)
    change = _ratio(value, reference)
    out = {"rule": rule.id, "kind": rule.kind, "metric": metric, "store": store, "dims": dims,
           "period": day.isoformat(), "value": value, "reference": reference, "change": change,
           "severity": rule.severity, "status": "open", "root_cause": None}
    out["message"] = message(rule, engine.catalog.metrics[metric], out, extra or {})
    return out


def threshold(engine: Any, rule: Rule, store: str, day: date, bundle: Bundle | None = None) -> list[dict[str, Any]]:
    p, metric = rule.params, str(rule.metric)
    first = day - timedelta(days=p["days"] - 1)
    out = []
    for key, series in _daily(engine, rule, metric, store, first, day, bundle).items():
        values = [series.get(first + timedelta(days=i)) for i in range(p["days"])]
        if any(v is None for v in values):
            continue
        below = "below" in p and all(v < p["below"] for v in values)  # type: ignore[operator]
        above = "above" in p and all(v > p["above"] for v in values)  # type: ignore[operator]
        if below or above:
            out.append(_alert(rule, engine, store, dict(key), day, values[-1], p["below"] if below else p["above"]))
    return out


def _fires(rule: Rule, change: float | None) -> bool:
    if change is None:
        return False
    p = rule.params
    return ("drop" in p and change <= -p["drop"] + EPS) or ("rise" in p and change >= p["rise"] - EPS)


def change(engine: Any, rule: Rule, store: str, day: date, bundle: Bundle | None = None) -> list[dict[str, Any]]:
    p, metric, out = rule.params, str(rule.metric), []
    if p["baseline"] == "same_weekday":
        weeks = p["weeks"]
        days = [d for d, _ in baseline_periods(day, day, weeks)]  # the same weekday of the previous weeks
        for key, series in _daily(engine, rule, metric, store, days[0], day, bundle).items():
            past = [series.get(d) for d in days]
            value = series.get(day)
            if value is None or any(v is None for v in past):
                continue
            reference = sum(past) / weeks  # type: ignore[arg-type]
            if _fires(rule, _ratio(value, reference)):
                out.append(_alert(rule, engine, store, dict(key), day, value, reference))
        return out
    days = 1 if p["baseline"] == "previous_day" else p["days"]
    compare = "yoy" if p["baseline"] == "yoy" else "previous"
    rows = _rows(engine, rule, metric, store, day - timedelta(days=days - 1), day, compare=compare, targets=False)
    for r in rows:
        value, reference = r.get(metric), r.get(f"{metric}__{compare}")
        if value is not None and _fires(rule, _ratio(value, reference)):
            out.append(_alert(rule, engine, store, _dims(rule, r), day, value, reference))
    return out


def target(engine: Any, rule: Rule, store: str, day: date, notes: dict[str, Any]) -> list[dict[str, Any]]:
    metric, out = str(rule.metric), []
    for r in _rows(engine, rule, metric, store, day, day, grain="day", targets=True):
        goal, attainment = r.get(f"{metric}__target"), r.get(f"{metric}__attainment")
        if goal is None:
            notes[f"alerts:{rule.id}:{store}:target"] = {
                "en": f"{rule.id}: {metric} has no target for store {store} (config targets:): skipped",
                "zh": f"{rule.id}：店铺 {store} 的 {metric} 没有目标（配置 targets:），已跳过"}
            continue
        if attainment is not None and attainment < rule.params["min_attainment"]:
            out.append(_alert(rule, engine, store, _dims(rule, r), day, r.get(metric), goal,
                              extra={"attainment": attainment}))
    return out


def benchmark(engine: Any, rule: Rule, store: str, day: date, notes: dict[str, Any], bundle: Bundle | None = None
              ) -> list[dict[str, Any]]:
    metric, p, out = str(rule.metric), rule.params, []
    bench = engine.targets.benchmarks.get(metric)
    if bench is None:
        notes[f"alerts:{rule.id}:benchmark"] = {
            "en": f"{rule.id}: {metric} has no benchmark (config benchmarks:): skipped",
            "zh": f"{rule.id}：{metric} 没有基准值（配置 benchmarks:），已跳过"}
        return []
    for r in _rows(engine, rule, metric, store, day, day, bundle, grain="day", targets=False):
        value = r.get(metric)
        if value is None or not bench:
            continue
        share = value / bench
        if ("below" in p and share < p["below"]) or ("above" in p and share > p["above"]):
            out.append(_alert(rule, engine, store, _dims(rule, r), day, value, float(bench),
                              extra={"share": share}))
    return out


def anomaly(engine: Any, rule: Rule, store: str, day: date, config: Any, notes: dict[str, Any]
            ) -> list[dict[str, Any]]:
    from shoplens.analyses.anomalies import anomalies

    p = rule.params
    result = anomalies(engine.wh, rule.metric, by=rule.by, start=day, end=day, store=store,
                       sensitivity=p["sensitivity"], config=config, engine=engine)
    notes.update(result.notes)
    floor = SEVERITIES.index(p["min_severity"])
    return [_alert(rule, engine, store, a["dims"], day, a["value"], a["expected"], metric=a["metric"],
                   extra={"score": a["score"]})
            for a in result.anomalies
            if SEVERITIES.index(a["severity"]) <= floor and (a["bad"] or not p["bad_only"])]


def evaluate(engine: Any, rule: Rule, store: str, day: date, config: Any, notes: dict[str, Any],
             bundle: Bundle | None = None) -> list[dict[str, Any]]:
    """The alerts ``rule`` raises for ``store`` on ``day`` (a rule scoped to another store raises none)."""
    if rule.scope.get("store") not in (None, store):
        return []
    if rule.kind == "threshold":
        return threshold(engine, rule, store, day, bundle)
    if rule.kind == "change":
        return change(engine, rule, store, day, bundle)
    if rule.kind == "target":
        return target(engine, rule, store, day, notes)
    if rule.kind == "benchmark":
        return benchmark(engine, rule, store, day, notes, bundle)
    if rule.kind == "cover":
        from shoplens.analyses.alerts.cover import cover

        return cover(engine, rule, store, day, config, notes)
    if rule.kind == "stockout":
        from shoplens.analyses.alerts.stockout import stockout

        return stockout(engine, rule, store, day, _alert)
    return anomaly(engine, rule, store, day, config, notes)
