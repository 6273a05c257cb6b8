"""A segment's definition: a small JSON tree, checked and normalised once, and written back as rule text.

Nodes (exactly one key of ``and``/``or``/``not``/``event``/``property``/``metric``/``rfm`` each)::

    {"and": [node, ...]}   {"or": [node, ...]}   {"not": node}
    {"event": "purchase", "where": ["channel=live_stream"], "min": 2, "max": null, "last_days": 30}
    {"event": "purchase", "from": "2011-11-01", "to": "2011-11-30"}
    {"property": "country", "in": ["GB", "FR"]}        # country, member_tier, first_channel, device
    {"metric": "lifetime_gmv", ">=": 500}              # lifetime_gmv, orders; one of >= > <= < = !=
    {"rfm": ["rising", "core"]}

``normalise`` returns the canonical tree (event aliases resolved, channel/device/tier values read
like imports, empty options dropped) or raises :class:`RuleError` naming the offending key, which
the JSON reader turns into a ``$.and[1].min`` location and the text parser into a column.
``to_text`` writes the rule syntax that :mod:`.parser` reads back into the same tree.

Values are bounded so that no rule can overflow a date or a number on its way to DuckDB (the
bounds are listed in :mod:`.parser`): ``last_days`` <= ``MAX_LAST_DAYS``, dates within
``FIRST_DAY`` .. ``LAST_DAY``, counts <= ``MAX_COUNT``, GMV comparisons within ``MAX_AMOUNT``,
at most ``MAX_CONDITIONS`` leaves; numbers are ASCII digits only.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from shoplens.analyses.context import FIRST_DAY, LAST_DAY
from shoplens.analyses.filters import check_literal, event_name, parse_condition
from shoplens.errors import ShoplensError
from shoplens.metrics.options import normalise_where

PROPERTIES = ("country", "member_tier", "first_channel", "device")
METRICS = ("orders", "lifetime_gmv")
OPS = (">=", ">", "<=", "<", "=", "!=")
EVENT_ARGS = ("min", "max", "last_days", "from", "to")
KINDS = ("and", "or", "not", "event", "property", "metric", "rfm")
MAX_DEPTH = 32
MAX_LAST_DAYS = 36_500  # a century of local days
MAX_COUNT = 1_000_000_000  # did() min/max and the orders metric
MAX_AMOUNT = 10**15  # |lifetime_gmv| comparisons, in the reporting currency
MAX_CONDITIONS = 200  # leaves (did/property/metric/rfm) in one rule
_DIGITS = re.compile(r"^[0-9]+$")  # ASCII only: '²' and '١' pass str.isdigit but are no numbers here
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_PLAIN_VALUE = re.compile(r"^[^\s()\[\],|=!<>&\"']+$")
_VALUE_KEY = {"first_channel": "channel", "device": "device", "member_tier": "member_tier"}  # normalise_where keys


class RuleError(ShoplensError):
    """A mistake inside a rule; ``key`` is the node key it concerns (to point at it in JSON or text)."""

    def __init__(self, message: str, *, zh: str, hint: str | None = None, zh_hint: str | None = None,
                 key: str | None = None) -> None:
        super().__init__(message, hint=hint, zh=zh, zh_hint=zh_hint)
        self.key = key


def _show(value: Any) -> str:
    """A value for a message: repr, shortened (a huge int is not even turned into digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return "a number of 30+ digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _int(value: Any, key: str, minimum: int, maximum: int) -> int:
    """A whole number in [minimum, maximum] from an int or ASCII digits (JSON or rule text)."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.match(value.strip()):
        digits = value.strip().lstrip("0") or "0"
        number = int(digits) if len(digits) <= 18 else maximum + 1
    if number is None or number < minimum:
        raise RuleError(f"{key} must be a whole number >= {minimum}, not {_show(value)}", key=key,
                        hint=f"use {minimum}..{maximum:,}",
                        zh=f"{key} 必须是不小于 {minimum} 的整数，而不是 {_show(value)}",
                        zh_hint=f"取值 {minimum}..{maximum:,}")
    if number > maximum:
        raise RuleError(f"{key} must be at most {maximum:,}, not {_show(value)}", key=key,
                        hint=f"use {minimum}..{maximum:,}",
                        zh=f"{key} 不能大于 {maximum:,}，而不是 {_show(value)}",
                        zh_hint=f"取值 {minimum}..{maximum:,}")
    return number


def _day(value: Any, key: str) -> str:
    """An ISO date (YYYY-MM-DD) within FIRST_DAY .. LAST_DAY, so windows never leave the calendar."""
    text = value.isoformat() if isinstance(value, date) else str(value).strip()[:40]
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise RuleError(f"{key} {_show(value)} is not a date", hint="use YYYY-MM-DD", key=key,
                        zh=f"{key} {_show(value)} 不是日期", zh_hint="请用 YYYY-MM-DD 格式") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise RuleError(f"{key} {day} is outside {FIRST_DAY} .. {LAST_DAY}", hint="give a real date", key=key,
                        zh=f"{key} {day} 不在 {FIRST_DAY} 至 {LAST_DAY} 之间", zh_hint="请给出实际日期")
    return day.isoformat()


def _number(value: Any, key: str) -> int | float:
    """A finite int or float from a JSON number or ASCII number text (``12``, ``99.5``, ``1e3``)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RuleError(f"{key} needs a number, not {_show(value)}", key=key,
                        zh=f"{key} 需要一个数字，而不是 {_show(value)}")
    if isinstance(value, int | float):
        number = value
    else:
        text = value.strip()
        if len(text) > 40 or not _NUMBER.match(text):
            raise RuleError(f"{key} needs a number, not {_show(value)}", key=key,
                            zh=f"{key} 需要一个数字，而不是 {_show(value)}")
        number = float(text) if any(c in text for c in ".eE") else int(text)
    if number != number or number in (float("inf"), float("-inf")):
        raise RuleError(f"{key} needs a finite number", key=key, zh=f"{key} 需要一个有限的数字")
    return number


def _values(value: Any, key: str) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    if any(isinstance(v, dict | list | tuple) for v in items):
        raise RuleError(f"{key} needs one or more values", hint='e.g. ["GB", "FR"]', key=key,
                        zh=f"{key} 需要一个或多个值", zh_hint='例如 ["GB", "FR"]')
    out = [str(v).strip() for v in items if v is not None and str(v).strip()]
    if not out:
        raise RuleError(f"{key} needs one or more values", hint='e.g. ["GB", "FR"]', key=key,
                        zh=f"{key} 需要一个或多个值", zh_hint='例如 ["GB", "FR"]')
    for v in out:
        try:
            check_literal(v, f"{key} value")
        except ShoplensError as exc:
            raise RuleError(exc.message, hint=exc.hint, zh=exc.zh or exc.message, zh_hint=exc.zh_hint,
                            key=key) from None
    return list(dict.fromkeys(out))


def _unknown_keys(node: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    extra = [k for k in node if k not in allowed]
    if extra:
        raise RuleError(f"{what}: unknown key {extra[0]!r}", hint=f"keys: {', '.join(allowed)}", key=extra[0],
                        zh=f"{what}：未知的键 {extra[0]!r}", zh_hint=f"可用的键：{', '.join(allowed)}")


def _event(node: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(node, ("event", "where", *EVENT_ARGS), "event condition")
    try:
        out: dict[str, Any] = {"event": event_name(str(node["event"]))}
    except ShoplensError as exc:
        raise RuleError(exc.message, hint=exc.hint, zh=exc.zh or exc.message, zh_hint=exc.zh_hint,
                        key="event") from None
    where = node.get("where")
    if where:
        conditions = []
        for text in where if isinstance(where, list | tuple) else [where]:
            try:
                conditions.append(parse_condition(str(text), what="where").text)
            except ShoplensError as exc:
                raise RuleError(exc.message, hint=exc.hint, zh=exc.zh or exc.message, zh_hint=exc.zh_hint,
                                key="where") from None
        out["where"] = conditions
    low = None if node.get("min") is None else _int(node["min"], "min", 0, MAX_COUNT)
    high = None if node.get("max") is None else _int(node["max"], "max", 0, MAX_COUNT)
    if low is not None and high is not None and high < low:
        raise RuleError(f"max {high} is below min {low}", key="max", zh=f"max {high} 小于 min {low}")
    if low == 0 and high is None:
        raise RuleError("min=0 without max matches every user", hint="drop the condition, or give max",
                        key="min", zh="min=0 且没有 max 会匹配所有用户", zh_hint="去掉该条件，或给出 max")
    for key, value in (("min", low), ("max", high)):
        if value is not None:
            out[key] = value
    if node.get("last_days") is not None:
        if node.get("from") is not None or node.get("to") is not None:
            raise RuleError("last_days cannot be combined with from/to", hint="use one kind of window",
                            key="last_days", zh="last_days 不能与 from/to 同时使用", zh_hint="只用一种时间窗口")
        out["last_days"] = _int(node["last_days"], "last_days", 1, MAX_LAST_DAYS)
    for key in ("from", "to"):
        if node.get(key) is not None:
            out[key] = _day(node[key], key)
    if "from" in out and "to" in out and out["from"] > out["to"]:
        raise RuleError(f"from {out['from']} is after to {out['to']}", hint="swap the dates", key="from",
                        zh=f"from {out['from']} 晚于 to {out['to']}", zh_hint="请交换两个日期")
    return out


def _property(node: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(node, ("property", "in"), "property condition")
    name = str(node["property"]).strip()
    if name not in PROPERTIES:
        raise RuleError(f"unknown property {name!r}", hint=f"one of {', '.join(PROPERTIES)}", key="property",
                        zh=f"未知属性 {name!r}", zh_hint=f"可选：{', '.join(PROPERTIES)}")
    if "in" not in node:
        raise RuleError(f"property {name} needs \"in\": [values]", key="property",
                        zh=f"属性 {name} 需要 \"in\": [取值]")
    values = _values(node["in"], "in")
    if name in _VALUE_KEY:
        values = list(dict.fromkeys(normalise_where({_VALUE_KEY[name]: tuple(values)})[_VALUE_KEY[name]]))
    return {"property": name, "in": values}


def _metric(node: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(node, ("metric", *OPS), "metric condition")
    name = str(node["metric"]).strip()
    if name not in METRICS:
        raise RuleError(f"unknown metric {name!r}", hint=f"one of {', '.join(METRICS)}", key="metric",
                        zh=f"未知的指标 {name!r}", zh_hint=f"可选：{', '.join(METRICS)}")
    ops = [op for op in OPS if op in node]
    if len(ops) != 1:
        raise RuleError(f"metric {name} needs exactly one comparison, e.g. {{\">=\": 3}}",
                        hint="combine two comparisons with and", key="metric",
                        zh=f"指标 {name} 需要恰好一个比较，例如 {{\">=\": 3}}", zh_hint="两个比较请用 and 连接")
    op = ops[0]
    number = _number(node[op], op)
    bound = MAX_COUNT if name == "orders" else MAX_AMOUNT
    if abs(number) > bound:
        raise RuleError(f"{name}{op}{_show(number)} is out of range", hint=f"compare with -{bound:,}..{bound:,}",
                        key=op,
                        zh=f"{name}{op}{_show(number)} 超出范围", zh_hint=f"比较值应在 -{bound:,}..{bound:,} 之间")
    return {"metric": name, op: number}


def _rfm(node: dict[str, Any]) -> dict[str, Any]:
    _unknown_keys(node, ("rfm",), "rfm condition")
    tiers = [_renamed_tier(v.lower()) for v in _values(node["rfm"], "rfm")]
    known = rfm_tiers()
    if known is not None:
        bad = [v for v in tiers if v not in known]
        if bad:
            raise RuleError(f"unknown RFM tier {bad[0]!r}", hint=f"one of {', '.join(known)}", key="rfm",
                            zh=f"未知的 RFM 分层 {bad[0]!r}", zh_hint=f"可选：{', '.join(known)}")
    return {"rfm": list(dict.fromkeys(tiers))}


def _renamed_tier(tier: str) -> str:
    """A tier id renamed since a rule was written (``champions`` -> ``rising``, #14), else the text itself."""
    try:
        from shoplens.analyses.rfm_tiers import RENAMED
    except ImportError:
        return tier
    return RENAMED.get(tier, tier)


def rfm_tiers() -> tuple[str, ...] | None:
    """The RFM tier names (``shoplens.analyses.rfm.TIERS``), or None while that module is missing."""
    try:
        from shoplens.analyses import rfm
    except ImportError:
        return None
    return tuple(str(t).lower() for t in rfm.TIERS)


def kind_of(node: Any) -> str:
    if not isinstance(node, dict):
        raise RuleError(f"a condition must be an object, not {type(node).__name__}",
                        hint='e.g. {"event": "purchase"} or {"and": [...]}',
                        zh=f"条件必须是对象，而不是 {type(node).__name__}",
                        zh_hint='例如 {"event": "purchase"} 或 {"and": [...]}')
    kinds = [k for k in KINDS if k in node]
    if len(kinds) != 1:
        keys = ", ".join(KINDS)
        raise RuleError("a condition needs exactly one of " + keys,
                        key=kinds[1] if len(kinds) > 1 else next(iter(node), None),
                        zh="每个条件必须恰好包含以下之一：" + keys)
    return kinds[0]


LEAVES = {"event": _event, "property": _property, "metric": _metric, "rfm": _rfm}


def leaf_count(node: dict[str, Any]) -> int:
    """Leaves (did/property/metric/rfm conditions) of a normalised tree."""
    for kind in ("and", "or"):
        if kind in node:
            return sum(leaf_count(c) for c in node[kind])
    return leaf_count(node["not"]) if "not" in node else 1


def normalise(node: Any, path: str = "$", depth: int = 0) -> dict[str, Any]:
    """The canonical tree; a RuleError's location is written into ``where`` as a JSON path."""
    tree = _normalise(node, path, depth)
    if depth == 0 and (n := leaf_count(tree)) > MAX_CONDITIONS:
        raise ShoplensError(f"the rule has {n} conditions, more than {MAX_CONDITIONS}", where=f"rule {path}",
                            hint="split it into several saved segments",
                            zh=f"规则有 {n} 个条件，超过 {MAX_CONDITIONS} 个", zh_hint="请拆成几个人群分别保存")
    return tree


def _normalise(node: Any, path: str, depth: int) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise ShoplensError(f"rule nested deeper than {MAX_DEPTH} levels", where=f"rule {path}",
                            zh=f"规则嵌套超过 {MAX_DEPTH} 层")
    try:
        kind = kind_of(node)
        if kind in ("and", "or"):
            _unknown_keys(node, (kind,), kind)
            items = node[kind]
            if not isinstance(items, list) or not items:
                raise RuleError(f"{kind} needs a list of one or more conditions", key=kind,
                                zh=f"{kind} 需要一个包含至少一个条件的列表")
            children = [_normalise(c, f"{path}.{kind}[{i}]", depth + 1) for i, c in enumerate(items)]
            flat: list[dict[str, Any]] = []
            for child in children:  # (a and b) and c == a and b and c
                flat.extend(child.get(kind, [child]))
            return flat[0] if len(flat) == 1 else {kind: flat}
        if kind == "not":
            _unknown_keys(node, ("not",), "not")
            return {"not": _normalise(node["not"], f"{path}.not", depth + 1)}
        return LEAVES[kind](node)
    except RuleError as exc:
        location = f"{path}.{exc.key}" if exc.key else path
        raise ShoplensError(exc.message, where=f"rule {location}", hint=exc.hint, zh=exc.zh,
                            zh_hint=exc.zh_hint) from None


# ---- text ----------------------------------------------------------------------------------------
def quote(value: str) -> str:
    if _PLAIN_VALUE.match(value) and value.lower() not in ("and", "or", "not"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else repr(value)


def leaf_text(node: dict[str, Any]) -> str:
    if "event" in node:
        step = node["event"] + (f"[{','.join(node['where'])}]" if node.get("where") else "")
        args = [f"{k}={node[k]}" for k in EVENT_ARGS if k in node]
        return f"did({', '.join([step, *args])})"
    if "property" in node:
        return f"{node['property']}={'|'.join(quote(v) for v in node['in'])}"
    if "metric" in node:
        op = next(op for op in OPS if op in node)
        return f"{node['metric']}{op}{_number_text(node[op])}"
    return f"rfm={'|'.join(node['rfm'])}"


def to_text(node: dict[str, Any]) -> str:
    """Rule text for a normalised tree (``parse_rule(to_text(t)) == t``)."""
    for kind in ("and", "or"):
        if kind in node:
            parts = []
            for child in node[kind]:
                text = to_text(child)
                parts.append(f"({text})" if "or" in child or (kind == "or" and "and" in child) else text)
            return f" {kind} ".join(parts)
    if "not" in node:
        child = node["not"]
        text = to_text(child)
        return f"not ({text})" if "and" in child or "or" in child else f"not {text}"
    return leaf_text(node)
