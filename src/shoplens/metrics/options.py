"""Query options that need a little interpretation: filter values and top-N ordering.

Filter values of controlled dimensions are read like imported data (case-insensitive, with the
import aliases: ``--where channel=直播`` is live_stream), so a filter does not silently match
nothing because of spelling. ``sort``/``limit`` order rows by a metric (largest first, or
``metric:asc``) and keep the first N — within each period when there is a grain, and within each
currency when the rows are per store in each store's own currency (amounts in yuan and in dollars
are not ranked against each other). ``limit`` without ``sort`` keeps the top N by the FIRST metric,
largest first (the same as ``sort=FIRST_METRIC``): "the top 3" means the biggest, whatever the
metric's good direction; ``sort=metric:asc`` gives the smallest.
"""

from __future__ import annotations

from typing import Any

from shoplens.errors import ShoplensError
from shoplens.model.vocab import CHANNEL_ALIASES, DEVICE_ALIASES

_ALIASES = {"channel": dict(CHANNEL_ALIASES), "device": dict(DEVICE_ALIASES)}
_LOWER = frozenset({"channel", "device", "channel_type", "new_vs_returning", "member_tier"})


def no_nul(value: str, option: str) -> str:
    """``value``, unless it holds a NUL character: DuckDB ends the SQL text there, so the query would break."""
    if "\x00" in value:
        raise ShoplensError(f"{option} holds a NUL character (\\x00)", hint="remove it",
                            zh=f"{option} 含有 NUL 字符（\\x00）", zh_hint="请删除它")
    return value


def normalise_where(where: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out = {}
    for dim, values in where.items():
        if dim in _LOWER:
            aliases = _ALIASES.get(dim, {})
            values = tuple(aliases.get(v.strip(), aliases.get(v.strip().lower(), v.strip().lower())) for v in values)
        out[dim] = values
    return out


def parse_sort(sort: str | None, metric_ids: list[str]) -> tuple[str, bool] | None:
    """``gmv`` (descending) or ``gmv:asc`` -> (metric, descending)."""
    if not sort:
        return None
    name, _, direction = sort.partition(":")
    if name not in metric_ids or direction not in ("", "asc", "desc"):
        raise ShoplensError(f"cannot sort by {sort!r}", hint=f"one of the queried metrics, e.g. {metric_ids[0]} or "
                            f"{metric_ids[0]}:asc", zh=f"无法按 {sort!r} 排序",
                            zh_hint=f"请用查询中的指标，例如 {metric_ids[0]} 或 {metric_ids[0]}:asc")
    return name, direction != "asc"


def top_rows(rows: list[dict[str, Any]], order: tuple[str, bool] | None, limit: int | None,
             metric_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows ordered by ``order`` and cut to ``limit`` per period (and currency); a limit alone ranks by the first
    of ``metric_ids``, largest first. Rows without a value of the metric come last either way."""
    if order is None and limit is None:
        return rows
    if order is None and metric_ids:
        order = (metric_ids[0], True)
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row.get("period"), row.get("currency")), []).append(row)
    out = []
    for members in groups.values():
        if order is not None:
            metric, desc = order
            present = [r for r in members if r.get(metric) is not None]
            present.sort(key=lambda r: r[metric], reverse=desc)
            members = present + [r for r in members if r.get(metric) is None]  # nulls last either way
        out.extend(members[:limit] if limit is not None else members)
    return out
