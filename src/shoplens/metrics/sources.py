"""Sources: canonical tables shaped for measuring, one SELECT each.

Every source yields ``store_id``, ``_ts`` (the row's local timestamp, which decides its period)
and named columns: dimensions under their public ids plus the columns measures aggregate or
filter on. Joins that only some queries need (product attributes, member tier, first visit or
first order) are added only when a needed column asks for them, so the common queries stay scans.

Refinements written down here because they decide numbers:
- a paid order has ``paid_ts`` or status paid/shipped/delivered (a paid order cancelled later
  still counts; its refund shows in refunds); its period is the local date of ``paid_ts``
  (``created_ts`` when missing); an order without a discount has discount 0 (so net revenue of
  a store whose orders carry no discounts is GMV - refunds, not null);
- a store that imported no orders gets one paid order per ``purchase`` event (order id from
  ``properties.order_id`` or the event id), with no money; each purchase event with a product is also
  a line of that order (no quantity, no money), so buyers and orders cut by product/category/brand
  count them like order lines (a buyer of two categories counts in each);
- sessions are ``session_id`` or, when the source has none, a 30-minute inactivity gap; a session
  belongs to the period of its first event;
- new vs returning: a visitor's first ever visit day / a buyer's first ever paid order is "new";
  guests are "guest";
- a segment (``Scope.members``) keeps the rows of its members in every source about users: events
  (and sessions), orders, order items, refunds, reviews and tickets (by their own user, else the
  linked order's) and shipments (the order's user). Ad spend, inventory and products have no users
  (``Source.users`` is False): a segment cannot restrict them, so a metric that reads them is null
  under a segment (see :mod:`shoplens.metrics.segment_scope`);
- product measures (order lines, SKUs on sale) count merchandise only (``products.product_type``); GMV and
  order measures keep every line;
- a store without events answers visitors, page views and add-to-cart visitors from ``traffic_daily``
  (platform reports), and a store with neither events nor orders its GMV, paid orders and buyers too:
  one source per store and measure, never both; the rules are in :mod:`shoplens.metrics.traffic_source`
  (its rows are added to these sources' aggregates by :func:`shoplens.metrics.traffic_source.union`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shoplens.warehouse.rollups import USER_DAY
from shoplens.warehouse.scope import Scope, channel_type_sql, lit

PAID_ORDER = "({o}.paid_ts IS NOT NULL OR {o}.status IN ('paid', 'shipped', 'delivered'))"
MEMBER_TIER = "coalesce(nullif(lower(trim(c.member_tier)), ''), 'none')"
SESSION_GAP_MINUTES = 30
PRODUCT_JOIN = " LEFT JOIN products p ON p.store_id = {a}.store_id AND p.product_id = {a}.product_id"
# goods only: an order line or SKU whose product type is not merchandise (postage, a fee, a voucher, an adjustment,
# a sample) stays in GMV but out of every product measure; a line without a catalog row counts as goods
MERCHANDISE = "coalesce({p}.product_type, 'merchandise') = 'merchandise'"
CUSTOMER_JOIN = " LEFT JOIN customers c ON c.store_id = {a}.store_id AND c.user_id = {a}.user_id"


@dataclass(frozen=True)
class Source:
    name: str
    tables: tuple[str, ...]  # the source has data for a store when any of these has rows for it
    dims: frozenset[str]
    columns: frozenset[str]  # everything a measure may aggregate or filter on (dims included)
    build: Callable[[Scope, frozenset[str]], str]
    timed: bool = True  # False: a catalog snapshot without a period (broadcast to every period)
    users: bool = True  # False: rows belong to no user (ad spend, stock, catalog), so a segment cannot restrict them

    def sql(self, scope: Scope, needs: frozenset[str]) -> str:
        return self.build(scope, needs)


def _select(cols: dict[str, str], needs: frozenset[str], always: tuple[str, ...]) -> str:
    return ", ".join(f"{expr} AS {name}" for name, expr in cols.items() if name in always or name in needs)


def _first_visit_join(scope: Scope, alias: str) -> str:
    """``f.first_ts``: each visitor's first event ever (all history, not just the range)."""
    return (f" JOIN (SELECT store_id, user_id, min(ts) AS first_ts FROM events e WHERE {scope.store_filter('e')}"
            f" GROUP BY ALL) f ON f.store_id = {alias}.store_id AND f.user_id = {alias}.user_id")


