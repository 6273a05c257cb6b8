"""Known values or a clear error; a known value without rows, or a range without data, gets a note.

A filter value nobody has (``--where channel=paidsearch``, ``country=USA``, a funnel step
``add_to_card``) used to give 0 without a word. Now it is an error naming the value and the closest
known values ("did you mean paid_search?"), or the most frequent ones when nothing is close. The
check reads the values exactly as the filter compares them (after the import aliases and the case
rules of :func:`shoplens.metrics.options.normalise_where`), so a query that matched rows before
matches the same rows now. Values come from :mod:`shoplens.metrics.values`.

A value the dimension knows but that has no rows in the range still gives 0, with a note in the
result saying so; a range wholly outside the stores' data gives a note saying which dates the data
covers (its numbers are "—").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from difflib import SequenceMatcher
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.metrics.values import Dimension, dimension, known, list_values, rows_in_range, similar
from shoplens.model.vocab import CHANNEL_ALIASES, DEVICE_ALIASES, EVENT_ALIASES
from shoplens.warehouse.scope import Scope, StoreInfo, pick_stores

SPELLINGS = {"channel": dict(CHANNEL_ALIASES), "device": dict(DEVICE_ALIASES), "event": dict(EVENT_ALIASES)}
SHOWN = 10  # known values named in a hint when none is close
CLOSE = 0.6  # difflib ratio of a "did you mean"


def closest(value: str, candidates: dict[str, str]) -> list[str]:
    """Values to suggest for ``value``: ``candidates`` maps a spelling (a value or an alias) to the value."""
    scored = sorted(((SequenceMatcher(None, value.lower(), c.lower()).ratio(), shown)
                     for c, shown in candidates.items()), key=lambda p: -p[0])
    if not scored or scored[0][0] < CLOSE:
        return []
    floor = max(CLOSE, scored[0][0] - 0.1)
    return list(dict.fromkeys(shown for ratio, shown in scored if ratio >= floor))[:3]


def unknown_value(wh: Any, stores: Sequence[StoreInfo], dim: Dimension, value: str, *, where: str,
                  position: tuple[str, str] | None = None) -> ShoplensError:
    """The error for a value ``dim`` does not know: did-you-mean, else the most frequent values."""
    candidates = {v: v for v in dim.vocab} | {a: v for a, v in SPELLINGS.get(dim.id, {}).items()}
    candidates |= {v: v for v in similar(wh, stores, dim, value)}
    close = closest(value, candidates)
    at_en, at_zh = (f" in {position[0]}", f"（{position[1]}）") if position else ("", "")
    message, zh = f"unknown {dim.en} {value!r}{at_en}", f"未知{dim.zh} {value!r}{at_zh}"
    if close:
        return ShoplensError(message, where=where, hint=f"did you mean {', '.join(close)}?", zh=zh,
                             zh_hint=f"是否想用 {', '.join(close)}？")
    if dim.closed:  # the whole vocabulary (at most 13 values)
        listed_vocab = ", ".join(dim.vocab)
        return ShoplensError(message, where=where, hint=f"one of {listed_vocab}", zh=zh,
                             zh_hint=f"可选：{listed_vocab}")
    if dim.large or dim.id.startswith("properties."):
        return ShoplensError(message, where=where, hint=f"no row of these stores has this {dim.en}", zh=zh,
                             zh_hint=f"所选店铺没有任何行的{dim.zh}是这个值")
    listed = list_values(wh, store=[s.store_id for s in stores], dim=dim.id, limit=SHOWN) if stores else None
    top = [r["value"] for r in listed.values] if listed else []
    if listed is None or not top:
        return ShoplensError(message, where=where, hint=f"these stores have no {dim.en} values", zh=zh,
                             zh_hint=f"所选店铺没有任何{dim.zh}取值")
    more = ", …" if listed.distinct > len(top) else ""
    return ShoplensError(message, where=where, hint=f"known values: {', '.join(top)}{more}"
                         f" (`shoplens values {dim.id}` lists them with counts)", zh=zh,
                         zh_hint=f"已知取值：{', '.join(top)}{more}（`shoplens values {dim.id}` 列出全部及数量）")


def check_values(wh: Any, stores: Sequence[StoreInfo], dim_name: str, values: Iterable[str], *, where: str,
                 position: tuple[str, str] | None = None, fold_case: bool = False) -> None:
    """Every value is known to ``dim_name`` in these stores, or a ShoplensError for the first one that is not.

    ``fold_case``: compare ignoring case (segment properties do); ``position``: (en, zh) of the step."""
    dim = dimension(dim_name)
    values = list(values)
    found = known(wh, stores, dim, values, fold_case)
    for value in values:
        if value not in found:
            raise unknown_value(wh, stores, dim, value, where=where, position=position)


def check_where(wh: Any, stores: Sequence[StoreInfo], where: dict[str, tuple[str, ...]],
                option: str = "--where") -> None:
    """Metric filters (normalised, ``{dim: values}``); ``store`` is the engine's own check."""
    for dim, values in sorted(where.items()):
        if dim != "store":
            check_values(wh, stores, dim, values, where=option)


