"""The one shape of every error the API answers: ``{"error": {message, zh, hint, zh_hint, where}}``."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel


class ErrorBody(BaseModel):
    message: str
    zh: str
    hint: str | None = None
    zh_hint: str | None = None
    where: str | None = None


class Error(BaseModel):
    """Every 4xx/5xx answer (the OpenAPI schema of each error status)."""

    error: ErrorBody


def error_response(status: int, message: str, zh: str | None = None, hint: str | None = None,
                   zh_hint: str | None = None, where: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"message": message, "zh": zh or message, "hint": hint, "zh_hint": zh_hint or hint,
                            "where": where}
    return JSONResponse({"error": body}, status_code=status, headers=headers)
