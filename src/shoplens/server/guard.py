"""Limits at the door (an ASGI middleware): nothing is read, stored or computed for a request beyond them.

- **Body size.** ``Content-Length`` above the limit is refused (413) before a byte of the body is read;
  a body without one (chunked) is counted as it arrives and refused the moment it passes the limit.
  Uploads (``POST /api/v1/imports``) may be ``max_upload_bytes``, every other request ``max_body_bytes``.
  The connection is closed after such a refusal, so the rest of the body is never received.
- **Login before an upload.** The upload's login and role are checked from its headers before its body
  is read: an anonymous 3 GB upload is a 401 after its headers, not after 3 GB on disk.
- **Clients that leave.** A read request (GET) is watched while it runs: when its client closes the
  connection, ``scope["shoplens.gone"]`` is set and the computation it waits for is cancelled unless
  someone else waits for it too (:mod:`shoplens.server.cache`).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shoplens.server.problem import error_response
from shoplens.server.settings import ServerSettings

UPLOAD_PATH = "/api/v1/imports"
UPLOAD_PATHS = (UPLOAD_PATH, UPLOAD_PATH + "/preview")  # a preview receives the same files
COLLECT_PATH = "/collect"  # the event collector: its own, larger limit (collect_max_body_bytes)
GONE = "shoplens.gone"  # scope key: a threading.Event set when the client closed the connection


def too_large(limit: int, upload: bool) -> HTTPException:
    size = f"{limit // 1024**2} MiB" if limit >= 1024**2 else f"{limit // 1024} KiB"
    hint, zh_hint = (("split the file, or stop the server and run shoplens import",
                      "请拆分文件，或停止服务后用 shoplens import 导入") if upload else
                     ("send a smaller request", "请减小请求内容"))
    return HTTPException(413, headers={"Connection": "close"}, detail={
        "message": f"the request body is larger than {size}", "zh": f"请求内容超过 {size}",
        "hint": hint, "zh_hint": zh_hint})


async def _answer(exc: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail), "zh": str(exc.detail)}
    headers = dict(exc.headers or {})
    headers.setdefault("Connection", "close")  # the unread body stays unread
    response = error_response(exc.status_code, detail.get("message", ""), detail.get("zh"), detail.get("hint"),
                              detail.get("zh_hint"), headers=headers)
    await response(scope, receive, send)


async def _authorize_upload(scope: Scope) -> None:
    """The admin session of an upload, from its headers (HTTPException 401/403 otherwise)."""
    import anyio.to_thread
    from starlette.requests import Request

    from shoplens.server.deps import admin, session

    request = Request(scope)
    await anyio.to_thread.run_sync(lambda: admin(session(request)))


class Guard:
    def __init__(self, app: ASGIApp, settings: ServerSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"].rstrip("/") in UPLOAD_PATHS
        limit = self.settings.max_upload_bytes if upload else self.settings.max_body_bytes
        if scope["path"] == COLLECT_PATH:
            limit = self.settings.collect_max_body_bytes
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        try:
            if length is not None and int(length) > limit:
                raise too_large(limit, upload)
            if upload:
                await _authorize_upload(scope)
        except HTTPException as exc:
            await _answer(exc, scope, receive, send)
            return
        gone = scope[GONE] = threading.Event()
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit, upload)
            elif message["type"] == "http.disconnect":
                gone.set()
            return message

        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        bodiless = scope["method"] in ("GET", "HEAD") and length in (None, "0") and "transfer-encoding" not in headers
        try:
            if bodiless:
                await self._watched(scope, counted, sending, gone)
            else:
                await self.app(scope, counted, sending)
        except HTTPException as exc:  # too large while the app read the body
            if started or exc.status_code != 413:
                raise
            await _answer(exc, scope, receive, send)

    async def _watched(self, scope: Scope, receive: Receive, send: Send, gone: threading.Event) -> None:
        """Run a request without a body while watching its connection: a disconnect sets ``gone``."""
        left = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()
            left.set()

        delivered = False

        async def app_receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await left.wait()
            return {"type": "http.disconnect"}

        watcher = asyncio.ensure_future(watch())
        try:
            await self.app(scope, app_receive, send)
        finally:
            watcher.cancel()
