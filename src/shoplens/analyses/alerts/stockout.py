"""The ``stockout`` rule kind: an A-class SKU (ABC by GMV over the last ``abc_days`` days up to the checked day)
with nothing on hand in that day's inventory snapshot (``stock_units`` by product: warehouses summed).

Without ABC every SKU at zero stock would page; with it only the SKUs that carry the store do. A SKU without a
snapshot that day is not judged (no snapshot is no fact), nor is a store without sales in the window.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shoplens.errors import ShoplensError


def stockout(engine: Any, rule: Any, store: str, day: date, alert: Any) -> list[dict[str, Any]]:
    """The alerts of one stockout rule for ``store`` on ``day``; ``alert`` builds one (evaluate._alert)."""
    from shoplens.analyses.products.abc import products_abc

    p = rule.params
    where = {k: v for k, v in rule.scope.items() if k != "store"}
    rows = engine.query([str(rule.metric)], by=["product"], start=day, end=day, where=where or None, store=store,
                        targets=False).rows
    stock = {r["product"]: r.get(rule.metric) for r in rows if r.get(rule.metric) is not None}
    if not stock:
        return []
    try:
        abc = products_abc(engine.wh, "gmv", start=day - timedelta(days=p["abc_days"] - 1), end=day, store=store,
                           previous=False)
    except ShoplensError:  # no sales in the window: no class to judge by
        return []
    classes = {r["product_id"]: r["class"] for r in abc.products}
    return [alert(rule, engine, store, {"product": pid}, day, value, 0.0, extra={"abc_class": classes[pid]})
            for pid, value in sorted(stock.items()) if value <= 0 and classes.get(pid) in p["classes"]]
