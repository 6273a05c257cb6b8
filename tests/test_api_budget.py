"""Query cost limits on a real `shoplens serve`: an over-long range refused before any work, a slow
computation cancelled at the time budget, a disconnected client's computation stopped, one login unable
to hold every computing slot, and SIGTERM stopping promptly while computations run.

The slow question is a weekly week-over-week comparison over 11 years: the engine compares each of the 574
weeks with its own shifted days, one statement each (tens of seconds on the demo store). The server of
this module allows it (``max_days``/``max_compared_periods`` raised in its config) so that only the
budget, the client or the signal can stop it; ``GET /api/v1/server`` tells how many computations run.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api_server import ApiServer, two_store_db

SLOW = {"metrics": "gmv,uv,conversion_rate", "grain": "week", "compare": "wow", "from": "2015-01-05"}
BUDGET = 120  # seconds: far more than any test waits, so what stops a computation is not the budget
CONFIG = f"""server:
  time_budget_seconds: {BUDGET}
  max_days: {{week: 5000}}
  max_compared_periods: 1000
"""


def slow(n: int, first: str = "2015-01-05") -> dict[str, str]:
    """A slow question no other test asks (its own end date)."""
    return {**SLOW, "from": first, "to": f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}"}


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_store_db(demo_db, tmp_path_factory.mktemp("api_budget"))


def start(db: Path, config: str) -> ApiServer:
    path = db.parent / f"config-{abs(hash(config))}.yaml"
    path.write_text(config, encoding="utf-8")
    return ApiServer(db, env={"SHOPLENS_CONFIG": str(path)})


@pytest.fixture(scope="module")
def server(db: Path) -> Iterator[ApiServer]:
    srv = start(db, CONFIG)
    srv.wait_warm(srv.client("root"))
    try:
        yield srv
    finally:
        srv.stop()


def computing(admin: httpx.Client) -> int:
    return admin.get("/api/v1/server").json()["cache"]["computing"]


def wait_until(condition: object, seconds: float) -> float:
    began = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - began < seconds, f"not within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - began


def test_an_over_long_range_is_refused_before_any_work(db: Path) -> None:
    srv = start(db, "server:\n  time_budget_seconds: 60\n")  # the default limits
    try:
        srv.wait_warm(srv.client("root"))
        client = srv.client("vic")
        for params in ({**SLOW, "to": "2026-12-31"}, {"metrics": "gmv", "grain": "month", "from": "1970-01-01",
                                                      "to": "2026-12-31"},
                       {"metrics": "gmv", "grain": "week", "compare": "wow", "from": "2023-01-02", "to": "2026-11-15"},
                       {"metrics": "gmv", "grain": "day", "by": "product,channel,country", "from": "2026-01-01",
                        "to": "2026-11-15"}):
            began = time.monotonic()
            r = client.get("/api/v1/metrics", params=params)
            assert r.status_code == 400, (params, r.text)
            assert time.monotonic() - began < 3
            error = r.json()["error"]
            assert error["hint"] and error["zh_hint"] and error["zh"] != error["message"]
        assert computing(srv.client("root")) == 0
        ok = client.get("/api/v1/metrics", params={"metrics": "gmv", "grain": "week", "compare": "wow",
                                                   "from": "2026-06-01", "to": "2026-11-15"})
        assert ok.status_code == 200 and len(ok.json()["rows"]) == 24  # 24 ISO weeks touch that range
    finally:
        srv.stop()


def test_a_slow_computation_is_cancelled_at_the_budget(db: Path) -> None:
    srv = start(db, CONFIG.replace(f"time_budget_seconds: {BUDGET}", "time_budget_seconds: 1"))
    try:
        admin = srv.client("root")
        srv.wait_warm(admin)
        began = time.monotonic()
        r = srv.client("vic").get("/api/v1/metrics", params=slow(1))
        assert r.status_code == 504 and time.monotonic() - began < 5
        assert "1 s" in r.json()["error"]["message"] and r.json()["error"]["zh_hint"]
        assert wait_until(lambda: computing(admin) == 0, 5) < 5  # interrupted, not left running for ~30 s
    finally:
        srv.stop()


def test_a_disconnected_clients_computation_stops(server: ApiServer) -> None:
    admin = server.client("root")
    token = server.token("vic")
    query = "&".join(f"{k}={v}" for k, v in slow(2).items())
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(f"GET /api/v1/metrics?{query} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
    wait_until(lambda: computing(admin) == 1, 10)
    time.sleep(1)
    assert computing(admin) == 1  # still at it: it takes far longer than a second
    sock.close()
    assert wait_until(lambda: computing(admin) == 0, 5) < 5


def test_a_shared_computation_goes_on_while_someone_still_waits(server: ApiServer) -> None:
    admin = server.client("root")
    token = server.token("vic")
    # ~360 weeks: several seconds (far more than the 2.5 s this test waits; ~200 weeks became too fast)
    query = "&".join(f"{k}={v}" for k, v in slow(3, "2019-01-07").items())
    leaving = socket.create_connection(("127.0.0.1", server.port))
    leaving.sendall(f"GET /api/v1/metrics?{query} HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\r\n"
                    .encode())
    wait_until(lambda: computing(admin) == 1, 10)
    result: dict[str, httpx.Response] = {}
    staying = threading.Thread(target=lambda: result.update(r=server.client("ana").get(
        "/api/v1/metrics", params=slow(3, "2019-01-07"))))
    staying.start()
    time.sleep(1)
    leaving.close()
    time.sleep(1.5)
    assert computing(admin) == 1  # ana still waits for the same answer: not cancelled
    staying.join(BUDGET)
    assert result["r"].status_code == 200
    assert len(result["r"].json()["rows"]) > 350  # the weeks from 2019-01-07 on


def test_one_login_cannot_block_another(server: ApiServer) -> None:
    admin = server.client("root")
    ana = server.client("ana")
    answers: list[httpx.Response] = []

    def ask(n: int) -> None:
        with contextlib.suppress(httpx.TimeoutException):  # ana gives up: her computation is cancelled
            answers.append(ana.get("/api/v1/metrics", params=slow(10 + n), timeout=3))

    busy = [threading.Thread(target=ask, args=(n,)) for n in range(3)]
    for thread in busy:
        thread.start()
    try:
        wait_until(lambda: computing(admin) >= 2, 10)  # ana has more computations than there are slots
        began = time.monotonic()
        small = server.client("vic").get("/api/v1/metrics", params={"metrics": "gmv", "from": "2026-10-20",
                                                                    "to": "2026-10-22"})
        assert small.status_code == 200 and time.monotonic() - began < 3
        assert not answers  # ana's are still computing (or waiting for her one slot)
    finally:
        for thread in busy:
            thread.join(10)  # each gives up after 3 s (client timeout): its computation is cancelled
    wait_until(lambda: computing(admin) == 0, 10)


def test_sigterm_stops_promptly_while_computations_run(demo_db: Path, tmp_path: Path) -> None:
    srv = start(two_store_db(demo_db, tmp_path), CONFIG)  # a file of its own: the module's server holds the other
    admin = srv.client("root")
    srv.wait_warm(admin)
    client = srv.client("vic")
    answers: list[object] = []

    def ask() -> None:
        try:
            answers.append(client.get("/api/v1/metrics", params=slow(20)).status_code)
        except httpx.HTTPError as exc:
            answers.append(exc)

    thread = threading.Thread(target=ask)
    thread.start()
    wait_until(lambda: computing(admin) == 1, 10)
    began = time.monotonic()
    srv.proc.terminate()
    srv.proc.wait(timeout=20)
    assert time.monotonic() - began < 5  # not the ~30 s the computation needs
    thread.join(5)
    assert len(answers) == 1 and (answers[0] == 503 or isinstance(answers[0], httpx.HTTPError))
