"""Limits at the door, on a real `shoplens serve`: request bodies counted while they arrive, an upload's login
checked before its body, X-Forwarded-For believed only from configured proxies, orphan uploads removed at
start, and user input that used to answer 500 (dates near year 1 or 9999, empty lists, bad form fields).

Sizes come from the server's configured limits (a config file with ``server:``), never from what the
server printed: a body larger than the limit is streamed from a generator and the server's resident memory
(``/proc/PID/status``) and its upload folder must not grow with it.
"""

from __future__ import annotations

import re
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api_server import PASSWORD, ApiServer, two_store_db

MIB = 1024**2
UPLOAD_LIMIT = 1 * MIB  # configured below
BODY_LIMIT = 64 * 1024  # the default for every other request
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    tmp = tmp_path_factory.mktemp("api_limits")
    db = two_store_db(demo_db, tmp)
    config = tmp / "shoplens.yaml"
    config.write_text(f"server:\n  max_upload_bytes: {UPLOAD_LIMIT}\n", encoding="utf-8")
    uploads = tmp / ".shoplens-uploads"  # what a server killed during two uploads leaves behind
    (uploads / "demo").mkdir(parents=True)
    (uploads / ".part-0123456789abcdef").write_bytes(b"x" * 1000)
    (uploads / "demo" / "orders.csv").write_text("order_id\n1\n", encoding="utf-8")
    srv = ApiServer(db, env={"SHOPLENS_CONFIG": str(config)})
    try:
        yield srv
    finally:
        srv.stop()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def stream(server: ApiServer, path: str, headers: dict[str, str], total: int, *,
           chunked: bool = True) -> tuple[bytes, int, float]:
    """POST ``path`` with a body of ``total`` bytes sent in 64 KiB pieces (chunked or after a Content-Length)
    until the server answers: (the answer's first bytes, bytes sent, seconds until the answer)."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    head = f"POST {path} HTTP/1.1\r\nHost: test\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall((head + ("Transfer-Encoding: chunked\r\n" if chunked else "") + "\r\n").encode())
    block, sent, began = b"a" * 65536, 0, time.monotonic()
    try:
        while sent < total and not select.select([sock], [], [], 0)[0]:
            sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block)
            sent += len(block)
    except (BrokenPipeError, ConnectionResetError):  # the server answered and closed: read what it said
        pass
    answer = b""
    try:
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        sock.close()
    return answer, sent, time.monotonic() - began


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_a_huge_login_body_is_refused_while_it_arrives(server: ApiServer) -> None:
    before = rss_kib(server.proc.pid)
    answer, sent, seconds = stream(server, "/api/v1/login", {"Content-Type": "application/json"}, 300 * MIB)
    assert status(answer) == 413 and seconds < 10
    assert sent < 64 * MIB  # refused after the limit (plus what the sockets buffer), not after 300 MB
    body = answer.split(b"\r\n\r\n", 1)[1].decode()
    assert "64 KiB" in body and CHINESE.search(body) and b"connection: close" in answer.lower()
    assert rss_kib(server.proc.pid) - before < 50 * 1024  # the body was not kept
    # a Content-Length above the limit is refused before a byte of the body is sent
    answer, sent, _ = stream(server, "/api/v1/login", {"Content-Type": "application/json",
                                                        "Content-Length": str(1024**3)}, 0, chunked=False)
    assert status(answer) == 413 and sent == 0
    # a body within the limit still logs in
    assert httpx.post(server.url + "/api/v1/login", json={"username": "root", "password": PASSWORD}).status_code == 200


def test_an_anonymous_upload_is_refused_before_its_body(server: ApiServer, tmp_path: Path) -> None:
    uploads = server.db.parent / ".shoplens-uploads"
    before = rss_kib(server.proc.pid)
    form = {"Content-Type": "multipart/form-data; boundary=b0undary"}
    answer, sent, seconds = stream(server, "/api/v1/imports", form, 200 * MIB)
    assert status(answer) == 401 and seconds < 10 and sent < 64 * MIB
    assert b'"zh"' in answer and b"www-authenticate: bearer" in answer.lower()
    answer, sent, _ = stream(server, "/api/v1/imports", {**form, "Content-Length": str(500 * MIB),
                                                         "Authorization": "Bearer not-a-token"}, 0, chunked=False)
    assert status(answer) in (401, 413) and sent == 0
    viewer = server.token("vic")  # a login, but not an admin: refused before the body too
    answer, sent, _ = stream(server, "/api/v1/imports", {**form, "Authorization": f"Bearer {viewer}"}, 200 * MIB)
    assert status(answer) == 403 and sent < 64 * MIB
    assert rss_kib(server.proc.pid) - before < 50 * 1024
    assert not list(uploads.glob("**/*")) if uploads.exists() else True


def test_an_upload_over_the_configured_limit_is_cut_off_while_it_arrives(server: ApiServer) -> None:
    uploads = server.db.parent / ".shoplens-uploads"
    admin = server.client("root")

    def body() -> Iterator[bytes]:  # a multipart upload of 5 MiB, streamed (chunked): no Content-Length
        yield (b"--b0undary\r\nContent-Disposition: form-data; name=\"store\"\r\n\r\ndemo\r\n"
               b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"orders.csv\"\r\n"
               b"Content-Type: text/csv\r\n\r\norder_id,user_id\r\n")
        for i in range(5 * 16):
            yield f"o{i},u{i}\n".encode() * 5000 + b"\n" * (65536 - 5000 * len(f"o{i},u{i}\n"))
        yield b"\r\n--b0undary--\r\n"

    r = admin.post("/api/v1/imports", content=body(), headers={"Content-Type": "multipart/form-data; "
                                                                              "boundary=b0undary"})
    assert r.status_code == 413 and "1 MiB" in r.json()["error"]["message"] and r.json()["error"]["zh_hint"]
    assert not list(uploads.glob("**/.part-*"))
    small = admin.post("/api/v1/imports", data={"store": "other", "table": "orders"},
                       files={"file": ("tiny.csv", b"order_id,user_id,created_ts,status,gross_amount\n"
                                                   b"t1,ox1,2026-11-04T10:00:00Z,paid,5\n")})
    assert small.status_code == 200, small.text


def test_orphan_uploads_are_removed_when_the_server_starts(server: ApiServer) -> None:
    uploads = server.db.parent / ".shoplens-uploads"
    assert not (uploads / ".part-0123456789abcdef").exists()
    assert not (uploads / "demo").exists()


def test_rotating_x_forwarded_for_does_not_reset_the_login_limit(server: ApiServer) -> None:
    answers = [httpx.post(server.url + "/api/v1/login", json={"username": "olga", "password": "wrong-password"},
                          headers={"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(7)]
    assert [r.status_code for r in answers[:5]] == [401] * 5
    assert answers[5].status_code == 429 and answers[6].status_code == 429  # counted per real client address
    assert int(answers[5].headers["Retry-After"]) > 0


@pytest.fixture(scope="module")
def root(server: ApiServer) -> httpx.Client:
    return server.client("root")


RANGED = ["/api/v1/metrics?metrics=gmv", "/api/v1/funnel?steps=product_view,purchase", "/api/v1/retention?period=month",
          "/api/v1/paths?start=product_view",
          "/api/v1/funnel/dropped?steps=product_view,purchase&step=2",
          "/api/v1/users/ox1/timeline?store=other"]
EDGES = ["from=0001-01-01", "to=9999-12-31", "from=0001-01-02&to=0001-01-03", "from=9999-12-01&to=9999-12-31"]
AS_OF = ["/api/v1/rfm", "/api/v1/rfm/customers?win_back=30", "/api/v1/segments/preview"]


@pytest.mark.parametrize("path", RANGED)
@pytest.mark.parametrize("dates", EDGES)
def test_dates_near_year_1_or_9999_are_a_bilingual_422(root: httpx.Client, path: str, dates: str) -> None:
    r = root.get(f"{path}&{dates}")
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert "1970-01-01" in error["hint"] and CHINESE.search(error["zh"]) and error["zh"] != error["message"]


@pytest.mark.parametrize("path", AS_OF)
@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_as_of_near_year_1_or_9999_is_a_422(root: httpx.Client, path: str, as_of: str) -> None:
    if path.endswith("preview"):
        r = root.post(f"{path}?as_of={as_of}", json={"rule": "orders >= 1"})
    else:
        r = root.get(f"{path}{'&' if '?' in path else '?'}as_of={as_of}")
    assert r.status_code == 422, r.text
    assert "1970-01-01" in r.json()["error"]["hint"]


def test_a_bad_date_is_explained_in_chinese_too(server: ApiServer) -> None:
    r = server.client("vic").get("/api/v1/metrics", params={"metrics": "gmv", "from": "2026-13-01"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["where"] == "from" and "valid date" in error["message"]
    assert CHINESE.search(error["zh"]) and not re.search(r"[A-Za-z]{6,}", error["zh"].replace("from", ""))
    assert error["zh_hint"] and "YYYY-MM-DD" in error["hint"]


@pytest.mark.parametrize("path", ["/api/v1/metrics?metrics=", "/api/v1/funnel?steps=",
                                  "/api/v1/funnel/dropped?steps=&step=2"])
def test_empty_metrics_or_steps_are_a_4xx_with_a_hint(server: ApiServer, path: str) -> None:
    r = server.client("vic").get(path)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["hint"] and CHINESE.search(r.json()["error"]["zh"])


@pytest.mark.parametrize("field,value", [("delimiter", ";;"), ("encoding", "utf\x00-8"), ("store", "de\x00mo"),
                                         ("map", "a\x00=b"), ("encoding", "no-such-codec"), ("timezone", "UTC\x00")])
def test_bad_upload_form_fields_are_a_400_with_a_hint(server: ApiServer, field: str, value: str) -> None:
    r = server.client("root").post("/api/v1/imports", data={"store": "other", "table": "orders", field: value},
                                   files={"file": ("x.csv", b"order_id\n1\n")})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert field in error["message"] or "encoding" in error["message"]
    assert error["hint"] and error["zh_hint"] and CHINESE.search(error["zh"])
