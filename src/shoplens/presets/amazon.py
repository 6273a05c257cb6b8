"""Amazon Seller Central "All Orders" report, tab-separated (docs/presets.md#amazon-orders).

One line per item, several lines per order. Each line is an **order item** (``line_no`` = its
position in its order in file order); orders and products are derived from the lines that loaded.

- ``item-price`` is the line total (unit price x quantity, as Amazon documents it), so
  ``orders.gross_amount`` = sum of ``item-price`` and ``unit_price`` = item-price / quantity.
- Pending orders carry no price yet: status ``created``, amount 0, no ``paid_ts``; the next
  report (re-import) replaces them with the priced version.
- ``purchase-date`` carries its UTC offset and stays that absolute instant.
- ``sales-channel`` names the marketplace: ``orders.country`` is its country (Amazon.de -> DE),
  ``ship-country`` only where the channel is no known marketplace. ``Non-Amazon`` lines are
  Multi-Channel Fulfillment of orders sold elsewhere: quarantined (``not_allowed``) so they are not
  counted as Amazon sales.
- Amazon writes promotion discounts negative in some marketplaces: their absolute value is the discount.
  ``discount`` is the item promotions only (gross_amount has no shipping); a shipping promotion
  lowers ``shipping_fee`` (shipping-price − ship-promotion-discount, what the buyer paid for shipping).
"""

from __future__ import annotations

from pathlib import Path

from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions, first_line
from shoplens.model import Column, Kind
from shoplens.presets.amazon_common import (
    AMAZON_CURRENCY,
    AMAZON_TIMEZONE,
    MARKETPLACES,
    find,
    lookup_sql,
    norm,
    wrong_file,
)
from shoplens.presets.base import FilePlan, Output, Reject, SourceField

S, I, M = Kind.STRING, Kind.INT, Kind.MONEY
# internal name -> (accepted normalised headers, type, required)
FIELDS: dict[str, tuple[tuple[str, ...], Kind, bool]] = {
    "order_id": (("amazon-order-id",), S, True),
    "purchased": (("purchase-date",), Kind.TIMESTAMP, True),
    "order_status": (("order-status",), S, True),
    "sales_channel": (("sales-channel",), S, False),
    "product_name": (("product-name",), S, False),
    "sku": (("sku",), S, False),
    "asin": (("asin",), S, False),
    "quantity": (("quantity", "quantity-purchased"), I, True),
    "currency": (("currency",), Kind.CURRENCY, False),
    "item_price": (("item-price",), M, False),
    "item_tax": (("item-tax",), M, False),
    "shipping_price": (("shipping-price",), M, False),
    "shipping_tax": (("shipping-tax",), M, False),
    "item_discount": (("item-promotion-discount",), M, False),
    "ship_discount": (("ship-promotion-discount",), M, False),
    "ship_country": (("ship-country",), S, False),
}
# order-status (lower case) -> canonical status; anything else is quarantined with the value
STATUSES: dict[str, str] = {
    "pending": "created", "pendingavailability": "created", "pending availability": "created",
    "unshipped": "paid", "shipping": "paid", "invoiceunconfirmed": "paid",
    "partiallyshipped": "shipped", "partially shipped": "shipped", "shipped": "shipped",
    "shipped - delivered to buyer": "delivered", "complete": "delivered",
    "canceled": "cancelled", "cancelled": "cancelled",
}
SIGNATURE = ("amazon-order-id", "purchase-date", "order-status")


def _zero(name: str) -> str:
    return f"coalesce({name}, 0)"


