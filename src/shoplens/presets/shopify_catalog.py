"""Shopify products and customers CSV exports, docs/presets.md#shopify-products.

Products: one line per variant or extra image; Title, Vendor, Type and Status are written on the
first line of a handle only, so they are filled per ``Handle``. A variant line (it has a Variant
SKU or a Variant Price) is one product: ``product_id`` = Variant SKU, the key Shopify's orders
export writes as ``Lineitem sku``. An image-only line has nothing to load and is quarantined as
``no_variant`` so the count still balances.

Customers: ``user_id`` = the e-mail address in lower case, because the orders export carries the
e-mail and no customer id: that is the only key both files share.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions
from shoplens.model import Kind
from shoplens.presets.base import FilePlan, Output, Reject
from shoplens.presets.columns import FieldSpec, fill, has_all, ignored, pick_fields

S, M = Kind.STRING, Kind.MONEY

PRODUCT_FIELDS: FieldSpec = {
    "handle": (("Handle",), S, True, True),
    "title": (("Title",), S, True, False),
    "vendor": (("Vendor",), S, False, False),
    "type": (("Type",), S, False, False),
    "product_category": (("Product Category",), S, False, False),
    "status": (("Status",), S, False, False),
    "variant_sku": (("Variant SKU",), S, True, False),
    "variant_price": (("Variant Price",), M, True, False),
    "cost": (("Cost per item",), M, False, False),
    "gift_card": (("Gift Card",), S, False, False),  # a gift card is sold like goods but is a voucher
}
PRODUCT_STATUS = {"active": "on_sale", "draft": "off_shelf", "archived": "discontinued"}
CUSTOMER_FIELDS: FieldSpec = {
    "email": (("Email",), S, True, True),
    "country": (("Default Address Country Code", "Country Code"), S, False, False),
    "tags": (("Tags",), S, False, False),
    "total_orders": (("Total Orders",), S, True, False),  # identifies the file; the orders export has the numbers
}


class ShopifyProductsPreset:
    name = "shopify-products"
    description = "Shopify products CSV export (one line per variant or image)"
    description_zh = "Shopify 商品 CSV 导出（每个款式或图片一行）"
    expects = "products_export.csv from Shopify admin: Products > Export"
    expects_zh = "Shopify 后台 商品 > 导出 得到的 products_export.csv"
    timezone = ""
    currency = ""  # prices are in the shop's currency: a new store needs --currency
    platform = "shopify"

    def recognise(self, header: list[str]) -> bool:
        return has_all(header, ("Handle", "Variant SKU", "Variant Price"))

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        fields, absent = pick_fields(header, PRODUCT_FIELDS, path, self.name, "Shopify products export",
                                     " Shopify 商品导出文件")
        h = {f.name: f.header for f in fields}
        store, cur = lit(defaults["$store"]), lit(defaults["$store_currency"])
        computed = dict(absent)
        computed.update({
            "p_title": fill("nullif(trim(title), '')", "handle"),
            "p_vendor": fill("nullif(trim(vendor), '')", "handle"),
            "p_category": fill("coalesce(nullif(trim(type), ''), nullif(trim(product_category), ''))", "handle"),
            "p_status": fill("nullif(lower(trim(status)), '')", "handle"),
            "p_gift": fill("nullif(lower(trim(gift_card)), '')", "handle"),
            "sku": "nullif(trim(variant_sku), '')",
        })
        status = ("CASE p_status " + " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in PRODUCT_STATUS.items())
                  + " END")
        products = Output("products", f"""
            SELECT _line, {store} AS store_id, sku AS product_id, p_title AS name, p_category AS category,
                   p_vendor AS brand, variant_price AS list_price, cost AS unit_cost, {cur} AS currency,
                   coalesce({status}, 'on_sale') AS status,
                   CASE WHEN p_gift = 'true' THEN 'voucher' ELSE 'merchandise' END AS product_type
            FROM {{src}}""", {"product_id": h["variant_sku"], "list_price": h["variant_price"],
                              **({"unit_cost": h["cost"]} if "cost" in h else {})})
        image_only = "sku IS NULL AND variant_price IS NULL AND coalesce(trim(variant_price_raw), '') = ''"
        rejects = [
            Reject(image_only, "no_variant", h["handle"], "handle"),
            Reject(f"sku IS NULL AND NOT ({image_only})", "missing_required", h["variant_sku"], "''"),
        ]
        if "status" in h:
            known = ", ".join(lit(k) for k in PRODUCT_STATUS)
            rejects.append(Reject(f"p_status NOT IN ({known})", "unmapped_value", h["status"], "p_status"))
        pos = header.index(h["variant_price"]) + 1
        computed["variant_price_raw"] = f"c{pos}"
        return FilePlan(fields=fields, outputs=[products], rejects=rejects, computed=computed,
                        ignored_columns=ignored(header, fields), label="products")


class ShopifyCustomersPreset:
    name = "shopify-customers"
    description = "Shopify customers CSV export"
    description_zh = "Shopify 客户 CSV 导出"
    expects = "customers_export.csv from Shopify admin: Customers > Export"
    expects_zh = "Shopify 后台 客户 > 导出 得到的 customers_export.csv"
    timezone = ""
    currency = ""
    platform = "shopify"

    def recognise(self, header: list[str]) -> bool:
        return has_all(header, ("Email", "Total Spent", "Total Orders"))

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        fields, absent = pick_fields(header, CUSTOMER_FIELDS, path, self.name, "Shopify customers export",
                                     " Shopify 客户导出文件")
        store = lit(defaults["$store"])
        customers = Output("customers", f"""
            SELECT _line, {store} AS store_id, lower(trim(email)) AS user_id,
                   nullif(upper(trim(country)), '') AS country, nullif(trim(tags), '') AS tags
            FROM {{src}}""", {"user_id": fields[0].header})
        return FilePlan(fields=fields, outputs=[customers], computed=dict(absent),
                        ignored_columns=ignored(header, fields), label="customers")


PRODUCTS = ShopifyProductsPreset()
CUSTOMERS = ShopifyCustomersPreset()
