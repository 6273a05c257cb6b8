"""Which store an import writes to, its time zone and currencies, created on first import."""

from __future__ import annotations

from dataclasses import dataclass

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
    if row:
        # a preset knows its file's clock and money (e.g. CDNOW is US dollars) even in an existing store
        return StoreContext(store_id, row[0], row[1], tz or preset_timezone or row[0],
                            cur or preset_currency or row[1], row[2], True)
    new_tz = tz or preset_timezone or "UTC"
    new_cur = cur or preset_currency or "USD"
    return StoreContext(store_id, new_tz, new_cur, new_tz, new_cur, platform, False)


def create_store(con: duckdb.DuckDBPyConnection, ctx: StoreContext, import_id: int) -> None:
    con.execute("INSERT INTO stores (store_id, name, platform, reporting_currency, timezone, _import_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [ctx.store_id, ctx.store_id, ctx.platform, ctx.reporting_currency, ctx.timezone, import_id])
