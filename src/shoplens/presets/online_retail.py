"""UCI Online Retail / Online Retail II invoice lines (docs/presets.md#online-retail).

Rules: an invoice starting with ``C`` is a cancellation -> one refund per line
(amount = -Quantity x UnitPrice). An invoice starting with ``A`` is an accounting adjustment
("Adjust bad debt", StockCode B), not a sale: its lines are quarantined as ``non_sale_adjustment``.
Any other invoice is an order; its lines with Quantity > 0 and UnitPrice > 0 are order items
(``line_no`` = position of the line in its invoice in the file) and the rest are quarantined as
``non_sale_adjustment``. Orders, products and customers are derived
from the lines that loaded. Both header variants are accepted. Stock codes that are not goods get their product
type (:mod:`shoplens.model.product_types`: POST/DOT/C2 shipping, M/m/D/B adjustment, S sample, BANK CHARGES /
AMAZONFEE / CRUK fee, gift_0001_* voucher); they stay in GMV and out of product analyses.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions
from shoplens.model import Column, Kind
from shoplens.model.product_types import online_retail_type_sql
from shoplens.presets.base import FilePlan, Output, Reject, SourceField

# internal name -> (accepted headers, type, required)
FIELDS: dict[str, tuple[tuple[str, ...], Kind, bool]] = {
    "invoice": (("InvoiceNo", "Invoice"), Kind.STRING, True),
    "stock_code": (("StockCode",), Kind.STRING, True),
    "description": (("Description",), Kind.STRING, False),
    "quantity": (("Quantity",), Kind.INT, True),
    "invoice_ts": (("InvoiceDate",), Kind.TIMESTAMP, True),
    "price": (("UnitPrice", "Price"), Kind.MONEY, True),
    "customer": (("CustomerID", "Customer ID"), Kind.STRING, False),
    "country": (("Country",), Kind.STRING, False),
}
IS_CANCEL = "starts_with(invoice, 'C')"
IS_ADJUSTMENT = "starts_with(invoice, 'A')"  # "Adjust bad debt" bookkeeping, never a sale


class OnlineRetailPreset:
    name = "online-retail"
    description = "UCI Online Retail (2010-2011) and Online Retail II invoice lines"
    description_zh = "UCI Online Retail（2010-2011）与 Online Retail II 发票明细行"
    timezone = "Europe/London"
    currency = "GBP"
    platform = "other"
    expects = ("Online Retail.xlsx / online_retail_II.xlsx (or CSV) from the UCI Machine Learning Repository "
               "(archive.ics.uci.edu, data sets 352 and 502)")
    expects_zh = ("UCI 机器学习库的 Online Retail.xlsx / online_retail_II.xlsx（或 CSV），"
                  "archive.ics.uci.edu 数据集 352 与 502")

    def recognise(self, header: list[str]) -> bool:
        """Invoice, StockCode and InvoiceDate headers (either variant)."""
        names = {h.strip().lstrip("\ufeff") for h in header}
        return all(any(a in names for a in FIELDS[n][0]) for n in ("invoice", "stock_code", "invoice_ts"))

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        fields, missing = [], []
        for name, (accepted, kind, required) in FIELDS.items():
            found = next((h for h in header if h.strip() in accepted), None)
            if found is None:
                if required:
                    missing.append(" or ".join(accepted))
                continue
            fields.append(SourceField(found, name, Column(name, kind, "", required=required)))
        if missing:
            raise SchemaError(f"not an Online Retail export: missing {', '.join(missing)}", where=str(path),
                              hint="expected InvoiceNo/Invoice, StockCode, Quantity, InvoiceDate, "
                              "UnitPrice/Price, CustomerID/Customer ID, Country",
                              zh=f"不是 Online Retail 导出文件：缺少列 {', '.join(missing)}",
                              zh_hint="应包含列 InvoiceNo/Invoice, StockCode, Quantity, InvoiceDate, "
                              "UnitPrice/Price, CustomerID/Customer ID, Country")
        by_name = {f.name: f.header for f in fields}
        store, cur = lit(defaults["$store"]), lit(defaults["$store_currency"])
        items = Output("order_items", f"""
            SELECT _line, {store} AS store_id, invoice AS order_id, line_pos AS line_no,
                   stock_code AS product_id, quantity, price AS unit_price
            FROM {{src}} WHERE NOT {IS_CANCEL}""",
            {"order_id": by_name["invoice"], "quantity": by_name["quantity"], "unit_price": by_name["price"]})
        refunds = Output("refunds", f"""
            SELECT _line, {store} AS store_id, invoice || '-' || line_pos AS refund_id, customer AS user_id,
                   invoice_ts AS ts, -(quantity * price) AS amount, {cur} AS currency,
                   'cancellation' AS reason, stock_code AS product_id
            FROM {{src}} WHERE {IS_CANCEL}""",
            {"refund_id": by_name["invoice"], "ts": by_name["invoice_ts"], "amount": by_name["quantity"]})
        orders = Output("orders", f"""
            SELECT {store} AS store_id, invoice AS order_id, arg_min(customer, _line) AS user_id,
                   min(invoice_ts) AS created_ts, min(invoice_ts) AS paid_ts, 'paid' AS status,
                   {cur} AS currency, sum(quantity * price) AS gross_amount,
                   arg_min(country, _line) AS country
            FROM {{src}} WHERE NOT {IS_CANCEL} GROUP BY invoice""", primary=False)
        products = Output("products", f"""
            SELECT {store} AS store_id, stock_code AS product_id,
                   arg_max(description, _line) FILTER (WHERE description IS NOT NULL) AS name,
                   {cur} AS currency, 'on_sale' AS status, {online_retail_type_sql('stock_code')} AS product_type
            FROM {{src}} GROUP BY stock_code""", primary=False)
        customers = Output("customers", f"""
            SELECT {store} AS store_id, customer AS user_id, min(invoice_ts) AS first_seen,
                   arg_max(country, _line) AS country
            FROM {{src}} WHERE customer IS NOT NULL GROUP BY customer""", primary=False)
        adjustment = Reject(
            where=f"NOT {IS_CANCEL} AND (quantity <= 0 OR price <= 0 OR {IS_ADJUSTMENT})",
            reason="non_sale_adjustment",
            column=by_name["quantity"],
            value_sql="format('{} (UnitPrice {})', quantity, price)")
        return FilePlan(
            fields=fields, outputs=[items, refunds, orders, products, customers], rejects=[adjustment],
            computed={"line_pos": "row_number() OVER (PARTITION BY invoice ORDER BY _line)"},
            label="order_items,refunds")


PRESET = OnlineRetailPreset()
