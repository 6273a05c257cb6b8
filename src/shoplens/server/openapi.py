"""The OpenAPI schema says every status code and content type a route answers (checked by ``make fuzz``).

FastAPI documents 200 and 422 (with its own error shape). Our answers also carry the error codes below, all
with the one error shape (:class:`shoplens.server.problem.Error`), and CSV downloads as ``text/csv``. The
rules are kept here, in one place, instead of on every route.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shoplens.server.problem import Error

API = "/api/v1"
OPEN = {"/health", f"{API}/login"}  # answered without a login
WHY = {
    400: "a request the user can fix (the message says what and how)",
    401: "no login, or an ended one",
    403: "the role may not do this, or a browser session's CSRF token is missing",
    404: "does not exist, or may not be seen by this login",
    409: "the name is taken",
    413: "the request body is larger than the server's limit",
    422: "a parameter has the wrong type or shape",
    429: "too many failed logins, or too many analyses of this login at once (Retry-After)",
    503: "the server is busy or stopping (Retry-After)",
    504: "the analysis took longer than the server's time budget and was stopped",
}
COMPUTING = {f"{API}/{p}" for p in ("metrics", "funnel", "funnel/dropped", "retention", "paths", "rfm",
                                    "rfm/customers", "stores", "anomalies", "why", "brief",
                                    "review")}
COMPUTING |= {f"{API}/replenish"}  # issue #16: computed through the answer cache (busy, time budget)
COMPUTING |= {f"{API}/products/trial"}  # issue #16: new-product trial
BUSY = {429, 503, 504}
EXTRA = {("post", f"{API}/segments"): {409}, ("post", f"{API}/login"): {429}, ("post", f"{API}/segments/preview"): BUSY,
         ("get", f"{API}/segments/{{name}}"): BUSY,
         ("post", "/collect"): {400, 401, 403, 429}}  # the collector: a write key, not a login (docs/collector.md)
CSV_ONLY = {f"{API}/quarantine/export"}
CSV = {"schema": {"type": "string"}}
SECURITY = {  # a token from POST /api/v1/login {"kind": "api"}, or the browser session's cookie
    "bearer": {"type": "http", "scheme": "bearer"},
    "session": {"type": "apiKey", "in": "cookie", "name": "shoplens_session"},
}


def statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses ``method path`` may answer."""
    codes = {413}  # any request may carry too large a body
    if operation.get("parameters") or operation.get("requestBody"):
        codes.add(422)
    if path.startswith(API):
        codes.add(400)
        if path not in OPEN:
            codes |= {401, 403, 404}
        else:
            codes.add(401)
    if method == "get" and path in COMPUTING:
        codes |= BUSY
    return codes | EXTRA.get((method, path), set())


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses and CSV content types to a schema FastAPI generated."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error.pop("$defs", {}))
    components["Error"] = error
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    schema["components"]["securitySchemes"] = SECURITY
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if path.startswith(API) and path not in OPEN:
                operation["security"] = [{"bearer": []}, {"session": []}]
            responses = operation.setdefault("responses", {})
            for code in sorted(statuses(method, path, operation)):
                responses[str(code)] = {"description": WHY[code], "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            ok = responses.get("200", {}).get("content")
            names = {p.get("name") for p in operation.get("parameters", [])}
            if ok is not None and path in CSV_ONLY:
                responses["200"]["content"] = {"text/csv": CSV}
            elif ok is not None and ("format" in names or path.endswith("/members")):
                ok["text/csv"] = CSV
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(get_openapi(title=app.title, version=app.version, routes=app.routes,
                                                      description=app.description))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
