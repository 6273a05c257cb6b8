"""The data page's API: the presets there are, a preview of an import (run, shown, rolled back) and each
store's sources with their last data day and freshness.

``POST /imports/preview`` takes the same form as ``POST /imports`` and runs the very same import, so its
counts are the ones the real import will answer; it then rolls the transaction back (``dry_run``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from shoplens.server import routes_data as data
from shoplens.server.deps import Session, admin, analyst
from shoplens.server.respond import as_json

router = APIRouter(tags=["data"])


def _preset_info(name: str) -> dict[str, Any]:
    from shoplens.presets import get_preset

    p = get_preset(name)
    tables = getattr(p, "tables", None) or getattr(p, "writes", None)
    return {"name": name, "description": p.description, "description_zh": p.description_zh,
            "expects": getattr(p, "expects", ""), "expects_zh": getattr(p, "expects_zh", ""),
            "platform": p.platform, "timezone": p.timezone, "currency": p.currency,
            "tables": list(tables) if tables else None, "recognises": callable(getattr(p, "recognise", None))}


@router.get("/presets")
def list_presets(s: Session = Depends(analyst)) -> Response:
    """Every import preset with the file it expects; ``auto`` is true when every preset can recognise its
    file by the header (then ``preset=auto`` picks one). Also what a canonical import offers: its ``tables``,
    and the quarantine ``reasons`` in both languages (the data page names them)."""
    from shoplens.ingest.parse import REASONS
    from shoplens.model import TABLES
    from shoplens.presets import preset_names

    presets = [_preset_info(n) for n in preset_names() if n != "auto"]
    return as_json({"presets": presets, "auto": bool(presets) and all(p["recognises"] for p in presets),
                    "tables": [t.name for t in TABLES],
                    "reasons": {code: {"en": en, "zh": zh} for code, (en, zh, _hint) in REASONS.items()}})


@router.post("/imports/preview")
def preview_upload(file: list[UploadFile] = File(..., description="one or more files of one import"),
                   table: str | None = Form(None), preset: str | None = Form(None), store: str | None = Form(None),
                   map: list[str] | None = Form(None), map_value: list[str] | None = Form(None),
                   profile: str | None = Form(None), timezone: str | None = Form(None),
                   currency: str | None = Form(None), encoding: str | None = Form(None),
                   sheet: str | None = Form(None), delimiter: str | None = Form(None),
                   strict: bool = Form(False), max_bad_rows: str | None = Form(None),
                   s: Session = Depends(admin)) -> Response:
    """What `POST /imports` with this form would do — its summary, quarantine examples and the first rows per
    table (``preview``) — with nothing written: the import runs in a transaction that is rolled back."""
    summary = data.run_upload(s, file, dict(table=table, preset=preset, store=store, map=map, map_value=map_value,
                                            profile=profile, timezone=timezone, currency=currency,
                                            encoding=encoding, sheet=sheet, delimiter=delimiter, strict=strict,
                                            max_bad_rows=max_bad_rows), dry_run=True)
    answer = data._public(summary.to_dict())
    return as_json({**answer, "import_id": None, "dry_run": True, "preview": summary.preview or {}})


@router.get("/sources")
def list_sources(store: list[str] | None = Query(None, description="store ids (default: every store of the login)"),
                 s: Session = Depends(analyst)) -> Response:
    """Per store, each source (table fed by a preset, a canonical import or the event collector): files,
    imports, rows, first and last data day in the store's zone, days behind and freshness."""
    from shoplens.warehouse.sources import list_sources as sources_of

    stores = s.stores(store)
    with s.reading() as wh:
        return as_json({"stores": [sources_of(wh.con, st) for st in stores]})
