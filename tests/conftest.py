"""Shared fixtures: a fresh warehouse file per test and the real public data sets."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import shoplens

REPO = Path(__file__).resolve().parents[1]
# The CLI's tables and summaries wrap at the terminal's width, which a subprocess takes from COLUMNS, else from
# a terminal on stdin/stdout/stderr (there is one or not depending on how pytest was started, and none in an
# xdist worker). One width for every CLI run of the tests, unless a test sets its own.
os.environ.setdefault("COLUMNS", "200")


def _origin_dir() -> Path | None:
    """The checkout this one was cloned from, when that is a local folder (a CI clone in /tmp)."""
    try:
        url = subprocess.run(["git", "-C", str(REPO), "config", "--get", "remote.origin.url"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(url.removeprefix("file://")) if url and "://" not in url.removeprefix("file://") else None
    return path if path is not None and path.is_dir() else None


def datasets_dir() -> Path:
    """``$SHOPLENS_DATASETS``, else ``../shared/datasets`` beside the checkout, else beside the local
    checkout it was cloned from (so a fresh clone anywhere still finds the real data)."""
    if os.environ.get("SHOPLENS_DATASETS"):
        return Path(os.environ["SHOPLENS_DATASETS"])
    beside = REPO.parent / "shared" / "datasets"
    origin = _origin_dir()
    if not beside.is_dir() and origin is not None and (origin.parent / "shared" / "datasets").is_dir():
        return origin.parent / "shared" / "datasets"
    return beside


@pytest.fixture(scope="session")
def datasets() -> Path:
    path = datasets_dir()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real data sets not found at {path} (set SHOPLENS_DATASETS)")
        pytest.skip(f"real data sets not found at {path}")
    return path


# Folders of session-wide fixtures start with this; every other folder a test module's fixtures make is removed when
# the module is done (see _module_folders_removed).
SESSION_PREFIX = "session-"


@pytest.fixture(scope="module", autouse=True)
def _module_folders_removed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Remove the folders a module's fixtures made (warehouses, servers' files) once its tests are done, unless one
    of them failed. A folder a later module still needs must be named with SESSION_PREFIX (a session fixture, or a
    helper's build-once cache such as tests/metrics_fixture.py). Kept all, the suite leaves ~9 GB of DuckDB files
    behind: more than a CI machine may have free. Per-test folders go when their test passes
    (``tmp_path_retention_policy = "failed"`` in pyproject.toml)."""
    base = tmp_path_factory.getbasetemp()
    before = set(base.iterdir())
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        return
    gone = [p for p in set(base.iterdir()) - before if p.is_dir() and not p.name.startswith(SESSION_PREFIX)]
    for path in gone:
        shutil.rmtree(path, ignore_errors=True)
    if gone:  # pytest hands the freed names out again: no answer cached for an old file may serve a new one
        from shoplens.metrics import engine, values

        with engine._LOCK:
            engine._RESULTS.clear()
            engine._CACHE.clear()
        with values._LOCK:
            values._CACHE.clear()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def wh(db_path: Path):
    warehouse = shoplens.connect(str(db_path))
    yield warehouse
    warehouse.close()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    """A MetricsEngine on the hand-made metrics fixture (tests/metrics_fixture.py), read-only."""
    from metrics_fixture import open_engine

    yield from open_engine(tmp_path_factory)


# ---- real stores imported once per test session (read them with shoplens.connect(path, read_only=True)) ----
RETAIL_FILE = "online_retail/online_retail.csv.gz"
TAOBAO_FILE = "taobao_userbehavior_sample/UserBehavior_head.csv.gz"


def _imported(datasets: Path, factory: pytest.TempPathFactory, file: str, preset: str, store: str) -> Path:
    from shoplens.ingest.pipeline import import_files

    path = factory.mktemp(f"{SESSION_PREFIX}{store}") / "w.duckdb"
    with shoplens.connect(str(path)) as wh:
        import_files(wh, [datasets / file], preset=preset, store=store)
    return path


@pytest.fixture(scope="session")
def retail_db(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Online Retail (UCI) imported with its preset as store ``uk`` (orders only, Europe/London)."""
    return _imported(datasets, tmp_path_factory, RETAIL_FILE, "online-retail", "uk")


@pytest.fixture(scope="session")
def taobao_db(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Taobao UserBehavior head sample imported as store ``tb`` (events only, Asia/Shanghai)."""
    return _imported(datasets, tmp_path_factory, TAOBAO_FILE, "taobao-userbehavior", "tb")


@pytest.fixture(scope="module")
def two_store_api(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A real API server over demo + "other" with four logins (tests/api_server.py), one per test module."""
    from api_server import two_store_server

    with two_store_server(demo_db, tmp_path_factory.mktemp("two_store_api")) as server:
        yield server


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default deterministic demo store (what `make demo` builds)."""
    from shoplens.demo.build import build_demo

    path = tmp_path_factory.mktemp(f"{SESSION_PREFIX}demo") / "demo.duckdb"
    with shoplens.connect(str(path)) as wh:
        build_demo(wh)
    return path
