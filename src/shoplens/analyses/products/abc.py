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

import numpy as np
import pandas as pd

from shoplens.analyses.products.abc_rank import class_summary, classify, movement
from shoplens.analyses.result import Result, clean
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

    def to_dict(self) -> dict[str, Any]:
        """The JSON; ``products`` are plain Python values already (rounded in the frame), not walked again:
        50 k SKUs would cost seconds in :func:`clean`."""
        head = clean({k: getattr(self, k) for k in ("by", "thresholds", "store", "within", "period",
                                                     "previous_period", "classes", "movement")})
        return {**head, "products": [dict(p) for p in self.products], "notes": clean(self.notes)}

    def table_rows(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self.products]


def parse_thresholds(text: str | list[float] | tuple[float, ...] | None) -> tuple[float, float]:
    """``60,85`` (percent) or ``0.6,0.85`` (shares, as the JSON writes them) -> (0.6, 0.85): two increasing numbers
    strictly between 0 and 100; when both are at most 1 (and carry no %), they are shares, since ABC cut-offs of
    1 % or less make no sense and the JSON's own ``thresholds`` must round-trip."""
    raw = "60,85" if text is None else text
    parts = raw.split(",") if isinstance(raw, str) else [str(x) for x in raw]
    try:
        nums = [float(p.strip().rstrip("%")) for p in parts]
    except ValueError:
        nums = []
    if len(nums) == 2 and all(0 < n <= 1 for n in nums) and not any("%" in p for p in parts):
        nums = [n * 100 for n in nums]
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


def _catalog(wh: Any, store: str) -> pd.DataFrame:
    """Every SKU of the store's catalog (index product_id): name, category, status, merchandise, launch day."""
    t = wh.table("products")
    t = t.filter(t.store_id == store).select(
        "product_id", "name", "category", "status",
        merchandise=t.product_type.isnull() | (t.product_type == "merchandise"), launched=t.launched_at.date())
    return t.to_pandas().set_index("product_id")


def _values(wh: Any, metric: str, store: str, start: date | None, end: date | None) -> tuple[pd.DataFrame, Any]:
    """(product_id, value, engine_name) of every SKU the engine has a row for, and the engine's result."""
    from shoplens.metrics.engine import MetricsEngine

    result = MetricsEngine(wh).query([metric], by=["product"], start=start, end=end, store=store, targets=False,
                                     drop_null=("product",))
    frame = pd.DataFrame(result.rows, columns=["product", "product_name", metric])
    frame = frame.rename(columns={"product": "product_id", "product_name": "engine_name", metric: "value"})
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    return frame, result


def _ranked(values: pd.DataFrame, catalog: pd.DataFrame, end: date, within: str | None,
            cuts: tuple[float, float]) -> pd.DataFrame:
    """Merchandise SKUs with a value plus on-sale SKUs launched by ``end`` at 0, classified in their groups."""
    merch = catalog["merchandise"].reindex(values["product_id"]).fillna(True).astype(bool).to_numpy()
    rows = values.loc[merch, ["product_id", "value"]]
    launched = pd.to_datetime(catalog["launched"])
    on_sale = catalog["merchandise"].astype(bool) & (catalog["status"] == "on_sale") & (
        launched.isna() | (launched <= pd.Timestamp(end)))
    sold = set(rows["product_id"].tolist())  # a set: Index.isin over 50 k arrow strings took ~60 ms
    idle = catalog.index[on_sale.to_numpy() & np.fromiter((p not in sold for p in catalog.index.tolist()), bool,
                                                          len(catalog))]
    rows = pd.concat([rows, pd.DataFrame({"product_id": idle, "value": 0.0})], ignore_index=True)
    category = catalog["category"].reindex(rows["product_id"]).to_numpy()
    rows["group"] = pd.Series(category, dtype=object).fillna(NO_CATEGORY).to_numpy() if within else NO_CATEGORY
    return classify(rows, cuts)


