"""Every canonical table of DESIGN.md (plus two extensions for real data sources), defined once.

Column names here are a public contract: a CSV whose headers are these names imports directly.
"""

from __future__ import annotations

from shoplens.model import vocab
from shoplens.model.types import Column, Kind, Table

S, I, M, D, R = Kind.STRING, Kind.INT, Kind.MONEY, Kind.DECIMAL, Kind.RATE
B, TS, DT, J = Kind.BOOL, Kind.TIMESTAMP, Kind.DATE, Kind.JSON

STORE_ID = Column("store_id", S, "Store the row belongs to; defaults to the import's store (--store).",
                  required=True, default="$store")


def _cur(doc: str = "ISO-4217 currency of the money columns; defaults to --currency or the store's.") -> Column:
    return Column("currency", Kind.CURRENCY, doc, required=True, default="$store_currency")


def _table(name: str, doc: str, key: tuple[str, ...], columns: list[Column], **kw: object) -> Table:
    """Build a table, adding store_id and the columns shoplens computes itself."""
    cols = (STORE_ID, *columns)
    derived: list[Column] = []
    proto = Table(name, doc, ("store_id", *key), cols, **kw)  # type: ignore[arg-type]
    if proto.converts_money:
        derived.append(Column("fx_rate", R, "Reporting-currency units per unit of `currency` on the "
                              "local date of `" + str(proto.fx_date_column) + "` (1 for the same currency)."))
        derived += [Column(c.name + "_rc", M, f"`{c.name}` in the store's reporting currency.")
                    for c in proto.money_columns]
    derived.append(Column("_import_id", I, "Import (manifest row) that last wrote this row."))
    return Table(name, doc, ("store_id", *key), cols, derived_columns=tuple(derived), **kw)  # type: ignore[arg-type]


def _enum(name: str, doc: str, choices: tuple[str, ...], **kw: object) -> Column:
    return Column(name, S, doc, choices=choices, **kw)  # type: ignore[arg-type]


CHANNEL = Column("channel", Kind.CHANNEL, "Traffic channel, normalised to the channel vocabulary.",
                 choices=tuple(vocab.CHANNELS), aliases=vocab.CHANNEL_ALIASES)
ALL = "(all)"  # an aggregate row's empty dimension in traffic_daily
DEVICE = _enum("device", "mobile, desktop, tablet, app or other.", vocab.DEVICES,
               aliases=vocab.DEVICE_ALIASES)

