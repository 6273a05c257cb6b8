"""Behavioural segments (人群): users defined by what they did, who they are and what they are worth.

A segment is a small JSON tree (:mod:`.rules`) or the equivalent rule text (:mod:`.parser`)::

    orders>=3 and lifetime_gmv>=500 and not did(purchase, last_days=90)
    did(purchase[channel=live_stream], min=2) and (country=GB|FR or member_tier=gold)
    {"and": [{"metric": "orders", ">=": 3}, {"not": {"event": "purchase", "last_days": 90}}]}

Leaves and the definitions that decide who is in (docs/behaviour.md#behavioural-segments):

- ``did(EVENT[KEY=V,...], min=N, max=N, last_days=N | from=DATE, to=DATE)``: the user's count of
  EVENT (with the optional event conditions of ``--where``) within the window is in [min, max]
  (min defaults to 1, or 0 when only max is given: "at most"). Events are the behaviour events of
  the analyses (``Context.events_sql``): in a store without purchase events, paid orders are the
  purchases. ``last_days=N`` = the as-of day and the N-1 local days before it; ``from``/``to`` are
  inclusive local dates; no window = all history. Nothing after the as-of day counts.
- ``orders`` / ``lifetime_gmv`` compare the user's paid orders (``PAID_ORDER``) up to the as-of day
  and their GMV (``gross_amount_rc``, the store's reporting currency, as the catalog's ``gmv``); a
  user without orders has 0. A store without orders counts its purchase events (no money).
- ``country`` = customers.country, else the country of the user's latest event or order;
  ``member_tier`` = customers.member_tier lower-cased, ``none`` when blank or missing;
  ``first_channel`` = channel of the earliest event or order that names one; ``device`` = the
  device of most of the user's events and orders (tie: the latest). Values compare
  case-insensitively; ``X!=V`` is ``not X=V`` (an unknown value matches it).
- ``rfm=TIER|TIER``: the tier of :func:`shoplens.analyses.rfm.customer_scores_sql`, scored per
  store as of its as-of day; users who never paid have no tier.

The as-of day is each store's last day with events or orders unless given (``as_of=``), so a
saved segment evaluates fresh on every use. As of a past day nothing later is seen: the universe
is the users with an event, a placed order or a customers row (first seen or signed up; a row with
neither date is always known) by that day, and country, first channel, device, orders, GMV and RFM
tier read only rows up to it (the customers row's own country and tier, which have no history,
count once the row is known). Users are per store (``store_id, user_id``: u1 of
store A is not u1 of store B); the universe is everyone seen in the store's events, orders or
customers; guests (no user id) are never members. Segments are saved by name in the warehouse
(``segments`` table) and are store-agnostic: they are evaluated in whichever stores a query uses.

Hooks: ``members_sql(ctx, name)`` (used by ``Context.events_sql``, so funnels, retention and paths
filter by ``--segment``) and ``metrics_members_sql`` (``MetricsEngine.query(..., segment=)``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from shoplens.analyses.context import Context, open_context
from shoplens.analyses.filters import whole_number
from shoplens.analyses.segments.compile import Frame, make_frame, members_query
from shoplens.analyses.segments.parser import parse_rule
from shoplens.analyses.segments.profile import SegmentProfile, StoreSize, ValueCount, build_profile
from shoplens.analyses.segments.rules import normalise, to_text
from shoplens.analyses.segments.store import (
    SavedSegment,
    check_compiles,
    definition_from,
    delete_segment,
    get_segment,
    list_segments,
    read_json,
    save_segment,
)
from shoplens.analyses.value_checks import check_rule
from shoplens.errors import ShoplensError
from shoplens.metrics.engine import MetricsEngine

MAX_LIMIT = 1_000_000_000  # rows of a member list
MAX_TOP = 100  # values per property in a profile

__all__ = [
    "MAX_LIMIT",
    "MAX_TOP",
    "Frame",
    "SavedSegment",
    "SegmentMetricsEngine",
    "SegmentProfile",
    "StoreSize",
    "ValueCount",
    "check_compiles",
    "compile_sql",
    "definition_from",
    "delete_segment",
    "get_segment",
    "list_segments",
    "members",
    "members_sql",
    "metrics_members_sql",
    "normalise",
    "parse_rule",
    "profile",
    "read_json",
    "resolve",
    "save_segment",
    "size",
    "to_text",
]


def resolve(wh: Any, segment: str | dict[str, Any]) -> tuple[str | None, dict[str, Any], str | None]:
    """(name, canonical tree, description) of a saved segment's name or an unsaved tree/rule text.

    A string is a saved name when it looks like one and exists; otherwise it must be rule text.
    """
    if isinstance(segment, dict):
        return None, normalise(segment), None
    if not isinstance(segment, str):
        raise ShoplensError(f"a segment is a saved name, rule text or a dict, not {type(segment).__name__}",
                            hint='e.g. "vip" or "orders>=3"',
                            zh=f"人群应为已保存的名称、规则文本或字典，而不是 {type(segment).__name__}",
                            zh_hint='例如 "vip" 或 "orders>=3"')
    saved = get_segment(wh, segment) if _looks_like_name(segment) else None
    if saved is not None:
        return saved.name, _stored_tree(saved), saved.description
    return None, parse_rule(segment), None


def _looks_like_name(text: str) -> bool:
    from shoplens.analyses.segments.store import NAME

    return bool(NAME.fullmatch(text))


def _stored_tree(saved: SavedSegment) -> dict[str, Any]:
    """A stored definition, checked again: one saved before today's bounds fails with its name."""
    try:
        return normalise(saved.definition)
    except ShoplensError as exc:
        raise ShoplensError(f"saved segment {saved.name!r}: {exc.message}", where=exc.where,
                            hint=f"save a corrected rule: shoplens segment save {saved.name} --rule ...",
                            zh=f"已保存的人群 {saved.name!r}：{exc.zh or exc.message}",
                            zh_hint=f"请保存修正后的规则：shoplens segment save {saved.name} --rule ...") from None


