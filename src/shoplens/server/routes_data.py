"""Importing files over HTTP and the quarantine of refused rows: ``shoplens import`` and ``shoplens quarantine``.

``POST /imports`` (admin) takes a multipart upload — one or more ``file`` parts plus the CLI's
options as form fields — and answers the summary of ``shoplens import --format json``. An upload is
received in ``<warehouse folder>/.shoplens-uploads/``, then, under the server's lock, renamed to
``.shoplens-uploads/<store>/<its file name>`` (sanitised), imported and deleted again. That path is
the same for the same file name and store, so re-uploading a corrected ``orders.csv`` replaces its
earlier quarantine rows exactly as re-importing the same path does in the CLI, and quarantine
positions name the uploaded file.

File paths are the server's business: every ``file`` in these answers is the file's name only.
The quarantine holds whole source rows (``raw``: possibly names, addresses, e-mails), so listing it
needs the analyst role; viewers read analyses only. Every listing is cut to the login's stores.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import unicodedata
import uuid
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Response, UploadFile

from shoplens.errors import ShoplensError
from shoplens.server.deps import Session, admin, analyst
from shoplens.server.respond import as_csv, as_json
from shoplens.warehouse.quarantine_list import LIST_COLUMNS

router = APIRouter(tags=["data"])
UPLOADS = ".shoplens-uploads"
MAX_UPLOAD_BYTES = 2 * 1024**3  # per file
MAX_FILES = 20
CHUNK = 1 << 20
COLUMNS = LIST_COLUMNS


def safe_name(filename: str | None) -> str:
    """The base name of an uploaded file, kept readable (Chinese too) but harmless as a path."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name  # "C:\\x\\a.csv" and "../a.csv" -> "a.csv"
    name = unicodedata.normalize("NFC", name)
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in name).lstrip("._")
    if len(name) > 120:  # keep the suffixes that say the format (.csv.gz, .xlsx)
        suffix = "".join(PurePosixPath(name).suffixes[-2:])[-20:]
        name = name[: 120 - len(suffix)] + suffix
    return name or "upload"


def _store_folder(store: str) -> str:
    safe = "".join(c if c.isalnum() or c in "_-" else "_" for c in store)[:40]
    return safe if safe == store else f"{safe}-{hashlib.sha256(store.encode()).hexdigest()[:8]}"


def _import_store(s: Session, store: str | None) -> tuple[str, bool]:
    """The target store and whether it was implied: the one given if the admin sees it, a new valid one
    for an admin of every store (else 404 as missing); none given: the only store the admin sees."""
    from shoplens.ingest.store_context import choose_store
    from shoplens.warehouse.stores import check_store_id

    if not store:  # not given (a form sends an empty field): as the CLI, the only store of this login, or an error
        with s.reading() as wh:
            return choose_store(wh.con, None if s.account.all_stores else s.allowed_stores()), True
    if store in s.allowed_stores():
        return store, False
    check_store_id(store)  # exactly as sent, as the CLI: ' ok' or 'ok\n' is no store id (never stripped into one)
    with s.reading() as wh:
        exists = wh.con.execute("SELECT count(*) FROM stores WHERE store_id = ?", [store]).fetchone()[0]
    if not exists and s.account.all_stores:
        return store, False
    raise HTTPException(404, detail={"message": f"unknown store {store!r}", "zh": f"未知店铺 {store!r}",
                                     "hint": "a new store is created by an admin of every store ('*')",
                                     "zh_hint": "只有可访问全部店铺（'*'）的管理员可以创建新店铺"})


def _receive(upload: UploadFile, folder: Path) -> Path:
    """Copy one upload into ``folder`` under a private name (the final name is given under the lock)."""
    part = folder / f".part-{uuid.uuid4().hex}"
    written = 0
    with open(part, "wb") as out:
        while block := upload.file.read(CHUNK):
            written += len(block)
            if written > MAX_UPLOAD_BYTES:
                out.close()
                part.unlink(missing_ok=True)
                raise HTTPException(413, detail={"message": f"{upload.filename}: larger than "
                                                 f"{MAX_UPLOAD_BYTES // 1024**2} MB",
                                                 "zh": f"{upload.filename}：超过 {MAX_UPLOAD_BYTES // 1024**2} MB",
                                                 "hint": "split the file, or stop the server and run shoplens import",
                                                 "zh_hint": "请拆分文件，或停止服务后用 shoplens import 导入"})
            out.write(block)
    return part