# {u}: a visitor-day row of the rollup (the first-day join below, or the rollup itself)
NEW_OR_RETURNING = "CASE WHEN {u}.day = {u}.first_day THEN 'new' ELSE 'returning' END"


def _first_day_join(scope: Scope, alias: str, ts: str) -> str:
    """``u``: the row's visitor-day in the rollup, which carries the visitor's first local day ever (all
    history). A join on a few days of the rollup instead of a pass over every event of the store."""
    return (f" JOIN {USER_DAY} u ON u.store_id = {alias}.store_id AND u.user_id = {alias}.user_id"
            f" AND u.day = CAST({scope.local(alias, ts)} AS DATE)"
            f" AND {scope.store_filter('u')} AND {scope.date_range('u.day')}")


def _events(scope: Scope, needs: frozenset[str]) -> str:
    cols = {
        "store_id": "e.store_id", "_ts": scope.local("e", "e.ts"), "user_id": "e.user_id", "event": "e.event",
        "store": "e.store_id", "channel": "e.channel", "channel_type": channel_type_sql("e.channel"),
        "source": "e.source", "campaign": "e.campaign", "device": "e.device", "country": "e.country",
        "market": "e.country", "product": "e.product_id", "category": "p.category", "brand": "p.brand",
        "member_tier": MEMBER_TIER, "first_visit": "(e.ts = f.first_ts)",
        "new_vs_returning": NEW_OR_RETURNING.format(u="u"),
    }
    sql = f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM events e"
    if needs & {"category", "brand"}:
        sql += PRODUCT_JOIN.format(a="e")
    if "member_tier" in needs:
        sql += CUSTOMER_JOIN.format(a="e")
    if "first_visit" in needs:
        sql += _first_visit_join(scope, "e")
    if "new_vs_returning" in needs:
        sql += _first_day_join(scope, "e", "e.ts")
    return sql + f" WHERE {scope.store_filter('e')} AND {scope.ts_range('e', 'e.ts')}" + scope.member_filter("e")


def _sessions(scope: Scope, needs: frozenset[str]) -> str:
    keep = f"{scope.store_filter('e')} AND {scope.ts_range('e', 'e.ts', pad_days=1)}"
    attrs = ("channel", "source", "campaign", "device", "country")
    firsts = ", ".join(f"arg_min({a}, ts) AS {a}" for a in attrs)
    agg = (f"store_id, arg_min(user_id, ts) AS user_id, min(ts) AS start_ts, max(ts) AS end_ts, count(*) AS n_events,"
           f" count_if(event IN ('page_view', 'product_view')) AS page_views, {firsts}")
    gap = f"INTERVAL {SESSION_GAP_MINUTES} MINUTE"
    raw = (
        f"SELECT {agg} FROM events e WHERE {keep} AND session_id IS NOT NULL GROUP BY store_id, session_id "
        f"UNION ALL SELECT {agg} FROM ("
        f" SELECT *, sum(new_session) OVER (PARTITION BY store_id, user_id ORDER BY ts ROWS UNBOUNDED PRECEDING)"
        f" AS gap_session FROM (SELECT e.*, CASE WHEN lag(ts) OVER (PARTITION BY store_id, user_id ORDER BY ts)"
        f" > ts - {gap} THEN 0 ELSE 1 END AS new_session FROM events e WHERE {keep} AND session_id IS NULL))"
        f" GROUP BY store_id, user_id, gap_session"
    )
    cols = {
        "store_id": "s.store_id", "_ts": scope.local("s", "s.start_ts"), "user_id": "s.user_id",
        "store": "s.store_id", "channel": "s.channel", "channel_type": channel_type_sql("s.channel"),
        "source": "s.source", "campaign": "s.campaign", "device": "s.device", "country": "s.country",
        "market": "s.country", "member_tier": MEMBER_TIER, "bounced": "(s.n_events = 1)",
        "duration_seconds": "(epoch(s.end_ts) - epoch(s.start_ts))", "page_views": "s.page_views",
        "new_vs_returning": NEW_OR_RETURNING.format(u="u"),
    }
    sql = f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM ({raw}) s"
    if "member_tier" in needs:
        sql += CUSTOMER_JOIN.format(a="s")
    if "new_vs_returning" in needs:
        sql += _first_day_join(scope, "s", "s.start_ts")
    return sql + f" WHERE {scope.ts_range('s', 's.start_ts')}" + scope.member_filter("s")


