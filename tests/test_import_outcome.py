"""Imports that fail loudly (issue #11, Seen 4 and 5): exit codes, --strict, --max-bad-rows, a missing file.

Exit codes of `shoplens import` (README "Import your data"): 0 loaded (an unchanged re-import too);
2 a user error, nothing written; 3 locked; 4 some file has no rows in the warehouse (committed);
5 refused by --strict / --max-bad-rows, nothing written. Checked through a real subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.errors import ShoplensError
from shoplens.ingest.summary import ImportRefusedError
from shoplens.model import TABLES

ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "2"}
STORE = ("--store", "s", "--currency", "USD", "--timezone", "UTC")
HEADER = "order_id,created_ts,gross_amount\n"
GOOD = HEADER + "o1,2024-03-01 10:00:00,10\no2,2024-03-01 11:00:00,20\n"
TWO_BAD = GOOD + "o3,not a date,5\no4,2024-03-01 12:00:00,minus\n"  # lines 4 and 5 are quarantined


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **ENV}, cwd=cwd)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def state(db: Path) -> dict[str, list[tuple]]:
    """Every canonical table, the manifest and the quarantine, in full."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [t.name for t in TABLES] + ["import_manifest", "quarantine"]
        return {n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall() for n in names}
    finally:
        con.close()


def stderr_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_a_header_only_file_exits_4_and_is_committed(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    empty = write(tmp_path / "empty.csv", HEADER)
    proc = cli("--db", str(db), "import", "orders", str(empty), *STORE, "--format", "json")
    assert proc.returncode == 4, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["outcome"], out["exit_code"], out["read"]) == ("no_rows", 4, 0)
    assert out["files"][0]["no_rows"] is True
    assert "empty.csv: no rows loaded" in stderr_line(proc)
    assert len(state(db)["import_manifest"]) == 1  # committed: the manifest says what happened

    # table output says it too, on the file's own line
    proc = cli("--db", str(db), "import", "orders", str(empty))
    assert proc.returncode == 4 and "no row of this file is in the warehouse" in proc.stdout


def test_an_empty_file_exits_2_as_the_readme_says(tmp_path: Path) -> None:
    """A QA probe: the README listed "empty" under exit 4 while a 0-byte file exits 2 ("the file is empty"). A file
    with nothing in it is most likely the wrong file: an input error, nothing written, in every format (an empty
    JSON-lines file or sheet said "missing required column(s) … found: " before); a header without data lines is 4."""
    import gzip

    import openpyxl

    db = tmp_path / "w.duckdb"
    files = [write(tmp_path / "zero.csv", ""), write(tmp_path / "blank.csv", "\n\n"),
             write(tmp_path / "zero.jsonl", ""), tmp_path / "zero.csv.gz", tmp_path / "zero.xlsx"]
    files[3].write_bytes(gzip.compress(b""))
    openpyxl.Workbook().save(files[4])
    for file in files:
        proc = cli("--db", str(db), "import", "orders", str(file), *STORE)
        assert proc.returncode == 2, (file.name, proc.stderr)
        assert f"{file.name}: the {'sheet' if file.suffix == '.xlsx' else 'file'} is empty" in stderr_line(proc)
        assert not db.exists()  # nothing written, not even a warehouse
    # the README's tables say the same
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("**Exit codes / 退出码.**"):]
    code = {line.split("|")[1].strip(): line for line in table.splitlines()[:12] if line.startswith("| ")}
    assert "empty file" in code["2"] and "empty" not in code["4"] and "header" in code["4"]
    general = readme[readme.index("| exit code | meaning |"):]
    four = next(line for line in general.splitlines() if line.startswith("| 4 |"))
    assert "An empty file (0 bytes) is a 2" in four


