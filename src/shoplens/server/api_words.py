"""The engines' errors said in the API's words: parameter names instead of CLI options, routes instead of commands.

The engines (metrics, analyses) are shared by the CLI and the API and name what went wrong as the CLI
does: ``where="--steps"``, "``--from 2026-10-05`` is after ``--to 2026-10-01``", "`shoplens values country`
lists them". An API user has no ``--steps`` and no shell, so the server translates every ShoplensError it
answers here, in one place, instead of changing each engine message:

- an option becomes the API's parameter: ``--steps`` -> ``steps``, ``--as-of`` -> ``as_of``,
  ``--dropped-at`` -> ``step``; followed by a value it becomes ``name=value`` (``--window 7d`` ->
  ``window=7d``), the way a query string says it;
- a command becomes its route: `` `shoplens values country` `` -> ``GET /api/v1/values/country``.

Only options and commands the API has are translated; the rest (``--config``, `shoplens import` in a
hint that tells to stop the server) stay as they are. ``where`` that is not an option (a rule, a file
position) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

API = "/api/v1"
RENAMED = {"dropped-at": "step", "json": "json"}  # CLI option -> API parameter where the name differs
CLI_ONLY = frozenset({"config", "db", "debug", "lang", "out", "yes", "force", "demo", "host", "port", "help"})
# `--window 7d`, `--steps a,b`, `--start EVENT`: a value (not an English word) after the option
_CHARS = r"[^\s，。；（）()`'\"]*"  # a value's characters: anything but spaces, quotes and brackets
_OPTION = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)"  # --name, then maybe a value with a digit, _ , = . …
                     rf"(?: ({_CHARS}[\d_,.=:\[\]*/A-Z…]{_CHARS}|\.\.\.))?")
_COMMANDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"shoplens values (\S+?)(?=[`\s)）,，]|$)"), lambda m: f"GET {API}/values/{m.group(1)}"),
    (re.compile(r"shoplens metrics list(?: --format json)?"), lambda m: f"GET {API}/metrics/catalog"),
    (re.compile(r"shoplens segment save (\S+) --rule (\S+)"),
     lambda m: f'POST {API}/segments {{"name": "{m.group(1)}", "rule": "{m.group(2)}"}}'),
    (re.compile(r"shoplens segment list"), lambda m: f"GET {API}/segments"),
    (re.compile(r"shoplens user (\S+?)(?=[`\s)）,，]|$)"), lambda m: f"GET {API}/users/{m.group(1)}/timeline"),
    (re.compile(r"shoplens account list"), lambda m: f"GET {API}/accounts"),
    (re.compile(r"shoplens account passwd (\S+?)(?=[`\s)）,，]|$)"),
     lambda m: f'PUT {API}/accounts/{m.group(1)} {{"password": …}}'),
    (re.compile(r"shoplens account access (\S+) --stores (\S+?)(?=[`\s)）,，]|$)"),
     lambda m: f'PUT {API}/accounts/{m.group(1)} {{"stores": ["{m.group(2)}"]}}'),
    (re.compile(r"shoplens store list"), lambda m: f"GET {API}/stores"),
]


def parameter(option: str) -> str | None:
    """The API parameter of a CLI option name (without ``--``), None for an option the API does not have."""
    if option in CLI_ONLY:
        return None
    return RENAMED.get(option, option.replace("-", "_"))


def _option(m: re.Match[str]) -> str:
    name, value = parameter(m.group(1)), m.group(2)
    if name is None:
        return m.group(0)
    if not value:
        return name
    tail = ""
    if value[-1] in ",.:;" and value.rstrip(",.:;") and not value.endswith("..."):  # the sentence's, not the value's
        value, tail = value[:-1], value[-1]
    return f"{name}={value}{tail}"


def api_text(text: str | None) -> str | None:
    """``text`` with the CLI's commands and options said as the API's routes and parameters."""
    if not text:
        return text
    for pattern, route in _COMMANDS:
        text = pattern.sub(route, text)
    return _OPTION.sub(_option, text)


def api_where(where: str | None) -> str | None:
    """``where`` as the API's parameter when it names a CLI option (``--steps`` -> ``steps``)."""
    if not where or not where.startswith("--"):
        return where
    return api_text(where)


def api_notes(notes: Any) -> Any:
    """An answer's ``notes`` with their texts (``zh``/``en``) in the API's words ("without ``segment``" where the
    CLI says "without ``--segment``"); codes, sources and values stay as they are."""
    if isinstance(notes, dict):
        return {k: api_text(v) if k in ("zh", "en") and isinstance(v, str) else api_notes(v) for k, v in notes.items()}
    if isinstance(notes, list):
        return [api_notes(v) for v in notes]
    return notes
