"""The demo's known-password admin exists only in demo warehouses and works only on `serve --demo` (#11, 6 and 13).

Before: `shoplens demo` built into any warehouse (one holding real stores too) and planted the admin
`demo` / `shoplens-demo` of every store; that login worked on a real server started with a real key
and without --demo; a demo re-run restored it after an operator had demoted it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import shoplens
from api_server import SECRET, ApiServer, free_port
from shoplens.demo import build_demo
from shoplens.errors import ShoplensError
from shoplens.server.accounts import (
    DEMO_LOGIN,
    add_user,
    check_login,
    ensure_demo_login,
    get_account,
    remove_user,
    set_access,
    set_password,
)
from signal_runs import snapshot

SMALL = {"events": 2_000, "days": 30, "seed": 4}
NAME, PASSWORD = DEMO_LOGIN


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "SHOPLENS_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "shoplens", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def import_real_store(wh: Any, folder: Path) -> None:
    csv = folder / "orders.csv"
    csv.write_text("order_id,user_id,created_ts,status,gross_amount\no1,u1,2026-11-01T10:00:00Z,paid,100\n",
                   encoding="utf-8")
    shoplens.import_files(wh, [csv], table="orders", store="shop", currency="USD", timezone="UTC")


@pytest.fixture
def demo_wh(tmp_path: Path) -> Any:
    warehouse = shoplens.connect(str(tmp_path / "demo.duckdb"))
    build_demo(warehouse, **SMALL)
    yield warehouse
    warehouse.close()


# ------------------------------------------------------------------ the build refuses real warehouses


def test_demo_refuses_a_warehouse_with_real_stores(wh: Any, tmp_path: Path) -> None:
    import_real_store(wh, tmp_path)
    before = wh.con.execute("SELECT count(*) FROM import_manifest").fetchone()
    with pytest.raises(ShoplensError, match=r"not demo stores \(shop\)") as caught:
        build_demo(wh, **SMALL)
    assert "--force" in (caught.value.hint or "") and "--force" in (caught.value.zh_hint or "")
    assert wh.con.execute("SELECT count(*) FROM import_manifest").fetchone() == before
    assert wh.con.execute("SELECT list(store_id) FROM stores").fetchone()[0] == ["shop"]


def test_forced_demo_builds_beside_real_stores_without_a_login(wh: Any, tmp_path: Path) -> None:
    import_real_store(wh, tmp_path)
    build_demo(wh, force=True, **SMALL)
    assert sorted(r[0] for r in wh.con.execute("SELECT store_id FROM stores").fetchall()) == ["demo", "shop"]
    assert wh.con.execute("SELECT gross_amount FROM orders WHERE store_id = 'shop'").fetchall() == [(100,)]
    assert ensure_demo_login(wh).status == "not_demo"
    assert get_account(wh, NAME) is None


def test_a_real_store_named_like_a_demo_store_is_never_overwritten(wh: Any, tmp_path: Path) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text("user_id,country\nu1,CN\n", encoding="utf-8")
    shoplens.import_files(wh, [csv], table="customers", store="demo", currency="CNY", timezone="Asia/Shanghai")
    with pytest.raises(ShoplensError, match="imported data"):
        build_demo(wh, force=True, **SMALL)
    assert wh.con.execute("SELECT user_id FROM customers WHERE store_id = 'demo'").fetchall() == [("u1",)]


# ------------------------------------------------------------------ the login: created once, never restored


def test_the_demo_login_is_created_in_a_demo_warehouse(demo_wh: Any) -> None:
    assert ensure_demo_login(demo_wh).status == "created"
    account = check_login(demo_wh, NAME, PASSWORD)
    assert account is not None and account.role == "admin" and account.all_stores
    assert ensure_demo_login(demo_wh).status == "unchanged"


@pytest.mark.parametrize("change", ["password", "role", "stores", "deleted"])
def test_a_rerun_never_restores_a_login_an_operator_changed(demo_wh: Any, change: str) -> None:
    ensure_demo_login(demo_wh)
    if change == "password":
        set_password(demo_wh, NAME, "operator-secret-1")
    elif change == "role":
        set_access(demo_wh, NAME, role="viewer")
    elif change == "stores":
        set_access(demo_wh, NAME, stores=["demo"])
    else:
        remove_user(demo_wh, NAME)
    before = demo_wh.con.execute("SELECT * FROM app_users ORDER BY username").fetchall()
    build_demo(demo_wh, **SMALL)  # the demo re-run
    outcome = ensure_demo_login(demo_wh)
    assert outcome.status == ("deleted" if change == "deleted" else "changed") and not outcome.usable
    assert demo_wh.con.execute("SELECT * FROM app_users ORDER BY username").fetchall() == before
    if change == "password":
        assert check_login(demo_wh, NAME, PASSWORD) is None
        assert check_login(demo_wh, NAME, "operator-secret-1") is not None


def test_an_unchanged_demo_login_goes_when_real_stores_arrive(demo_wh: Any, tmp_path: Path) -> None:
    ensure_demo_login(demo_wh)
    import_real_store(demo_wh, tmp_path)
    assert ensure_demo_login(demo_wh).status == "removed"
    assert get_account(demo_wh, NAME) is None


def test_an_operators_own_demo_login_is_left_alone(demo_wh: Any) -> None:
    """A `demo` login the demo did not create (no mark) and that differs from its own is an operator's."""
    add_user(demo_wh, NAME, "operator-secret-2", "viewer", ["demo"])
    assert ensure_demo_login(demo_wh).status == "changed"
    assert check_login(demo_wh, NAME, "operator-secret-2").role == "viewer"


