"""The REST API application: ``create_app(db_path)`` -> a FastAPI app serving ``/api/v1`` and ``/health``.

One server process owns the warehouse: it opens it read-write once (DuckDB allows one writer) and
runs every request's work under one lock, imports included, so a CLI import beside a running server
waits for the lock and then fails cleanly instead of corrupting anything. Errors come back as JSON
``{"error": {"message", "zh", "hint", "zh_hint", "where"}}`` with 400 for a request the user can fix,
401 without a login, 403 for a role that may not, 404 for what does not exist (or may not be seen).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shoplens import __version__
from shoplens.errors import NotFoundError, ShoplensError
from shoplens.server import openapi
from shoplens.server.deps import ServerState, Session, admin
from shoplens.server.problem import error_response
from shoplens.server.security import load_secret_key
from shoplens.server.settings import ServerSettings

LOG = logging.getLogger("shoplens.server")
WORKER_THREADS = 100  # anyio's default is 40: 20 users with a few queued computations each would fill it
STATUS_ZH = {400: "请求内容无法解析", 404: "未找到", 405: "不支持该请求方法", 413: "请求内容过大",
             415: "不支持的内容类型"}
HINTS = {400: {"hint": "send JSON with Content-Type: application/json (uploads: multipart/form-data)",
               "zh_hint": "请以 application/json 发送 JSON（上传文件用 multipart/form-data）"}}


def allowed_methods(request: Request) -> list[str]:
    """The methods the OpenAPI schema gives ``request``'s path (the ``Allow`` header of a 405: Starlette's names
    only the first route of the path)."""
    import re

    paths = request.app.openapi().get("paths", {})
    path = request.url.path
    found = [paths[path]] if path in paths else [  # a literal path (/segments/preview) before a template
        item for template, item in paths.items()
        if re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)), path)]
    return sorted({m.upper() for item in found for m in item})


_error = error_response


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShoplensError)
    async def shoplens_error(_: Request, exc: ShoplensError) -> JSONResponse:
        from shoplens.server.api_words import api_text, api_where

        status = 404 if isinstance(exc, NotFoundError) else 400  # the engines say "--steps": the API "steps"
        return _error(status, api_text(exc.message) or "", api_text(exc.zh), api_text(exc.hint), api_text(exc.zh_hint),
                      api_where(exc.where))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, dict) else {  # Starlette's own (no such route, method …)
            "message": str(exc.detail), "zh": STATUS_ZH.get(exc.status_code, str(exc.detail)),
            **HINTS.get(exc.status_code, {})}
        headers = getattr(exc, "headers", None)
        allowed = allowed_methods(request) if exc.status_code == 405 else None
        if allowed:
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        return _error(exc.status_code, detail.get("message", ""), detail.get("zh"), detail.get("hint"),
                      detail.get("zh_hint"), headers=headers)

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:  # logged by uvicorn; JSON for clients
        from shoplens.disk import disk_full_error

        full = disk_full_error(exc)
        if full is not None:  # 507 Insufficient Storage; the file's path goes to the log, not to the client
            LOG.error("%s", full.render("en"))
            return _error(507, full.message, full.zh, full.hint, full.zh_hint)
        import duckdb

        if isinstance(exc, duckdb.OutOfMemoryException):  # one analysis too big for warehouse.memory_limit
            LOG.error("out of memory: %s", str(exc).splitlines()[0])
            return _error(503, "this answer needs more memory than the server's warehouse may use",
                          "该结果所需内存超过服务器仓库允许的上限",
                          "ask for a shorter range or fewer dimension values, or ask the admin to raise memory_limit "
                          "in the warehouse: section of the config file",
                          "请缩短日期范围或减少维度取值，或请管理员在配置文件 warehouse: 部分调大 memory_limit")
        LOG.exception("unexpected error", exc_info=exc)
        return _error(500, "internal error: the server could not answer this request", "服务器内部错误，无法处理该请求",
                      "try again; if it keeps failing, report it with the server log",
                      "请重试；如果一直失败，请附上服务器日志报告此问题")

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        from shoplens.server.validation import explain

        return _error(422, **explain(exc.errors()))


def _install_docs(app: FastAPI) -> None:
    """``/docs`` with Swagger UI served from the installed ``swagger-ui-bundle`` package (no CDN)."""
    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    app.mount("/static/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="shoplens API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/swagger/favicon-32x32.png")


def remove_orphan_uploads(db_path: str | Path) -> None:
    """Uploads a killed server left behind (``.part-*`` files, store folders): nobody will import them.
    Called once the warehouse is open, so no other server can be receiving into this folder."""
    import shutil

    from shoplens.server.routes_data import UPLOADS

    folder = Path(db_path).absolute().parent / UPLOADS
    for item in folder.iterdir() if folder.is_dir() else ():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)


def create_app(db_path: str | Path, *, demo: bool = False, secret: str | None = None, warm: bool = True,
               settings: ServerSettings | None = None, jobs: list[Any] | None = None,
               run_jobs: bool = True) -> FastAPI:
    """The API over the warehouse at ``db_path`` (opened when the server starts, closed when it stops).

    ``warm``: compute the dashboard's landing pages in the background at start and after new data
    (:mod:`shoplens.server.warmup`). ``settings``: the limits (default: the config file's ``server:``).
    ``jobs``: the config's ``schedule:`` jobs, run by a thread of the server when ``run_jobs``
    (:mod:`shoplens.server.scheduler`) and shown by ``GET /api/v1/schedule`` either way."""
    from shoplens.server import settings as server_settings
    from shoplens.server.cache import RESULTS
    from shoplens.server.guard import Guard
    from shoplens.warehouse.connection import Warehouse
    from shoplens.warehouse.migrations import current_version

    key = secret or load_secret_key(demo)
    settings = settings or server_settings.load()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        from shoplens.server.warmup import Warmer

        # sync routes run on worker threads; queued computations wait on them, answers from memory must not
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        wh = Warehouse(db_path)
        remove_orphan_uploads(db_path)
        RESULTS.stopping = False  # a server started again in this process
        RESULTS.per_login = max(1, min(settings.computations_per_login or RESULTS.per_login, RESULTS.slots - 1))
        if not demo:  # tokens the demo login got from an earlier `serve --demo` end with that mode
            from shoplens.server.accounts import revoke_demo_sessions

            revoke_demo_sessions(wh)
        state = ServerState(wh, key, settings=settings)
        app.state.shoplens = state
        app.state.warmer = warmer = Warmer(state)
        state.after_write.append(warmer.poke)
        if warm:
            warmer.start()
        from shoplens.server.collect import app as collect_app

        app.state.collector = collect_app.start(state, db_path, settings)  # POST /collect (issue #15)
        scheduler = None
        if jobs and run_jobs:
            from shoplens.server.scheduler import Scheduler

            scheduler = Scheduler(state, jobs, None)
            scheduler.start()
        try:
            yield
        finally:
            RESULTS.stop_all()  # (SIGTERM did already) nothing new starts, every waiter (the warm-up too) leaves
            if scheduler is not None:
                scheduler.stop()  # a job that runs ends first (its run is recorded); none starts
            app.state.collector.stop()  # the events that wait are written before the warehouse closes
            if warm:
                warmer.stop()
            RESULTS.release_all()  # no interrupt may reach a cursor that closing the warehouse closes
            wh.close()
            RESULTS.stopping = False  # the cache outlives this app (a library or a test may start another)

    app = FastAPI(title="shoplens API", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Operations analytics for cross-border e-commerce sellers (跨境电商精细化运营分析). "
                  "Log in with POST /api/v1/login, then send `Authorization: Bearer <token>`.")
    app.state.settings = settings
    app.state.schedule = {"jobs": list(jobs or []), "running": bool(jobs and run_jobs)}
    app.state.demo_mode = demo  # only then does the demo login (accounts.DEMO_LOGIN) log in
    _install_error_handlers(app)
    _install_docs(app)
    openapi.install(app)
    app.add_middleware(Guard, settings=settings)
    from shoplens.server import routes_schedule  # the delivery log, the schedule, sending now (issue #13)

    app.include_router(routes_schedule.router, prefix="/api/v1")

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness (no login needed): the server runs and its warehouse is open. Nothing about the data (not
        even when it last changed) is told without a login."""
        state: ServerState = app.state.shoplens
        version = state.memo("schema", lambda wh: current_version(wh.con))
        return {"status": "ok", "version": __version__, "schema": version}

    @app.get("/api/v1/server", tags=["meta"])
    def server_status(s: Session = Depends(admin)) -> dict[str, Any]:
        """(admin of every store) The answer cache: entries, hits and computations per kind of answer, and
        whether the landing pages of the current data are warm (it tells of every store's activity)."""
        from shoplens.server.cache import HEAVY_SLOTS, RESULTS

        if not s.account.all_stores:
            raise HTTPException(403, detail={"message": "this needs an admin of every store",
                                             "zh": "需要可查看全部店铺的管理员"})
        return {"warm": app.state.warmer.is_warm(), "cache": RESULTS.stats(), "computing_slots": HEAVY_SLOTS}

    from shoplens.server import (
        routes_accounts,
        routes_actions,
        routes_alerts,
        routes_analyses,
        routes_auth,
        routes_data,
        routes_drill,
        routes_forecast,
        routes_metrics,
        routes_products_abc,
        routes_products_roles,
        routes_recommend,
        routes_replenish,
        routes_reports,
        routes_segments,
        routes_sources,
        routes_trial,
        routes_values,
    )

    for module in (routes_auth, routes_metrics, routes_analyses, routes_segments, routes_data, routes_accounts,
                   routes_values, routes_alerts, routes_reports, routes_recommend, routes_actions, routes_drill,
                   routes_sources, routes_products_abc, routes_products_roles, routes_replenish,
                   routes_forecast, routes_trial):
        app.include_router(module.router, prefix="/api/v1")

    from shoplens.server.collect import app as collect_app

    collect_app.install(app)  # the event collector: POST /collect, GET /collect.js, /api/v1/collect/keys
    from shoplens.server import dashboard

    dashboard.install(app)  # the web dashboard: index.html at /, assets under /static/dashboard
    return app
