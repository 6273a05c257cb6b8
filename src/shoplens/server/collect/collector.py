"""The collector's memory: events waiting for their flush, ids already taken, token buckets, bot counts.

Events are answered at once and written in batches by one background thread: every ``collect_flush_seconds``
(or as soon as ``collect_flush_events`` wait) each store's waiting events become one JSON Lines file that the
ordinary import pipeline loads (same validation, quarantine, manifest row and rollup refresh as ``shoplens
import events FILE``), in one transaction: a flush lands whole or not at all. A store's failed flush is tried
again (the other stores land meanwhile); after ``TRIES`` failures in a row its events are parked in
``failed-*.jsonl`` beside the warehouse and logged, never retried forever (docs/collector.md).

Dedup: an event_id is taken when it is in the warehouse already or was accepted by this process (kept in
memory, ``RECENT`` ids per store at most); both are checked while the request is answered, so a re-sent
batch is answered as duplicates and writes nothing.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.warehouse.sources import COLLECTOR  # the manifest's preset and file of every flush: one source

LOG = logging.getLogger("shoplens.collect")
RECENT = 2_000_000  # event ids per store remembered by this process (beyond: the warehouse answers)
TRIES = 3  # failed flushes in a row before a store's batch is parked in a file
WARM_EVERY = 30.0  # seconds: the dashboard's warm-up runs again after new events at most this often


@dataclass
class Bucket:
    tokens: float
    last: float


@dataclass
class Collector:
    state: Any  # shoplens.server.deps.ServerState
    folder: Path  # where flush files are written (beside the warehouse)
    settings: Any  # ServerSettings
    pending: dict[str, list[Any]] = field(default_factory=dict)
    recent: dict[str, dict[str, None]] = field(default_factory=dict)
    bots: Counter[str] = field(default_factory=Counter)
    flushed: Counter[str] = field(default_factory=Counter)  # events handed to the pipeline, per store
    failures: Counter[str] = field(default_factory=Counter)  # failed flushes in a row, per store
    parked: Counter[str] = field(default_factory=Counter)  # events kept in failed-*.jsonl files, per store
    buckets: dict[str, Bucket] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    wake: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    flush_lock: threading.Lock = field(default_factory=threading.Lock)
    last_warm: float = 0.0
    sequence: int = 0
    thread: threading.Thread | None = None

    # --- while answering a request

    def allow(self, key_id: str, events: int) -> float:
        """0 when ``events`` may come now (tokens taken), else seconds until they may."""
        rate, burst = self.settings.collect_rate, self.settings.collect_burst
        now = time.monotonic()
        with self.lock:
            bucket = self.buckets.setdefault(key_id, Bucket(float(burst), now))
            bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.last) * rate)
            bucket.last = now
            if bucket.tokens >= events:
                bucket.tokens -= events
                return 0.0
            return max(0.001, (events - bucket.tokens) / rate)

    def stored_ids(self, store: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` the warehouse holds for ``store`` (on a read cursor: runs beside a flush)."""
        if not ids:
            return set()
        view = self.state.wh.cursor()
        try:
            rows = view.con.execute("SELECT event_id FROM events WHERE store_id = ? AND event_id IN"
                                    " (SELECT unnest(?::VARCHAR[]))", [store, ids]).fetchall()
        finally:
            view.close()
        return {r[0] for r in rows}

    def add(self, store: str, rows: list[tuple[Any, str | None, str | None]], stored: set[str]) -> list[str]:
        """Queue ``rows`` ((file row, reason, event_id)) -> each one's fate: accepted, duplicate or its reason."""
        fates: list[str] = []
        with self.lock:
            seen = self.recent.setdefault(store, {})
            queue = self.pending.setdefault(store, [])
            for row, reason, event_id in rows:
                if reason is None and event_id is not None and (event_id in seen or event_id in stored):
                    fates.append("duplicate")
                    continue
                queue.append(row)  # refused rows too: the pipeline quarantines them with their reason
                if reason is None:
                    seen[event_id] = None  # type: ignore[index]
                    fates.append("accepted")
                else:
                    fates.append(reason)
            while len(seen) > RECENT:
                del seen[next(iter(seen))]
            waiting = sum(len(q) for q in self.pending.values())
        if waiting >= self.settings.collect_flush_events:
            self.wake.set()
        return fates

    # --- the flusher

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for left in self.folder.glob("collect-*.jsonl"):  # a killed server's flush: committed whole or not at all
            left.unlink(missing_ok=True)
        self.thread = threading.Thread(target=self._run, name="shoplens-collect-flush", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Flush what waits, then end the thread (a batch that still fails is parked: nothing retries it later)."""
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=120)
        try:
            self.flush(final=True)
        except Exception:  # its batch is parked (logged): the warehouse still closes
            LOG.exception("collector: the last flush failed")

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.wake.wait(self.settings.collect_flush_seconds)
            self.wake.clear()
            try:
                self.flush()
            except Exception:  # logged; the events wait for the next try
                LOG.exception("collector flush failed; retrying")
                time.sleep(1)

    def flush(self, final: bool = False) -> int:
        """Write every store's waiting events, one import per store, each on its own: a store whose import fails
        gets its events back (in order, before newer ones) and the other stores still land; the first failure is
        raised once every store was tried. After ``TRIES`` failures in a row (or any failure when ``final``) a
        store's batch is parked in a file beside the warehouse instead. Returns events written."""
        with self.flush_lock:
            with self.lock:
                batches, self.pending = self.pending, {}
            done, failure = 0, None
            todo = [(store, rows) for store, rows in batches.items() if rows]
            for position, (store, rows) in enumerate(todo):
                try:
                    self._import(store, rows)
                except ShoplensError as exc:  # the data cannot be imported (its store deleted): a retry won't help
                    self._park(store, rows, exc.render("en"))
                    continue
                except Exception as exc:
                    failure = failure or exc
                    self._failed(store, rows, exc, final)
                    continue
                except BaseException:  # Ctrl-C and the like: every batch not written goes back, then it goes on
                    for left, waiting in reversed(todo[position:]):
                        self._put_back(left, waiting)
                    raise
                done += len(rows)
                with self.lock:
                    self.flushed[store] += len(rows)
                    self.failures.pop(store, None)
            if done:
                self._after_write()
            if failure is not None:
                raise failure
            return done

    def _put_back(self, store: str, rows: list[Any]) -> None:
        with self.lock:  # back to the front of the queue, in order
            self.pending[store] = rows + self.pending.get(store, [])

    def _failed(self, store: str, rows: list[Any], exc: Exception, final: bool) -> None:
        with self.lock:
            self.failures[store] += 1
            tries = self.failures[store]
        if final or tries >= TRIES:
            self._park(store, rows, f"{type(exc).__name__}: {exc} (try {tries})")
        else:
            self._put_back(store, rows)

    def _park(self, store: str, rows: list[Any], why: str) -> None:
        """Keep a batch that will not land in ``failed-STORE-TIME-N.jsonl`` beside the warehouse (ASCII JSON Lines:
        writing it cannot fail on its text), importable by hand once the cause is fixed; its ids are forgotten so a
        client's resend is judged by the warehouse again."""
        self.sequence += 1
        path = self.folder / f"failed-{_safe(store)}-{_stamp()}-{self.sequence}.jsonl"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="ascii")
        except OSError:
            LOG.exception("collector: %s events of store %s could not be parked in %s; kept in memory",
                          len(rows), store, path)
            self._put_back(store, rows)
            return
        with self.lock:
            self.failures.pop(store, None)
            self.parked[store] += len(rows)
            seen = self.recent.get(store, {})
            for row in rows:
                if isinstance(row, dict):
                    seen.pop(row.get("event_id"), None)
        LOG.error("collector: %s events of store %s did not land (%s); kept in %s - import them once the cause is "
                  "fixed: shoplens import events %s --store %s", len(rows), store, why, path, path, store)

    def _import(self, store: str, rows: list[Any]) -> None:
        from shoplens.ingest.pipeline import import_files

        self.sequence += 1
        path = self.folder / f"collect-{_safe(store)}-{_stamp()}-{self.sequence}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(_line(row))
        try:
            with self.state.lock:
                import_files(self.state.wh, [path], table="events", store=store, source_label=COLLECTOR)
                self.state.generation += 1
        finally:
            path.unlink(missing_ok=True)

    def _after_write(self) -> None:
        """The dashboard's warm-up (and other hooks) after new events: at most every ``WARM_EVERY`` seconds."""
        now = time.monotonic()
        if now - self.last_warm < WARM_EVERY:
            return
        self.last_warm = now
        for hook in self.state.after_write:
            hook()

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"waiting": {s: len(q) for s, q in self.pending.items() if q}, "flushed": dict(self.flushed),
                    "bots": dict(self.bots), "parked": dict(self.parked)}


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")


def _line(row: Any) -> str:
    """One JSON line; text that UTF-8 cannot hold (a refused lone surrogate) escaped, for the reader to refuse."""
    text = json.dumps(row, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(row)
    return text + "\n"


def _safe(store: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in store)[:40]
