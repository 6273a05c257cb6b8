"""Anomaly detection (issue #12): daily series from the metrics engine, judged by :mod:`.detect`."""

from shoplens.analyses.anomalies.query import DEFAULT_METRICS, AnomalyResult, anomalies

__all__ = ["DEFAULT_METRICS", "AnomalyResult", "anomalies"]