PROXY_ORDER_ID = "coalesce(json_extract_string(e.properties, '$.order_id'), e.event_id)"


def paid_orders_sql(scope: Scope, proxy_stores: tuple[str, ...]) -> str:
    """Paid orders of the scope's stores (all time), plus purchase events of stores with no orders."""
    sql = (f"SELECT o.store_id, o.order_id, o.user_id, coalesce(o.paid_ts, o.created_ts) AS pay_ts, o.created_ts,"
           f" o.currency, o.fx_rate, o.gross_amount_rc, o.discount_rc, o.channel, o.country, o.device, o.is_member"
           f" FROM orders o WHERE {scope.store_filter('o')} AND {PAID_ORDER.format(o='o')}{scope.member_filter('o')}")
    if proxy_stores:
        order_id = PROXY_ORDER_ID
        sql += (f" UNION ALL SELECT e.store_id, {order_id}, e.user_id, e.ts, e.ts, NULL, NULL, NULL, NULL, e.channel,"
                " e.country, e.device, NULL"
                f" FROM events e WHERE e.store_id IN ({', '.join(lit(s) for s in proxy_stores)})"
                f" AND e.event = 'purchase'{scope.member_filter('e')}"  # several purchase events of one order: one
                f" QUALIFY row_number() OVER (PARTITION BY e.store_id, {order_id} ORDER BY e.ts, e.event_id) = 1")
    return sql


def _order_lines(scope: Scope) -> str:
    """``order_items``, plus a line per purchase event with a product for the stores without orders (joined to
    their stand-in orders by the same order id). No quantity or money: only who bought which product."""
    if not scope.no_orders:
        return "order_items"
    return (f"(SELECT i.store_id, i.order_id, i.product_id, i.quantity, i.unit_price, i.unit_cost FROM order_items i"
            f" WHERE {scope.store_filter('i')} UNION ALL SELECT e.store_id, {PROXY_ORDER_ID}, e.product_id, NULL, NULL,"
            f" NULL FROM events e WHERE e.store_id IN ({', '.join(lit(s) for s in scope.no_orders)})"
            " AND e.event = 'purchase' AND e.product_id IS NOT NULL)")


# items measures that purchase events answer for a store without orders (who bought, which order): the
# product-level variants of paid orders and buyers; quantity and money stay null there
PURCHASE_LINE_COLUMNS = frozenset({"order_id", "user_id"})


ORDER_DIMS = ("store", "channel", "channel_type", "country", "market", "device", "member_tier", "new_vs_returning")


def _order_cols(scope: Scope) -> dict[str, str]:
    return {
        "store_id": "o.store_id", "_ts": scope.local("o", "o.pay_ts"), "order_id": "o.order_id",
        "user_id": "o.user_id", "store": "o.store_id", "channel": "o.channel",
        "channel_type": channel_type_sql("o.channel"), "country": "o.country", "market": "o.country",
        "device": "o.device", "member_tier": MEMBER_TIER,
        "gross_amount_rc": scope.money("o", "o.gross_amount_rc"),
        "discount_rc": scope.money("o", "coalesce(o.discount_rc, 0)"),
        "member": "coalesce(o.is_member, c.member_tier IS NOT NULL AND lower(c.member_tier) NOT IN ('', 'none'))",
        "first_order": "(o.user_id IS NOT NULL AND o.pay_ts = fo.first_pay)",
        "new_vs_returning": ("CASE WHEN o.user_id IS NULL THEN 'guest' WHEN o.pay_ts = fo.first_pay THEN 'new'"
                             " ELSE 'returning' END"),
    }


