"""Replenishment (issue #16): safety stock, reorder point and order quantity per SKU on sale."""

from shoplens.analyses.replenish.run import ReplenishResult, replenish

__all__ = ["ReplenishResult", "replenish"]
