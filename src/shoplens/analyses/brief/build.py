"""``brief(wh, day=, store=)``: the daily brief (日报) of one store as a :class:`~shoplens.analyses.reports.Report`.

The day defaults to the store's last complete day (:mod:`shoplens.analyses.complete_day`, as ``alerts check``).
Numbers: :mod:`.data` (the metrics engine); the three biggest movers are the KPIs with the largest relative change
against the same weekday a week earlier, each with the sentence of the ``why`` analysis (the same question an
alert's root cause asks), never a second explanation.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import Any

from shoplens.analyses.brief import data as D
from shoplens.analyses.brief.labels import label, value_label
from shoplens.analyses.reports import (
    Alert,
    AlertSection,
    Chart,
    Comparison,
    Kpi,
    KpiSection,
    Ranked,
    RankedSection,
    Report,
    TableSection,
)
from shoplens.errors import ShoplensError
from shoplens.params import check_day

MOVERS = 3


def brief(wh: Any, *, day: date | str | None = None, store: str | list[str] | None = None,
          now: datetime | None = None, config: str | os.PathLike[str] | None = None) -> Report:
    """The brief of ``store`` (the only store when None) for ``day`` (default: its last complete day as of ``now``,
    default the clock: a scheduled run passes its own time). Targets come from ``config`` (``--config``,
    $SHOPLENS_CONFIG, ./shoplens.yaml), the file the sending channels come from."""
    from shoplens.analyses.segments import SegmentMetricsEngine
    from shoplens.analyses.why.query import single_store
    from shoplens.metrics.targets import load_targets

    engine = SegmentMetricsEngine(wh, targets=load_targets(config))
    the_store = single_store(engine, store)
    info = next(s for s in engine.stores(engine.data_version()) if s.store_id == the_store)
    day = _pick_day(wh, engine, info, check_day(day, "--date"),
                    now)
    row = D.kpis(engine, the_store, day)
    trend = D.trend(engine, the_store, day)
    cat = engine.catalog
    kpis = []
    for m in D.KPIS:
        spec = cat.metrics[m]
        comps = [Comparison(name, label(f"brief.{name}"), row[f"{m}__{name}"], row[f"{m}__{name}_change"])
                 for name, _ in D.COMPARES]
        comps.append(Comparison("target", label("brief.target"), row[f"{m}__target"], row[f"{m}__attainment"]))
        kpis.append(Kpi(m, {"en": spec.en, "zh": spec.zh}, spec.unit, spec.good, row[m], comps, trend[m]))
    sections: list[Any] = [KpiSection(label("brief.kpis"), kpis, info.currency)]
    sections.append(_movers(wh, kpis, the_store, day))
    sections.append(_alerts(wh, the_store, day))
    sections += _products(engine, the_store, day)
    sections += _channels(engine, the_store, day)
    sections.append(_stock(engine, the_store, day, *_lead_time_config(config)))
    weekday = day.strftime("%a")
    subtitle = {"en": f"store {the_store} · {day.isoformat()} ({weekday}) · {info.currency}",
                "zh": f"店铺 {the_store} · {day.isoformat()}（{'一二三四五六日'[day.weekday()]}）· {info.currency}"}
    meta = {"store": the_store, "date": day.isoformat(), "currency": info.currency,
            "references": {"dod": (day - timedelta(days=1)).isoformat(), "wow": (day - timedelta(days=7)).isoformat()}}
    return Report("brief", label("brief.title"), subtitle, sections, meta)


def _pick_day(wh: Any, engine: Any, info: Any, day: date | None, now: datetime | None = None) -> date:
    """The asked day (it must have data), else the store's last complete day."""
    from shoplens.analyses.complete_day import data_ends, last_complete_day
    from shoplens.warehouse.scope import Scope

    version = engine.data_version()
    scope = Scope((info,), None, None)
    first, last = engine._data_day(scope, version, "min"), engine._data_day(scope, version, "max")
    if last is None:
        raise ShoplensError(f"store {info.store_id} has no data yet", where="--store",
                            hint="import orders or events first", zh=f"店铺 {info.store_id} 还没有数据",
                            zh_hint="请先导入订单或行为数据")
    if day is None:
        return last_complete_day(last, info.timezone, now, data_ends(wh, [info]).get(info.store_id))
    if not first <= day <= last:
        raise ShoplensError(f"--date {day} has no data: store {info.store_id} covers {first}..{last}",
                            hint=f"pick a day in {first}..{last}",
                            zh=f"--date {day} 没有数据：店铺 {info.store_id} 的数据范围是 {first}..{last}",
                            zh_hint=f"请选择 {first}..{last} 之间的日期")
    return day