def _orders_from(scope: Scope, needs: frozenset[str], alias: str = "o", paid_in_range: bool = False) -> str:
    """FROM clause of paid orders with the joins ``needs`` asks for (customers, first order, fx).

    ``paid_in_range``: the caller keeps only orders paid in the scope's range, so first orders are looked up
    for the buyers of those orders only (their first order may lie before the range; all history is read)."""
    sql = f"({paid_orders_sql(scope, scope.no_orders)}) {alias}"
    if needs & {"member_tier", "member"}:
        sql += CUSTOMER_JOIN.format(a=alias)
    if needs & {"first_order", "new_vs_returning"}:
        # purchase events stand in for the first order too in a store without orders
        everything = paid_orders_sql(scope, scope.no_orders)
        in_range = f"SELECT r.user_id FROM ({everything}) r WHERE {scope.ts_range('r', 'r.pay_ts')}"
        buyers = f" WHERE x.user_id IN ({in_range})" if paid_in_range else ""
        sql += (f" LEFT JOIN (SELECT store_id, user_id, min(pay_ts) AS first_pay FROM ({everything}) x{buyers}"
                f" GROUP BY ALL) fo ON fo.store_id = {alias}.store_id AND fo.user_id = {alias}.user_id")
    return sql + scope.fx_join(alias, scope.local(alias, f"{alias}.created_ts", bounded=False))


def _orders(scope: Scope, needs: frozenset[str]) -> str:
    sql = (f"SELECT {_select(_order_cols(scope), needs, ('store_id', '_ts'))}"
           f" FROM {_orders_from(scope, needs, paid_in_range=True)}")
    return sql + f" WHERE {scope.ts_range('o', 'o.pay_ts')}"


def _items(scope: Scope, needs: frozenset[str]) -> str:
    rate = "o.fx_rate"
    product_cost = (f"p.unit_cost * CASE WHEN p.currency = o.currency THEN {rate}"
                    " WHEN p.currency = st.reporting_currency THEN 1 END")
    cols = _order_cols(scope) | {
        "product": "i.product_id", "product_id": "i.product_id", "category": "p.category", "brand": "p.brand",
        "product_status": "p.status", "quantity": "i.quantity",
        "line_amount_rc": scope.money("o", f"i.quantity * i.unit_price * {rate}"),
        "line_cost_rc": scope.money("o", f"i.quantity * coalesce(i.unit_cost * {rate}, {product_cost})"),
    }
    # the product join is always there: lines that are not goods (postage, fees, vouchers…) are left out
    sql = (f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM {_orders_from(scope, needs)}"
           f" JOIN {_order_lines(scope)} i ON i.store_id = o.store_id AND i.order_id = o.order_id"
           + PRODUCT_JOIN.format(a="i"))
    if "line_cost_rc" in needs:
        sql += " JOIN stores st ON st.store_id = o.store_id"
    return sql + f" WHERE {scope.ts_range('o', 'o.pay_ts')} AND {MERCHANDISE.format(p='p')}"


def _linked_order_cols(alias: str) -> dict[str, str]:
    return {"channel": f"{alias}.channel", "channel_type": channel_type_sql(f"{alias}.channel"),
            "country": f"{alias}.country", "market": f"{alias}.country", "device": f"{alias}.device"}


ORDER_LINK = " LEFT JOIN orders lo ON lo.store_id = {a}.store_id AND lo.order_id = {a}.order_id"
LINK_DIMS = frozenset({"channel", "channel_type", "country", "market", "device"})


def _linked(scope: Scope, needs: frozenset[str], alias: str, extra: frozenset[str] = frozenset()) -> str:
    """The order link when a dimension needs it or a segment asks whose row it is."""
    return ORDER_LINK.format(a=alias) if needs & (LINK_DIMS | extra) or scope.members is not None else ""


def _row_user(scope: Scope, alias: str) -> str:
    """Segment filter on the row's own user, else its order's user."""
    return scope.member_filter(alias, f"coalesce({alias}.user_id, lo.user_id)")


def _refunds(scope: Scope, needs: frozenset[str]) -> str:
    cols = {"store_id": "r.store_id", "_ts": scope.local("r", "r.ts"), "store": "r.store_id",
            "order_id": "r.order_id", "amount_rc": scope.money("r", "r.amount_rc"), "product": "r.product_id",
            "category": "p.category", "brand": "p.brand", "member_tier": MEMBER_TIER} | _linked_order_cols("lo")
    sql = f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM refunds r"
    if needs & {"category", "brand"}:
        sql += PRODUCT_JOIN.format(a="r")
    if "member_tier" in needs:
        sql += CUSTOMER_JOIN.format(a="r")
    sql += _linked(scope, needs, "r") + scope.fx_join("r", scope.local("r", "r.ts"))
    return sql + f" WHERE {scope.store_filter('r')} AND {scope.ts_range('r', 'r.ts')}" + _row_user(scope, "r")


