"""Alert mail through a real SMTP server on loopback (aiosmtpd with a login): subject, plain text, HTML and
recipients as received; a wrong password is one clear line and the alert stays unsent for the next run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import shoplens
from notify_servers import self_signed, smtp_server
from shoplens.analyses.notify import alerts_send, notify_test, parse_notify
from test_notify_send import NAMES, NOW, alert, warehouse

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only


def mail_config(port: int, password: str = "right-password", **extra: Any) -> Any:
    return parse_notify({"backoff": 0.01, "channels": {"mail": {
        "type": "email", "host": "127.0.0.1", "port": port, "security": "none", "username": "bot@example.com",
        "password": password, "from": "bot@example.com", "to": ["ops@example.com", "boss@example.com"], **extra}}},
        "test: notify")


def send(path: Path, notify: Any) -> Any:
    with shoplens.connect(str(path)) as wh:
        return alerts_send(wh, notify=notify, names=NAMES, now=NOW, sleep=lambda s: None)


def test_alert_mail_has_subject_text_html_and_recipients(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    with smtp_server() as box:
        out = send(path, mail_config(box.port, lang="zh"))
        again = send(path, mail_config(box.port, lang="zh"))
    assert len(box.mails) == 1 and again.deliveries == []
    mail = box.mails[0]
    assert mail["from"] == "bot@example.com" and mail["to"] == ["ops@example.com", "boss@example.com"]
    msg = mail["message"]
    assert msg["Subject"] == "shoplens 告警 · 高 · GMV 下跌"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for part in ("[高] GMV 下跌 (gmv_drop, #1)", "店铺 s1 · 2026-10-27", "GMV 600，对比 1,000（2026-10-27）",
                 "归因：付费搜索支付下降"):
        assert part in text
    assert "<b>[高] GMV 下跌 (gmv_drop, #1)</b>" in html and "归因：付费搜索支付下降" in html
    assert out.deliveries[0]["status"] == "sent" and out.deliveries[0]["answer"].startswith("250")


def test_wrong_password_is_one_clear_line_and_the_alert_stays_unsent(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    with smtp_server() as box:
        out = send(path, mail_config(box.port, password="wrong-password"))
        assert box.mails == []
        later = send(path, mail_config(box.port))
    assert out.failed["mail"].startswith("SMTP login refused: 535")
    assert "wrong-password" not in str(out.to_dict()) and "\n" not in out.failed["mail"]
    assert out.deliveries[0]["attempts"] == 1, "a refused login is not tried again"
    assert [d["status"] for d in later.deliveries] == ["sent"] and len(box.mails) == 1


def test_mail_test_message(tmp_path: Path) -> None:
    with smtp_server() as box:
        where, out = notify_test("mail", notify=mail_config(box.port))
    assert out.ok and where == f"email 127.0.0.1:{box.port} -> ops@example.com, boss@example.com"
    assert box.message()["Subject"] == "shoplens alert · test message"
    assert "this channel is set up right" in box.message().get_body(("plain",)).get_content()


def test_starttls_against_a_server_without_it_says_so(tmp_path: Path) -> None:
    path = warehouse(tmp_path, alert())
    with smtp_server() as box:
        out = send(path, mail_config(box.port, security="starttls"))
    assert out.failed["mail"] == "SMTP: STARTTLS extension not supported by server. (check security: starttls|ssl|none)"
    assert box.mails == []


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_the_server_s_ca_delivers_and_without_it_says_so(tmp_path: Path, security: str) -> None:
    """A real TLS handshake (self-signed certificate for 127.0.0.1 made by openssl): trusted through ca_file it
    delivers; without it the certificate is refused in one line, not retried."""
    cert = self_signed(tmp_path)
    path = warehouse(tmp_path, alert())
    with smtp_server(tls=security, cert=cert) as box:
        untrusted = send(path, mail_config(box.port, security=security))
        trusted = send(path, mail_config(box.port, security=security, ca_file=str(cert[0])))
    assert untrusted.failed["mail"].startswith(f"the TLS certificate of 127.0.0.1:{box.port} is not trusted: ")
    assert untrusted.failed["mail"].endswith("(give its CA as ca_file)") and untrusted.deliveries[0]["attempts"] == 1
    assert [d["status"] for d in trusted.deliveries] == ["sent"] and len(box.mails) == 1, trusted.failed
    assert box.message()["Subject"] == "shoplens alert · HIGH · GMV drop"