def check_form(**fields: str | list[str] | None) -> None:
    """Form fields a user can fix, refused with a hint before anything is received or imported."""
    import codecs

    for name, value in fields.items():
        for item in [value] if isinstance(value, str) else value or []:
            if "\x00" in item:
                raise ShoplensError(f"form field {name} holds a NUL character", hint="send plain text",
                                    zh=f"表单字段 {name} 含有 NUL 字符", zh_hint="请发送普通文本")
    delimiter = fields.get("delimiter")
    if isinstance(delimiter, str) and delimiter and len(delimiter) != 1 and delimiter not in ("\\t", "tab"):
        raise ShoplensError(f"delimiter {delimiter!r} must be one character", hint="e.g. ; or , or a tab",
                            zh=f"分隔符 {delimiter!r} 只能是一个字符", zh_hint="例如 ; 或 , 或制表符")
    encoding = fields.get("encoding")
    if isinstance(encoding, str) and encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ShoplensError(f"unknown encoding {encoding!r}", hint="e.g. utf-8, gbk, gb18030, latin-1",
                                zh=f"未知编码 {encoding!r}", zh_hint="例如 utf-8、gbk、gb18030、latin-1") from None


def _hide(text: Any, folder: Path) -> Any:
    """Server paths of the upload folder out of a message."""
    return text.replace(f"{folder}{os.sep}", "") if isinstance(text, str) else text


def _public(summary: dict[str, Any]) -> dict[str, Any]:
    for item in (*summary["files"], *summary["quarantine_examples"]):
        item["file"] = Path(item["file"]).name
    return summary


@router.post("/imports")
def import_upload(file: list[UploadFile] = File(..., description="one or more files of one import (repeat the part)"),
           table: str | None = Form(None, description="canonical table (default: guessed from the headers)"),
           preset: str | None = Form(None, description="export preset, e.g. online-retail"),
           store: str | None = Form(None, description="store id (default: the only store the login sees; a new "
                                    "store needs an admin of every store, currency and timezone)"),
           map: list[str] | None = Form(None, description="rename a column SRC=DST (repeatable)"),
           map_value: list[str] | None = Form(None, description="rewrite a cell value before it is checked: "
                                              "COLUMN:SRC=DST, e.g. 订单状态:交易成功=delivered (repeatable)"),
           profile: str | None = Form(None, description="a saved import profile (the other fields win over it)"),
           timezone: str | None = Form(None), currency: str | None = Form(None),
           encoding: str | None = Form(None), sheet: str | None = Form(None), delimiter: str | None = Form(None),
           strict: bool = Form(False, description="any quarantined line refuses the import (400, nothing written)"),
           max_bad_rows: str | None = Form(None, description="N lines or P% of the lines read: more refuses the "
                                           "import (400, nothing written)"),
           s: Session = Depends(admin)) -> Response:
    """Import uploaded files (all or nothing); answers `shoplens import --format json` (file names only).

    Its ``outcome`` is ``no_rows`` when a file has no rows in the warehouse (committed, as the CLI's exit 4);
    an import refused by ``strict`` / ``max_bad_rows`` answers 400 with the reason and writes nothing."""
    summary = run_upload(s, file, dict(table=table, preset=preset, store=store, map=map, map_value=map_value,
                                       profile=profile, timezone=timezone, currency=currency, encoding=encoding,
                                       sheet=sheet, delimiter=delimiter, strict=strict, max_bad_rows=max_bad_rows))
    return as_json(_public(summary.to_dict()))