def test_every_line_quarantined_exits_4_and_keeps_the_quarantine(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    bad = write(tmp_path / "bad.csv", HEADER + "o1,not a date,1\no2,2024-03-01 10:00:00,ten\n")
    proc = cli("--db", str(db), "import", "orders", str(bad), *STORE, "--format", "json")
    assert proc.returncode == 4, proc.stderr
    assert json.loads(proc.stdout)["outcome"] == "no_rows"
    after = state(db)
    assert after["orders"] == [] and len(after["quarantine"]) == 2  # kept to inspect


def test_one_empty_file_among_good_ones_exits_4_and_the_good_rows_stay(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    good, empty = write(tmp_path / "good.csv", GOOD), write(tmp_path / "empty.csv", HEADER)
    proc = cli("--db", str(db), "import", "orders", str(good), str(empty), *STORE, "--format", "json")
    assert proc.returncode == 4, proc.stderr
    out = json.loads(proc.stdout)
    assert [f["no_rows"] for f in out["files"]] == [False, True] and out["loaded"] == 2
    assert len(state(db)["orders"]) == 2


def test_an_unchanged_re_import_is_success(tmp_path: Path) -> None:
    """Idempotent re-runs stay exit 0: every line already stored counts as in the warehouse."""
    db = tmp_path / "w.duckdb"
    good = write(tmp_path / "good.csv", TWO_BAD)
    assert cli("--db", str(db), "import", "orders", str(good), *STORE).returncode == 0
    proc = cli("--db", str(db), "import", "orders", str(good), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["outcome"], out["loaded"], out["duplicates"], out["quarantined"]) == ("loaded", 0, 2, 2)


def test_strict_refuses_the_whole_import_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    good = write(tmp_path / "good.csv", GOOD)
    assert cli("--db", str(db), "import", "orders", str(good), *STORE).returncode == 0
    before = state(db)
    bad = write(tmp_path / "more.csv", TWO_BAD.replace("o1,", "n1,").replace("o2,", "n2,"))
    proc = cli("--db", str(db), "import", "orders", str(good), str(bad), "--strict")
    assert proc.returncode == 5, proc.stderr
    line = stderr_line(proc)
    assert "import refused: 2 of 6 lines quarantined, over --strict; nothing was written" in line
    assert "more.csv:4" in line and "invalid_timestamp" in line  # the first problem
    assert "more.csv:4:2  invalid_timestamp  created_ts: not a date" in proc.stdout  # the problems, shown
    assert "more.csv:5:3  invalid_number  gross_amount: minus" in proc.stdout
    assert state(db) == before  # not even the good file's new rows, nor a manifest row

    proc = cli("--db", str(db), "import", "orders", str(bad), "--strict", "--format", "json")
    assert proc.returncode == 5
    out = json.loads(proc.stdout)
    assert (out["outcome"], out["exit_code"], out["import_id"]) == ("refused", 5, None)
    assert [(e["line"], e["reason"]) for e in out["quarantine_examples"]] == [(4, "invalid_timestamp"),
                                                                              (5, "invalid_number")]
    assert state(db) == before

    # a clean file passes --strict
    clean = write(tmp_path / "clean.csv", HEADER + "c1,2024-03-02 10:00:00,1\n")
    assert cli("--db", str(db), "import", "orders", str(clean), "--strict").returncode == 0


@pytest.mark.parametrize(("limit", "code"), [("1", 5), ("2", 0), ("30%", 5), ("50%", 0), ("0", 5)])
def test_max_bad_rows_counts_lines_or_a_share_of_the_lines_read(tmp_path: Path, limit: str, code: int) -> None:
    db = tmp_path / "w.duckdb"
    bad = write(tmp_path / "bad.csv", TWO_BAD)  # 2 of 4 lines quarantined: 50 %
    proc = cli("--db", str(db), "import", "orders", str(bad), *STORE, "--max-bad-rows", limit)
    assert proc.returncode == code, proc.stderr
    if code == 0:
        assert len(state(db)["orders"]) == 2
    else:  # refused before anything was written: not even the warehouse file is left behind
        assert not db.exists()


@pytest.mark.parametrize("args", [("--max-bad-rows", "many"), ("--max-bad-rows", "101%"), ("--max-bad-rows", "1.5"),
                                  ("--max-bad-rows", "-1"), ("--strict", "--max-bad-rows", "3")])
def test_a_bad_limit_is_a_usage_error(tmp_path: Path, args: tuple[str, ...]) -> None:
    good = write(tmp_path / "good.csv", GOOD)
    proc = cli("--db", str(tmp_path / "w.duckdb"), "import", "orders", str(good), *STORE, *args)
    assert proc.returncode == 2
    assert "max-bad-rows" in stderr_line(proc)
    assert not (tmp_path / "w.duckdb").exists()


def test_the_python_api_refuses_the_same_way(tmp_path: Path, db_path: Path) -> None:
    bad = write(tmp_path / "bad.csv", TWO_BAD)
    with shoplens.connect(str(db_path)) as wh:
        with pytest.raises(ImportRefusedError) as info:
            shoplens.import_files(wh, [bad], table="orders", store="s", currency="USD", timezone="UTC",
                                  max_bad_rows="1")
        assert info.value.exit_code == 5 and info.value.summary.quarantined == 2
        assert wh.con.execute("SELECT (SELECT count(*) FROM stores) + (SELECT count(*) FROM quarantine)").fetchone() \
            == (0,)
        summary = shoplens.import_files(wh, [write(tmp_path / "e.csv", HEADER)], table="orders", store="s",
                                        currency="USD", timezone="UTC")
        assert (summary.outcome, summary.exit_code) == ("no_rows", 4)


@pytest.mark.parametrize("preset", ["cdnow", "taobao-userbehavior", "online-retail", "olist", None])
def test_a_missing_file_is_one_line_with_every_preset(tmp_path: Path, preset: str | None) -> None:
    """Seen 4: `--preset cdnow nosuch.txt` said `internal error: FileNotFoundError`."""
    args = ("--preset", preset) if preset else ("orders",)
    proc = cli("--db", str(tmp_path / "w.duckdb"), "import", *args, str(tmp_path / "nosuch.txt"), "--store", "x",
               cwd=tmp_path)
    assert proc.returncode == 2
    line = stderr_line(proc)
    assert line.startswith("error: ") and "nosuch.txt: file not found" in line and "internal" not in line
    assert not (tmp_path / "w.duckdb").exists()
    with shoplens.connect(str(tmp_path / "api.duckdb")) as wh, pytest.raises(ShoplensError, match="file not found"):
        shoplens.import_files(wh, [tmp_path / "nosuch.txt"], preset=preset, table=None if preset else "orders",
                              store="x", currency="USD", timezone="UTC")
