"""Logins of the dashboard/API: password hashing, tokens, roles and stores, the `shoplens account` CLI,
the secret-key rule and the login rate limit (no server needed here; tests/test_api_*.py run one)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import shoplens
from shoplens.errors import ShoplensError
from shoplens.server import accounts
from shoplens.server.accounts import (
    account_of_token,
    add_user,
    check_login,
    ensure_demo_login,
    hash_password,
    issue_token,
    list_accounts,
    remove_user,
    revoke_token,
    set_access,
    set_password,
    verify_password,
)
from shoplens.server.security import LoginLimiter, csrf_ok, csrf_token, load_secret_key
from shoplens.warehouse.accounts_table import TOKENS, USERS


@pytest.fixture
def wh(tmp_path: Path) -> Any:
    with shoplens.connect(str(tmp_path / "w.duckdb")) as warehouse:
        warehouse.con.execute("INSERT INTO stores (store_id, name, platform, reporting_currency, timezone)"
                              " VALUES ('a', 'A', 'independent', 'USD', 'UTC'),"
                              " ('b', 'B', 'independent', 'USD', 'UTC')")
        yield warehouse


def test_password_hash_is_salted_scrypt_and_verifies() -> None:
    one, two = hash_password("correct-horse"), hash_password("correct-horse")
    assert one != two and one.startswith("scrypt$16384$8$1$")  # a fresh salt each time
    assert verify_password("correct-horse", one) and verify_password("correct-horse", two)
    assert not verify_password("correct-horsE", one) and not verify_password("x", "garbage")


def test_add_check_and_list(wh: Any) -> None:
    add_user(wh, "ana", "password-1", "analyst", ["a"])
    add_user(wh, "root", "password-2", "admin")
    assert check_login(wh, "ana", "password-1").stores == ("a",)
    assert check_login(wh, "ana", "password-2") is None and check_login(wh, "nobody", "password-1") is None
    assert [(a.username, a.role, a.stores) for a in list_accounts(wh)] == [("ana", "analyst", ("a",)),
                                                                           ("root", "admin", ("*",))]
    stored = wh.con.execute(f"SELECT password_hash FROM {USERS} WHERE username = 'ana'").fetchone()[0]
    assert "password-1" not in stored


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"username": "a b"}, "not allowed"), ({"password": "short"}, "at least 8"), ({"role": "owner"}, "unknown role"),
    ({"stores": ["zz"]}, "unknown store 'zz'"), ({"stores": []}, "at least one store"),
    ({"password": "x" * 8 + "\x00"}, "NUL")])
def test_bad_logins_are_refused(wh: Any, kwargs: dict[str, Any], message: str) -> None:
    args = {"username": "u1", "password": "password-1", "role": "viewer", "stores": ["a"], **kwargs}
    with pytest.raises(ShoplensError, match=message):
        add_user(wh, args["username"], args["password"], args["role"], args["stores"])
    assert list_accounts(wh) == []


def test_tokens_are_stored_hashed_expire_and_are_revoked(wh: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(wh, "vic", "password-1", "viewer", ["b"])
    token = issue_token(wh, "vic", "api")
    assert account_of_token(wh, token).username == "vic"
    digest = wh.con.execute(f"SELECT token_hash FROM {TOKENS}").fetchone()[0]
    assert digest == hashlib.sha256(token.encode()).hexdigest() and token not in digest
    real_now = accounts._now
    monkeypatch.setattr(accounts, "_now", lambda: real_now() + timedelta(days=31))  # api tokens last 30 days
    assert account_of_token(wh, token) is None
    monkeypatch.setattr(accounts, "_now", real_now)
    assert account_of_token(wh, token) is not None
    revoke_token(wh, token)
    assert account_of_token(wh, token) is None
    assert account_of_token(wh, "") is None and account_of_token(wh, "x" * 300) is None


def test_new_password_ends_sessions_and_access_changes_apply(wh: Any) -> None:
    add_user(wh, "ana", "password-1", "analyst", ["a"])
    token = issue_token(wh, "ana")
    set_access(wh, "ana", role="viewer", stores=["a", "b"])
    assert account_of_token(wh, token).role == "viewer" and account_of_token(wh, token).stores == ("a", "b")
    set_password(wh, "ana", "password-9")
    assert account_of_token(wh, token) is None and check_login(wh, "ana", "password-9") is not None
    remove_user(wh, "ana")
    assert list_accounts(wh) == []
    with pytest.raises(ShoplensError, match="no user 'ana'"):
        set_password(wh, "ana", "password-9")


def test_demo_login_is_not_restored_after_an_operator_changed_it(wh: Any, tmp_path: Path) -> None:
    """(It used to be re-created with the published password: tests/test_demo_login.py has the rules.)"""
    assert ensure_demo_login(wh).status == "not_demo"  # stores a and b are not demo stores
    with shoplens.connect(str(tmp_path / "demo.duckdb")) as demo_wh:
        assert ensure_demo_login(demo_wh).status == "created"
        set_password(demo_wh, "demo", "something-else")
        assert ensure_demo_login(demo_wh).status == "changed"
        assert check_login(demo_wh, "demo", "shoplens-demo") is None


def test_secret_key_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SHOPLENS_SECRET_KEY", raising=False)
    monkeypatch.delenv("SHOPLENS_CONFIG", raising=False)
    with pytest.raises(ShoplensError, match="secret key"):
        load_secret_key(demo=False)
    assert len(load_secret_key(demo=True)) >= 32 and load_secret_key(demo=True) != load_secret_key(demo=True)
    for bad in ("short", "changeme"):
        monkeypatch.setenv("SHOPLENS_SECRET_KEY", bad)
        with pytest.raises(ShoplensError, match="secret key"):
            load_secret_key(demo=False)
    monkeypatch.delenv("SHOPLENS_SECRET_KEY")
    config = tmp_path / "shoplens.yaml"
    config.write_text("secret_key: " + "k" * 40 + "\n", encoding="utf-8")
    monkeypatch.setenv("SHOPLENS_CONFIG", str(config))
    assert load_secret_key(demo=False) == "k" * 40


def test_csrf_token_is_bound_to_the_session() -> None:
    token = csrf_token("s" * 40, "session-1")
    assert csrf_ok("s" * 40, "session-1", token)
    assert not csrf_ok("s" * 40, "session-2", token) and not csrf_ok("t" * 40, "session-1", token)
    assert not csrf_ok("s" * 40, "session-1", None)


def test_login_limiter_counts_failures_in_a_window(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr("shoplens.server.security.time.monotonic", lambda: clock[0])
    limiter = LoginLimiter(attempts=3, window_seconds=60)
    for _ in range(3):
        assert limiter.retry_after("ip|ana") == 0
        limiter.failed("ip|ana")
    assert limiter.retry_after("ip|ana") == 61  # the oldest failure leaves the window in 60 s
    assert limiter.retry_after("ip|bob") == 0  # other names are not blocked
    clock[0] += 61
    assert limiter.retry_after("ip|ana") == 0


def test_account_cli(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with shoplens.connect(str(db)) as warehouse:
        warehouse.con.execute("INSERT INTO stores (store_id, name, platform, reporting_currency, timezone)"
                              " VALUES ('a', 'A', 'independent', 'USD', 'UTC')")
    env = {"PATH": "/usr/bin:/bin", "SHOPLENS_LOCK_WAIT": "1", "COLUMNS": "200", "SHOPLENS_PASSWORD": "password-1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), "account", *args],
                              capture_output=True, text=True, timeout=120, env=env)

    assert run("add", "ana", "--role", "analyst", "--stores", "a").returncode == 0
    bad = run("add", "bob", "--stores", "nope")
    assert bad.returncode != 0 and "unknown store 'nope'" in bad.stderr
    assert run("access", "ana", "--role", "viewer").returncode == 0
    listed = json.loads(run("list", "--format", "json").stdout)
    assert listed == {"accounts": [{"username": "ana", "role": "viewer", "stores": ["a"], "language": None}]}
    assert "password" not in run("list", "--format", "json").stdout
    assert run("remove", "ana").returncode == 0
    assert json.loads(run("list", "--format", "json").stdout) == {"accounts": []}
