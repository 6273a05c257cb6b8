"""The `shoplens` command as a user runs it: a real subprocess (acceptance point 4)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shoplens.model import TABLES

REPO = Path(__file__).resolve().parents[1]
ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "1"}

# Columns: 1 order_id 2 created_ts 3 currency 4 gross_amount 5 channel
ORDERS = ("order_id,created_ts,currency,gross_amount,channel\n"
          "o1,2024-03-01 10:00:00,USD,10,seo\n"
          "o2,2024-03-05 18:30:00,USD,20,direct\n"
          "o3,2024-03-09 23:59:59,USD,30.5,直播\n"
          "o4,2024-03-10 08:00:00,USD,minus five,direct\n"  # line 5: not a number
          "o5,2024-03-11 08:00:00,USD,5,carrier_pigeon\n"  # line 6: unknown channel
          "o1,2024-03-01 10:00:00,USD,10,seo\n")  # line 7: duplicate of line 2


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **ENV, **(env or {})}, cwd=cwd)


def one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """A warehouse with ORDERS imported through the CLI; returns (db, file, import JSON). Shared:
    the tests using it only read it (and check that their mistakes write nothing)."""
    tmp_path = tmp_path_factory.mktemp("cli")
    db = tmp_path / "cli.duckdb"
    src = tmp_path / "orders.csv"
    src.write_text(ORDERS)
    proc = cli("--db", str(db), "import", "orders", str(src), "--format", "json", "--store", "default",
               "--currency", "USD", "--timezone", "UTC")
    assert proc.returncode == 0, proc.stderr
    return db, src, json.loads(proc.stdout)


HELP = {
    (): ["--db", "--lake", "--engine", "--lang", "--debug", "--version", "import", "info", "quarantine", "schema",
         "migrate", "presets", "demo"],
    ("import",): ["--preset", "--store", "--map", "--timezone", "--currency", "--encoding", "--format",
                  "SRC=DST", "orders", "online-retail", "--strict", "--max-bad-rows", "Exit codes", "undo"],
    ("store",): ["list", "show", "rename", "delete"],
    ("store", "delete"): ["--yes", "--format"],
    ("info",): ["--store", "--format"],
    ("schema",): ["--format", "markdown"],
    ("presets",): ["--format"],
    ("migrate",): ["schema"],
    ("demo",): ["--events", "--days", "--seed", "--stores", "--format"],
    ("quarantine",): ["list", "export"],
    ("quarantine", "list"): ["--store", "--file", "--reason", "--limit", "--format", "table|json|csv"],
    ("quarantine", "export"): ["--store", "--file", "--reason", "CSV"],
}


def test_help_of_every_command() -> None:
    procs = {args: subprocess.Popen([sys.executable, "-m", "shoplens.cli", *args, "--help"], text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **ENV})
             for args in HELP}
    for args, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, (args, err)
        assert "Usage: " in out and "shoplens" in out, args
        for word in HELP[args]:
            assert word in out, (args, word)
    assert cli("--version").stdout.startswith("shoplens ")


def cli_many(commands: list[list[str]], env: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    """Run several commands at once (they queue on the warehouse lock; start-up time overlaps)."""
    procs = [subprocess.Popen([sys.executable, "-m", "shoplens.cli", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, **ENV, **(env or {})})
             for args in commands]
    done = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def test_user_mistakes_give_one_actionable_line(tmp_path: Path, loaded: tuple[Path, Path, dict]) -> None:
    db, src, _ = loaded
    db_bytes = db.read_bytes()
    unknown = tmp_path / "mystery.csv"
    unknown.write_text("colour,size\nred,3\n")
    mistakes = {  # arguments after --db: fragments of the one line expected on stderr
        ("import", "--preset", "no-such-preset", str(src)): ["unknown preset 'no-such-preset'", "online-retail"],
        ("import", "orders", str(tmp_path / "nothere.csv")): ["nothere.csv", "file not found"],
        ("import", "orders", str(src), "--map", "gross_amount"): ["bad column map",
                                                                  "SOURCE_COLUMN=canonical_column"],
        ("import", "orders", str(src), "--map", "gross_amount=amount"): ["orders has no column 'amount'"],
        ("import", "orders", str(src), "--timezone", "Mars/Olympus"): ["unknown time zone", "Asia/Shanghai"],
        ("import", "orders", str(src), "--encoding", "klingon"): ["unknown text encoding 'klingon'"],
        ("import", str(unknown)): ["cannot tell which table", "shoplens import orders"],
    }
    usage = [("info", "--bogus"), ("no-such-command",), ("info", "--format", "xml"), ("import",)]
    zh = ("--lang", "zh", "import", "orders", str(tmp_path / "nothere.csv"))
    commands = [["--db", str(db), *args] for args in [*mistakes, *usage]] + [[zh[0], zh[1], "--db", str(db), *zh[2:]]]
    results = cli_many(commands, env={"SHOPLENS_LOCK_WAIT": "60"})
    for args, proc in zip(mistakes, results, strict=False):
        one_line_error(proc, *mistakes[args])
    for args, proc in zip(usage, results[len(mistakes):], strict=False):
        assert proc.returncode == 2, (args, proc.stderr)  # a usage error, not an "internal error"
        line = one_line_error(proc, " -h shows its usage")  # one line like every error (click's block is gone)
        assert "internal error" not in line and "Usage:" not in proc.stderr, args
    proc = results[-1]
    assert proc.returncode != 0 and proc.stderr.startswith("错误: "), proc.stderr
    assert db.read_bytes() == db_bytes  # none of these wrote anything

    # --debug shows the traceback instead
    proc = cli("--debug", "--db", str(db), "import", "--preset", "no-such-preset", str(src))
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "unknown preset" in proc.stderr

    # a locked warehouse
    holder = subprocess.Popen([sys.executable, "-c", "import shoplens, sys, time; wh = shoplens.connect(sys.argv[1]);"
                               " print('ready', flush=True); time.sleep(30)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        one_line_error(cli("--db", str(db), "import", "orders", str(src)), "another shoplens process",
                       str(holder.pid), "SHOPLENS_LOCK_WAIT")
        proc = cli("--debug", "--db", str(db), "import", "orders", str(src))
        assert proc.returncode != 0 and "Traceback" in proc.stderr and "DatabaseLockedError" in proc.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_failed_first_import_leaves_no_warehouse_behind(tmp_path: Path) -> None:
    src = tmp_path / "orders.csv"
    src.write_text("order_id,created_ts\no1,2024-03-01 10:00:00\n")  # no gross_amount
    proc = cli("import", "orders", str(src), "--store", "s", "--currency", "USD", "--timezone", "UTC",
               cwd=tmp_path)  # default ./shoplens.duckdb
    one_line_error(proc, "missing required column(s) for orders: gross_amount")
    proc = cli("import", "orders", str(src), cwd=tmp_path)  # no store named: refused before anything is written
    one_line_error(proc, "no store to import into", "--store ID --currency CODE --timezone TZ")
    proc = cli("import", "orders", str(tmp_path / "typo.csv"), cwd=tmp_path)
    one_line_error(proc, "typo.csv", "file not found")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]


def test_import_json_contract(loaded: tuple[Path, Path, dict]) -> None:
    _, src, out = loaded
    assert {"read", "loaded", "duplicates", "quarantined", "tables", "files"} <= set(out)
    # 6 records: o1 o2 o3 load, line 7 repeats o1, lines 5 and 6 are refused
    assert (out["read"], out["loaded"], out["duplicates"], out["quarantined"]) == (6, 3, 1, 2)
    assert out["tables"] == {"orders": 3}
    assert len(out["files"]) == 1
    f = out["files"][0]
    assert Path(f["file"]) == src and f["target"] == "orders" and f["preset"] == "canonical"
    assert (f["read"], f["loaded"], f["duplicates"], f["quarantined"]) == (6, 3, 1, 2)
    assert f["reasons"] == {"invalid_number": 1, "not_allowed": 1}


def test_info_json_shape(loaded: tuple[Path, Path, dict]) -> None:
    db, _, _ = loaded
    proc = cli("--db", str(db), "info", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert set(info["tables"]) == {t.name for t in TABLES}
    for name, table in info["tables"].items():
        assert set(table) == {"rows", "min_ts", "max_ts"}, name
    assert info["tables"]["orders"] == {"rows": 3, "min_ts": "2024-03-01T10:00:00",
                                       "max_ts": "2024-03-09T23:59:59"}
    assert info["tables"]["stores"]["rows"] == 1
    assert info["tables"]["events"] == {"rows": 0, "min_ts": None, "max_ts": None}
    assert info["stores"] == [{"store_id": "default", "name": "default", "platform": "other",
                               "reporting_currency": "USD", "timezone": "UTC"}]
    proc = cli("--db", str(db), "info", "--store", "nobody", "--format", "json")
    assert proc.returncode != 0 and proc.stdout == ""  # a typo in --store is an error, not empty tables
    assert "no store 'nobody'" in proc.stderr and "Traceback" not in proc.stderr


EXPECTED_QUARANTINE = [
    # line, column, field, value, reason
    (5, "gross_amount", 4, "minus five", "invalid_number"),
    (6, "channel", 5, "carrier_pigeon", "not_allowed"),
]


def test_quarantine_list_and_export(tmp_path: Path, loaded: tuple[Path, Path, dict]) -> None:
    db, src, _ = loaded
    proc = cli("--db", str(db), "quarantine", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [(r["line"], r["column"], r["field"], r["value"], r["reason"]) for r in rows] == EXPECTED_QUARANTINE
    assert {r["file"] for r in rows} == {str(src)}
    assert json.loads(rows[0]["raw"])["gross_amount"] == "minus five"

    proc = cli("--db", str(db), "quarantine", "list", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    parsed = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [(int(r["line"]), r["column"], int(r["field"]), r["value"], r["reason"]) for r in parsed] \
        == EXPECTED_QUARANTINE

    proc = cli("--db", str(db), "quarantine", "list", "--reason", "not_allowed", "--format", "json")
    assert [r["line"] for r in json.loads(proc.stdout)] == [6]

    proc = cli("--db", str(db), "quarantine", "list")  # the table view names file:line:field
    assert proc.returncode == 0 and "orders.csv:5:4" in proc.stdout and "carrier_pigeon" in proc.stdout

    out = tmp_path / "refused.csv"
    proc = cli("--db", str(db), "quarantine", "export", str(out))
    assert proc.returncode == 0, proc.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert [(int(r["line"]), r["column"], int(r["field"]), r["value"], r["reason"]) for r in exported] \
        == EXPECTED_QUARANTINE
    assert json.loads(exported[1]["raw"])["channel"] == "carrier_pigeon"


def test_schema_matches_the_committed_doc() -> None:
    proc = cli("schema")
    assert proc.returncode == 0, proc.stderr
    doc = (REPO / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert proc.stdout == doc, "docs/data-model.md is stale: regenerate it with `shoplens schema > docs/data-model.md`"
    proc = cli("schema", "--format", "json")
    model = json.loads(proc.stdout)
    assert set(model) == {t.name for t in TABLES}
    assert model["orders"]["key"] == ["store_id", "order_id"]
