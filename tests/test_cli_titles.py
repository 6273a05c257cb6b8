"""Tables piped to another program and tables in Chinese (issue #11, Seen 8), through the real `shoplens` process:

- "tables piped to another program wrap at 80 columns": no command's table title wraps either, whatever the width
  of its table (``Values of member_tier`` / ``· demo · all dates`` was two lines), and a cell that looks like Rich
  markup (``product_view[channel=paid_search]``) is printed as it is, never eaten as a style;
- "every enumerated value printed through the label tables in both languages": with ``--lang zh`` the values of
  ``values DIM``, the dimension in "按…拆分" / "分组（…）", funnel modes, periods, metric groups and units are
  Chinese names; English tables, JSON and CSV keep the ids.

Shop ``s`` (USD, UTC), 2026-03-02: u1 (mobile, paid_search) viewed, carted and bought o1 120; u2 (desktop,
organic_search) viewed and bought o2 80; u3 (app, direct) bought o3 50 without events.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

import shoplens
from csv_files import write_csv
from shoplens.analyses.segments import save_segment
from shoplens.ingest.pipeline import import_files
from shoplens.server.accounts import add_user
from tiny_shop import DAY, LONG_NAME, build_tiny_shop, ts


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("titles")
    path = build_tiny_shop(tmp, "titles")
    with shoplens.connect(str(path)) as wh:
        add_user(wh, "ana", "s3cret-pass", "viewer", ["s"])
        save_segment(wh, "buyers", "orders>=1")
        bad = write_csv(tmp / "bad.csv", "order_id,created_ts,gross_amount", [("o9", ts("13:00"), "[b]12[/b]")])
        import_files(wh, [bad], table="orders", store="s")  # quarantined: a value that looks like Rich markup
    return path


def run_many(db: Path, commands: list[list[str]]) -> list[str]:
    """stdout of each command, piped (no terminal, no $COLUMNS), run side by side (read-only)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(SHOPLENS_LANG="en", SHOPLENS_LOCK_WAIT="30")
    procs = [subprocess.Popen([sys.executable, "-m", "shoplens", "--db", str(db), *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for args in commands]
    outs = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, (args, err)
        outs.append(out)
    return outs


def headings(out: str) -> list[str]:
    """The line above each table's top border: its title, whole or (before the fix) its last piece."""
    lines = out.splitlines()
    return [lines[i - 1].rstrip() for i, line in enumerate(lines) if line[:1] in "┏┌" and i > 0]


def rows(out: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")]


# ---- titles and cells piped --------------------------------------------------------------------------------

TITLED = {  # command -> the title lines its tables carry (the labels, joined as each command joins them)
    ("values", "member_tier"): ["Values of member_tier · s · all dates"],
    ("--lang", "zh", "values", "device"): ["设备的取值 · s · 全部日期"],
    ("funnel", "--steps", "product_view,purchase", "--by", "device"): [
        "Funnel (mode ordered, window 14d, 2026-03-02 .. 2026-03-02)", "By device (value of the first step's event)",
        "Daily trend (by the day users entered)"],
    ("retention",): ["Retention · purchase → purchase · month · recurring · s · data until 2026-03-02"],
    ("--lang", "zh", "retention", "--period", "week"): [
        "留存分析 · 支付 → 支付 · 周 · 周期内发生 · s · 数据截至 2026-03-02"],
    ("paths", "--start", "product_view"): ["Paths after product_view · 2026-03-02 .. 2026-03-02",
                                           "Top complete paths"],
    ("rfm",): ["RFM tiers · as of 2026-03-02 · Customers 3 · USD"],
    ("user", "u1"): ["User u1 · Store s · UTC", "Timeline up to 2026-03-02"],
    ("store", "show", "s"): ["Warehouse contents", "Imports"],
    ("store", "list"): ["Stores"],
    ("info",): ["Stores", "Warehouse contents"],
    ("account", "list"): ["Dashboard/API accounts"],
    ("metrics", "list"): ["Metric catalog"],
    ("metrics", "gmv", *DAY): ["2026-03-02 .. 2026-03-02 · USD"],
    ("quarantine", "list"): ["Quarantine"],
    ("segment", "list"): ["Saved segments"],
    ("segment", "preview", "--rule", "orders>=1"): ["3 members, 100.0% of 3 users",  # above its untitled table
                                                   "Profile (top 5, share of members)"],
}


def test_piped_tables_keep_every_title_on_one_line(db: Path) -> None:
    outs = run_many(db, [list(args) for args in TITLED])
    for (args, titles), out in zip(TITLED.items(), outs, strict=True):
        assert headings(out) == titles, (args, out)
        assert all(line == line.rstrip() for line in out.splitlines() if line in titles), args


def test_piped_cells_are_whole_and_plain_text(db: Path) -> None:
    steps, retention, timeline, quarantine = run_many(db, [
        ["funnel", "--steps", "product_view[channel=paid_search],purchase"],
        ["retention", "--cohort-event", "purchase[channel=paid_search]"],
        ["user", "u1"], ["quarantine", "list"]])
    assert [r[1:3] for r in rows(quarantine)] == [["gross_amount", "[b]12[/b]"]]  # the value as the file has it
    # a condition in brackets is data: Rich markup would have eaten it ("1. product_view")
    assert [r[0] for r in rows(steps)[:2]] == ["1. product_view[channel=paid_search]", "2. purchase"]
    assert headings(retention)[0].startswith("Retention · purchase[channel=paid_search] → purchase[channel=")
    # the timeline's descriptions, product name and all, one line each
    described = [r[2] for r in rows(timeline) if r[1] == "event"]
    assert described and all(LONG_NAME in d for d in described[1:]), timeline


def test_a_narrow_table_with_a_long_title_is_rendered_whole_off_a_terminal() -> None:
    """Every table of the CLI is built by rich_table: off a terminal its title is one line, on a terminal of
    40 columns it still wraps at 40."""
    import io

    from shoplens.cli.output import _Console, rich_table

    title = "A title much longer than the two narrow columns of its table"
    table = rich_table(title, ["a", "b"], [["x", 1]])
    piped = _Console(file=io.StringIO(), _environ={})  # a file, no $COLUMNS: as a pipe
    piped.print(table)
    assert piped.file.getvalue().splitlines()[0] == title
    terminal = Console(file=io.StringIO(), width=40)
    terminal.print(table)
    lines = terminal.file.getvalue().splitlines()
    assert max(len(x) for x in lines) <= 40 and lines[0] != title and title.startswith(lines[0].rstrip())


# ---- enumerated values in Chinese --------------------------------------------------------------------------


def test_zh_names_values_dimensions_modes_periods_groups_and_units(db: Path) -> None:
    zh_values, en_values, json_values, funnel, retention, metrics, en_metrics, explain = run_many(db, [
        ["--lang", "zh", "values", "device"], ["values", "device"], ["--lang", "zh", "values", "device", "--format",
                                                                     "json"],
        ["--lang", "zh", "funnel", "--steps", "product_view,purchase", "--by", "device", "--mode", "strict"],
        ["--lang", "zh", "retention", "--by", "channel"],
        ["--lang", "zh", "metrics", "list"], ["metrics", "list"],
        ["--lang", "zh", "metrics", "explain", "gmv", *DAY]])
    # values: the id stays (what --where takes), its name beside it; English keeps the ids only
    assert rows(zh_values) == [["mobile", "手机", "4", "3", "1"], ["desktop", "电脑", "3", "2", "1"],
                               ["app", "App", "1", "0", "1"], ["tablet", "平板", "0", "0", "0"],
                               ["other", "其他", "0", "0", "0"]]
    assert [r[0] for r in rows(en_values)] == ["mobile", "desktop", "app", "tablet", "other"]
    assert len(rows(en_values)[0]) == 4 and "Name" not in en_values
    assert [v["value"] for v in json.loads(json_values)["values"]][:2] == ["mobile", "desktop"]
    # the funnel's mode and its breakdown's dimension
    assert headings(funnel)[:2] == ["漏斗 (模式 严格顺序, 窗口 14d, 2026-03-02 .. 2026-03-02)",
                                    "按设备拆分（取第一步事件的值）"]
    assert "strict" not in funnel and "device" not in funnel
    # retention: the period and the dimension of the groups
    assert headings(retention)[0] == "留存分析 · 支付 → 支付 · 月 · 周期内发生 · s · 数据截至 2026-03-02"
    assert "分组（渠道）" in retention and "channel" not in retention and "month" not in retention
    # metrics list: group and unit names; English keeps the ids
    uv = next(r for r in rows(metrics) if r[0] == "uv")
    assert uv[2:4] == ["流量", "数量"], uv
    gmv = next(r for r in rows(metrics) if r[0] == "gmv")
    assert gmv[3] == "金额" and next(r for r in rows(en_metrics) if r[0] == "uv")[2:4] == ["traffic", "count"]
    assert "(单位: 金额, 好的方向: 越高越好)" in explain


def test_every_enumerated_word_of_the_cli_has_both_names() -> None:
    """What the commands print from these vocabularies is named in both languages: metric groups and units of
    the catalog, funnel modes, grains/periods, and every dimension a --by takes (the catalog's or value_labels')."""
    from shoplens.analyses.filters import EVENT_COLUMNS
    from shoplens.cli.output import dimension_name
    from shoplens.i18n import set_lang
    from shoplens.metrics import load_catalog
    from shoplens.metrics.periods import GRAINS
    from shoplens.value_labels import VALUES

    catalog = load_catalog()
    wanted = {"metric_group": {m.group for m in catalog.metrics.values()},
              "unit": {m.unit for m in catalog.metrics.values()},
              "good_direction": {m.good for m in catalog.metrics.values()},
              "funnel_mode": {"ordered", "strict", "unordered"}, "grain": set(GRAINS)}
    for table, ids in wanted.items():
        names = VALUES[table]
        assert ids <= set(names), (table, ids - set(names))
        assert all(zh and en and zh != en for zh, en in (names[i] for i in ids if i != "app")), table
    set_lang("zh")
    try:
        for dim in {*catalog.dimensions, *EVENT_COLUMNS, "event", "session", "first_channel"}:
            assert dimension_name(dim) != dim and dimension_name(dim).isascii() is False, dim
        assert dimension_name("properties.colour") == "properties.colour"  # the seller's own key: as it is
    finally:
        set_lang("en")
    assert dimension_name("device") == "device"
