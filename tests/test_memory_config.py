"""The ``warehouse:`` section of the config file (memory limit, spill folder, threads) reaches every DuckDB
connection, environment variables override it, and bad values are refused with where and how to fix them.

Before: every connection ran with DuckDB's default memory limit, 80 % of the machine's RAM, so one
import could take the memory of every process on the machine (issue #11, Seen 9 and 14)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import shoplens
from shoplens.config import DEFAULT_MEMORY_LIMIT, parse_size, ram_bytes, warehouse_settings
from shoplens.errors import ShoplensError
from shoplens.metrics.targets import load_targets

UNIT = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "bytes": 1}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SHOPLENS_CONFIG", "SHOPLENS_MEMORY_LIMIT", "SHOPLENS_TEMP_DIRECTORY", "SHOPLENS_THREADS",
                 "SHOPLENS_MAX_TEMP_DIRECTORY_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no ./shoplens.yaml of the checkout


def duckdb_bytes(text: str) -> float:
    """DuckDB's rendering of a size (``286.1 MiB``) back to bytes."""
    number, unit = text.split()
    return float(number) * UNIT[unit]


def setting(wh, name: str) -> str:
    return wh.con.execute(f"SELECT current_setting('{name}')").fetchone()[0]


def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "shoplens.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SHOPLENS_CONFIG", str(path))
    return path


