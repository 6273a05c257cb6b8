"""``send_report``: a report (daily brief, weekly review) through notification channels.

Robots get the report's markdown in their own message shape (:func:`~shoplens.analyses.notify.formats.robot`, the
same signing as alerts), cut at a section boundary to the platform's size with a last line saying which command
prints the whole report; Feishu's ``lark_md`` and Slack's ``mrkdwn`` have no headings, so section titles become bold
lines there. E-mail gets the HTML as its body, the markdown as the text part and the PDF attached; without Chromium
the mail goes without the PDF and the result says so. A generic webhook gets the markdown and the report's JSON.

Each (report kind, store, period, channel) goes out once (``report_deliveries``); ``force`` sends again. A channel
that fails is logged ``failed`` and the others still deliver. The language is the one asked for, else the channel's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from shoplens.analyses.notify import formats
from shoplens.analyses.notify.config import Channel, NotifyConfig
from shoplens.analyses.notify.send import Outcome, attempt
from shoplens.errors import ShoplensError, close_hint
from shoplens.warehouse import report_deliveries_table as R

# Bytes of markdown each platform takes in one message, less room for the title and the last line: DingTalk's
# custom robot 20,000 bytes, a Feishu bot's request 20 KB, a WeCom group robot's markdown 4,096 bytes.
LIMITS = {"dingtalk": 18000, "feishu": 18000, "wecom": 4096}
SLACK_BLOCKS, SLACK_TEXT = 48, 3000  # sections per message (50 less header and last line), characters per section
TAIL = {"en": "… full report: {command}", "zh": "……完整报告：{command}"}
NO_PDF = {"en": "sent without the PDF attachment: {error}", "zh": "已发送，但未附 PDF：{error}"}


@dataclass
class ReportSendResult:
    """``to_dict()`` is the JSON of ``--send ... --format json``; ``failed``: channel -> the platform's answer."""

    deliveries: list[dict[str, Any]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)  # channel -> where it goes (no secrets)

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(1 for d in self.deliveries if d["status"] == s) for s in ("sent", "failed", "already_sent")}
        return {"deliveries": self.deliveries, "failed": [{"channel": c, "answer": a} for c, a in self.failed.items()],
                "counts": counts}


def pick_channels(notify: NotifyConfig, names: list[str], where: str = "--send") -> list[str]:
    """The asked channel names, checked against ``notify.channels`` (a typo gets a did-you-mean)."""
    if not names:
        raise ShoplensError("no channel given", where=where, hint="e.g. --send ops,mail", zh="未指定渠道",
                            zh_hint="例如 --send ops,mail")
    for i, name in enumerate(names):
        if name not in notify.channels:
            if notify.channels:
                hint, zh_hint = close_hint(name, list(notify.channels), cutoff=0.5)
            else:
                hint, zh_hint = ("add it under notify.channels in shoplens.yaml",
                                 "在 shoplens.yaml 的 notify.channels 下添加")
            at = where if where == "--send" else f"{where}[{i}]"
            raise ShoplensError(f"unknown channel {name!r}", where=at, hint=hint, zh=f"未知渠道 {name!r}",
                                zh_hint=zh_hint)
    return list(dict.fromkeys(names))


def period_of(report: Any) -> str:
    """The report's day or ISO week: what, with kind and store, makes it the same report."""
    meta = report.meta
    return str(meta.get("date") or meta.get("week") or meta.get("period") or "")


def default_command(report: Any) -> str:
    """The command that prints the whole report (the last line of a message cut to size)."""
    meta = report.meta
    if meta.get("date"):
        return f"shoplens {report.kind} --store {meta.get('store')} --date {meta['date']}"
    if meta.get("week"):
        return f"shoplens {report.kind} --store {meta.get('store')} --week {meta['week']}"
    return f"shoplens {report.kind} --store {meta.get('store')}"


def split_sections(md: str) -> tuple[str, list[str]]:
    """(title line, [subtitle block, one block per ``## `` section, remarks]) of the markdown renderer's output."""
    lines = md.strip("\n").split("\n")
    head = lines[0][2:] if lines and lines[0].startswith("# ") else ""
    body = "\n".join(lines[1:] if head else lines).strip("\n")
    parts = [p.strip("\n") for p in re.split(r"\n(?=## )", body)]
    return head, [p for p in parts if p]


def _bold_headings(part: str, bold: str) -> str:
    """``## T`` -> ``**T**`` (or ``*T*``) for markdown dialects without headings; ``**x**`` -> ``*x*`` for Slack."""
    if bold == "*":
        part = re.sub(r"\*\*(.+?)\*\*", r"*\1*", part)
    return re.sub(r"^#{1,6} (.+)$", lambda m: f"{bold}{m.group(1)}{bold}", part, flags=re.M)


