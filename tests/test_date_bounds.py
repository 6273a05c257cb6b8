"""One rule for the days a request may name (params.DATE_MIN .. DATE_MAX = 1970-01-01 .. 2099-12-31).

QA after issue #11 found ``metrics --from 0001-01-01`` and ``values --to 9999-12-31`` ending in
``internal error: OverflowError`` while the behaviour analyses refused them cleanly and the API allowed
1900 .. 2199. Now every command, the Python API and every route refuse a day outside the same bounds with
one line naming the option.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shoplens.errors import ShoplensError
from shoplens.params import DATE_MAX, DATE_MIN, parse_day

OUTSIDE = "is outside 1970-01-01 .. 2099-12-31"


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args", [
    ("metrics", "gmv", "--from", "0001-01-01", "--to", "2026-10-31"),
    ("metrics", "gmv", "--to", "9999-12-31"),
    ("metrics", "gmv", "--from", "0001-01-01", "--compare", "yoy"),
    ("values", "channel", "--from", "0001-01-01", "--to", "9999-12-31"),
    ("funnel", "--steps", "page_view,purchase", "--from", "1969-12-31"),
    ("retention", "--to", "2100-01-01"),
])
def test_the_cli_refuses_days_outside_the_bounds_in_one_line(demo_db: Path, args: tuple[str, ...]) -> None:
    done = run(demo_db, *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and OUTSIDE in lines[0] and "internal error" not in lines[0], done.stderr


def test_the_bounds_are_the_analyses_and_the_apis() -> None:
    from shoplens.analyses.context import FIRST_DAY, LAST_DAY
    from shoplens.server.validation import DATE_HINT

    assert (FIRST_DAY, LAST_DAY) == (DATE_MIN, DATE_MAX) == (date(1970, 1, 1), date(2099, 12, 31))
    assert str(DATE_MIN) in DATE_HINT[0] and str(DATE_MAX) in DATE_HINT[0]


def test_parse_day_takes_the_edges_and_refuses_beyond() -> None:
    assert parse_day("1970/01/01", "--from") == DATE_MIN and parse_day("20991231", "--to") == DATE_MAX
    with pytest.raises(ShoplensError, match="--from 1969-12-31 is outside"):
        parse_day("1969-12-31", "--from")


@pytest.mark.parametrize("kw", [{"start": date(1, 1, 1)}, {"end": date(9999, 12, 31)}])
def test_the_python_api_refuses_them_too(engine: Any, kw: dict[str, date]) -> None:
    with pytest.raises(ShoplensError, match=OUTSIDE):
        engine.query("gmv", targets=False, **kw)
    with pytest.raises(ShoplensError, match=OUTSIDE):
        engine.explain("gmv", **kw)


def test_a_range_at_the_first_day_compares_with_the_year_before(engine: Any) -> None:
    # the fixture has no data in 1970: the shifted range (1969) is computed, not an overflow, and GMV is 0
    r = engine.query("gmv", start=DATE_MIN, end=date(1970, 1, 31), compare="yoy", targets=False)
    assert r.rows[0]["gmv"] in (0, None)


def test_the_python_api_takes_a_day_as_text_or_datetime() -> None:
    """`shoplens.action_add(wh, day="2011-10-04")` failed with a TypeError: every API day goes through check_day,
    which now reads text as --date does (and a datetime as its day)."""
    from datetime import datetime

    from shoplens.params import check_day

    assert check_day("2026/10/01", "--date") == check_day(datetime(2026, 10, 1, 15, 30), "--date") == date(2026, 10, 1)
    with pytest.raises(ShoplensError, match="--date '1 Oct' is not a date"):
        check_day("1 Oct", "--date")
    with pytest.raises(ShoplensError, match="outside"):
        check_day("1969-12-31", "--date")
