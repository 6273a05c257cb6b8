"""A full disk as one clear line (what, where, hint) instead of "internal error … report it".

DuckDB reports a full disk as an IO error naming the file it could not write ("Could not write
file "<path>": No space left on device"): the warehouse file, its ``.wal``, or a spill file in its
temp folder (by default ``<warehouse>.tmp``). When spilling would exceed the room left on the temp
folder's disk (DuckDB's default ``max_temp_directory_size``) it says "failed to offload data block"
instead. Python writes (exports, uploads) raise ``OSError(ENOSPC)`` with the file name. A failed
write never commits: the transaction it belonged to is rolled back (DuckDB keeps no half-written one).
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

from shoplens.errors import ShoplensError

_FULL = re.compile(r"no space left on device|disk quota exceeded|not enough space on the disk", re.IGNORECASE)
_QUOTED = re.compile(r'"([^"]+)"')


class DiskFullError(ShoplensError):
    """No room left on a disk shoplens writes to."""

    exit_code = 6  # 2 a mistake in the input, 3 the warehouse is locked, 4/5 imports that loaded too little


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        # Python's own rule for tracebacks: ``raise … from None`` hides the context (an error already explained)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return seen


def _is_temp(path: str) -> bool:
    return any(part.endswith(".tmp") or part.startswith("duckdb_temp") for part in Path(path).parts)


def disk_full_error(exc: BaseException, *, kept: bool | None = None,
                    temp_cap_set: bool | None = None) -> DiskFullError | None:
    """The error to show when ``exc`` (or what caused it) is a full disk; None otherwise.

    ``kept``: whether the warehouse is known to keep its earlier state (default: nothing was committed
    by this process's main thread, :data:`shoplens.interrupts.STATE`), said in the hint.
    ``temp_cap_set``: whether the operator capped the temp folder (``max_temp_directory_size``; default:
    read from the config). Reaching a chosen cap is a limit (see ``warehouse.memory``), not a full disk;
    DuckDB's own cap is the free space of the disk, so reaching it is."""
    if kept is None:
        from shoplens.interrupts import STATE

        kept = not STATE.committed
    if temp_cap_set is None:
        temp_cap_set = _temp_cap_set()
    for err in _chain(exc):
        text = str(err)
        if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
            return _full(str(err.filename) if err.filename else None, kept)
        if _FULL.search(text):
            quoted = _QUOTED.search(text)
            return _full(quoted.group(1) if quoted else None, kept)
        if isinstance(err, ShoplensError):  # already explained (e.g. the memory limit's own line)
            continue
        if "failed to offload data block" in text and "max_temp_directory_size" in text and not temp_cap_set:
            return _temp_full(None, kept)
    return None


def _temp_cap_set() -> bool:
    from shoplens.config import warehouse_settings

    try:
        return warehouse_settings().max_temp_directory_size is not None
    except ShoplensError:  # a broken config file is reported on its own
        return False


def _kept(kept: bool) -> tuple[str, str]:
    return ("; the warehouse keeps its earlier state", "；仓库保持原来的状态") if kept else ("", "")


def _full(path: str | None, kept: bool) -> DiskFullError:
    if path and _is_temp(path):
        return _temp_full(str(Path(path).parent), kept)
    en, zh = _kept(kept)
    if path and (path.endswith((".duckdb", ".wal", ".db")) or ".duckdb" in Path(path).name):
        return DiskFullError(
            "the disk is full: the warehouse could not be written", where=path,
            hint="free space on that disk (or use --db on a disk with room) and run it again" + en,
            zh="磁盘已满：无法写入仓库", zh_hint="请清理该磁盘空间（或用 --db 指向有空间的磁盘）后重试" + zh)
    return DiskFullError(
        "the disk is full: a file could not be written", where=path,
        hint="free space on that disk, or write to another one, and run it again" + en,
        zh="磁盘已满：无法写入文件", zh_hint="请清理该磁盘空间或改写到其他磁盘后重试" + zh)


def _temp_full(folder: str | None, kept: bool) -> DiskFullError:
    en, zh = _kept(kept)
    return DiskFullError(
        "no room left for temporary files: data that does not fit in memory spills to DuckDB's temp folder "
        "(by default <warehouse>.tmp)", where=folder,
        hint="free space on that disk, or set the temp directory (DuckDB's temp_directory) to a disk with room" + en,
        zh="临时文件空间不足：内存放不下的数据会写入 DuckDB 的临时目录（默认 <仓库>.tmp）",
        zh_hint="请清理该磁盘空间，或把临时目录（DuckDB 的 temp_directory）设到有空间的磁盘" + zh)
