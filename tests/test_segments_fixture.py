"""Behavioural segments on a hand-made two-store warehouse: every leaf kind, and/or/not, window
boundaries in local days, per-store identity, storage, the Context hook and the read-only refusal.

Store ``a`` (Asia/Shanghai, UTC+8, CNY) has events (with purchase events), orders and customers;
its last data day is 2026-03-31 (event a23 at 23:00 local). Store ``b`` (America/New_York, UTC-5
in February, USD) has only orders, so its paid orders are its purchase events; its last data day
is 2026-02-20 (order b3 at 23:00 local). User ``u1`` exists in both stores and is a different
person in each. All timestamps below are UTC; comments give local times where they matter.

Who is who (derived by hand from the rows; the tests compare against these sets):
    a:u1  customers CN gold; first event via live_stream; paid o1 300 (2026-01-05), o2 200 (03-02 00:00 local,
          the first minute of "the last 30 days"), o3 600 (03-25): 3 orders, GMV 1100; add_to_cart at
          03-01 23:59 local (one minute outside the last 30 days); device mostly mobile
    a:u2  no customers row; latest country KR (order o4, never paid); 3 add_to_cart on 03-10; email first;
          device desktop (3 of 4 events)
    a:u3  customers country blank, tier silver; first event has no channel, then kol; paid o5 1200 (03-20);
          latest event country DE (03-31); device app
    a:u4  customers only: GB, tier " VIP "
    a:u5  one paid order o6 80 (2025-12-20, direct, desktop, SG) and no events
    a guest: paid order o7 999 has no user id
    b:u1  customers US (no tier); paid b1 50 (02-01) and b2 70 (02-10 23:59 local); social, mobile
    b:u6  paid b3 40 (02-20 23:00 local), email, desktop, US
    b:u7  customers only: CA, gold
    b:u8  paid b4 10 (02-11 00:00 local), live_stream, app, CA
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from csv_files import write_csv
from shoplens.analyses.context import open_context
from shoplens.analyses.segments import (
    delete_segment,
    get_segment,
    list_segments,
    members,
    members_sql,
    profile,
    save_segment,
)
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files

EVENTS = ("event_id,ts,user_id,session_id,event,channel,device,country,properties", [
    ("a01", "2026-01-05T02:00:00Z", "u1", "S1", "page_view", "live_stream", "mobile", "CN", ""),
    ("a02", "2026-01-05T02:10:00Z", "u1", "S1", "purchase", "live_stream", "mobile", "CN", '{"order_id": "o1"}'),
    ("a03", "2026-03-01T15:59:00Z", "u1", "S2", "add_to_cart", "email", "desktop", "CN", ""),  # 03-01 23:59
    ("a04", "2026-03-01T16:00:00Z", "u1", "S2", "purchase", "email", "mobile", "CN", '{"order_id": "o2"}'),  # 03-02
    ("a05", "2026-03-25T03:00:00Z", "u1", "S3", "purchase", "live_stream", "mobile", "CN", '{"order_id": "o3"}'),
    ("a10", "2026-02-14T01:00:00Z", "u2", "S4", "page_view", "email", "desktop", "JP", ""),
    ("a11", "2026-03-10T01:00:00Z", "u2", "S5", "add_to_cart", "email", "desktop", "KR", ""),
    ("a12", "2026-03-10T01:05:00Z", "u2", "S5", "add_to_cart", "email", "desktop", "KR", ""),
    ("a13", "2026-03-10T01:10:00Z", "u2", "S5", "add_to_cart", "email", "tablet", "KR", ""),
    ("a20", "2026-03-20T05:00:00Z", "u3", "S6", "page_view", "", "app", "FR", ""),
    ("a21", "2026-03-20T05:05:00Z", "u3", "S6", "page_view", "kol", "app", "FR", ""),
    ("a22", "2026-03-20T05:10:00Z", "u3", "S6", "purchase", "kol", "app", "FR", '{"order_id": "o5"}'),
    ("a23", "2026-03-31T15:00:00Z", "u3", "S7", "page_view", "kol", "app", "DE", ""),  # 03-31 23:00: last day
])
ORDERS_A = ("order_id,user_id,created_ts,paid_ts,status,gross_amount,channel,device,country", [
    ("o1", "u1", "2026-01-05T02:10:00Z", "2026-01-05T02:10:00Z", "paid", "300", "live_stream", "mobile", "CN"),
    ("o2", "u1", "2026-03-01T16:00:00Z", "2026-03-01T16:00:00Z", "paid", "200", "email", "mobile", "CN"),
    ("o3", "u1", "2026-03-25T03:00:00Z", "2026-03-25T03:00:00Z", "paid", "600", "live_stream", "mobile", "CN"),
    ("o4", "u2", "2026-03-10T01:20:00Z", "", "created", "500", "email", "", "KR"),  # never paid
    ("o5", "u3", "2026-03-20T05:10:00Z", "2026-03-20T05:10:00Z", "paid", "1200", "kol", "app", "FR"),
    ("o6", "u5", "2025-12-20T02:00:00Z", "2025-12-20T02:00:00Z", "paid", "80", "direct", "desktop", "SG"),
    ("o7", "", "2026-03-05T02:00:00Z", "2026-03-05T02:00:00Z", "paid", "999", "direct", "mobile", "CN"),  # guest
])
CUSTOMERS_A = ("user_id,country,member_tier", [("u1", "CN", "gold"), ("u3", "", "silver"), ("u4", "GB", " VIP ")])
ORDERS_B = ("order_id,user_id,created_ts,paid_ts,status,gross_amount,channel,device,country", [
    ("b1", "u1", "2026-02-01T15:00:00Z", "2026-02-01T15:00:00Z", "paid", "50", "social", "mobile", "US"),
    ("b2", "u1", "2026-02-11T04:59:00Z", "2026-02-11T04:59:00Z", "paid", "70", "social", "mobile", "US"),  # 02-10
    ("b3", "u6", "2026-02-21T04:00:00Z", "2026-02-21T04:00:00Z", "paid", "40", "email", "desktop", "US"),  # 02-20
    ("b4", "u8", "2026-02-11T05:00:00Z", "2026-02-11T05:00:00Z", "paid", "10", "live_stream", "app", "CA"),  # 02-11
])
CUSTOMERS_B = ("user_id,country,member_tier", [("u1", "US", ""), ("u7", "CA", "gold")])
STORES = {"a": ("CNY", "Asia/Shanghai", {"events": EVENTS, "orders": ORDERS_A, "customers": CUSTOMERS_A}),
          "b": ("USD", "America/New_York", {"orders": ORDERS_B, "customers": CUSTOMERS_B})}

A = {("a", u) for u in ("u1", "u2", "u3", "u4", "u5")}
B = {("b", u) for u in ("u1", "u6", "u7", "u8")}


def build(path: Path, stores: dict[str, Any] = STORES) -> Path:
    """The warehouse of the module docstring (or of ``stores``), loaded from canonical CSVs like a user would."""
    folder = path.parent / "csv"
    folder.mkdir(parents=True, exist_ok=True)
    with shoplens.connect(str(path)) as wh:
        for store, (currency, zone, tables) in stores.items():
            for table, (header, rows) in tables.items():
                file = write_csv(folder / f"{store}_{table}.csv", header, rows)
                summary = import_files(wh, [file], table=table, store=store, currency=currency, timezone=zone)
                assert summary.files[0].quarantined == 0, summary.examples
                assert summary.files[0].loaded == len(rows)
    return path


@pytest.fixture(scope="module")
def seg_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("segments") / "w.duckdb")


@pytest.fixture(scope="module")
def wh(seg_db: Path):
    warehouse = shoplens.connect(str(seg_db), read_only=True)
    yield warehouse
    warehouse.close()


@pytest.fixture
def writable(seg_db: Path, tmp_path: Path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(seg_db, copy)
    warehouse = shoplens.connect(str(copy))
    yield warehouse
    warehouse.close()


def who(wh: Any, rule: str | dict[str, Any], store: str | list[str] | None = None, **kw: Any) -> set[tuple[str, str]]:
    df = members(open_context(wh, store=store), rule, **kw)
    return set(zip(df.store_id, df.user_id, strict=True))


def a(*users: str) -> set[tuple[str, str]]:
    return {("a", u) for u in users}


def b(*users: str) -> set[tuple[str, str]]:
    return {("b", u) for u in users}


# ---- leaves ------------------------------------------------------------------------------------------
CASES = [
    # did(): counts within local-day windows ending on each store's own last data day
    ("did(purchase)", a("u1", "u3") | b("u1", "u6", "u8")),  # a:u5's order is no purchase EVENT in store a
    ("did(purchase, last_days=30)", a("u1", "u3") | b("u1", "u6", "u8")),
    ("did(purchase, min=2, last_days=30)", a("u1") | b("u1")),  # a04 at 00:00 local on the first day counts
    ("did(purchase, min=2, last_days=29)", b("u1")),
    ("did(purchase, last_days=10)", a("u1") | b("u6", "u8")),  # b2 at 23:59 the day before b's window
    ("did(purchase, last_days=11)", a("u1") | b("u1", "u6", "u8")),
    ("did(add_to_cart, last_days=30)", a("u2")),  # a03 at 23:59 local the day before
    ("did(add_to_cart, last_days=31)", a("u1", "u2")),
    ("did(add_to_cart, min=3)", a("u2")),
    ("did(add_to_cart, max=2)", (A | B) - a("u2")),  # at most: zero counts
    ("did(add_to_cart, min=1, max=1)", a("u1")),
    ("did(purchase[channel=live_stream])", a("u1") | b("u8")),
    ("did(purchase[channel=直播], min=2)", a("u1")),
    ("did(purchase[channel!=live_stream, device=mobile])", a("u1") | b("u1")),
    ("did(purchase, from=2026-03-02, to=2026-03-02)", a("u1")),
    ("did(purchase, to=2026-03-01)", a("u1") | b("u1", "u6", "u8")),
    ("did(purchase, from=2026-03-21)", a("u1")),
    ("did(page_view, from=2026-03-31)", a("u3")),
    # paid orders and their GMV up to the as-of day (per store, reporting currency)
    ("orders>=2", a("u1") | b("u1")),
    ("orders>=3", a("u1")),
    ("orders<1", a("u2", "u4") | b("u7")),  # o4 was never paid
    ("orders=1", a("u3", "u5") | b("u6", "u8")),
    ("orders!=1", a("u1", "u2", "u4") | b("u1", "u7")),
    ("lifetime_gmv>=1000", a("u1", "u3")),
    ("lifetime_gmv>1100", a("u3")),
    ("lifetime_gmv>=1100", a("u1", "u3")),
    ("lifetime_gmv<50", a("u2", "u4") | b("u6", "u7", "u8")),
    ("lifetime_gmv<=120.0", a("u2", "u4", "u5") | b("u1", "u6", "u7", "u8")),
    # properties
    ("country=CN", a("u1")),
    ("country=KR", a("u2")),  # no customers row: the latest event/order country (o4 after a13)
    ("country=DE", a("u3")),  # blank customers country: the latest event (a23)
    ("country=gb|sg", a("u4", "u5")),  # case-insensitive
    ("country=US", b("u1", "u6")),
    ("country=CA", b("u7", "u8")),
    ("member_tier=gold", a("u1") | b("u7")),  # u1 of store b is another person (no tier)
    ("member_tier=VIP", a("u4")),  # stored " VIP "
    ("member_tier=none", a("u2", "u5") | b("u1", "u6", "u8")),
    ("first_channel=live_stream", a("u1") | b("u8")),
    ("first_channel=kol", a("u3")),  # the first event names no channel
    ("first_channel=direct|social|email", a("u2", "u5") | b("u1", "u6")),
    ("device=mobile", a("u1") | b("u1")),
    ("device=desktop", a("u2", "u5") | b("u6")),
    ("device=app", a("u3") | b("u8")),
    # and / or / not
    ("not country=CN", (A | B) - a("u1")),
    ("country!=CN", (A | B) - a("u1")),
    ("not did(purchase)", a("u2", "u4", "u5") | b("u7")),
    ("orders>=2 and not did(purchase, last_days=10)", b("u1")),
    ("(member_tier=gold or device=app) and orders>=1", a("u1", "u3") | b("u8")),
    ("member_tier=gold or device=app and orders>=1", a("u1", "u3") | b("u7", "u8")),  # and binds tighter
    ("not (country=CN or country=US)", (A | B) - a("u1") - b("u1", "u6")),
    ("did(purchase) and not not did(purchase, last_days=10)", a("u1") | b("u6", "u8")),
]


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[c[0] for c in CASES])
def test_leaves_and_logic(wh: Any, rule: str, expected: set[tuple[str, str]]) -> None:
    assert who(wh, rule) == expected


def test_one_store_and_the_json_form(wh: Any) -> None:
    assert who(wh, "orders>=2", store="b") == b("u1")
    tree = {"and": [{"metric": "orders", ">=": 1},
                    {"not": {"event": "purchase", "min": 2, "max": None, "last_days": 30}},
                    {"property": "country", "in": ["FR", "DE", "US"]}]}
    assert who(wh, tree) == a("u3") | b("u6")


def test_as_of_moves_every_window_and_total(wh: Any) -> None:
    as_of = date(2026, 3, 20)
    assert who(wh, "did(purchase, last_days=1)", as_of=as_of) == a("u3")  # a22 at 13:10 local on 03-20
    assert who(wh, "orders>=3", as_of=as_of) == set()  # o3 (03-25) is after the as-of day
    assert who(wh, "lifetime_gmv>=500", as_of=as_of) == a("u1", "u3")
    assert who(wh, "did(purchase, from=2026-03-21)", as_of=as_of) == set()


def test_rfm_tiers(wh: Any) -> None:
    """Tiers worked out by hand from the rfm module's rules (5 bins: low 1-2, mid 3, high 4-5).

    a: u1 (last 03-25, F 3, M 1100) R4 F4 M2 -> potential; u3 (03-20, 1, 1200) R2 F1 M4 and
    u5 (2025-12-20, 1, 80) R1 F1 M1 -> dormant. b: u1 (02-10, 2, 120) R1 F4 M4 -> lost;
    u8 (02-11, 1, 10) R2 F1 M1 -> dormant; u6 (02-20, 1, 40) R4 F1 M2 -> new.
    """
    assert who(wh, "rfm=dormant") == a("u3", "u5") | b("u8")
    assert who(wh, "rfm=potential|lost") == a("u1") | b("u1")
    assert who(wh, "rfm=new", store="b") == b("u6")
    assert who(wh, "rfm!=dormant") == (A | B) - a("u3", "u5") - b("u8")  # users who never paid have no tier


def test_the_query_keeps_user_values_as_literals(wh: Any) -> None:
    from shoplens.analyses.segments.compile import make_frame, members_query
    from shoplens.analyses.segments.parser import parse_rule

    # the compiled SQL quotes values (what a value check would not stop: a known value with a quote in it)
    tree = parse_rule("country=\"x'); DROP TABLE orders; --\" or did(purchase[channel=a'b])")
    sql = members_query(make_frame(open_context(wh)), tree)
    assert "'x''); drop table orders; --'" in sql and "'a''b'" in sql
    # as a rule, the value is nobody's country: a clear error naming it, and the orders are still there
    with pytest.raises(ShoplensError, match="unknown country"):
        who(wh, "country=\"x'); DROP TABLE orders; --\"")
    assert wh.con.execute("SELECT count(*) FROM orders").fetchone()[0] > 0


# ---- storage -----------------------------------------------------------------------------------------
def test_save_list_show_export_delete_round_trip(writable: Any) -> None:
    saved, created = save_segment(writable, "buyers", "orders>=1", description="anyone who paid")
    assert created and saved.rule == "orders>=1" and saved.description == "anyone who paid"
    again, created = save_segment(writable, "buyers", "orders>=2")  # replace: keeps created_at and description
    assert not created and again.created_at == saved.created_at and again.updated_at >= saved.updated_at
    assert again.definition == {"metric": "orders", ">=": 2} and again.description == "anyone who paid"
    save_segment(writable, "gold", {"property": "member_tier", "in": ["GOLD"]})
    assert [s.name for s in list_segments(writable)] == ["buyers", "gold"]
    assert get_segment(writable, "gold").rule == "member_tier=gold"

    ctx = open_context(writable)
    assert who(writable, "buyers") == a("u1") | b("u1")
    result = profile(ctx, "buyers")
    assert (result.name, result.members, result.users, result.share) == ("buyers", 2, 9, 2 / 9)
    by_store = {s.store_id: s for s in result.stores}
    # store a: u1's 3 orders (1100) of 6 paid orders (3379 with the guest's 999); b: u1's 2 (120) of 4 (170)
    sa, sb = by_store["a"], by_store["b"]
    assert (sa.members, sa.users, sa.gmv, sa.store_gmv, sa.orders, sa.store_orders) == (1, 5, 1100, 3379, 3, 6)
    assert (sb.members, sb.users, sb.gmv, sb.store_gmv, sb.gmv_share) == (1, 4, 120, 170, pytest.approx(120 / 170))
    assert (sa.as_of, sa.currency, sb.as_of, sb.currency) == (date(2026, 3, 31), "CNY", date(2026, 2, 20), "USD")
    top = {p: {(v.value, v.users) for v in values} for p, values in result.profile.items()}
    assert top == {"country": {("CN", 1), ("US", 1)}, "member_tier": {("gold", 1), ("none", 1)},
                   "first_channel": {("live_stream", 1), ("social", 1)}, "device": {("mobile", 2)}}
    assert json.loads(json.dumps(result.to_dict()))["stores"][0]["as_of"] == "2026-03-31"

    # the Context hook: every behaviour analysis sees only the members' events
    seg_ctx = open_context(writable, store="a", segment="gold")
    rows = seg_ctx.run(seg_ctx.events_sql(fields=("event_id", "user_id")))
    assert sorted(rows.event_id) == ["a01", "a02", "a03", "a04", "a05"]
    assert "store_id" in members_sql(seg_ctx, "gold")

    delete_segment(writable, "buyers")
    assert [s.name for s in list_segments(writable)] == ["gold"]
    with pytest.raises(ShoplensError) as info:
        members_sql(seg_ctx, "buyers")
    assert "no segment named 'buyers'" in str(info.value) and "gold" in str(info.value)
    assert "没有名为 'buyers' 的人群" in info.value.render("zh")


def test_saving_needs_a_writable_warehouse(wh: Any) -> None:
    with pytest.raises(ShoplensError) as info:
        save_segment(wh, "x", "orders>=1")
    assert "needs a writable warehouse" in str(info.value) and "shoplens.connect(path)" in str(info.value)
    assert "可写" in info.value.render("zh")
    with pytest.raises(ShoplensError, match="writable"):
        delete_segment(wh, "x")
    assert list_segments(wh) == []  # reading works read-only


def test_bad_names_and_rules_are_refused_before_saving(writable: Any) -> None:
    for name in ("", "has space", "x" * 65, "a;b"):
        with pytest.raises(ShoplensError, match="not allowed"):
            save_segment(writable, name, "orders>=1")
    with pytest.raises(ShoplensError, match="column 9"):
        save_segment(writable, "ok", "orders>=x")
    assert list_segments(writable) == []


def test_funnels_and_retention_keep_the_members(writable: Any) -> None:
    """Through ``Context.events_sql``: gold in store a is u1 alone (u2 also adds to cart but never buys)."""
    from shoplens.analyses.funnel import funnel
    from shoplens.analyses.retention import retention

    save_segment(writable, "gold", "member_tier=gold")
    everyone = funnel(writable, "add_to_cart,purchase", store="a", trend=False)
    gold = funnel(writable, "add_to_cart,purchase", store="a", segment="gold", trend=False)
    assert [s.count for s in everyone.steps] == [2, 1] and [s.count for s in gold.steps] == [1, 1]
    # first purchases: u1 in January (again in March), u3 in March
    cohorts = retention(writable, cohort_event="purchase", period="month", first_time=True, store="a").cohorts
    assert [(c.cohort, c.size) for c in cohorts] == [("2026-01", 1), ("2026-03", 1)]
    gold_cohorts = retention(writable, cohort_event="purchase", period="month", first_time=True, store="a",
                             segment="gold").cohorts
    assert [(c.cohort, c.size, c.values[:3]) for c in gold_cohorts] == [("2026-01", 1, (1, 0, 1))]


# ---- as of a past day: nothing later leaks in ------------------------------------------------------------
# Store ``s`` (Asia/Shanghai, UTC+8, CNY), evaluated as of 2026-03-10 (its last data day is 03-31, e7).
# The local day 03-10 ends at 2026-03-10T16:00Z. By hand, as of 03-10:
#
#     v1  e1 (03-01, email, mobile, JP); customers silver, first seen 03-01 -> in; its only order o2
#         (500, desktop, KR) and the KR/desktop events come on 03-20: 0 orders, country JP, device mobile
#     v2  everything on 03-15: paid o3 (300, kol), customers US gold first seen 03-15 -> NOT in the universe
#         (it is a gold member with an order only because of that later order)
#     v3  e5 (03-05, no channel, app, FR) -> in; e6 with live_stream/DE is at 03-11 00:00 local; customers
#         gold signed up at that same instant -> not yet known: tier none, first channel unknown, country FR
#     v4  paid o4 100 on 03-02 (direct, mobile, CN); o5 900 on 03-25 -> 1 order, GMV 100
#     v5  paid o6 50 on 02-20 (email, desktop, SG)
#     v6  o7 placed 03-10 23:00 local (social, mobile, GB) but paid on 03-12 -> in, 0 paid orders
#     v7  customers only, no dates (CA, vip): always known
#     RFM as of 03-10 (5 bins; customers v4 and v5 only): v4 R3 F1 M3 -> hibernating; v5 R1 F1 M1 -> dormant
# As of the last data day (03-31) everyone is in: v1 has 1 order (500), country KR (o2 after e1), device
# desktop (4 of 5 touches); v2 1 order (300), US, gold, first channel kol; v3 gold, first channel live_stream,
# country DE; v4 2 orders (1000); v6 1 order (paid 03-12).
LEAK_EVENTS = ("event_id,ts,user_id,session_id,event,channel,device,country,properties", [
    ("e1", "2026-03-01T02:00:00Z", "v1", "S1", "page_view", "email", "mobile", "JP", ""),
    ("e2", "2026-03-20T02:00:00Z", "v1", "S2", "page_view", "", "desktop", "KR", ""),
    ("e3", "2026-03-20T02:05:00Z", "v1", "S2", "page_view", "", "desktop", "KR", ""),
    ("e4", "2026-03-20T02:10:00Z", "v1", "S2", "purchase", "", "desktop", "KR", '{"order_id": "o2"}'),
    ("e5", "2026-03-05T02:00:00Z", "v3", "S3", "page_view", "", "app", "FR", ""),
    ("e6", "2026-03-10T16:00:00Z", "v3", "S4", "page_view", "live_stream", "app", "DE", ""),  # 03-11 00:00 local
    ("e7", "2026-03-31T02:00:00Z", "v4", "S5", "page_view", "direct", "mobile", "CN", ""),
])
LEAK_ORDERS = ("order_id,user_id,created_ts,paid_ts,status,gross_amount,channel,device,country", [
    ("o2", "v1", "2026-03-20T02:10:00Z", "2026-03-20T02:10:00Z", "paid", "500", "", "desktop", "KR"),
    ("o3", "v2", "2026-03-15T02:00:00Z", "2026-03-15T02:00:00Z", "paid", "300", "kol", "mobile", "US"),
    ("o4", "v4", "2026-03-02T02:00:00Z", "2026-03-02T02:00:00Z", "paid", "100", "direct", "mobile", "CN"),
    ("o5", "v4", "2026-03-25T02:00:00Z", "2026-03-25T02:00:00Z", "paid", "900", "direct", "mobile", "CN"),
    ("o6", "v5", "2026-02-20T02:00:00Z", "2026-02-20T02:00:00Z", "paid", "50", "email", "desktop", "SG"),
    ("o7", "v6", "2026-03-10T15:00:00Z", "2026-03-12T02:00:00Z", "paid", "70", "social", "mobile", "GB"),
])
LEAK_CUSTOMERS = ("user_id,first_seen,signup_ts,country,member_tier", [
    ("v1", "2026-03-01T02:00:00Z", "", "", "silver"),
    ("v2", "2026-03-15T02:00:00Z", "2026-03-15T02:00:00Z", "US", "gold"),
    ("v3", "", "2026-03-10T16:00:00Z", "", "gold"),
    ("v7", "", "", "CA", "vip"),
])
LEAK_STORES = {"s": ("CNY", "Asia/Shanghai", {"events": LEAK_EVENTS, "orders": LEAK_ORDERS,
                                               "customers": LEAK_CUSTOMERS})}
EARLY = date(2026, 3, 10)


def s(*users: str) -> set[tuple[str, str]]:
    return {("s", u) for u in users}


@pytest.fixture(scope="module")
def leak_wh(tmp_path_factory: pytest.TempPathFactory):
    path = build(tmp_path_factory.mktemp("segments_as_of") / "w.duckdb", LEAK_STORES)
    warehouse = shoplens.connect(str(path), read_only=True)
    yield warehouse
    warehouse.close()


AS_OF_CASES = [
    # (rule, members as of 03-10, members as of the last data day 03-31)
    ("orders>=1", s("v4", "v5"), s("v1", "v2", "v4", "v5", "v6")),
    ("orders<1", s("v1", "v3", "v6", "v7"), s("v3", "v7")),
    ("not did(purchase)", s("v1", "v3", "v4", "v5", "v6", "v7"), s("v2", "v3", "v4", "v5", "v6", "v7")),
    ("lifetime_gmv>=100", s("v4"), s("v1", "v2", "v4")),
    ("lifetime_gmv>=1000", set(), s("v4")),
    ("member_tier=gold", set(), s("v2", "v3")),
    ("member_tier=none", s("v3", "v4", "v5", "v6"), s("v4", "v5", "v6")),
    ("member_tier=silver|vip", s("v1", "v7"), s("v1", "v7")),
    ("first_channel=live_stream|kol", set(), s("v2", "v3")),
    ("first_channel=email|social", s("v1", "v5", "v6"), s("v1", "v5", "v6")),
    ("country=JP|FR", s("v1", "v3"), set()),
    ("country=KR|DE|US", set(), s("v1", "v2", "v3")),
    ("device=mobile", s("v1", "v4", "v6"), s("v2", "v4", "v6")),
    ("device=desktop", s("v5"), s("v1", "v5")),
    ("did(page_view)", s("v1", "v3"), s("v1", "v3", "v4")),
    ("rfm=hibernating", s("v4"), None),
    ("rfm=dormant", s("v5"), None),
]


@pytest.mark.parametrize(("rule", "early", "late"), AS_OF_CASES, ids=[c[0] for c in AS_OF_CASES])
def test_as_of_sees_nothing_later(leak_wh: Any, rule: str, early: set[tuple[str, str]],
                                  late: set[tuple[str, str]] | None) -> None:
    assert who(leak_wh, rule, as_of=EARLY) == early
    if late is not None:
        assert who(leak_wh, rule) == late
        assert who(leak_wh, rule, as_of=date(2026, 3, 31)) == late


def test_as_of_universe_and_profile(leak_wh: Any) -> None:
    """Everyone as of 03-10 is v1 v3 v4 v5 v6 v7 (6 users); the store's paid orders by then are o4 and o6."""
    everyone = s("v1", "v3", "v4", "v5", "v6", "v7")
    assert who(leak_wh, "orders>=0", as_of=EARLY) == everyone
    assert who(leak_wh, "orders>=0") == everyone | s("v2")
    result = profile(open_context(leak_wh), "orders>=1", as_of=EARLY)
    store = result.stores[0]
    assert (result.members, result.users) == (2, 6)
    assert (store.as_of, store.gmv, store.store_gmv, store.orders, store.store_orders) == (EARLY, 150, 150, 2, 2)
    top = {p: {(v.value, v.users) for v in values} for p, values in result.profile.items()}
    assert top == {"country": {("CN", 1), ("SG", 1)}, "member_tier": {("none", 2)},
                   "first_channel": {("direct", 1), ("email", 1)}, "device": {("mobile", 1), ("desktop", 1)}}
    # the Python API: the same member list, as of a date or its ISO text
    api = shoplens.segment_members(leak_wh, "member_tier=none", as_of="2026-03-10")
    assert set(zip(api.store_id, api.user_id, strict=True)) == s("v3", "v4", "v5", "v6")