def _plain(series: pd.Series) -> list[Any]:
    """Python values of a column, None for missing (fast: no per-cell pandas boxing)."""
    arr = series.to_numpy(dtype=object, copy=True)
    arr[pd.isna(arr)] = None
    return arr.tolist()


def _note(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


def products_abc(wh: Any, by: str = "gmv", *, start: date | None = None, end: date | None = None,
                 thresholds: str | list[float] | tuple[float, ...] | None = None, within: str | None = None,
                 store: str | list[str] | None = None, previous: bool = True) -> AbcResult:
    """ABC classes of one store's merchandise SKUs over ``start``..``end`` (default: the engine's last 30 days
    with data), with each SKU's class in the previous period of the same length (``previous=False``: not asked,
    for callers that only need today's classes, such as the stock-out alert and ``forecast --class A``)."""
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
    if not (now["value"].fillna(0) != 0).any():
        raise ShoplensError(f"no sales in store {sid} from {start} to {end}", where="--from/--to",
                            hint="pick a range with orders (shoplens info shows the store's dates)",
                            zh=f"店铺 {sid} 在 {start} 至 {end} 没有销售",
                            zh_hint="请选择有订单的日期范围（shoplens info 可查看）")
    catalog = _catalog(wh, sid)
    ranked = _ranked(now, catalog, end, within, cuts)
    days = (end - start).days + 1
    p_start, p_end = start - timedelta(days=days), start - timedelta(days=1)
    notes: dict[str, dict[str, str]] = {}
    prev: dict[str, str | None] = {}
    before = _values(wh, metric, sid, p_start, p_end)[0] if previous else None
    if before is None:
        pass
    elif (before["value"].fillna(0) != 0).any():
        old = _ranked(before, catalog, p_end, within, cuts)
        prev = dict(zip(old["product_id"].tolist(), old["class"].tolist(), strict=True))
    else:
        notes["previous"] = _note(f"no sales from {p_start} to {p_end}: previous_class is null",
                                  f"{p_start} 至 {p_end} 没有销售：上期分类为空")
    unknown = int(ranked["class"].isna().sum())
    if unknown:
        notes["no_cost"] = _note(f"{unknown} SKU(s) sold without any unit cost: margin unknown, not classified "
                                 "(class null)",
                                 f"{unknown} 个 SKU 售出但没有单位成本：毛利未知，不参与分类（class 为空）")
    if by == "margin" and (ranked["value"] < 0).any():
        notes["negative"] = _note("SKUs with a negative margin are C with share 0 (a loss cannot add to the Pareto "
                                  "share)", "毛利为负的 SKU 归为 C 类、占比为 0（亏损不计入帕累托累计占比）")
    if not within:  # one group: unranked SKUs (unknown margin) after every ranked one
        ranked = ranked.sort_values(["class", "rank"], key=lambda c: c.isna(), kind="mergesort")
    pids = _plain(ranked["product_id"])
    engine_names = dict(zip(_plain(now["product_id"]), _plain(now["engine_name"]), strict=True))
    names = _plain(catalog["name"].reindex(pids))
    columns = {"product_id": pids, "name": [n if n is not None else engine_names.get(p) for p, n in zip(
        pids, names, strict=True)], "category": _plain(catalog["category"].reindex(pids)),
        "rank": _plain(ranked["rank"]), "value": _plain(ranked["value"].round(10)),
        "share": _plain(ranked["share"].astype("float64").round(10)),
        "cumulative_share": _plain(ranked["cumulative_share"].astype("float64").round(10)),
        "class": _plain(ranked["class"]),
        "previous_class": [prev.get(p) for p in pids]}
    products = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    current = dict(zip(pids, columns["class"], strict=True))
    return AbcResult(by, list(cuts), sid, within, {"from": str(start), "to": str(end)},
                     {"from": str(p_start), "to": str(p_end)}, class_summary(ranked),
                     movement(prev, current), products, notes)
