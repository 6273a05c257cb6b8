"""``anomalies(wh, metrics, by=, start=, end=, store=, sensitivity=)``: the daily series of each metric (per store
and per value of ``by``) from the metrics engine in ONE query, plus the history window before the range, judged
by :mod:`shoplens.analyses.anomalies.detect`. Only the engine's daily rows reach Python, never raw events.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from shoplens.analyses.anomalies.calendar import StoreCalendar, load_calendar
from shoplens.analyses.anomalies.detect import SENSITIVITY, Checked, Params, Series, excluded_days, judge
from shoplens.analyses.complete_day import data_ends, incomplete_note, last_complete_day
from shoplens.errors import ShoplensError
from shoplens.params import check_day
from shoplens.warehouse.scope import Scope, StoreInfo, pick_stores

DEFAULT_METRICS = ("gmv", "uv", "conversion_rate", "aov", "uv_value", "add_to_cart_rate", "refund_rate", "roi")
# metric -> (volume metric, floor): a series whose usual daily volume is below the floor is not judged
VOLUME = {"uv": ("uv", 100), "conversion_rate": ("uv", 100), "add_to_cart_rate": ("uv", 100),
          "uv_value": ("uv", 100), "bounce_rate": ("uv", 100), "gmv": ("orders", 20), "aov": ("orders", 20),
          "orders": ("orders", 20), "refund_rate": ("orders", 20), "roi": ("orders", 20)}
CSV_COLUMNS = ("metric", "store", "dimension", "dimension_value", "period", "value", "expected", "lower", "upper",
               "direction", "bad", "score", "severity")
COUNT_FLOOR = 20  # any other count metric: its own usual value


@dataclass
class AnomalyResult:
    """``to_dict()`` is the JSON of the CLI, the Python API and ``GET /api/v1/anomalies``."""

    start: date
    end: date
    metrics: list[str]
    by: str | None
    sensitivity: str
    anomalies: list[dict[str, Any]]
    checked: Checked
    notes: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"anomalies": self.anomalies, "checked": self.checked.to_dict(), "from": self.start.isoformat(),
                "to": self.end.isoformat(), "metrics": self.metrics, "by": self.by,
                "sensitivity": self.sensitivity, "notes": self.notes}

    def table_rows(self) -> list[dict[str, Any]]:
        """Flat rows (CSV of the CLI and the API): the dimension and its value as columns."""
        return [{"metric": a["metric"], "store": a["store"], "dimension": self.by,
                 "dimension_value": a["dims"].get(self.by) if self.by else None,
                 **{k: a[k] for k in CSV_COLUMNS[4:]}} for a in self.anomalies]

    def csv_table(self) -> tuple[list[str], list[list[Any]]]:
        return list(CSV_COLUMNS), [list(r.values()) for r in self.table_rows()]

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.table_rows())


def _metric_ids(metrics: list[str] | str | None) -> list[str]:
    if metrics is None:
        return list(DEFAULT_METRICS)
    items = metrics.split(",") if isinstance(metrics, str) else [m for x in metrics for m in str(x).split(",")]
    ids = list(dict.fromkeys(m.strip() for m in items if m.strip()))
    return ids or list(DEFAULT_METRICS)


def _check_sensitivity(sensitivity: str) -> None:
    if sensitivity not in SENSITIVITY:
        raise ShoplensError(f"--sensitivity {sensitivity!r} is not one of {', '.join(SENSITIVITY)}",
                            hint="low flags fewer days, high more", zh=f"--sensitivity {sensitivity!r} 无效",
                            zh_hint="可选 low、medium、high（low 报得少，high 报得多）")


def _guard(catalog: Any, metric: str) -> tuple[str | None, float]:
    if metric in VOLUME:
        return VOLUME[metric]
    if catalog.metrics[metric].unit == "count":
        return metric, COUNT_FLOOR
    return None, 0.0


def anomalies(wh: Any, metrics: list[str] | str | None = None, *, by: str | None = None, start: date | None = None,
              end: date | None = None, store: str | list[str] | None = None, sensitivity: str = "medium",
              weeks: int = 6, config: str | os.PathLike[str] | None = None,
              calendar: StoreCalendar | None = None, engine: Any = None, now: datetime | None = None) -> AnomalyResult:
    """Days of ``start``..``end`` on which a metric left its expected band; see
    :mod:`shoplens.analyses.anomalies.detect` for the method. Default range: the 30 days up to the last complete day
    (:mod:`shoplens.analyses.complete_day`, what alerts check) of the chosen stores; a store's incomplete last day
    is judged only when ``end`` names it, with a note."""
    from shoplens.analyses.segments import SegmentMetricsEngine
    from shoplens.metrics.targets import load_targets

    _check_sensitivity(sensitivity)
    start, end = check_day(start, "--from"), check_day(end, "--to")
    ids = _metric_ids(metrics)
    by = by.strip() if by and by.strip() else None
    calendar = calendar or load_calendar(config)
    engine = engine or SegmentMetricsEngine(wh, targets=load_targets(config))
    guards = {m: _guard(engine.catalog, m) for m in ids} if all(m in engine.catalog.metrics for m in ids) else {}
    known = engine.stores(engine.data_version())
    calendar.check_stores(s.store_id for s in known)
    chosen = {s.store_id: s for s in pick_stores(known, store)}
    version = engine.data_version()
    # where data stops matters only when the range reaches a store's last day (always, by default)
    ends = data_ends(wh, [s for s in chosen.values() if end is None or _last_day(engine, s, version) <= end])
    complete = {k: last_complete_day(e.last, chosen[k].timezone, now, e) for k, e in ends.items()}
    defaulted = end is None
    if defaulted and complete and (start is None or start <= max(complete.values())):
        end = max(complete.values())
    extra = [v for v, _ in guards.values() if v and v not in ids]
    dims = ["store"] + ([by] if by and by != "store" else [])
    span = engine.query(ids[:1], start=start, end=end, store=store, targets=False)  # the engine's own default range
    check_has_data(engine, list(chosen.values()), version, span.start, span.end)
    params = Params(sensitivity, weeks)
    first = span.start - timedelta(days=params.history_days)
    result = engine.query(ids + list(dict.fromkeys(extra)), by=dims, grain="day", start=first, end=span.end,
                          store=store, targets=False)
    rows = pd.DataFrame(result.rows)
    days = [span.start + timedelta(days=i) for i in range((span.end - span.start).days + 1)]
    checked, found, notes = Checked(), [], dict(result.notes)
    valued: dict[str, set[str]] = {}  # store -> metrics with a value in some series (an empty cut is no news)
    for k, e in ends.items():  # an incomplete last day in the range (judged: asked for) or cut early (outage?)
        note = incomplete_note(k, chosen[k].timezone, e, now)
        if note and ((span.start <= e.last <= span.end and not defaulted) or (defaulted and e.cut_early)):
            notes[f"anomalies:incomplete:{k}"] = note
    if rows.empty:
        return AnomalyResult(span.start, span.end, ids, by, sensitivity, [], checked, notes)
    rows["_day"] = pd.to_datetime(rows["period"]).dt.date
    covered = rows.groupby("store")["_day"].agg(["min", "max"])  # a store's days with data: no zeros beyond them
    for key, part in rows.groupby(dims, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        store_id, dim_values = str(key[0]), dict(zip(dims[1:], key[1:], strict=True))
        if by == "store":
            dim_values = {"store": store_id}
        info = chosen.get(store_id, StoreInfo(store_id, "UTC", ""))
        excluded = excluded_days(calendar.spans(info, first, span.end), calendar.before, calendar.after)
        closed = calendar.closed_days(info, first, span.end)
        cut = (complete[store_id], ends[store_id].last) if defaulted and store_id in complete else None
        mine = [d for d in days if not (cut and cut[0] < d <= cut[1])]  # a default range skips an incomplete day
        indexed = part.set_index("_day")
        lo, hi = covered.loc[store_id, "min"], covered.loc[store_id, "max"]
        all_days = [first + timedelta(days=i) for i in range((span.end - first).days + 1)]
        all_days = [d for d in all_days if lo <= d <= hi]
        for m in ids:
            values = _series(indexed, m, all_days, engine.catalog.is_additive(m))
            if all(v is None for v in values.values()):
                continue
            valued.setdefault(store_id, set()).add(m)
            vol_metric, floor = guards.get(m, (None, 0.0))
            volume = _series(indexed, vol_metric, all_days, True) if vol_metric else {}
            series = Series(m, store_id, {k: _plain(v) for k, v in dim_values.items()}, engine.catalog.metrics[m].good,
                            values, volume, float(floor), excluded, closed, bounds(engine.catalog.metrics[m]))
            found += judge(series, mine, params, checked)
    for store_id in rows["store"].astype(str).unique():
        for m in ids:
            if m not in valued.get(store_id, set()):
                notes.setdefault(f"anomalies:{m}:{store_id}", _no_data_note(m, store_id))
    found.sort(key=lambda a: (a["period"], -abs(a["score"]), a["metric"]))
    return AnomalyResult(span.start, span.end, ids, by, sensitivity, found, checked, notes)


# metrics that can go below 0 (a loss) or, among the percent ones, above 1 (refunds of earlier sales, buyers
# without a recorded cart, several tickets per order): their band is not clamped on that side
SIGNED = frozenset({"gross_profit", "gross_margin", "net_revenue"})
ABOVE_ONE = frozenset({"refund_rate", "refund_order_share", "complaint_rate", "cart_to_purchase_rate",
                       "conversion_rate", "repeat_purchase_rate", "gross_margin"})


def bounds(metric: Any) -> tuple[float | None, float | None]:
    """The values a metric can take (the band is clamped to them: no "expected -0.47 %" for a rate)."""
    low = None if metric.id in SIGNED else 0.0
    high = 1.0 if metric.unit == "percent" and metric.id not in ABOVE_ONE else None
    return low, high


def check_has_data(engine: Any, stores: list[StoreInfo], version: Any, start: date, end: date) -> None:
    """A range in which none of the chosen stores has a day of data is a mistake, not an empty answer."""
    spans = {s.store_id: (engine._data_day(Scope((s,), None, None), version, "min"),
                          engine._data_day(Scope((s,), None, None), version, "max")) for s in stores}
    if any(a and b and a <= end and b >= start for a, b in spans.values()):
        return
    covers = ", ".join(f"{k} {a}..{b}" for k, (a, b) in spans.items() if a)
    raise ShoplensError(f"no data in {start}..{end} in the chosen stores", where="--from/--to",
                        hint=f"the data covers {covers}" if covers else "import data first",
                        zh=f"所选店铺在 {start}..{end} 没有数据",
                        zh_hint=f"数据覆盖 {covers}" if covers else "请先导入数据")


def _plain(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) else value


def _series(indexed: pd.DataFrame, metric: str, days: list[date], additive: bool) -> dict[date, float | None]:
    """A metric by day; a day without a row is 0 for an additive metric (nothing happened), else no value.
    ``days`` are the store's days with data: after its last export or before its first there is no value."""
    col = indexed[metric] if metric in indexed.columns else pd.Series(dtype="float64")
    out: dict[date, float | None] = {}
    seen = col.notna().any()
    for d in days:
        v = col.get(d) if d in col.index else (0.0 if additive and seen else None)
        out[d] = None if v is None or pd.isna(v) else float(v)
    return out


def _no_data_note(metric: str, store: str) -> dict[str, str]:
    return {"en": f"{metric}: store {store} has no data for it (e.g. visitors need events): skipped",
            "zh": f"{metric}：店铺 {store} 没有该指标的数据（例如访客数需要行为事件），已跳过"}


def _last_day(engine: Any, store: StoreInfo, version: Any) -> date:
    return engine._last_day(Scope((store,), None, None), version) or date.min
