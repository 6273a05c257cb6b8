"""Real receivers on loopback for the alert delivery tests: an HTTP server (http.server in a thread) that records
every request and answers from a script, and an SMTP server (aiosmtpd) with a login that records every mail."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
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


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made by the openssl command: (cert.pem, key.pem)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@contextmanager
def smtp_server(login: str = "bot@example.com", password: str = "right-password", tls: str | None = None,
                cert: tuple[Path, Path] | None = None) -> Iterator[Mailbox]:
    """aiosmtpd on loopback that takes AUTH PLAIN/LOGIN with this one login; ``tls``: None (plain, loopback only),
    ``starttls`` (required before AUTH) or ``ssl`` (TLS from the first byte), with ``cert``."""
    import ssl

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

    extra: dict[str, Any] = {"auth_require_tls": False}
    if tls is not None:
        assert cert is not None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*map(str, cert))
        extra = ({"tls_context": context, "require_starttls": True, "auth_require_tls": True} if tls == "starttls"
                 else {"ssl_context": context, "auth_require_tls": False})  # aiosmtpd sees TLS only after STARTTLS
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port, authenticator=authenticator,
                            auth_required=True, **extra)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
