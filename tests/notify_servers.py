"""Real receivers on loopback for the alert delivery tests: an HTTP server (http.server in a thread) that records
every request and answers from a script, and an SMTP server (aiosmtpd) with a login that records every mail."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

OK = (200, '{"errcode": 0, "errmsg": "ok"}')


@dataclass
class Receiver:
    """``answers``: (status, body) per request in order; after them, ``default``."""

    answers: list[tuple[int, str]] = field(default_factory=list)
    default: tuple[int, str] = OK
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self) -> list[Any]:
        return [r["json"] for r in self.requests]


@contextmanager
def http_receiver(*answers: tuple[int, str], default: tuple[int, str] = OK) -> Iterator[Receiver]:
    rec = Receiver(list(answers), default)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urlsplit(self.path)
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = None
            rec.requests.append({"path": parts.path, "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                                 "raw_query": parts.query, "headers": dict(self.headers), "raw": raw, "json": parsed})
            status, body = rec.answers.pop(0) if rec.answers else rec.default
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    port: int = 0
    mails: list[dict[str, Any]] = field(default_factory=list)

    def message(self, i: int = 0) -> EmailMessage:
        return self.mails[i]["message"]


@contextmanager
def smtp_server(login: str = "bot@example.com", password: str = "right-password") -> Iterator[Mailbox]:
    """aiosmtpd on loopback that takes AUTH PLAIN/LOGIN with this one login (without TLS: loopback only)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox(closed_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.mails.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "message": message_from_bytes(envelope.content, policy=policy.default)})
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login.decode() == login and data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port, authenticator=authenticator,
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
