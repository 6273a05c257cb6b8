"""Funnel edge cases found in review: filters in strict mode, exclusions with repeated steps,
overlapping steps in unordered mode, bounds of windows and dates, a window across a DST change.

Every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shoplens.analyses.funnel import funnel, funnel_dropped, parse_window
from shoplens.analyses.retention import retention
from shoplens.errors import ShoplensError
from test_funnel import iso, load


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Any:
    rows = [
        # s1: view, a paid-search search, cart: the search sits between the two steps
        ("s1a", iso(0), "s1", "product_view", "direct"), ("s1b", iso(10), "s1", "search", "paid_search"),
        ("s1c", iso(20), "s1", "add_to_cart", "direct"),
        # s2: view then cart, nothing in between
        ("s2a", iso(0), "s2", "product_view", "direct"), ("s2b", iso(10), "s2", "add_to_cart", "direct"),
        # x1: two views and a cart, a search between the first view and the cart
        ("x1a", iso(1000), "x1", "product_view", "email"), ("x1b", iso(1010), "x1", "product_view", "email"),
        ("x1s", iso(1015), "x1", "search", "email"), ("x1c", iso(1020), "x1", "add_to_cart", "email"),
        # x2: the same journey, searching only after the cart
        ("x2a", iso(1000), "x2", "product_view", "email"), ("x2b", iso(1010), "x2", "product_view", "email"),
        ("x2c", iso(1020), "x2", "add_to_cart", "email"), ("x2s", iso(1030), "x2", "search", "email"),
        # p1: one purchase from a live stream; p2: one purchase from email
        ("p1a", iso(5000), "p1", "purchase", "live_stream"), ("p2a", iso(5000), "p2", "purchase", "email"),
    ]
    with load(tmp_path_factory.mktemp("review"), rows) as warehouse:
        yield warehouse


def test_where_in_strict_mode_does_not_make_events_adjacent(wh: Any) -> None:
    # channel=direct: s1 and s2 view and cart from direct. strict: s1's search (not direct) still sits between its
    # view and cart, so only s2 converts; ordered ignores events in between: both do.
    kw = {"window": "1h", "where": ["channel=direct"]}
    assert [s.count for s in funnel(wh, "product_view,add_to_cart", mode="strict", **kw).steps] == [2, 1]
    assert [s.count for s in funnel(wh, "product_view,add_to_cart", mode="ordered", **kw).steps] == [2, 2]
    dropped = funnel_dropped(wh, "product_view,add_to_cart", 2, mode="strict", **kw)
    assert {u["user_id"] for u in dropped.users} == {"s1"}


def test_unordered_exclusion_with_a_repeated_step(wh: Any) -> None:
    # steps view, view, cart (view listed twice = two views). channel=email keeps x1 and x2: both have two views
    # and a cart. x1 searched at 1015 s, between its first step (1000) and its last (1020): excluded. x2 searched
    # after its last step: kept.
    r = funnel(wh, "product_view,product_view,add_to_cart", mode="unordered", window="1h", exclude="search",
               where=["channel=email"])
    assert r.excluded == 1
    assert [s.count for s in r.steps] == [1, 1, 1]


def test_unordered_refuses_steps_one_event_could_fill_twice(wh: Any) -> None:
    with pytest.raises(ShoplensError, match="can match the same event"):
        funnel(wh, "purchase,purchase[channel=live_stream]", mode="unordered")
    with pytest.raises(ShoplensError, match="can match the same event"):
        funnel(wh, "purchase[channel=email|live_stream],purchase[channel=live_stream]", mode="unordered")
    # exclusive conditions are fine: p1 bought from a live stream, p2 from email, each only one of the steps
    r = funnel(wh, "purchase[channel=live_stream],purchase[channel=email]", mode="unordered")
    assert [s.count for s in r.steps] == [2, 0]
    r = funnel(wh, "purchase[channel=live_stream],purchase[channel!=live_stream]", mode="unordered")
    assert [s.count for s in r.steps] == [2, 0]
    # ordered mode takes them: one event never fills two steps there
    assert [s.count for s in funnel(wh, "purchase,purchase[channel=live_stream]").steps] == [2, 0]


@pytest.mark.parametrize(("text", "message"), [
    ("367d", "longer than 366 days"), ("99999999999d", "longer than 366 days"), ("9999999999999d", "not a duration"),
    ("²d", "not a duration"), ("0s", "must be positive")])
def test_window_bounds(text: str, message: str) -> None:
    with pytest.raises(ShoplensError, match=message):
        parse_window(text)


def test_window_up_to_a_year() -> None:
    assert parse_window("366d") == 366 * 86400 and parse_window("52w") == 52 * 7 * 86400


def test_dates_outside_the_data_select_nothing(wh: Any) -> None:
    # the data is on 2026-03-02 only: a range before it or after it is empty, not the nearest data day
    before = funnel(wh, "product_view,add_to_cart", end=date(2026, 3, 1))
    after = funnel(wh, "product_view,add_to_cart", start=date(2026, 3, 3))
    assert [s.count for s in before.steps] == [0, 0] and before.end == date(2026, 3, 1)
    assert [s.count for s in after.steps] == [0, 0] and after.start == date(2026, 3, 3)
    # retention picks cohorts by their period's first day: the March cohort starts on 03-01, days do not
    assert retention(wh, cohort_event="product_view", period="day", end=date(2026, 3, 1)).cohorts == ()
    assert [c.cohort for c in retention(wh, cohort_event="product_view", end=date(2026, 3, 1)).cohorts] == ["2026-03"]
    with pytest.raises(ShoplensError, match="outside 1970-01-01"):
        funnel(wh, "product_view,add_to_cart", start=date(1, 1, 1))
    with pytest.raises(ShoplensError, match="outside 1970-01-01"):
        funnel(wh, "product_view,add_to_cart", end=date(9999, 12, 31))


def test_first_time_retention_from_after_the_data_is_empty(wh: Any) -> None:
    for period in ("day", "week", "month"):
        assert retention(wh, cohort_event="product_view", first_time=True, period=period,
                         start=date(2026, 3, 3)).cohorts == ()


def test_window_across_the_spring_dst_change(tmp_path: Path) -> None:
    # Europe/London moves to BST at 01:00 UTC on 2026-03-29. A view at 23:30 UTC on Mar 28 (local 23:30 GMT) and a
    # cart 86 400 s later, 23:30 UTC Mar 29 = 00:30 BST on Mar 30 local: inside a 1d window, though two local days on
    # from the last day of the range.
    t_view = (date(2026, 3, 28) - date(2026, 3, 2)).days * 86400 + 23.5 * 3600
    rows = [("d1", iso(t_view), "u", "product_view", "direct"), ("d2", iso(t_view + 86400), "u", "add_to_cart", "")]
    with load(tmp_path, rows, zone="Europe/London") as warehouse:
        r = funnel(warehouse, "product_view,add_to_cart", window="1d", end=date(2026, 3, 28))
    assert [s.count for s in r.steps] == [1, 1]
    assert r.steps[1].median_seconds == 86400


def test_dates_as_iso_text_from_python(wh: Any) -> None:
    as_text = funnel(wh, "product_view,add_to_cart", start="2026-03-02", end="2026-03-02")
    as_dates = funnel(wh, "product_view,add_to_cart", start=date(2026, 3, 2), end=date(2026, 3, 2))
    assert as_text.steps == as_dates.steps and as_text.start == date(2026, 3, 2)
    with pytest.raises(ShoplensError, match="'02/03/2026' is not a date"):
        funnel(wh, "product_view,add_to_cart", start="02/03/2026")


def test_csv_leaves_missing_values_empty(wh: Any) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(wh.path), "funnel", "--steps",
                          "product_view,add_to_cart", "--format", "csv"], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "SHOPLENS_LOCK_WAIT": "1"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    # step 1 has no previous step: step conversion and times are empty cells, not "nan"
    assert lines[1].startswith("product_view,4,1.0,,,,0") and "nan" not in out.stdout
