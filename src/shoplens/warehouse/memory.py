"""Running out of the warehouse's memory budget is a clear error, not an "internal error … report it".

DuckDB stays within ``warehouse.memory_limit`` by spilling to ``temp_directory``; when it cannot (the
temp folder is full or capped by ``max_temp_directory_size``, or one operation cannot spill) it raises
``OutOfMemoryException``. Imports and the demo build turn that into one line saying which limit was
hit and how to raise it; nothing was written (their transaction rolls back).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb

from shoplens.disk import disk_full_error
from shoplens.errors import ShoplensError

F = TypeVar("F", bound=Callable[..., Any])


def out_of_memory(exc: duckdb.OutOfMemoryException, settings: Any, where: str | None = None) -> ShoplensError:
    full = disk_full_error(exc, temp_cap_set=settings is not None and settings.max_temp_directory_size is not None)
    if full is not None:  # DuckDB's own temp cap is the disk's free space: that disk is full
        return full
    first = str(exc).splitlines()[0].removeprefix("Out of Memory Error: ")
    limit = f"{settings.memory_limit / 2**20:,.0f} MiB" if settings is not None else "the memory limit"
    spill = "max_temp_directory_size" in str(exc) or "temp" in first.lower()
    what = (f"the temp folder ran out of room for what does not fit in {limit} ({first})" if spill
            else f"this needs more memory than the warehouse may use ({limit}: {first})")
    zh_what = (f"临时文件夹空间不足，放不下超出 {limit} 内存的数据（{first}）" if spill
               else f"所需内存超过仓库允许的上限（{limit}：{first}）")
    return ShoplensError(
        what, where=where,
        hint="raise memory_limit or max_temp_directory_size in the warehouse: section of shoplens.yaml (or "
        "SHOPLENS_MEMORY_LIMIT / SHOPLENS_MAX_TEMP_DIRECTORY_SIZE), or point temp_directory at a disk with room; "
        "nothing was written",
        zh=zh_what,
        zh_hint="在 shoplens.yaml 的 warehouse: 部分调大 memory_limit 或 max_temp_directory_size（或环境变量 "
        "SHOPLENS_MEMORY_LIMIT / SHOPLENS_MAX_TEMP_DIRECTORY_SIZE），或把 temp_directory 指向空间充足的磁盘；"
        "本次没有写入任何数据")


def within_memory_limit(where: Callable[..., str | None]) -> Callable[[F], F]:
    """Decorate a writer whose first argument is the Warehouse: DuckDB running out of memory becomes
    :func:`out_of_memory`, placed by ``where(*args)`` (e.g. the file being imported)."""
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except duckdb.OutOfMemoryException as exc:
                raise out_of_memory(exc, getattr(args[0], "settings", None), where(*args)) from None
        return run  # type: ignore[return-value]
    return decorate