def run_upload(s: Session, file: list[UploadFile], form: dict[str, Any], *, dry_run: bool = False) -> Any:
    """Receive the parts, then import them under the write lock (``dry_run``: run and roll back; the lock
    without a new data generation, so the caches stay valid). One place for the upload rules of both the
    import and its preview."""
    from shoplens.ingest.pipeline import import_files

    if len(file) > MAX_FILES:
        raise ShoplensError(f"at most {MAX_FILES} files per import", zh=f"每次导入最多 {MAX_FILES} 个文件")
    check_form(**{k: form[k] for k in ("table", "preset", "store", "map", "timezone", "currency", "encoding",
                                       "sheet", "delimiter", "map_value", "profile")})
    store, implied = _import_store(s, form["store"])
    base = Path(s.wh.path).absolute().parent / UPLOADS  # kept: uploads are received here outside the lock
    base.mkdir(exist_ok=True)
    folder = base / _store_folder(store)  # made and removed under the lock only
    names: list[str] = []
    for upload_file in file:
        name = safe_name(upload_file.filename)
        while name in names:  # two parts with one name: keep both
            name = f"{len(names)}_{name}"
        names.append(name)
    parts: list[Path] = []
    targets: list[Path] = []
    try:
        for upload_file in file:
            parts.append(_receive(upload_file, base))
        with (_unchanged(s) if dry_run else s.locked()) as wh:
            try:
                folder.mkdir(exist_ok=True)
                for part, name in zip(parts, names, strict=True):
                    targets.append(folder / name)
                    os.replace(part, targets[-1])
                summary = import_files(
                    wh, targets, table=form["table"] or None, preset=form["preset"] or None, store=store,
                    maps=form["map"] or [], timezone=form["timezone"] or None, currency=form["currency"] or None,
                    encoding=form["encoding"] or None, sheet=form["sheet"] or None,
                    delimiter=form["delimiter"] or None, strict=form["strict"],
                    max_bad_rows=form["max_bad_rows"] or None, value_maps=form["map_value"] or [],
                    profile=form["profile"] or None, dry_run=dry_run)
                summary.store_implied = implied
            except ShoplensError as exc:
                raise ShoplensError(_hide(exc.message, folder), where=_hide(exc.where, folder),
                                    hint=_hide(exc.hint, folder), zh=_hide(exc.zh, folder),
                                    zh_hint=_hide(exc.zh_hint, folder)) from None
            finally:
                for target in targets:
                    target.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    folder.rmdir()
    finally:
        for part in parts:
            part.unlink(missing_ok=True)  # received but never renamed (an error before the import)
    return summary


@contextlib.contextmanager
def _unchanged(s: Session) -> Any:
    """The write lock without ending a data generation (a preview changes nothing)."""
    with s.state.lock:
        yield s.wh


def _quarantine(s: Session, store: list[str] | None, file: str | None, reason: str | None,
                limit: int | None) -> tuple[list[list[Any]], int]:
    """Rows in the login's stores (at most ``limit``) and how many match in all; file names without server paths."""
    from shoplens.warehouse.quarantine_list import find

    stores = s.stores(store)
    with s.reading() as wh:
        rows, total = find(wh.con, stores=stores, file=file, reason=reason, limit=limit)
    return [[*r[:2], Path(r[2]).name, *r[3:]] for r in rows], total


FILE = Query(None, max_length=1000, description="only this source file (its name or path)")
REASON = Query(None, max_length=100, description="only this reason, e.g. bad_number")
STORE = Query(None, description="store ids (comma-separated or repeated; default: every store of the login)")


@router.get("/quarantine")
def list_quarantine(store: list[str] | None = STORE, file: str | None = FILE, reason: str | None = REASON,
               limit: int = Query(50, ge=0, le=1_000_000, description="at most this many rows (0 = all)"),
               format: Literal["json", "csv"] = "json", s: Session = Depends(analyst)) -> Response:
    """Quarantined cells with file:line:column, value, reason and the whole raw row (`quarantine list --format
    json`); the header X-Total-Count says how many match in all."""
    rows, total = _quarantine(s, store, file, reason, limit or None)
    response = (as_csv(COLUMNS, rows, "quarantine.csv") if format == "csv"
                else as_json([dict(zip(COLUMNS, r, strict=True)) for r in rows]))
    response.headers["X-Total-Count"] = str(total)
    return response


@router.get("/quarantine/export")
def export_quarantine(store: list[str] | None = STORE, file: str | None = FILE, reason: str | None = REASON,
                      s: Session = Depends(analyst)) -> Response:
    """Every matching quarantined cell as a CSV download (`shoplens quarantine export`)."""
    rows, _total = _quarantine(s, store, file, reason, None)
    return as_csv(COLUMNS, rows, "quarantine.csv")
