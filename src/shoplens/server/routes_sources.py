"""The data page's API: the presets there are, a preview of an import (run, shown, rolled back) and each
store's sources with their last data day and freshness.

``POST /imports/preview`` takes the same form as ``POST /imports`` and runs the very same import, so its
counts are the ones the real import will answer; it then rolls the transaction back (``dry_run``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile

from shoplens.errors import ShoplensError
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
                    "reasons": {code: {"en": en, "zh": zh, "hint": hint} for code, (en, zh, hint) in REASONS.items()}})


@router.post("/imports/preview")
def preview_upload(file: list[UploadFile] = File(..., description="one or more files of one import"),
                   table: str | None = Form(None), preset: str | None = Form(None), store: str | None = Form(None),
                   map: list[str] | None = Form(None), timezone: str | None = Form(None),
                   currency: str | None = Form(None), encoding: str | None = Form(None),
                   sheet: str | None = Form(None), delimiter: str | None = Form(None),
                   strict: bool = Form(False), max_bad_rows: str | None = Form(None),
                   s: Session = Depends(admin)) -> Response:
    """What `POST /imports` with this form would do — its summary, quarantine examples and the first rows per
    table (``preview``) — with nothing written: the import runs in a transaction that is rolled back."""
    from shoplens.ingest.pipeline import import_files

    if len(file) > data.MAX_FILES:
        raise ShoplensError(f"at most {data.MAX_FILES} files per import", zh=f"每次导入最多 {data.MAX_FILES} 个文件")
    data.check_form(table=table, preset=preset, store=store, map=map, timezone=timezone, currency=currency,
                    encoding=encoding, sheet=sheet, delimiter=delimiter)
    store, implied = data._import_store(s, store)
    base = Path(s.wh.path).absolute().parent / data.UPLOADS
    base.mkdir(exist_ok=True)
    folder = base / data._store_folder(store)
    names: list[str] = []
    for upload_file in file:
        name = data.safe_name(upload_file.filename)
        while name in names:
            name = f"{len(names)}_{name}"
        names.append(name)
    parts: list[Path] = []
    targets: list[Path] = []
    try:
        for upload_file in file:
            parts.append(data._receive(upload_file, base))
        with s.state.lock:  # the write lock, but no new generation: rolled back, so caches stay valid (no re-warm)
            wh = s.wh
            try:
                folder.mkdir(exist_ok=True)
                for part, name in zip(parts, names, strict=True):
                    targets.append(folder / name)
                    os.replace(part, targets[-1])
                summary = import_files(wh, targets, table=table or None, preset=preset or None, store=store,
                                       maps=map or [], timezone=timezone or None, currency=currency or None,
                                       encoding=encoding or None, sheet=sheet or None, delimiter=delimiter or None,
                                       strict=strict, max_bad_rows=max_bad_rows or None, dry_run=True)
                summary.store_implied = implied
            except ShoplensError as exc:
                raise ShoplensError(data._hide(exc.message, folder), where=data._hide(exc.where, folder),
                                    hint=data._hide(exc.hint, folder), zh=data._hide(exc.zh, folder),
                                    zh_hint=data._hide(exc.zh_hint, folder)) from None
            finally:
                for target in targets:
                    target.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    folder.rmdir()
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
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
