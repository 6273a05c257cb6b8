"""Product roles (商品角色): every on-sale merchandise SKU placed, against its category's medians, into the roles
operators use — 爆款 hero, 引流款 traffic driver, 潜力款 potential hit, 利润款 profit item, 滞销款 slow mover,
新品 new, 正常 normal. The rule table is docs/products.md; the cut-offs are :class:`RoleRules`.

Numbers come from the metrics engine (``uv`` by product = product-page visitors, ``conversion_rate`` by product =
buyers of the product / its visitors, ``add_to_cart_rate``, ``gross_margin``, ``paid_units``, ``gmv``), the catalog,
stock and last sale through Ibis (:mod:`.roles_data`); the rules run over whole per-SKU columns (pandas/numpy).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from shoplens.analyses.products.roles_data import gather
from shoplens.analyses.products.roles_reasons import NO_RULE, reason
from shoplens.analyses.products.roles_rules import PRECEDENCE, RoleRules, load_rules
from shoplens.analyses.result import clean, clean_rows
from shoplens.params import check_day
from shoplens.warehouse.scope import pick_stores

MEDIANS = ("uv", "conversion", "add_to_cart_rate", "gmv_of_sold")
CSV_COLUMNS = ("store", "product_id", "name", "category", "role", "roles", "uv", "conversion", "add_to_cart_rate",
               "margin", "units", "gmv", "trend", "days_since_last_sale", "on_hand", "launched", "traffic_index",
               "conversion_index", "median_uv", "median_conversion", "median_add_to_cart_rate",
               "median_gmv_of_sold", "reason_en", "reason_zh")


@dataclass
class RolesResult:
    """``to_dict()`` is the JSON of the CLI, the Python API and ``GET /api/v1/products/roles``. ``products`` are
    JSON-ready already (floats rounded to 10 places, no NaN, ``launched`` as ISO text): ``to_dict`` copies each row
    instead of walking 50 k of them again; its nested parts (medians, roles, reason) are the result's own."""

    start: date
    end: date
    rules: RoleRules
    products: list[dict[str, Any]]
    traffic: dict[str, bool]  # store -> has product-page traffic (else only the roles that need none)
    currencies: dict[str, str]  # store -> its reporting currency (gmv of its SKUs)
    notes: dict[str, dict[str, str]] = field(default_factory=dict)
    CSV_COLUMNS: ClassVar[tuple[str, ...]] = CSV_COLUMNS

    def summary(self) -> dict[str, dict[str, Any]]:
        """SKUs and GMV per primary role; GMV per currency too, and ``gmv`` null when the stores' currencies
        differ (amounts in different currencies are never added)."""
        currencies = sorted({self.currencies[p["store"]] for p in self.products})
        out: dict[str, dict[str, Any]] = {r: {"skus": 0, "gmv": 0.0, "gmv_by_currency": dict.fromkeys(currencies, 0.0)}
                                          for r in PRECEDENCE}
        for p in self.products:
            out[p["role"]]["skus"] += 1
            out[p["role"]]["gmv_by_currency"][self.currencies[p["store"]]] += p["gmv"] or 0.0
        for v in out.values():
            by = v["gmv_by_currency"] = {c: round(x, 4) for c, x in v["gmv_by_currency"].items()}  # no float noise
            v["gmv"] = sum(by.values()) if len(by) <= 1 else None
        return out

    def quadrant(self) -> dict[str, Any]:
        points = [{"store": p["store"], "product_id": p["product_id"], "name": p["name"], "category": p["category"],
                   "x": p["traffic_index"], "y": p["conversion_index"], "role": p["role"]}
                  for p in self.products if p["traffic_index"] is not None and p["conversion_index"] is not None]
        return {"x": "traffic_index", "y": "conversion_index", "x_median": 1.0, "y_median": 1.0, "points": points}

    def to_dict(self) -> dict[str, Any]:
        quadrant = self.quadrant()
        points = clean_rows(quadrant.pop("points"))  # the per-SKU parts: clean_rows (same values, faster)
        return {**clean({"from": self.start, "to": self.end, "currencies": self.currencies,
                         "rules": self.rules.to_dict(), "precedence": list(PRECEDENCE), "traffic": self.traffic,
                         "summary": self.summary()}),
                "products": [dict(p) for p in self.products], "quadrant": {**clean(quadrant), "points": points},
                "notes": clean(self.notes)}

    def table_rows(self) -> list[dict[str, Any]]:
        rows = []
        for p in self.products:
            row = {k: p.get(k) for k in CSV_COLUMNS[:18]}
            row["roles"] = ",".join(p["roles"])
            row.update({f"median_{k}": p["medians"][k] for k in MEDIANS})
            row.update(reason_en=p["reason"]["en"], reason_zh=p["reason"]["zh"])
            rows.append(row)
        return rows

    def csv_table(self) -> tuple[list[str], list[list[Any]]]:
        return list(CSV_COLUMNS), [[clean(r[c]) for c in CSV_COLUMNS] for r in self.table_rows()]

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.table_rows(), columns=list(CSV_COLUMNS))


