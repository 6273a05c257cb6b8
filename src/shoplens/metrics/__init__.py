"""The metrics engine: a declarative KPI catalog compiled to warehouse queries (see engine.py)."""

from shoplens.metrics.engine import MetricResult, MetricsEngine
from shoplens.metrics.spec import Catalog, load_catalog

__all__ = ["Catalog", "MetricResult", "MetricsEngine", "load_catalog"]
