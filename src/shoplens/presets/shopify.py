"""Shopify Orders CSV export (Admin > Orders > Export), docs/presets.md#shopify-orders.

The file has one line per line item; order-level values (Financial Status, Paid at, Subtotal,
Shipping, Taxes, Total, Discount Amount, Refunded Amount, Currency, ...) are written on the
first line of an order only, so they are filled per order (``Name``) before any rule runs.

Rules that decide numbers:
- ``gross_amount`` = sum of ``Lineitem quantity x Lineitem price`` = what Shopify's reports call
  *gross sales* (before discounts and returns); ``discount`` = ``Discount Amount``; refunds come
  from ``Refunded Amount``; so shoplens' net revenue (GMV - refunds - discounts) is Shopify's
  net sales (see the doc for the shipping/tax caveat).
- ``Financial Status`` paid / partially_paid / refunded / partially_refunded: a paid order
  (``paid_ts`` = Paid at, or Created at when empty); pending / authorized: created (not paid);
  voided or a ``Cancelled at``: cancelled. Any other status quarantines the order's lines.
- an order loads whole or not at all: a refused line refuses its order's other lines
  (``order_incomplete``), since a partly loaded order would show a wrong GMV.
- timestamps carry their offset (``2024-03-01 10:15:00 -0500``) and stay absolute instants.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions
from shoplens.model import Kind
from shoplens.presets.base import FilePlan, Output, Reject
from shoplens.presets.columns import FieldSpec, fill, has_all, ignored, order_complete, pick_fields

S, I, M, TS, C = Kind.STRING, Kind.INT, Kind.MONEY, Kind.TIMESTAMP, Kind.CURRENCY

FIELDS: FieldSpec = {
    # line fields (every line)
    "name": (("Name",), S, True, True),
    "lineitem_quantity": (("Lineitem quantity",), I, True, True),
    "lineitem_price": (("Lineitem price",), M, True, True),
    "lineitem_sku": (("Lineitem sku",), S, False, False),
    # order-level fields (first line of the order only)
    "email": (("Email",), S, False, False),
    "financial_status": (("Financial Status",), S, True, False),
    "paid_at": (("Paid at",), TS, False, False),
    "fulfillment_status": (("Fulfillment Status",), S, False, False),
    "currency": (("Currency",), C, True, False),
    "shipping": (("Shipping",), M, False, False),
    "taxes": (("Taxes",), M, False, False),
    "discount_amount": (("Discount Amount",), M, False, False),
    "created_at": (("Created at",), TS, True, False),
    "cancelled_at": (("Cancelled at",), TS, False, False),
    "refunded_amount": (("Refunded Amount",), M, False, False),
    "payment_method": (("Payment Method",), S, False, False),
    "source": (("Source",), S, False, False),
    "shipping_country": (("Shipping Country",), S, False, False),
    "billing_country": (("Billing Country",), S, False, False),
}
SIGNATURE = ("Name", "Financial Status", "Lineitem quantity")

PAID = ("paid", "partially_paid", "refunded", "partially_refunded")
NOT_PAID = ("pending", "authorized", "voided")
# Shopify order Source -> channel, only where the source names a traffic channel or a non-web sale
SOURCE_CHANNELS = {"pos": "other", "shopify_draft_order": "other", "facebook": "social", "instagram": "social",
                   "tiktok": "social", "pinterest": "social", "snapchat": "social", "youtube": "social"}


def _in(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


STATUS = (f"CASE WHEN o_cancelled IS NOT NULL OR o_fin = 'voided' THEN 'cancelled' "
          f"WHEN o_fin IN {_in(NOT_PAID)} THEN 'created' "
          f"WHEN o_fulfil = 'fulfilled' THEN 'shipped' ELSE 'paid' END")
PAID_TS = f"CASE WHEN o_fin IN {_in(PAID)} THEN coalesce(o_paid, o_created) END"
CHANNEL = "CASE o_source " + " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in SOURCE_CHANNELS.items()) + " END"


class ShopifyOrdersPreset:
    name = "shopify-orders"
    description = "Shopify Orders CSV export (one line per line item)"
    description_zh = "Shopify 订单 CSV 导出（每个商品行一行）"
    expects = "orders_export.csv from Shopify admin: Orders > Export > CSV for Excel or plain CSV"
    expects_zh = "Shopify 后台 订单 > 导出 > CSV 得到的 orders_export.csv"
    timezone = ""  # the shop's own: timestamps carry their offset; a new store needs --timezone
    currency = ""  # per order (Currency); a new store needs --currency (its reporting currency)
    platform = "shopify"

    def recognise(self, header: list[str]) -> bool:
        return has_all(header, SIGNATURE)

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        fields, absent = pick_fields(header, FIELDS, path, self.name, "Shopify orders export",
                                     " Shopify 订单导出文件")
        h = {f.name: f.header for f in fields}
        store = lit(defaults["$store"])
        order = "name"
        computed = dict(absent)
        computed.update(order_complete(header, fields, ("lineitem_quantity", "lineitem_price"), order))
        computed.update({
            "line_pos": f"row_number() OVER (PARTITION BY {order} ORDER BY _line)",
            "o_email": fill("nullif(lower(trim(email)), '')", order),
            "o_fin": fill("nullif(lower(trim(financial_status)), '')", order),
            "o_fulfil": fill("nullif(lower(trim(fulfillment_status)), '')", order),
            "o_currency": fill("currency", order),
            "o_created": fill("created_at", order),
            "o_paid": fill("paid_at", order),
            "o_cancelled": fill("cancelled_at", order),
            "o_shipping": fill("shipping", order),
            "o_taxes": fill("taxes", order),
            "o_discount": fill("discount_amount", order),
            "o_refunded": fill("refunded_amount", order),
            "o_payment": fill("nullif(trim(payment_method), '')", order),
            "o_source": fill("nullif(lower(trim(source)), '')", order),
            "o_country": fill("nullif(upper(trim(coalesce(nullif(trim(shipping_country), ''), billing_country))), '')",
                              order),
        })
        items = Output("order_items", f"""
            SELECT _line, {store} AS store_id, name AS order_id, line_pos AS line_no,
                   nullif(trim(lineitem_sku), '') AS product_id, lineitem_quantity AS quantity,
                   lineitem_price AS unit_price
            FROM {{src}}""", {"order_id": h["name"], "line_no": h["name"], "quantity": h["lineitem_quantity"],
                              "unit_price": h["lineitem_price"]})
        orders = Output("orders", f"""
            SELECT {store} AS store_id, name AS order_id, any_value(o_email) AS user_id,
                   any_value(o_created) AS created_ts, any_value({PAID_TS}) AS paid_ts,
                   any_value({STATUS}) AS status, any_value(o_currency) AS currency,
                   sum(lineitem_quantity * lineitem_price) AS gross_amount, any_value(o_discount) AS discount,
                   any_value(o_shipping) AS shipping_fee, any_value(o_taxes) AS tax,
                   any_value({CHANNEL}) AS channel, any_value(o_country) AS country,
                   any_value(o_payment) AS payment_method
            FROM {{src}} GROUP BY name""", primary=False)
        refunds = Output("refunds", f"""
            SELECT {store} AS store_id, name || '-refund' AS refund_id, name AS order_id,
                   any_value(o_email) AS user_id, any_value(coalesce(o_cancelled, o_paid, o_created)) AS ts,
                   any_value(o_refunded) AS amount, any_value(o_currency) AS currency, 'refunded' AS reason
            FROM {{src}} GROUP BY name HAVING any_value(o_refunded) > 0""", primary=False)
        customers = Output("customers", f"""
            SELECT {store} AS store_id, o_email AS user_id, min(o_created) AS first_seen
            FROM {{src}} WHERE o_email IS NOT NULL GROUP BY o_email""", primary=False)
        rejects = [
            Reject("line_ok AND NOT order_ok", "order_incomplete", h["name"], "name"),
            Reject("o_fin IS NULL", "missing_required", h["financial_status"], "o_fin"),
            Reject(f"o_fin NOT IN {_in(PAID + NOT_PAID)}", "unmapped_value", h["financial_status"], "o_fin"),
            Reject("o_currency IS NULL", "missing_required", h["currency"], "o_currency"),
            Reject("o_created IS NULL", "missing_required", h["created_at"], "o_created"),
        ]
        for col, field in (("o_shipping", "shipping"), ("o_taxes", "taxes"), ("o_discount", "discount_amount"),
                           ("o_refunded", "refunded_amount")):
            if field in h:  # an order-level amount below zero would make an invalid order: refuse its lines
                rejects.append(Reject(f"{col} < 0", "negative", h[field], col))
        return FilePlan(fields=fields, outputs=[items, orders, refunds, customers], rejects=rejects,
                        computed=computed, ignored_columns=ignored(header, fields), label="order_items")


PRESET = ShopifyOrdersPreset()