TABLES: tuple[Table, ...] = (
    Table("stores", "One row per store (shop) in the warehouse.", ("store_id",), (
        STORE_ID,
        Column("name", S, "Display name."),
        _enum("platform", "tmall_global, alibaba_intl, amazon, shopify or other.", vocab.PLATFORMS,
              default="other"),
        Column("reporting_currency", Kind.CURRENCY, "Currency all KPIs are reported in.", required=True),
        Column("timezone", Kind.TIMEZONE, "IANA time zone; days and weeks are cut in it.", required=True),
    ), per_store=True, derived_columns=(Column("_import_id", I, "Import that last wrote this row."),)),
    _table("events", "Behaviour events (clickstream).", ("event_id",), [
        Column("event_id", S, "Unique id of the event within the store.", required=True),
        Column("ts", TS, "When it happened (stored in UTC).", required=True),
        Column("user_id", S, "Visitor or customer id.", required=True),
        Column("session_id", S, "Session id, if the source has one."),
        Column("event", Kind.EVENT, "page_view, product_view, search, add_to_cart, favorite, begin_checkout, "
               "purchase, or a custom snake_case name.", required=True, choices=vocab.EVENTS,
               aliases=vocab.EVENT_ALIASES),
        Column("page_type", S, "home, search, category, product, cart, checkout, … ."),
        Column("product_id", S, "Product the event is about."),
        CHANNEL,
        Column("source", S, "Traffic source (utm_source)."),
        Column("medium", S, "Traffic medium (utm_medium)."),
        Column("campaign", S, "Campaign name (utm_campaign)."),
        DEVICE,
        Column("country", S, "Market / country of the visitor."),
        Column("properties", J, "Any other attributes, as a JSON object."),
    ], time_column="ts"),
    _table("customers", "One row per known customer.", ("user_id",), [
        Column("user_id", S, "Customer id.", required=True),
        Column("first_seen", TS, "First time seen; re-imports keep the earliest.", merge="min"),
        Column("signup_ts", TS, "When the customer registered."),
        Column("country", S, "Market / country."),
        Column("member_tier", S, "Membership tier (e.g. none, silver, gold, vip)."),
        Column("tags", S, "Comma-separated tags."),
    ], time_column="first_seen"),
    _table("products", "The catalog: one row per SKU.", ("product_id",), [
        Column("product_id", S, "SKU / item id.", required=True),
        Column("name", S, "Product title."),
        Column("category", S, "Category."),
        Column("brand", S, "Brand."),
        Column("list_price", M, "List price in `currency`.", non_negative=True),
        Column("unit_cost", M, "Landed unit cost in `currency`.", non_negative=True),
        _cur(),
        Column("launched_at", TS, "When the SKU went on sale."),
        _enum("status", "on_sale, off_shelf or discontinued.", vocab.PRODUCT_STATUSES, default="on_sale"),
        _enum("product_type", "merchandise (goods), or a line that is not goods: shipping, fee, voucher, "
              "adjustment (manual adjustments, discounts, bad debt) or sample. Product analyses and product KPIs "
              "count merchandise only.", vocab.PRODUCT_TYPES, default="merchandise",
              aliases=vocab.PRODUCT_TYPE_ALIASES),
        Column("supplier", S, "Supplier the SKU is bought from (lead times per supplier)."),
    ], time_column="launched_at"),
    _table("orders", "One row per order; a later version (status change) replaces the earlier one.",
           ("order_id",), [
        Column("order_id", S, "Order id.", required=True),
        Column("user_id", S, "Customer id; empty for a guest order."),
        Column("created_ts", TS, "When the order was placed.", required=True),
        Column("paid_ts", TS, "When it was paid."),
        _enum("status", "created, paid, shipped, delivered or cancelled (default paid).", vocab.ORDER_STATUSES,
              required=True, default="paid"),
        _cur(),
        Column("gross_amount", M, "Order amount before refunds (goods, after item-level prices).",
               required=True, non_negative=True),
        Column("discount", M, "Order-level discount.", non_negative=True),
        Column("shipping_fee", M, "Shipping charged to the buyer.", non_negative=True),
        Column("tax", M, "Tax / duties charged.", non_negative=True),
        CHANNEL,
        Column("country", S, "Market / ship-to country."),
        DEVICE,
        Column("payment_method", S, "Payment method."),
        Column("is_member", B, "Whether the buyer was a member when ordering."),
    ], time_column="created_ts", fx_date_column="created_ts"),
    _table("order_items", "Order lines; money is in the order's currency.", ("order_id", "line_no"), [
        Column("order_id", S, "Order id.", required=True),
        Column("line_no", I, "Line number within the order.", required=True, minimum=1),
        Column("product_id", S, "SKU."),
        Column("quantity", I, "Units.", required=True, non_negative=True),
        Column("unit_price", M, "Price per unit paid.", required=True, non_negative=True),
        Column("unit_cost", M, "Cost per unit.", non_negative=True),
    ]),
    _table("refunds", "Refunds and cancellations.", ("refund_id",), [
        Column("refund_id", S, "Refund id.", required=True),
        Column("order_id", S, "Order refunded, when known."),
        Column("user_id", S, "Customer id."),
        Column("ts", TS, "When the refund happened.", required=True),
        Column("amount", M, "Amount refunded (positive).", required=True, non_negative=True),
        _cur(),
        Column("reason", S, "Reason given."),
        Column("product_id", S, "SKU refunded, when known."),
    ], time_column="ts", fx_date_column="ts"),
    _table("inventory_snapshots", "Stock per SKU, warehouse and local day.",
           ("date", "product_id", "warehouse"), [
        Column("date", DT, "Local date of the snapshot.", required=True),
        Column("product_id", S, "SKU.", required=True),
        Column("warehouse", S, "Warehouse code (default `main`).", required=True, default="main"),
        Column("on_hand", I, "Units on hand.", required=True, non_negative=True),
        Column("in_transit", I, "Units inbound.", non_negative=True),
    ], time_column="date"),
    _table("ad_spend", "Marketing spend per local day, channel and campaign.", ("date", "channel", "campaign"), [
        Column("date", DT, "Local date.", required=True),
        Column("channel", Kind.CHANNEL, CHANNEL.doc, required=True, choices=CHANNEL.choices,
               aliases=CHANNEL.aliases),
        Column("campaign", S, "Campaign (default `(none)`).", required=True, default="(none)"),
        Column("spend", M, "Spend in `currency`.", required=True, non_negative=True),
        _cur(),
        Column("impressions", I, "Impressions.", non_negative=True),
        Column("clicks", I, "Clicks.", non_negative=True),
        _enum("kol_tier", "head, mid, tail or koc (influencer campaigns).", vocab.KOL_TIERS,
              aliases=(("头部", "head"), ("腰部", "mid"), ("尾部", "tail"))),
    ], time_column="date", fx_date_column="date"),
    _table("reviews", "Product reviews with DSR scores (1-5).", ("review_id",), [
        Column("review_id", S, "Review id.", required=True),
        Column("order_id", S, "Order reviewed."),
        Column("product_id", S, "SKU reviewed."),
        Column("user_id", S, "Reviewer."),
        Column("ts", TS, "When posted.", required=True),
        Column("rating", I, "Star rating 1-5.", minimum=1, maximum=5),
        Column("dsr_description", D, "DSR: item as described, 1-5.", minimum=1, maximum=5),
        Column("dsr_service", D, "DSR: service, 1-5.", minimum=1, maximum=5),
        Column("dsr_logistics", D, "DSR: logistics, 1-5.", minimum=1, maximum=5),
    ], time_column="ts"),
    _table("service_tickets", "Customer-service conversations.", ("ticket_id",), [
        Column("ticket_id", S, "Ticket id.", required=True),
        Column("user_id", S, "Customer."),
        Column("order_id", S, "Order concerned."),
        Column("opened_ts", TS, "Opened.", required=True),
        Column("first_response_ts", TS, "First agent response."),
        Column("resolved_ts", TS, "Resolved."),
        _enum("kind", "inquiry, complaint or return.", vocab.TICKET_KINDS, required=True),
    ], time_column="opened_ts"),
    _table("shipments", "Parcels.", ("shipment_id",), [
        Column("shipment_id", S, "Shipment id.", required=True),
        Column("order_id", S, "Order shipped."),
        Column("carrier", S, "Carrier."),
        Column("shipped_ts", TS, "Handed to the carrier.", required=True),
        Column("delivered_ts", TS, "Delivered."),
        Column("promised_days", I, "Promised delivery time in days.", non_negative=True),
        Column("cost", M, "Shipping cost paid by the store.", non_negative=True),
        _cur(),
        _enum("status", "in_transit, delivered, lost or returned.", vocab.SHIPMENT_STATUSES, required=True),
    ], time_column="shipped_ts", fx_date_column="shipped_ts"),
    _table("fx_rates", "Exchange rates into the store's reporting currency, per local date.",
           ("date", "currency"), [
        Column("date", DT, "Local date the rate applies to.", required=True),
        Column("currency", Kind.CURRENCY, "Currency converted from.", required=True),
        Column("rate_to", R, "Reporting-currency units per one unit of `currency`.", required=True,
               minimum=1e-12),
    ], time_column="date"),
    _table("traffic_daily", "Aggregated traffic per local day as platform reports give it (生意参谋, Amazon "
           "Business Reports): the source of UV, conversion and UV value for a store without events. A dimension "
           "left empty means all of it (`(all)`); `period` says whether visitors are distinct over a day, a week "
           "or a month (date = the period's first day).",
           ("date", "period", "channel", "product_id", "device"), [
        Column("date", DT, "Local date (the first day of the period).", required=True),
        _enum("period", "day, week or month: the span `visitors` is distinct over (default day).", vocab.PERIODS,
              required=True, default="day", aliases=(("日", "day"), ("周", "week"), ("月", "month"))),
        Column("channel", Kind.CHANNEL, CHANNEL.doc + " `(all)`: every channel.", required=True, default=ALL,
               choices=(*CHANNEL.choices, ALL), aliases=CHANNEL.aliases),
        Column("product_id", S, "SKU the row is about; `(all)`: the whole store.", required=True, default=ALL),
        Column("device", S, DEVICE.doc + " `(all)`: every device.", required=True, default=ALL,
               choices=(*DEVICE.choices, ALL), aliases=DEVICE.aliases),
        Column("visitors", I, "Unique visitors (UV) over the period.", non_negative=True),
        Column("page_views", I, "Page views (PV).", non_negative=True),
        Column("add_to_cart_users", I, "Visitors who added to cart (加购人数).", non_negative=True),
        Column("buyers", I, "Paying buyers (支付买家数).", non_negative=True),
        Column("paid_orders", I, "Paid orders (支付子订单数 / total order items); empty when the report has no "
               "order count (units are no orders).", non_negative=True),
        Column("paid_amount", M, "Paid amount (支付金额 / ordered product sales) in `currency`.", non_negative=True),
        _cur(),
    ], time_column="date", fx_date_column="date", extension=True),
    _table("payments", "Payment transactions (extension: payment-mix KPIs, e.g. Olist).",
           ("order_id", "payment_seq"), [
        Column("order_id", S, "Order paid.", required=True),
        Column("payment_seq", I, "Sequence number within the order.", required=True, default="1"),
        Column("ts", TS, "When paid (needed to convert a foreign currency)."),
        Column("method", S, "credit_card, voucher, alipay, … ."),
        Column("installments", I, "Number of instalments.", non_negative=True),
        Column("amount", M, "Amount paid.", required=True, non_negative=True),
        _cur(),
    ], time_column="ts", fx_date_column="ts", extension=True),
    _table("sellers", "Marketplace sellers (extension: marketplace exports, e.g. Olist).", ("seller_id",), [
        Column("seller_id", S, "Seller id.", required=True),
        Column("city", S, "City."),
        Column("state", S, "State / province."),
        Column("zip_prefix", S, "Postal code prefix."),
        Column("country", S, "Country."),
    ], extension=True),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def get_table(name: str) -> Table:
    """The table called ``name``, or a KeyError listing the valid names."""
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; tables: {', '.join(TABLES_BY_NAME)}") from None
