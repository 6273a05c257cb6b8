"""Demo data: a realistic, deterministic cross-border store (see :mod:`shoplens.demo.build`)."""

from shoplens.demo.build import DemoSummary, build_demo, demo_store_ids

__all__ = ["DemoSummary", "build_demo", "demo_store_ids"]
