"""WooCommerce orders from the official Customer / Order / Coupon Export extension, docs/presets.md#woocommerce-orders.

Supported layout: the orders CSV in the extension's "Default - One Row per Item" format, whose
headers are the extension's stable column keys (order_number, order_date, status, order_currency,
item_sku, item_quantity, item_subtotal, ...). WooCommerce core's Analytics > Orders download is
not supported: it has no currency, no line amounts and formatted totals.

Rules that decide numbers (same meaning as shopify-orders):
- ``gross_amount`` = sum of ``item_subtotal`` (line amounts before coupons, WooCommerce's gross
  sales); ``discount`` = ``discount_total``; ``refunded_total`` > 0 is one refund of the order;
- status: processing -> paid, completed -> shipped, refunded -> paid (+ its refund), pending and
  on-hold -> created (not paid), cancelled and failed -> cancelled; any other status (drafts,
  a plugin's custom status) quarantines the order's lines. ``paid_ts`` = ``order_date`` for the
  paid statuses (the export has no payment time).
- ``order_date`` is the site's local time without an offset: read in the store's time zone.
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
    "order": (("order_number", "order_id"), S, True, True),
    "item_quantity": (("item_quantity",), I, True, True),
    "item_subtotal": (("item_subtotal",), M, True, True),
    "item_sku": (("item_sku",), S, False, False),
    "order_date": (("order_date",), TS, True, False),
    "status": (("status",), S, True, False),
    "order_currency": (("order_currency",), C, True, False),
    "shipping_total": (("shipping_total",), M, False, False),
    "tax_total": (("tax_total",), M, False, False),
    "discount_total": (("discount_total",), M, False, False),
    "refunded_total": (("refunded_total",), M, False, False),
    "payment_method": (("payment_method",), S, False, False),
    "billing_email": (("billing_email",), S, False, False),
    "billing_country": (("billing_country",), S, False, False),
    "shipping_country": (("shipping_country",), S, False, False),
}
STATUSES = {"processing": "paid", "completed": "shipped", "refunded": "paid", "pending": "created",
            "on-hold": "created", "cancelled": "cancelled", "failed": "cancelled"}
PAID = ("processing", "completed", "refunded")


class WooCommerceOrdersPreset:
    name = "woocommerce-orders"
    description = "WooCommerce orders (Customer / Order / Coupon Export, one row per item)"
    description_zh = "WooCommerce 订单（Customer / Order / Coupon Export 扩展，每个商品一行）"
    expects = ("orders CSV of the WooCommerce Customer / Order / Coupon Export extension "
               "(WooCommerce > Export, format Default - One Row per Item)")
    expects_zh = ("WooCommerce Customer / Order / Coupon Export 扩展导出的订单 CSV"
                  "（WooCommerce > 导出，格式 每个商品一行）")
    timezone = ""  # the site's time zone: a new store needs --timezone
    currency = ""  # per order (order_currency); a new store needs --currency
    platform = "other"

    def recognise(self, header: list[str]) -> bool:
        return has_all(header, ("order_date", "status", "order_currency", "item_quantity"))

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        fields, absent = pick_fields(header, FIELDS, path, self.name, "WooCommerce order export (one row per item)",
                                     " WooCommerce 订单导出文件（每个商品一行）")
        h = {f.name: f.header for f in fields}
        store = lit(defaults["$store"])
        g = "\"order\""
        computed = dict(absent)
        computed.update(order_complete(header, fields, ("item_quantity", "item_subtotal"), g,
                                       extra="item_quantity > 0"))
        computed.update({
            "line_pos": f"row_number() OVER (PARTITION BY {g} ORDER BY _line)",
            "o_status": fill("nullif(regexp_replace(lower(trim(status)), '^wc-', ''), '')", g),
            "o_date": fill("order_date", g),
            "o_currency": fill("order_currency", g),
            "o_shipping": fill("shipping_total", g),
            "o_tax": fill("tax_total", g),
            "o_discount": fill("discount_total", g),
            "o_refunded": fill("abs(refunded_total)", g),  # the sign varies between versions; a refund is positive
            "o_email": fill("nullif(lower(trim(billing_email)), '')", g),
            "o_payment": fill("nullif(trim(payment_method), '')", g),
            "o_country": fill("nullif(upper(trim(coalesce(nullif(trim(shipping_country), ''), billing_country))), '')",
                              g),
        })
        status = "CASE o_status " + " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in STATUSES.items()) + " END"
        paid = "(" + ", ".join(lit(s) for s in PAID) + ")"
        items = Output("order_items", f"""
            SELECT _line, {store} AS store_id, {g} AS order_id, line_pos AS line_no,
                   nullif(trim(item_sku), '') AS product_id, item_quantity AS quantity,
                   round(item_subtotal / item_quantity, 4) AS unit_price
            FROM {{src}}""", {"order_id": h["order"], "line_no": h["order"], "quantity": h["item_quantity"],
                              "unit_price": h["item_subtotal"]})
        orders = Output("orders", f"""
            SELECT {store} AS store_id, {g} AS order_id, any_value(o_email) AS user_id,
                   any_value(o_date) AS created_ts,
                   any_value(CASE WHEN o_status IN {paid} THEN o_date END) AS paid_ts,
                   any_value({status}) AS status, any_value(o_currency) AS currency,
                   sum(item_subtotal) AS gross_amount, any_value(o_discount) AS discount,
                   any_value(o_shipping) AS shipping_fee, any_value(o_tax) AS tax,
                   any_value(o_country) AS country, any_value(o_payment) AS payment_method
            FROM {{src}} GROUP BY {g}""", primary=False)
        refunds = Output("refunds", f"""
            SELECT {store} AS store_id, {g} || '-refund' AS refund_id, {g} AS order_id,
                   any_value(o_email) AS user_id, any_value(o_date) AS ts, any_value(o_refunded) AS amount,
                   any_value(o_currency) AS currency, 'refunded' AS reason
            FROM {{src}} GROUP BY {g} HAVING any_value(o_refunded) > 0""", primary=False)
        customers = Output("customers", f"""
            SELECT {store} AS store_id, o_email AS user_id, min(o_date) AS first_seen
            FROM {{src}} WHERE o_email IS NOT NULL GROUP BY o_email""", primary=False)
        known = "(" + ", ".join(lit(s) for s in STATUSES) + ")"
        rejects = [
            Reject("line_ok AND NOT order_ok", "order_incomplete", h["order"], g),
            Reject("o_status IS NULL", "missing_required", h["status"], "o_status"),
            Reject(f"o_status NOT IN {known}", "unmapped_value", h["status"], "o_status"),
            Reject("o_currency IS NULL", "missing_required", h["order_currency"], "o_currency"),
            Reject("o_date IS NULL", "missing_required", h["order_date"], "o_date"),
            Reject("item_quantity <= 0", "non_sale_adjustment", h["item_quantity"], "item_quantity"),
        ]
        for col, field in (("o_shipping", "shipping_total"), ("o_tax", "tax_total"),
                           ("o_discount", "discount_total")):
            if field in h:
                rejects.append(Reject(f"{col} < 0", "negative", h[field], col))
        return FilePlan(fields=fields, outputs=[items, orders, refunds, customers], rejects=rejects,
                        computed=computed, ignored_columns=ignored(header, fields), label="order_items")


PRESET = WooCommerceOrdersPreset()