def test_a_login_from_an_earlier_version_is_adopted(demo_wh: Any) -> None:
    """Warehouses built before the mark existed hold exactly the demo's login: it is recognised as the demo's."""
    add_user(demo_wh, NAME, PASSWORD, "admin", ["*"])
    assert ensure_demo_login(demo_wh).status == "adopted"
    set_access(demo_wh, NAME, role="analyst")
    assert ensure_demo_login(demo_wh).status == "changed"


# ------------------------------------------------------------------ the CLI


def test_cli_demo_into_a_real_warehouse(tmp_path: Path) -> None:
    db = tmp_path / "real.duckdb"
    with shoplens.connect(str(db)) as wh:
        import_real_store(wh, tmp_path)
    before = snapshot(db)
    refused = cli("--db", str(db), "demo", "--events", "2000", "--days", "30")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        f"error: {db}: this warehouse holds stores that are not demo stores (shop); the demo builds only into a "
        "demo warehouse (hint: build it into a warehouse of its own (--db demo.duckdb), or add --force to build "
        "the demo stores beside them (no demo login is created then))"]
    assert snapshot(db) == before
    forced = cli("--db", str(db), "demo", "--events", "2000", "--days", "30", "--force", "--format", "json")
    assert forced.returncode == 0, forced.stderr
    import json

    out = json.loads(forced.stdout)
    assert out["login"] is None and out["login_status"] == "not_demo"
    with shoplens.connect(str(db), read_only=True) as wh:
        assert get_account(wh, NAME) is None


def test_cli_demo_rerun_says_it_left_a_changed_login(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    first = cli("--db", str(db), "demo", "--events", "2000", "--days", "30")
    assert first.returncode == 0, first.stderr
    assert f"{NAME} / {PASSWORD}" in first.stdout
    demoted = cli("--db", str(db), "account", "access", NAME, "--role", "viewer")
    assert demoted.returncode == 0, demoted.stderr
    again = cli("--db", str(db), "demo", "--events", "2000", "--days", "30")
    assert again.returncode == 0, again.stderr
    assert PASSWORD not in again.stdout
    assert "the demo login demo was changed by an operator: left as it is" in again.stdout
    with shoplens.connect(str(db), read_only=True) as wh:
        assert get_account(wh, NAME).role == "viewer"


# ------------------------------------------------------------------ a real server


def login(server: ApiServer, username: str, password: str) -> httpx.Response:
    return httpx.post(server.url + "/api/v1/login", json={"username": username, "password": password, "kind": "api"},
                      timeout=60)


@pytest.fixture
def demo_db_with_login(tmp_path: Path) -> Path:
    db = tmp_path / "served.duckdb"
    with shoplens.connect(str(db)) as wh:
        build_demo(wh, **SMALL)
        ensure_demo_login(wh)
        add_user(wh, "root", "root-password-1", "admin", ["*"])
    return db


def test_the_demo_login_is_refused_by_a_real_server(demo_db_with_login: Path) -> None:
    """Without --demo the published password is refused exactly like a wrong one (no hint that it exists)."""
    # a token the demo login got from a --demo server must not outlive that mode either
    demo_server = ApiServer(demo_db_with_login, env={"SHOPLENS_SECRET_KEY": ""}, demo=True)
    try:
        ok = login(demo_server, NAME, PASSWORD)
        assert ok.status_code == 200, ok.text
        token = ok.json()["token"]
    finally:
        demo_server.stop()
    banner = demo_server.proc.stdout.read() if demo_server.proc.stdout else ""
    assert "demo mode: the demo login demo / shoplens-demo is enabled (admin of every store); not for real data" \
        in banner
    real = ApiServer(demo_db_with_login)
    try:
        refused, wrong = login(real, NAME, PASSWORD), login(real, "root", "not-the-password")
        assert refused.status_code == wrong.status_code == 401
        assert refused.json() == wrong.json()
        assert login(real, "root", "root-password-1").status_code == 200
        me = httpx.get(real.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert me.status_code == 401
    finally:
        real.stop()
    banner = real.proc.stdout.read() if real.proc.stdout else ""
    assert "demo mode" not in banner


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_cleanly_on_a_signal(demo_db_with_login: Path, sig: int) -> None:
    """A signal is a server's normal stop: one line, exit 0 (before: SIGINT exited 0 silently through
    Typer, SIGTERM killed the process by the signal)."""
    port = free_port()
    env = {**os.environ, "SHOPLENS_SECRET_KEY": SECRET, "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "shoplens", "--db", str(demo_db_with_login), "serve", "--port",
                             str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, err.strip()) == (0, f"server stopped ({signal.Signals(sig).name})")