def _movers(wh: Any, kpis: list[Kpi], store: str, day: date) -> RankedSection:
    from shoplens.analyses.why import why

    moved = [k for k in kpis if k.comparisons[1].change is not None]
    moved.sort(key=lambda k: -abs(k.comparisons[1].change or 0))
    items = []
    for k in moved[:MOVERS]:
        try:
            reason = why(wh, k.metric, day=day, compare="wow", store=store).to_dict()["summary"]
        except ShoplensError as exc:  # why cannot explain it (e.g. no data a week earlier): say so, keep the mover
            reason = {"en": exc.render("en"), "zh": exc.render("zh")}
        items.append(Ranked(k.label, k.value, k.unit, k.comparisons[1].change, reason, k.good))
    return RankedSection(label("brief.movers"), items, note=label("brief.movers_note"))


def _alerts(wh: Any, store: str, day: date) -> AlertSection:
    found = D.open_alerts(wh, store, day)
    return AlertSection(label("brief.alerts"), [Alert(a["severity"], a["message"], a["period"], a["rule"])
                                                 for a in found], empty=label("brief.no_alerts"))


def _product_label(r: dict[str, Any]) -> str:
    return f"{r['product_name']} ({r['product']})" if r.get("product_name") else str(r["product"])


def _products(engine: Any, store: str, day: date) -> list[RankedSection]:
    rows = D.products(engine, store, day)
    sold = sorted((r for r in rows if (r.get("gmv") or 0) > 0), key=lambda r: (-r["gmv"], r["product"]))
    top = [Ranked(_product_label(r), r["gmv"], "currency", r.get("gmv__wow_change")) for r in sold[:D.TOP_PRODUCTS]]
    fell = [r for r in rows if (r.get("gmv__wow") or 0) > (r.get("gmv") or 0)]
    fell.sort(key=lambda r: ((r.get("gmv") or 0) - r["gmv__wow"], r["product"]))
    falling = [Ranked(_product_label(r), r.get("gmv") or 0.0, "currency", r.get("gmv__wow_change"))
               for r in fell[:D.TOP_PRODUCTS]]
    return [RankedSection(label("brief.top_products"), top, empty=label("brief.no_sales")),
            RankedSection(label("brief.falling_products"), falling, empty=label("brief.no_falling"))]


def _channels(engine: Any, store: str, day: date) -> list[Any]:
    rows = sorted(D.channels(engine, store, day), key=lambda r: (-(r.get("gmv") or 0), str(r["channel"])))
    cat = engine.catalog.metrics
    columns = [(label("brief.channel"), None), ({"en": cat["gmv"].en, "zh": cat["gmv"].zh}, "currency"),
               (label("brief.change_wow"), "change"),
               ({"en": cat["conversion_rate"].en, "zh": cat["conversion_rate"].zh}, "percent")]
    table = [[value_label("channel", r["channel"]), r.get("gmv"), r.get("gmv__wow_change"), r.get("conversion_rate")]
             for r in rows]
    bars = [(value_label("channel", r["channel"]), float(r["gmv"])) for r in rows if r.get("gmv")]
    return [TableSection(label("brief.channels"), columns, table),
            Chart(label("brief.channel_gmv"), bars, "currency")]


def _lead_time_config(config: Any) -> tuple[Any, ShoplensError | None]:
    """The config's ``replenish:`` lead times; a mistake in that section does not stop the brief (as the cover
    alert skips): the built-in lead time is used and the stock section says why."""
    from shoplens.analyses.replenish.config import load_config

    try:
        return load_config(config), None
    except ShoplensError as exc:
        return None, exc


def _stock(engine: Any, store: str, day: date, config: Any, mistake: ShoplensError | None = None) -> TableSection:
    risks = D.stock_risks(engine, store, day, config)
    columns = [(label("brief.product"), None), (label("brief.cover"), "days"), (label("brief.lead_time"), "days"),
               (label("brief.risk"), None)]
    rows = [[_product_label(r), r["days_of_cover"], r["lead_time_days"],
             label("brief.out_of_stock") if r["out_of_stock"] else label("brief.below_lead")] for r in risks]
    note = {"en": f"top {D.TOP_SELLERS} sellers by GMV of the last {D.SELLER_DAYS} days; days of cover = average "
                  f"stock / average daily units of the last {D.COVER_DAYS} days; lead time: the SKU's from the "
                  f"config's replenish: section (its own, its supplier's or its category's, then the defaults; "
                  f"{D.LEAD_TIME_DAYS:g} days when none is set)",
            "zh": f"近 {D.SELLER_DAYS} 天成交额前 {D.TOP_SELLERS} 的商品；可售天数 = 近 {D.COVER_DAYS} 天平均库存 / "
                  f"日均销量；补货周期取配置 replenish: 中该商品、其供应商或品类的设置，再取 defaults（都未设置时按 "
                  f"{D.LEAD_TIME_DAYS:g} 天）"}
    if mistake is not None:
        note = {"en": f"{note['en']}. The replenish: section has a mistake ({mistake.render('en')}): every SKU got "
                      f"{D.LEAD_TIME_DAYS:g} days",
                "zh": f"{note['zh']}。配置 replenish: 部分有误（{mistake.render('zh')}）：所有商品按 "
                      f"{D.LEAD_TIME_DAYS:g} 天计"}
    return TableSection(label("brief.stock"), columns, rows, empty=label("brief.no_stock_risk"), note=note)