def test_a_rule_is_compiled_against_the_warehouse_before_it_is_saved(writable: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The dry run (EXPLAIN of the compiled query) refuses SQL DuckDB cannot plan; nothing is stored."""
    from shoplens.analyses.segments import store as store_mod

    broken = "SELECT store_id, user_id FROM no_such_table"
    monkeypatch.setattr(store_mod, "members_query", lambda frame, tree: broken)
    with pytest.raises(ShoplensError) as info:
        save_segment(writable, "buyers", "orders>=1")
    assert "the rule cannot be evaluated" in str(info.value) and "no_such_table" in str(info.value)
    assert "nothing was saved" in str(info.value) and "规则无法执行" in info.value.render("zh")
    assert list_segments(writable) == []
    monkeypatch.undo()
    saved, created = save_segment(writable, "buyers", "orders>=1")
    assert saved.definition == {"metric": "orders", ">=": 1}
    assert created and [x.name for x in list_segments(writable)] == ["buyers"]


def test_out_of_range_rules_are_never_stored(writable: Any) -> None:
    for rule, words in [("did(purchase, last_days=99999999)", "last_days must be at most 36,500"),
                        ("did(purchase, from=0001-01-01)", "from 0001-01-01 is outside 1970-01-01 .. 2099-12-31"),
                        ("did(purchase, to=9999-12-31)", "to 9999-12-31 is outside"),
                        ("did(purchase, min=²)", "min must be a whole number >= 0, not '²'"),
                        ("did(purchase, min=99999999999999999999)", "min must be at most 1,000,000,000"),
                        ("orders>=99999999999", "orders>=99999999999 is out of range"),
                        ("lifetime_gmv>=1e300", "out of range")]:
        with pytest.raises(ShoplensError) as info:
            save_segment(writable, "x", rule)
        assert words in str(info.value), str(info.value)
    with pytest.raises(ShoplensError, match=r"rule \$.last_days: last_days must be at most 36,500"):
        save_segment(writable, "x", {"event": "purchase", "last_days": 10**40})
    assert list_segments(writable) == []


def test_saving_in_a_warehouse_without_data_still_checks_the_rule(tmp_path: Path) -> None:
    with shoplens.connect(str(tmp_path / "empty.duckdb")) as empty:
        saved, created = save_segment(empty, "later", "did(pv[channel=直播], last_days=30) and orders>=1")
        assert created and saved.rule == "did(product_view[channel=live_stream], last_days=30) and orders>=1"
        assert [x.name for x in list_segments(empty)] == ["later"]
