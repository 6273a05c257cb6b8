"""``POST /collect`` (events from web pages), ``GET /collect.js`` (the snippet) and the admins' write-key routes.

The write key comes in the body (``write_key``: what ``navigator.sendBeacon`` can send) or in the
``X-Shoplens-Key`` header. Answers: 200 with per-event results; 401 for an unknown or revoked key; 403 when
the batch names another store than the key's, or the page's Origin is not one of the key's origins; 413 above
``collect_max_body_bytes`` / ``collect_max_events``; 429 (``Retry-After``) beyond the key's token bucket.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from shoplens.ingest.parse import REASONS, ZH_HINTS
from shoplens.server.collect import keys as write_keys
from shoplens.server.collect.events import is_bot, normalise
from shoplens.server.deps import Session, admin
from shoplens.server.problem import error_response

KEY_HEADER = "X-Shoplens-Key"
SNIPPET = Path(__file__).parent / "static" / "collect.js"
# the import's wording of a reason, where a web page's event needs other words (it has no --encoding)
OWN_REASONS = {"bad_encoding": ("text that is not valid Unicode (a lone surrogate such as \\ud800)",
                                "文本不是有效的 Unicode（含孤立的代理字符，如 \\ud800）",
                                "send UTF-8 text; a \\ud800-\\udfff escape must be one of a surrogate pair")}
OWN_ZH_HINTS = {"bad_encoding": "请发送 UTF-8 文本；\\ud800-\\udfff 转义必须成对出现（代理对）"}
# the import's hint for a value outside a vocabulary names --map-value, which a collector client cannot use
COLLECT_HINTS = {"not_allowed": ("events: page_view, product_view, search, add_to_cart, favorite, begin_checkout, "
                                 "purchase or a snake_case custom name; device: mobile, desktop, tablet, app, other "
                                 "(docs/collector.md)",
                                 "事件：page_view、product_view、search、add_to_cart、favorite、begin_checkout、"
                                 "purchase 或 snake_case 自定义名；终端：mobile、desktop、tablet、app、other"
                                 "（见 docs/collector.md）")}
public = APIRouter(tags=["collector"])
router = APIRouter(tags=["collector"])  # under /api/v1, for admins


def _cors(origin: str | None, allowed: bool) -> dict[str, str]:
    if not origin or not allowed:
        return {"Vary": "Origin"}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _refuse(status: int, message: str, zh: str, hint: str, zh_hint: str, headers: dict[str, str]) -> JSONResponse:
    return error_response(status, message, zh, hint, zh_hint, headers=headers)


def collector_of(request: Request) -> Any:
    return request.app.state.collector


@public.options("/collect", include_in_schema=False)
def preflight(request: Request) -> Response:
    """CORS preflight: allowed for origins of some live key (a preflight carries no key to tell which)."""
    origin = request.headers.get("origin")
    state = request.app.state.shoplens
    allowed = bool(origin) and origin in state.memo("collect_origins", lambda wh: write_keys.all_origins(wh.con))
    headers = _cors(origin, allowed)
    if allowed:
        headers |= {"Access-Control-Allow-Methods": "POST", "Access-Control-Max-Age": "600",
                    "Access-Control-Allow-Headers": f"Content-Type, {KEY_HEADER}"}
    return Response(status_code=204 if allowed else 403, headers=headers)


@public.post("/collect")
async def collect(request: Request) -> JSONResponse:
    """Events of one store, sent by its pages: ``{"write_key", "store"?, "events": [...]}`` (any Content-Type;
    text/plain is what sendBeacon sends). Per-event results: accepted, duplicates, bots, rejected."""
    body = await request.body()
    return await anyio.to_thread.run_sync(lambda: _collect(request, body))


def _collect(request: Request, body: bytes) -> JSONResponse:
    settings = request.app.state.settings
    state = request.app.state.shoplens
    collector = collector_of(request)
    origin = request.headers.get("origin")
    refused = _cors(origin, False)
    try:
        data = json.loads(body or b"null")
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        return _refuse(400, "the body must be a JSON object with an events list",
                       "请求内容应为含 events 列表的 JSON 对象",
                       '{"write_key": "slk_...", "events": [{"event_id": "...", "event": "page_view", ...}]}',
                       '{"write_key": "slk_...", "events": [{"event_id": "...", "event": "page_view", ...}]}', refused)
    key_text = request.headers.get(KEY_HEADER) or data.get("write_key")
    key = state.memo(("collect_key", write_keys.digest(str(key_text))), lambda wh: write_keys.verify(wh.con, key_text))
    if key is None:
        return _refuse(401, "unknown or revoked write key", "写入密钥无效或已被吊销",
                       "an admin creates one: shoplens collect keys create --store ID --origin https://your.shop",
                       "请管理员创建：shoplens collect keys create --store 店铺ID --origin https://你的网店", refused)
    allowed_origin = origin is None or origin in key.origins
    headers = _cors(origin, allowed_origin)
    named = data.get("store")
    if named is not None and named != key.store_id:
        return _refuse(403, f"this write key writes events of store {key.store_id!r}, not {named!r}",
                       f"该写入密钥只能写入店铺 {key.store_id!r} 的事件，不能写入 {named!r}",
                       "use the key created for that store", "请使用为该店铺创建的密钥", headers)
    if not allowed_origin:
        return _refuse(403, f"origin {origin} may not use this write key", f"来源 {origin} 不能使用该写入密钥",
                       "an admin adds the origin with a new key: shoplens collect keys create --origin ORIGIN",
                       "请管理员为该来源创建新密钥：shoplens collect keys create --origin 来源", refused)
    events = data["events"]
    if len(events) > settings.collect_max_events:
        return _refuse(413, f"{len(events)} events in one request; at most {settings.collect_max_events}",
                       f"一次请求包含 {len(events)} 个事件，上限为 {settings.collect_max_events}",
                       "send them in smaller batches", "请分批发送", headers | {"Connection": "close"})
    wait = collector.allow(key.key_id, max(1, len(events)))
    if wait:
        return _refuse(429, "too many events for this write key right now", "该写入密钥当前发送的事件过多",
                       f"retry after {wait:.1f} s (limit: {settings.collect_rate:g} events/s)",
                       f"请在 {wait:.1f} 秒后重试（上限：每秒 {settings.collect_rate:g} 个事件）",
                       headers | {"Retry-After": str(max(1, int(wait + 0.999)))})
    user_agent = request.headers.get("user-agent")
    if is_bot(user_agent):
        with collector.lock:
            collector.bots[key.store_id] += len(events)
        return JSONResponse({"accepted": 0, "duplicates": 0, "bots": len(events), "rejected": []}, headers=headers)
    country = request.headers.get(settings.collect_country_header) if settings.collect_country_header else None
    country = country.strip().upper() if country and country.strip() not in ("", "XX", "T1") else None
    now = datetime.now(UTC).replace(tzinfo=None)
    own_host = request.headers.get("host", "").split(":")[0] or None
    if origin:
        own_host = origin.split("://", 1)[-1].split(":")[0]
    rows = [normalise(e, now=now, user_agent=user_agent, country=country, own_host=own_host) for e in events]
    batch_ids: dict[str, None] = {}
    unique: list[tuple[Any, Any, Any]] = []
    repeats = 0
    for row, reason, event_id in rows:  # the same id twice in one batch: the first counts
        if reason is None and event_id is not None:
            if event_id in batch_ids:
                unique.append((row, "repeat", event_id))
                repeats += 1
                continue
            batch_ids[event_id] = None
        unique.append((row, reason, event_id))
    stored = collector.stored_ids(key.store_id, list(batch_ids))
    fates = collector.add(key.store_id, [u for u in unique if u[1] != "repeat"], stored)
    it = iter(fates)
    answer: dict[str, Any] = {"accepted": 0, "duplicates": 0, "bots": 0, "rejected": []}
    for index, (_, reason, _id) in enumerate(unique):
        fate = "duplicate" if reason == "repeat" else next(it)
        if fate == "accepted":
            answer["accepted"] += 1
        elif fate == "duplicate":
            answer["duplicates"] += 1
        else:
            en, zh, hint = {**REASONS, **OWN_REASONS}.get(fate.reason, (fate.reason, fate.reason, ""))
            hint, zh_hint = COLLECT_HINTS.get(fate.reason, (hint, {**ZH_HINTS, **OWN_ZH_HINTS}.get(fate.reason, "")))
            where = f"{fate.field}: " if fate.field else ""
            answer["rejected"].append({"index": index, "reason": fate.reason, "field": fate.field,
                                       "message": where + en, "zh": where + zh, "hint": hint,
                                       "zh_hint": zh_hint})
    return JSONResponse(answer, headers=headers)


@public.get("/collect.js", include_in_schema=False)
def snippet() -> Response:
    """The tracking snippet (no dependency; see docs/collector.md)."""
    return Response(SNIPPET.read_text(encoding="utf-8"), media_type="application/javascript",
                    headers={"Cache-Control": "public, max-age=300"})


# --- write keys, for admins (REST twin of `shoplens collect keys`)


class NewKey(BaseModel):
    store: str
    origins: list[str]


@router.get("/collect/keys")
def list_write_keys(s: Session = Depends(admin)) -> dict[str, Any]:
    """(admin) The write keys of the stores this login may see (never the keys themselves)."""
    with s.reading() as wh:
        return {"keys": [k.to_dict() for k in write_keys.list_keys(wh.con, s.allowed_stores())]}


@router.post("/collect/keys", status_code=201)
def create_write_key(body: NewKey, s: Session = Depends(admin)) -> dict[str, Any]:
    """(admin) A new write key of ``store`` for pages of ``origins``; the key is shown in this answer only."""
    s.stores(body.store)
    with s.locked() as wh:
        key, record = write_keys.create_key(wh.con, body.store, body.origins, s.account.username)
    return {"key": key, **record.to_dict()}


@router.delete("/collect/keys/{key_id}")
def revoke_write_key(key_id: str, s: Session = Depends(admin)) -> dict[str, Any]:
    """(admin) Revoke a write key: from now on its events are refused (401)."""
    with s.locked() as wh:
        return write_keys.revoke_key(wh.con, key_id, s.allowed_stores()).to_dict()


@router.get("/collect/stats")
def collector_stats(request: Request, s: Session = Depends(admin)) -> dict[str, Any]:
    """(admin) Events waiting for their flush, flushed, parked in failed-*.jsonl and bots dropped since the start."""
    stats = collector_of(request).stats()
    allowed = set(s.allowed_stores())
    return {name: {k: v for k, v in part.items() if k in allowed} for name, part in stats.items()}


