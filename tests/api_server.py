"""A real shoplens API server on loopback for the API tests, over a two-store warehouse.

``two_store_db(demo_db, tmp)``: a copy of the demo store (``demo``) plus a small store ``other``
(imported from CSV: 3 shoppers, events and orders, user ids that exist in no other store, GMV 600)
and four logins: ``root`` (admin, all stores), ``ana`` (analyst, demo), ``vic`` (viewer, demo),
``olga`` (analyst, other); every password is ``PASSWORD``.

``ApiServer``: ``python -m shoplens --db FILE serve`` in a subprocess on a free port with a real
secret key, waited for on ``/health``; ``client(user)`` gives an httpx client with a bearer token.

``two_store_server(demo_db, tmp)``: both together, stopped on exit (the ``two_store_api`` fixture of
tests/conftest.py: one server per test module).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

import shoplens
from csv_files import write_csv
from shoplens.ingest.pipeline import import_files
from shoplens.server.accounts import add_user

PASSWORD = "correct-horse-7"
SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
OTHER_GMV = 600.0
OTHER_USERS = ("ox1", "ox2", "ox3")


def two_store_db(demo_db: Path, tmp: Path) -> Path:
    path = tmp / "two.duckdb"
    shutil.copy(demo_db, path)
    events = write_csv(tmp / "other_events.csv", "event_id,ts,user_id,event,channel", [
        ("oe1", "2026-11-01T10:00:00Z", "ox1", "product_view", "email"),
        ("oe2", "2026-11-01T10:01:00Z", "ox1", "add_to_cart", "email"),
        ("oe3", "2026-11-01T10:02:00Z", "ox1", "purchase", "email"),
        ("oe4", "2026-11-02T09:00:00Z", "ox2", "product_view", "direct"),
        ("oe5", "2026-11-03T09:00:00Z", "ox3", "product_view", "direct"),
        ("oe6", "2026-11-03T09:05:00Z", "ox3", "purchase", "direct")])
    orders = write_csv(tmp / "other_orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount", [
        ("oo1", "ox1", "2026-11-01T10:02:00Z", "2026-11-01T10:02:00Z", "paid", "250"),
        ("oo2", "ox3", "2026-11-03T09:05:00Z", "2026-11-03T09:05:00Z", "paid", "350")])
    with shoplens.connect(str(path)) as wh:
        for table, file in (("events", events), ("orders", orders)):
            summary = import_files(wh, [file], table=table, store="other", currency="USD", timezone="UTC")
            assert summary.files[0].quarantined == 0, summary.examples
        add_user(wh, "root", PASSWORD, "admin", ["*"])
        add_user(wh, "ana", PASSWORD, "analyst", ["demo"])
        add_user(wh, "vic", PASSWORD, "viewer", ["demo"])
        add_user(wh, "olga", PASSWORD, "analyst", ["other"])
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiServer:
    """``shoplens serve`` in a child process; stop() ends it (the warehouse lock goes with it)."""

    def __init__(self, db: Path, *, env: dict[str, str] | None = None, demo: bool = False,
                 stderr_pipe: bool = False, args: tuple[str, ...] = ()) -> None:
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SHOPLENS_SECRET_KEY": SECRET,
                    "SHOPLENS_LOCK_WAIT": "1", "COLUMNS": "200", **(env or {})}
        cmd = [sys.executable, "-m", "shoplens", "--db", str(db), "serve", "--port", str(self.port)]
        # stderr (its errors and tracebacks) goes to a file beside the warehouse, to read after a failure; a
        # test that follows the server's lines as they come asks for a pipe (``stderr_pipe``)
        self.log = db.parent / f"server-{self.port}.err"
        err = subprocess.PIPE if stderr_pipe else self.log.open("w")
        self.proc = subprocess.Popen([*cmd, *(["--demo"] if demo else []), *args], env=full_env,
                                     stdout=subprocess.PIPE, stderr=err, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                text = self.proc.stderr.read() if self.proc.stderr else self.log.read_text(errors="replace")
                raise RuntimeError(f"server exited: {text}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not answer /health within 60 s")

    def wait_warm(self, admin: httpx.Client, timeout: float = 120) -> None:
        """Until ``GET /api/v1/server`` (``admin``: a login of every store) says the landing pages of the
        current data are computed (shoplens.server.warmup)."""
        deadline = time.monotonic() + timeout
        while not admin.get("/api/v1/server", timeout=10).json()["warm"]:
            assert time.monotonic() < deadline, "the server did not finish its cache warm-up"
            time.sleep(0.1)

    def token(self, user: str, password: str = PASSWORD) -> str:
        r = httpx.post(self.url + "/api/v1/login", json={"username": user, "password": password, "kind": "api"})
        assert r.status_code == 200, r.text
        return r.json()["token"]

    def client(self, user: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextmanager
def two_store_server(demo_db: Path, tmp: Path, **kwargs: Any) -> Iterator[ApiServer]:
    """A server over a fresh :func:`two_store_db` in ``tmp``; ``kwargs`` go to :class:`ApiServer`."""
    server = ApiServer(two_store_db(demo_db, tmp), **kwargs)
    try:
        yield server
    finally:
        server.stop()
