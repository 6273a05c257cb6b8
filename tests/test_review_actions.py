"""The review's "actions logged during the week" section on a copy of the demo store: each action of the week with
the effect ``shoplens action effect`` measures (over as many days after it as the data has, at most 14), and an
action too recent to measure says so in the effect's own words."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

import shoplens


@pytest.fixture(scope="module")
def logged(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict, dict]:
    copy = tmp_path_factory.mktemp("review_actions") / "demo.duckdb"
    shutil.copy(demo_db, copy)
    with shoplens.connect(str(copy)) as wh:
        early = shoplens.action_add(wh, title="fix paid_search checkout", metric="conversion_rate",
                                    scope="channel=paid_search", day=date(2026, 10, 28), store="demo")
        outside = shoplens.action_add(wh, title="older action", metric="gmv", day=date(2026, 10, 20), store="demo")
        late = shoplens.action_add(wh, title="weekend coupon", metric="gmv", day=date(2026, 11, 15), store="demo")
    return copy, early, outside, late


def _section(data: dict) -> dict:
    return next(s for s in data["sections"] if s["title"]["en"] == "Actions logged this week and their effect")


def test_week_actions_with_their_effect(logged: tuple) -> None:
    """2026-W44 holds the 2026-10-28 action only; the data runs to 2026-11-15, 18 days after it: 14 days."""
    db, early, _, _ = logged
    with shoplens.connect(str(db), read_only=True) as wh:
        data = shoplens.review(wh, week="2026-W44", store="demo").to_dict()
        effect = shoplens.action_effect(wh, early["id"], days=14).to_dict()
    items = _section(data)["items"]
    assert len(items) == 1
    assert f"#{early['id']} fix paid_search checkout" in items[0]["label"]["en"]
    assert items[0]["reason"] == effect["sentence"]
    with shoplens.connect(str(db), read_only=True) as wh:
        md = shoplens.review(wh, week="2026-W44", store="demo").render("markdown", "en")
    assert f"{effect['effect']['estimate'] * 100:.2f} pp\n" in md  # a rate's effect in percentage points
    assert items[0]["value"] == effect["effect"]["estimate"] and items[0]["unit"] == "pp"


def test_too_recent_action_says_so(logged: tuple) -> None:
    """An action on the last day of the data has no day after it: the line stays, with action effect's message."""
    db, _, _, late = logged
    with shoplens.connect(str(db), read_only=True) as wh:
        data = shoplens.review(wh, week="2026-W46", store="demo").to_dict()
    items = _section(data)["items"]
    assert [f"#{late['id']} weekend coupon" in i["label"]["en"] for i in items] == [True]
    assert items[0]["value"] is None and "days after it have data" in items[0]["reason"]["en"]
    assert items[0]["reason"]["zh"]
