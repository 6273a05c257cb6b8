"""One product's reviews and refunds for the dashboard's product 360 (商品360) view.

The metrics catalog has the product's DSR averages and refund amount / rate; what it cannot give is
the spread behind them: how many reviews, the average star rating and how many of each star, and
the refunds by reason (count and amount). Rows count by their own local date (review ``ts``, refund
``ts``) in the store's time zone, as the metrics engine does, and a refund belongs to the product
named on it (``refunds.product_id``), so ``refunds.amount`` here sums to the catalog's
``refund_amount`` with ``where=product=ID``. Money is the store's reporting currency (``amount_rc``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from shoplens.analyses.context import open_context
from shoplens.analyses.filters import check_literal
from shoplens.errors import NotFoundError, ShoplensError


@dataclass(frozen=True)
class ProductDetail:
    store: str
    product: str
    start: date
    end: date
    currency: str
    reviews: dict[str, Any] = field(default_factory=dict)  # count, rating, by_rating [{rating, count}]
    refunds: dict[str, Any] = field(default_factory=dict)  # count, amount, reasons [{reason, count, amount}]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["start"], d["end"] = self.start.isoformat(), self.end.isoformat()
        return d


def product_detail(wh: Any, *, store: str | list[str] | None = None, product: str, start: date | str | None = None,
                   end: date | str | None = None) -> ProductDetail:
    """Reviews and refunds of ``product`` in one store's local dates ``start``..``end`` (default: all data)."""
    check_literal(product, "product")
    ctx = open_context(wh, store=store, start=start, end=end)
    if ctx.multi_store:
        raise ShoplensError("product detail is for one store", where="store", hint="pick one store: store=ID",
                            zh="商品详情只针对一个店铺", zh_hint="请选择一个店铺：store=ID")
    info, scope = ctx.scope.stores[0], ctx.scope
    known = wh.con.execute("SELECT count(*) FROM products WHERE store_id = ? AND product_id = ?",
                           [info.store_id, product]).fetchone()[0]
    if not known:
        raise NotFoundError(f"unknown product {product!r} in store {info.store_id}", where="product",
                            hint="pick a product id from the product table (GET /api/v1/values/product)",
                            zh=f"店铺 {info.store_id} 中没有商品 {product!r}", zh_hint="请从商品表中选择商品 ID")
    where_v = f"{scope.store_filter('v')} AND {scope.ts_range('v', 'v.ts')} AND v.product_id = ?"
    stars = wh.con.execute(f"SELECT v.rating, count(*) FROM reviews v WHERE {where_v} AND v.rating IS NOT NULL"
                           " GROUP BY 1 ORDER BY 1 DESC", [product]).fetchall()
    count, rating = wh.con.execute(f"SELECT count(*), avg(v.rating) FROM reviews v WHERE {where_v}",
                                   [product]).fetchone()
    where_r = f"{scope.store_filter('r')} AND {scope.ts_range('r', 'r.ts')} AND r.product_id = ?"
    reasons = wh.con.execute(f"SELECT r.reason, count(*), sum(r.amount_rc) FROM refunds r WHERE {where_r}"
                             " GROUP BY 1 ORDER BY 3 DESC NULLS LAST, 1", [product]).fetchall()
    return ProductDetail(
        info.store_id, product, ctx.start, ctx.end, info.currency,
        reviews={"count": int(count), "rating": None if rating is None else float(rating),
                 "by_rating": [{"rating": int(r), "count": int(n)} for r, n in stars]},
        refunds={"count": sum(int(n) for _, n, _ in reasons),
                 "amount": float(sum(a or 0 for _, _, a in reasons)) if reasons else 0.0,
                 "reasons": [{"reason": r, "count": int(n), "amount": None if a is None else float(a)}
                             for r, n, a in reasons]})