def test_the_default_limit_is_a_safe_share_of_ram_not_duckdbs_80_percent(tmp_path: Path) -> None:
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        limit = duckdb_bytes(setting(wh, "memory_limit"))
        expected = min(DEFAULT_MEMORY_LIMIT, ram_bytes() // 4)
        assert abs(limit - expected) < 0.001 * expected
        assert limit < 0.3 * ram_bytes()  # DuckDB's own default is 80 % of RAM
        assert setting(wh, "temp_directory") == str(tmp_path / "w.duckdb.tmp")


def test_the_warehouse_section_reaches_every_connection_and_cursor(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "spill").mkdir()
    config(tmp_path, monkeypatch, "warehouse:\n  memory_limit: 300MiB\n  temp_directory: spill\n"
                                  "  threads: 1\n  max_temp_directory_size: 2GiB\n")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        cursor = wh.cursor()
        for con in (wh, cursor):
            assert setting(con, "memory_limit") == "300.0 MiB"
            assert setting(con, "temp_directory") == str(tmp_path / "spill")  # relative to the config file
            assert int(setting(con, "threads")) == 1
            assert setting(con, "max_temp_directory_size") == "2.0 GiB"
        cursor.close()
    with shoplens.connect(str(tmp_path / "w.duckdb"), read_only=True) as ro:
        assert setting(ro, "memory_limit") == "300.0 MiB"


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config(tmp_path, monkeypatch, "warehouse:\n  memory_limit: 300MiB\n  threads: 2\n")
    monkeypatch.setenv("SHOPLENS_MEMORY_LIMIT", "200MiB")
    monkeypatch.setenv("SHOPLENS_THREADS", "1")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        assert setting(wh, "memory_limit") == "200.0 MiB"
        assert int(setting(wh, "threads")) == 1


def test_a_query_bigger_than_the_limit_spills_into_the_configured_folder(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    spill = tmp_path / "spill"
    monkeypatch.setenv("SHOPLENS_MEMORY_LIMIT", "128MiB")
    monkeypatch.setenv("SHOPLENS_TEMP_DIRECTORY", str(spill))
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        # ~300 MB of strings cannot stay in 128 MiB: DuckDB writes blocks to the temp folder instead of failing
        wh.con.execute("CREATE TEMP TABLE big AS SELECT 'row-' || i || '-' || repeat('x', 40) AS s"
                       " FROM range(5000000) t(i)")
        files = wh.con.execute("SELECT path FROM duckdb_temporary_files()").fetchall()
        assert files and all(Path(p).parent == spill for (p,) in files)
        assert wh.con.execute("SELECT count(*) FROM big").fetchone()[0] == 5_000_000


def test_sizes_follow_duckdbs_units() -> None:
    assert parse_size("1GB", "x") == 10**9
    assert parse_size("1GiB", "x") == 1 << 30
    assert parse_size("512 MiB", "x") == 512 << 20
    assert parse_size(1073741824, "x") == 1 << 30
    assert abs(parse_size("25%", "x") - ram_bytes() / 4) <= 1


@pytest.mark.parametrize(("section", "where", "message"), [
    ("memory_limit: lots", "warehouse.memory_limit", "'lots' is not a size"),
    ("memory_limit: 10MB", "warehouse.memory_limit", "too small"),
    ("memory_limit: 900TB", "warehouse.memory_limit", "more than this machine's RAM"),
    ("memory_limit: 0%", "warehouse.memory_limit", "not a usable share of RAM"),
    ("memory_limit: true", "warehouse.memory_limit", "is not a size"),
    ("threads: two", "warehouse.threads", "not a number of threads"),
    ("threads: 0", "warehouse.threads", "not a number of threads"),
    ("max_temp_directory_size: big", "warehouse.max_temp_directory_size", "'big' is not a size"),
    ("temp_directory: no/such/parent/dir", "warehouse.temp_directory", "does not exist"),
    ("temp_directory: shoplens.yaml", "warehouse.temp_directory", "is a file, not a folder"),
    ("memory: 1GB", "warehouse", "unknown setting 'memory'"),
])
def test_bad_values_are_refused_with_where_and_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      section: str, where: str, message: str) -> None:
    path = config(tmp_path, monkeypatch, f"warehouse:\n  {section}\n")
    with pytest.raises(ShoplensError) as caught:
        shoplens.connect(str(tmp_path / "w.duckdb"))
    assert caught.value.where == f"{path}: {where}"
    assert message in caught.value.message
    assert caught.value.hint and caught.value.zh and caught.value.zh_hint
    assert not (tmp_path / "w.duckdb").exists()  # refused before the warehouse was touched


def test_a_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPLENS_MEMORY_LIMIT", "1 gigabyte")
    with pytest.raises(ShoplensError) as caught:
        warehouse_settings()
    assert caught.value.where == "SHOPLENS_MEMORY_LIMIT"
    assert "'1 gigabyte' is not a size" in caught.value.message


def test_the_section_must_be_a_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config(tmp_path, monkeypatch, "warehouse: 1GB\n")
    with pytest.raises(ShoplensError, match="must be a mapping"):
        warehouse_settings()


def test_the_metrics_config_accepts_the_warehouse_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = config(tmp_path, monkeypatch, "warehouse:\n  memory_limit: 1GB\n")
    assert load_targets(None).source == str(path)


def test_the_cli_prints_one_line_for_a_bad_value(tmp_path: Path) -> None:
    shoplens.connect(str(tmp_path / "w.duckdb")).close()
    path = tmp_path / "shoplens.yaml"
    path.write_text("warehouse:\n  memory_limit: lots\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "SHOPLENS_CONFIG": str(path)}
    proc = subprocess.run([sys.executable, "-m", "shoplens.cli", "--db", str(tmp_path / "w.duckdb"), "info"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "warehouse.memory_limit" in lines[0] and "is not a size" in lines[0], proc.stderr


def test_an_analysis_out_of_memory_is_one_clear_line_not_an_internal_error(capsys: pytest.CaptureFixture[str]
                                                                            ) -> None:
    """A read that cannot fit (an operation DuckDB cannot spill) names the limit and how to raise it."""
    import duckdb

    from shoplens.cli.app import _report

    with pytest.raises(SystemExit) as done:
        _report(duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256 KiB"))
    err = capsys.readouterr().err.strip()
    assert done.value.code == 2 and len(err.splitlines()) == 1
    assert "internal error" not in err and "memory_limit" in err and "MiB" in err
