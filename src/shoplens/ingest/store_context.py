"""Which store an import writes to, its time zone and currencies, created on first import (never guessed)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

from shoplens.errors import ShoplensError
from shoplens.model.vocab import ISO_4217
from shoplens.warehouse.stores import check_store_id


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
    implied: bool = False  # no store id was given: the warehouse's only store
    pending: tuple[str, ...] = ()  # a new store's missing settings (options), which a stores file of this import sets

    def refreshed(self, con: duckdb.DuckDBPyConnection) -> StoreContext:
        """Re-read the store row (a stores file in this import may have set its zone and currency)."""
        row = con.execute("SELECT timezone, reporting_currency, platform FROM stores WHERE store_id = ?",
                          [self.store_id]).fetchone()
        if not row:
            return self
        return replace(self, timezone=row[0], reporting_currency=row[1], platform=row[2],
                       parse_timezone=self.explicit_timezone or row[0],
                       file_currency=self.explicit_currency or row[1], pending=())

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


STORE_OPTIONS = "--store ID --currency CODE --timezone TZ"
STORE_OPTIONS_NOTE = " (Python and upload form: store=, currency=, timezone=)"


def choose_store(con: duckdb.DuckDBPyConnection, candidates: list[str] | None = None) -> str:
    """The store an import without a store id goes to: the only store there is, else an error.

    A store built by ``shoplens demo`` (every manifest row preset ``demo``) is never chosen
    this way: real data must not end up in the demo by accident. ``candidates`` narrows the
    choice (the stores an API login sees).
    """
    rows = con.execute("SELECT s.store_id, coalesce(bool_and(m.preset = 'demo'), false) FROM stores s "
                       "LEFT JOIN import_manifest m USING (store_id) GROUP BY 1 ORDER BY 1").fetchall()
    if candidates is not None:
        rows = [r for r in rows if r[0] in candidates]
    real = [r[0] for r in rows if not r[1]]
    if len(real) == 1:
        return str(real[0])
    if real:
        listed = ", ".join(real)
        raise ShoplensError(f"the warehouse has {len(real)} stores; say which one to import into",
                            hint=f"--store ID, one of: {listed}", zh=f"仓库中有 {len(real)} 个店铺，请指定导入哪一个",
                            zh_hint=f"用 --store ID 指定，可选：{listed}")
    if rows:
        demos = ", ".join(r[0] for r in rows)
        raise ShoplensError(f"the warehouse holds only the demo store(s) {demos}; an import goes into a demo store "
                            "only when named", hint=f"a new store: {STORE_OPTIONS}; or --store {rows[0][0]}",
                            zh=f"仓库中只有演示店铺 {demos}；只有明确指定时才会导入演示店铺",
                            zh_hint=f"新建店铺：{STORE_OPTIONS}；或 --store {rows[0][0]}")
    raise ShoplensError("no store to import into: the warehouse has no store yet",
                        hint=f"name the new store and say its money and clock: {STORE_OPTIONS}, e.g. --store tmall "
                        f"--currency CNY --timezone Asia/Shanghai{STORE_OPTIONS_NOTE}",
                        zh="没有可导入的店铺：仓库中还没有店铺",
                        zh_hint=f"请指定新店铺及其币种和时区：{STORE_OPTIONS}，如 --store tmall --currency CNY "
                        "--timezone Asia/Shanghai（Python 与上传表单：store=、currency=、timezone=）")


def resolve_store(con: duckdb.DuckDBPyConnection, store_id: str | None, *, timezone: str | None,
                  currency: str | None, preset_timezone: str | None = None,
                  preset_currency: str | None = None, platform: str = "other",
                  stores_file: bool = False) -> StoreContext:
    """Read the store, or describe the one this import will create; never guess.

    No ``store_id``: the only (non-demo) store, else an error. A new store needs a valid id and
    its reporting currency and time zone, from ``--currency``/``--timezone``, the preset, or a
    ``stores`` file in this import (``stores_file``: this import may hold one; the context is then
    ``pending`` until that file has written the store's row, and the pipeline checks it did).
    """
    implied = store_id is None
    if store_id is None:
        store_id = choose_store(con)
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
                            True, explicit_tz, explicit_cur, implied=implied)
    check_store_id(store_id)
    missing = tuple(flag for flag, value in (("--currency", explicit_cur), ("--timezone", explicit_tz)) if not value)
    if missing and not stores_file:
        raise missing_settings(store_id, missing)
    # pending: only the stores file's row will say; until then files are planned with placeholders
    new_tz, new_cur = explicit_tz or "UTC", explicit_cur or "USD"
    return StoreContext(store_id, new_tz, new_cur, new_tz, new_cur, platform, False, explicit_tz, explicit_cur,
                        implied=implied, pending=missing)


def missing_settings(store_id: str, missing: tuple[str, ...]) -> ShoplensError:
    """A new store without its reporting currency and/or time zone (``missing``: the options)."""
    words = {"--currency": ("reporting currency", "报告币种"), "--timezone": ("time zone", "时区")}
    flags = " and ".join(missing)
    return ShoplensError(f"new store {store_id!r} needs its {' and '.join(words[m][0] for m in missing)}",
                         hint=f"add {flags} (e.g. --currency CNY --timezone Asia/Shanghai), or import a stores file "
                         "(store_id,name,platform,reporting_currency,timezone) in the same import" + STORE_OPTIONS_NOTE,
                         zh=f"新店铺 {store_id!r} 需要指定{'和'.join(words[m][1] for m in missing)}",
                         zh_hint=f"请加上 {flags}（如 --currency CNY --timezone Asia/Shanghai），"
                         "或在同一次导入中带上店铺文件（store_id,name,platform,reporting_currency,timezone）")


def create_store(con: duckdb.DuckDBPyConnection, ctx: StoreContext, import_id: int) -> None:
    con.execute("INSERT INTO stores (store_id, name, platform, reporting_currency, timezone, _import_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [ctx.store_id, ctx.store_id, ctx.platform, ctx.reporting_currency, ctx.timezone, import_id])
