"""ABC classification of one store's SKUs (商品 ABC 分类, issue #16 part 2).

Values come from the metrics engine (one query by product for the period, one for the previous period of the
same length): ``gmv`` (by product: merchandise line sales), ``paid_units`` or ``gross_profit``. The rule itself
is :mod:`.abc_rank`. The catalog (merchandise SKUs, status, category) is read through Ibis. SKUs on sale
(``products.status = on_sale``) without a sale in the period are listed as C with value 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

from shoplens.analyses.products.abc_rank import Ranked, class_summary, classify, movement, sort_key
from shoplens.analyses.result import Result
from shoplens.errors import ShoplensError

METRIC = {"gmv": "gmv", "units": "paid_units", "margin": "gross_profit"}
NO_CATEGORY = ""


@dataclass(frozen=True)
class AbcResult(Result):
    by: str
    thresholds: list[float]
    store: str
    within: str | None
    period: dict[str, str]
    previous_period: dict[str, str]
    classes: dict[str, dict[str, Any]]
    movement: dict[str, dict[str, int]]
    products: list[dict[str, Any]]
    notes: dict[str, dict[str, str]] = field(default_factory=dict)

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = ("rank", "product_id", "name", "category", "value", "share",
                                              "cumulative_share", "class", "previous_class")

    def table_rows(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self.products]


def parse_thresholds(text: str | list[float] | tuple[float, ...] | None) -> tuple[float, float]:
    """``60,85`` (percent) -> (0.6, 0.85); two increasing numbers strictly between 0 and 100."""
    raw = "60,85" if text is None else text
    parts = raw.split(",") if isinstance(raw, str) else [str(x) for x in raw]
    try:
        nums = [float(p.strip().rstrip("%")) for p in parts]
    except ValueError:
        nums = []
    if len(nums) != 2 or not all(0 < n < 100 for n in nums) or nums[0] >= nums[1]:
        raise ShoplensError(f"{raw!r} must be two increasing percentages between 0 and 100",
                            where="--thresholds", hint="e.g. --thresholds 60,85",
                            zh=f"{raw!r} 必须是两个递增且在 0 到 100 之间的百分数",
                            zh_hint="例如 --thresholds 60,85")
    return nums[0] / 100, nums[1] / 100


def _one_store(wh: Any, store: str | list[str] | None) -> str:
    from shoplens.metrics.engine import MetricsEngine
    from shoplens.warehouse.scope import pick_stores

    engine = MetricsEngine(wh)
    chosen = pick_stores(engine.stores(engine.data_version()), store)
    if len(chosen) != 1:
        names = ", ".join(s.store_id for s in chosen)
        raise ShoplensError("ABC ranks the SKUs of one store; several stores were asked for", where="--store",
                            hint=f"pick one with --store ({names})",
                            zh="ABC 分类针对单个店铺的商品；当前选择了多个店铺",
                            zh_hint=f"请用 --store 指定一个店铺（{names}）")
    return chosen[0].store_id


def _catalog(wh: Any, store: str) -> dict[str, dict[str, Any]]:
    """Every SKU of the store's catalog: name, category, status, merchandise or not, launch day."""
    t = wh.table("products")
    t = t.filter(t.store_id == store).select("product_id", "name", "category", "status", "product_type",
                                              "launched_at")
    frame = t.to_pandas()
    out = {}
    for r in frame.itertuples():
        launched = None if r.launched_at is None or str(r.launched_at) in ("NaT", "None") else r.launched_at.date()
        out[r.product_id] = {"name": r.name, "category": r.category, "status": r.status, "launched": launched,
                             "merchandise": r.product_type is None or r.product_type != r.product_type
                             or r.product_type == "merchandise"}
    return out


def _values(wh: Any, metric: str, store: str, start: date | None, end: date | None) -> tuple[dict[str, Any], Any]:
    from shoplens.metrics.engine import MetricsEngine

    result = MetricsEngine(wh).query([metric], by=["product"], start=start, end=end, store=store, targets=False)
    values = {}
    names = {}
    for row in result.rows:
        v = row.get(metric)
        values[row["product"]] = None if v is None or v != v else float(v)
        names[row["product"]] = row.get("product_name")
    return {"values": values, "names": names}, result


def _group_values(values: dict[str, float | None], catalog: dict[str, dict[str, Any]], end: date,
                  within: str | None) -> dict[str, dict[str, float | None]]:
    """Merchandise SKUs with a value, plus on-sale SKUs launched by ``end`` at 0, split into the ranked groups."""
    merch = {p: v for p, v in values.items() if catalog.get(p, {}).get("merchandise", True)}
    for pid, info in catalog.items():
        on_sale = info["status"] == "on_sale" and (info["launched"] is None or info["launched"] <= end)
        if info["merchandise"] and on_sale and pid not in merch:
            merch[pid] = 0.0
    groups: dict[str, dict[str, float | None]] = {}
    for pid, v in merch.items():
        key = (catalog.get(pid, {}).get("category") or NO_CATEGORY) if within else NO_CATEGORY
        groups.setdefault(key, {})[pid] = v
    return groups


