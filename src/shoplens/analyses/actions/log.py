"""Logging actions: ``action_add``, ``action_list``, ``action_remove``. Every input is checked against the metrics
engine (metric, dimension allowed for it, a value the store has) before anything is written, so an action whose
effect can never be measured is refused at the door."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from shoplens.errors import ShoplensError
from shoplens.metrics.options import no_nul
from shoplens.params import check_day
from shoplens.warehouse import actions_table as T
from shoplens.warehouse.scope import StoreInfo, pick_stores
from shoplens.warehouse.stores import transaction

MAX_TEXT = 2000


@dataclass
class ActionList:
    """``to_dict()`` is the JSON of ``shoplens action list``, the Python API and ``GET /api/v1/actions``."""

    actions: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"actions": self.actions}


def parse_scope(text: str | dict[str, str] | None) -> tuple[str | None, str | None]:
    """``channel=paid_search`` -> (channel, paid_search); None, "", "store" or {} -> store-wide (None, None)."""
    if isinstance(text, dict):
        if len(text) > 1:
            raise _scope_error(str(text))
        text = "=".join(str(x) for x in next(iter(text.items()))) if text else None
    text = (text or "").strip()
    if text in ("", "store"):
        return None, None
    dim, sep, value = no_nul(text, "--scope").partition("=")
    if not sep or not dim.strip() or not value.strip() or "," in value or "=" in value:
        raise _scope_error(text)
    if dim.strip() == "store":
        raise ShoplensError("store=… is not a scope: an action belongs to one store", where="--scope",
                            hint="use --store ID (and no --scope for the whole store)",
                            zh="store=… 不是范围：一条行动只属于一个店铺",
                            zh_hint="请用 --store 店铺（整店不写 --scope）")
    return dim.strip(), value.strip()


def _scope_error(text: str) -> ShoplensError:
    return ShoplensError(f"{text!r} is not one dimension=value (or 'store' for the whole store)",
                         where="--scope", hint="e.g. --scope channel=paid_search",
                         zh=f"{text!r} 不是「维度=取值」（整店用 store）",
                         zh_hint="例如 --scope channel=paid_search")


def _engine(wh: Any) -> Any:
    from shoplens.analyses.segments import SegmentMetricsEngine

    return SegmentMetricsEngine(wh)


def one_store(engine: Any, store: str | list[str] | None) -> StoreInfo:
    """The action's store: the one named, or the only one there is."""
    stores = pick_stores(engine.stores(engine.data_version()), store)
    if len(stores) != 1:
        ids = ", ".join(s.store_id for s in stores)
        raise ShoplensError("an action belongs to one store: name it", where="--store", hint=f"stores: {ids}",
                            zh="一条行动只属于一个店铺：请指定店铺", zh_hint=f"店铺：{ids}")
    return stores[0]


def check_action(engine: Any, store: StoreInfo, metric: str, dim: str | None, value: str | None) -> None:
    """The metric exists, the dimension may cut it, the store has the value (each a clear error)."""
    from shoplens.metrics.value_checks import check_values

    engine._parse([metric], [], {dim: [value]} if dim else None, "day")
    if dim:
        check_values(engine.wh, [store], dim, [value], where="--scope")


def _text(value: str | None, option: str, required: bool = False) -> str | None:
    value = None if value is None else no_nul(value.strip(), option)
    if required and not value:
        raise ShoplensError(f"{option} is empty", where=option, hint="say what was done, e.g. --title \"fix payment\"",
                            zh=f"{option} 为空", zh_hint="写明做了什么，例如 --title \"修复支付\"")
    if value and len(value) > MAX_TEXT:
        raise ShoplensError(f"{option} is longer than {MAX_TEXT} characters", where=option,
                            zh=f"{option} 超过 {MAX_TEXT} 个字符")
    return value or None


def action_add(wh: Any, *, title: str, metric: str, scope: str | dict[str, str] | None = None,
               day: date | None = None, store: str | list[str] | None = None, recommendation: str | None = None,
               note: str | None = None, created_by: str | None = None) -> dict[str, Any]:
    """Log an action (needs a writable warehouse); ``day`` defaults to today in the store's time zone. Returns
    the stored action (its JSON)."""
    title = _text(title, "--title", required=True)
    dim, value = parse_scope(scope)
    engine = _engine(wh)
    info = one_store(engine, store)
    check_action(engine, info, metric, dim, value)
    day = check_day(day, "--date") or datetime.now(UTC).astimezone(ZoneInfo(info.timezone)).date()
    with transaction(wh.con):
        out = T.insert_action(wh.con, store=info.store_id, title=title, metric=metric, dimension=dim, value=value,
                              day=day, recommendation=_text(recommendation, "--recommendation"),
                              note=_text(note, "--note"), created_by=created_by or _user())
    return out


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container: still say where it came from
        return "cli"


def action_list(wh: Any, *, store: str | list[str] | None = None, start: date | None = None,
                end: date | None = None, include_removed: bool = False) -> ActionList:
    """Logged actions of the stores (all by default), newest day first; ``start``/``end`` cut by action day."""
    rows = wh.con.execute("SELECT store_id, timezone, reporting_currency FROM stores ORDER BY store_id").fetchall()
    stores = None if store is None else [s.store_id for s in pick_stores([StoreInfo(*r) for r in rows], store)]
    return ActionList(T.list_actions(wh.con, stores=stores, start=check_day(start, "--from"),
                                     end=check_day(end, "--to"), include_removed=include_removed))


def action_get(wh: Any, action_id: int, stores: list[str] | None = None) -> dict[str, Any]:
    return T.get_action(wh.con, action_id, stores)


def action_remove(wh: Any, action_id: int, stores: list[str] | None = None) -> dict[str, Any]:
    """Mark an action removed (kept for the record, left out of the list and the review)."""
    with transaction(wh.con):
        out = T.remove_action(wh.con, action_id, stores)
    return out
