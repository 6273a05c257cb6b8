"""REST API auth against a real `shoplens serve` (one server for the module): which routes need a login,
passwords and the login rate limit, bearer tokens and logout, cookie sessions with CSRF, the viewer
role, the secret key the server insists on, and /health.

Expected values come from the fixture (tests/api_server.py: logins, password) or from the warehouse
file read before the server starts (the server holds DuckDB's write lock while it runs).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import httpx
import pytest

import shoplens
from api_server import PASSWORD, ApiServer, free_port, two_store_db
from shoplens.server.accounts import add_user
from shoplens.server.security import LoginLimiter

LOGIN = "/api/v1/login"
OPEN = {"/health", LOGIN, "/collect"}  # the only routes answering without a login (/collect takes a write key)
WRITES = {"post", "put", "patch", "delete"}
# writes every role may do: its own session and language; a read-only preview posted as a JSON body
FOR_EVERYONE = {("post", "/api/v1/logout"), ("put", "/api/v1/me/language"), ("post", "/api/v1/segments/preview")}
LOCKED_USER = "locky"  # only the rate-limit test fails logins of this one
RACE_USER = "rhea"  # only the concurrent-guesses test fails logins of this one
ROLE_USER = "vera"  # the viewer of the role test (vic's language is checked by the session test)


@pytest.fixture(scope="module")
def prepared(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The two-store warehouse with two more viewers, and its schema version read with plain DuckDB
    before any server opens it."""
    db = two_store_db(demo_db, tmp_path_factory.mktemp("api_auth"))
    with shoplens.connect(str(db)) as wh:
        add_user(wh, LOCKED_USER, PASSWORD, "viewer", ["demo"])
        add_user(wh, ROLE_USER, PASSWORD, "viewer", ["demo"])
        add_user(wh, RACE_USER, PASSWORD, "viewer", ["demo"])
    con = duckdb.connect(str(db), read_only=True)
    try:
        version = int(con.execute("SELECT value FROM _shoplens_meta WHERE key = 'schema_version'").fetchone()[0])
    finally:
        con.close()
    return db, version


@pytest.fixture(scope="module")
def server(prepared: tuple[Path, int]) -> Iterator[ApiServer]:
    srv = ApiServer(prepared[0])
    try:
        yield srv
    finally:
        srv.stop()


def _routes(server: ApiServer) -> list[tuple[str, str, str]]:
    """(method, schema path, a URL with dummy path parameters) for every operation in /openapi.json."""
    spec = httpx.get(server.url + "/openapi.json", timeout=30).json()
    out = []
    for path, ops in spec["paths"].items():
        url = re.sub(r"\{[^}/]+\}", "x1", path)
        for method, op in ops.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            params = {p["name"]: ("2" if p.get("schema", {}).get("type") == "integer" else "x")
                      for p in op.get("parameters", []) if p.get("in") == "query" and p.get("required")}
            out.append((method, path, url + ("?" + str(httpx.QueryParams(params)) if params else "")))
    return out


def _error(r: httpx.Response) -> dict:
    body = r.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"] and body["error"]["zh"], body
    return body["error"]


def _login(server: ApiServer, user: str, password: str = PASSWORD, kind: str = "api") -> httpx.Response:
    return httpx.post(server.url + LOGIN, json={"username": user, "password": password, "kind": kind}, timeout=60)


# ---- which routes need a login ---------------------------------------------------------------------
def test_docs_and_openapi_are_served(server: ApiServer) -> None:
    docs = httpx.get(server.url + "/docs", timeout=30)
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert "/openapi.json" in docs.text
    paths = httpx.get(server.url + "/openapi.json", timeout=30).json()["paths"]
    # the routes of the first part are all listed (the sweep below is not vacuous)
    for path in ("/health", LOGIN, "/api/v1/logout", "/api/v1/me", "/api/v1/me/language", "/api/v1/stores",
                 "/api/v1/metrics", "/api/v1/metrics/catalog", "/api/v1/funnel", "/api/v1/funnel/dropped",
                 "/api/v1/retention", "/api/v1/paths", "/api/v1/rfm", "/api/v1/rfm/customers",
                 "/api/v1/users/{user_id}/timeline"):
        assert path in paths, path


def test_every_route_answers_401_without_credentials(server: ApiServer) -> None:
    routes = [r for r in _routes(server) if r[1] not in OPEN]
    assert len(routes) >= 14
    wrong = []
    with httpx.Client(base_url=server.url, timeout=60) as anonymous:
        for method, path, url in routes:
            for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Cookie": "shoplens_session=not-a-session"}):
                r = anonymous.request(method.upper(), url, headers=headers)
                if r.status_code != 401:
                    wrong.append((method, path, headers, r.status_code, r.text[:200]))
                    continue
                _error(r)
                assert r.headers.get("www-authenticate") == "Bearer", (method, path)
    assert not wrong, wrong


