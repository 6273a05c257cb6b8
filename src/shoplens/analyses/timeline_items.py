"""The rows of one user's timeline: one SQL per kind, then one flat row per item with a description.

Every query filters on ``store_id`` and ``user_id`` first (bound parameters), so it reads one
user's rows; each returns the kind's newest ``limit`` rows plus the kind's total (counted before
the LIMIT), which is all the caller needs to keep the newest N items overall and say how many
were left out. Refunds, reviews and tickets belong to the user when they carry the user id OR
name one of the user's orders (sources that fill only one of the two still link); shipments
carry no user and link through the order only.

Rows share one flat schema (``COLUMNS``) so JSON, CSV and the DataFrame have stable keys; a
field a kind does not have is None. ``amount`` is in the store's reporting currency (``*_rc``),
``original_amount`` / ``original_currency`` are what the customer paid or got back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from shoplens.i18n import LABELS, lang, register_labels, t
from shoplens.metrics.sources import PAID_ORDER
from shoplens.model.vocab import CHANNELS
from shoplens.value_labels import cell
from shoplens.warehouse.scope import Scope

KINDS = ("event", "order", "shipment", "refund", "review", "ticket")  # also the order of same-time items
COLUMNS = ("ts", "local_time", "kind", "id", "event", "description", "order_id", "product_id", "product_name",
           "channel", "device", "session_id", "status", "paid", "units", "products", "amount", "original_amount",
           "original_currency", "reason", "rating", "ticket_kind", "response_minutes", "resolution_hours", "carrier",
           "delivery_days")

EVENT_COLUMNS = ("store_id, ts, event_id, event, session_id, product_id, channel, device, country,"
                 " json_extract_string(properties, '$.order_id') AS order_id, user_id")
USER_ORDERS = "SELECT order_id FROM orders WHERE store_id = $store AND user_id = $user"
PRODUCT_NAME = "LEFT JOIN products p ON p.store_id = {a}.store_id AND p.product_id = {a}.product_id"


def _linked(alias: str) -> str:
    return f"{alias}.store_id = $store AND ({alias}.user_id = $user OR {alias}.order_id IN ({USER_ORDERS}))"


# kind -> (alias, time column, SELECT list without ts/total, FROM ... WHERE (the user's rows))
SQL: dict[str, tuple[str, str, str, str]] = {
    "event": ("e", "ts",
              "e.event_id AS id, e.event, e.session_id, e.product_id, p.name AS product_name, e.channel, e.device,"
              " e.order_id",
              "{events} e " + PRODUCT_NAME.format(a="e") + " WHERE e.store_id = $store AND e.user_id = $user"),
    "order": ("o", "created_ts",
              "o.order_id AS id, o.order_id, o.status, o.paid_ts, " + PAID_ORDER.format(o="o") + " AS paid,"
              " CAST(o.gross_amount_rc AS DOUBLE) AS amount, CAST(o.gross_amount AS DOUBLE) AS original_amount,"
              " o.currency AS original_currency, o.channel, o.device, i.units, i.products",
              "orders o LEFT JOIN (SELECT order_id, sum(quantity) AS units, string_agg(coalesce(product_id, '?')"
              " || '×' || quantity, ', ' ORDER BY line_no) AS products FROM order_items WHERE store_id = $store"
              f" AND order_id IN ({USER_ORDERS}) GROUP BY order_id) i ON i.order_id = o.order_id"
              " WHERE o.store_id = $store AND o.user_id = $user"),
    "shipment": ("s", "shipped_ts",
                 "s.shipment_id AS id, s.order_id, s.status, s.carrier, s.promised_days,"
                 " (epoch(s.delivered_ts) - epoch(s.shipped_ts)) / 86400.0 AS delivery_days",
                 f"shipments s WHERE s.store_id = $store AND s.order_id IN ({USER_ORDERS})"),
    "refund": ("r", "ts",
               "r.refund_id AS id, r.order_id, r.product_id, p.name AS product_name, r.reason,"
               " CAST(r.amount_rc AS DOUBLE) AS amount, CAST(r.amount AS DOUBLE) AS original_amount,"
               " r.currency AS original_currency",
               f"refunds r {PRODUCT_NAME.format(a='r')} WHERE {_linked('r')}"),
    "review": ("v", "ts",
               "v.review_id AS id, v.order_id, v.product_id, p.name AS product_name, v.rating",
               f"reviews v {PRODUCT_NAME.format(a='v')} WHERE {_linked('v')}"),
    "ticket": ("k", "opened_ts",
               "k.ticket_id AS id, k.order_id, k.kind AS ticket_kind, k.resolved_ts,"
               " (epoch(k.first_response_ts) - epoch(k.opened_ts)) / 60.0 AS response_minutes,"
               " (epoch(k.resolved_ts) - epoch(k.opened_ts)) / 3600.0 AS resolution_hours",
               f"service_tickets k WHERE {_linked('k')}"),
}

register_labels({
    "tl_kind_event": ("行为", "event"), "tl_kind_order": ("订单", "order"), "tl_kind_shipment": ("物流", "shipment"),
    "tl_kind_refund": ("退款", "refund"), "tl_kind_review": ("评价", "review"), "tl_kind_ticket": ("客服", "ticket"),
    "tl_ev_page_view": ("浏览页面", "Page view"), "tl_ev_product_view": ("浏览商品", "Product view"),
    "tl_ev_search": ("搜索", "Search"), "tl_ev_add_to_cart": ("加入购物车", "Add to cart"),
    "tl_ev_favorite": ("收藏", "Favorite"), "tl_ev_begin_checkout": ("去结算", "Begin checkout"),
    "tl_ev_purchase": ("支付", "Purchase"),
    "tl_st_created": ("待支付", "not paid"), "tl_st_paid": ("已支付", "paid"), "tl_st_shipped": ("已发货", "shipped"),
    "tl_st_delivered": ("已签收", "delivered"), "tl_st_cancelled": ("已取消", "cancelled"),
    "tl_ship_in_transit": ("运输中", "in transit"), "tl_ship_delivered": ("已送达", "delivered"),
    "tl_ship_lost": ("丢件", "lost"), "tl_ship_returned": ("已退回", "returned"),
    "tl_tk_inquiry": ("咨询", "inquiry"), "tl_tk_complaint": ("投诉", "complaint"),
    "tl_tk_return": ("退换货", "return"),
    "tl_d_order": ("下单 {id}", "Order {id}"), "tl_d_paid_at": ("{time} 支付", "paid {time}"),
    "tl_d_units": ("{n} 件：{products}", "qty {n}: {products}"),
    "tl_d_shipment": ("发货（订单 {order}）", "Shipped order {order}"),
    "tl_d_delivery": ("{days:.1f} 天送达", "delivered in {days:.1f} days"),
    "tl_d_promised": ("承诺 {n} 天", "promised {n}"),
    "tl_d_refund": ("退款 {amount}", "Refund {amount}"), "tl_d_of_order": ("订单 {order}", "order {order}"),
    "tl_d_reason": ("原因：{reason}", "reason: {reason}"),
    "tl_d_review": ("评价 {rating} 星", "Review {rating}★"),
    "tl_d_ticket": ("客服工单：{kind}", "Service ticket: {kind}"),
    "tl_d_response": ("{minutes:.0f} 分钟首次响应", "first response in {minutes:.0f} min"),
    "tl_d_resolved": ("{hours:.1f} 小时解决", "resolved in {hours:.1f} h"),
    "tl_d_unresolved": ("未解决", "not resolved"),
})


def fetch(wh: Any, store: str, user: str, scope: Scope, kinds: tuple[str, ...], limit: int | None,
          events: str) -> tuple[dict[str, pd.DataFrame], int]:
    """Each kind's newest ``limit`` rows in the scope's local dates, and the total over all kinds.

    ``events`` names the relation holding the user's events (``EVENT_COLUMNS``): the caller reads
    them from ``events`` once, because that is the one table too big to scan several times.
    """
    frames, total = {}, 0
    for kind in kinds:
        alias, col, select, source = SQL[kind]
        source = source.replace("{events}", events)
        # a scalar subquery, not count(*) OVER (): DuckDB 1.4 can fail on a filtered window count followed by
        # ORDER BY .. LIMIT now and then (duckdb/duckdb#22846, #25713)
        sql = (f"WITH rows AS (SELECT {alias}.{col} AS ts, {select} FROM {source}"
               f" AND {scope.ts_range(alias, f'{alias}.{col}')})"
               " SELECT *, (SELECT count(*) FROM rows) AS _total FROM rows ORDER BY ts DESC, id DESC")
        if limit:
            sql += f" LIMIT {int(limit)}"
        df = wh.con.execute(sql, {"store": store, "user": user}).df()
        total += int(df["_total"].iloc[0]) if len(df) else 0
        frames[kind] = df.drop(columns="_total")
    return frames, total


def build_rows(frames: dict[str, pd.DataFrame], zone: str, currency: str, limit: int | None) -> list[dict[str, Any]]:
    """The newest ``limit`` items of all kinds, oldest first, as flat rows with a description."""
    rows: list[dict[str, Any]] = []
    tz = ZoneInfo(zone)
    for kind, df in frames.items():
        for rec in df.to_dict("records"):
            rec = {k: (None if _missing(v) else v) for k, v in rec.items()}
            rec["kind"] = kind
            rows.append(rec)
    rows.sort(key=lambda r: (r["ts"], KINDS.index(r["kind"]), str(r["id"])), reverse=True)
    if limit:
        rows = rows[:limit]
    rows.reverse()
    return [_shape(r, tz, currency) for r in rows]


def _missing(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and value != value)


def local_text(ts: datetime | None, tz: ZoneInfo) -> str | None:
    """A naive UTC timestamp as the store's local wall time, ``YYYY-MM-DD HH:MM:SS``."""
    if ts is None:
        return None
    return ts.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _shape(r: dict[str, Any], tz: ZoneInfo, currency: str) -> dict[str, Any]:
    ts = pd.Timestamp(r["ts"]).to_pydatetime()
    out: dict[str, Any] = {c: r.get(c) for c in COLUMNS}
    out.update(ts=ts, local_time=local_text(ts, tz))
    for key in ("rating", "units"):
        if r.get(key) is not None:
            r[key] = out[key] = int(r[key])
    if r.get("paid") is not None:
        out["paid"] = bool(r["paid"])
    out["description"] = describe(r, tz, currency)
    return out


