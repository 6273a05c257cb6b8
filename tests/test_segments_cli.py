"""`shoplens segment …` and `shoplens metrics … --segment` as a user runs them, on the hand-made
two-store warehouse of tests/test_segments_fixture.py (gold members: a:u1 and b:u7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_segments_fixture import build

ENV = {"COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "5", "SHOPLENS_LANG": "en"}


def _start(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "shoplens.cli", "--db", str(db), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **ENV})


def run_all(db: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run read-only commands at once (start-up time overlaps)."""
    procs = [_start(db, *args) for args in commands]
    done = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_all(db, list(args))[0]


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, (proc.args, proc.stderr)
    return proc.stdout


def one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert proc.returncode == 2, (proc.args, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("segment_cli") / "w.duckdb")


def test_segment_commands(db: Path, tmp_path: Path) -> None:
    saved = json.loads(ok(run(db, "segment", "save", "gold", "--json", '{"property": "member_tier", "in": ["GOLD"]}',
                              "--description", "金卡会员", "--format", "json")))
    assert (saved["created"], saved["rule"], saved["members"], saved["users"]) == (True, "member_tier=gold", 2, 9)
    assert "updated segment gold: member_tier=gold" in ok(run(db, "segment", "save", "gold", "--rule",
                                                              "member_tier=gold"))
    out = tmp_path / "gold.csv"
    (listed, shown, table, csv_profile, preview, exported, stdout_csv, metrics, explain, bad_rule, bad_zh, both,
     missing) = run_all(
        db,
        ["segment", "list", "--format", "json"],
        ["segment", "show", "gold", "--format", "json"],
        ["segment", "show", "gold", "--store", "a"],
        ["segment", "show", "gold", "--format", "csv"],
        ["segment", "preview", "--rule", "orders>=2", "--format", "json"],
        ["segment", "export", "gold", "--out", str(out)],
        ["segment", "export", "gold", "--store", "b"],
        ["metrics", "gmv,orders,paying_buyers", "--segment", "gold", "--store", "a", "--from", "2026-01-01",
         "--to", "2026-03-31", "--format", "json"],
        ["metrics", "explain", "gmv", "--segment", "gold", "--store", "a"],
        ["segment", "preview", "--rule", "orders>=3 and and did(purchase)"],
        ["--lang", "zh", "segment", "preview", "--rule", "orders>=3 and and did(purchase)"],
        ["segment", "preview", "--rule", "orders>=1", "--json", "{}"],
        ["segment", "show", "nope"],
    )
    assert [(s["name"], s["description"]) for s in json.loads(ok(listed))["segments"]] == [("gold", "金卡会员")]
    body = json.loads(ok(shown))
    assert (body["name"], body["members"], body["users"]) == ("gold", 2, 9)
    assert {(s["store_id"], s["members"], s["as_of"]) for s in body["stores"]} == {("a", 1, "2026-03-31"),
                                                                                  ("b", 1, "2026-02-20")}
    assert "Segment gold: member_tier=gold" in ok(table) and "1 members, 20.0% of 5 users" in table.stdout
    assert "Member tier" in table.stdout and "1,100.00 CNY" in table.stdout and "3,379.00 CNY" in table.stdout
    assert "member_tier,gold,2,1.0" in ok(csv_profile).splitlines()
    assert (json.loads(ok(preview))["name"], json.loads(preview.stdout)["members"]) == (None, 2)
    assert "exported 2" in ok(exported) and out.read_text() == "store_id,user_id\na,u1\nb,u7\n"
    assert ok(stdout_csv).splitlines() == ["store_id,user_id", "b,u7"]
    got = json.loads(ok(metrics))
    assert got["segment"] == "gold" and got["rows"] == [{"gmv": 1100.0, "orders": 3, "paying_buyers": 1}]
    assert "Segment: gold" in ok(explain) and "WITH _u AS" in explain.stdout
    one_line_error(bad_rule, "rule column 15: expected a condition, found 'and'", "orders>=3 and ⟪here⟫and")
    one_line_error(bad_zh, "错误: 规则第 15 列：这里应是一个条件，实际是 'and'（提示：orders>=3 and ⟪here⟫and")
    one_line_error(both, "exactly one of --rule TEXT or --json JSON")
    one_line_error(missing, "no segment named 'nope'", "gold")

    assert "deleted segment gold" in ok(run(db, "segment", "delete", "gold"))
    assert "no saved segments yet" in ok(run(db, "segment", "list"))
    one_line_error(run(db, "segment", "delete", "gold"), "no segment named 'gold'", "segment save")