def robot_text(channel: Channel, head: str, parts: list[str], tail: str) -> tuple[str, list[str] | None]:
    """The markdown (and Slack's sections) of one robot message, whole sections only, within the platform's size."""
    if channel.type == "slack":
        sections = [_bold_headings(p, "*") for p in parts]
        out = []
        for p in sections:
            if len(p) > SLACK_TEXT or len(out) == SLACK_BLOCKS:
                out.append(tail)
                break
            out.append(p)
        return "\n\n".join(out), out
    if channel.type == "feishu":
        parts = [_bold_headings(p, "**") for p in parts]
    limit = LIMITS.get(channel.type)
    if limit is None:  # generic webhook: no size limit
        return "\n\n".join(parts), None
    head_line = f"### {head}" if channel.type == "wecom" else f"#### {head}"
    room = limit - len(f"\n\n{tail}".encode())
    text = formats.fit(head_line, parts, room, tail)
    return text, None


def report_title(report: Any, lang: str, keyword: str | None = None) -> str:
    """``shoplens 运营日报 · demo · 2026-11-15``: always "shoplens" (a robot's keyword check), plus its keyword."""
    from shoplens.analyses.reports import text

    words = [f"shoplens {text(report.title, lang)}", str(report.meta.get("store") or ""), period_of(report)]
    out = " · ".join(w for w in words if w)
    return f"{keyword} {out}" if keyword and keyword not in out else out


class _Renders:
    """Each format and language rendered once per call (the PDF is the slow one), errors kept."""

    def __init__(self, report: Any) -> None:
        self.report, self.done = report, {}  # type: ignore[var-annotated]

    def get(self, fmt: str, lang: str) -> Any:
        key = (fmt, lang)
        if key not in self.done:
            try:
                self.done[key] = self.report.render(fmt, lang)
            except Exception as exc:  # no Chromium, no playwright, a browser that would not start: mail without it
                if fmt != "pdf":
                    raise
                self.done[key] = exc
        return self.done[key]


def _mail(channel: Channel, report: Any, renders: _Renders, lang: str) -> tuple[EmailMessage, str | None]:
    """HTML body, markdown text part, the PDF attached; (the mail, a note when the PDF could not be made)."""
    head = report_title(report, lang)
    msg = EmailMessage()
    msg["Subject"] = head
    msg["From"] = channel.sender or ""
    msg["To"] = ", ".join(channel.to)
    msg.set_content(renders.get("markdown", lang))
    msg.add_alternative(renders.get("html", lang), subtype="html")
    pdf = renders.get("pdf", lang)
    if isinstance(pdf, Exception):
        error = pdf.render(lang) if isinstance(pdf, ShoplensError) else f"{pdf.__class__.__name__}: {pdf}"
        return msg, NO_PDF[lang].format(error=error.splitlines()[0] if error else "")
    name = f"shoplens-{report.kind}-{report.meta.get('store')}-{period_of(report)}.pdf"
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return msg, None


def _robot(channel: Channel, report: Any, renders: _Renders, lang: str, command: str) -> Callable[[], Any]:
    head = report_title(report, lang, channel.keyword)
    _title, parts = split_sections(renders.get("markdown", lang))
    text, slack = robot_text(channel, head, parts, TAIL[lang].format(command=command))
    webhook = None
    if channel.type == "webhook":
        webhook = {"source": "shoplens", "kind": report.kind, "title": head, "text": text,
                   "report": report.to_dict()}
    return lambda: formats.robot(channel, head, text, slack=slack, webhook=webhook)


def send_report(wh: Any, report: Any, channels: list[str], notify: NotifyConfig, *, lang: str | None = None,
                force: bool = False, command: str | None = None, now: datetime | None = None,
                sleep: Callable[[float], None] = time.sleep) -> ReportSendResult:
    """Send ``report`` to each named channel (checked: :func:`pick_channels`) not already sent to, unless
    ``force``; every attempt is logged in ``report_deliveries``. ``lang``: None = each channel's language."""
    names = pick_channels(notify, channels)
    store, period = str(report.meta.get("store") or ""), period_of(report)
    command = command or default_command(report)
    renders = _Renders(report)
    result = ReportSendResult(channels={n: notify.channels[n].shown() for n in names})
    for name in names:
        channel = notify.channels[name]
        the_lang = lang or channel.lang
        if not force and R.was_sent(wh.con, report.kind, store, period, name):
            result.deliveries.append({"channel": name, "status": "already_sent", "attempts": 0, "answer": None,
                                      "note": None, "lang": the_lang})
            continue
        note: str | None = None
        if channel.type == "email":
            mail, note = _mail(channel, report, renders, the_lang)
            out: Outcome = attempt(channel, lambda m=mail: m, retries=notify.retries, backoff=notify.backoff,
                                   sleep=sleep)
        else:
            out = attempt(channel, _robot(channel, report, renders, the_lang, command), retries=notify.retries,
                          backoff=notify.backoff, sleep=sleep)
        status = "sent" if out.ok else "failed"
        if not out.ok:
            result.failed[name] = out.answer
        at = now or datetime.now(UTC).replace(tzinfo=None)
        R.log(wh.con, [(report.kind, store, period, name, the_lang, at, status, out.attempts, out.answer, note)])
        result.deliveries.append({"channel": name, "status": status, "attempts": out.attempts, "answer": out.answer,
                                  "note": note, "lang": the_lang})
    return result