def money(amount: float | None, currency: str | None) -> str:
    return "—" if amount is None else f"{amount:,.2f} {currency or ''}".strip()


def _label(prefix: str, value: str | None) -> str | None:
    """The label of a known code (event, status, kind), else the code itself."""
    if value is None:
        return None
    return t(prefix + value) if prefix + value in LABELS else value


def channel_name(code: str | None) -> str | None:
    """The channel's name in the current language (unknown codes as they are)."""
    if code is None or code not in CHANNELS:
        return code
    _, zh, en = CHANNELS[code]
    return zh if lang() == "zh" else en


def describe(r: dict[str, Any], tz: ZoneInfo, currency: str) -> str:
    """A short description in the current language (the JSON keys never change with it)."""
    kind, parts = r["kind"], []
    product = " ".join(x for x in (r.get("product_id"), r.get("product_name") and f"({r['product_name']})") if x)
    if kind == "event":
        parts = [_label("tl_ev_", r["event"]), product, channel_name(r.get("channel")), cell("device", r.get("device"))]
        if r.get("order_id"):
            parts.append(t("tl_d_of_order").format(order=r["order_id"]))
    elif kind == "order":
        paid = t("tl_d_paid_at").format(time=local_text(r["paid_ts"], tz)[:16]) if r.get("paid_ts") else None
        amount = money(r.get("amount"), currency)
        if r.get("original_currency") and r["original_currency"] != currency:
            amount += f" ({money(r.get('original_amount'), r['original_currency'])})"
        units = t("tl_d_units").format(n=r["units"], products=r["products"]) if r.get("units") is not None else None
        parts = [t("tl_d_order").format(id=r["id"]), _label("tl_st_", r["status"]), paid, amount, units,
                 channel_name(r.get("channel")), cell("device", r.get("device"))]
    elif kind == "shipment":
        delivery = t("tl_d_delivery").format(days=r["delivery_days"]) if r.get("delivery_days") is not None else None
        promised = t("tl_d_promised").format(n=int(r["promised_days"])) if r.get("promised_days") is not None else None
        parts = [t("tl_d_shipment").format(order=r["order_id"]), cell("carrier", r.get("carrier")),
                 _label("tl_ship_", r["status"]), delivery, promised]
    elif kind == "refund":
        parts = [t("tl_d_refund").format(amount=money(r.get("amount"), currency)),
                 r.get("order_id") and t("tl_d_of_order").format(order=r["order_id"]), product,
                 r.get("reason") and t("tl_d_reason").format(reason=cell("refund_reason", r["reason"]))]
    elif kind == "review":
        parts = [t("tl_d_review").format(rating=r.get("rating") if r.get("rating") is not None else "?"), product,
                 r.get("order_id") and t("tl_d_of_order").format(order=r["order_id"])]
    elif kind == "ticket":
        response = r.get("response_minutes")
        parts = [t("tl_d_ticket").format(kind=_label("tl_tk_", r["ticket_kind"])),
                 r.get("order_id") and t("tl_d_of_order").format(order=r["order_id"]),
                 t("tl_d_response").format(minutes=response) if response is not None else None,
                 t("tl_d_resolved").format(hours=r["resolution_hours"]) if r.get("resolution_hours") is not None
                 else t("tl_d_unresolved")]
    return " · ".join(str(p) for p in parts if p)
