"""One user's timeline (`shoplens user USER_ID`): who they are, where they stand, what they did.

What mature tools show, and what shoplens copies (GA4 user explorer, Mixpanel user profile,
生意参谋 客户画像): a **profile header** — store, first and last seen, signup, country, member
tier, first channel, devices, events and sessions, paid orders, GMV to date, refunds, AOV, first
and last order day, reviews and tickets; the **stage** the user is in (lifecycle) and the
**value tier** (RFM); then the **activity stream**, one row per item in time order, with the
UTC timestamp, the store's local time, a short description in the chosen language and the
fields that matter (event, product, channel, device, amount and status, refund reason,
rating, ticket response time, carrier and delivery days).

Decisions that decide numbers:

- **Which user**: ``user_id`` within a store (ids mean nothing across stores). An id found in
  several stores needs ``store=``; an unknown id fails with ids sharing its prefix as hints.
- **As of**: the profile, lifecycle and RFM count history up to and including the local day
  ``as_of`` (default: the store's last data day, so "today" is the end of the data, not the
  wall clock); the timeline shows ``start``..``end`` local days (default: all history up to
  ``as_of``), filtered by ``kinds`` and cut to the newest ``limit`` items (``truncated`` says
  how many were left out).
- **GMV to date** is the catalog's ``gmv`` for this user: paid orders (``PAID_ORDER``) paid up to
  ``as_of``, summed ``gross_amount_rc`` (reporting currency, before discounts and refunds);
  ``orders`` counts them, ``aov`` = gmv / orders. A store without orders (events only) counts
  its purchase events, one per order id, with no money (gmv None), as the metrics engine does.
  Refunds, reviews and tickets count when they carry the user id or name one of the user's orders.
- **Member tier** is the customers row's tier as the metrics' ``member_tier`` dimension reads it
  (lower-cased, blank or missing -> ``none``).
- **Lifecycle** (``classify``), from local days relative to ``as_of``; activity = behaviour
  events and orders placed (the user's own acts; refunds, shipments, reviews and tickets follow
  an order and are left out). "Within N days" = the N local days ending on ``as_of``, the window
  the metrics' ``dormant_days`` uses:
    new      first activity within the last 30 days (days since first < 30);
    active   last activity within the last 30 days (days since last < 30), not new;
    dormant  last activity 30 .. churn_days - 1 days ago;
    churned  last activity ``churn_days`` or more days ago;
  ``churn_days`` defaults to the metrics setting ``dormant_days`` (180 unless shoplens.yaml
  says otherwise), so a buyer the ``dormant_share`` KPI counts as gone (no purchase in 180 days)
  who also shows no visits is "churned" here — one number, one config. 30 days is the common
  monthly-active window (GA4 28/30-day users, 生意参谋 30 天); 180 days is half a year of silence,
  beyond most repurchase cycles of consumer goods. No activity up to ``as_of``: stage None.
- **RFM** comes from ``analyses.rfm.customer_scores_sql`` (store-wide quantile scores as of
  ``as_of``); a user without a paid order is not scored (rfm None, with a note).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pandas as pd

from shoplens.analyses.context import Context, open_context, resolve_stores
from shoplens.analyses.filters import check_literal
from shoplens.analyses.result import Result, clean, ratio
from shoplens.analyses.timeline_items import COLUMNS, EVENT_COLUMNS, KINDS, build_rows, fetch, local_text
from shoplens.errors import NotFoundError, ShoplensError
from shoplens.i18n import register_labels, t
from shoplens.metrics.sources import CUSTOMER_JOIN, MEMBER_TIER, PAID_ORDER
from shoplens.warehouse.scope import Scope, StoreInfo, lit

__all__ = ["COLUMNS", "KINDS", "Lifecycle", "UserTimeline", "classify", "user_timeline"]

NEW_DAYS = 30
ACTIVE_DAYS = 30
DEFAULT_CHURN_DAYS = 180
MAX_DAYS = 36_500  # churn_days: a century
MAX_LIMIT = 1_000_000_000  # timeline items
MAX_USER_ID_CHARS = 1000
STAGES = ("new", "active", "dormant", "churned")

register_labels({
    "tl_stage_new": ("新客", "new"), "tl_stage_active": ("活跃", "active"), "tl_stage_dormant": ("沉睡", "dormant"),
    "tl_stage_churned": ("流失", "churned"), "tl_stage_none": ("无活动", "no activity"),
    "tl_why_new": ("首次活动 {first}，距 {as_of} {days} 天（< {n}）", "first activity {first}, {days} days before "
                   "{as_of} (< {n})"),
    "tl_why_last": ("最近活动 {last}，距 {as_of} {days} 天", "last activity {last}, {days} days before {as_of}"),
    "tl_why_none": ("{as_of} 及之前没有行为或订单", "no event or order on or before {as_of}"),
    "tl_rule": ("规则（活动 = 行为事件与下单，按店铺当地日期）：新客 = 首次活动距今 < {new} 天；"
                "活跃 = 最近活动 < {active} 天；沉睡 = {active}–{last_dormant} 天；流失 ≥ {churn} 天",
                "rule (activity = events and orders placed, store-local days): new = first activity < {new} days "
                "ago; active = last activity < {active} days ago; dormant = {active}–{last_dormant} days; "
                "churned = {churn}+ days"),
    "tl_note_no_rfm": ("RFM：{as_of} 前没有支付订单，未评分", "RFM: no paid order up to {as_of}, not scored"),
    "tl_note_rfm_missing": ("RFM：本版本没有 RFM 模块", "RFM: the RFM module is not available in this build"),
    "tl_note_proxy": ("该店铺没有订单数据：支付事件代替订单（无金额）",
                      "this store has no orders: purchase events stand in for them (no amounts)"),
})


@dataclass(frozen=True)
class Lifecycle:
    stage: str | None  # new | active | dormant | churned; None = no activity up to as_of
    rule: str  # why, in the chosen language, with the thresholds
    as_of: date
    first_activity: date | None  # local days
    last_activity: date | None
    days_since_first: int | None
    days_since_last: int | None
    new_days: int = NEW_DAYS
    active_days: int = ACTIVE_DAYS
    churn_days: int = DEFAULT_CHURN_DAYS


@dataclass(frozen=True)
class UserTimeline(Result):
    store_id: str
    user_id: str
    profile: dict[str, Any]
    lifecycle: Lifecycle
    rfm: dict[str, Any] | None
    timeline: list[dict[str, Any]]  # oldest first; keys = COLUMNS
    truncated: int  # items in range left out by ``limit``
    total: int  # items in range before ``limit``
    start: date | None
    end: date | None  # local days the timeline covers (None = unbounded start)
    kinds: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def table_rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.timeline]

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.table_rows(), columns=list(COLUMNS))


def check_churn_days(churn_days: Any) -> int:
    """``churn_days`` (the dormant_days setting): a whole number of days in ACTIVE_DAYS + 1 .. MAX_DAYS."""
    if isinstance(churn_days, bool) or not isinstance(churn_days, int) or churn_days > MAX_DAYS:
        raise ShoplensError(f"churn_days {churn_days!r} is not a whole number in {ACTIVE_DAYS + 1}..{MAX_DAYS}",
                            hint="e.g. churn_days=180 (settings: dormant_days in shoplens.yaml)",
                            zh=f"churn_days {churn_days!r} 不是 {ACTIVE_DAYS + 1}..{MAX_DAYS} 之间的整数",
                            zh_hint="例如 churn_days=180（shoplens.yaml 的 settings: dormant_days）")
    if churn_days <= ACTIVE_DAYS:
        raise ShoplensError(f"dormant_days {churn_days} must be more than {ACTIVE_DAYS}",
                            hint="set settings: dormant_days in shoplens.yaml, e.g. 180",
                            zh=f"dormant_days {churn_days} 必须大于 {ACTIVE_DAYS}",
                            zh_hint="在 shoplens.yaml 的 settings: dormant_days 中设置，例如 180")
    return churn_days


def classify(first: date | None, last: date | None, as_of: date, churn_days: int = DEFAULT_CHURN_DAYS) -> Lifecycle:
    """The lifecycle stage from the first and last local activity days (see the module docstring)."""
    check_churn_days(churn_days)
    rule = t("tl_rule").format(new=NEW_DAYS, active=ACTIVE_DAYS, last_dormant=churn_days - 1, churn=churn_days)
    if first is None or last is None:
        return Lifecycle(None, f"{t('tl_why_none').format(as_of=as_of)}; {rule}", as_of, None, None, None, None,
                         churn_days=churn_days)
    since_first, since_last = (as_of - first).days, (as_of - last).days
    if since_first < NEW_DAYS:
        stage, why = "new", t("tl_why_new").format(first=first, as_of=as_of, days=since_first, n=NEW_DAYS)
    else:
        stage = "active" if since_last < ACTIVE_DAYS else "dormant" if since_last < churn_days else "churned"
        why = t("tl_why_last").format(last=last, as_of=as_of, days=since_last)
    return Lifecycle(stage, f"{t('tl_stage_' + stage)}: {why}; {rule}", as_of, first, last, since_first, since_last,
                     churn_days=churn_days)


def user_timeline(wh: Any, user_id: str, *, store: str | Iterable[str] | None = None, start: date | None = None,
                  end: date | None = None, kinds: str | Iterable[str] | None = None, limit: int | None = 200,
                  as_of: date | None = None, churn_days: int | None = None) -> UserTimeline:
    """Profile, lifecycle, RFM tier and the newest ``limit`` items (0/None = all) of one user."""
    from shoplens.analyses.segments.compile import check_day

    if user_id is not None and not isinstance(user_id, str):
        raise ShoplensError(f"user_id {user_id!r} is not text", hint="user ids are strings, e.g. \"u123\"",
                            zh=f"user_id {user_id!r} 不是文本", zh_hint="用户 ID 是字符串，例如 \"u123\"")
    user = check_literal((user_id or "").strip(), "user_id", MAX_USER_ID_CHARS)
    if not user:
        raise ShoplensError("which user?", hint="shoplens user USER_ID", zh="要查看哪个用户？",
                            zh_hint="shoplens user USER_ID")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT):
        raise ShoplensError(f"--limit {limit!r} is not a count",
                            hint=f"e.g. --limit 50 (0 = all; at most {MAX_LIMIT:,})",
                            zh=f"--limit {limit!r} 不是条数",
                            zh_hint=f"例如 --limit 50（0 = 全部；最多 {MAX_LIMIT:,}）")
    if churn_days is not None:
        check_churn_days(churn_days)  # before the warehouse is read
    start, end, as_of = check_day(start, "--from"), check_day(end, "--to"), check_day(as_of, "as_of")
    chosen = parse_kinds(kinds)
    if start and end and start > end:
        raise ShoplensError(f"--from {start} is after --to {end}", hint="swap the dates",
                            zh=f"--from {start} 晚于 --to {end}", zh_hint="请交换两个日期")
    wanted = [store] if isinstance(store, str) else list(store or [])
    stores = resolve_stores(wh, wanted or None)
    events = wh.con.execute(f"SELECT {EVENT_COLUMNS} FROM events WHERE user_id = $user AND {_in_stores(stores)}",
                            {"user": user}).fetch_arrow_table()
    info = _find_store(wh, user, stores, set(events.column("store_id").to_pylist()))
    ctx = open_context(wh, store=info.store_id)  # all history: RFM scores need it; knows the last data day
    as_of = as_of or ctx.data_end or date.today()
    churn_days = churn_days if churn_days is not None else _setting_churn_days()
    has_orders = wh.con.execute("SELECT count(*) > 0 FROM (SELECT 1 FROM orders WHERE store_id = ? LIMIT 1)",
                                [info.store_id]).fetchone()[0]
    name = f"_shoplens_user_events_{uuid4().hex}"  # the one scan of events, shared by the queries below
    wh.con.register(name, events)
    try:
        frames, total = fetch(wh, info.store_id, user, Scope((info,), start, end or as_of), chosen, limit or None,
                              name)
        profile = _profile(wh, info, user, as_of, has_orders, name)
    finally:
        wh.con.unregister(name)
    rows = build_rows(frames, info.timezone, info.currency, limit or None)
    first, last = profile.pop("_first_day"), profile.pop("_last_day")
    notes = [] if has_orders else [t("tl_note_proxy")]
    rfm = _rfm(ctx, user, as_of, notes) if profile["orders"] else None  # no paid order: nothing to score
    if not profile["orders"]:
        notes.append(t("tl_note_no_rfm").format(as_of=as_of))
    return UserTimeline(info.store_id, user, profile, classify(first, last, as_of, churn_days), rfm, rows,
                        total - len(rows), total, start, end or as_of, chosen, tuple(notes))


def parse_kinds(kinds: str | Iterable[str] | None) -> tuple[str, ...]:
    """Kinds from ``event,order`` or a list (plural forms accepted), in the canonical order."""
    if kinds is not None and not isinstance(kinds, str | list | tuple | set | frozenset):
        raise ShoplensError(f"kinds {kinds!r} is not a list of kinds", hint=f"kinds: {', '.join(KINDS)}",
                            zh=f"kinds {kinds!r} 不是类型列表", zh_hint=f"可选类型：{', '.join(KINDS)}")
    items = kinds.split(",") if isinstance(kinds, str) else list(kinds or [])
    picked = set()
    for raw in items:
        if not isinstance(raw, str):
            raise ShoplensError(f"unknown kind {raw!r}", hint=f"kinds: {', '.join(KINDS)}",
                                zh=f"未知的类型 {raw!r}", zh_hint=f"可选类型：{', '.join(KINDS)}")
        k = raw.strip().lower()
        if not k:
            continue
        k = k if k in KINDS else k[:-1] if k.endswith("s") and k[:-1] in KINDS else k
        if k not in KINDS:
            raise ShoplensError(f"unknown kind {raw.strip()!r}", hint=f"kinds: {', '.join(KINDS)}",
                                zh=f"未知的类型 {raw.strip()!r}", zh_hint=f"可选类型：{', '.join(KINDS)}")
        picked.add(k)
    return tuple(k for k in KINDS if k in picked) if picked else KINDS


def _setting_churn_days() -> int:
    """The metrics' ``dormant_days`` setting (shipped default, then $SHOPLENS_CONFIG / ./shoplens.yaml)."""
    from shoplens.metrics.targets import load_targets

    return int(load_targets(None).settings.get("dormant_customers", {}).get("days", DEFAULT_CHURN_DAYS))


