"""Warm the answer cache with the dashboard's landing pages, when the server starts and after new data.

Without it the first people to open the dashboard after an import wait for every KPI and the default
funnel over the new data (seconds at 10 M events), all at once. A background thread computes, for
every store (the first :data:`MAX_STORES`), what the dashboard asks first: on the range it opens on
(the last 30 local days with data), the overview's KPI totals and daily rows compared with the
previous period, the anomalies of its KPI cards and trend, and the conversion page's default funnel.
It works through the same functions and the same cache as the routes
(:func:`shoplens.server.cache.answer`), taking one computing slot at a time, so it never crowds out
people's own questions.

The requests mirror ``static/pages/overview.js`` (``KPIS``) and ``static/pages/conversion.js``
(``form`` and its step picker); tests/test_dashboard_browser.py opens both pages after the warm-up and checks that the
server computed nothing new.
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

LOG = logging.getLogger("shoplens.server")

OVERVIEW_KPIS = "gmv,uv,paying_buyers,conversion_rate,customer_unit_price,uv_value,refund_rate,roi"
DEFAULT_FUNNEL = {"steps": "product_view,add_to_cart,purchase", "window": "14d", "mode": "ordered"}
LANDING_DAYS = 30
MAX_STORES = 20


def store_rows(wh: Any, store: list[str]) -> list[dict[str, Any]]:
    """``GET /stores`` rows of ``store``: time zone, currency and data range (kept per data version through
    :func:`shoplens.server.cache.answer`, like every answer)."""
    from shoplens.warehouse.info import warehouse_info

    rows = []
    for one in store:
        info = warehouse_info(wh, one).to_dict()  # its "path" (a server file) is not for clients
        rows.append({**info["stores"][0], "tables": info["tables"]})
    return rows


def last_local_day(row: dict[str, Any]) -> date | None:
    """The store's last day with events or orders, in its time zone (the dashboard's ``dataRange().max``)."""
    zone = ZoneInfo(row.get("timezone") or "UTC")
    days = []
    for table in ("events", "orders"):
        stamp = (row["tables"].get(table) or {}).get("max_ts")
        if stamp:
            moment = datetime.fromisoformat(stamp)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))
            days.append(moment.astimezone(zone).date())
    return max(days) if days else None


def landing_requests(store: str, last_day: date) -> list[tuple[Any, dict[str, Any]]]:
    """(function, options) of what the overview and conversion pages ask first for ``store``."""
    from shoplens.analyses.anomalies import anomalies
    from shoplens.analyses.funnel import funnel
    from shoplens.metrics.values import list_values
    from shoplens.server.routes_metrics import metric_query

    start, end = last_day - timedelta(days=LANDING_DAYS - 1), last_day
    return [(metric_query, {"metrics": OVERVIEW_KPIS, "start": start, "end": end, "compare": "previous"}),
            (metric_query, {"metrics": OVERVIEW_KPIS, "start": start, "end": end, "compare": "previous",
                            "grain": "day"}),
            (anomalies, {"metrics": OVERVIEW_KPIS, "start": start, "end": end, "sensitivity": "medium"}),
            (list_values, {"dim": "event", "start": start, "end": end}),  # the funnel builder's step picker
            (funnel, {**DEFAULT_FUNNEL, "start": start, "end": end})]


class Warmer:
    """A daemon thread that warms the landing pages whenever the data version moved since its last pass."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self.warmed: Any = None  # the data version of the last finished pass
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="shoplens-warmup", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self.poke()

    def stop(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=30)

    def poke(self) -> None:
        """Something was written: look again (cheap when the data version did not move, e.g. a login)."""
        self._wake.set()

    def current(self) -> Any:
        """The import version (a segment save changes no landing answer)."""
        from shoplens.server.cache import import_version

        return import_version(self.state)

    def is_warm(self) -> bool:
        return self.warmed is not None and self.warmed == self.current()

    def _loop(self) -> None:
        while not self._stop:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            try:
                version = self.current()
                if version != self.warmed:
                    self.warm()
                    self.warmed = version
            except Exception:  # a failed warm-up only costs speed; the request will say what is wrong
                LOG.exception("cache warm-up failed")

    def warm(self) -> None:
        from shoplens.server.cache import Stopping, answer
        from shoplens.server.deps import known_stores

        for store in known_stores(self.state)[:MAX_STORES]:
            if self._stop:
                return
            try:
                row = answer(self.state, [store], store_rows)[0]
            except Stopping:
                return
            last_day = last_local_day(row)
            for run, options in landing_requests(store, last_day) if last_day else []:
                if self._stop:
                    return
                try:
                    answer(self.state, [store], run, **options)
                except Stopping:  # the server stops: its computations were interrupted
                    return
                except Exception:  # one failed page (it will say why when asked) does not stop the others
                    LOG.exception("cache warm-up: %s of store %s", run.__name__, store)
