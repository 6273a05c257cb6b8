"""淘宝/天猫 seller-centre 订单报表 (+ its 宝贝报表) -> orders, refunds, order_items, products
(docs/presets.md#tmall-orders).

The order report has one line per order; the item report one line per item of an order (the same
订单编号). Both are recognised by their header, so they import together or alone:
``shoplens import --preset tmall-orders 订单报表.csv 宝贝报表.csv``.

Order rules (why: 生意参谋 counts a paid order in 支付金额 and never removes it after a refund):
- 订单状态: 交易成功 = delivered, 买家已付款，等待卖家发货 = paid, 卖家已发货，等待买家确认 = shipped,
  等待买家付款 = created, 交易关闭 = cancelled; any other status is quarantined (``unknown_status``).
  A 交易关闭 order that was paid (订单付款时间 set) keeps paid_ts, so it stays a paid order in GMV,
  and gets a refund of 退款金额 (or, when that is empty, of 买家实际支付金额 − 买家应付邮费): closing a
  paid Taobao order means it was fully refunded. A refund is the goods part only, at most
  买家应付货款, because GMV has no postage.
- gross_amount = 买家应付货款 (goods after the seller's price changes), shipping_fee = 买家应付邮费,
  discount = 总金额 − 买家实际支付金额 (coupons, 红包, points the buyer did not pay) for an order that
  was paid and not closed; 退款金额 > 0 is a refund row ``{订单编号}-refund`` dated at payment (the
  order report has no refund time).
- 订单编号 (19 digits) stays text, also when written Excel-safe as ="…"; times are Asia/Shanghai; money
  CNY; country CN (Tmall ships within China).
- 店铺名称: a file holds one shop. Lines of another shop than the file's most frequent one are
  quarantined (``other_store``), so one seller's two shops never mix in one store.
Item rules: order_items (line_no = position of the line in its order in the file), product_id =
商家编码, else 外部系统编号, else 标题; products (name = 标题) are derived.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions
from shoplens.model import Kind
from shoplens.presets.base import FilePlan, Output, Reject
from shoplens.presets.cn_common import Fields, clean_id, has_all, resolve, wrong_kind

S, I, M, T = Kind.STRING, Kind.INT, Kind.MONEY, Kind.TIMESTAMP

ORDER_FIELDS: Fields = {
    "order_raw": (("订单编号", "订单号"), S, True),
    "buyer": (("买家会员名", "买家昵称"), S, False),
    "goods": (("买家应付货款",), M, True),
    "postage": (("买家应付邮费",), M, False),
    "total": (("总金额",), M, False),
    "actual": (("买家实际支付金额",), M, False),
    "state": (("订单状态",), S, True),
    "created": (("订单创建时间",), T, True),
    "paid": (("订单付款时间", "订单付款时间 "), T, False),
    "units": (("宝贝总数量",), I, False),
    "refund": (("退款金额",), M, False),
    "address": (("收货地址", "收货地址 "), S, False),
    "shop": (("店铺名称",), S, False),
}
ITEM_FIELDS: Fields = {
    "order_raw": (("订单编号", "订单号"), S, True),
    "title": (("标题", "宝贝标题", "商品标题"), S, False),
    "price": (("价格", "商品价格"), M, True),
    "quantity": (("购买数量",), I, True),
    "outer_id": (("外部系统编号",), S, False),
    "sku_code": (("商家编码",), S, False),
}
ORDER_SIGNATURE = ("订单编号", "买家应付货款", "订单状态")
ITEM_SIGNATURE = ("订单编号", "标题", "价格", "购买数量")
EXPECTED = ("订单编号, 买家应付货款, 订单状态, 订单创建时间 (订单报表) or 订单编号, 标题, 价格, 购买数量 (宝贝报表)",
            "订单编号、买家应付货款、订单状态、订单创建时间（订单报表）或 订单编号、标题、价格、购买数量（宝贝报表）")
STATUSES: dict[str, str] = {
    "交易成功": "delivered",
    "买家已付款，等待卖家发货": "paid",
    "卖家已发货，等待买家确认": "shipped",
    "等待买家付款": "created",
    "交易关闭": "cancelled",
}


def _status(expr: str) -> str:
    # the comma is full-width in the export; a half-width one (re-saved by hand) means the same
    norm = f"replace(trim({expr}), ',', '，')"
    return "(CASE " + " ".join(f"WHEN {norm} = {lit(k)} THEN {lit(v)}" for k, v in STATUSES.items()) + " END)"


def _named(sources: dict[str, str]) -> dict[str, str]:
    """Canonical column -> source header, for the headers the file has."""
    return {k: v for k, v in sources.items() if v}


class TmallOrdersPreset:
    name = "tmall-orders"
    description = "淘宝/天猫 seller-centre order report (订单报表) and its item report (宝贝报表)"
    description_zh = "淘宝/天猫卖家中心 订单报表 及其 宝贝报表"
    expects = ("卖家中心 > 已卖出的宝贝 > 批量导出 (订单报表, GBK CSV: 订单编号, 买家应付货款, 订单状态, "
               "订单创建时间…) and optionally its 宝贝报表 (订单编号, 标题, 价格, 购买数量, 商家编码)")
    expects_zh = ("卖家中心 > 已卖出的宝贝 > 批量导出 的 订单报表（GBK CSV：订单编号、买家应付货款、订单状态、"
                  "订单创建时间…）及可选的 宝贝报表（订单编号、标题、价格、购买数量、商家编码）")
    timezone = "Asia/Shanghai"
    currency = "CNY"
    platform = "tmall_global"

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True, delimiter=",")

    def recognise(self, header: list[str]) -> bool:
        return has_all(header, ORDER_SIGNATURE) or has_all(header, ITEM_SIGNATURE)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        is_items = has_all(header, ITEM_SIGNATURE) and not has_all(header, ORDER_SIGNATURE)
        fields, absent, missing = resolve(ITEM_FIELDS if is_items else ORDER_FIELDS, header)
        if missing:
            raise wrong_kind(self.name, ("淘宝/天猫 订单报表 or 宝贝报表", "淘宝/天猫订单报表或宝贝报表"), header, path,
                             missing, EXPECTED)
        by = {f.name: f.header for f in fields}
        store = lit(defaults["$store"])
        computed = {**absent, "oid": clean_id("order_raw")}
        missing_id = Reject("oid IS NULL", "missing_required", by["order_raw"], "order_raw")
        used = set(by.values())
        common = {"fields": fields, "computed": computed, "ignored_columns": [h for h in header if h not in used]}
        if is_items:
            computed["line_pos"] = "row_number() OVER (PARTITION BY oid ORDER BY _line)"
            return FilePlan(outputs=self._items(store, by), rejects=[missing_id], label="order_items", **common)
        computed["status_code"] = _status("state")
        computed["main_shop"] = "mode(shop) OVER ()"
        rejects = [
            missing_id,
            Reject("status_code IS NULL", "unknown_status", by["state"], "state"),
            Reject("shop IS NOT NULL AND shop <> main_shop", "other_store", by.get("shop", by["state"]),
                   "shop || ' (file: ' || main_shop || ')'"),
        ]
        return FilePlan(outputs=self._orders(store, by), rejects=rejects, label="orders,refunds", **common)

    @staticmethod
    def _orders(store: str, by: dict[str, str]) -> list[Output]:
        closed_paid = "status_code = 'cancelled' AND paid IS NOT NULL"
        # the goods part only: GMV (买家应付货款) has no postage, so neither may its refund (else net GMV
        # is understated and the refund rate can pass 100 %)
        paid_goods = "greatest(coalesce(actual, total) - coalesce(postage, 0), 0)"
        refund = (f"(CASE WHEN refund > 0 THEN nullif(least(refund, goods), 0)"
                  f" WHEN {closed_paid} THEN nullif(least({paid_goods}, goods), 0) END)")
        orders = Output("orders", f"""
            SELECT _line, {store} AS store_id, oid AS order_id, buyer AS user_id, created AS created_ts,
                   paid AS paid_ts, status_code AS status, 'CNY' AS currency, goods AS gross_amount,
                   CASE WHEN paid IS NOT NULL AND status_code <> 'cancelled' AND total IS NOT NULL
                        AND actual IS NOT NULL THEN greatest(total - actual, 0) END AS discount,
                   postage AS shipping_fee, CASE WHEN address IS NOT NULL THEN 'CN' END AS country
            FROM {{src}}""",
            _named({"order_id": by["order_raw"], "user_id": by.get("buyer", ""), "created_ts": by["created"],
             "paid_ts": by.get("paid", ""), "status": by["state"], "gross_amount": by["goods"],
             "shipping_fee": by.get("postage", ""), "discount": by.get("total", "")}))
        refunds = Output("refunds", f"""
            SELECT {store} AS store_id, oid || '-refund' AS refund_id, oid AS order_id, buyer AS user_id,
                   coalesce(paid, created) AS ts, {refund} AS amount, 'CNY' AS currency,
                   CASE WHEN {closed_paid} THEN 'order_closed_after_payment' ELSE 'refund' END AS reason
            FROM {{src}} WHERE {refund} IS NOT NULL""", primary=False)  # from the orders that loaded
        return [orders, refunds]

    @staticmethod
    def _items(store: str, by: dict[str, str]) -> list[Output]:
        pid = "coalesce(nullif(trim(sku_code), ''), nullif(trim(outer_id), ''), nullif(trim(title), ''))"
        items = Output("order_items", f"""
            SELECT _line, {store} AS store_id, oid AS order_id, line_pos AS line_no, {pid} AS product_id,
                   quantity, price AS unit_price
            FROM {{src}}""",
            {"order_id": by["order_raw"], "quantity": by["quantity"], "unit_price": by["price"],
             "product_id": by.get("sku_code", by.get("title", by["order_raw"]))})
        products = Output("products", f"""
            SELECT {store} AS store_id, {pid} AS product_id,
                   arg_max(title, _line) FILTER (WHERE title IS NOT NULL) AS name, 'CNY' AS currency
            FROM {{src}} WHERE {pid} IS NOT NULL GROUP BY {pid}""", primary=False)
        return [items, products]


PRESET = TmallOrdersPreset()
