"""Alert messages in each platform's robot format, and the DingTalk and Feishu signatures.

Pure functions: :func:`request` turns a channel and its alerts (one, or a digest of several) into the URL, headers
and body to POST; :func:`email` into a multipart (text + HTML) mail. Shapes as the platforms' public robot docs give
them: DingTalk custom robot ``markdown`` (sign in the query), Feishu custom bot ``interactive`` card (timestamp and
sign in the body), WeCom group robot ``markdown``, Slack incoming webhook ``text`` + ``blocks``. Titles always hold
"shoplens" and 告警/alert so a robot's keyword check passes with either word; ``keyword`` adds the robot's own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import time
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote_plus

from shoplens.analyses.notify.config import Channel

SEVERITY = {"zh": {"high": "高", "medium": "中", "low": "低"}, "en": {"high": "HIGH", "medium": "MEDIUM", "low": "LOW"}}
WORDS = {"zh": {"alert": "告警", "alerts": "{n} 条告警", "why": "归因", "store": "店铺", "test": "测试消息",
                "test_text": "shoplens 告警推送测试：此渠道已配置正确。", "more": "……另有 {n} 条"},
         "en": {"alert": "alert", "alerts": "{n} alerts", "why": "Why", "store": "store", "test": "test message",
                "test_text": "shoplens alert delivery test: this channel is set up right.", "more": "... and {n} more"}}
WECOM_LIMIT = 4096 - 64  # bytes of markdown content the group robot takes, less room for "... and N more"
CARD_COLOR = {"high": "red", "medium": "orange", "low": "blue"}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded (timestamp in milliseconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) (timestamp in seconds)."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _name(alert: dict[str, Any], names: dict[str, dict[str, str]], lang: str) -> str:
    return (names.get(alert["rule"]) or {}).get(lang) or alert["rule"]


def _scope(alert: dict[str, Any], lang: str) -> str:
    dims = ", ".join(f"{k}={v}" for k, v in sorted((alert.get("dims") or {}).items()))
    return " · ".join(x for x in (f"{WORDS[lang]['store']} {alert['store']}", alert["period"], dims) if x)


def _why(alert: dict[str, Any], lang: str) -> str | None:
    cause = alert.get("root_cause") or {}
    return (cause.get("summary") or {}).get(lang)


def title(alerts: list[dict[str, Any]], names: dict[str, dict[str, str]], lang: str, keyword: str | None = None,
          test: bool = False) -> str:
    w = WORDS[lang]
    if test:
        text = f"shoplens {w['alert']} · {w['test']}"
    elif len(alerts) == 1:
        a = alerts[0]
        text = f"shoplens {w['alert']} · {SEVERITY[lang][a['severity']]} · {_name(a, names, lang)}"
    else:
        text = f"shoplens · {w['alerts'].format(n=len(alerts))}"
    return f"{keyword} {text}" if keyword and keyword not in text else text


def lines(alert: dict[str, Any], names: dict[str, dict[str, str]], lang: str, bold: str = "**") -> list[str]:
    """One alert as text lines: severity and rule name, scope, the message, the root-cause sentence."""
    out = [f"{bold}[{SEVERITY[lang][alert['severity']]}] {_name(alert, names, lang)}{bold} ({alert['rule']}, "
           f"#{alert['id']})", _scope(alert, lang), (alert.get("message") or {}).get(lang) or ""]
    why = _why(alert, lang)
    if why:
        out.append(f"{WORDS[lang]['why']}{'：' if lang == 'zh' else ': '}{why}")
    return [x for x in out if x]


def blocks(alerts: list[dict[str, Any]], names: dict[str, dict[str, str]], lang: str, bold: str = "**",
           test: bool = False) -> list[str]:
    """One markdown block per alert (lines apart by a blank line: robots' markdown needs it for a break)."""
    if test:
        return [WORDS[lang]["test_text"]]
    return ["\n\n".join(lines(a, names, lang, bold)) for a in alerts]


def markdown(alerts: list[dict[str, Any]], names: dict[str, dict[str, str]], lang: str, bold: str = "**",
             test: bool = False) -> str:
    return "\n\n".join(blocks(alerts, names, lang, bold, test))


def fit(head: str, parts: list[str], limit: int, tail: str) -> str:
    """As many whole ``parts`` (joined by a blank line) as fit in ``limit`` bytes after ``head``, then ``tail``
    when some were left out (the caller leaves room for it in ``limit``). ``head`` itself is not in the answer."""
    out: list[str] = []
    for part in parts:
        if len("\n\n".join([head, *out, part]).encode()) > limit:
            return "\n\n".join([*out, tail])
        out.append(part)
    return "\n\n".join(out)


def _fit(head: str, parts: list[str], limit: int, lang: str) -> str:
    """``head`` and as many whole alert blocks as fit in ``limit`` bytes, then "... and N more" (the caller leaves
    room for that line)."""
    out = head
    for i, part in enumerate(parts):
        if len(f"{out}\n\n{part}".encode()) > limit:
            return f"{out}\n\n{WORDS[lang]['more'].format(n=len(parts) - i)}"
        out = f"{out}\n\n{part}"
    return out


def robot(channel: Channel, head: str, text: str, *, slack: list[str] | None = None,
          webhook: dict[str, Any] | None = None, color: str = "blue",
          now: float | None = None) -> tuple[str, dict[str, str], bytes]:
    """(url, headers, body) of one robot message: ``head`` (the title, keyword included) and the markdown ``text``
    already cut to the platform's size; ``slack`` the mrkdwn section texts (default: ``text``); ``webhook`` the
    generic JSON body (default: source, title, text); ``color`` the Feishu card header. Signs DingTalk and Feishu."""
    now = time.time() if now is None else now
    url = channel.url or ""
    headers = {"Content-Type": "application/json; charset=utf-8", **channel.headers}
    body: dict[str, Any]
    if channel.type == "webhook":
        body = webhook if webhook is not None else {"source": "shoplens", "title": head, "text": text}
    elif channel.type == "dingtalk":
        body = {"msgtype": "markdown", "markdown": {"title": head, "text": f"#### {head}\n\n{text}"}}
        if channel.secret:
            stamp = int(now * 1000)
            url += f"{'&' if '?' in url else '?'}timestamp={stamp}&sign={dingtalk_sign(channel.secret, stamp)}"
    elif channel.type == "feishu":
        body = {"msg_type": "interactive", "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": head}, "template": color},
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": text}}]}}
        if channel.secret:
            stamp = int(now)
            body = {"timestamp": str(stamp), "sign": feishu_sign(channel.secret, stamp), **body}
    elif channel.type == "wecom":
        body = {"msgtype": "markdown", "markdown": {"content": f"### {head}\n\n{text}" if text else f"### {head}"}}
    else:  # slack: mrkdwn bolds with one star; a message takes 50 blocks of 3000 characters
        parts = [text] if slack is None else slack
        body = {"text": head, "blocks": [{"type": "header", "text": {"type": "plain_text", "text": head[:150]}},
                                         *({"type": "section", "text": {"type": "mrkdwn", "text": p[:3000]}}
                                           for p in parts[:49])]}
    return url, headers, json.dumps(body, ensure_ascii=False, default=str).encode()


