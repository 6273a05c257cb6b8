"""The weekly review on a hand-made store that spans more than a year: week-over-week, year-over-year (the same ISO
week number a year earlier) and the weekly target worked out by hand, a week whose last year has no data, and the
CLI's one-line --week errors (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import shoplens
from csv_files import small_shop

# 2025-W10 = 2025-03-03..09 (the store's first week), 2025-W11 = 2025-03-10..16, 2026-W10 = 2026-03-02..08,
# 2026-W11 = 2026-03-09..15 (the last complete week: the data ends on Sunday 2026-03-15)
VISITS = {"2025-03-03": ["u1"], "2025-03-10": ["u1", "u2"], "2026-03-02": ["u1", "u2", "u3", "u4"],
          "2026-03-09": ["u1", "u2", "u3"], "2026-03-15": ["u1"]}
ORDERS = [("o1", "u1", "2025-03-03T10:00:00Z", 100, "organic_search"),
          ("o2", "u2", "2025-03-10T10:00:00Z", 200, "organic_search"),
          ("o3", "u1", "2026-03-02T10:00:00Z", 100, "organic_search"),
          ("o4", "u2", "2026-03-02T11:00:00Z", 100, "organic_search"),
          ("o5", "u3", "2026-03-09T12:00:00Z", 300, "paid_search")]
CONFIG = "targets:\n  - {metric: gmv, value: 3100, per: month}\n"  # March: 100 a day, 700 a week


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = small_shop(tmp_path_factory.mktemp("review_fixture"), VISITS, ORDERS,
                      [("r1", "o5", "u3", "2026-03-09T15:00:00Z", 30)],
                      [("2026-03-09", "paid_search", "c1", 50)])
    (path.parent / "shoplens.yaml").write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture()
def config(store_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = store_db.parent / "shoplens.yaml"
    monkeypatch.setenv("SHOPLENS_CONFIG", str(path))
    return path


def _review(db: Path, week: str | None = None) -> dict:
    with shoplens.connect(str(db), read_only=True) as wh:
        return shoplens.review(wh, week=week).to_dict()


def _kpis(data: dict) -> dict[str, dict]:
    return {k["metric"]: k for k in data["sections"][0]["kpis"]}


def _comp(kpi: dict, key: str) -> tuple:
    c = next(c for c in kpi["comparisons"] if c["key"] == key)
    return c["reference"], c["change"]


def _check(kpi: dict, key: str, ref: float | None, change: float | None) -> None:
    got_ref, got_change = _comp(kpi, key)
    assert got_ref == (None if ref is None else pytest.approx(ref)), (kpi["metric"], key)
    assert got_change == (None if change is None else pytest.approx(change)), (kpi["metric"], key)


@pytest.mark.parametrize(("metric", "value", "prev", "last_year"), [
    # 2026-W11: orders 300 (u3), visitors u1 u2 u3, refund 30, spend 50 on paid_search (the 300 order's channel)
    # 2026-W10: orders 100 + 100 (u1, u2), visitors u1..u4;  2025-W11: order 200 (u2), visitors u1 u2
    ("gmv", 300, (200, 0.5), (200, 0.5)),
    ("uv", 3, (4, -0.25), (2, 0.5)),
    ("conversion_rate", 1 / 3, (0.5, -1 / 3), (0.5, -1 / 3)),
    ("aov", 300, (100, 2.0), (200, 0.5)),
    ("uv_value", 100, (50, 1.0), (100, 0.0)),
    ("refund_rate", 0.1, (0.0, None), (0.0, None)),  # nothing refunded before: a change from 0 is undefined
    ("ad_spend", 50, (0.0, None), (0.0, None)),
    ("roi", 6.0, (None, None), (None, None)),
])
def test_default_week_by_hand(store_db: Path, config: Path, metric: str, value: float, prev: tuple,
                              last_year: tuple) -> None:
    data = _review(store_db)
    assert data["meta"]["week"] == "2026-W11" and (data["meta"]["from"], data["meta"]["to"]) == ("2026-03-09",
                                                                                                 "2026-03-15")
    assert data["meta"]["references"]["last_year"] == {"week": "2025-W11", "from": "2025-03-10", "to": "2025-03-16",
                                                       "has_data": True}
    kpi = _kpis(data)[metric]
    assert kpi["value"] == pytest.approx(value)
    _check(kpi, "prev_week", *prev)
    _check(kpi, "last_year", *last_year)
    assert len(kpi["trend"]) == 8 and kpi["trend"][-1] == pytest.approx(value)
    assert data["remarks"] == []


def test_weekly_target_is_prorated(store_db: Path, config: Path) -> None:
    """A month target of 3100 in March (31 days) is 700 for a Monday-Sunday week in March: 300 / 700 attained;
    the shipped ratio targets hold as they are (conversion 3 %, refund rate 5 %, lower is better)."""
    kpis = _kpis(_review(store_db, "2026-W11"))
    assert _comp(kpis["gmv"], "target") == (pytest.approx(700), pytest.approx(300 / 700))
    assert _comp(kpis["conversion_rate"], "target") == (pytest.approx(0.03), pytest.approx((1 / 3) / 0.03))
    assert _comp(kpis["refund_rate"], "target") == (pytest.approx(0.05), pytest.approx(0.05 / 0.1))


def test_week_without_last_year_says_no_data(store_db: Path, config: Path) -> None:
    """2025-W11 against 2025-W10 (order 100 by u1, visitor u1); 2024-W11 is before the store: no data, not zero."""
    data = _review(store_db, "2025-W11")
    kpis = _kpis(data)
    _check(kpis["gmv"], "prev_week", 100, 1.0)
    _check(kpis["uv"], "prev_week", 1, 1.0)
    _check(kpis["conversion_rate"], "prev_week", 1.0, -0.5)
    _check(kpis["aov"], "prev_week", 100, 1.0)
    for k in kpis.values():
        _check(k, "last_year", None, None)
        ly = next(c for c in k["comparisons"] if c["key"] == "last_year")
        assert ly["label"] == {"en": "vs same week last year (no data)", "zh": "较去年同周（无数据）"}
    assert data["meta"]["references"]["last_year"]["has_data"] is False
    assert data["remarks"] == [{"en": "No data for the same week last year: 2024-W11 (2024-03-11..2024-03-17) is "
                                      "before the store's first day (2025-03-03).",
                                "zh": "去年同周没有数据：2024-W11 (2024-03-11..2024-03-17) "
                                      "早于店铺的第一天（2025-03-03）。"}]
    with shoplens.connect(str(store_db), read_only=True) as wh:
        en = shoplens.review(wh, week="2025-W11").render("markdown", "en")
    assert "- GMV: **$200.00** · vs previous week ▲ 100.0% · vs same week last year (no data) —" in en


def test_first_week_has_no_previous_week(store_db: Path, config: Path) -> None:
    """2025-W10 is the store's first week: the week before it is not in the data (None, not 0)."""
    kpis = _kpis(_review(store_db, "2025-W10"))
    assert kpis["gmv"]["value"] == pytest.approx(100)
    _check(kpis["gmv"], "prev_week", None, None)


