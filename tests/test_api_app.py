"""The API application in-process: local docs assets (no CDN) and JSON for unexpected errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

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

    @app.get("/too-big", include_in_schema=False)
    def too_big() -> None:
        import duckdb

        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256 KiB")

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
    assert re.search(r"[\u4e00-\u9fff]", error["zh_hint"]) and error["zh_hint"] != error["hint"]


def test_result_cache_computes_once_for_simultaneous_identical_requests() -> None:
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from shoplens.server.cache import ResultCache

    cache, calls, gate = ResultCache(size=2), [], threading.Event()

    def slow() -> str:
        calls.append(1)
        gate.wait(5)
        return "answer"

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(cache.get, "k", slow) for _ in range(8)]
        time.sleep(0.2)
        gate.set()
        assert [f.result() for f in futures] == ["answer"] * 8
    assert len(calls) == 1
    cache.get("a", lambda: 1), cache.get("b", lambda: 2)  # size 2: "k" is dropped first
    assert cache.get("k", lambda: "again") == "again"


def test_a_failed_computation_is_not_kept() -> None:
    from shoplens.server.cache import ResultCache

    cache = ResultCache()
    with pytest.raises(ValueError):
        cache.get("k", lambda: (_ for _ in ()).throw(ValueError("boom")))
    assert cache.get("k", lambda: "ok") == "ok"


def test_data_version_moves_with_imports_and_segment_saves(tmp_path: Path) -> None:
    from shoplens.ingest.pipeline import import_files
    from shoplens.server.cache import segments_version

    def data_version(wh: Any) -> tuple[Any, Any]:
        return wh.data_version(), segments_version(wh)

    events = tmp_path / "e.csv"
    events.write_text("event_id,ts,user_id,event\ne1,2026-01-01T00:00:00Z,u1,purchase\n", encoding="utf-8")
    with shoplens.connect(str(tmp_path / "v.duckdb")) as wh:
        first = data_version(wh)
        import_files(wh, [events], table="events", store="s", currency="USD", timezone="UTC")
        second = data_version(wh)
        shoplens.save_segment(wh, "buyers", "did(purchase)")
        third = data_version(wh)
    assert len({first, second, third}) == 3
    assert second[0] == third[0]  # a segment save is no import


def test_only_a_successful_login_counts_as_a_write(tmp_path: Path) -> None:
    """A failed login writes nothing, so it must not end the server's generation (the facts kept per write):
    a flood of wrong passwords cannot keep the server re-reading every token and store."""
    from shoplens.server.accounts import add_user

    with shoplens.connect(str(tmp_path / "g.duckdb")) as wh:
        add_user(wh, "ana", "password-9", "viewer", ["*"])
    with TestClient(create_app(tmp_path / "g.duckdb", secret="s" * 40, warm=False)) as c:
        state = c.app.state.shoplens
        before = state.generation
        for _ in range(3):
            assert c.post("/api/v1/login", json={"username": "ana", "password": "wrong-one-1"}).status_code == 401
        assert state.generation == before
        assert c.post("/api/v1/login", json={"username": "ana", "password": "password-9"}).status_code == 200
        assert state.generation == before + 1  # the new token
        assert c.get("/api/v1/me").status_code == 200  # the cookie session of that token works at once


def _texts(node: Any) -> list[str] | None:
    """The literal text of an expression (each branch of ``a if c else b``), None when it is not literal."""
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))]
    if isinstance(node, ast.IfExp):
        return [*(_texts(node.body) or []), *(_texts(node.orelse) or [])]
    if isinstance(node, ast.BinOp):
        left, right = _texts(node.left), _texts(node.right)
        return [a + b for a in left or [""] for b in right or [""]] if left or right else None
    return None


ERROR_CALLS = {"_error": ("status", "message", "zh", "hint", "zh_hint", "where"),  # server/app.py, problem.py
               "error_response": ("status", "message", "zh", "hint", "zh_hint", "where"),
               "ShoplensError": ("message",)}


def test_every_server_error_hint_has_a_chinese_hint() -> None:
    """Error bodies written in the server's code (dicts with a "hint", calls of the error helpers, ShoplensErrors)
    carry "zh" and "zh_hint" too, and those are Chinese: bilingual messages."""
    import ast

    folder = Path(shoplens.__file__).parent / "server"
    missing, english = [], []
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            given: dict[str, Any] = {}
            if isinstance(node, ast.Dict):
                given = {k.value: v for k, v in zip(node.keys, node.values, strict=True)
                         if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in ERROR_CALLS:
                if any(k.arg is None for k in node.keywords):  # **kwargs (explain()): checked in validation.py
                    continue
                names = ERROR_CALLS[node.func.id]  # type: ignore[attr-defined]
                given = {**dict(zip(names, node.args, strict=False)), **{k.arg: k.value for k in node.keywords}}
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            no_hint = isinstance(given.get("hint"), ast.Constant) and given["hint"].value is None
            if "hint" in given and not no_hint and "zh_hint" not in given:
                missing.append(f"{where} (no zh_hint)")
            if "message" in given and "zh" not in given:
                missing.append(f"{where} (no zh)")
            for key in ("zh", "zh_hint"):
                texts = _texts(given[key]) if key in given else None
                if texts and any(t and not re.search(r"[\u4e00-\u9fff]", t) for t in texts):
                    english.append(f"{where} ({key}: {texts})")
    assert not missing, missing
    assert not english, english


def test_an_unknown_route_is_a_bilingual_404(client: TestClient) -> None:
    error = client.get("/api/v1/no-such-route").json()["error"]
    assert (error["message"], error["zh"]) == ("Not Found", "未找到")


def test_an_answer_out_of_memory_is_a_503_saying_what_to_do(client: TestClient) -> None:
    r = client.get("/too-big")
    assert r.status_code == 503
    error = r.json()["error"]
    assert "memory" in error["message"] and "memory_limit" in error["hint"] and "内存" in error["zh"]
    assert "allocate" not in r.text  # DuckDB's own text goes to the log