def request(channel: Channel, alerts: list[dict[str, Any]], names: dict[str, dict[str, str]],
            now: float | None = None, test: bool = False) -> tuple[str, dict[str, str], bytes]:
    """(url, headers, body) of the POST that carries ``alerts`` (one message) to a robot or webhook."""
    lang = channel.lang
    head = title(alerts, names, lang, channel.keyword, test)
    text = markdown(alerts, names, lang, test=test)
    if channel.type == "wecom":
        text = _fit(f"### {head}", blocks(alerts, names, lang, test=test), WECOM_LIMIT, lang)
        text = text[len(f"### {head}\n\n"):]
    severity = min((a["severity"] for a in alerts), key=("high", "medium", "low").index, default="low")
    slack = [WORDS[lang]["test_text"]] if test else ["\n".join(lines(a, names, lang, "*")) for a in alerts]
    webhook = {"source": "shoplens", "kind": "test" if test else "alerts", "title": head, "text": text,
               "alerts": alerts}
    return robot(channel, head, text, slack=slack, webhook=webhook, color=CARD_COLOR[severity], now=now)


def email(channel: Channel, alerts: list[dict[str, Any]], names: dict[str, dict[str, str]],
          test: bool = False) -> EmailMessage:
    """A multipart/alternative mail: plain text and the same in simple HTML (reads in any mail client)."""
    lang = channel.lang
    head = title(alerts, names, lang, test=test)
    msg = EmailMessage()
    msg["Subject"] = head
    msg["From"] = channel.sender or ""
    msg["To"] = ", ".join(channel.to)
    if test:
        blocks = [[WORDS[lang]["test_text"]]]
    else:
        blocks = [lines(a, names, lang, bold="") for a in alerts]
    msg.set_content(head + "\n\n" + "\n\n".join("\n".join(b) for b in blocks) + "\n")
    items = "".join(f"<div style=\"margin:0 0 16px\"><p style=\"margin:0\"><b>{html.escape(b[0])}</b></p>"
                    + "".join(f"<p style=\"margin:4px 0\">{html.escape(x)}</p>" for x in b[1:]) + "</div>"
                    for b in blocks)
    msg.add_alternative(f"<!doctype html><html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta "
                        f"charset=\"utf-8\"><title>{html.escape(head)}</title></head><body style=\"font-family:"
                        f"sans-serif\"><h2>{html.escape(head)}</h2>{items}</body></html>", subtype="html")
    return msg