class AmazonOrdersPreset:
    name = "amazon-orders"
    description = "Amazon Seller Central All Orders report (tab-separated, one line per item)"
    description_zh = "亚马逊卖家中心「所有订单」报告（制表符分隔，每件商品一行）"
    expects = ("Seller Central > Reports > Fulfillment > All Orders (or Order Reports): the .txt/.tsv "
               "with amazon-order-id, purchase-date, order-status, sku, asin, quantity, item-price, currency")
    expects_zh = ("卖家中心 > 数据报告 > 库存和销售报告 > 所有订单：含 amazon-order-id、purchase-date、"
                  "order-status、sku、asin、quantity、item-price、currency 的 .txt/.tsv 文件")
    timezone = AMAZON_TIMEZONE
    currency = AMAZON_CURRENCY
    platform = "amazon"

    def recognise(self, header: list[str]) -> bool:
        names = {norm(h) for h in header}
        return all(s in names for s in SIGNATURE)

    def read_options(self, path: Path) -> ReadOptions:
        # Amazon writes tabs; anything else is sniffed, so a wrong file still shows its real columns
        return ReadOptions(header=True, delimiter="\t" if "\t" in first_line(path) else None)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        found = {name: find(header, *accepted) for name, (accepted, _k, _r) in FIELDS.items()}
        if not self.recognise(header) or found["quantity"] is None:
            raise wrong_file(path, header, self.name, "an Amazon All Orders report", "亚马逊「所有订单」报告",
                             "amazon-order-id, purchase-date, order-status, quantity, item-price (tab-separated)")
        fields = [SourceField(found[n], n, Column(n, kind, "", required=req))
                  for n, (_a, kind, req) in FIELDS.items() if found[n] is not None]
        absent = {n: f"CAST(NULL AS {Column(n, kind, '').sql_type})"
                  for n, (_a, kind, _r) in FIELDS.items() if found[n] is None}
        store, cur = lit(defaults["$store"]), lit(defaults["$store_currency"])
        status = lookup_sql(STATUSES, "lower(trim(order_status))")
        market = lookup_sql(MARKETPLACES, "lower(trim(sales_channel))")
        items = Output("order_items", f"""
            SELECT _line, {store} AS store_id, order_id, line_pos AS line_no, coalesce(asin, sku) AS product_id,
                   quantity,
                   CASE WHEN quantity > 0 THEN CAST({_zero('item_price')} / quantity AS DECIMAL(18,4))
                        ELSE {_zero('item_price')} END AS unit_price
            FROM {{src}}""",
            {"order_id": found["order_id"], "line_no": found["order_id"], "quantity": found["quantity"],
             "unit_price": found["item_price"] or found["quantity"]})
        orders = Output("orders", f"""
            SELECT {store} AS store_id, order_id, CAST(NULL AS VARCHAR) AS user_id,
                   min(purchased) AS created_ts,
                   CASE WHEN arg_min({status}, _line) IN ('created', 'cancelled') THEN NULL
                        ELSE min(purchased) END AS paid_ts,
                   arg_min({status}, _line) AS status,
                   coalesce(arg_min(currency, _line) FILTER (WHERE currency IS NOT NULL), {cur}) AS currency,
                   sum({_zero('item_price')}) AS gross_amount,
                   sum(abs({_zero('item_discount')})) AS discount,
                   greatest(sum({_zero('shipping_price')}) - sum(abs({_zero('ship_discount')})), 0) AS shipping_fee,
                   sum({_zero('item_tax')} + {_zero('shipping_tax')}) AS tax,
                   coalesce(arg_min({market}, _line), upper(trim(arg_min(ship_country, _line)))) AS country
            FROM {{src}} GROUP BY order_id""", primary=False)
        products = Output("products", f"""
            SELECT {store} AS store_id, coalesce(asin, sku) AS product_id,
                   arg_max(product_name, _line) FILTER (WHERE product_name IS NOT NULL) AS name,
                   {cur} AS currency, 'on_sale' AS status
            FROM {{src}} WHERE coalesce(asin, sku) IS NOT NULL GROUP BY ALL""", primary=False)
        rejects = [
            Reject(f"{status} IS NULL", "not_allowed", found["order_status"], "order_status"),
            Reject("lower(trim(sales_channel)) = 'non-amazon'", "not_allowed", found["sales_channel"] or "",
                   "sales_channel || ' (Multi-Channel Fulfillment of a sale made elsewhere)'"),
            Reject("item_price < 0", "negative", found["item_price"] or "", "item_price"),
        ]
        used = {f.header for f in fields}
        return FilePlan(fields=fields, outputs=[items, orders, products], rejects=rejects,
                        computed={**absent, "line_pos": "row_number() OVER (PARTITION BY order_id ORDER BY _line)"},
                        ignored_columns=[h for h in header if h not in used], label="order_items")


PRESET = AmazonOrdersPreset()
