"""Alert rules: the shipped ones (``defaults.yaml`` beside this file) merged with the config's ``alerts:``.

::

    alerts:
      gmv_dod_drop: {drop: 0.4}          # change a shipped rule's parameter (the rest stays)
      dsr_service_floor: off             # switch a shipped rule off
      paid_search_conversion:            # a rule of your own
        kind: threshold                  # threshold | change | target | benchmark | anomaly
        metric: conversion_rate
        scope: {store: s1, channel: paid_search}
        below: 0.01
        severity: high                   # high | medium | low
        name: {en: Paid search conversion under 1 %, zh: 付费搜索转化率低于 1%}

Every mistake is one line naming the place in the file (``shoplens.yaml: alerts.X.key``) with a hint; the
metric and the dimensions are checked against the catalog here, the scope's values against the stores'
data when a check runs (:func:`shoplens.analyses.alerts.evaluate.check_scopes`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from shoplens.analyses.alerts.words import check_template, placeholders
from shoplens.config import config_section, load_yaml
from shoplens.errors import ShoplensError, close_hint

KINDS = ("threshold", "change", "target", "benchmark", "anomaly", "cover", "stockout")
BASELINES = ("previous_day", "same_weekday", "previous_period", "yoy")
SEVERITIES = ("high", "medium", "low")
COMMON = ("kind", "metric", "scope", "by", "severity", "enabled", "name", "message", "reason")
PARAMS = {"threshold": ("above", "below", "days"), "change": ("baseline", "weeks", "days", "drop", "rise"),
          "target": ("min_attainment",), "benchmark": ("above", "below"),
          "anomaly": ("min_severity", "sensitivity", "bad_only"), "cover": (), "stockout": ("classes", "abc_days")}
DEFAULTS_FILE = "shoplens/analyses/alerts/defaults.yaml"


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    metric: str | None  # None: an anomaly rule over the anomaly module's default metrics
    scope: dict[str, str] = field(default_factory=dict)  # store and dimension filters
    by: str | None = None
    severity: str = "medium"
    enabled: bool = True
    name: dict[str, str] = field(default_factory=dict)
    message: dict[str, str] = field(default_factory=dict)
    reason: dict[str, str] = field(default_factory=dict)  # why a shipped rule is off
    params: dict[str, Any] = field(default_factory=dict)
    where: str = ""  # the place in the config file, for errors found later (scope values)
    shipped: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "metric": self.metric, "scope": dict(self.scope), "by": self.by,
                "severity": self.severity, "enabled": self.enabled, "shipped": self.shipped, "params": self.params,
                "name": self.name, "message": self.message or None, "reason": self.reason or None}


def bad(where: str, message: str, zh: str, hint: str | None = None, zh_hint: str | None = None) -> ShoplensError:
    return ShoplensError(message, where=where, hint=hint or "see README, section Alerts",
                         zh=f"配置文件有误：{zh}", zh_hint=zh_hint or "参见 README 的“告警”一节")


def _number(raw: dict[str, Any], key: str, where: str, *, positive: bool = False) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or (positive and value <= 0):
        what = "a number above 0" if positive else "a number"
        raise bad(f"{where}.{key}", f"{value!r} is not {what}", f"{value!r} 不是{'大于 0 的' if positive else ''}数字",
                  f"write e.g. {key}: 0.2", f"例如 {key}: 0.2")
    return float(value)


def _whole(raw: dict[str, Any], key: str, where: str, default: int, top: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise bad(f"{where}.{key}", f"{value!r} is not a whole number from 1 to {top}",
                  f"{value!r} 不是 1 到 {top} 之间的整数")
    return value


def _choice(raw: dict[str, Any], key: str, where: str, known: tuple[str, ...], default: str) -> str:
    value = raw.get(key, default)
    if value not in known:
        hint, zh_hint = close_hint(str(value), known)
        raise bad(f"{where}.{key}", f"{key} {value!r} is not one of {', '.join(known)}", f"{key} {value!r} 无效",
                  hint, zh_hint)
    return str(value)


def _texts(raw: dict[str, Any], key: str, where: str) -> dict[str, str]:
    value = raw.get(key)
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value, "zh": value}
    if not isinstance(value, dict) or set(value) - {"en", "zh"} or not value:
        raise bad(f"{where}.{key}", f"{key} must be a text or {{en: ..., zh: ...}}",
                  f"{key} 应为文本或 {{en: ..., zh: ...}}")
    texts = {k: str(v) for k, v in value.items()}
    return {"en": texts.get("en", texts.get("zh", "")), "zh": texts.get("zh", texts.get("en", ""))}


def _params(kind: str, raw: dict[str, Any], where: str) -> dict[str, Any]:
    if kind in ("threshold", "benchmark"):
        out: dict[str, Any] = {k: v for k in ("above", "below") if (v := _number(raw, k, where)) is not None}
        if not out:
            raise bad(where, f"a {kind} rule needs above or below", f"{kind} 规则需要 above 或 below")
        if kind == "threshold":
            out["days"] = _whole(raw, "days", where, 1, 90)
        return out
    if kind == "change":
        out = {"baseline": _choice(raw, "baseline", where, BASELINES, "previous_day")}
        if out["baseline"] == "same_weekday":
            out["weeks"] = _whole(raw, "weeks", where, 4, 52)
        if out["baseline"] in ("previous_period", "yoy"):
            out["days"] = _whole(raw, "days", where, 7 if out["baseline"] == "previous_period" else 1, 366)
        out |= {k: v for k in ("drop", "rise") if (v := _number(raw, k, where, positive=True)) is not None}
        if "drop" not in out and "rise" not in out:
            raise bad(where, "a change rule needs drop or rise (e.g. drop: 0.2 for -20 %)",
                      "change 规则需要 drop 或 rise（例如 drop: 0.2 表示下跌 20%）")
        return out
    if kind == "cover":
        return {}
    if kind == "stockout":
        classes = raw.get("classes", ["A"])
        if not isinstance(classes, list) or not classes or set(classes) - {"A", "B", "C"}:
            raise bad(f"{where}.classes", f"{classes!r} is not a list of ABC classes", f"{classes!r} 不是 ABC 分类列表",
                      "e.g. classes: [A]", "例如 classes: [A]")
        return {"classes": [str(c) for c in classes], "abc_days": _whole(raw, "abc_days", where, 28, 366)}
    if kind == "target":
        return {"min_attainment": _number(raw, "min_attainment", where, positive=True) or 1.0}
    bad_only = raw.get("bad_only", True)
    if not isinstance(bad_only, bool):
        raise bad(f"{where}.bad_only", f"{bad_only!r} is not true or false", f"{bad_only!r} 不是 true 或 false")
    return {"min_severity": _choice(raw, "min_severity", where, SEVERITIES, "high"),
            "sensitivity": _choice(raw, "sensitivity", where, ("low", "medium", "high"), "medium"),
            "bad_only": bad_only}


def parse_rule(rule_id: str, raw: Any, where: str, catalog: Any, shipped: bool = False) -> Rule:
    """One rule of the file (already merged with the shipped one of the same id)."""
    if not isinstance(raw, dict):
        raise bad(where, "a rule must be a mapping (kind, metric, ...), or off", "规则应为键值映射，或 off")
    kind = _choice(raw, "kind", where, KINDS, "") if "kind" in raw else None
    if kind is None:
        raise bad(where, "the rule needs a kind", "规则缺少 kind", f"one of {', '.join(KINDS)}",
                  f"可选：{'、'.join(KINDS)}")
    known = COMMON + PARAMS[kind]
    for key in raw:
        if key not in known:
            hint, zh_hint = close_hint(str(key), known)
            raise bad(f"{where}.{key}", f"unknown key {key!r} for a {kind} rule", f"{kind} 规则没有键 {key!r}",
                      hint, zh_hint)
    metric = raw.get("metric")
    if kind == "cover":  # days of cover vs the replenish: lead times, per SKU (alerts/cover.py)
        if metric is not None or raw.get("by") is not None or set(raw.get("scope") or {}) - {"store"}:
            raise bad(where, "a cover rule takes no metric or by, and a store scope only",
                      "cover 规则没有 metric 和 by，scope 只能限定店铺",
                      "lead times come from replenish: in the config", "补货周期来自配置的 replenish:")
    elif metric is None and kind != "anomaly":
        raise bad(where, "the rule needs a metric", "规则缺少 metric", "a catalog id, e.g. gmv",
                  "指标目录中的 id，例如 gmv")
    if metric is not None:
        try:
            catalog.metric(str(metric))
        except ShoplensError as exc:
            raise ShoplensError(exc.message, where=f"{where}.metric", hint=exc.hint, zh=exc.zh,
                                zh_hint=exc.zh_hint) from None
    scope = raw.get("scope") or {}
    if not isinstance(scope, dict):
        raise bad(f"{where}.scope", "scope must be a mapping, e.g. {store: s1, channel: paid_search}",
                  "scope 应为键值映射，例如 {store: s1, channel: paid_search}")
    by = raw.get("by")
    dims = [str(d) for d in scope if d != "store"] + ([str(by)] if by is not None else [])
    allowed = sorted(catalog.metric_dims(str(metric))) if metric is not None else sorted(catalog.dimensions)
    for dim in dims:
        if dim not in allowed:
            at = f"{where}.by" if by is not None and dim == str(by) else f"{where}.scope.{dim}"
            hint, zh_hint = close_hint(dim, allowed)
            known_dim = dim in catalog.dimensions
            raise bad(at, f"{metric or 'the anomaly metrics'} cannot be cut by {dim!r}" if known_dim else
                      f"unknown dimension {dim!r}", f"{metric or ''} 不能按 {dim!r} 拆分" if known_dim else
                      f"未知维度 {dim!r}", hint, zh_hint)
    if kind == "anomaly" and set(scope) - {"store"}:
        raise bad(f"{where}.scope", "an anomaly rule is scoped to a store only", "anomaly 规则只能限定店铺",
                  "use by: DIM to judge each value of a dimension", "用 by: 维度 对每个取值分别判断")
    texts = _texts(raw, "message", where)
    for lang, text in texts.items():
        unknown = check_template(text, kind)
        if unknown is not None:
            known = placeholders(kind)
            raise bad(f"{where}.message.{lang}", f"unknown placeholder {{{unknown}}} for a {kind} rule",
                      f"{kind} 规则没有占位符 {{{unknown}}}", f"known: {', '.join(known)}", f"可用：{'、'.join(known)}")
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise bad(f"{where}.enabled", f"{enabled!r} is not true or false", f"{enabled!r} 不是 true 或 false")
    return Rule(rule_id, kind, None if metric is None else str(metric),
                {str(k): str(v) for k, v in scope.items()}, None if by is None else str(by),
                _choice(raw, "severity", where, SEVERITIES, "medium"), enabled, _texts(raw, "name", where), texts,
                _texts(raw, "reason", where), _params(kind, raw, where), where, shipped)


def parse_rules(section: Any, where: str, catalog: Any) -> list[Rule]:
    """The effective rules: the shipped ones, each replaced, changed or switched off by ``section``."""
    text = resources.files("shoplens.analyses.alerts").joinpath("defaults.yaml").read_text(encoding="utf-8")
    shipped: dict[str, Any] = load_yaml(text)
    section = {} if section is None else section
    if not isinstance(section, dict):
        raise bad(where, "the alerts section must be a mapping of rule id: rule (or off)",
                  "alerts 部分应为“规则 id: 规则（或 off）”的映射")
    merged: dict[str, tuple[Any, str, bool]] = {k: (v, f"{DEFAULTS_FILE}: {k}", True) for k, v in shipped.items()}
    for key, value in section.items():
        rule_id, at = str(key), f"{where}.{key}"
        if value in (False, "off"):
            merged[rule_id] = (False, at, rule_id in shipped)
        elif rule_id in shipped and isinstance(value, dict):
            merged[rule_id] = ({**shipped[rule_id], "enabled": True, **value}, at, True)
        else:
            if isinstance(value, dict) and "kind" not in value:
                _not_shipped(rule_id, at, list(shipped))
            merged[rule_id] = (value, at, False)
    rules = []
    for rule_id, (raw, at, is_shipped) in merged.items():
        if raw is False:
            base = parse_rule(rule_id, shipped[rule_id], f"{DEFAULTS_FILE}: {rule_id}", catalog, True) if (
                rule_id in shipped) else None
            if base is None:
                raise bad(at, f"{rule_id!r} is not a shipped rule, so there is nothing to switch off",
                          f"{rule_id!r} 不是内置规则，无法关闭", "`shoplens alerts rules` lists them",
                          "`shoplens alerts rules` 列出全部规则")
            rules.append(Rule(**{**base.__dict__, "enabled": False, "where": at}))
            continue
        rules.append(parse_rule(rule_id, raw, at, catalog, is_shipped))
    return rules


def _not_shipped(rule_id: str, where: str, shipped: list[str]) -> None:
    """A rule of one's own without a kind is most often a shipped rule's id misspelt (``uv_value_dropp``)."""
    hint, zh_hint = close_hint(rule_id, shipped)
    if not hint.startswith("did you mean"):
        hint, zh_hint = (f"a rule of your own needs kind: one of {', '.join(KINDS)}",
                         f"自定义规则需要 kind：{'、'.join(KINDS)} 之一")
    raise bad(where, f"{rule_id!r} is not a shipped rule, and as a rule of your own it has no kind",
              f"{rule_id!r} 不是内置规则，作为自定义规则又缺少 kind", hint, zh_hint)


def load_rules(explicit: str | os.PathLike[str] | None = None, catalog: Any = None) -> list[Rule]:
    """The ``alerts:`` section of the config file (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml) over the
    shipped rules."""
    from shoplens.metrics.spec import load_catalog

    return parse_rules(*config_section(explicit, "alerts"), catalog or load_catalog())