def _ad_spend(scope: Scope, needs: frozenset[str]) -> str:
    cols = {"store_id": "a.store_id", "_ts": "CAST(a.date AS TIMESTAMP)", "store": "a.store_id",
            "channel": "a.channel", "channel_type": channel_type_sql("a.channel"), "campaign": "a.campaign",
            "spend_rc": scope.money("a", "a.spend_rc"), "impressions": "a.impressions", "clicks": "a.clicks"}
    sql = f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM ad_spend a" + scope.fx_join("a", "a.date")
    return sql + f" WHERE {scope.store_filter('a')} AND {scope.date_range('a.date')}"


def _reviews(scope: Scope, needs: frozenset[str]) -> str:
    cols = {"store_id": "v.store_id", "_ts": scope.local("v", "v.ts"), "store": "v.store_id",
            "product": "v.product_id", "category": "p.category", "brand": "p.brand",
            "dsr_description": "v.dsr_description", "dsr_service": "v.dsr_service",
            "dsr_logistics": "v.dsr_logistics", "rating": "v.rating"}
    sql = f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM reviews v"
    if needs & {"category", "brand"}:
        sql += PRODUCT_JOIN.format(a="v")
    sql += ORDER_LINK.format(a="v") if scope.members is not None else ""
    return sql + f" WHERE {scope.store_filter('v')} AND {scope.ts_range('v', 'v.ts')}" + _row_user(scope, "v")


def _tickets(scope: Scope, needs: frozenset[str]) -> str:
    cols = {"store_id": "t.store_id", "_ts": scope.local("t", "t.opened_ts"), "store": "t.store_id",
            "kind": "t.kind", "response_seconds": "(epoch(t.first_response_ts) - epoch(t.opened_ts))",
            "member_tier": MEMBER_TIER} | _linked_order_cols("lo")
    sql = f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM service_tickets t"
    if "member_tier" in needs:
        sql += CUSTOMER_JOIN.format(a="t")
    sql += _linked(scope, needs, "t")
    return sql + f" WHERE {scope.store_filter('t')} AND {scope.ts_range('t', 't.opened_ts')}" + _row_user(scope, "t")


def _shipments(scope: Scope, needs: frozenset[str]) -> str:
    days = "((epoch(s.delivered_ts) - epoch(s.shipped_ts)) / 86400.0)"
    paid = "coalesce(lo.paid_ts, lo.created_ts)"
    cols = {"store_id": "s.store_id", "_ts": scope.local("s", "s.shipped_ts"), "store": "s.store_id",
            "carrier": "s.carrier", "status": "s.status", "order_id": "s.order_id",
            "cost_rc": scope.money("s", "s.cost_rc"), "delivery_days": days,
            "on_time": f"CASE WHEN s.delivered_ts IS NOT NULL AND s.promised_days IS NOT NULL"
                       f" THEN {days} <= s.promised_days END",
            "within_48h": f"CASE WHEN {paid} IS NOT NULL THEN s.shipped_ts <= {paid} + INTERVAL 48 HOUR END",
            } | _linked_order_cols("lo")
    sql = f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM shipments s"
    sql += _linked(scope, needs, "s", frozenset({"within_48h"})) + scope.fx_join("s", scope.local("s", "s.shipped_ts"))
    return (sql + f" WHERE {scope.store_filter('s')} AND {scope.ts_range('s', 's.shipped_ts')}"
            + scope.member_filter("s", "lo.user_id"))


