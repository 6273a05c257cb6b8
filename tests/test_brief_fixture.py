"""The daily brief on a hand-made store: its comparisons (day before, same weekday a week earlier) worked out by
hand, the CLI's one-line errors (real subprocesses), the markdown robots get."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import shoplens
from csv_files import small_shop

DAY = date(2026, 3, 10)  # a Tuesday; the day before 2026-03-09, a week earlier 2026-03-03
# visitors: 4 on 03-03, 2 on 03-09, 3 on 03-10; orders (all paid): 100 on 03-03, 80 + 120 on 03-09, 300 on 03-10;
# a 30 refund on 03-10; ad spend 50 on 03-10 on paid_search, whose order is the 300 one
VISITS = {"2026-03-03": ["u1", "u2", "u3", "u4"], "2026-03-09": ["u1", "u2"], "2026-03-10": ["u1", "u2", "u3"]}
ORDERS = [("o1", "u1", "2026-03-03T10:00:00Z", 100, "organic_search"), ("o2", "u1", "2026-03-09T10:00:00Z", 80,
          "organic_search"), ("o3", "u2", "2026-03-09T11:00:00Z", 120, "organic_search"),
          ("o4", "u3", "2026-03-10T12:00:00Z", 300, "paid_search")]


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_shop(tmp_path_factory.mktemp("brief_fixture"), VISITS, ORDERS,
                      [("r1", "o4", "u3", "2026-03-10T15:00:00Z", 30)],
                      [("2026-03-10", "paid_search", "c1", 50)])


def _kpis(db: Path) -> dict[str, dict]:
    with shoplens.connect(str(db), read_only=True) as wh:
        report = shoplens.brief(wh, day=DAY)
    data = report.to_dict()
    assert data["meta"] == {"store": "t", "date": "2026-03-10", "currency": "USD",
                            "references": {"dod": "2026-03-09", "wow": "2026-03-03"}}
    return {k["metric"]: k for k in data["sections"][0]["kpis"]}


def _comp(kpi: dict, key: str) -> tuple:
    c = next(c for c in kpi["comparisons"] if c["key"] == key)
    return c["reference"], c["change"]


@pytest.mark.parametrize(("metric", "value", "dod", "wow"), [
    ("gmv", 300, (200, 0.5), (100, 2.0)),
    ("uv", 3, (2, 0.5), (4, -0.25)),
    ("conversion_rate", 1 / 3, (1.0, -2 / 3), (0.25, 1 / 3)),
    ("aov", 300, (100, 2.0), (100, 2.0)),
    ("uv_value", 100, (100, 0.0), (25, 3.0)),
    ("refund_rate", 0.1, (0.0, None), (0.0, None)),  # no refund before: a change from 0 is undefined
    ("ad_spend", 50, (0.0, None), (0.0, None)),  # a day with data but no spend rows spent 0 (docs/metrics.md)
    ("roi", 6.0, (None, None), (None, None)),  # paid-channel GMV 300 / spend 50; before: nothing spent, undefined
])
def test_comparisons_by_hand(store_db: Path, metric: str, value: float, dod: tuple, wow: tuple) -> None:
    kpi = _kpis(store_db)[metric]
    assert kpi["value"] == pytest.approx(value)
    for key, (ref, change) in (("dod", dod), ("wow", wow)):
        got_ref, got_change = _comp(kpi, key)
        assert got_ref == (None if ref is None else pytest.approx(ref)), (metric, key)
        assert got_change == (None if change is None else pytest.approx(change)), (metric, key)
    assert len(kpi["trend"]) == 14 and kpi["trend"][-1] == pytest.approx(value)


def test_movers_are_the_largest_wow_changes(store_db: Path) -> None:
    """uv_value (+300 %), gmv and aov (+200 %) moved most against the same weekday; each carries why's sentence."""
    with shoplens.connect(str(store_db), read_only=True) as wh:
        data = shoplens.brief(wh, day=DAY).to_dict()
        sentence = shoplens.why(wh, "gmv", day=DAY, compare="wow", store="t").to_dict()["summary"]
    movers = next(s for s in data["sections"] if s["title"]["en"] == "Biggest movers")["items"]
    assert next(m["label"]["en"] for m in movers) == "Value per visitor"
    assert {m["label"]["en"] for m in movers[1:]} == {"GMV", "Average order value (AOV)"}
    gmv = next(m for m in movers if m["label"]["en"] == "GMV")
    assert gmv["reason"] == sentence and gmv["change"] == pytest.approx(2.0)