def test_health_needs_no_login(server: ApiServer, prepared: tuple[Path, int]) -> None:
    schema_version = prepared[1]
    r = httpx.get(server.url + "/health", timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert isinstance(body["schema"], int) and body["schema"] == schema_version
    assert schema_version >= 4  # migration 4 added the logins (the server could not run without it)


# ---- passwords, the rate limit, tokens --------------------------------------------------------------
def test_wrong_password_is_401_in_both_languages(server: ApiServer) -> None:
    for user in ("root", "no-such-user"):  # an unknown name answers exactly like a wrong password
        r = _login(server, user, "wrong-password-1")
        assert r.status_code == 401
        error = _error(r)
        assert error["message"] == "wrong user name or password"
        assert error["zh"] == "用户名或密码错误"
        assert "token" not in r.text and "set-cookie" not in r.headers
    assert _login(server, "root").status_code == 200  # (and clears root's one failure)


def test_five_failures_then_429_with_retry_after(server: ApiServer) -> None:
    for _ in range(5):
        assert _login(server, LOCKED_USER, "wrong-password-1").status_code == 401
    for password in ("wrong-password-1", PASSWORD):  # the right password is refused too while limited
        r = _login(server, LOCKED_USER, password)
        assert r.status_code == 429, r.text
        wait = int(r.headers["retry-after"])
        assert 1 <= wait <= 301  # the oldest failure leaves the 5-minute window
        error = _error(r)
        assert f"{wait} s" in error["message"] and "登录失败次数过多" in error["zh"]
        assert "token" not in r.json()
    # per user name: another login from the same address is not limited
    assert _login(server, "ana").status_code == 200


def test_concurrent_guesses_are_limited_too(server: ApiServer) -> None:
    """Guesses sent at once are each counted before the next is checked: 5 are tried, the rest refused."""
    with ThreadPoolExecutor(16) as pool:
        codes = Counter(pool.map(lambda _: _login(server, RACE_USER, "wrong-password-1").status_code, range(16)))
    assert codes == {401: 5, 429: 11}
    assert _login(server, RACE_USER).status_code == 429


def test_limiter_forgets_old_names_but_not_limited_ones() -> None:
    """Names tried once stay only while they matter (else memory grows with every name ever tried)."""
    limiter = LoginLimiter(attempts=2, window_seconds=1.0)
    limiter.max_keys = 3
    for i in range(10):
        limiter.failed(f"host|name{i}")
    time.sleep(1.1)  # every failure so far has left the window
    limiter.failed("host|a")
    limiter.failed("host|a")
    assert set(limiter._failures) == {"host|a"}
    for i in range(5):  # more names within the window: "a" is still limited
        limiter.failed(f"host|b{i}")
    assert limiter.retry_after("host|a") >= 1 and limiter.retry_after("host|b0") == 0


def test_api_token_is_a_bearer_token_until_logout(server: ApiServer) -> None:
    r = _login(server, "ana")
    assert r.status_code == 200
    body = r.json()
    assert body["user"] == {"username": "ana", "role": "analyst", "stores": ["demo"], "language": None}
    assert "set-cookie" not in r.headers and "csrf_token" not in body  # a script's token, not a browser session
    token = body["token"]
    auth = {"Authorization": f"Bearer {token}"}
    me = httpx.get(server.url + "/api/v1/me", headers=auth, timeout=30)
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "ana" and me.json()["stores"] == ["demo"]
    assert "csrf_token" not in me.json()
    # a bearer token needs no CSRF token to write
    assert httpx.post(server.url + "/api/v1/logout", headers=auth, timeout=30).status_code == 200
    for path in ("/api/v1/me", "/api/v1/stores"):
        r = httpx.get(server.url + path, headers=auth, timeout=30)
        assert r.status_code == 401
        assert _error(r)["message"] == "the session has ended or the token is not valid"
    # other tokens of the same user stay valid
    assert httpx.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {server.token('ana')}"},
                     timeout=30).status_code == 200


