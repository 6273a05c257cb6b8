"""Usage errors of the command line (a misspelt option, a missing argument, a value of the wrong type) as one
line in the output language, like every other error of shoplens.

Click prints its usage block and an English ``Error: Invalid value for '--limit': Input should be a valid
integer…`` whatever ``--lang`` says. :func:`usage_error` turns its exceptions (Typer's bundled click raises them)
into a :class:`ShoplensError` with the same facts in English and Chinese and a hint naming the command's help;
the exit code stays 2. The exceptions are recognised by class name, so Typer's copy of click and click itself
are both covered.
"""

from __future__ import annotations

import re
from typing import Any

from shoplens.errors import ShoplensError

# pydantic's error types for the values Typer checks (the first error of the cause), as (en, zh) of the value
_TYPE_ERRORS = {
    "int_parsing": ("is not a whole number", "不是整数"),
    "int_type": ("is not a whole number", "不是整数"),
    "int_from_float": ("is not a whole number", "不是整数"),
    "float_parsing": ("is not a number", "不是数字"),
    "float_type": ("is not a number", "不是数字"),
    "bool_parsing": ("is not true or false", "不是 true 或 false"),
    "date_from_datetime_parsing": ("is not a date", "不是日期"),
}
_BOUNDS = {"greater_than_equal": ("ge", "is below the minimum {}", "小于最小值 {}"),
           "greater_than": ("gt", "must be above {}", "必须大于 {}"),
           "less_than_equal": ("le", "is above the maximum {}", "大于最大值 {}"),
           "less_than": ("lt", "must be below {}", "必须小于 {}")}
_CHOICES = re.compile(r"is not one of (.+?)\.?$")


class UsageMistake(ShoplensError):
    """A command line click could not parse: exit 2 like every usage error."""


def is_usage_error(exc: BaseException) -> bool:
    """A click usage error other than "no arguments: show the help" (that one prints the help as it is)."""
    names = {c.__name__ for c in type(exc).__mro__}
    return "UsageError" in names and "NoArgsIsHelpError" not in names


def usage_error(exc: Any) -> UsageMistake:
    """The one-line, two-language form of a click ``UsageError`` (see the module doc)."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "shoplens COMMAND"  # the parser does not always say which
    hint, zh_hint = f"{path} -h shows its usage", f"用法见 {path} -h"
    names = [c.__name__ for c in type(exc).__mro__]
    message = str(getattr(exc, "message", "") or exc)
    if "MissingParameter" in names:
        what = _param_hint(exc)
        if getattr(exc.param, "param_type_name", "") == "argument":
            return UsageMistake(f"missing argument {what}", hint=hint, zh=f"缺少参数 {what}", zh_hint=zh_hint)
        return UsageMistake(f"missing option {what}", hint=hint, zh=f"缺少选项 {what}", zh_hint=zh_hint)
    if "BadParameter" in names:
        what = _param_hint(exc)
        en, zh = _bad_value(exc, message)
        return UsageMistake(f"invalid value for {what}: {en}", hint=hint, zh=f"{what} 的值无效：{zh}",
                            zh_hint=zh_hint)
    if "NoSuchOption" in names:
        option = exc.option_name
        similar = sorted(getattr(exc, "possibilities", None) or [])
        if similar:
            hint = f"did you mean {' or '.join(similar)}? {hint}"
            zh_hint = f"是否想用 {' 或 '.join(similar)}？{zh_hint}"
        return UsageMistake(f"no such option: {option}", hint=hint, zh=f"没有选项 {option}", zh_hint=zh_hint)
    if "BadOptionUsage" in names:
        option = repr(exc.option_name)
        if "does not take a value" in message:
            return UsageMistake(f"option {option} does not take a value", hint=hint, zh=f"选项 {option} 不接受取值",
                                zh_hint=zh_hint)
        if "requires" in message:
            return UsageMistake(f"option {option} needs a value", hint=hint, zh=f"选项 {option} 需要一个值",
                                zh_hint=zh_hint)
    return _command_line(ctx, message, hint, zh_hint)


def argv_lang(args: list[str]) -> str | None:
    """``--lang X`` of the command line: a usage error can come before the root options are applied."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def _command_line(ctx: Any, message: str, hint: str, zh_hint: str) -> UsageMistake:
    """Unknown or missing command, extra arguments; anything else with click's own words."""
    commands = _commands(ctx)
    unknown = re.fullmatch(r"No such command '(.*)'\.(?: Did you mean (.*)\?)?", message)
    if unknown or message.startswith("Missing command"):
        if commands:
            hint, zh_hint = f"commands: {commands}; {hint}", f"可用命令：{commands}；{zh_hint}"
        if unknown and unknown.group(2):  # Typer's guess
            hint, zh_hint = f"did you mean {unknown.group(2)}? {hint}", f"是否想用 {unknown.group(2)}？{zh_hint}"
        if unknown:
            name = repr(unknown.group(1))
            return UsageMistake(f"no such command {name}", hint=hint, zh=f"没有命令 {name}", zh_hint=zh_hint)
        return UsageMistake("missing command", hint=hint, zh="缺少子命令", zh_hint=zh_hint)
    extra = re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if extra:
        return UsageMistake(f"unexpected extra argument(s): {extra.group(1)}", hint=hint,
                            zh=f"多余的参数：{extra.group(1)}", zh_hint=zh_hint)
    return UsageMistake(message.rstrip("."), hint=hint, zh=f"命令行有误：{message.rstrip('.')}", zh_hint=zh_hint)


def _param_hint(exc: Any) -> str:
    """``'--limit'``, ``'--periods' / '-n'``, ``'DIM'`` as click names the parameter."""
    hint = getattr(exc, "param_hint", None)
    if hint is None and getattr(exc, "param", None) is not None:
        hint = exc.param.get_error_hint()
    if hint is None:
        return "a parameter"
    return hint if isinstance(hint, str) else " / ".join(repr(h) for h in hint)


def _bad_value(exc: Any, message: str) -> tuple[str, str]:
    """What is wrong with the value, in English and Chinese, from pydantic's first error when Typer checked it."""
    errors = exc.__cause__.errors() if hasattr(exc.__cause__, "errors") else []
    if not errors:
        return message, message
    first = errors[0]
    kind, given = first.get("type", ""), first.get("input")
    shown = repr(given) if isinstance(given, str) else str(given)
    if kind in _TYPE_ERRORS:
        en, zh = _TYPE_ERRORS[kind]
        return f"{shown} {en}", f"{shown} {zh}"
    if kind in _BOUNDS:
        key, en, zh = _BOUNDS[kind]
        limit = (first.get("ctx") or {}).get(key)
        return f"{shown} {en.format(limit)}", f"{shown} {zh.format(limit)}"
    choices = _CHOICES.search(first.get("msg", ""))
    if choices:
        return f"{shown} is not one of {choices.group(1)}", f"{shown} 不在可选值之中：{choices.group(1)}"
    return message, message


def _commands(ctx: Any) -> str:
    """The commands of the group the error is about (the top level for an unknown command)."""
    command = getattr(ctx, "command", None)
    if command is None or not hasattr(command, "list_commands"):
        return ""
    try:
        return ", ".join(name for name in command.list_commands(ctx)
                         if not getattr(command.get_command(ctx, name), "hidden", False))
    except Exception:  # a listing is a courtesy: never let it hide the error itself
        return ""
