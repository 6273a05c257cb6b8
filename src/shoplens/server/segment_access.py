"""Which saved segments a login sees and may change: store isolation for segment definitions.

A segment's members are always computed in the login's own stores, but its name, rule and
description are data too: a segment saved by a login of store B says something about B. So a
segment carries ``stores`` (``SavedSegment.stores``):

- ``None`` (shared): saved from the CLI, the Python API or by a login of every store. Every login
  sees and uses it; only a login of every store may replace or delete it.
- a list: saved over the API by a login of some stores (its stores at the time). Logins whose
  stores include all of them see, use, replace and delete it; for anyone else it does not exist
  (404, with the same message as a missing name; hints list only what the login sees).

Names are unique in the warehouse: saving a name held by a segment the login does not see is
refused (409, "taken") without showing anything of it. The engines' own "no segment named X" hint
lists every saved name; the server always replaces it (:func:`own_hint`).
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from shoplens.analyses.segments.store import NAME, SavedSegment, SegmentNotFound, list_segments
from shoplens.errors import NotFoundError
from shoplens.server.accounts import Account


def sees(account: Account, segment: SavedSegment) -> bool:
    return segment.stores is None or account.all_stores or set(segment.stores) <= set(account.stores)


def may_change(account: Account, segment: SavedSegment) -> bool:
    return account.all_stores or (segment.stores is not None and set(segment.stores) <= set(account.stores))


def visible(wh: Any, account: Account) -> list[SavedSegment]:
    return [seg for seg in list_segments(wh) if sees(account, seg)]


def find(wh: Any, account: Account, name: str) -> SavedSegment:
    """The segment ``name`` as this login sees it; NotFoundError (404) when it is missing or hidden."""
    shown = visible(wh, account)
    for seg in shown:
        if seg.name == name:
            return seg
    listed = ", ".join(seg.name for seg in shown[:20]) or None
    raise NotFoundError(f"no segment named {name!r}",
                        hint=f"saved segments: {listed}" if listed else "save one: POST /api/v1/segments",
                        zh=f"没有名为 {name!r} 的人群",
                        zh_hint=f"已保存的人群：{listed}" if listed else "先保存：POST /api/v1/segments")


def own_hint(wh: Any, account: Account, missing: SegmentNotFound) -> NotFoundError:
    """The 404 for a segment an engine did not find, with a hint listing only what this login sees (the
    engines' own hint lists every saved name)."""
    try:
        find(wh, account, missing.name)
    except NotFoundError as exc:
        return exc
    return NotFoundError(missing.message, zh=missing.zh)  # saved meanwhile: no list at all


def check_use(wh: Any, account: Account, segment: Any) -> None:
    """An analysis' ``segment`` option: a saved name must be one this login sees (rule text is its own)."""
    if isinstance(segment, str) and NAME.fullmatch(segment):  # the engines read such text as a saved name
        find(wh, account, segment)


def check_change(wh: Any, account: Account, name: str) -> SavedSegment | None:
    """Before a save or delete of ``name``: the existing segment (None for a new name), if this login may change it."""
    existing = [seg for seg in list_segments(wh) if seg.name == name]
    if not existing:
        return None
    segment = existing[0]
    if not sees(account, segment):
        raise HTTPException(409, detail={"message": f"the segment name {name!r} is taken",
                                         "hint": "choose another name", "zh": f"人群名称 {name!r} 已被占用",
                                         "zh_hint": "请换一个名称"})
    if not may_change(account, segment):
        raise HTTPException(403, detail={
            "message": f"segment {name!r} is shared by every store: only a login of every store may change it",
            "hint": "save a copy under another name",
            "zh": f"人群 {name!r} 为所有店铺共享，只有可查看全部店铺的账号才能修改", "zh_hint": "请以其他名称另存一份"})
    return segment
