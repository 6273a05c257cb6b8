"""Product roles (商品角色): every on-sale merchandise SKU placed, against its category's medians, into the roles
operators use — 爆款 hero, 引流款 traffic driver, 潜力款 potential hit, 利润款 profit item, 滞销款 slow mover,
新品 new, 正常 normal. The rule table is docs/products.md; the cut-offs are :class:`RoleRules`.

Numbers come from the metrics engine (``uv`` by product = product-page visitors, ``conversion_rate`` by product =
buyers of the product / its visitors, ``add_to_cart_rate``, ``gross_margin``, ``paid_units``, ``gmv``), the catalog,
stock and last sale through Ibis (:mod:`.roles_data`); the rules run over the per-SKU rows (pure pandas).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

import pandas as pd

from shoplens.analyses.products.roles_data import gather
from shoplens.analyses.products.roles_reasons import reason
from shoplens.analyses.products.roles_rules import PRECEDENCE, RoleRules, load_rules
from shoplens.analyses.result import clean
from shoplens.params import check_day
from shoplens.warehouse.scope import pick_stores

MEDIANS = ("uv", "conversion", "add_to_cart_rate", "gmv_of_sold")
CSV_COLUMNS = ("store", "product_id", "name", "category", "role", "roles", "uv", "conversion", "add_to_cart_rate",
               "margin", "units", "gmv", "trend", "days_since_last_sale", "on_hand", "launched", "traffic_index",
               "conversion_index", "median_uv", "median_conversion", "median_add_to_cart_rate",
               "median_gmv_of_sold", "reason_en", "reason_zh")


@dataclass
class RolesResult:
    """``to_dict()`` is the JSON of the CLI, the Python API and ``GET /api/v1/products/roles``."""

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
        return clean({"from": self.start, "to": self.end, "currencies": self.currencies, "rules": self.rules.to_dict(),
                      "precedence": list(PRECEDENCE), "traffic": self.traffic, "summary": self.summary(),
                      "products": self.products, "quadrant": self.quadrant(), "notes": self.notes})

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


def _num(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _index(value: float | None, median: float | None) -> float | None:
    return value / median if value is not None and median else None


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
    f["trend"] = [(b - a) / a if a else None for a, b in zip(f["units_first"], f["units_second"], strict=True)]
    f["days_since_last_sale"] = [(end - d).days if d is not None and not pd.isna(d) else None for d in f["last_sale"]]
    f["age"] = [(end - d).days if d is not None and not pd.isna(d) else None for d in f["launched"]]
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


def _hero_candidates(f: pd.DataFrame, share: float) -> set[tuple[str, str]]:
    """SKUs making the first ``share`` of their category's GMV (the one crossing it included), ties by id."""
    out: set[tuple[str, str]] = set()
    for _, g in f[f["gmv"] > 0].groupby(["store", "category_key"], sort=False):
        g = g.sort_values(["gmv", "product_id"], ascending=[False, True])
        above = g["gmv"].cumsum().shift(fill_value=0) / g["gmv"].sum()
        out |= {(s, p) for s, p, a in zip(g["store"], g["product_id"], above, strict=True) if a < share}
    return out


def _match(p: dict[str, Any], r: RoleRules, traffic: bool, hero: bool) -> list[str]:
    """Every role whose rule holds for one SKU, in precedence order (``normal`` when none)."""
    m, x, y, z = p["medians"], p["traffic_index"], p["conversion_index"], p["atc_index"]
    uv = p["uv"] or 0
    age = p["_age"]
    hit = {
        "slow_mover": (p["on_hand"] or 0) > 0 and (p["days_since_last_sale"] is None
                                                   or p["days_since_last_sale"] >= r.slow_days)
        and (age is None or age >= r.slow_days),
        "hero": hero and (not traffic or (x is not None and x >= 1 and y is not None and y >= 1)),
        "traffic_driver": traffic and x is not None and x >= r.traffic_ratio and uv >= r.min_visitors
        and y is not None and y < r.low_conversion_ratio,
        "potential": traffic and x is not None and x < 1 and uv >= r.min_visitors
        and ((y is not None and y >= r.potential_ratio) or (z is not None and z >= r.potential_ratio)),
        "profit": p["margin"] is not None and p["margin"] >= r.margin_min and p["units"] > 0
        and m["gmv_of_sold"] is not None and p["gmv"] >= r.profit_sales_ratio * m["gmv_of_sold"],
        "new": age is not None and 0 <= age < r.new_days,
    }
    roles = [k for k in PRECEDENCE if hit.get(k)]
    return roles or ["normal"]


def classify(frame: pd.DataFrame, end: date, rules: RoleRules) -> tuple[list[dict[str, Any]], dict[str, bool]]:
    """The per-SKU rows of :func:`.roles_data.gather` -> one dict per SKU with its roles and reason."""
    if frame.empty:
        return [], {}
    f, traffic = _prepare(frame, end)
    f = f.merge(_medians(f), on=["store", "category_key"], how="left")
    heroes = _hero_candidates(f, rules.hero_gmv_share)
    products = []
    for row in f.sort_values(["store", "category_key", "product_id"]).to_dict("records"):
        medians = {k: _num(row[f"m_{k}"]) for k in MEDIANS}
        p = {"store": row["store"], "product_id": row["product_id"], "name": row["name"],
             "category": row["category"] if isinstance(row["category"], str) else None,
             "uv": _num(row["uv"]), "conversion": _num(row["conversion"]),
             "add_to_cart_rate": _num(row["add_to_cart_rate"]), "margin": _num(row["gross_margin"]),
             "units": _num(row["paid_units"]), "gmv": _num(row["gmv"]), "trend": _num(row["trend"]),
             "days_since_last_sale": row["days_since_last_sale"], "on_hand": _num(row["on_hand"]),
             "launched": row["launched"], "medians": medians}
        for k in ("uv", "units", "on_hand", "days_since_last_sale"):
            p[k] = int(p[k]) if p[k] is not None and not pd.isna(p[k]) else None
        p["traffic_index"] = _index(p["uv"], medians["uv"])
        p["conversion_index"] = _index(p["conversion"], medians["conversion"])
        p["atc_index"] = _index(p["add_to_cart_rate"], medians["add_to_cart_rate"])
        p["_age"] = row["age"]
        roles = _match(p, rules, traffic[row["store"]], (row["store"], row["product_id"]) in heroes)
        p["role"], p["roles"] = roles[0], roles
        p["reason"] = reason(roles[0], p, rules)
        del p["_age"]
        products.append(p)
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
    products, traffic = classify(data.frame, data.end, rules)
    notes = dict(data.notes)
    for s, has in sorted(traffic.items()):
        if not has:
            notes[f"roles:no_traffic:{s}"] = {k: v.format(s=s) for k, v in NO_TRAFFIC.items()}
    for p in products:
        p.pop("atc_index", None)
    currencies = {s.store_id: s.currency for s in stores}
    return RolesResult(data.start, data.end, rules, products, traffic, currencies, notes)