# ---- notes ---------------------------------------------------------------------------------------------
def range_note(start: date, end: date, first: date | None, last: date | None) -> dict[str, Any] | None:
    """A note when ``start..end`` holds no data of the stores at all (None when it does)."""
    if first is None or last is None:
        return {"reason": "no_data", "data_from": None, "data_to": None,
                "en": "the selected stores have no events or orders yet: there are no numbers to show",
                "zh": "所选店铺还没有事件或订单数据：没有可显示的数值"}
    if end < first or start > last:
        return {"reason": "no_data", "data_from": first.isoformat(), "data_to": last.isoformat(),
                "en": f"no data in {start}..{end}: the data covers {first}..{last}",
                "zh": f"{start}..{end} 没有数据：数据覆盖 {first}..{last}"}
    return None


def no_rows_notes(wh: Any, stores: Sequence[StoreInfo], where: dict[str, tuple[str, ...]], start: date,
                  end: date) -> dict[str, dict[str, Any]]:
    """``dim=value`` -> a note for every filter value that has no rows in the range (its numbers are 0)."""
    notes: dict[str, dict[str, Any]] = {}
    for dim_name, values in sorted(where.items()):
        dim = dimension(dim_name)
        if dim_name == "store" or not dim.origins:
            continue
        counts = rows_in_range(wh, stores, dim, values, start, end)
        for value in values:
            if not counts.get(value):
                notes[f"{dim_name}={value}"] = {
                    "reason": "no_rows", "dimension": dim_name, "value": value,
                    "en": f"{dim_name}={value} has no rows in {start}..{end}: its counts are 0",
                    "zh": f"{dim_name}={value} 在 {start}..{end} 没有数据：计数为 0"}
    return notes


def value_notes(engine: Any, store: str | list[str] | None, where: dict[str, tuple[str, ...]], start: date,
                end: date, version: Any) -> dict[str, dict[str, Any]]:
    """The metrics engine's notes about the range and the filter values (``MetricResult.notes``)."""
    stores = pick_stores(engine.stores(version), store)
    everything = Scope(tuple(stores), None, None)
    first, last = engine._data_day(everything, version, "min"), engine._data_day(everything, version, "max")
    note = range_note(start, end, first, last)
    if note is not None:  # nothing at all in the range: a note per filter value would say nothing new
        return {"range": note}
    notes = {**edge_note(start, end, first, last), **no_rows_notes(engine.wh, stores, where, start, end)}
    if len(stores) > 1:
        for s in stores:  # a store without data in the range has no row when the answer is cut by store
            alone = Scope((s,), None, None)
            store_note = range_note(start, end, engine._data_day(alone, version, "min"),
                                    engine._data_day(alone, version, "max"))
            if store_note is not None:
                notes[f"store={s.store_id}"] = {**store_note, "en": f"store {s.store_id}: {store_note['en']}",
                                                "zh": f"店铺 {s.store_id}：{store_note['zh']}"}
    return notes


def edge_note(start: date, end: date, first: date | None, last: date | None) -> dict[str, dict[str, Any]]:
    """A note when the range reaches past the data on either side: those days show no value (—), not 0."""
    if first is None or last is None or (start >= first and end <= last):
        return {}
    return {"range": {"reason": "partial_data", "data_from": first.isoformat(), "data_to": last.isoformat(),
                      "en": f"the data covers {first}..{last}: days of {start}..{end} outside it have no values",
                      "zh": f"数据覆盖 {first}..{last}：{start}..{end} 中超出该范围的日期没有数值"}}
