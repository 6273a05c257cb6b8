"""422 answers in both languages: a parameter of the wrong type or shape, said as the API's other errors are.

FastAPI reports these with Pydantic's English text; ``explain`` keeps that text as ``message`` and gives the
Chinese sentence of the common error types (``zh``), plus a hint. Unknown types fall back to a general
Chinese sentence that still names the parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from pydantic import Field

from shoplens.params import DATE_MAX, DATE_MIN

# A date parameter of the API. Pydantic enforces ge/le but leaves them out of the JSON schema for dates, so the
# schema says them itself: formatMinimum/formatMaximum (JSON Schema's vocabulary for bounded formats) and the
# description. Schemathesis (`make fuzz`) honours neither, and on purpose no ``pattern`` either: without one it
# draws dates of any year from 0001 to 9999, which is what finds a route that answers 500 outside the bounds.
Day = Annotated[date, Field(ge=DATE_MIN, le=DATE_MAX, json_schema_extra={
    "formatMinimum": DATE_MIN.isoformat(), "formatMaximum": DATE_MAX.isoformat(),
    "description": f"a date YYYY-MM-DD from {DATE_MIN} to {DATE_MAX}"})]

DATE_HINT = (f"a date YYYY-MM-DD between {DATE_MIN} and {DATE_MAX}",
             f"日期格式为 YYYY-MM-DD，范围 {DATE_MIN} 至 {DATE_MAX}")
ZH = {  # Pydantic error type -> Chinese (``{…}`` from the error's ctx)
    "missing": "缺少必填参数",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_type": "应为文本",
    "string_pattern_mismatch": "格式不符（{pattern}）",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "不是有效日期",
    "date_from_datetime_parsing": "不是有效日期",
    "date_from_datetime_inexact": "不是有效日期（不能带时间）",
    "date_type": "不是有效日期",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than_equal": "应小于或等于 {le}",
    "greater_than": "应大于 {gt}",
    "less_than": "应小于 {lt}",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "extra_forbidden": "不支持的字段",
    "value_error": "取值无效",
    "union_tag_invalid": "取值无效",
}
HINTS = {  # error type -> (hint, zh_hint)
    "missing": ("send this parameter", "请提供该参数"),
    "string_too_short": ("give a value", "请填写一个值"),
    "json_invalid": ("send a JSON body with Content-Type: application/json", "请以 application/json 发送 JSON 内容"),
}
DATE_TYPES = {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}


def _where(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in ("query", "path", "body", "header", "cookie"):
        parts = parts[1:] if parts[0] != "body" or len(parts) > 1 else parts
    return ".".join(parts) or "request"


def explain(errors: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The first error of a RequestValidationError as ``_error``'s keyword arguments (message, zh, hint, …)."""
    first = errors[0] if errors else {"type": "value_error", "loc": (), "msg": "invalid request"}
    kind, ctx = str(first.get("type", "")), first.get("ctx") or {}
    where = _where(first.get("loc", ()))
    text = ZH.get(kind, "取值无效")
    try:
        zh_text = text.format(**{k: str(v) for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        zh_text = text.split("（")[0].split("：")[0]
    hint, zh_hint = HINTS.get(kind, (None, None))
    is_date = kind in DATE_TYPES or (kind in ("greater_than_equal", "less_than_equal")
                                     and str(ctx.get("ge", ctx.get("le", ""))).count("-") == 2)
    if is_date:
        hint, zh_hint = DATE_HINT
    return {"message": f"{where}: {first.get('msg', 'invalid request')}", "zh": f"{where}：参数无效，{zh_text}",
            "hint": hint, "zh_hint": zh_hint, "where": where}
