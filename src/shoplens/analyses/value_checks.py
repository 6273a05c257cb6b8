"""Known values for the behaviour analyses: ``--where`` conditions, funnel steps, anchor events, segments.

The lookups and the error texts are :mod:`shoplens.metrics.value_checks`; this module maps the
analyses' own keys onto its dimensions (``product_id`` is product, ``properties.KEY`` a JSON key)
and adds the position of a step to the message ("unknown event 'add_to_card' in step 2"). A
negated condition (``device!=desktop``) is checked too: an unknown value there is a typo as well.

Notes for results: a range wholly outside the data, a condition value or a step event that has
no rows in the range (its users are 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from shoplens.analyses.filters import Condition, Step, parse_condition
from shoplens.metrics.value_checks import check_values, no_rows_notes, range_note
from shoplens.metrics.values import dimension
from shoplens.warehouse.scope import StoreInfo

if TYPE_CHECKING:
    from shoplens.analyses.context import Context

KEY_DIMS = {"product_id": "product", "session_id": "session"}  # analysis keys named unlike the dimension


PROPERTY_DIMS = {"country": "country", "member_tier": "member_tier", "first_channel": "channel", "device": "device"}


def key_dimension(key: str) -> str:
    return KEY_DIMS.get(key, key)


def check_conditions(wh: Any, stores: Sequence[StoreInfo], conditions: Iterable[Condition], *, where: str,
                     position: tuple[str, str] | None = None) -> None:
    for c in conditions:
        check_values(wh, stores, key_dimension(c.key), c.values, where=where, position=position)


def check_steps(wh: Any, stores: Sequence[StoreInfo], steps: Sequence[Step], *, where: str,
                numbered: bool = True) -> None:
    """Each step's event and the values of its conditions (``purchase[channel=x]``)."""
    for i, step in enumerate(steps, 1):
        position = (f"step {i}", f"第 {i} 步") if numbered and len(steps) > 1 else None
        check_values(wh, stores, "event", [step.event], where=where, position=position)
        check_conditions(wh, stores, step.conditions, where=where, position=position)


def check_events(wh: Any, stores: Sequence[StoreInfo], events: Iterable[str], *, where: str) -> None:
    check_values(wh, stores, "event", events, where=where)


def check_rule(wh: Any, stores: Sequence[StoreInfo], tree: dict[str, Any], *, data: bool = True) -> None:
    """The values of a segment rule (a normalised tree): events of ``did(...)``, their conditions and the
    properties (compared ignoring case, as the rule does). ``data=False`` (stores without data yet): only
    the closed vocabularies are checked, so a rule can be saved before the first import."""
    from shoplens.analyses.segments.rules import leaf_text

    for kind in ("and", "or"):
        for child in tree.get(kind, ()):
            check_rule(wh, stores, child, data=data)
    if "not" in tree:
        check_rule(wh, stores, tree["not"], data=data)
    where = f"rule {leaf_text(tree)}" if not {"and", "or", "not"} & set(tree) else ""
    pairs: list[tuple[str, Sequence[str], bool]] = []
    if "event" in tree:
        pairs.append(("event", [tree["event"]], False))
        pairs += [(key_dimension(c.key), c.values, False)
                  for c in (parse_condition(text, what="where") for text in tree.get("where", ()))]
    if "property" in tree:
        pairs.append((PROPERTY_DIMS[tree["property"]], tree["in"], True))
    for dim, values, fold in pairs:
        if data or dimension(dim).closed:
            check_values(wh, stores, dim, values, where=where, fold_case=fold)


def notes(ctx: Context, steps: Sequence[Step] = ()) -> dict[str, dict[str, Any]]:
    """Why an analysis may show nothing: the range has no data, or a filter value / step event has no rows
    in it. Keyed like ``MetricResult.notes`` (``range``, ``channel=kol``, ``event=favorite``)."""
    stores = ctx.scope.stores
    note = range_note(ctx.start, ctx.end, ctx.data_start, ctx.data_end)
    if note is not None:
        return {"range": note}
    where: dict[str, tuple[str, ...]] = {}
    for c in ctx.where:
        if not c.negate and not c.key.startswith(("properties.", "prop.")):
            where[key_dimension(c.key)] = tuple(dict.fromkeys((*where.get(key_dimension(c.key), ()), *c.values)))
    events = tuple(dict.fromkeys(s.event for s in steps))
    if events:
        where["event"] = events
    for step in steps:
        for c in step.conditions:
            if not c.negate and not c.key.startswith(("properties.", "prop.")):
                dim = key_dimension(c.key)
                where[dim] = tuple(dict.fromkeys((*where.get(dim, ()), *c.values)))
    return no_rows_notes(ctx.wh, stores, where, ctx.start, ctx.end)
