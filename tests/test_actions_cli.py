"""`shoplens action add|list|effect|remove` in real subprocesses on the generated lift store
(tests/actions_store.py), in both languages, with one-line errors; and migration 12 on a v11 warehouse keeps its
data and gives an empty, working action log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import shoplens
from actions_store import build
from shoplens.warehouse.migrations import LATEST


def cli(db: Path, *args: str, lang: str = "en") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHOPLENS_LANG": lang}
    env.pop("SHOPLENS_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True,
                          text=True, env=env, timeout=120)


def one_line(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("actions_cli") / "gen.duckdb", lift=0.10)


def test_round_trip(db: Path) -> None:
    added = cli(db, "action", "add", "--title", "new landing page", "--metric", "conversion_rate", "--scope",
                "channel=paid_search", "--date", "2026-02-25", "--recommendation", "rec-7", "--note", "A/B winner")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == ("logged action 1: new landing page (conversion_rate, channel=paid_search, "
                                    "2026-02-25)")
    listed = json.loads(cli(db, "action", "list", "--format", "json").stdout)["actions"]
    assert [(a["id"], a["title"], a["scope"], a["date"], a["recommendation"], a["note"], a["status"])
            for a in listed] == [(1, "new landing page", {"channel": "paid_search"}, "2026-02-25", "rec-7",
                                  "A/B winner", "active")]
    table = cli(db, "action", "list")
    assert "new landing page" in table.stdout and "channel=paid_search" in table.stdout
    effect = cli(db, "action", "effect", "1", "--days", "14", "--format", "json")
    assert effect.returncode == 0, effect.stderr
    data = json.loads(effect.stdout)
    with shoplens.connect(str(db), read_only=True) as wh:
        assert data == json.loads(json.dumps(shoplens.action_effect(wh, 1, days=14).to_dict()))
    assert data["effect"]["low"] <= 0.10 <= data["effect"]["high"]
    words = cli(db, "action", "effect", "1")
    assert words.returncode == 0 and "Difference-in-differences" in words.stdout
    assert data["sentence"]["en"] in " ".join(words.stdout.split())  # the sentence, however the terminal wraps it
    zh = cli(db, "action", "effect", "1", lang="zh")
    assert "双重差分" in zh.stdout and "可以与随机波动区分" in zh.stdout
    daily = cli(db, "action", "effect", "1", "--format", "csv").stdout.splitlines()
    assert daily[0] == "date,window,treated,control,control_date,difference,counted" and len(daily) == 29
    removed = cli(db, "action", "remove", "1")
    assert removed.returncode == 0 and removed.stdout.strip() == "action 1 removed"
    assert json.loads(cli(db, "action", "list", "--format", "json").stdout)["actions"] == []
    kept = json.loads(cli(db, "action", "list", "--removed", "--format", "json").stdout)["actions"]
    assert [(a["id"], a["status"]) for a in kept] == [(1, "removed")] and kept[0]["removed_at"]


def test_errors_are_one_line(db: Path) -> None:
    one_line(cli(db, "action", "effect", "42"), "no action 42", "action list")
    one_line(cli(db, "action", "add", "--title", "x", "--metric", "conversion_rate", "--scope", "channel=paidsearch"),
             "unknown channel 'paidsearch'", "paid_search")
    one_line(cli(db, "action", "add", "--title", "x", "--metric", "conversion_rate", "--scope", "channel=paidsearch",
                 lang="zh"), "paidsearch")
    one_line(cli(db, "action", "add", "--title", "x", "--metric", "cvr"), "unknown metric 'cvr'")
    one_line(cli(db, "action", "add", "--title", "x", "--metric", "gmv", "--date", "2026-13-01"), "--date")
    late = cli(db, "action", "add", "--title", "late", "--metric", "gmv", "--date", "2026-03-09", "--format", "json")
    one_line(cli(db, "action", "effect", str(json.loads(late.stdout)["id"])), "only 2 of the 14 days after it",
             "--days 2")


def test_migration_from_v11_keeps_data(tmp_path: Path) -> None:
    path = build(tmp_path / "old.duckdb", lift=0.0)
    with duckdb.connect(str(path)) as con:  # what a v11 warehouse looks like: migration 12 only adds the table
        con.execute("DROP TABLE actions")
        con.execute("UPDATE _shoplens_meta SET value = '11' WHERE key = 'schema_version'")
        before = con.execute("SELECT count(*), count(DISTINCT user_id) FROM events").fetchone()
    one_line(cli(path, "action", "list"), "schema v11", "shoplens migrate")  # read-only: asks for the migration
    migrated = cli(path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT user_id) FROM events").fetchone() == before
        assert con.execute("SELECT value FROM _shoplens_meta WHERE key = 'schema_version'").fetchone() == \
            (str(LATEST),)
        assert con.execute("SELECT count(*) FROM actions").fetchone() == (0,)
    added = cli(path, "action", "add", "--title", "x", "--metric", "conversion_rate", "--scope", "channel=email",
                "--date", "2026-02-25", "--format", "json")
    assert added.returncode == 0 and json.loads(added.stdout)["id"] == 1
    # a store's actions follow it when it is renamed and go with it when it is deleted (found by store_id)
    assert cli(path, "store", "rename", "gen", "gen2").returncode == 0
    moved = json.loads(cli(path, "action", "list", "--format", "json").stdout)["actions"]
    assert [(a["id"], a["store"]) for a in moved] == [(1, "gen2")]
    assert cli(path, "action", "effect", "1", "--days", "7", "--format", "json").returncode == 0


def test_interval_ends_keep_the_estimates_precision() -> None:
    """An effect of -0.80 on a currency or score metric reads [-1.60, -0.00], not [-2, -0]."""
    from shoplens.cli.action_cmd import _bound, _diff

    assert (_diff(-0.8, "currency"), _bound(-1.6, "currency"), _bound(-0.001, "score")) == ("-0.80", "-1.60", "-0.00")
    assert (_diff(-0.0165, "percent"), _bound(-0.0249, "percent")) == ("-1.65 pp", "-2.49")