# ---- browser sessions ------------------------------------------------------------------------------
def test_cookie_session_needs_the_csrf_token_to_write(server: ApiServer) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as browser:
        r = browser.post(LOGIN, json={"username": "vic", "password": PASSWORD})  # kind defaults to session
        assert r.status_code == 200
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("shoplens_session=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        body = r.json()
        assert "token" not in body
        csrf = body["csrf_token"]
        assert re.fullmatch(r"[0-9a-f]{64}", csrf)

        me = browser.get("/api/v1/me")  # the cookie alone is enough to read
        assert me.status_code == 200
        assert me.json()["user"]["username"] == "vic" and me.json()["user"]["language"] is None
        assert me.json()["csrf_token"] == csrf

        for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": b"\xe9t\xe9"}):
            r = browser.put("/api/v1/me/language", json={"language": "en"}, headers=headers)
            assert r.status_code == 403, r.text
            assert "CSRF" in _error(r)["message"]
        assert browser.get("/api/v1/me").json()["user"]["language"] is None  # nothing was written

        r = browser.put("/api/v1/me/language", json={"language": "zh"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and r.json() == {"language": "zh"}
        assert browser.get("/api/v1/me").json()["user"]["language"] == "zh"

        # logging out is a write, too
        assert browser.post("/api/v1/logout").status_code == 403
        assert browser.post("/api/v1/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
        ended = httpx.get(server.url + "/api/v1/me", headers={"Cookie": cookie.split(";")[0]}, timeout=30)
        assert ended.status_code == 401  # the old cookie, sent again, is refused: the session is gone

    # remembered per user: a new login of vic sees it, ana's stays unset
    with server.client("vic") as vic, server.client("ana") as ana:
        assert vic.get("/api/v1/me").json()["user"]["language"] == "zh"
        assert ana.get("/api/v1/me").json()["user"]["language"] is None
        assert vic.put("/api/v1/me/language", json={"language": "xx"}).status_code == 422
        assert vic.get("/api/v1/me").json()["user"]["language"] == "zh"


# ---- roles -----------------------------------------------------------------------------------------
def test_viewer_may_not_write(server: ApiServer) -> None:
    writes = [r for r in _routes(server) if r[0] in WRITES and r[1] not in OPEN and (r[0], r[1]) not in FOR_EVERYONE]
    with server.client(ROLE_USER) as bearer, httpx.Client(base_url=server.url, timeout=60) as browser:
        csrf = browser.post(LOGIN, json={"username": ROLE_USER, "password": PASSWORD}).json()["csrf_token"]
        for method, path, url in writes:
            for client, headers in ((bearer, {}), (browser, {"X-CSRF-Token": csrf})):
                r = client.request(method.upper(), url, headers=headers)
                assert r.status_code == 403, (method, path, r.status_code, r.text[:300])
                assert "role" in _error(r)["message"], (method, path)
        # what every role may write
        assert bearer.put("/api/v1/me/language", json={"language": "en"}).status_code == 200
        assert browser.put("/api/v1/me/language", json={"language": "en"},
                           headers={"X-CSRF-Token": csrf}).status_code == 200
        assert browser.post("/api/v1/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
        assert bearer.post("/api/v1/logout").status_code == 200
        assert bearer.get("/api/v1/me").status_code == 401


# ---- the secret key --------------------------------------------------------------------------------
def _serve(db: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SHOPLENS_LANG": "en", "COLUMNS": "200", **env}
    args = [sys.executable, "-m", "shoplens", "--db", str(db), "serve", "--port", str(free_port()), *extra]
    return subprocess.run(args, env=full, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("key", "config"), [
    (None, None),  # no key at all
    ("", None),
    ("short-key-0123456789", None),  # 20 characters
    ("changeme", None),
    (" " * 40, None),  # blanks are no key
    (None, "secret_key: changeme\n"),  # a placeholder in the config file
], ids=["unset", "empty", "short", "changeme", "blanks", "config-placeholder"])
def test_server_refuses_to_start_without_a_real_secret_key(key: str | None, config: str | None,
                                                           tmp_path: Path) -> None:
    env = {} if key is None else {"SHOPLENS_SECRET_KEY": key}
    if config is not None:
        (tmp_path / "shoplens.yaml").write_text(config, encoding="utf-8")
        env["SHOPLENS_CONFIG"] = str(tmp_path / "shoplens.yaml")
    db = tmp_path / "never-opened.duckdb"  # the key is checked before the warehouse is opened
    done = _serve(db, env)
    assert done.returncode != 0
    assert "the server needs a secret key of its own (at least 32 characters)" in done.stderr
    assert "SHOPLENS_SECRET_KEY" in done.stderr and "--demo" in done.stderr
    assert "serving at" not in done.stdout
    assert not db.exists()


def test_demo_mode_starts_without_a_key(tmp_path: Path) -> None:
    srv = ApiServer(tmp_path / "demo-mode.duckdb", env={"SHOPLENS_SECRET_KEY": ""}, demo=True)
    try:
        r = httpx.get(srv.url + "/health", timeout=30)
        assert r.status_code == 200 and r.json()["status"] == "ok"
        assert httpx.get(srv.url + "/api/v1/me", timeout=30).status_code == 401  # demo mode still needs logins
    finally:
        srv.stop()
