"""Responses the same as the CLI's output: JSON as ``--format json`` prints it, CSV as ``--format csv``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from fastapi import Response

from shoplens.csv_out import csv_text
from shoplens.json_text import json_bytes
from shoplens.server.api_words import api_notes

NOTES_HEADER = "X-Shoplens-Notes"


def as_json(data: Any) -> Response:
    """``data`` serialised exactly like the CLI's JSON (dates and decimals as text, UTF-8 kept); its notes in
    the API's words."""
    if isinstance(data, dict) and data.get("notes"):
        data = {**data, "notes": api_notes(data["notes"])}
    return Response(json_bytes(data), media_type="application/json")


def as_csv(header: Sequence[str], rows: Sequence[Sequence[Any]], filename: str,
           notes: dict[str, Any] | None = None) -> Response:
    """A CSV download through the one safe writer (:mod:`shoplens.csv_out`: no cell runs as a formula in a
    spreadsheet; missing values are empty cells). ``notes`` (why numbers may be 0; the JSON answer's
    ``notes``, the CLI's lines on stderr) go in the ``X-Shoplens-Notes`` header as JSON, ASCII-escaped."""
    body = csv_text(header, rows)
    safe = "".join(c for c in filename if c.isalnum() or c in "._-") or "export.csv"
    headers = {"Content-Disposition": f'attachment; filename="{safe}"'}
    if notes:
        headers[NOTES_HEADER] = json.dumps(api_notes(notes), default=str)
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


def records_csv(records: Sequence[dict[str, Any]], filename: str, notes: dict[str, Any] | None = None) -> Response:
    header = list(records[0]) if records else []
    return as_csv(header, [list(r.values()) for r in records], filename, notes)
