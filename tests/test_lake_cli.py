"""`shoplens lake export` and `shoplens --lake PATH …` as a user runs them (real subprocesses).

Orders of a hand-made store (UTC, USD): o1 10 + o2 20 on 2024-03-01/05 by two buyers, o3 30 on 2024-04-02.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "1"}
ORDERS = ("order_id,user_id,created_ts,currency,gross_amount\n"
          "o1,u1,2024-03-01 10:00:00,USD,10\n"
          "o2,u2,2024-03-05 18:30:00,USD,20\n"
          "o3,u1,2024-04-02 08:00:00,USD,30\n")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **ENV, **(env or {})})


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(("error: ", "错误: ")), proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("lake_cli")
    db, lake = folder / "w.duckdb", folder / "lake"
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    imported = cli("--db", str(db), "import", "orders", str(folder / "orders.csv"), "--store", "us",
                   "--currency", "USD", "--timezone", "UTC")
    assert imported.returncode == 0, imported.stderr
    done = cli("--db", str(db), "lake", "export", "--to", str(lake), "--format", "json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["export"] == 1
    assert summary["tables"]["orders"] == {"partitions_written": 2, "partitions_kept": 0, "partitions_removed": 0,
                                           "rows_written": 3, "rows": 3}
    return db, lake


def test_commands_read_the_lake(exported: tuple[Path, Path]) -> None:
    db, lake = exported
    query = ("metrics", "gmv,orders,paying_buyers", "--from", "2024-03-01", "--to", "2024-03-31", "-f", "json")
    from_lake = json.loads(cli("--lake", str(lake), *query).stdout)
    assert from_lake["rows"][0] | {"gmv": 30, "orders": 2, "paying_buyers": 2} == from_lake["rows"][0]
    assert from_lake == json.loads(cli("--db", str(db), *query).stdout)
    assert json.loads(cli(*query, env={"SHOPLENS_LAKE": str(lake)}).stdout) == from_lake


def test_a_second_export_says_what_it_kept(exported: tuple[Path, Path]) -> None:
    db, lake = exported
    again = cli("--db", str(db), "lake", "export", "--to", str(lake))
    assert again.returncode == 0, again.stderr
    assert "Lake export #2" in again.stdout and f"Exported to {lake}: 0 new files, 0 old ones removed" in again.stdout


def test_what_a_lake_refuses(exported: tuple[Path, Path], tmp_path: Path) -> None:
    db, lake = exported
    (tmp_path / "more.csv").write_text(ORDERS, encoding="utf-8")
    line = one_line_error(cli("--lake", str(lake), "import", "orders", str(tmp_path / "more.csv")))
    assert line.startswith(f"error: {lake}: a lake is read-only: this command writes to the warehouse")
    line = one_line_error(cli("--db", str(db), "--lake", str(lake), "metrics", "gmv"))
    assert "--db and --lake name two sources of data" in line
    line = one_line_error(cli("--lake", str(lake), "serve"))
    assert "serving a lake comes later" in line
    line = one_line_error(cli("--lake", str(lake), "lake", "export", "--to", str(tmp_path / "x")))
    assert "export reads the warehouse (--db), not a lake" in line
    line = one_line_error(cli("--lake", str(tmp_path / "missing"), "metrics", "gmv"))
    assert line == f"error: {tmp_path / 'missing'}: no lake here (hint: write one with `shoplens lake export " \
                   "--to PATH`, or check the --lake path)"


def test_a_bad_file_is_one_line_in_either_language(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    (lake / "stores").mkdir(parents=True)
    pq.write_table(pa.table({"store_id": ["s1"], "name": ["S"], "platform": ["other"], "reporting_currency": [7],
                             "timezone": ["UTC"]}), lake / "stores" / "s.parquet")
    line = one_line_error(cli("--lake", str(lake), "metrics", "gmv"))
    assert line.startswith(f"error: {lake / 'stores' / 's.parquet'}: lake table stores: column reporting_currency "
                           "is BIGINT, expected VARCHAR")
    line = one_line_error(cli("--lang", "zh", "--lake", str(lake), "metrics", "gmv"))
    assert line == f"错误: {lake / 'stores' / 's.parquet'}: 数据湖表 stores：列 reporting_currency 的类型为 BIGINT，" \
                   "应为 VARCHAR（提示：请把 reporting_currency 写成 VARCHAR（docs/data-model.md 列出了每一列的类型））"


def test_engine_mistakes_are_one_line(exported: tuple[Path, Path]) -> None:
    db, lake = exported
    line = one_line_error(cli("--engine", "spark", "--db", str(db), "metrics", "gmv"))
    assert "the Spark engine reads a lake (hint: add --lake PATH" in line
    line = one_line_error(cli("--engine", "presto", "--lake", str(lake), "metrics", "gmv"))
    assert "unknown engine 'presto' (hint: one of: duckdb, spark)" in line
    no_java = {"PATH": "/nonexistent", "JAVA_HOME": ""}
    line = one_line_error(cli("--engine", "spark", "--lake", str(lake), "metrics", "gmv", env=no_java))
    assert line.startswith("error: --engine spark: Spark needs Java, and none was found (hint: install Java 17")


@pytest.mark.spark
def test_spark_answers_the_cli_like_duckdb(exported: tuple[Path, Path]) -> None:
    db, lake = exported
    query = ("metrics", "gmv,orders,paying_buyers", "--by", "channel", "-f", "json")
    on_spark = cli("--engine", "spark", "--lake", str(lake), *query)
    assert on_spark.returncode == 0, on_spark.stderr
    assert json.loads(on_spark.stdout) == json.loads(cli("--db", str(db), *query).stdout)
    assert on_spark.stderr == ""  # no Spark log lines on the user's terminal


def test_a_flag_beats_the_environment(exported: tuple[Path, Path]) -> None:
    """$SHOPLENS_LAKE does not stop `--db X` commands, and $SHOPLENS_ENGINE only applies to lakes."""
    db, lake = exported
    query = ("metrics", "orders", "--from", "2024-03-01", "--to", "2024-03-31", "-f", "json")
    beside_a_lake = cli("--db", str(db), *query, env={"SHOPLENS_LAKE": str(lake)})
    assert beside_a_lake.returncode == 0, beside_a_lake.stderr
    assert json.loads(beside_a_lake.stdout)["rows"][0]["orders"] == 2
    on_the_file = cli("--db", str(db), *query, env={"SHOPLENS_ENGINE": "spark"})
    assert on_the_file.returncode == 0, on_the_file.stderr
    line = one_line_error(cli("--lake", str(lake), "account", "list"))
    assert "logins stay in the warehouse, they are not exported" in line
