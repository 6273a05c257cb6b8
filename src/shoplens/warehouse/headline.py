"""A few headline numbers for `shoplens demo` until the metrics engine (issue 3) lands.

Deliberately tiny and computed through Ibis; the metrics catalog will replace this module.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shoplens.i18n import lang
from shoplens.warehouse.connection import Warehouse

PAID = ("paid", "shipped", "delivered")


def headline_kpis(wh: Warehouse, store: str, days: int = 30) -> dict[str, Any]:
    """GMV, paid orders, paying buyers, UV and payment conversion over the store's last ``days``."""
    orders = wh.table("orders").filter(lambda t: t.store_id == store)
    events = wh.table("events").filter(lambda t: t.store_id == store)
    end = orders.created_ts.max().execute()
    if end is None:
        return {}
    start = end - timedelta(days=days)
    paid = orders.filter((orders.created_ts > start) & orders.status.isin(PAID))
    gmv = paid.gross_amount_rc.sum().execute()
    n_orders = int(paid.count().execute())
    buyers = int(paid.filter(paid.user_id.notnull()).user_id.nunique().execute())
    uv = int(events.filter(events.ts > start).user_id.nunique().execute())
    currency = wh.table("stores").filter(lambda t: t.store_id == store).reporting_currency.execute().iloc[0]
    zh = lang() == "zh"
    out: dict[str, Any] = {
        ("成交总额 GMV" if zh else "GMV") + f" ({currency})": f"{float(gmv or 0):,.2f}",
        "支付订单数" if zh else "Paid orders": n_orders,
        "支付买家数" if zh else "Paying buyers": buyers,
        "访客数 UV" if zh else "Visitors (UV)": uv,
    }
    if uv:
        out["支付转化率" if zh else "Payment conversion"] = f"{buyers / uv:.2%}"
    if buyers:
        out["客单价" if zh else "Revenue per buyer"] = f"{float(gmv or 0) / buyers:,.2f}"
    return out
