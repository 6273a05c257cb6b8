"""``review(wh, week=, store=)``: the weekly review (周复盘) of one store as a
:class:`~shoplens.analyses.reports.Report`.

The week defaults to the store's last complete ISO week (:mod:`.weeks`). Numbers: :mod:`.data` (the metrics engine,
the funnel and retention analyses). What grew and what fell: per dimension, the values with the largest GMV change
against the previous week, each with the sentence of the ``why`` analysis for that slice and those 7 days (its
reference for a 7-day period is the 7 days just before, i.e. the previous week), never a second explanation.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import date, datetime, timedelta
from typing import Any

from shoplens.analyses.brief.data import KPIS
from shoplens.analyses.brief.labels import label, value_label
from shoplens.analyses.reports import Comparison, Kpi, KpiSection, Ranked, RankedSection, Report, TableSection, text
from shoplens.analyses.review import data as D
from shoplens.analyses.review import labels as _labels  # noqa: F401  (registers the words)
from shoplens.analyses.review import loop
from shoplens.analyses.review.weeks import label as week_label
from shoplens.analyses.review.weeks import last_year, parse_week, pick_week
from shoplens.errors import ShoplensError


def review(wh: Any, *, week: str | date | None = None, store: str | list[str] | None = None,
           now: datetime | None = None, config: str | os.PathLike[str] | None = None) -> Report:
    """The review of ``store`` (the only store when None) for ``week`` (``2026-W43``; default: the last complete as of
    ``now``, default the clock: a scheduled run passes its own time). Targets and recommendation rules come from
    ``config`` (``--config``, $SHOPLENS_CONFIG, ./shoplens.yaml)."""
    from shoplens.analyses.complete_day import data_ends, last_complete_day
    from shoplens.analyses.segments import SegmentMetricsEngine
    from shoplens.analyses.why.query import single_store
    from shoplens.metrics.targets import load_targets
    from shoplens.warehouse.scope import Scope

    asked = parse_week(week)
    engine = SegmentMetricsEngine(wh, targets=load_targets(config))
    the_store = single_store(engine, store)
    info = next(s for s in engine.stores(engine.data_version()) if s.store_id == the_store)
    version, scope = engine.data_version(), Scope((info,), None, None)
    first, last = engine._data_day(scope, version, "min"), engine._data_day(scope, version, "max")
    if last is None:
        raise ShoplensError(f"store {the_store} has no data yet", where="--store", hint="import orders or events first",
                            zh=f"店铺 {the_store} 还没有数据", zh_hint="请先导入订单或行为数据")
    complete = last_complete_day(last, info.timezone, now, data_ends(wh, [info]).get(the_store))
    monday = pick_week(asked, first, complete, the_store)
    sunday = monday + timedelta(days=6)
    ly = last_year(monday)
    row = D.kpis(engine, the_store, monday, first, ly)
    sections: list[Any] = [_kpis(engine, row, D.trend(engine, the_store, monday), info.currency)]
    sections += _movers(wh, engine, the_store, monday)
    sections.append(_funnel(wh, the_store, monday))
    sections.append(_retention(wh, the_store, monday))
    sections.append(loop.actions(wh, the_store, monday, complete))
    sections.append(loop.recommendations(wh, the_store, sunday, config))
    name = week_label(monday)
    subtitle = {"en": f"store {the_store} · {name} ({monday}..{sunday}) · {info.currency}",
                "zh": f"店铺 {the_store} · {name}（{monday} 至 {sunday}）· {info.currency}"}
    prev = monday - timedelta(days=7)
    ly_ref = ({"week": week_label(ly), "from": ly.isoformat(), "to": (ly + timedelta(days=6)).isoformat(),
               "has_data": row["has_last_year"]} if ly else None)
    meta = {"store": the_store, "week": name, "from": monday.isoformat(), "to": sunday.isoformat(),
            "currency": info.currency,
            "references": {"prev_week": {"week": week_label(prev), "from": prev.isoformat(),
                                         "to": (prev + timedelta(days=6)).isoformat(),
                                         "has_data": row["has_prev_week"]},
                           "last_year": ly_ref}}
    remarks = []
    if not row["has_last_year"]:
        what = f"{week_label(ly)} ({ly}..{ly + timedelta(days=6)})" if ly else f"week {name[-2:]} of {monday.year - 1}"
        remarks.append({"en": f"No data for the same week last year: {what} is before the store's first day ({first}).",
                        "zh": f"去年同周没有数据：{what} 早于店铺的第一天（{first}）。"})
    return Report("review", label("review.title"), subtitle, sections, meta, remarks)


def _kpis(engine: Any, row: dict[str, Any], trend: dict[str, list[float | None]], currency: str) -> KpiSection:
    cat = engine.catalog
    ly_label = label("review.last_year" if row["has_last_year"] else "review.last_year_none")
    kpis = []
    for m in KPIS:
        spec = cat.metrics[m]
        comps = [Comparison("prev_week", label("review.prev_week"), row[f"{m}__prev_week"],
                            row[f"{m}__prev_week_change"]),
                 Comparison("last_year", ly_label, row[f"{m}__last_year"], row[f"{m}__last_year_change"]),
                 Comparison("target", label("review.target"), row[f"{m}__target"], row[f"{m}__attainment"])]
        kpis.append(Kpi(m, {"en": spec.en, "zh": spec.zh}, spec.unit, spec.good, row[m], comps, trend[m]))
    return KpiSection(label("review.kpis"), kpis, currency)


def _name(dim: str, r: dict[str, Any]) -> dict[str, str] | str:
    if dim == "product" and r.get("product_name"):
        return f"{r['product_name']} ({r['product']})"
    return value_label(dim, r[dim])


def _reason(wh: Any, store: str, monday: date, dim: str, value: Any) -> dict[str, str]:
    from shoplens.analyses.why import why

    try:
        return why(wh, "gmv", start=monday, end=monday + timedelta(days=6), compare="previous", store=store,
                   where={dim: str(value)}).to_dict()["summary"]
    except ShoplensError as exc:  # why cannot explain it (no value on one side): say so, keep the line
        return {"en": exc.render("en"), "zh": exc.render("zh")}


def _reasons(wh: Any, store: str, monday: date, asks: list[tuple[str, Any]]) -> list[dict[str, str]]:
    """why's sentence for each (dimension, value), ``REASON_THREADS`` at a time on cursors of their own (DuckDB
    releases the GIL while it runs a query); in order."""
    if not hasattr(wh, "cursor") or len(asks) < 2:
        return [_reason(wh, store, monday, d, v) for d, v in asks]

    def one(ask: tuple[str, Any]) -> dict[str, str]:
        view = wh.cursor()
        try:
            return _reason(view, store, monday, *ask)
        finally:
            view.close()

    with ThreadPoolExecutor(max_workers=D.REASON_THREADS, thread_name_prefix="shoplens-review") as pool:
        return list(pool.map(lambda ask: copy_context().run(one, ask), asks))


def _movers(wh: Any, engine: Any, store: str, monday: date) -> list[RankedSection]:
    found = {dim: D.movers(engine, store, monday, dim) for dim in D.DIMENSIONS}
    asks = [(dim, r[dim]) for dim in D.DIMENSIONS for r in found[dim][0] + found[dim][1]]
    reasons = iter(_reasons(wh, store, monday, asks))
    sections = []
    for dim in D.DIMENSIONS:
        grew, fell = found[dim]
        items = [Ranked(_name(dim, r), r.get("gmv") or 0.0, "currency", r.get("gmv__previous_change"), next(reasons))
                 for r in grew + fell]
        sections.append(RankedSection(label(f"review.dim.{dim}"), items, empty=label("review.no_movers"),
                                      note=label("review.movers_note")))
    return sections


def _funnel(wh: Any, store: str, monday: date) -> TableSection:
    now, before = D.funnel_steps(wh, store, monday)
    columns = [(label("review.step"), None), (label("review.this_week"), "percent"),
               (label("review.previous_week"), "percent"), (label("review.change"), "change")]
    rows = []
    if now and (now[0].count or before[0].count):
        names = [value_label("event", s.event) for s in now]
        for i in range(1, len(now)):
            rows.append([_arrow(names[i - 1], names[i]), now[i].step_conversion, before[i].step_conversion,
                         D.change(now[i].step_conversion, before[i].step_conversion)])
        rows.append([_arrow(names[0], names[-1]), now[-1].conversion, before[-1].conversion,
                     D.change(now[-1].conversion, before[-1].conversion)])
    return TableSection(label("review.funnel"), columns, rows, empty=label("review.no_funnel"),
                        note=label("review.funnel_note"))


def _arrow(a: dict[str, str] | str, b: dict[str, str] | str) -> dict[str, str]:
    return {lang: f"{text(a, lang)} → {text(b, lang)}" for lang in ("en", "zh")}


def _retention(wh: Any, store: str, monday: date) -> TableSection:
    cohorts = D.new_visitor_cohorts(wh, store, monday)
    columns = [(label("review.cohort"), None), (label("review.new_visitors"), "count"), (label("review.week1"),
                                                                                          "percent")]
    rows = []
    rates: dict[str, float | None] = {}
    for c in cohorts:
        rate = c.rates[1] if len(c.rates) > 1 and c.complete else None  # week 1 still running: not yet
        rates[c.cohort] = rate
        rows.append([c.cohort, c.size, rate])
    note = dict(label("review.retention_note"))
    prev, before = week_label(monday - timedelta(days=7)), week_label(monday - timedelta(days=14))
    moved = D.change(rates.get(prev), rates.get(before))
    if moved is not None:
        note = {"en": f"{note['en']}. Week-1 retention {before} → {prev}: {rates[before]:.1%} → {rates[prev]:.1%}",
                "zh": f"{note['zh']}。次周留存 {before} → {prev}：{rates[before]:.1%} → {rates[prev]:.1%}"}
    return TableSection(label("review.retention"), columns, rows, empty=label("review.no_retention"), note=note)
