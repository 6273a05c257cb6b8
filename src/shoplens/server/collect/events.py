"""One collected event -> a canonical ``events`` row (or the reason it is refused), and what a request tells.

The checks here answer the client at once (per-event results); the row then goes through the import
pipeline with every other event of its flush, whose validation and quarantine are the final word (a
refused event is written to the flush file as it came, so the pipeline quarantines it with its reason).
Decisions, documented in docs/collector.md:
- ``ts`` omitted: the server's time of receipt. A client clock more than ``MAX_AHEAD`` in the future is
  not believed: the server's time is stored and the client's kept in ``properties.client_ts``.
- ``channel`` omitted: derived from utm_medium / utm_source (``channel_of``), else the referrer.
- ``device`` omitted: from the User-Agent (``device_of``); ``country`` omitted: the configured trusted header.
- ``url``, ``referrer`` and unknown fields go into ``properties`` (the events table has no such columns).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from shoplens.model.vocab import CHANNEL_ALIASES, CHANNELS, CUSTOM_EVENT_PATTERN, DEVICE_ALIASES, DEVICES, EVENT_ALIASES

MAX_AHEAD = timedelta(minutes=10)
COLUMNS = ("event_id", "ts", "user_id", "session_id", "event", "page_type", "product_id", "channel", "source",
           "medium", "campaign", "device", "country", "properties")
TEXT = ("session_id", "page_type", "product_id", "source", "medium", "campaign", "country")
INTO_PROPERTIES = ("url", "referrer", "title")

# bots are counted and dropped: a User-Agent matching any of these (case-insensitive) is a bot
BOT_PATTERNS = ("bot", "crawl", "spider", "slurp", "bingpreview", "facebookexternalhit", "headlesschrome",
                "phantomjs", "lighthouse", "pingdom", "uptime", "monitor", "curl/", "wget/", "python-requests",
                "python-urllib", "go-http-client", "java/", "okhttp", "scrapy", "httpclient", "preview")
_BOT = re.compile("|".join(re.escape(p) for p in BOT_PATTERNS), re.IGNORECASE)

# utm_medium -> channel (checked first), then utm_source -> channel
MEDIUM_CHANNELS = {"cpc": "paid_search", "ppc": "paid_search", "paid": "paid_search", "paidsearch": "paid_search",
                   "sem": "paid_search", "organic": "organic_search", "email": "email", "e-mail": "email",
                   "newsletter": "email", "social": "social", "social-network": "social", "sm": "social",
                   "paid_social": "social", "video": "short_video", "short_video": "short_video",
                   "live": "live_stream", "influencer": "kol", "kol": "kol", "affiliate": "referral",
                   "referral": "referral", "sms": "private_domain", "wecom": "private_domain",
                   "private": "private_domain", "display": "marketplace_ads"}
SOURCE_CHANNELS = {"google": "organic_search", "bing": "organic_search", "baidu": "organic_search",
                   "yahoo": "organic_search", "duckduckgo": "organic_search", "facebook": "social",
                   "instagram": "social", "twitter": "social", "x": "social", "weibo": "social",
                   "xiaohongshu": "social", "pinterest": "social", "linkedin": "social", "tiktok": "short_video",
                   "douyin": "short_video", "youtube": "short_video", "kuaishou": "short_video",
                   "wechat": "private_domain", "newsletter": "email", "mailchimp": "email"}
SEARCH_HOSTS = ("google.", "bing.", "baidu.", "yahoo.", "duckduckgo.", "yandex.", "sogou.")


class Refusal(NamedTuple):
    reason: str  # a reason code of the import's quarantine (ingest.parse.REASONS)
    field: str | None


def is_bot(user_agent: str | None) -> bool:
    """No User-Agent or one of the documented patterns."""
    return not user_agent or bool(_BOT.search(user_agent))


def device_of(user_agent: str | None) -> str | None:
    ua = (user_agent or "").lower()
    if not ua:
        return None
    if "ipad" in ua or "tablet" in ua or ("android" in ua and "mobile" not in ua):
        return "tablet"
    if "mobi" in ua or "iphone" in ua or "ipod" in ua:
        return "mobile"
    return "desktop"


def channel_of(source: str | None, medium: str | None, referrer: str | None, own_host: str | None) -> str:
    """The canonical channel of a visit: utm_medium, then utm_source, then the referrer's host."""
    aliases = dict(CHANNEL_ALIASES)
    for value, table in ((medium, MEDIUM_CHANNELS), (source, SOURCE_CHANNELS)):
        word = (value or "").strip().lower()
        if word:
            found = word if word in CHANNELS else table.get(word) or aliases.get(word)
            if found:
                return found
    if source or medium:
        return "other"
    host = (urlsplit(referrer).hostname or "") if referrer else ""
    if not host or host == own_host:
        return "direct"
    return "organic_search" if any(s in host for s in SEARCH_HOSTS) else "referral"