def test_markdown_for_robots(store_db: Path) -> None:
    """Headings, bold and lists only: no table pipes, no html; both languages carry the numbers."""
    with shoplens.connect(str(store_db), read_only=True) as wh:
        report = shoplens.brief(wh, day=DAY)
    en, zh = report.render("markdown", "en"), report.render("markdown", "zh")
    assert "|" not in en and "<" not in en and "|" not in zh
    assert "- GMV: **$300.00** · vs previous day ▲ 50.0% · vs same day last week ▲ 200.0%" in en
    assert "- 成交总额 GMV: **$300.00** · 较前一天 ▲ 50.0% · 较上周同日 ▲ 200.0%" in zh
    assert zh.startswith("# 运营日报\n") and en.startswith("# Daily brief\n")


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPLENS_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize(("args", "en", "zh"), [
    (["--date", "2026-02-30"], "--date '2026-02-30' is not a date", "不是日期"),
    (["--date", "2026-04-01"], "--date 2026-04-01 has no data: store t covers 2026-03-03..2026-03-10", "没有数据"),
    (["--store", "nope"], "unknown store 'nope'", "未知店铺"),
    (["-o", "/no/such/folder/brief.md"], "cannot write /no/such/folder/brief.md: folder /no/such/folder does not "
                                         "exist", "目录 /no/such/folder 不存在"),
    (["--format", "docx"], "--format 'docx' is not one of markdown, html, pdf, json", "无效"),
])
def test_cli_errors_are_one_line(store_db: Path, args: list[str], en: str, zh: str) -> None:
    for lang, words in (("en", en), ("zh", zh)):
        out = _cli(store_db, "--lang", lang, "brief", *args)
        assert out.returncode != 0 and out.stdout == ""
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "Traceback" not in out.stderr, out.stderr


def test_cli_writes_json_and_markdown(store_db: Path, tmp_path: Path) -> None:
    out = _cli(store_db, "brief", "--date", "2026-03-10", "--format", "json", "-o", str(tmp_path / "b.json"))
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert data["sections"][0]["kpis"][0]["value"] == pytest.approx(300)
    md = _cli(store_db, "brief", "--date", "2026-03-10", "--lang", "zh")
    assert md.returncode == 0 and md.stdout.startswith("# 运营日报"), md.stderr


def test_config_gives_the_targets(store_db: Path, tmp_path: Path) -> None:
    """`brief --config FILE` reads its targets from FILE (the file its channels come from), not ./shoplens.yaml."""
    config = tmp_path / "ops.yaml"
    config.write_text("targets:\n  - {metric: gmv, value: 600, per: day}\n", encoding="utf-8")
    with shoplens.connect(str(store_db), read_only=True) as wh:
        data = shoplens.brief(wh, day=DAY, config=str(config)).to_dict()
    gmv = next(k for k in data["sections"][0]["kpis"] if k["metric"] == "gmv")
    target = next(c for c in gmv["comparisons"] if c["key"] == "target")
    assert (target["reference"], target["change"]) == (600.0, 0.5)  # 300 of 600
    out = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(store_db), "brief", "--date", str(DAY),
                          "--format", "json", "--config", str(config)], capture_output=True, text=True,
                         env={**os.environ, "SHOPLENS_LANG": "en"}, timeout=120)
    assert out.returncode == 0, out.stderr
    kpi = next(k for k in json.loads(out.stdout)["sections"][0]["kpis"] if k["metric"] == "gmv")
    assert next(c for c in kpi["comparisons"] if c["key"] == "target")["change"] == 0.5