def test_movers_carry_why_sentence(store_db: Path, config: Path) -> None:
    """paid_search grew from 0 to 300, organic_search fell from 200 to 0 in 2026-W11; each line carries the
    sentence ``why`` gives for that channel and those 7 days against the 7 before."""
    data = _review(store_db, "2026-W11")
    section = next(s for s in data["sections"] if s["title"]["en"] == "Channels: what grew and what fell")
    got = [(i["label"]["en"], i["value"], i["change"]) for i in section["items"]]
    assert got == [("Paid search", pytest.approx(300), None), ("Organic search", pytest.approx(0), -1.0)]
    with shoplens.connect(str(store_db), read_only=True) as wh:
        from datetime import date
        try:
            sentence = shoplens.why(wh, "gmv", start=date(2026, 3, 9), end=date(2026, 3, 15), compare="previous",
                                    store="t", where={"channel": "organic_search"}).to_dict()["summary"]
        except shoplens.errors.ShoplensError as exc:
            sentence = {"en": exc.render("en"), "zh": exc.render("zh")}
    assert section["items"][1]["reason"] == sentence
    assert "2026-03-02..2026-03-08" in section["items"][1]["reason"]["en"]


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPLENS_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize(("args", "en", "zh"), [
    (["--week", "2026-43"], "--week '2026-43' is not an ISO week", "不是 ISO 周"),
    (["--week", "2025-W53"], "--week '2025-W53' is not an ISO week", "不是 ISO 周"),  # 2025 has 52 weeks
    (["--week", "2026-W12"], "--week 2026-W12 (2026-03-16..2026-03-22) is not complete: store t's last complete "
                             "day is 2026-03-15", "尚未结束"),
    (["--week", "2030-W01"], "is not complete", "最后一个完整周是 2026-W11"),
    (["--week", "2024-W50"], "--week 2024-W50 (2024-12-09..2024-12-15) is not covered by the data of store t, "
                             "which starts on 2025-03-03", "不在店铺 t 的完整数据范围内"),
])
def test_week_errors_are_one_line(store_db: Path, args: list[str], en: str, zh: str) -> None:
    for lang, words in (("en", en), ("zh", zh)):
        out = _cli(store_db, "--lang", lang, "review", *args)
        assert out.returncode != 0 and out.stdout == ""
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "Traceback" not in out.stderr, out.stderr


def test_cli_writes_json_and_markdown(store_db: Path, tmp_path: Path) -> None:
    out = _cli(store_db, "review", "--week", "2026-W11", "--format", "json", "-o", str(tmp_path / "r.json"))
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["kind"] == "review" and data["sections"][0]["kpis"][0]["value"] == pytest.approx(300)
    md = _cli(store_db, "review", "--lang", "zh")
    assert md.returncode == 0 and md.stdout.startswith("# 运营周报（周复盘）"), md.stderr


def test_a_partly_covered_first_week_is_refused() -> None:
    """Data from Thursday 2026-10-01: its week 2026-W40 has 4 days, which would be compared with a 7-day target and
    a whole previous week; the first week a review reads is 2026-W41 (10-05..10-11)."""
    from datetime import date

    from shoplens.analyses.review.weeks import pick_week
    from shoplens.errors import ShoplensError

    first, complete = date(2026, 10, 1), date(2026, 10, 25)
    with pytest.raises(ShoplensError, match=r"pick a week in 2026-W41\.\.2026-W43") as info:
        pick_week(date(2026, 9, 28), first, complete, "t")
    assert "not covered by the data" in str(info.value)
    assert pick_week(date(2026, 10, 5), first, complete, "t") == date(2026, 10, 5)
    assert pick_week(None, first, complete, "t") == date(2026, 10, 19)
    with pytest.raises(ShoplensError, match="no complete week yet"):
        pick_week(None, first, date(2026, 10, 4), "t")  # only the partial week
