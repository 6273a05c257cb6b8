"""Currency conversion at import: each money column gets a ``_rc`` twin in the reporting currency.

The rate is the store's ``fx_rates`` row for the row's currency on the *local* date (store time
zone) of the table's fx date column. Same currency as the store: rate 1. No rate: the row is
quarantined with reason ``missing_fx_rate`` naming currency and date; there is no implied 1.0.
"""

from __future__ import annotations

from shoplens.ingest.parse import lit
from shoplens.model import Kind, Table
from shoplens.warehouse.ddl import quote

MISSING_RATE = "fx_rate IS NULL AND currency IS NOT NULL"  # a converted row that found no rate


def local_date_sql(table: Table, alias: str, tz: str) -> str:
    col = table.column(str(table.fx_date_column))
    ref = f"{alias}.{quote(col.name)}"
    if col.kind is Kind.DATE:
        return ref
    return f"CAST(timezone({lit(tz)}, timezone('UTC', {ref})) AS DATE)"


def convert_sql(table: Table, staged: str, tz: str, reporting_currency: str) -> str:
    """SELECT of ``staged`` plus fx_rate, ``<money>_rc`` and the local ``_fx_date``."""
    day = local_date_sql(table, "o", tz)
    rate = f"(CASE WHEN o.currency = {lit(reporting_currency)} THEN 1 ELSE f.rate_to END)"
    money = ", ".join(
        # widened first: DECIMAL(18,4) * DECIMAL(18,8) stays 18 digits wide, so 1,000,000.00 * 1 overflowed
        f"CAST(round(CAST(o.{quote(c.name)} AS DECIMAL(38,4)) * {rate}, 4) AS DECIMAL(18,4)) AS {quote(c.name + '_rc')}"
        for c in table.money_columns
    )
    return (f"SELECT o.*, CAST({rate} AS DECIMAL(18,8)) AS fx_rate, {money}, {day} AS _fx_date "
            f"FROM {staged} o LEFT JOIN fx_rates f ON f.store_id = o.store_id "
            f"AND f.currency = o.currency AND f.date = {day}")
