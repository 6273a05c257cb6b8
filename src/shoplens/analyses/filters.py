"""Conditions on events: ``--where channel=live_stream``, ``device!=desktop``, ``country=CN|HK``,
``properties.coupon=spring``, and funnel steps with their own conditions (``purchase[channel=live_stream]``).

Keys are an allow-list of event columns or ``properties.KEY`` (a key of the event's JSON
properties); values are always SQL string literals, never identifiers, so user text cannot change
the query. Channel and device values are read like imports (``直播`` = live_stream, case-insensitive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.metrics.options import normalise_where
from shoplens.model.vocab import CUSTOM_EVENT_PATTERN, EVENT_ALIASES, EVENTS
from shoplens.warehouse.scope import lit

EVENT_COLUMNS = ("channel", "device", "country", "source", "medium", "campaign", "page_type", "product_id",
                 "session_id")
_PROPERTY = re.compile(r"^(?:properties|prop)\.([\w-]{1,64})$", re.UNICODE)
_CONDITION = re.compile(r"^\s*([^=!<>\s]+)\s*(!=|=)\s*(.*?)\s*$", re.DOTALL)
MAX_LITERAL_CHARS = 1000  # one value, event name or condition; real ones are far shorter


def _shown(text: str) -> str:
    """``repr`` of user text, cut to 60 characters for messages."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


def check_literal(text: str, what: str, limit: int = MAX_LITERAL_CHARS) -> str:
    """``text`` unchanged, or a ShoplensError for a NUL byte (DuckDB cannot hold one in a SQL string
    literal), more than ``limit`` characters or something that is not text."""
    if not isinstance(text, str):
        raise ShoplensError(f"{what} {text!r} is not text", zh=f"{what} {text!r} 不是文本")
    if "\x00" in text:
        raise ShoplensError(f"{what} {_shown(text)} contains a NUL byte (\\x00)", hint="remove the NUL character",
                            zh=f"{what} {_shown(text)} 含有 NUL 字符（\\x00）", zh_hint="请删除 NUL 字符")
    if len(text) > limit:
        raise ShoplensError(f"{what} {_shown(text)} is too long ({len(text)} characters)",
                            hint=f"at most {limit} characters", zh=f"{what} {_shown(text)} 过长（{len(text)} 个字符）",
                            zh_hint=f"最多 {limit} 个字符")
    return text


