"""The canonical data model (see docs/data-model.md, rendered from it)."""

from shoplens.model.tables import TABLES, TABLES_BY_NAME, get_table
from shoplens.model.types import Column, Kind, Table

__all__ = ["TABLES", "TABLES_BY_NAME", "Column", "Kind", "Table", "get_table"]