def compile_sql(ctx: Context, segment: str | dict[str, Any], as_of: date | None = None) -> str:
    """SELECT ``store_id, user_id`` of the members in ``ctx``'s stores (saved name, tree or rule text)."""
    name, tree, _ = resolve(ctx.wh, segment)
    if name is None:  # an unsaved rule; a saved one was checked when it was saved
        check_rule(ctx.wh, ctx.scope.stores, tree)
    return members_query(make_frame(ctx, as_of), tree)


def members_sql(ctx: Context, name: str) -> str:
    """The hook of ``Context.events_sql``: SELECT ``store_id, user_id`` of the saved segment ``name``."""
    return members_query(make_frame(ctx), _stored_tree(get_segment(ctx.wh, name)))


def metrics_members_sql(wh: Any, store_ids: tuple[str, ...], segment: str | dict[str, Any]) -> str:
    """Members in these stores, for the metrics engine (which has no analysis context of its own)."""
    return compile_sql(open_context(wh, store=list(store_ids)), segment)


class SegmentMetricsEngine(MetricsEngine):
    """The metrics engine with segments as filters (``query(..., segment=)``); ``shoplens.MetricsEngine``.

    The engine sits below the analyses, so it is handed the segment compiler instead of importing it.
    """

    def __init__(self, wh: Any, catalog: Any = None, targets: Any = None) -> None:
        super().__init__(wh, catalog, targets, members=metrics_members_sql)



def members(ctx: Context, segment: str | dict[str, Any], as_of: date | None = None,
            limit: int | None = None) -> pd.DataFrame:
    """The member list (``store_id, user_id``, sorted); ``limit`` keeps the first rows (None/0 = all)."""
    rows = None if limit is None else whole_number(limit, "limit", 0, MAX_LIMIT)
    sql = f"SELECT store_id, user_id FROM ({compile_sql(ctx, segment, as_of)}) ORDER BY store_id, user_id"
    return ctx.run(sql + (f" LIMIT {rows}" if rows else ""))


def size(ctx: Context, segment: str | dict[str, Any], as_of: date | None = None) -> int:
    return int(ctx.run(f"SELECT count(*) AS n FROM ({compile_sql(ctx, segment, as_of)})").iloc[0, 0])


def profile(ctx: Context, segment: str | dict[str, Any], as_of: date | None = None, top: int = 5) -> SegmentProfile:
    """Members, share of all users, top countries/channels/devices/tiers and GMV share, per store."""
    top = whole_number(top, "--top", 1, MAX_TOP)
    name, tree, description = resolve(ctx.wh, segment)
    if name is None:
        check_rule(ctx.wh, ctx.scope.stores, tree)
    frame = make_frame(ctx, as_of)
    return build_profile(frame, members_query(frame, tree), name=name, rule=to_text(tree), definition=tree,
                         description=description, top=top)
