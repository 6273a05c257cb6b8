"""Answers of read requests kept per data version, computed once even when many ask at the same time.

A dashboard asks the same questions again and again (every user opening the same page), and a
funnel over 10 M events takes seconds. The key is the route, its query parameters, the stores the
login may see and the warehouse's data version: the latest import and the saved segments (a
re-saved segment changes its answers without an import). Any import or segment save therefore
starts afresh. Identical requests that arrive while the first is being computed wait for it
("single flight") instead of computing it again. The answer is kept as the JSON text sent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import Request

SIZE = 512  # answers kept (least recently used dropped first)


def data_version(wh: Any) -> tuple[Any, ...]:
    """The warehouse's data version plus the saved segments (a re-saved segment changes answers, no import)."""
    segments = wh.con.execute("SELECT count(*), max(updated_at) FROM segments").fetchone()
    return (*wh.data_version(), *(segments or ()))


class ResultCache:
    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._done: OrderedDict[Any, Any] = OrderedDict()
        self._running: dict[Any, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        while True:
            with self._lock:
                if key in self._done:
                    self._done.move_to_end(key)
                    return self._done[key]
                waiting = self._running.get(key)
                if waiting is None:
                    self._running[key] = threading.Event()
                    break
            waiting.wait()  # someone else computes it; an error there lets the next caller try
        try:
            value = compute()
            with self._lock:
                self._done[key] = value
                while len(self._done) > self.size:
                    self._done.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._running.pop(key).set()

    def clear(self) -> None:
        with self._lock:
            self._done.clear()


RESULTS = ResultCache()


def request_key(request: Request, wh: Any, stores: list[str]) -> tuple[Any, ...]:
    """Route + query parameters (order-free) + the stores answered for + the data version."""
    params = tuple(sorted(request.query_params.multi_items()))
    return (request.url.path, params, tuple(stores), data_version(wh))
