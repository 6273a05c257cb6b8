"""The API application in-process: local docs assets (no CDN) and JSON for unexpected errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import shoplens
from shoplens.server.app import create_app


@pytest.fixture
def client(tmp_path: Path):
    shoplens.connect(str(tmp_path / "w.duckdb")).close()
    app = create_app(tmp_path / "w.duckdb", secret="s" * 40)

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("secret detail that must not reach the client")

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_docs_use_only_local_assets(client: TestClient) -> None:
    html = client.get("/docs").text
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/static/swagger/") for u in urls), urls
    assert "cdn" not in html.lower()
    for url in urls:
        assert client.get(url).status_code == 200
    assert "/api/v1/funnel" in client.get("/openapi.json").json()["paths"]


def test_unexpected_errors_are_json_without_internals(client: TestClient) -> None:
    r = client.get("/boom")
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert error["message"].startswith("internal error") and error["zh"] and "secret detail" not in r.text