def _floats(s: pd.Series) -> np.ndarray:
    """A column as float64, NaN for a gap (None, NaN, NaT)."""
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _json_floats(a: np.ndarray) -> list[float | None]:
    """Floats as the JSON shows them (:func:`shoplens.analyses.result.clean`): rounded to 10 places, None for a
    gap or an infinity."""
    return [None if v != v else round(v, 10) for v in np.where(np.isfinite(a), a, np.nan).tolist()]


def _reasons(primary: list[str], c: dict[str, np.ndarray], launched: list[str | None],
             rules: RoleRules) -> list[dict[str, str]]:
    """Each SKU's reason for its primary role, from the unrounded numbers (``c``: one array per number)."""
    def num(key: str, i: int, whole: bool = False) -> float | int | None:
        v = float(c[key][i])
        return None if v != v else int(v) if whole else v

    out = []
    for i, role in enumerate(primary):
        if role == "normal":  # most SKUs: no numbers to show
            out.append(NO_RULE.copy())
            continue
        p: dict[str, Any] = {k: num(k, i) for k in ("traffic_index", "conversion_index", "atc_index", "gmv",
                                                     "margin")}
        p.update(uv=num("uv", i, True), on_hand=num("on_hand", i, True), launched=launched[i],
                 medians={"gmv_of_sold": num("m_gmv_of_sold", i)}, days_since_last_sale=num("days", i, True),
                 _age=num("age", i, True))
        out.append(reason(role, p, rules))
    return out


