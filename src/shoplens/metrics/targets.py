"""Targets, industry benchmarks and metric settings from a YAML config file.

Lookup order: an explicit path (``--config``), ``$SHOPLENS_CONFIG``, ``./shoplens.yaml``; the
shipped ``defaults.yaml`` (examples, not facts) is read first and the user file overrides it per
metric. A target of a count or currency metric is given ``per`` day/week/month/quarter/year and
prorated by day (a month's target spreads evenly over its days); a ratio's target holds as is.
Attainment is value / target when higher is better and target / value when lower is better.
"""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from shoplens.config import config_path
from shoplens.errors import ShoplensError
from shoplens.metrics.periods import PERIOD_UNITS, Period

ADDITIVE_UNITS = ("count", "currency")
SETTING_TO_MEASURE = {"slow_moving_days": ("slow_moving_skus", "days"), "dormant_days": ("dormant_customers", "days")}


@dataclass(frozen=True)
class Target:
    metric: str
    value: float
    per: str = "month"
    store: str | None = None
    start: date | None = None
    end: date | None = None


@dataclass
class Targets:
    targets: list[Target] = field(default_factory=list)
    benchmarks: dict[str, float] = field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # measure id -> builder params
    source: str = "defaults"

    def _targets(self, frame: pd.DataFrame, mid: str, additive: bool, grain: str | None, periods: list[Period],
                 stores: tuple[str, ...], per_store: bool) -> pd.Series | None:
        if per_store:
            found = {s: self.target_for(mid, (s,)) for s in stores}
            return _by_store_rows(frame, {s: _row_targets(frame, f, additive, grain, periods)
                                          for s, f in found.items() if f})
        found_all = self.target_for(mid, stores)
        return _row_targets(frame, found_all, additive, grain, periods) if found_all else None

    def target_for(self, metric: str, stores: tuple[str, ...]) -> list[Target]:
        own = [t for t in self.targets if t.metric == metric and t.store is not None and (t.store,) == stores]
        return own or [t for t in self.targets if t.metric == metric and t.store is None]

    def attach(self, frame: pd.DataFrame, catalog: Any, metric_ids: list[str], grain: str | None,
               periods: list[Period], stores: tuple[str, ...], by: tuple[str, ...] = (),
               converted: bool = False) -> pd.DataFrame:
        """Add ``<m>__target``, ``<m>__attainment`` and ``<m>__benchmark`` where configured.

        A ratio's target holds for every row. A count or amount target is a store's total: it is
        attached without dimensions, or per row when cut by store (each store its own target),
        and not when the amounts are converted to another currency (targets are in the store's).
        """
        extra: dict[str, pd.Series] = {}
        for mid in metric_ids:
            metric = catalog.metrics[mid]
            additive = metric.unit in ADDITIVE_UNITS
            targets = None
            if not additive or (not converted and not (set(by) - {"store"})):
                targets = self._targets(frame, mid, additive, grain, periods, stores, "store" in by)
            if targets is not None and targets.notna().any():
                extra[f"{mid}__target"] = targets
                value = frame[mid].astype("float64")
                ratio = (targets / value.where(value != 0, np.nan)) if metric.good == "down" else (
                    value / targets.where(targets != 0, np.nan))
                extra[f"{mid}__attainment"] = ratio
            if mid in self.benchmarks:
                extra[f"{mid}__benchmark"] = pd.Series(float(self.benchmarks[mid]), index=frame.index)
        return pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1) if extra else frame


def _by_store_rows(frame: pd.DataFrame, per_store: dict[str, pd.Series]) -> pd.Series:
    out = pd.Series(np.nan, index=frame.index)
    for store, series in per_store.items():
        mask = frame["store"] == store
        out[mask] = series[mask]
    return out


def _day_target(day: date, targets: list[Target], additive: bool) -> float:
    for t in targets:
        if (t.start and day < t.start) or (t.end and day > t.end):
            continue
        if not additive:
            return t.value
        if t.per == "day":
            return t.value
        if t.per == "week":
            return t.value / 7
        if t.per == "month":
            return t.value / calendar.monthrange(day.year, day.month)[1]
        if t.per == "quarter":
            q0 = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            q1 = date(q0.year + (q0.month == 10), (q0.month + 2) % 12 + 1, 1)
            return t.value / (q1 - q0).days
        return t.value / (366 if calendar.isleap(day.year) else 365)
    return float("nan")


def _row_targets(frame: pd.DataFrame, targets: list[Target], additive: bool, grain: str | None,
                 periods: list[Period]) -> pd.Series:
    def for_period(p: Period) -> float:
        days = [p.first + timedelta(days=i) for i in range(p.days)]
        values = [_day_target(d, targets, additive) for d in days]
        if any(v != v for v in values):
            return float("nan")
        return float(sum(values)) if additive else float(np.mean(values))

    if grain is None:
        first, last = periods[0].first, periods[-1].last
        return pd.Series(for_period(Period(first, first, last)), index=frame.index)
    if grain == "hour":
        by_day = {p.first: for_period(p) / (24 if additive else 1) for p in periods}
        return frame["_period"].map(lambda ts: by_day.get(pd.Timestamp(ts).date(), float("nan"))).astype("float64")
    by_start = {pd.Timestamp(p.start): for_period(p) for p in periods}
    return frame["_period"].map(by_start).astype("float64")


