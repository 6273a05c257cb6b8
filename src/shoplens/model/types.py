"""The building blocks of the canonical data model: column and table specs.

The model is data, not code paths: validation SQL, warehouse DDL and docs/data-model.md are all
generated from these specs, so a column is described exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """Logical column types; each maps to one DuckDB type and one parser."""

    STRING = "string"
    INT = "int"
    MONEY = "money"  # DECIMAL(18,4) in the row's own currency
    DECIMAL = "decimal"  # DECIMAL(18,4) for non-money numbers (scores)
    RATE = "rate"  # DECIMAL(18,8): exchange rates
    BOOL = "bool"
    TIMESTAMP = "timestamp"  # stored naive in UTC
    DATE = "date"  # a local calendar date in the store's time zone
    JSON = "json"
    CURRENCY = "currency"  # ISO-4217 code, upper-cased
    TIMEZONE = "timezone"  # IANA name
    CHANNEL = "channel"  # the normalised channel vocabulary, synonyms accepted
    EVENT = "event"  # standard event names or a custom snake_case name


SQL_TYPES: dict[Kind, str] = {
    Kind.STRING: "VARCHAR",
    Kind.INT: "BIGINT",
    Kind.MONEY: "DECIMAL(18,4)",
    Kind.DECIMAL: "DECIMAL(18,4)",
    Kind.RATE: "DECIMAL(18,8)",
    Kind.BOOL: "BOOLEAN",
    Kind.TIMESTAMP: "TIMESTAMP",
    Kind.DATE: "DATE",
    Kind.JSON: "JSON",
    Kind.CURRENCY: "VARCHAR",
    Kind.TIMEZONE: "VARCHAR",
    Kind.CHANNEL: "VARCHAR",
    Kind.EVENT: "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``required``: a row without a value is quarantined. ``default``: used when the file lacks the
    column or the cell is empty (documented per column, never a silent 0 for money). ``choices``:
    the allowed values (after lower-casing); ``aliases`` maps common spellings onto them.
    ``merge``: how a re-import combines with the stored value ("replace", or "min"/"max" for
    first-seen/last-seen style columns so that import order does not matter).
    """

    name: str
    kind: Kind
    doc: str
    required: bool = False
    default: str | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    non_negative: bool = False
    minimum: float | None = None
    maximum: float | None = None
    merge: str = "replace"

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Table:
    """One canonical table. ``key`` is the natural key (always led by store_id)."""

    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    time_column: str | None = None  # what `shoplens info` reports the range of
    fx_date_column: str | None = None  # money is converted at this column's local date
    extension: bool = False  # not in DESIGN.md's table, added for a real data source
    per_store: bool = True
    derived_columns: tuple[Column, ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.all_columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Source columns followed by the columns shoplens computes (fx, lineage)."""
        return self.columns + self.derived_columns

    @property
    def money_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.kind is Kind.MONEY)

    @property
    def has_currency(self) -> bool:
        return any(c.name == "currency" for c in self.columns)

    @property
    def converts_money(self) -> bool:
        return self.fx_date_column is not None and self.has_currency and bool(self.money_columns)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required and c.default is None)
