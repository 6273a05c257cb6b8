"""A store's last *complete* local day: the day alerts check and anomalies judge by default.

A store's last day with data ``D`` is complete when both hold:

1. **it has ended by the clock** in the store's time zone (today is never complete; data dated after today, a
   clock behind the data or generated data, is left to rule 2), and
2. **its data runs to the store's usual end of day**: the latest local time of day of its data on ``D`` (orders
   placed, events) is not earlier than the *earliest* such time over the ``USUAL_DAYS`` days with data before it
   (the store's earliest "closing time" of the past four weeks). An export cut at 12:50 (UCI Online Retail stops
   at 2011-12-09 12:50, a shop that usually trades until 15:00-20:00) fails it; a quiet day that still ends as late
   as the quietest day of the past four weeks passes. With fewer than ``MIN_USUAL`` such days only rule 1 applies.

Otherwise the last complete day is the day before ``D``. A feed that breaks at noon looks exactly like an export
cut at noon, so the day is never dropped silently: :func:`incomplete_note` says where the data stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shoplens.warehouse.scope import StoreInfo

USUAL_DAYS = 28  # days with data before the last one whose end of data sets the store's usual end of day
MIN_USUAL = 7  # fewer days than this before the last one: its end of data is not judged


@dataclass(frozen=True)
class DataEnd:
    """Where a store's data stops: its last local day, the local time of its latest row that day, and the earliest
    such time over the days with data before it (None: too few days to tell)."""

    last: date
    stops: time
    usual: time | None

    @property
    def cut_early(self) -> bool:
        return self.usual is not None and self.stops < self.usual


def last_complete_day(last: date, timezone: str, now: datetime | None = None, end: DataEnd | None = None) -> date:
    """The store's last day with data unless it has not ended yet in its time zone (rule 1) or its data stops
    before the store's usual end of day (rule 2, when ``end`` is given): then the day before."""
    today = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(timezone)).date()
    day = last - timedelta(days=1) if end is not None and end.last == last and end.cut_early else last
    return day if last > today else min(day, today - timedelta(days=1))  # data after today: the clock is no guide


def data_ends(wh: Any, stores: list[StoreInfo]) -> dict[str, DataEnd]:
    """Each store's :class:`DataEnd` from its orders (placed) and events: one query per store over its last
    ``USUAL_DAYS`` + 1 days with data (only the latest time of each day reaches Python)."""
    out: dict[str, DataEnd] = {}
    for s in stores:
        rows = wh.con.execute(_SQL, [s.store_id] * 4 + [s.timezone, USUAL_DAYS + 1]).fetchall()
        if not rows:
            continue
        (last, stops), before = rows[0], [r[1] for r in rows[1:]]
        out[s.store_id] = DataEnd(last, stops, min(before) if len(before) >= MIN_USUAL else None)
    return out


# the latest local time of each local day with data, newest day first. The rows of the last LOOKBACK days are cut
# into UTC quarter-hours first (every zone's offset is a whole number of quarter-hours, so no quarter straddles a
# local midnight) and only each quarter's latest time goes through the ICU timezone() call.
LOOKBACK = 90
_SQL = f"""
WITH m AS (
    SELECT max(x) - INTERVAL {LOOKBACK} DAY AS since FROM (SELECT max(created_ts) AS x FROM orders WHERE store_id = ?
    UNION ALL SELECT max(ts) FROM events WHERE store_id = ?)
), q AS (
    SELECT max(created_ts) AS ts FROM orders WHERE store_id = ? AND created_ts >= (SELECT since FROM m)
    GROUP BY time_bucket(INTERVAL 15 MINUTE, created_ts)
    UNION ALL
    SELECT max(ts) FROM events WHERE store_id = ? AND ts >= (SELECT since FROM m)
    GROUP BY time_bucket(INTERVAL 15 MINUTE, ts)
), t AS (SELECT timezone(?, timezone('UTC', ts)) AS ts FROM q)
SELECT CAST(ts AS DATE) AS day, max(CAST(ts AS TIME)) AS stops FROM t GROUP BY day ORDER BY day DESC LIMIT ?
"""


def incomplete_note(store: str, timezone: str, end: DataEnd, now: datetime | None = None) -> dict[str, str] | None:
    """The note of a store whose last day with data is incomplete (None: it is complete), for the CLI, the API and
    alerts: where its data stops, and why that is not the end of the day."""
    if last_complete_day(end.last, timezone, now, end) >= end.last:
        return None
    at = end.stops.strftime("%H:%M")
    if end.cut_early:
        usual = end.usual.strftime("%H:%M") if end.usual else ""
        why = (f"on its previous {USUAL_DAYS} days with data it ran to {usual} or later",
               f"此前 {USUAL_DAYS} 个有数据的日子都到 {usual} 或更晚")
    else:
        why = (f"the day has not ended yet in {timezone}", f"{timezone} 的这一天还没有结束")
    return {"en": f"store {store}: the last day, {end.last}, is incomplete: data stops at {at} local ({why[0]})",
            "zh": f"店铺 {store}：最后一天 {end.last} 不完整：数据止于当地时间 {at}（{why[1]}）"}
