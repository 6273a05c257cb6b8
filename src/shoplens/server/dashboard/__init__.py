"""The web dashboard (issue #5): a small single-page app served from this package, no CDN, no build step.

``install(app)`` serves ``static/index.html`` at ``/`` and the ES modules and CSS under
``/static/dashboard/``. Everything the pages show comes from the ``/api/v1`` routes with the
browser session (HttpOnly cookie + ``X-CSRF-Token`` on writes), so the dashboard sees exactly
what its login may see. Responses carry ``Cache-Control: no-cache`` (revalidated by ETag, so an
upgraded server never runs stale modules) and the page a strict Content-Security-Policy: only this
origin's scripts (no inline ones), styles, images and API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
PREFIX = "/static/dashboard"
# 'unsafe-eval' only because browser test tools evaluate their predicates in the page (Playwright's
# wait_for_function); the dashboard itself never evaluates text. Inline scripts stay forbidden.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


class _Static(StaticFiles):
    def file_response(self, *args: Any, **kwargs: Any) -> Any:
        response = super().file_response(*args, **kwargs)
        response.headers.update(HEADERS)
        return response


def install(app: FastAPI) -> None:
    """Serve the dashboard at ``/`` (index.html) and its assets under ``/static/dashboard``."""
    app.mount(PREFIX, _Static(directory=STATIC), name="dashboard")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8",
                            headers={**HEADERS, "Content-Security-Policy": CSP, "Referrer-Policy": "same-origin"})
