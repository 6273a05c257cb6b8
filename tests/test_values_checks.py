"""Known values or a clear error (issue #11, Seen 1 and the "—" of Seen 8), on the hand-made metrics fixture.

Facts of tests/metrics_fixture.py used below (store s1, Asia/Shanghai; W10 = 2026-03-02..08, W09 = 02-23..03-01):
- channels: events and orders use organic_search, direct, paid_search, kol, recommendation, live_stream; ad
  spend paid_search and kol; nothing uses email. kol rows are all in W10 (ad spend 03-05, e11-e13 and o26 on
  03-07), none in W09. live_stream: o27 (100 CNY, paid 03-08) and e30 (03-08), both W10.
- member tiers gold, silver, none (u5's blank tier reads none); categories apparel, shoes, bags; products p1..p7;
  carriers sf and yto, every shipment shipped in W10; no store has a country, a source or a search event.
- s1's data runs from 2025-03-04 (order o01, local day) to 2026-04-10 (event e99); s2 has only events, s3 only
  orders (no customers, no products in either).
- s1 users with a page_view event: u1, u2, u3, u4, u7, u8, u9 (7).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import shoplens
from csv_files import write_csv
from metrics_fixture import W09, W10
from shoplens import i18n
from shoplens.analyses.context import open_context
from shoplens.analyses.segments import SegmentMetricsEngine as MetricsEngine
from shoplens.analyses.segments import list_segments, save_segment, size
from shoplens.errors import ShoplensError
from shoplens.ingest.pipeline import import_files

NO_DATA = (date(2020, 1, 1), date(2020, 1, 31))


@pytest.fixture(scope="module")
def fx(engine: MetricsEngine) -> Any:
    """The fixture warehouse (the engine's connection: one process opens a DuckDB file one way only)."""
    return engine.wh


def gmv(engine: MetricsEngine, **kw: Any) -> Any:
    kw.setdefault("start", W10[0])
    kw.setdefault("end", W10[1])
    kw.setdefault("store", "s1")
    return engine.query("gmv", targets=False, **kw)


def refused(call: Any, *args: Any, **kw: Any) -> ShoplensError:
    with pytest.raises(ShoplensError) as info:
        call(*args, **kw)
    return info.value


# ---- metrics --where --------------------------------------------------------------------------------
@pytest.mark.parametrize(("where", "message", "hint"), [
    ({"channel": "paidsearch"}, "unknown channel 'paidsearch'", "did you mean paid_search?"),
    ({"device": "mobil"}, "unknown device 'mobil'", "did you mean mobile?"),
    ({"member_tier": "golden"}, "unknown member tier 'golden'", "did you mean gold?"),
    ({"category": "shoe"}, "unknown category 'shoe'", "did you mean shoes?"),
    ({"channel_type": "payed"}, "unknown channel type 'payed'", "did you mean paid?"),
    ({"new_vs_returning": "returner"}, "unknown new vs returning 'returner'", "did you mean returning?"),
])
def test_a_typo_in_a_metric_filter_is_an_error_with_did_you_mean(engine: MetricsEngine, where: dict[str, str],
                                                                  message: str, hint: str) -> None:
    exc = refused(gmv, engine, where=where)
    assert (exc.message, exc.hint, exc.where) == (message, hint, "--where")
    assert str(exc) == f"--where: {message} (hint: {hint})"


def test_the_error_is_bilingual(engine: MetricsEngine) -> None:
    exc = refused(gmv, engine, where={"channel": "paidsearch"})
    assert exc.render("zh") == "--where: 未知渠道 'paidsearch'（提示：是否想用 paid_search？）"


def test_nothing_close_lists_the_known_values_or_says_there_are_none(engine: MetricsEngine) -> None:
    exc = refused(gmv, engine, where={"member_tier": "platinum"})
    assert exc.hint.startswith("known values: ") and "`shoplens values member_tier`" in exc.hint
    assert set(exc.hint.removeprefix("known values: ").split(" (")[0].split(", ")) == {"gold", "silver", "none"}
    exc = refused(gmv, engine, where={"device": "watch"})  # a closed vocabulary: all of it
    assert exc.hint == "one of mobile, desktop, tablet, app, other"
    exc = refused(gmv, engine, where={"country": "USA"})  # no store of the fixture has a country
    assert (exc.message, exc.hint) == ("unknown country 'USA'", "these stores have no country values")
    exc = refused(gmv, engine, where={"product": "zz-404"})  # high cardinality: no list, one existence query
    assert (exc.message, exc.hint) == ("unknown product 'zz-404'", "no row of these stores has this product")


def test_a_value_of_another_store_is_unknown_in_this_one(engine: MetricsEngine) -> None:
    assert gmv(engine, where={"category": "shoes"}).rows[0]["gmv"] > 0
    exc = refused(gmv, engine, where={"category": "shoes"}, store="s2")  # s2 has no products
    assert (exc.message, exc.hint) == ("unknown category 'shoes'", "these stores have no category values")


def test_aliases_and_case_rules_keep_their_numbers(engine: MetricsEngine) -> None:
    """What the filters read today still reads the same: o27 (100 CNY) is the only live-stream order of W10."""
    for spelling in ("live_stream", "直播", "LIVE", " Live_Stream "):
        assert gmv(engine, where={"channel": spelling}).rows == [{"gmv": 100.0}], spelling
    assert gmv(engine, where={"member_tier": "GOLD"}).rows == gmv(engine, where={"member_tier": "gold"}).rows
    assert gmv(engine, where={"device": "PC"}).rows == gmv(engine, where={"device": "desktop"}).rows


def test_explain_checks_the_values_too(engine: MetricsEngine) -> None:
    exc = refused(engine.explain, "gmv", where={"channel": "paidsearch"}, store="s1")
    assert exc.hint == "did you mean paid_search?"


def test_a_segment_rule_of_a_metric_query_is_checked(engine: MetricsEngine) -> None:
    exc = refused(gmv, engine, segment="member_tier=golden")
    assert (exc.where, exc.message, exc.hint) == ("rule member_tier=golden", "unknown member tier 'golden'",
                                                  "did you mean gold?")


# ---- notes: a known value without rows, a range without data ------------------------------------------
def test_a_known_value_without_rows_gives_0_with_a_note(engine: MetricsEngine) -> None:
    result = gmv(engine, where={"channel": "email"})  # in the vocabulary, never used by the fixture
    assert result.rows == [{"gmv": 0.0}]
    assert result.notes == {"channel=email": {
        "reason": "no_rows", "dimension": "channel", "value": "email",
        "en": "channel=email has no rows in 2026-03-02..2026-03-08: its counts are 0",
        "zh": "channel=email 在 2026-03-02..2026-03-08 没有数据：计数为 0"}}
    w09 = gmv(engine, where={"channel": "kol"}, start=W09[0], end=W09[1])  # kol's rows are all in W10
    assert w09.rows == [{"gmv": 0.0}] and list(w09.notes) == ["channel=kol"]
    assert gmv(engine, where={"channel": "kol"}).notes == {}  # W10 has kol rows: no note
    # an open dimension: carriers shipped only in W10
    lost = engine.query("lost_parcel_rate", where={"carrier": "yto"}, start=W09[0], end=W09[1], store="s1",
                        targets=False)
    assert lost.rows == [{"lost_parcel_rate": None}] and list(lost.notes) == ["carrier=yto"]
    exc = refused(engine.query, "lost_parcel_rate", where={"carrier": "yt0"}, store="s1")
    assert exc.hint == "did you mean yto?"


def test_a_range_without_data_says_so_and_what_the_data_covers(engine: MetricsEngine) -> None:
    result = gmv(engine, start=NO_DATA[0], end=NO_DATA[1])
    assert result.rows == [{"gmv": None}]  # shown as "—"
    assert result.notes == {"range": {
        "reason": "no_data", "data_from": "2025-03-04", "data_to": "2026-04-10",
        "en": "no data in 2020-01-01..2020-01-31: the data covers 2025-03-04..2026-04-10",
        "zh": "2020-01-01..2020-01-31 没有数据：数据覆盖 2025-03-04..2026-04-10"}}
    assert result.to_dict()["notes"] == result.notes
    assert gmv(engine).notes == {}  # W10 has data


# ---- behaviour analyses: --where, steps, exclusions, anchors ------------------------------------------
@pytest.mark.parametrize(("kw", "text"), [
    ({"steps": "product_view,add_to_card,purchase"},
     "--steps: unknown event 'add_to_card' in step 2 (hint: did you mean add_to_cart?)"),
    ({"steps": "product_view,purchase[channel=livestream]"},
     "--steps: unknown channel 'livestream' in step 2 (hint: did you mean live_stream?)"),
    ({"steps": "product_view,purchase", "exclude": "favourite"},
     "--exclude: unknown event 'favourite' (hint: did you mean favorite?)"),
    ({"steps": "product_view,purchase", "where": ["device!=dekstop"]},
     "--where: unknown device 'dekstop' (hint: did you mean desktop?)"),
    ({"steps": "product_view,purchase", "where": ["channel=paidsearch"]},
     "--where: unknown channel 'paidsearch' (hint: did you mean paid_search?)"),
    ({"steps": "product_view,purchase", "where": ["properties.order_id=o99"]},
     "--where: unknown properties.order_id 'o99' (hint: no row of these stores has this properties.order_id)"),
])
def test_funnel_steps_conditions_and_filters_are_checked(fx: Any, kw: dict[str, Any], text: str) -> None:
    assert str(refused(shoplens.funnel, fx, store="s1", **kw)) == text


def test_funnel_step_error_in_chinese(fx: Any) -> None:
    exc = refused(shoplens.funnel, fx, "product_view,add_to_card", store="s1")
    assert exc.render("zh") == "--steps: 未知事件 'add_to_card'（第 2 步）（提示：是否想用 add_to_cart？）"


def test_known_values_still_count_the_same(fx: Any) -> None:
    """A known property value passes (o21 is the order_id of u1's purchase event e06); the alias 付费搜索 is
    paid_search: page views on it are u1's e02 and u2's e10, and u1 bought (e06) on paid_search after."""
    result = shoplens.funnel(fx, "product_view,purchase", store="s1", where=["properties.order_id=o21"])
    assert [s.count for s in result.steps] == [0, 0]  # the filter keeps only e06, which is no product view
    result = shoplens.funnel(fx, "page_view,purchase", store="s1", where=["channel=付费搜索"])  # the alias
    assert [s.count for s in result.steps] == [2, 1]  # page views on paid_search: u1 (e02), u2 (e10); u1 bought


def test_a_known_step_without_rows_gives_0_with_a_note(fx: Any) -> None:
    result = shoplens.funnel(fx, "page_view,search", store="s1")
    assert [s.count for s in result.steps] == [7, 0]
    assert list(result.notes) == ["event=search"]
    assert result.notes["event=search"]["en"] == "event=search has no rows in 2025-03-04..2026-04-10: its counts are 0"
    emailed = shoplens.funnel(fx, "page_view,purchase", store="s1", where=["channel=email"])
    assert [s.count for s in emailed.steps] == [0, 0] and list(emailed.notes) == ["channel=email"]
    orders_only = shoplens.funnel(fx, "page_view,purchase", store="s3")  # s3 has orders, no events
    assert "event=page_view" in orders_only.notes and "event=purchase" not in orders_only.notes


def test_a_funnel_over_dates_without_data_says_what_the_data_covers(fx: Any) -> None:
    result = shoplens.funnel(fx, "page_view,purchase", store="s1", start=NO_DATA[0], end=NO_DATA[1])
    assert [s.count for s in result.steps] == [0, 0]
    assert result.notes["range"]["en"] == "no data in 2020-01-01..2020-01-31: the data covers 2025-03-04..2026-04-10"
    assert result.to_dict()["notes"]["range"]["data_to"] == "2026-04-10"


def test_retention_paths_and_rfm_check_their_events_and_filters(fx: Any) -> None:
    assert str(refused(shoplens.retention, fx, cohort_event="purchas", store="s1")) == (
        "--cohort-event: unknown event 'purchas' (hint: did you mean purchase?)")
    assert refused(shoplens.retention, fx, return_event="page_veiw", store="s1").where == "--return-event"
    assert str(refused(shoplens.paths, fx, start_event="page_veiw", store="s1")) == (
        "--start: unknown event 'page_veiw' (hint: did you mean page_view?)")
    exc = refused(shoplens.paths, fx, start_event="page_view", events="chekout", store="s1")
    assert exc.hint == "did you mean begin_checkout?"  # close to the alias "checkout"
    assert refused(shoplens.rfm, fx, store="s1", where=["channel=paidsearch"]).hint == "did you mean paid_search?"
    result = shoplens.retention(fx, cohort_event="page_view", store="s1", start=NO_DATA[0], end=NO_DATA[1])
    assert result.notes["range"]["reason"] == "no_data"
    paths = shoplens.paths(fx, start_event="page_view", store="s1", start=NO_DATA[0], end=NO_DATA[1])
    assert paths.users == 0 and paths.notes["range"]["reason"] == "no_data"


def test_custom_events_are_known_from_the_data(tmp_path: Path) -> None:
    events = write_csv(tmp_path / "events.csv", "event_id,ts,user_id,event", [
        ("c1", "2026-03-02T01:00:00Z", "u1", "page_view"), ("c2", "2026-03-02T01:01:00Z", "u1", "coupon_claim"),
        ("c3", "2026-03-02T02:00:00Z", "u2", "page_view")])
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        import_files(wh, [events], table="events", store="c", currency="CNY", timezone="Asia/Shanghai")
        assert [s.count for s in shoplens.funnel(wh, "page_view,coupon_claim").steps] == [2, 1]
        assert str(refused(shoplens.funnel, wh, "page_view,coupon_clam")) == (
            "--steps: unknown event 'coupon_clam' in step 2 (hint: did you mean coupon_claim?)")


# ---- segments -------------------------------------------------------------------------------------------
def test_segment_rules_are_checked_ignoring_case_as_they_compare(fx: Any) -> None:
    ctx = open_context(fx, store="s1")
    assert size(ctx, "member_tier=GOLD") == size(ctx, "member_tier=gold") == 2  # u1, u2
    exc = refused(size, ctx, "did(purchase[channel=kols])")
    assert (exc.where, exc.hint) == ("rule did(purchase[channel=kols])", "did you mean kol?")
    assert refused(size, ctx, "member_tier=gold or first_channel=paidsearch").hint == "did you mean paid_search?"
    assert refused(size, ctx, "not did(add_to_card)").message == "unknown event 'add_to_card'"


def test_saving_a_segment_checks_its_values_and_saves_nothing_when_wrong(tmp_path: Path,
                                                                          fx: Any) -> None:
    empty = tmp_path / "empty.duckdb"
    with shoplens.connect(str(empty)) as wh:  # no data yet: open values cannot be known, closed ones can
        save_segment(wh, "gb", "country=GB")
        assert refused(save_segment, wh, "paid", "first_channel=paidsearch").hint == "did you mean paid_search?"
        assert refused(save_segment, wh, "dev", "device=watch").hint == "one of mobile, desktop, tablet, app, other"
        assert [s.name for s in list_segments(wh)] == ["gb"]
    copy = tmp_path / "fixture.duckdb"
    copy.write_bytes(Path(fx.path).read_bytes())
    with shoplens.connect(str(copy)) as wh:
        assert refused(save_segment, wh, "tiers", "member_tier=golden").hint == "did you mean gold?"
        assert list_segments(wh) == []
        save_segment(wh, "tiers", "member_tier=Gold")


def test_cli_language_follows_lang(engine: MetricsEngine) -> None:
    token = i18n._current.set("zh")
    try:
        exc = refused(gmv, engine, where={"channel": "paidsearch"})
        assert exc.render(i18n.lang()).startswith("--where: 未知渠道")
    finally:
        i18n._current.reset(token)
