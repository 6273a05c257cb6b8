"""The server's limits: the ``server:`` section of the config file, and the pure query-cost check.

Expected numbers are counted by hand from the calendar (weeks of a range, days of a year), never taken
from the code under test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shoplens.errors import ShoplensError
from shoplens.metrics.limits import QueryLimits, check
from shoplens.server.settings import ServerSettings, load, parse

LIMITS = QueryLimits({"hour": 2, "day": 31, "week": 400, "month": 800, "quarter": 800, "year": 800,
                      "total": 800}, max_cells=1000, max_compared_periods=10)


def test_defaults_without_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPLENS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = load()
    assert settings == ServerSettings()
    assert settings.max_body_bytes == 65536 and settings.max_upload_bytes == 2 * 1024**3
    assert settings.trusted_proxies == () and settings.time_budget_seconds == 30


def test_a_server_section_sets_the_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "shoplens.yaml"
    config.write_text("server:\n  time_budget_seconds: 2.5\n  max_upload_bytes: 1048576\n"
                      "  trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n  max_days: {week: 700}\n  max_cells: 99\n",
                      encoding="utf-8")
    monkeypatch.setenv("SHOPLENS_CONFIG", str(config))
    settings = load()
    assert settings.time_budget_seconds == 2.5 and settings.max_upload_bytes == 1048576
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8")
    assert settings.query.max_days["week"] == 700 and settings.query.max_days["day"] == 1830
    assert settings.query.max_cells == 99


def test_the_metrics_config_accepts_the_server_section(tmp_path: Path) -> None:
    from shoplens.metrics.targets import load_targets

    config = tmp_path / "c.yaml"
    config.write_text("server:\n  max_cells: 10\ntargets: []\n", encoding="utf-8")
    assert load_targets(config).source == str(config)


@pytest.mark.parametrize("section,words", [
    ({"max_body_byte": 1}, "unknown key 'max_body_byte'"),
    ({"time_budget_seconds": -1}, "time_budget_seconds must be a positive"),
    ({"max_upload_bytes": 1.5}, "max_upload_bytes must be a positive whole number"),
    ({"max_cells": True}, "max_cells must be a positive whole number"),
    ({"trusted_proxies": "127.0.0.1"}, "must be a list"),
    ({"trusted_proxies": ["proxy.local"]}, "'proxy.local' is not an IP address"),
    ({"max_days": {"fortnight": 3}}, "max_days takes hour"),
    ([1, 2], "must be a mapping"),
])
def test_a_wrong_server_section_is_a_clear_bilingual_error(section: object, words: str) -> None:
    with pytest.raises(ShoplensError) as info:
        parse(section, "shoplens.yaml: server")
    assert words in info.value.message and info.value.zh and info.value.hint and info.value.zh_hint


def test_the_range_per_grain() -> None:
    check(LIMITS, "day", date(2026, 1, 1), date(2026, 1, 31), None, {})  # 31 days: the limit itself
    with pytest.raises(ShoplensError, match="32 days; at most 31 days per query by day"):
        check(LIMITS, "day", date(2026, 1, 1), date(2026, 2, 1), None, {})
    with pytest.raises(ShoplensError, match="3 days"):
        check(LIMITS, "hour", date(2026, 1, 1), date(2026, 1, 3), None, {})
    no_grain = r"801 days; at most 800 days per query \(hint: shorten the range \(from/to\)\)$"
    with pytest.raises(ShoplensError, match=no_grain):
        check(LIMITS, None, date(2024, 1, 1), date(2026, 3, 11), None, {})  # 366 + 365 + 70 days


def test_a_comparison_by_week_counts_its_weeks() -> None:
    # 2026-01-05 (Mon) .. 2026-03-15 (Sun): exactly 10 weeks; one day more touches an 11th
    check(LIMITS, "week", date(2026, 1, 5), date(2026, 3, 15), "wow", {})
    with pytest.raises(ShoplensError, match="of 11 weeks; at most 10 periods") as info:
        check(LIMITS, "week", date(2026, 1, 5), date(2026, 3, 16), "wow", {})
    assert "drop compare" in (info.value.hint or "")
    check(LIMITS, "day", date(2026, 1, 1), date(2026, 1, 31), "wow", {})  # days compare in one statement


def test_periods_times_dimension_values() -> None:
    check(LIMITS, "day", date(2026, 1, 1), date(2026, 1, 10), None, {"channel": 14, "device": 6})  # 840
    with pytest.raises(ShoplensError, match="1,100 rows") as info:
        check(LIMITS, "day", date(2026, 1, 1), date(2026, 1, 10), None, {"product": 110})
    assert "filter them with where" in (info.value.hint or "") and "1,100" in (info.value.zh or "")
    check(LIMITS, "hour", date(2026, 1, 1), date(2026, 1, 2), None, {"channel": 14})  # 48 hours x 14 = 672
    with pytest.raises(ShoplensError, match="48 periods"):
        check(LIMITS, "hour", date(2026, 1, 1), date(2026, 1, 2), None, {"channel": 14, "device": 6})


def test_the_engine_checks_only_where_limits_are_applied(engine: object) -> None:
    """The CLI and Python API are not limited; the same kind of query under applied limits is refused."""
    from shoplens.metrics.limits import applied

    result = engine.query("gmv", grain="day", start=date(2025, 1, 1), end=date(2025, 3, 1))  # type: ignore[attr-defined]
    assert len(result.rows) == 60  # 31 + 28 + 1 days
    with applied(LIMITS), pytest.raises(ShoplensError, match="at most 31 days per query by day"):
        engine.query("gmv", grain="day", start=date(2025, 1, 2), end=date(2025, 3, 1))  # type: ignore[attr-defined]
    with applied(LIMITS), pytest.raises(ShoplensError, match="could have"):
        engine.query("gmv", by=["channel", "device"], grain="day",  # type: ignore[attr-defined]
                     start=date(2025, 1, 1), end=date(2025, 1, 31))  # 31 x 14 x 6 > 1000
