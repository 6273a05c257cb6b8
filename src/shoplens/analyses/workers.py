"""Analysis work two tasks at a time, each on a DuckDB cursor of its own: while one task waits for DuckDB (which
releases the GIL) the other compiles its SQL. Root cause reads its dimensions this way; an alert check its rules
and their root causes."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import copy_context
from typing import Any


class Workers:
    """``submit(task)`` runs ``task(engine)`` on a pool of ``threads``, with an engine of the same kind, catalog
    and targets as ``engine`` over a cursor of ``wh`` (the caller's context variables go along)."""

    def __init__(self, wh: Any, engine: Any, threads: int = 2, name: str = "shoplens") -> None:
        self.wh, self.engine = wh, engine
        self.version = wh.data_version()  # what every task's engine keys its caches on (Warehouse.borrowed)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, task: Callable[[Any], Any]) -> Any:
        with self.wh.borrowed(self.version) as view:  # a cursor set up once, lent task after task
            return task(type(self.engine)(view, self.engine.catalog, self.engine.targets))

    def submit(self, task: Callable[[Any], Any]) -> Future[Any]:
        return self.pool.submit(copy_context().run, self._run, task)
