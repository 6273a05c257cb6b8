"""shoplens: operations analytics for cross-border e-commerce sellers (跨境电商精细化运营分析).

The Python API is the one the CLI uses::

    import shoplens
    with shoplens.connect("shop.duckdb") as wh:
        summary = shoplens.import_files(wh, ["orders.csv"], table="orders", store="tmall",
                                        currency="CNY", timezone="Asia/Shanghai")
        print(shoplens.info(wh).to_dict())
    print(shoplens.funnel(wh, "product_view,add_to_cart,purchase", window="7d").to_pandas())

Every analysis returns a typed result: ``.to_dict()`` is the CLI's JSON, ``.to_pandas()`` a table.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__version__ = "0.1.0"


def connect(path: str | None = None, *, read_only: bool = False, lake: str | None = None) -> Any:
    """Open (or create) the warehouse at ``path`` (default ``$SHOPLENS_DB`` or ./shoplens.duckdb); or, with
    ``lake``, read the lake of Parquet files in that folder (always read-only: :mod:`shoplens.warehouse.lake_open`)."""
    from shoplens.warehouse.connection import Warehouse

    if lake is not None:
        return Warehouse(read_only=True, lake=lake)
    return Warehouse(path, read_only=read_only)


def export_lake(wh: Any, to: Any) -> Any:
    """Write what changed since the last export into the lake at ``to`` (:func:`shoplens.warehouse.lake_export`)."""
    from shoplens.warehouse.lake_export import export_lake as run

    return run(wh, to)


def import_files(*args: Any, **kwargs: Any) -> Any:
    """See :func:`shoplens.ingest.pipeline.import_files`."""
    from shoplens.ingest.pipeline import import_files as run

    return run(*args, **kwargs)


def undo_import(wh: Any, import_id: int) -> Any:
    """Take import ``import_id`` back out, restoring what it replaced (:func:`shoplens.ingest.undo.undo_import`)."""
    from shoplens.ingest.undo import undo_import as run

    return run(wh, import_id)


def stores(wh: Any) -> Any:
    """Every store with settings, row counts and imports (:func:`shoplens.warehouse.stores.list_stores`)."""
    from shoplens.warehouse.stores import list_stores

    return list_stores(wh.con)


def store_info(wh: Any, store_id: str) -> Any:
    """One store: tables, span, quarantine and imports (:func:`shoplens.warehouse.stores.store_detail`)."""
    from shoplens.warehouse.stores import store_detail

    return store_detail(wh.con, store_id)


def rename_store(wh: Any, store_id: str, new_id: str) -> Any:
    """Rename a store everywhere in one transaction (:func:`shoplens.warehouse.stores.rename_store`)."""
    from shoplens.warehouse.stores import rename_store as run

    return run(wh.con, store_id, new_id)


def delete_store(wh: Any, store_id: str) -> Any:
    """Remove every row of a store in one transaction; asks nothing (:func:`shoplens.warehouse.stores.delete_store`)."""
    from shoplens.warehouse.stores import delete_store as run

    return run(wh.con, store_id)


def info(wh: Any, store: str | None = None) -> Any:
    """Row counts and time ranges per table (see :func:`shoplens.warehouse.info.warehouse_info`)."""
    from shoplens.warehouse.info import warehouse_info

    return warehouse_info(wh, store)


def metrics(wh: Any, metrics: list[str] | str, **kwargs: Any) -> Any:
    """A metric query as a DataFrame (see :meth:`shoplens.metrics.MetricsEngine.query` for the options)."""
    from shoplens.analyses.segments import SegmentMetricsEngine

    return SegmentMetricsEngine(wh).query(metrics, **kwargs).to_pandas()


def values(wh: Any, dim: str, **kwargs: Any) -> Any:
    """A dimension's values with row counts, most first (``store=``, ``start=``/``end=``, ``limit=``;
    :func:`shoplens.metrics.values.list_values`): what filters, steps and segment rules accept."""
    from shoplens.metrics.values import list_values

    return list_values(wh, dim=dim, **kwargs)


def funnel(wh: Any, steps: str | list[str], **kwargs: Any) -> Any:
    """Funnel step counts, conversions, step times, breakdown, trend (:func:`shoplens.analyses.funnel.funnel`)."""
    from shoplens.analyses.funnel import funnel as run

    return run(wh, steps, **kwargs)


def funnel_dropped(wh: Any, steps: str | list[str], step: int, **kwargs: Any) -> Any:
    """Users who reached step ``step - 1`` but not ``step`` (:func:`shoplens.analyses.funnel.funnel_dropped`)."""
    from shoplens.analyses.funnel import funnel_dropped as run

    return run(wh, steps, step, **kwargs)


def retention(wh: Any, **kwargs: Any) -> Any:
    """Retention / repurchase cohorts (:func:`shoplens.analyses.retention.retention`)."""
    from shoplens.analyses.retention import retention as run

    return run(wh, **kwargs)


def paths(wh: Any, **kwargs: Any) -> Any:
    """Next / previous steps within sessions, Sankey-ready (:func:`shoplens.analyses.paths.paths`)."""
    from shoplens.analyses.paths import paths as run

    return run(wh, **kwargs)


def anomalies(wh: Any, metrics: Any = None, **kwargs: Any) -> Any:
    """Days on which a metric left the band of its own history (:func:`shoplens.analyses.anomalies.anomalies`)."""
    from shoplens.analyses.anomalies import anomalies as run

    return run(wh, metrics, **kwargs)


def alerts_check(wh: Any, **kwargs: Any) -> Any:
    """Check every enabled alert rule for a day and store what fired (:func:`shoplens.analyses.alerts.alerts_check`)."""
    from shoplens.analyses.alerts import alerts_check as run

    return run(wh, **kwargs)


def alerts_list(wh: Any, **kwargs: Any) -> Any:
    """Stored alerts, filtered by status, days and stores (:func:`shoplens.analyses.alerts.alerts_list`)."""
    from shoplens.analyses.alerts import alerts_list as run

    return run(wh, **kwargs)


def alerts_ack(wh: Any, alert_id: int, note: str | None = None, **kwargs: Any) -> Any:
    """Acknowledge an alert; the note goes into its history (:func:`shoplens.analyses.alerts.alerts_ack`)."""
    from shoplens.analyses.alerts import alerts_ack as run

    return run(wh, alert_id, note, **kwargs)


def alerts_resolve(wh: Any, alert_id: int, note: str | None = None, **kwargs: Any) -> Any:
    """Resolve an alert; the note goes into its history (:func:`shoplens.analyses.alerts.alerts_resolve`)."""
    from shoplens.analyses.alerts import alerts_resolve as run

    return run(wh, alert_id, note, **kwargs)


def alerts_send(wh: Any, **kwargs: Any) -> Any:
    """Deliver the open alerts not yet delivered to their channels (:func:`shoplens.analyses.notify.alerts_send`)."""
    from shoplens.analyses.notify import alerts_send as run

    return run(wh, **kwargs)


def notify_test(channel: str, config: Any = None) -> Any:
    """Send a test message to one ``notify:`` channel: (where it went, the outcome with the platform's answer)."""
    from shoplens.analyses.notify import notify_test as run

    return run(channel, config)


def alerts_rules(config: Any = None) -> Any:
    """The effective alert rules (:func:`shoplens.analyses.alerts.alerts_rules`)."""
    from shoplens.analyses.alerts import alerts_rules as run

    return run(config)


def action_add(wh: Any, **kwargs: Any) -> Any:
    """Log an action (title, metric, scope ``dim=value``, day, …) (:func:`shoplens.analyses.actions.action_add`)."""
    from shoplens.analyses.actions import action_add as run

    return run(wh, **kwargs)


def action_list(wh: Any, **kwargs: Any) -> Any:
    """Logged actions, newest day first (:func:`shoplens.analyses.actions.action_list`)."""
    from shoplens.analyses.actions import action_list as run

    return run(wh, **kwargs)


def action_effect(wh: Any, action_id: int, **kwargs: Any) -> Any:
    """An action's measured effect: difference-in-differences with an interval, in words
    (:func:`shoplens.analyses.actions.action_effect`)."""
    from shoplens.analyses.actions import action_effect as run

    return run(wh, action_id, **kwargs)


def action_remove(wh: Any, action_id: int, **kwargs: Any) -> Any:
    """Mark an action removed (:func:`shoplens.analyses.actions.action_remove`)."""
    from shoplens.analyses.actions import action_remove as run

    return run(wh, action_id, **kwargs)


def brief(wh: Any, **kwargs: Any) -> Any:
    """The daily brief of one store (``day=``, ``store=``) as a report: ``.to_dict()`` its JSON,
    ``.render("markdown" | "html" | "pdf", lang)`` the text or PDF bytes (:func:`shoplens.analyses.brief.brief`)."""
    from shoplens.analyses.brief import brief as run

    return run(wh, **kwargs)


def review(wh: Any, **kwargs: Any) -> Any:
    """The weekly review of one store (``week="2026-W43"`` or a date in it, ``store=``) as a report, like
    :func:`brief` (:func:`shoplens.analyses.review.review`)."""
    from shoplens.analyses.review import review as run

    return run(wh, **kwargs)


def recommend(wh: Any, **kwargs: Any) -> Any:
    """Recommendations for a day from the rule catalog (:func:`shoplens.analyses.recommend.recommend`)."""
    from shoplens.analyses.recommend import recommend as run

    return run(wh, **kwargs)


def rfm(wh: Any, **kwargs: Any) -> Any:
    """RFM tiers with sizes and GMV shares (:func:`shoplens.analyses.rfm.rfm`; lists: ``rfm.customers``)."""
    from shoplens.analyses.rfm import rfm as run

    return run(wh, **kwargs)


def rfm_customers(wh: Any, tier: str | None = None, **kwargs: Any) -> Any:
    """Per-customer R/F/M, scores and tier (:func:`shoplens.analyses.rfm.customers`)."""
    from shoplens.analyses.rfm import customers

    return customers(wh, tier, **kwargs)


def win_back(wh: Any, days: int = 90, **kwargs: Any) -> Any:
    """Customers with no paid order for ``days`` days or more (:func:`shoplens.analyses.rfm.win_back`)."""
    from shoplens.analyses.rfm import win_back as run

    return run(wh, days, **kwargs)


def why(wh: Any, metric: str, **kwargs: Any) -> Any:
    """Root cause of a metric's change: factors, dimensions, a sentence (:func:`shoplens.analyses.why.why`)."""
    from shoplens.analyses.why import why as run

    return run(wh, metric, **kwargs)


def products_roles(wh: Any, **kwargs: Any) -> Any:
    """Role of every on-sale SKU (hero, traffic driver, potential, profit, slow mover, new, normal) against its
    category's medians (``start=``, ``end=``, ``store=``, ``config=``; :func:`shoplens.analyses.products.roles`)."""
    from shoplens.analyses.products.roles import product_roles

    return product_roles(wh, **kwargs)


def save_segment(wh: Any, name: str, rule: str | dict[str, Any], description: str | None = None) -> Any:
    """Save (or replace) a named segment from rule text or a JSON tree (needs a writable warehouse)."""
    from shoplens.analyses.segments import save_segment as run

    return run(wh, name, rule, description)


def segments(wh: Any) -> Any:
    """The saved segments."""
    from shoplens.analyses.segments import list_segments

    return list_segments(wh)


def segment_members(wh: Any, segment: str | dict[str, Any], *, store: Any = None, as_of: Any = None,
                    limit: int | None = None) -> Any:
    """Members (``store_id, user_id``) of a saved segment, rule text or tree, as a DataFrame.

    ``as_of``: a date (or ``YYYY-MM-DD``) to evaluate at, nothing later counting; ``limit``: the
    first N members (None/0 = all). Bad values raise :class:`shoplens.errors.ShoplensError`.
    """
    from shoplens.analyses.context import open_context
    from shoplens.analyses.segments import members
    from shoplens.analyses.segments.compile import check_day

    as_of = check_day(as_of, "as_of")  # before the warehouse is read
    return members(open_context(wh, store=store), segment, as_of, limit)


def segment_profile(wh: Any, segment: str | dict[str, Any], *, store: Any = None, as_of: Any = None,
                    top: int = 5) -> Any:
    """Size, share of users, top ``top`` countries/channels/devices/tiers and GMV share of a segment."""
    from shoplens.analyses.context import open_context
    from shoplens.analyses.segments import profile
    from shoplens.analyses.segments.compile import check_day

    as_of = check_day(as_of, "as_of")
    return profile(open_context(wh, store=store), segment, as_of, top=top)


def user_timeline(wh: Any, user_id: str, **kwargs: Any) -> Any:
    """One user's profile, lifecycle, RFM tier and time-ordered history (:func:`shoplens.analyses.timeline`)."""
    from shoplens.analyses.timeline import user_timeline as run

    return run(wh, user_id, **kwargs)


def products_trial(wh: Any, **kwargs: Any) -> Any:
    """New-product trial (新品测款): new SKUs' first N days against recent launches, with verdicts
    (:func:`shoplens.analyses.products.trial.products_trial`)."""
    from shoplens.analyses.products.trial import products_trial as run

    return run(wh, **kwargs)


def replenish(wh: Any, **kwargs: Any) -> Any:
    """Safety stock, reorder point and order quantity per SKU on sale
    (:func:`shoplens.analyses.replenish.replenish`)."""
    from shoplens.analyses.replenish import replenish as run

    return run(wh, **kwargs)


def forecast(wh: Any, products: Any = None, **kwargs: Any) -> Any:
    """Units per SKU with 80/95 % intervals, method chosen by backtest (:func:`shoplens.analyses.forecast.forecast`)."""
    from shoplens.analyses.forecast import forecast as run

    return run(wh, products, **kwargs)


def products_abc(wh: Any, by: str = "gmv", **kwargs: Any) -> Any:
    """ABC classes of one store's merchandise SKUs (:func:`shoplens.analyses.products.abc.products_abc`)."""
    from shoplens.analyses.products.abc import products_abc as run

    return run(wh, by, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "MetricsEngine":  # imported lazily: Ibis costs ~0.5 s to import
        from shoplens.analyses.segments import SegmentMetricsEngine  # the engine, with segments as filters

        return SegmentMetricsEngine
    raise AttributeError(name)


__all__ = ["MetricsEngine", "__version__", "action_add", "action_effect", "action_list", "action_remove",
           "alerts_ack", "alerts_check", "alerts_list", "alerts_resolve",
           "alerts_rules", "alerts_send", "anomalies", "brief", "connect", "delete_store", "forecast",
           "funnel", "funnel_dropped",
           "import_files", "info", "metrics", "notify_test", "paths", "products_abc", "products_roles",
           "products_trial", "recommend", "rename_store", "replenish", "retention",
           "review", "rfm",
           "rfm_customers",
           "save_segment", "segment_members", "segment_profile", "segments", "store_info", "stores", "undo_import",
           "user_timeline", "values", "why", "win_back"]


class _Package(types.ModuleType):
    """Keeps ``shoplens.metrics`` the API function once the ``shoplens.metrics`` subpackage is imported.

    Importing a submodule binds it as an attribute of its package, which would replace the function
    the first time any analysis imports ``shoplens.metrics.*``. The subpackage stays importable by
    name (``import shoplens.metrics.engine``, ``from shoplens.metrics import MetricsEngine``).
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "metrics" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
