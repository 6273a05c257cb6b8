"""Carrying one message to one channel: HTTP POST or SMTP, retries with backoff, and reading the platform's answer.

A network error, a timeout or a 5xx answer (an SMTP 4xx for mail) is tried again ``retries`` times, waiting
``backoff`` seconds and twice as long each time; a 4xx or a platform error code (DingTalk/WeCom ``errcode != 0``,
Feishu ``code != 0``, Slack anything but ``ok``) is final: trying again would give the same answer. Every text that
leaves here went through the channel's :meth:`~shoplens.analyses.notify.config.Channel.scrub` (no secrets).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shoplens.analyses.notify import formats
from shoplens.analyses.notify.config import Channel

ANSWER_LIMIT = 500  # characters of the platform's answer kept in the log


@dataclass(frozen=True)
class Outcome:
    ok: bool
    answer: str  # the platform's answer (or the error), secrets masked
    attempts: int


class _Retry(Exception):
    """A failure worth another attempt."""


def _platform_error(channel: Channel, status: int, text: str) -> str | None:
    """None when the platform accepted the message, else its own words."""
    if channel.type in ("dingtalk", "wecom", "feishu"):
        try:
            data = json.loads(text)
        except ValueError:
            return f"HTTP {status}: not JSON: {text[:200]}"
        code_key, msg_key = ("code", "msg") if channel.type == "feishu" else ("errcode", "errmsg")
        if channel.type == "feishu" and "code" not in data and "StatusCode" in data:  # the older answer shape
            code_key, msg_key = "StatusCode", "StatusMessage"
        code = data.get(code_key, 0) if isinstance(data, dict) else None
        if code not in (0, None):
            return f"{code_key} {code}: {data.get(msg_key, '')}"
        return None
    if channel.type == "slack" and text.strip() != "ok":
        return f"HTTP {status}: {text[:200]}"
    return None


def _post(channel: Channel, url: str, headers: dict[str, str], body: bytes) -> str:
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=channel.timeout) as resp:  # http/https only (config.py)
            text = resp.read().decode("utf-8", "replace")
            status = resp.status
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        if exc.code >= 500:
            raise _Retry(f"HTTP {exc.code}: {text[:200]}") from None
        raise RuntimeError(_platform_error(channel, exc.code, text) or f"HTTP {exc.code}: {text[:200]}") from None
    except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out
        reason = getattr(exc, "reason", exc)
        raise _Retry(f"cannot reach {urlsplit_host(url)}: {reason}") from None
    error = _platform_error(channel, status, text)
    if error:
        raise RuntimeError(error)
    return text.strip()[:ANSWER_LIMIT] or f"HTTP {status}"


def urlsplit_host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc


def _mail(channel: Channel, message: Any) -> str:
    context = ssl.create_default_context(cafile=channel.ca_file)
    try:
        if channel.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(channel.host or "", channel.port or 465, timeout=channel.timeout,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(channel.host or "", channel.port or 25, timeout=channel.timeout)
        with smtp:
            if channel.security == "starttls":
                smtp.starttls(context=context)
            if channel.username:
                smtp.login(channel.username, channel.password or "")
            refused = smtp.send_message(message)
            code, text = smtp.noop()
    except smtplib.SMTPAuthenticationError as exc:
        raise RuntimeError(f"SMTP login refused: {exc.smtp_code} {_smtp_text(exc.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise RuntimeError(f"SMTP refused the recipients: {', '.join(exc.recipients)}") from None
    except smtplib.SMTPResponseException as exc:
        line = f"SMTP {exc.smtp_code} {_smtp_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            raise _Retry(line) from None
        raise RuntimeError(line) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise RuntimeError(f"SMTP: {exc} (check security: starttls|ssl|none)") from None
    except ssl.SSLCertVerificationError as exc:  # the same next time: final
        raise RuntimeError(f"the TLS certificate of {channel.host}:{channel.port} is not trusted: "
                           f"{exc.verify_message} (give its CA as ca_file)") from None
    except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, disconnected, TLS failed
        raise _Retry(f"cannot reach {channel.host}:{channel.port}: {exc}") from None
    if refused:
        raise RuntimeError(f"SMTP refused the recipients: {', '.join(refused)}")
    return f"250 accepted for {len(channel.to)} recipient(s)" if code == 250 else f"{code} {_smtp_text(text)}"


def _smtp_text(raw: Any) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).replace("\n", " ")


def deliver(channel: Channel, alerts: list[dict[str, Any]], names: dict[str, dict[str, str]], *, retries: int = 3,
            backoff: float = 1.0, test: bool = False, sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """Send ``alerts`` as one message; the body is built again on each attempt (a fresh signature)."""
    if channel.type == "email":
        return attempt(channel, lambda: formats.email(channel, alerts, names, test=test), retries=retries,
                       backoff=backoff, sleep=sleep)
    return attempt(channel, lambda: formats.request(channel, alerts, names, test=test), retries=retries,
                   backoff=backoff, sleep=sleep)


def attempt(channel: Channel, build: Callable[[], Any], *, retries: int = 3, backoff: float = 1.0,
            sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """Send what ``build()`` makes (a mail for an email channel, else the (url, headers, body) of a POST), with
    retries and backoff; ``build`` runs again on each attempt so a signature is fresh."""
    attempts, wait = 0, backoff
    while True:
        attempts += 1
        try:
            answer = _mail(channel, build()) if channel.type == "email" else _post(channel, *build())
            return Outcome(True, channel.scrub(answer), attempts)
        except _Retry as exc:
            if attempts > retries:
                return Outcome(False, channel.scrub(f"{exc} (after {attempts} attempts)"), attempts)
            sleep(wait)
            wait *= 2
        except RuntimeError as exc:
            return Outcome(False, channel.scrub(str(exc)), attempts)
