"""shoplens: operations analytics for cross-border e-commerce sellers (跨境电商精细化运营分析).

The Python API is the one the CLI uses::

    import shoplens
    with shoplens.connect("shop.duckdb") as wh:
        summary = shoplens.import_files(wh, ["orders.csv"], table="orders", store="tmall")
        print(shoplens.info(wh).to_dict())
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def connect(path: str | None = None, *, read_only: bool = False) -> Any:
    """Open (or create) the warehouse at ``path`` (default ``$SHOPLENS_DB`` or ./shoplens.duckdb)."""
    from shoplens.warehouse.connection import Warehouse

    return Warehouse(path, read_only=read_only)


def import_files(*args: Any, **kwargs: Any) -> Any:
    """See :func:`shoplens.ingest.pipeline.import_files`."""
    from shoplens.ingest.pipeline import import_files as run

    return run(*args, **kwargs)


def info(wh: Any, store: str | None = None) -> Any:
    """Row counts and time ranges per table (see :func:`shoplens.warehouse.info.warehouse_info`)."""
    from shoplens.warehouse.info import warehouse_info

    return warehouse_info(wh, store)


def metrics(wh: Any, metrics: list[str] | str, **kwargs: Any) -> Any:
    """A metric query as a DataFrame (see :meth:`shoplens.metrics.MetricsEngine.query` for the options)."""
    from shoplens.metrics import MetricsEngine

    return MetricsEngine(wh).query(metrics, **kwargs).to_pandas()


def __getattr__(name: str) -> Any:
    if name == "MetricsEngine":  # imported lazily: Ibis costs ~0.5 s to import
        from shoplens.metrics import MetricsEngine

        return MetricsEngine
    raise AttributeError(name)


__all__ = ["MetricsEngine", "__version__", "connect", "import_files", "info", "metrics"]
