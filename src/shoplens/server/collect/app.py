"""The collector inside ``shoplens serve`` (:func:`install`, :func:`start`) and on its own (``shoplens collect``).

A DuckDB file has one writer process: run either ``shoplens serve`` (which collects too) or ``shoplens
collect`` on a warehouse, not both. The standalone app serves only ``POST /collect``, ``GET /collect.js``
and ``/health``; write keys are managed with ``shoplens collect keys`` while it is stopped, or through
``shoplens serve``'s REST routes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shoplens.server.collect.collector import Collector

FOLDER = ".shoplens-collect"  # flush files, beside the warehouse (removed once imported)


def start(state: Any, db_path: str | Path, settings: Any) -> Collector:
    collector = Collector(state, Path(db_path).absolute().parent / FOLDER, settings)
    collector.start()
    return collector


def install(app: FastAPI) -> None:
    """The collector's routes on ``app`` (public ones at the root, the admins' under /api/v1)."""
    from shoplens.server.collect import routes

    app.include_router(routes.public)
    app.include_router(routes.router, prefix="/api/v1")


def create_collector_app(db_path: str | Path, settings: Any = None) -> FastAPI:
    """Only the collector (no dashboard, no logins): for a warehouse whose dashboard runs elsewhere later."""
    from shoplens import __version__
    from shoplens.server import settings as server_settings
    from shoplens.server.app import _install_error_handlers
    from shoplens.server.collect import routes
    from shoplens.server.deps import ServerState
    from shoplens.server.guard import Guard
    from shoplens.warehouse.connection import Warehouse
    from shoplens.warehouse.migrations import current_version

    settings = settings or server_settings.load()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        wh = Warehouse(db_path)
        state = ServerState(wh, "", settings=settings)
        app.state.shoplens = state
        app.state.collector = start(state, db_path, settings)
        try:
            yield
        finally:
            app.state.collector.stop()
            wh.close()

    app = FastAPI(title="shoplens collector", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    _install_error_handlers(app)
    app.add_middleware(Guard, settings=settings)
    app.include_router(routes.public)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, Any]:
        state = app.state.shoplens
        schema = state.memo("schema", lambda wh: current_version(wh.con))
        return {"status": "ok", "version": __version__, "schema": schema, "collector": True}

    return app
