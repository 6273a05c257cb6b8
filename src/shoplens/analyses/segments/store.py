"""Saved segments in the warehouse's ``segments`` table: save (create or replace), get, list, delete.

Saving needs a writable warehouse (``shoplens.connect(path)``); reading works read-only. A
definition is checked and normalised, then compiled against the warehouse and planned by DuckDB
(``EXPLAIN``, nothing is evaluated) before it is stored, so a broken rule is never saved.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from shoplens.analyses.context import Context, open_context
from shoplens.analyses.filters import check_literal
from shoplens.analyses.segments.compile import make_frame, members_query
from shoplens.analyses.segments.parser import parse_rule
from shoplens.analyses.segments.rules import normalise, to_text
from shoplens.errors import NotFoundError, ShoplensError
from shoplens.warehouse.scope import Scope, StoreInfo
from shoplens.warehouse.segments_table import SEGMENTS

NAME = re.compile(r"^[\w-]{1,64}$")
MAX_DESCRIPTION_CHARS = 2000


class SegmentNotFound(NotFoundError):
    """No saved segment ``name`` (its hint lists saved names: a server replaces it with the login's own)."""

    def __init__(self, name: str, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.name = name


@dataclass(frozen=True)
class SavedSegment:
    name: str
    definition: dict[str, Any]
    description: str | None
    created_at: datetime
    updated_at: datetime
    stores: tuple[str, ...] | None = None  # which API logins see it: None = every login (shared)

    @property
    def rule(self) -> str:
        return to_text(self.definition)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rule": self.rule, "definition": self.definition,
                "description": self.description, "created_at": self.created_at.isoformat(sep=" "),
                "updated_at": self.updated_at.isoformat(sep=" "), "stores": list(self.stores or ("*",))}


def definition_from(rule: str | dict[str, Any]) -> dict[str, Any]:
    """Rule text or a JSON tree (dict) -> the canonical tree."""
    if isinstance(rule, dict):
        return normalise(rule)
    if not isinstance(rule, str):
        raise ShoplensError(f"a segment rule is text or a dict, not {type(rule).__name__}",
                            zh=f"人群规则应为文本或字典，而不是 {type(rule).__name__}")
    return parse_rule(rule)


def read_json(value: str) -> dict[str, Any]:
    """``--json`` value: inline JSON (starting with ``{``) or the path of a JSON file (not yet checked)."""
    text, where = value, "--json"
    if not value.lstrip().startswith(("{", "[")):
        path = Path(value)
        if not path.is_file():
            raise ShoplensError(f"--json {value!r} is neither JSON text nor a file", hint='e.g. --json \'{"rfm": '
                                '["core"]}\' or --json rule.json', zh=f"--json {value!r} 既不是 JSON 文本也不是文件",
                                zh_hint='例如 --json \'{"rfm": ["core"]}\' 或 --json rule.json')
        text, where = path.read_text(encoding="utf-8"), str(path)
    return parse_json(text, where)


def parse_json(text: str, where: str) -> dict[str, Any]:
    """A rule tree from JSON text; ``where`` names its origin in error positions (``where:line:column``)."""
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ShoplensError(f"not valid JSON: {exc.msg}", where=f"{where}:{exc.lineno}:{exc.colno}",
                            zh=f"不是有效的 JSON：{exc.msg}") from None
    except RecursionError:
        raise ShoplensError("the JSON is nested too deeply", where=where, hint="a rule nests at most 32 levels",
                            zh="JSON 嵌套过深", zh_hint="规则最多嵌套 32 层") from None
    return tree if isinstance(tree, dict) else normalise(tree)  # normalise explains what a rule must be


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ShoplensError(f"segment name {name!r} is not allowed", hint="1-64 letters, digits, _ or -",
                            zh=f"人群名称 {name!r} 不合法", zh_hint="1-64 个字母、数字、_ 或 -")
    return name


COLUMNS = "name, definition, description, created_at, updated_at, stores"


def _row(row: tuple[Any, ...]) -> SavedSegment:
    name, definition, description, created, updated, stores = row
    return SavedSegment(name, json.loads(definition), description, created, updated,
                        tuple(stores) if stores is not None else None)


def list_segments(wh: Any) -> list[SavedSegment]:
    rows = wh.con.execute(f"SELECT {COLUMNS} FROM {SEGMENTS} ORDER BY name").fetchall()
    return [_row(r) for r in rows]


def get_segment(wh: Any, name: str) -> SavedSegment:
    row = wh.con.execute(f"SELECT {COLUMNS} FROM {SEGMENTS} WHERE name = ?", [name]).fetchone()
    if row is None:
        names = [s.name for s in list_segments(wh)]
        listed = ", ".join(names[:20]) if names else None
        raise SegmentNotFound(
            name, f"no segment named {name!r}",
            hint=f"saved segments: {listed}" if listed else "save one: shoplens segment save NAME --rule TEXT",
            zh=f"没有名为 {name!r} 的人群",
            zh_hint=f"已保存的人群：{listed}" if listed else "先保存：shoplens segment save 名称 --rule 规则")
    return _row(row)


def _writable(wh: Any, what: str, what_zh: str) -> None:
    if getattr(wh, "read_only", False):
        raise ShoplensError(f"{what} needs a writable warehouse; this one is open read-only",
                            hint="open it with shoplens.connect(path) (read_only=False)",
                            zh=f"{what_zh}需要可写的仓库，当前仓库以只读方式打开",
                            zh_hint="请用 shoplens.connect(path) 以可写方式打开（read_only=False）")


def _description(description: Any) -> str | None:
    if description is None:
        return None
    if not isinstance(description, str):
        raise ShoplensError(f"a segment description is text, not {type(description).__name__}",
                            zh=f"人群说明应为文本，而不是 {type(description).__name__}")
    return check_literal(description, "description", MAX_DESCRIPTION_CHARS)


def _dry_run_context(wh: Any) -> Context:
    """The context a rule is test-compiled in: all stores and data, or a stand-in store for a
    warehouse without data yet (the SQL reads the same tables either way)."""
    try:
        return open_context(wh)
    except ShoplensError:  # no stores, or no events/orders yet
        rows = wh.con.execute("SELECT store_id, timezone, reporting_currency FROM stores ORDER BY store_id").fetchall()
        stores = tuple(StoreInfo(*r) for r in rows) or (StoreInfo("_dry_run", "UTC", "USD"),)
        today = date.today()
        return Context(wh, Scope(stores, today, today), orders_as_purchases=tuple(s.store_id for s in stores))


def check_compiles(wh: Any, definition: dict[str, Any]) -> None:
    """Compile a normalised definition against ``wh`` and let DuckDB bind and plan it (``EXPLAIN``:
    nothing is evaluated), so a rule that cannot run fails here, with a ShoplensError, not later."""
    try:
        sql = members_query(make_frame(_dry_run_context(wh)), definition)
        wh.con.execute(f"EXPLAIN {sql}").fetchall()
    except (duckdb.Error, OverflowError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ShoplensError(f"the rule cannot be evaluated: {reason}", where=f"rule {to_text(definition)[:80]}",
                            hint="check the values in the rule; nothing was saved",
                            zh=f"规则无法执行：{reason}", zh_hint="请检查规则中的取值；未保存任何内容") from None


def check_saved_values(wh: Any, definition: dict[str, Any], stores: list[str] | tuple[str, ...] | None) -> None:
    """The rule's values are known in ``stores`` (every store when None); with no data yet, only the closed
    vocabularies can be checked (a rule may be saved before the first import)."""
    from shoplens.analyses.value_checks import check_rule

    try:
        ctx = open_context(wh, store=list(stores) if stores else None)
    except ShoplensError:  # no stores, or no events/orders yet
        rows = wh.con.execute("SELECT store_id, timezone, reporting_currency FROM stores ORDER BY store_id").fetchall()
        check_rule(wh, [StoreInfo(*r) for r in rows if not stores or r[0] in stores], definition, data=False)
        return
    check_rule(wh, ctx.scope.stores, definition)


def save_segment(wh: Any, name: str, rule: str | dict[str, Any], description: str | None = None,
                 stores: list[str] | tuple[str, ...] | None = None) -> tuple[SavedSegment, bool]:
    """Create or replace a segment; returns it and whether it is new. A re-save keeps ``created_at``
    (and the description and ``stores``, unless new ones are given). The rule is checked, then
    compiled against the warehouse (``check_compiles``) before anything is written. ``stores``: the
    API logins that see it (logins of all these stores); None = every login."""
    _writable(wh, "saving a segment", "保存人群")
    if stores is not None and not list(stores):
        raise ShoplensError("a segment's stores cannot be empty", hint="None shares it with every login",
                            zh="人群的店铺列表不能为空", zh_hint="None 表示与所有账号共享")
    definition = definition_from(rule)
    _check_name(name)
    description = _description(description)
    check_compiles(wh, definition)
    check_saved_values(wh, definition, stores)
    now = datetime.now(UTC).replace(tzinfo=None)
    existed = wh.con.execute(f"SELECT count(*) FROM {SEGMENTS} WHERE name = ?", [name]).fetchone()[0]
    scope = sorted({check_literal(s, "store", 200) for s in stores}) if stores is not None else None
    text = json.dumps(definition, ensure_ascii=False)
    if existed:  # the table has no key index (see warehouse.ddl.drop_key_index): update or insert, one writer
        wh.con.execute(f"UPDATE {SEGMENTS} SET definition = ?, description = coalesce(?, description),"
                       " updated_at = ?, stores = coalesce(?, stores) WHERE name = ?",
                       [text, description, now, scope, name])
    else:
        wh.con.execute(f"INSERT INTO {SEGMENTS} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                       [name, text, description, now, now, scope])
    return get_segment(wh, name), not existed


def delete_segment(wh: Any, name: str) -> SavedSegment:
    _writable(wh, "deleting a segment", "删除人群")
    segment = get_segment(wh, name)
    wh.con.execute(f"DELETE FROM {SEGMENTS} WHERE name = ?", [name])
    return segment