CONFIG_KEYS = ("settings", "targets", "benchmarks", "secret_key", "server", "warehouse",
               "calendar", "alerts", "notify", "schedule", "recommend")  # secret_key, server: serve; calendar:
# anomalies; alerts: alerts; notify: alerts send; schedule: schedule run; recommend: recommend
CONFIG_KEYS += ("replenish",)  # replenish: lead times, service levels (issue #16)


def _parse(data: Any, where: str, catalog: Any, into: Targets) -> None:
    try:
        _parse_checked(data, where, catalog, into)
    except (ValueError, TypeError, AttributeError) as exc:  # "lots" as a number, a list where a mapping goes, …
        raise _bad(where, f"cannot read it: {exc}") from None


def _parse_checked(data: Any, where: str, catalog: Any, into: Targets) -> None:
    if data is None:
        return
    if not isinstance(data, dict):
        raise _bad(where, "the file must be a mapping with settings / targets / benchmarks")
    unknown = [str(k) for k in data if k not in CONFIG_KEYS]
    if unknown:  # a misspelt section would otherwise be ignored in silence
        raise _bad(where, f"unknown section {unknown[0]!r} (known: {', '.join(CONFIG_KEYS)})")
    for key, value in (data.get("settings") or {}).items():
        if key not in SETTING_TO_MEASURE:
            raise _bad(where, f"unknown setting {key!r} (known: {', '.join(SETTING_TO_MEASURE)})")
        measure, param = SETTING_TO_MEASURE[key]
        if int(value) < 1:
            raise _bad(where, f"{key} must be at least 1 day")
        into.settings.setdefault(measure, {})[param] = int(value)
    for mid, value in (data.get("benchmarks") or {}).items():
        catalog.metric(mid)
        into.benchmarks[mid] = float(value)
    user_targets = []
    for i, raw in enumerate(data.get("targets") or []):
        if not isinstance(raw, dict) or "metric" not in raw or "value" not in raw:
            raise _bad(where, f"targets[{i}] needs metric and value")
        catalog.metric(raw["metric"])
        per = raw.get("per", "month")
        if per not in PERIOD_UNITS:
            raise _bad(where, f"targets[{i}].per must be one of {', '.join(PERIOD_UNITS)}")
        store = None if raw.get("store") is None else str(raw["store"])
        user_targets.append(Target(str(raw["metric"]), float(raw["value"]), per, store,
                                   _date(raw.get("from"), where), _date(raw.get("to"), where)))
    replaced = {t.metric for t in user_targets}
    into.targets = [t for t in into.targets if t.metric not in replaced] + user_targets


def _date(value: Any, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _bad(where, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _bad(where: str, message: str) -> ShoplensError:
    return ShoplensError(message, where=where, hint="see docs/metrics.md, section Targets",
                         zh=f"配置文件有误：{message}", zh_hint="参见 docs/metrics.md 的“目标”一节")


def load_targets(path: str | os.PathLike[str] | None, catalog: Any = None) -> Targets:
    """Shipped defaults, then the user's config file (if any) on top."""
    from shoplens.config import load_yaml
    from shoplens.metrics.spec import load_catalog

    catalog = catalog or load_catalog()
    out = Targets()
    text = resources.files("shoplens.metrics").joinpath("defaults.yaml").read_text(encoding="utf-8")
    _parse(load_yaml(text), "shoplens/metrics/defaults.yaml", catalog, out)
    user = config_path(path)
    if user is not None:
        if not user.exists():
            raise ShoplensError("config file not found", where=str(user), hint="check --config / SHOPLENS_CONFIG",
                                zh="找不到配置文件", zh_hint="检查 --config / SHOPLENS_CONFIG")
        try:
            data = load_yaml(user.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ShoplensError(f"cannot read the config file: {exc.__class__.__name__}", where=str(user),
                                hint="--config must name a UTF-8 YAML file", zh="无法读取配置文件",
                                zh_hint="--config 应指向 UTF-8 编码的 YAML 文件") from None
        except ValueError as exc:  # e.g. a date YAML cannot build (2026-13-01)
            raise _bad(str(user), f"cannot read it: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{user}:{mark.line + 1}:{mark.column + 1}" if mark else str(user)
            raise ShoplensError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where=where,
                                hint="check indentation and colons", zh="不是有效的 YAML",
                                zh_hint="检查缩进和冒号") from None
        _parse(data, str(user), catalog, out)
        out.source = str(user)
    return out