def _utc_text(when: datetime) -> str:
    """ISO 8601 in UTC with a Z (isoformat, not strftime: %Y writes year 1 as "1", which no parser reads back)."""
    return when.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _ts(value: Any, now: datetime) -> tuple[str | None, str | None]:
    """(stored UTC text, client ts kept aside) — text None: unreadable."""
    if value is None or value == "":
        return _utc_text(now), None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            when = datetime.fromtimestamp(value / 1000, UTC)  # JavaScript's Date.now(): milliseconds
        elif isinstance(value, str):
            when = datetime.fromisoformat(value.strip())
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        else:
            return None, None
    except (ValueError, OverflowError, OSError):
        return None, None
    if when - now.replace(tzinfo=UTC) > MAX_AHEAD:
        return _utc_text(now), when.isoformat()
    return _utc_text(when), None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def normalise(item: Any, *, now: datetime, user_agent: str | None, country: str | None,
              own_host: str | None = None) -> tuple[Any, Refusal | None, str | None]:
    """(what the flush file gets for this event, reason it is refused or None, its event_id or None)."""
    if not isinstance(item, dict):
        return item, Refusal("bad_json_line", None), None  # the reader quarantines a line that is not an object
    # ids trimmed here as the import trims them: " e1" and "e1" are one event for the dedup as in the warehouse
    row: dict[str, Any] = {c: _trimmed(item.get(c)) for c in ("event_id", "user_id", "session_id", *TEXT)}
    props = item.get("properties")
    properties: dict[str, Any] = dict(props) if isinstance(props, dict) else {}
    for name, value in item.items():
        if name not in COLUMNS and name != "properties":
            properties.setdefault(name, value)
    row["event"] = _text(item.get("event"))
    ts, client_ts = _ts(item.get("ts"), now)
    row["ts"] = ts if ts is not None else _text(item.get("ts"))
    if client_ts:
        properties["client_ts"] = client_ts
    row["channel"] = _text(item.get("channel")) or channel_of(row["source"], row["medium"],
                                                              _text(item.get("referrer")), own_host)
    row["device"] = _text(item.get("device")) or device_of(user_agent)
    row["country"] = row["country"] or country
    row["properties"] = json.dumps(properties, ensure_ascii=False) if properties else None
    if props is not None and not isinstance(props, dict):
        row["properties"] = _text(props) if isinstance(props, str) else json.dumps(props)
    refusal = _unencodable(item) or _reason(row, ts, props)
    return row, refusal, row["event_id"] if isinstance(row["event_id"], str) else None


def _trimmed(value: Any) -> str | None:
    text = _text(value)
    return text.strip() if text is not None else None


def _unencodable(item: dict[str, Any]) -> Refusal | None:
    """A lone surrogate (``"\\ud800"`` is valid JSON) cannot be written as UTF-8: refused first, as the import's
    reader refuses the line before any other check (the flush file gets it escaped, so writing it cannot fail)."""
    for name, value in item.items():
        try:
            json.dumps({name: value}, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            field = name if isinstance(name, str) and _encodes(name) else None
            return Refusal("bad_encoding", field)
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reason(row: dict[str, Any], ts: str | None, props: Any) -> Refusal | None:
    """The pipeline's reason code for this row and the field it is about, or None (mirrors ingest.parse: one reason
    per line, the first in the events table's column order)."""
    if not (row["event_id"] or "").strip():
        return Refusal("missing_required", "event_id")
    if ts is None:
        return Refusal("invalid_timestamp", "ts")
    if not (row["user_id"] or "").strip():
        return Refusal("missing_required", "user_id")
    if not (row["event"] or "").strip():
        return Refusal("missing_required", "event")
    event = row["event"].strip().lower()
    event = dict(EVENT_ALIASES).get(event, event)
    if not re.fullmatch(CUSTOM_EVENT_PATTERN, event):
        return Refusal("not_allowed", "event")
    channel, device = (row["channel"] or "").strip().lower(), (row["device"] or "").strip().lower()
    if channel and channel not in CHANNELS and channel not in dict(CHANNEL_ALIASES):
        return Refusal("not_allowed", "channel")
    if device and device not in DEVICES and device not in dict(DEVICE_ALIASES):
        return Refusal("not_allowed", "device")
    if isinstance(props, str):
        try:
            json.loads(props)
        except ValueError:
            return Refusal("invalid_json", "properties")
    return None
