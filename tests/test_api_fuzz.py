"""A short run of `make fuzz` in the test suite: schemathesis over every route of a real server, as an admin,
with a few cases per route (the full run is `make fuzz`). It fails on any server error, undocumented status
code or content type, response not matching its schema, or wrong ``Allow`` header."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("schemathesis")


def test_every_route_answers_as_its_openapi_schema_says(demo_db: Path, tmp_path: Path) -> None:
    from fuzz_api import run

    assert run(examples=8, seed=11, demo_db=demo_db, workdir=tmp_path) == 0
