"""Recommendation rules: the shipped catalog (``rules.yaml`` beside this file) merged with the config's
``recommend:`` section::

    recommend:
      cart_payment_gap: {drop: 0.4}        # change a shipped rule's parameter (the rest stays)
      slow_movers: off                     # switch a shipped rule off
      kol_landing_page:                    # a rule of your own, with one of the kinds (kinds.py)
        kind: benchmark_conversion
        by: channel
        share: 0.8
        priority: low
        action:
          en: "{scope}: conversion {value}, benchmark {reference}"
          zh: "{scope}：转化率 {value}，基准 {reference}"

Every mistake is one line naming its place (``shoplens.yaml: recommend.RULE.key``) with a hint, in both languages.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from shoplens.analyses.recommend.kinds import KINDS, placeholders
from shoplens.config import config_section, load_yaml
from shoplens.errors import ShoplensError, close_hint

PRIORITIES = ("high", "medium", "low")
COMMON = ("kind", "priority", "enabled", "action", "name")
SHIPPED_FILE = "shoplens/analyses/recommend/rules.yaml"


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    priority: str
    action: dict[str, str]
    params: dict[str, Any] = field(default_factory=dict)
    name: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    shipped: bool = False
    where: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "priority": self.priority, "enabled": self.enabled,
                "shipped": self.shipped, "params": dict(self.params), "action": dict(self.action)}


def bad(where: str, message: str, zh: str, hint: str | None = None, zh_hint: str | None = None) -> ShoplensError:
    return ShoplensError(message, where=where, hint=hint or "see README, section Recommendations",
                         zh=f"配置文件有误：{zh}", zh_hint=zh_hint or "参见 README 的“运营建议”一节")


def _param(name: str, kind_of: str, default: Any, raw: dict[str, Any], where: str, catalog: Any,
           metrics: tuple[str, ...]) -> Any:
    value = raw.get(name, default)
    at = f"{where}.{name}"
    if kind_of == "days?":
        if value is None:
            return None
        kind_of = "days"
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind_of == "days" and not (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 366):
        raise bad(at, f"{value!r} is not a whole number of days from 1 to 366", f"{value!r} 不是 1 到 366 之间的天数",
                  f"write e.g. {name}: 7", f"例如 {name}: 7")
    if kind_of == "count" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        raise bad(at, f"{value!r} is not a whole number (0 or more)", f"{value!r} 不是非负整数",
                  f"write e.g. {name}: 50", f"例如 {name}: 50")
    if kind_of == "number" and not (number and value > 0):
        raise bad(at, f"{value!r} is not a number above 0", f"{value!r} 不是大于 0 的数字",
                  f"write e.g. {name}: 1.5", f"例如 {name}: 1.5")
    if kind_of == "share" and not (number and 0 < value <= 1):
        raise bad(at, f"{value!r} is not a share above 0 and at most 1", f"{value!r} 不是 (0, 1] 之间的比例",
                  f"write e.g. {name}: 0.5 for 50 %", f"例如 {name}: 0.5 表示 50%")
    if kind_of == "bool" and not isinstance(value, bool):
        raise bad(at, f"{value!r} is not true or false", f"{value!r} 不是 true 或 false")
    if kind_of == "text" and (not isinstance(value, str) or not value.strip()):
        raise bad(at, f"{value!r} is not a text", f"{value!r} 不是文本")
    if kind_of == "dim":
        allowed = sorted(set.intersection(*(set(catalog.metric_dims(m)) for m in metrics)) - {"store"})
        if value not in allowed:
            hint, zh_hint = close_hint(str(value), allowed)
            names = ", ".join(metrics)
            raise bad(at, f"{names} cannot be cut by {value!r}", f"{names} 不能按 {value!r} 拆分", hint, zh_hint)
    return float(value) if kind_of in ("number", "share") else value


def _texts(raw: dict[str, Any], key: str, where: str, kind: str) -> dict[str, str]:
    value = raw.get(key)
    if value is None:
        return {}
    if isinstance(value, str):
        value = {"en": value, "zh": value}
    if not isinstance(value, dict) or not value or set(value) - {"en", "zh"}:
        raise bad(f"{where}.{key}", f"{key} must be a text or {{en: ..., zh: ...}}",
                  f"{key} 应为文本或 {{en: ..., zh: ...}}")
    texts = {k: str(v) for k, v in value.items()}
    texts = {"en": texts.get("en", texts.get("zh", "")), "zh": texts.get("zh", texts.get("en", ""))}
    known = placeholders(kind)
    for lang, text in texts.items():
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:  # a lone { or }
            raise bad(f"{where}.{key}.{lang}", f"cannot read the text: {exc}", f"无法解析文本：{exc}",
                      "write {{ and }} for braces", "花括号请写作 {{ 和 }}") from None
        for f in fields:
            if f not in known:
                raise bad(f"{where}.{key}.{lang}", f"unknown placeholder {{{f}}} for a {kind} rule",
                          f"{kind} 规则没有占位符 {{{f}}}", f"known: {', '.join(known)}", f"可用：{'、'.join(known)}")
    return texts


def parse_rule(rule_id: str, raw: Any, where: str, catalog: Any, shipped: bool = False) -> Rule:
    if not isinstance(raw, dict):
        raise bad(where, "a rule must be a mapping (kind, priority, action, ...), or off",
                  "规则应为键值映射（kind、priority、action……），或 off")
    kind = raw.get("kind")
    if kind not in KINDS:
        hint, zh_hint = close_hint(str(kind), tuple(KINDS))
        raise bad(f"{where}.kind", "the rule needs a kind" if kind is None else f"unknown kind {kind!r}",
                  "规则缺少 kind" if kind is None else f"未知的 kind {kind!r}", hint, zh_hint)
    spec = KINDS[kind]
    known = COMMON + tuple(spec.params)
    for key in raw:
        if key not in known:
            hint, zh_hint = close_hint(str(key), known)
            raise bad(f"{where}.{key}", f"unknown key {key!r} for a {kind} rule", f"{kind} 规则没有键 {key!r}",
                      hint, zh_hint)
    priority = raw.get("priority", "medium")
    if priority not in PRIORITIES:
        hint, zh_hint = close_hint(str(priority), PRIORITIES)
        raise bad(f"{where}.priority", f"priority {priority!r} is not one of {', '.join(PRIORITIES)}",
                  f"priority {priority!r} 无效", hint, zh_hint)
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise bad(f"{where}.enabled", f"{enabled!r} is not true or false", f"{enabled!r} 不是 true 或 false")
    action = _texts(raw, "action", where, kind)
    if not action:
        raise bad(f"{where}.action", "the rule needs an action text {en: ..., zh: ...}",
                  "规则缺少 action 文本 {en: ..., zh: ...}")
    params = {name: _param(name, t, default, raw, where, catalog, spec.metrics)
              for name, (t, default) in spec.params.items()}
    return Rule(rule_id, kind, str(priority), action, params, _texts(raw, "name", where, kind), enabled, shipped,
                where)


def shipped_rules() -> dict[str, Any]:
    text = resources.files("shoplens.analyses.recommend").joinpath("rules.yaml").read_text(encoding="utf-8")
    return load_yaml(text)


def parse_rules(section: Any, where: str, catalog: Any) -> list[Rule]:
    """The effective rules: the shipped ones, each changed or switched off by ``section``, plus its own."""
    shipped = shipped_rules()
    section = {} if section is None else section
    if not isinstance(section, dict):
        raise bad(where, "the recommend section must be a mapping of rule id: rule (or off)",
                  "recommend 部分应为“规则 id: 规则（或 off）”的映射")
    merged: dict[str, tuple[Any, str, bool]] = {k: (v, f"{SHIPPED_FILE}: {k}", True) for k, v in shipped.items()}
    for key, value in section.items():
        rule_id, at = str(key), f"{where}.{key}"
        if value in (False, "off"):
            if rule_id not in shipped:
                raise bad(at, f"{rule_id!r} is not a shipped rule, so there is nothing to switch off",
                          f"{rule_id!r} 不是内置规则，无法关闭", *close_hint(rule_id, tuple(shipped)))
            merged[rule_id] = ({**shipped[rule_id], "enabled": False}, at, True)
        elif rule_id in shipped and isinstance(value, dict):
            merged[rule_id] = ({**shipped[rule_id], "enabled": True, **value}, at, True)
        else:
            merged[rule_id] = (value, at, False)
    return [parse_rule(rule_id, raw, at, catalog, is_shipped) for rule_id, (raw, at, is_shipped) in merged.items()]


def load_rules(explicit: str | os.PathLike[str] | None = None, catalog: Any = None) -> list[Rule]:
    """The ``recommend:`` section of the config file (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml) over the
    shipped rules."""
    from shoplens.metrics.spec import load_catalog

    return parse_rules(*config_section(explicit, "recommend"), catalog or load_catalog())
