"""Shared fixtures: a fresh warehouse file per test and the real public data sets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import shoplens

REPO = Path(__file__).resolve().parents[1]


def datasets_dir() -> Path:
    """``$SHOPLENS_DATASETS`` or ``../shared/datasets`` beside the checkout."""
    return Path(os.environ.get("SHOPLENS_DATASETS") or REPO.parent / "shared" / "datasets")


@pytest.fixture(scope="session")
def datasets() -> Path:
    path = datasets_dir()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real data sets not found at {path} (set SHOPLENS_DATASETS)")
        pytest.skip(f"real data sets not found at {path}")
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def wh(db_path: Path):
    warehouse = shoplens.connect(str(db_path))
    yield warehouse
    warehouse.close()