# ---- which store ------------------------------------------------------------------------------------
USER_TABLES = ("orders", "customers", "refunds", "reviews", "service_tickets")  # and events, read by the caller


def _in_stores(stores: tuple[StoreInfo, ...]) -> str:
    return f"store_id IN ({', '.join(lit(s.store_id) for s in stores)})"


def _find_store(wh: Any, user: str, stores: tuple[StoreInfo, ...], with_events: set[str]) -> StoreInfo:
    """The one store of the scope that knows ``user`` (``with_events``: stores where the user has events)."""
    ids = [s.store_id for s in stores]
    union = " UNION ".join(f"SELECT DISTINCT store_id FROM {tb} WHERE user_id = $user AND {_in_stores(stores)}"
                           for tb in USER_TABLES)
    found = sorted(with_events | {r[0] for r in wh.con.execute(union, {"user": user}).fetchall()})
    if len(found) > 1:
        listed = ", ".join(found)
        raise ShoplensError(f"user {user!r} exists in several stores: {listed}", hint=f"choose one: --store {found[0]}",
                            zh=f"用户 {user!r} 存在于多个店铺：{listed}", zh_hint=f"请选一个：--store {found[0]}")
    if not found:
        similar = similar_ids(wh, user, ids)
        where = f" in store {ids[0]}" if len(ids) == 1 else ""
        where_zh = f"（店铺 {ids[0]}）" if len(ids) == 1 else ""
        if similar:
            hint, zh_hint = f"similar ids: {', '.join(similar)}", f"相近的用户：{', '.join(similar)}"
        else:
            hint, zh_hint = "ids are case-sensitive; check --store", "用户 ID 区分大小写；请检查 --store"
        raise NotFoundError(f"unknown user {user!r}{where}", hint=hint, zh=f"未知用户 {user!r}{where_zh}",
                            zh_hint=zh_hint)
    return next(s for s in stores if s.store_id == found[0])