def _classify_all(groups: dict[str, dict[str, float | None]], thresholds: tuple[float, float]) -> dict[str, Ranked]:
    out: dict[str, Ranked] = {}
    for values in groups.values():
        out.update(classify(values, thresholds))
    return out


def products_abc(wh: Any, by: str = "gmv", *, start: date | None = None, end: date | None = None,
                 thresholds: str | list[float] | tuple[float, ...] | None = None, within: str | None = None,
                 store: str | list[str] | None = None) -> AbcResult:
    """ABC classes of one store's merchandise SKUs over ``start``..``end`` (default: the engine's last 30 days
    with data), with each SKU's class in the previous period of the same length."""
    if by not in METRIC:
        raise ShoplensError(f"unknown --by {by!r}", where="--by", hint="one of: gmv, units, margin",
                            zh=f"未知的 --by {by!r}", zh_hint="可选：gmv、units、margin")
    if within not in (None, "category"):
        raise ShoplensError(f"unknown --within {within!r}", where="--within", hint="only: category",
                            zh=f"未知的 --within {within!r}", zh_hint="只支持 category")
    cuts = parse_thresholds(thresholds)
    sid = _one_store(wh, store)
    metric = METRIC[by]
    now, result = _values(wh, metric, sid, start, end)
    start, end = result.start, result.end
    if not any(v for v in now["values"].values()):
        raise ShoplensError(f"no sales in store {sid} from {start} to {end}", where="--from/--to",
                            hint="pick a range with orders (shoplens info shows the store's dates)",
                            zh=f"店铺 {sid} 在 {start} 至 {end} 没有销售",
                            zh_hint="请选择有订单的日期范围（shoplens info 可查看）")
    catalog = _catalog(wh, sid)
    ranked = _classify_all(_group_values(now["values"], catalog, end, within), cuts)
    days = (end - start).days + 1
    p_start, p_end = start - timedelta(days=days), start - timedelta(days=1)
    before, _ = _values(wh, metric, sid, p_start, p_end)
    notes: dict[str, dict[str, str]] = {}
    if any(v for v in before["values"].values()):
        prev = {p: r.klass for p, r in _classify_all(_group_values(before["values"], catalog, p_end, within),
                                                      cuts).items()}
    else:
        prev = {}
        notes["previous"] = {"en": f"no sales from {p_start} to {p_end}: previous_class is null",
                             "zh": f"{p_start} 至 {p_end} 没有销售：上期分类为空"}
    unknown = [p for p, r in ranked.items() if r.klass is None]
    if unknown:
        notes["no_cost"] = {"en": f"{len(unknown)} SKU(s) sold without any unit cost: margin unknown, not "
                                  "classified (class null)",
                            "zh": f"{len(unknown)} 个 SKU 售出但没有单位成本：毛利未知，不参与分类（class 为空）"}
    if by == "margin" and any((r.value or 0) < 0 for r in ranked.values()):
        notes["negative"] = {"en": "SKUs with a negative margin are C with share 0 (a loss cannot add to the Pareto "
                                   "share)", "zh": "毛利为负的 SKU 归为 C 类、占比为 0（亏损不计入帕累托累计占比）"}
    order = sorted(ranked.values(), key=lambda r: (r.klass is None, sort_key(r.value, r.product_id)))
    if within:
        order = sorted(order, key=lambda r: (r.klass is None, (catalog.get(r.product_id, {}).get("category")
                                                               or NO_CATEGORY), r.rank or 0))
    total = sum(max(round(r.value or 0.0, 6), 0.0) for r in ranked.values())
    products = [{"product_id": r.product_id,
                 "name": catalog.get(r.product_id, {}).get("name") or now["names"].get(r.product_id),
                 "category": catalog.get(r.product_id, {}).get("category"), "rank": r.rank, "value": r.value,
                 "share": r.share, "cumulative_share": r.cumulative_share, "class": r.klass,
                 "previous_class": prev.get(r.product_id)} for r in order]
    return AbcResult(by, list(cuts), sid, within, {"from": str(start), "to": str(end)},
                     {"from": str(p_start), "to": str(p_end)}, class_summary(list(ranked.values()), total),
                     movement(prev, {p: r.klass for p, r in ranked.items()}), products, notes)