def whole_number(value: Any, option: str, low: int, high: int, example: str | None = None) -> int:
    """``value`` if it is an int (not a bool) in ``low..high``, else a ShoplensError naming ``option``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        hint = f"e.g. {example}" if example else f"use {low}..{high:,}"
        zh_hint = f"例如 {example}" if example else f"请用 {low}..{high:,}"
        raise ShoplensError(f"{option} {value!r} is not a whole number in {low}..{high:,}", hint=hint,
                            zh=f"{option} {value!r} 不是 {low}..{high:,} 之间的整数", zh_hint=zh_hint)
    return value


@dataclass(frozen=True)
class Condition:
    key: str  # an EVENT_COLUMNS name or properties.KEY
    negate: bool
    values: tuple[str, ...]

    def column_sql(self, alias: str) -> str:
        prop = _PROPERTY.match(self.key)
        if prop:
            path = lit('$."' + prop.group(1) + '"')
            return f"json_extract_string({alias}.properties, {path})"
        return f"{alias}.{self.key}"

    def sql(self, alias: str) -> str:
        column = self.column_sql(alias)
        values = ", ".join(lit(v) for v in self.values)
        if self.negate:
            return f"({column} IS NULL OR {column} NOT IN ({values}))"
        return f"{column} IN ({values})"

    @property
    def text(self) -> str:
        return f"{self.key}{'!=' if self.negate else '='}{'|'.join(self.values)}"


def _bad(what: str, text: str, hint: str, zh_hint: str) -> ShoplensError:
    return ShoplensError(f"{what} {text!r} is not understood", hint=hint, zh=f"{what} {text!r} 无法识别",
                         zh_hint=zh_hint)


def parse_condition(text: str, what: str = "--where") -> Condition:
    """``key=value``, ``key!=value``, ``key=a|b`` -> Condition (unknown keys are refused with the list;
    NUL bytes and values over ``MAX_LITERAL_CHARS`` too)."""
    check_literal(text, what, limit=4 * MAX_LITERAL_CHARS)
    m = _CONDITION.match(text)
    if not m or not m.group(3):
        raise _bad(what, text, "use KEY=VALUE, KEY!=VALUE or KEY=A|B, e.g. channel=live_stream",
                   "请用 键=值、键!=值 或 键=A|B，例如 channel=live_stream")
    key, op, raw = m.group(1).strip(), m.group(2), m.group(3)
    if key not in EVENT_COLUMNS and not _PROPERTY.match(key):
        keys = ", ".join(EVENT_COLUMNS)
        raise ShoplensError(f"{what}: unknown key {key!r}", hint=f"one of {keys}, or properties.KEY",
                            zh=f"{what}：未知的键 {key!r}", zh_hint=f"可用：{keys}，或 properties.键名")
    values = tuple(check_literal(v.strip(), f"{what} value") for v in raw.split("|") if v.strip())
    if not values:
        raise _bad(what, text, "give at least one value", "至少给出一个值")
    values = normalise_where({key: values}).get(key, values)
    return Condition(key, op == "!=", values)


def conditions_sql(conditions: tuple[Condition, ...], alias: str) -> str:
    return " AND ".join(c.sql(alias) for c in conditions) or "TRUE"


_EVENT_ALIASES = dict(EVENT_ALIASES)


def event_name(text: str) -> str:
    """A standard event (aliases such as ``cart`` or ``buy`` accepted) or a custom event name."""
    name = check_literal(text, "event name").strip()
    name = _EVENT_ALIASES.get(name.lower(), name)
    if name in EVENTS or re.match(CUSTOM_EVENT_PATTERN, name):
        return name
    raise ShoplensError(f"{_shown(text)} is not an event name", hint=f"standard events: {', '.join(EVENTS)}",
                        zh=f"{_shown(text)} 不是事件名", zh_hint=f"标准事件：{', '.join(EVENTS)}")


@dataclass(frozen=True)
class Step:
    """One funnel step: an event name and optional conditions on that event."""

    event: str
    conditions: tuple[Condition, ...] = ()

    @property
    def label(self) -> str:
        if not self.conditions:
            return self.event
        return f"{self.event}[{','.join(c.text for c in self.conditions)}]"

    def sql(self, alias: str) -> str:
        cond = [f"{alias}.event = {lit(self.event)}"] + [c.sql(alias) for c in self.conditions]
        return "(" + " AND ".join(cond) + ")"


def split_outside_brackets(text: str) -> list[str]:
    """``a,b[x=1,y=2],c`` -> ['a', 'b[x=1,y=2]', 'c']."""
    parts, depth, current = [], 0, []
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_step(text: str) -> Step:
    text = text.strip()
    if "[" not in text:
        return Step(event_name(text))
    if not text.endswith("]") or text.count("[") != 1:
        raise _bad("step", text, "write EVENT[KEY=VALUE,...], e.g. purchase[channel=live_stream]",
                   "请写成 事件[键=值,...]，例如 purchase[channel=live_stream]")
    name, inner = text[:-1].split("[", 1)
    conditions = tuple(parse_condition(c, what="step") for c in re.split(r"[,&;]", inner) if c.strip())
    return Step(event_name(name), conditions)


def parse_steps(steps: str | list[str] | tuple[str, ...] | list[Step]) -> tuple[Step, ...]:
    """Steps from ``"a,b[x=1],c"`` or a list of texts/Steps."""
    if isinstance(steps, str):
        steps = split_outside_brackets(steps)
    out = []
    for item in steps:
        if isinstance(item, Step):
            out.append(item)
        else:
            out.extend(parse_step(p) for p in split_outside_brackets(item))
    return tuple(out)


def parse_where(where: str | list[str] | tuple[str, ...] | dict[str, str] | None) -> tuple[Condition, ...]:
    """``--where`` options (repeatable; a dict {key: value} from Python) -> conditions."""
    if not where:
        return ()
    if isinstance(where, dict):
        items = [f"{k}={v}" if not isinstance(v, (list, tuple)) else f"{k}={'|'.join(v)}" for k, v in where.items()]
    elif isinstance(where, str):
        items = [where]
    else:
        items = list(where)
    return tuple(parse_condition(i) for i in items)


def dimension_sql(dim: str, alias: str) -> str:
    """SQL of a breakdown dimension on events: an event column or ``properties.KEY``."""
    if dim not in EVENT_COLUMNS and not _PROPERTY.match(dim):
        keys = ", ".join(EVENT_COLUMNS)
        raise ShoplensError(f"cannot break down by {dim!r}", hint=f"one of {keys}, or properties.KEY",
                            zh=f"无法按 {dim!r} 拆分", zh_hint=f"可用：{keys}，或 properties.键名")
    return Condition(dim, False, ()).column_sql(alias)