def similar_ids(wh: Any, user: str, stores: list[str], n: int = 5) -> list[str]:
    """Up to ``n`` ids sharing the longest case-insensitive prefix (at least half of ``user``).

    Customers and orders are searched first (small tables); events only when they find nothing,
    as that scans the whole events table (about a second on 20 M events).
    """
    q = user.lower()[:32]
    k_min = max(1, len(q) // 2)
    common = " ".join(f"WHEN starts_with(lower(user_id), {lit(q[:i])}) THEN {i}" for i in range(len(q), k_min - 1, -1))
    in_ = ", ".join(lit(s) for s in stores)
    for tables in (("customers", "orders"), ("events",)):
        ids = " UNION ".join(f"SELECT DISTINCT user_id FROM {tb} WHERE store_id IN ({in_})"
                             f" AND starts_with(lower(user_id), {lit(q[:k_min])})" for tb in tables)
        rows = wh.con.execute(f"SELECT user_id FROM ({ids}) ORDER BY CASE {common} ELSE 0 END DESC,"
                              f" abs(length(user_id) - {len(user)}), user_id LIMIT {int(n)}").fetchall()
        if rows:
            return [r[0] for r in rows]
    return []


# ---- profile -------------------------------------------------------------------------------------------
def _until(as_of: date, zone: str) -> datetime:
    """The UTC instant the local day after ``as_of`` starts (history is everything before it)."""
    return datetime.combine(as_of + timedelta(days=1), time(), ZoneInfo(zone)).astimezone(ZoneInfo("UTC")).replace(
        tzinfo=None)


def _profile(wh: Any, info: StoreInfo, user: str, as_of: date, has_orders: bool, events: str) -> dict[str, Any]:
    """The header numbers as of ``as_of`` (``events``: the relation of the user's events)."""
    params = {"store": info.store_id, "user": user, "until": _until(as_of, info.timezone)}
    linked = "x.store_id = $store AND (x.user_id = $user OR x.order_id IN (SELECT order_id FROM orders" \
             " WHERE store_id = $store AND user_id = $user)) AND {ts} < $until"
    if has_orders:  # the catalog's paid orders, narrowed to this user before anything is read
        paid = (f"SELECT coalesce(o.paid_ts, o.created_ts) AS pay_ts, o.gross_amount_rc AS amount FROM orders o"
                f" WHERE o.store_id = $store AND o.user_id = $user AND {PAID_ORDER.format(o='o')}")
        paid_count = "count(*)"
    else:  # purchase events, one order per order id (properties.order_id, else the event id)
        paid = (f"SELECT ts AS pay_ts, NULL::DECIMAL(18,4) AS amount, coalesce(order_id, event_id) AS oid"
                f" FROM {events} WHERE store_id = $store AND user_id = $user AND event = 'purchase'")
        paid_count = "count(DISTINCT oid)"
    sql = f"""
        WITH ev AS (SELECT ts, channel, device, country, session_id FROM {events}
                    WHERE store_id = $store AND user_id = $user AND ts < $until),
             od AS (SELECT created_ts AS ts, channel, device, country FROM orders
                    WHERE store_id = $store AND user_id = $user AND created_ts < $until),
             act AS (SELECT ts, channel, device, country FROM ev UNION ALL SELECT ts, channel, device, country FROM od),
             po AS (SELECT * FROM ({paid}) WHERE pay_ts < $until)
        SELECT (SELECT count(*) FROM ev) AS events, (SELECT count(DISTINCT session_id) FROM ev) AS sessions,
               (SELECT count(*) FROM od) AS orders_placed, (SELECT min(ts) FROM act) AS first_activity,
               (SELECT max(ts) FROM act) AS last_activity,
               (SELECT arg_min(channel, ts) FROM act WHERE channel IS NOT NULL) AS first_channel,
               (SELECT arg_max(country, ts) FROM act WHERE country IS NOT NULL) AS last_country,
               (SELECT list(device ORDER BY n DESC, device) FROM (SELECT device, count(*) AS n FROM act
                    WHERE device IS NOT NULL GROUP BY device)) AS devices,
               (SELECT {paid_count} FROM po) AS orders, (SELECT CAST(sum(amount) AS DOUBLE) FROM po) AS gmv,
               (SELECT min(pay_ts) FROM po) AS first_order, (SELECT max(pay_ts) FROM po) AS last_order,
               (SELECT count(*) FROM refunds x WHERE {linked.format(ts='x.ts')}) AS refund_count,
               (SELECT CAST(sum(amount_rc) AS DOUBLE) FROM refunds x WHERE {linked.format(ts='x.ts')}) AS refunds,
               (SELECT count(*) FROM reviews x WHERE {linked.format(ts='x.ts')}) AS reviews,
               (SELECT avg(rating) FROM reviews x WHERE {linked.format(ts='x.ts')}) AS avg_rating,
               (SELECT count(*) FROM service_tickets x WHERE {linked.format(ts='x.opened_ts')}) AS tickets,
               c.first_seen, c.signup_ts, c.country, c.tags, {MEMBER_TIER} AS member_tier
        FROM (SELECT $store AS store_id, $user AS user_id) u {CUSTOMER_JOIN.format(a='u')}"""
    r = _one(wh, sql, params)
    assert r is not None  # one row by construction (the FROM is a one-row SELECT)
    tz = ZoneInfo(info.timezone)
    seen = [x for x in (r["first_seen"], r["first_activity"]) if x is not None]
    day = _local_day(tz)
    gmv = r["gmv"] if has_orders else None
    orders = int(r["orders"])
    return clean({
        "store_id": info.store_id, "user_id": user, "timezone": info.timezone, "currency": info.currency,
        "as_of": as_of, "first_seen": local_text(min(seen), tz) if seen else None,
        "last_seen": local_text(r["last_activity"], tz), "signup": local_text(r["signup_ts"], tz),
        "country": r["country"] or r["last_country"], "member_tier": r["member_tier"], "tags": r["tags"],
        "first_channel": r["first_channel"], "devices": list(r["devices"]) if r["devices"] is not None else [],
        "events": int(r["events"]), "sessions": int(r["sessions"]), "orders": orders,
        "orders_placed": int(r["orders_placed"]), "gmv": (gmv or 0.0) if has_orders else None,
        "aov": ratio(gmv, orders) if has_orders else None, "first_order_day": day(r["first_order"]),
        "last_order_day": day(r["last_order"]), "refunds": r["refunds"] or 0.0, "refund_count": int(r["refund_count"]),
        "reviews": int(r["reviews"]), "avg_rating": r["avg_rating"], "tickets": int(r["tickets"]),
    }) | {"_first_day": day(r["first_activity"]), "_last_day": day(r["last_activity"])}


def _one(wh: Any, sql: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The first row as a dict of Python values (None for NULL), or None without rows."""
    cur = wh.con.execute(sql, params)
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))


def _local_day(tz: ZoneInfo) -> Callable[[datetime | None], date | None]:
    def day(ts: datetime | None) -> date | None:
        return None if ts is None else ts.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).date()

    return day


# ---- RFM -----------------------------------------------------------------------------------------------
def _rfm(ctx: Context, user: str, as_of: date, notes: list[str]) -> dict[str, Any] | None:
    """The user's row of the store-wide RFM scores as of ``as_of`` (None: no paid order, or no RFM module)."""
    try:
        from shoplens.analyses.rfm import TIERS, customer_scores_sql
    except ImportError:  # pragma: no cover - only while the RFM module is being written
        notes.append(t("tl_note_rfm_missing"))
        return None
    bins = 5
    sql = f"SELECT * FROM ({customer_scores_sql(ctx, as_of, bins)}) WHERE user_id = $user"
    r = _one(ctx.wh, sql, {"user": user})
    if r is None:
        notes.append(t("tl_note_no_rfm").format(as_of=as_of))
        return None
    zh, en = TIERS.get(r["tier"], (r["tier"], r["tier"]))
    return clean({"tier": r["tier"], "name_zh": zh, "name_en": en, "bins": bins, "as_of": as_of,
                  "r_score": r["r_score"], "f_score": r["f_score"], "m_score": r["m_score"],
                  "recency_days": r["recency_days"], "frequency": r["frequency"],
                  "monetary": None if r["monetary"] is None else float(r["monetary"]),
                  "last_order_day": r["last_day"]})