def _inventory(scope: Scope, needs: frozenset[str]) -> str:
    """One row per SKU and local day, warehouses summed; ``stock_cost_rc``: on hand x the catalog's unit cost in the
    reporting currency (a cost in another currency at fx_rates of the day; unknown cost or rate: NULL)."""
    cost = "n.on_hand * p.unit_cost * CASE WHEN p.currency = st.reporting_currency THEN 1 ELSE fx.rate_to END"
    cols = {"store_id": "n.store_id", "_ts": "CAST(n.date AS TIMESTAMP)", "store": "n.store_id",
            "date": "n.date", "product": "n.product_id", "category": "p.category", "brand": "p.brand",
            "on_hand": "n.on_hand", "stock_cost_rc": scope.money("n", cost)}
    daily = ("SELECT store_id, date, product_id, sum(on_hand) AS on_hand FROM inventory_snapshots n"
             f" WHERE {scope.store_filter('n')} AND {scope.date_range('n.date')} GROUP BY ALL")
    sql = f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM ({daily}) n"
    if needs & {"category", "brand", "stock_cost_rc"}:
        sql += PRODUCT_JOIN.format(a="n")
    if "stock_cost_rc" in needs:
        sql += (" JOIN stores st ON st.store_id = n.store_id LEFT JOIN fx_rates fx ON fx.store_id = n.store_id"
                " AND fx.currency = p.currency AND fx.date = n.date" + scope.fx_join("n", "n.date"))
    return sql


def _products(scope: Scope, needs: frozenset[str]) -> str:
    cols = {"store_id": "p.store_id", "_ts": "CAST(NULL AS TIMESTAMP)", "store": "p.store_id",
            "product": "p.product_id", "category": "p.category", "brand": "p.brand", "status": "p.status"}
    return (f"SELECT {_select(cols, needs, ('store_id', '_ts'))} FROM products p WHERE {scope.store_filter('p')}"
            f" AND {MERCHANDISE.format(p='p')}")


EVENT_DIMS = frozenset({"store", "channel", "channel_type", "source", "campaign", "device", "country", "market",
                        "category", "brand", "product", "new_vs_returning", "member_tier"})
PRODUCT_ONLY = frozenset({"store", "category", "brand", "product"})
SOURCES: dict[str, Source] = {s.name: s for s in (
    Source("events", ("events",), EVENT_DIMS, EVENT_DIMS | {"user_id", "event", "first_visit"}, _events),
    Source("sessions", ("events",), EVENT_DIMS - {"category", "brand", "product"},
           EVENT_DIMS | {"user_id", "bounced", "duration_seconds", "page_views"}, _sessions),
    Source("orders", ("orders", "events"), frozenset(ORDER_DIMS),
           frozenset(ORDER_DIMS) | {"order_id", "user_id", "gross_amount_rc", "discount_rc", "member", "first_order"},
           _orders),
    Source("items", ("order_items",), frozenset(ORDER_DIMS) | PRODUCT_ONLY,
           frozenset(ORDER_DIMS) | PRODUCT_ONLY | {"order_id", "user_id", "product_id", "product_status", "quantity",
                                                  "line_amount_rc", "line_cost_rc", "member", "first_order"}, _items),
    Source("refunds", ("refunds",), PRODUCT_ONLY | LINK_DIMS | {"member_tier"},
           PRODUCT_ONLY | LINK_DIMS | {"member_tier", "order_id", "amount_rc"}, _refunds),
    Source("ad_spend", ("ad_spend",), frozenset({"store", "channel", "channel_type", "campaign"}),
           frozenset({"store", "channel", "channel_type", "campaign", "spend_rc", "impressions", "clicks"}),
           _ad_spend, users=False),
    Source("reviews", ("reviews",), PRODUCT_ONLY,
           PRODUCT_ONLY | {"dsr_description", "dsr_service", "dsr_logistics", "rating"}, _reviews),
    Source("tickets", ("service_tickets",), LINK_DIMS | {"store", "member_tier"},
           LINK_DIMS | {"store", "member_tier", "kind", "response_seconds"}, _tickets),
    Source("shipments", ("shipments",), LINK_DIMS | {"store", "carrier"},
           LINK_DIMS | {"store", "carrier", "status", "order_id", "cost_rc", "delivery_days", "on_time",
                        "within_48h"}, _shipments),
    Source("inventory", ("inventory_snapshots",), PRODUCT_ONLY, PRODUCT_ONLY | {"date", "on_hand", "stock_cost_rc"},
           _inventory,
           users=False),
    Source("products", ("products",), PRODUCT_ONLY, PRODUCT_ONLY | {"status"}, _products, timed=False,
           users=False),
)}