def _json_float(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else round(v, 10)


def _plain_ints(a: np.ndarray) -> list[int | None]:
    """Whole numbers (truncated, as ``int()`` does), None for a gap."""
    return [None if v != v else int(v) for v in a.tolist()]


def _index(value: np.ndarray, median: np.ndarray) -> np.ndarray:
    """value / median, NaN when either is missing or the median is 0."""
    ok = ~np.isnan(value) & ~np.isnan(median) & (median != 0)
    return np.divide(value, median, out=np.full(len(value), np.nan), where=ok)


def _days(end: date, day: pd.Series) -> np.ndarray:
    """Whole days from each local ``day`` (datetime64, NaT for none) to ``end``; NaN for none."""
    delta = (pd.Timestamp(end) - pd.to_datetime(day)).dt.days
    return delta.to_numpy(dtype="float64", na_value=np.nan)


def _prepare(frame: pd.DataFrame, end: date) -> tuple[pd.DataFrame, dict[str, bool]]:
    """Per-SKU numbers with the engine's gaps filled where a gap means zero (no sale, no visit)."""
    f = frame.copy()
    traffic = {s: bool(g["uv"].notna().any()) for s, g in f.groupby("store")}
    has = f["store"].map(traffic).astype(bool)
    f["uv"] = f["uv"].where(~has | f["uv"].notna(), 0).where(has, None)
    f["conversion"] = f["conversion_rate"].where(has & (f["uv"].fillna(0) > 0), None)
    f["conversion"] = f["conversion"].where(f["conversion"].notna() | ~has | (f["uv"].fillna(0) == 0), 0.0)
    f["add_to_cart_rate"] = f["add_to_cart_rate"].where(has & (f["uv"].fillna(0) > 0), None)
    for col in ("paid_units", "gmv", "units_first", "units_second"):
        f[col] = pd.to_numeric(f[col], errors="coerce").fillna(0)
    a, b = _floats(f["units_first"]), _floats(f["units_second"])
    f["trend"] = np.divide(b - a, a, out=np.full(len(a), np.nan), where=a != 0)
    f["days_since_last_sale"] = _days(end, f["last_sale"])
    f["age"] = _days(end, f["launched"])
    f["category_key"] = f["category"].fillna("")
    return f, traffic


def _medians(f: pd.DataFrame) -> pd.DataFrame:
    """Per store and category: median visitors of every listed SKU; median conversion and add-to-cart rate of the
    SKUs with visitors; median GMV of the SKUs that sold."""
    def med(s: pd.Series) -> float | None:
        s = pd.to_numeric(s, errors="coerce").dropna()
        return float(s.median()) if len(s) else None

    out = []
    for (store, cat), g in f.groupby(["store", "category_key"], sort=False):
        out.append({"store": store, "category_key": cat, "m_uv": med(g["uv"]), "m_conversion": med(g["conversion"]),
                    "m_add_to_cart_rate": med(g["add_to_cart_rate"]),
                    "m_gmv_of_sold": med(g.loc[g["paid_units"] > 0, "gmv"])})
    return pd.DataFrame(out, columns=["store", "category_key", "m_uv", "m_conversion", "m_add_to_cart_rate",
                                      "m_gmv_of_sold"])


def _hero_candidates(f: pd.DataFrame, share: float) -> np.ndarray:
    """SKUs (a mask over ``f``) making the first ``share`` of their category's GMV (the one crossing it
    included), ties by id."""
    out = pd.Series(False, index=f.index)
    for _, g in f[f["gmv"] > 0].groupby(["store", "category_key"], sort=False):
        g = g.sort_values(["gmv", "product_id"], ascending=[False, True])
        above = g["gmv"].cumsum().shift(fill_value=0) / g["gmv"].sum()
        out[g.index[(above < share).to_numpy()]] = True
    return out.to_numpy()


def _match(c: dict[str, np.ndarray], r: RoleRules, traffic: np.ndarray, hero: np.ndarray) -> list[list[str]]:
    """Every role whose rule holds, per SKU, in precedence order (``normal`` when none). A missing number (NaN)
    fails every comparison, as None did in the rule table."""
    x, y, z, uv, age, days = c["traffic_index"], c["conversion_index"], c["atc_index"], c["uv"], c["age"], c["days"]
    uv0 = np.nan_to_num(uv, nan=0.0)
    with np.errstate(invalid="ignore"):
        hit = {
            "slow_mover": (np.nan_to_num(c["on_hand"], nan=0.0) > 0) & (np.isnan(days) | (days >= r.slow_days))
            & (np.isnan(age) | (age >= r.slow_days)),
            "hero": hero & (~traffic | ((x >= 1) & (y >= 1))),
            "traffic_driver": traffic & (x >= r.traffic_ratio) & (uv0 >= r.min_visitors) & (y < r.low_conversion_ratio),
            "potential": traffic & (x < 1) & (uv0 >= r.min_visitors)
            & ((y >= r.potential_ratio) | (z >= r.potential_ratio)),
            "profit": (c["margin"] >= r.margin_min) & (c["units"] > 0)
            & (c["gmv"] >= r.profit_sales_ratio * c["m_gmv_of_sold"]),
            "new": (age >= 0) & (age < r.new_days),
        }
    names = [k for k in PRECEDENCE if k in hit]
    code = np.zeros(len(uv), dtype=np.int64)
    for bit, k in enumerate(names):
        code |= hit[k].astype(np.int64) << bit
    table = {int(v): [k for bit, k in enumerate(names) if v >> bit & 1] or ["normal"] for v in np.unique(code)}
    return [list(table[v]) for v in code.tolist()]


def classify(frame: pd.DataFrame, end: date, rules: RoleRules) -> tuple[list[dict[str, Any]], dict[str, bool]]:
    """The per-SKU rows of :func:`.roles_data.gather` -> one dict per SKU with its roles and reason (the rules
    run over whole columns; only the output rows are built one by one)."""
    if frame.empty:
        return [], {}
    f, traffic = _prepare(frame, end)
    groups = _medians(f)
    f = f.merge(groups, on=["store", "category_key"], how="left")
    f["_hero"] = _hero_candidates(f, rules.hero_gmv_share)
    f = f.sort_values(["store", "category_key", "product_id"])
    c = {k: _floats(f[col]) for k, col in (("uv", "uv"), ("conversion", "conversion"), ("units", "paid_units"),
                                            ("add_to_cart_rate", "add_to_cart_rate"), ("margin", "gross_margin"),
                                            ("gmv", "gmv"), ("trend", "trend"), ("days", "days_since_last_sale"),
                                            ("on_hand", "on_hand"), ("age", "age"))}
    for k in ("uv", "units", "on_hand", "days"):  # whole numbers in the output, and in the rules
        c[k] = np.trunc(c[k])
    medians = {k: _floats(f[f"m_{k}"]) for k in MEDIANS}
    c["m_gmv_of_sold"] = medians["gmv_of_sold"]
    c["traffic_index"] = _index(c["uv"], medians["uv"])
    c["conversion_index"] = _index(c["conversion"], medians["conversion"])
    c["atc_index"] = _index(c["add_to_cart_rate"], medians["add_to_cart_rate"])
    has_traffic = f["store"].map(traffic).to_numpy(dtype=bool)
    roles = _match(c, rules, has_traffic, f["_hero"].to_numpy(dtype=bool))
    launched = [None if v is pd.NaT or v is None or v != v else v.isoformat()
                for v in pd.to_datetime(f["launched"]).dt.date.astype(object).tolist()]
    ints = {k: _plain_ints(c[k]) for k in ("uv", "units", "days", "on_hand")}
    primary = [r[0] for r in roles]
    reasons = _reasons(primary, c, launched, rules)
    out = {k: _json_floats(c[k]) for k in ("conversion", "add_to_cart_rate", "margin", "gmv", "trend",
                                           "traffic_index", "conversion_index", "atc_index")}
    # the medians are per store and category: made JSON-ready once per group, copied for each of its SKUs
    of_group = {(g["store"], g["category_key"]): {k: _json_float(g[f"m_{k}"]) for k in MEDIANS}
                for g in groups.to_dict("records")}
    medians_of = [dict(of_group[key]) for key in zip(f["store"].tolist(), f["category_key"].tolist(), strict=True)]
    columns: dict[str, list[Any]] = {
        "store": f["store"].tolist(), "product_id": f["product_id"].tolist(),
        "name": [v if isinstance(v, str) else None for v in f["name"].tolist()],
        "category": [v if isinstance(v, str) else None for v in f["category"].tolist()],
        "uv": ints["uv"], "conversion": out["conversion"], "add_to_cart_rate": out["add_to_cart_rate"],
        "margin": out["margin"], "units": ints["units"], "gmv": out["gmv"], "trend": out["trend"],
        "days_since_last_sale": ints["days"], "on_hand": ints["on_hand"], "launched": launched,
        "medians": medians_of, "traffic_index": out["traffic_index"], "conversion_index": out["conversion_index"],
        "atc_index": out["atc_index"], "role": primary, "roles": roles, "reason": reasons}
    products = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    return products, traffic


NO_TRAFFIC = {"en": "store {s} has no product-page visits (orders only): only the roles that need no traffic are "
                    "given (hero by sales alone, profit, slow mover, new, normal)",
              "zh": "店铺 {s} 没有商品详情页访问数据（只有订单）：只判定不需要流量的角色"
                    "（按销售判定的爆款、利润款、滞销款、新品、正常）"}


def product_roles(wh: Any, *, start: date | None = None, end: date | None = None, store: str | list[str] | None = None,
                  config: str | os.PathLike[str] | None = None, rules: RoleRules | None = None,
                  engine: Any = None) -> RolesResult:
    """Roles of every on-sale merchandise SKU over ``start``..``end`` (default: the engine's last 30 days)."""
    from shoplens.analyses.segments import SegmentMetricsEngine

    start, end = check_day(start, "--from"), check_day(end, "--to")
    rules = rules or load_rules(config)
    engine = engine or SegmentMetricsEngine(wh)
    stores = pick_stores(engine.stores(engine.data_version()), store)
    data = gather(wh, engine, stores, start, end)
    from shoplens.analyses.anomalies.query import check_has_data  # a range without data is a mistake, not roles

    check_has_data(engine, stores, engine.data_version(), data.start, data.end)
    products, traffic = classify(data.frame, data.end, rules)
    notes = dict(data.notes)
    for s, has in sorted(traffic.items()):
        if not has:
            notes[f"roles:no_traffic:{s}"] = {k: v.format(s=s) for k, v in NO_TRAFFIC.items()}
    for p in products:
        p.pop("atc_index", None)
    currencies = {s.store_id: s.currency for s in stores}
    return RolesResult(data.start, data.end, rules, products, traffic, currencies, notes)
