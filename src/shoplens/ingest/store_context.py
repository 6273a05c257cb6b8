"""Which store an import writes to, its time zone and currencies, created on first import."""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

from shoplens.errors import ShoplensError
from shoplens.model.vocab import ISO_4217


@dataclass
class StoreContext:
    store_id: str
    timezone: str  # the store's own zone: days, fx dates
    reporting_currency: str
    parse_timezone: str  # naive timestamps in the files are read in this zone (--timezone)
    file_currency: str  # money without a currency column is in this currency (--currency)
    platform: str
    exists: bool
    explicit_timezone: str | None = None  # from --timezone or the preset: how to read this import's files
    explicit_currency: str | None = None  # from --currency or the preset

    def refreshed(self, con: duckdb.DuckDBPyConnection) -> StoreContext:
        """Re-read the store row (a stores file in this import may have set its zone and currency)."""
        row = con.execute("SELECT timezone, reporting_currency, platform FROM stores WHERE store_id = ?",
                          [self.store_id]).fetchone()
        if not row:
            return self
        return replace(self, timezone=row[0], reporting_currency=row[1], platform=row[2],
                       parse_timezone=self.explicit_timezone or row[0],
                       file_currency=self.explicit_currency or row[1])

    @property
    def defaults(self) -> dict[str, str]:
        """What ``$…`` placeholders in column defaults and preset SQL stand for."""
        return {"$store": self.store_id, "$store_currency": self.file_currency,
                "$timezone": self.parse_timezone}


def check_timezone(con: duckdb.DuckDBPyConnection, tz: str) -> str:
    row = con.execute("SELECT name FROM pg_timezone_names() WHERE name = ? OR lower(name) = lower(?) "
                      "ORDER BY name = ? DESC LIMIT 1", [tz, tz, tz]).fetchone()
    if not row:
        raise ShoplensError(f"unknown time zone {tz!r}", hint="use an IANA name such as Asia/Shanghai or UTC",
                            zh=f"未知的时区 {tz!r}", zh_hint="请使用 IANA 时区名，如 Asia/Shanghai 或 UTC")
    return str(row[0])


def check_currency(code: str) -> str:
    up = code.strip().upper()
    up = "CNY" if up == "RMB" else up
    if up not in ISO_4217:
        raise ShoplensError(f"unknown currency {code!r}", hint="use an ISO-4217 code such as USD, CNY, EUR, GBP",
                            zh=f"未知的币种 {code!r}", zh_hint="请使用 ISO-4217 币种代码，如 USD, CNY, EUR, GBP")
    return up


def resolve_store(con: duckdb.DuckDBPyConnection, store_id: str, *, timezone: str | None,
                  currency: str | None, preset_timezone: str | None = None,
                  preset_currency: str | None = None, platform: str = "other") -> StoreContext:
    """Read the store, or describe the one this import will create (UTC/USD unless told)."""
    if not store_id or not store_id.strip():
        raise ShoplensError("empty store id", hint="pass --store ID",
                            zh="店铺 ID 为空", zh_hint="用 --store ID 指定店铺")
    tz = check_timezone(con, timezone) if timezone else None
    cur = check_currency(currency) if currency else None
    row = con.execute("SELECT timezone, reporting_currency, platform FROM stores WHERE store_id = ?",
                      [store_id]).fetchone()
    # a preset knows its file's clock and money (e.g. CDNOW is US dollars) even in an existing store
    explicit_tz, explicit_cur = tz or preset_timezone, cur or preset_currency
    if row:
        return StoreContext(store_id, row[0], row[1], explicit_tz or row[0], explicit_cur or row[1], row[2],
                            True, explicit_tz, explicit_cur)
    new_tz, new_cur = explicit_tz or "UTC", explicit_cur or "USD"
    return StoreContext(store_id, new_tz, new_cur, new_tz, new_cur, platform, False, explicit_tz, explicit_cur)


def create_store(con: duckdb.DuckDBPyConnection, ctx: StoreContext, import_id: int) -> None:
    con.execute("INSERT INTO stores (store_id, name, platform, reporting_currency, timezone, _import_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [ctx.store_id, ctx.store_id, ctx.platform, ctx.reporting_currency, ctx.timezone, import_id])
