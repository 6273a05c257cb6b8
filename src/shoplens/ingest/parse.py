"""Text cell -> typed value, as SQL run in the warehouse, and the reason when it fails.

Every rule is an SQL expression so validation of millions of rows stays in DuckDB. An expression
yields NULL when the text cannot be read; the caller turns "text present, value NULL" into a
quarantine row with the reason below. Nothing unreadable is ever turned into 0 or a default.
"""

from __future__ import annotations

from shoplens.model import Column, Kind
from shoplens.model.vocab import CUSTOM_EVENT_PATTERN, ISO_4217

# Accepted timestamp spellings beyond ISO-8601: common in Chinese platform and Excel exports.
TIMESTAMP_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d %H:%M:%S",
                     "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y%m%d")
_OFFSET = r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|UTC|[+-]\d{2}(:?\d{2})?)$"
# Numbers as platform exports write them: "1,234" (thousands separators in groups of three; "1,5" is not
# a number, it is ambiguous), "¥88.00" / "-US$5" / "HK$ 1,299.00" (a currency symbol before the digits,
# money only, checked against the row's currency by the pipeline), "3.50%" (scores and rates only: / 100).
CURRENCY_SYMBOLS = ("CN¥", "US$", "HK$", "¥", "￥", "$", "€", "£")
_SYMBOL = "(" + "|".join(sym.replace("$", "\\$") for sym in CURRENCY_SYMBOLS) + ")"
_SIGNED = rf"([+-]?\s*{_SYMBOL}?|{_SYMBOL}\s*[+-])\s*"
_DIGITS = r"(\d{1,3}(,\d{3})+|\d+)"
_UNSIGNED = rf"({_DIGITS}\.?\d*|\.\d+)([eE][+-]?\d+)?"
_INT = rf"[+-]?{_DIGITS}(\.0*)?"
_AMOUNT = rf"{_SIGNED}{_UNSIGNED}"  # money: a symbol allowed
_NUMBER = rf"[+-]?{_UNSIGNED}"  # scores and rates: no symbol, a percent sign allowed
_PERCENT = rf"{_NUMBER}\s*%"
CURRENCY_ALIASES = (("RMB", "CNY"),)
# Which currencies a symbol may stand for (the row's currency is checked against it; docs/presets.md).
_DOLLARS = ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "ARS", "CLP", "COP", "BND", "BSD", "BBD",
            "BZD", "BMD", "FJD", "GYD", "JMD", "KYD", "LRD", "NAD", "SBD", "SRD", "TTD", "XCD", "UYU", "DOP",
            "CUP", "TVD", "KID", "ZWL")
SYMBOL_CURRENCIES: dict[str, tuple[str, ...]] = {
    "CN¥": ("CNY",), "¥": ("CNY", "JPY"), "￥": ("CNY", "JPY"), "US$": ("USD",), "HK$": ("HKD",),
    "$": _DOLLARS, "€": ("EUR",), "£": ("GBP",),
}
# Exports protect long ids from Excel: ="2839…" (a formula of a text), '2839… (a text mark), a tab before
# the digits. The id is what is inside.
_PROTECTED = r'^(="(.*)"|\'(\d+)|\t+(.*))$'


REASONS: dict[str, tuple[str, str, str]] = {
    # reason: (English message, 中文说明, hint)
    "missing_required": ("required value is empty", "必填值为空", "fill it in or drop the row"),
    "invalid_int": ("not a whole number", "不是整数", "write digits only, e.g. 3"),
    "invalid_number": ("not a number", "不是数字", "use a dot for decimals; thousands separators only in "
                       "groups of three (1,234.50); a currency symbol goes before the digits (¥88.00)"),
    "invalid_timestamp": ("not a date-time", "不是日期时间",
                          "use ISO 8601 (2024-11-11 20:00:00, optionally +08:00) or 2024/11/11 20:00"),
    "invalid_date": ("not a date", "不是日期", "use YYYY-MM-DD"),
    "invalid_bool": ("not true/false", "不是布尔值", "use true/false, yes/no or 1/0"),
    "invalid_json": ("not valid JSON", "不是合法 JSON", "write a JSON object such as {\"k\": 1}"),
    "unknown_currency": ("not an ISO-4217 currency code", "不是 ISO-4217 币种代码", "e.g. USD, CNY, EUR"),
    "unknown_timezone": ("not an IANA time zone", "不是 IANA 时区", "e.g. Asia/Shanghai, Europe/London"),
    "not_allowed": ("value not in the allowed list", "取值不在允许列表中",
                    "see docs/data-model.md; map an export's own value with --map-value COLUMN:VALUE=allowed_value"),
    "negative": ("must not be negative", "不能为负数", "refunds and returns go to the refunds table"),
    "out_of_range": ("outside the allowed range", "超出允许范围", "see docs/data-model.md"),
    "ragged_row": ("wrong number of cells", "列数与表头不符", "check quoting and delimiters on that line"),
    "bad_encoding": ("bytes in the wrong text encoding", "编码错误", "pass --encoding"),
    "bad_json_line": ("line is not a JSON object", "该行不是 JSON 对象", "one JSON object per line"),
    "store_settings_locked": ("the store already holds data converted and cut with its reporting currency "
                              "and time zone", "店铺已有按当前报告币种和时区换算的数据，不能修改",
                              "import into a new store id"),
    "missing_fx_rate": ("no exchange rate for this currency and date", "缺少该币种当日汇率",
                        "import fx_rates for that date first"),
    "number_lost_digits": ("a long number (an id?) stored as a number: the spreadsheet kept only its first 15 digits",
                           "长数字（编号？）以数值格式保存：表格只保留了前 15 位", "format the column as Text where "
                           "the file is made (or export CSV) and import again; the digits shown are all it kept"),
    "formula_without_value": ("an Excel formula without a calculated value", "Excel 公式单元格没有计算结果",
                              "open the workbook in Excel or LibreOffice, let it calculate, save it and import "
                              "again (or paste the cells as values)"),
    "currency_mismatch": ("the currency symbol of the amount does not match the row's currency",
                          "金额的货币符号与该行币种不符",
                          "fix the currency column or --currency (¥ is CNY or JPY, US$ USD, HK$ HKD, $ a dollar "
                          "currency, € EUR, £ GBP); a symbol never sets the currency"),
    "non_sale_adjustment": ("not a sale: quantity or price is zero or negative", "非销售调整行(数量或单价≤0)",
                            "kept for audit; cancellations use invoice numbers starting with C"),
    "unmapped_value": ("a platform value this preset cannot map", "预设无法映射的平台取值",
                       "see docs/presets.md for the values each preset maps; fix the value or map it yourself"),
    "order_incomplete": ("another line of this order was refused, so the order is not loaded in part",
                         "同一订单的其他行被隔离，订单不部分载入", "fix the refused line and import the file again"),
    "no_variant": ("an image-only line of a product, no variant to load", "只有图片的商品行，没有可载入的款式",
                   "expected in Shopify product exports; kept for audit"),
    # platform reports (tmall-orders, sycm-*; docs/presets.md)
    "unknown_status": ("an order status this preset does not know", "预设不认识的订单状态",
                       "see the status table of the preset in docs/presets.md; a new status needs a preset update"),
    "unknown_channel": ("a traffic source this preset cannot map to a channel", "预设无法映射到渠道的流量来源",
                        "see the source table of sycm-traffic in docs/presets.md; export one source level (二级来源)"),
    "unknown_device": ("a device (终端) this preset does not know", "预设不认识的终端",
                       "use 所有终端, 无线 or PC as 生意参谋 writes them"),
    "other_store": ("a line of another shop than the file's", "该行属于文件中另一家店铺",
                    "export each shop separately and import it into its own store"),
    "report_inconsistent": ("the report's own ratio contradicts its counts", "报表自身的比率与其计数不符",
                            "one of the row's numbers is wrong: download the report again"),
    "unsupported_period": ("a date range that is no day, natural week or calendar month",
                           "日期范围不是单日、自然周或自然月",
                           "download the report by day (按日), natural week or month"),
}


# The hints of REASONS in Chinese (a test checks every reason has one): where a hint is shown to a user, both.
ZH_HINTS: dict[str, str] = {
    "missing_required": "请填写该值，或删除这一行",
    "invalid_int": "只写数字，例如 3",
    "invalid_number": "小数点用英文句点；千位分隔符只能三位一组（1,234.50）；货币符号写在数字前面（¥88.00）",
    "invalid_timestamp": "使用 ISO 8601（2024-11-11 20:00:00，可带 +08:00）或 2024/11/11 20:00",
    "invalid_date": "使用 YYYY-MM-DD",
    "invalid_bool": "使用 true/false、yes/no 或 1/0",
    "invalid_json": "写成 JSON 对象，例如 {\"k\": 1}",
    "unknown_currency": "例如 USD、CNY、EUR",
    "unknown_timezone": "例如 Asia/Shanghai、Europe/London",
    "not_allowed": "见 docs/data-model.md；导出文件自己的取值可用 --map-value 列:原值=允许值 映射",
    "negative": "退款和退货请导入 refunds 表",
    "out_of_range": "见 docs/data-model.md",
    "ragged_row": "检查这一行的引号和分隔符",
    "bad_encoding": "请用 --encoding 指定编码",
    "bad_json_line": "每行一个 JSON 对象",
    "store_settings_locked": "请导入到一个新的店铺 ID",
    "missing_fx_rate": "先导入该日期的汇率（fx_rates）",
    "number_lost_digits": "在生成文件的地方把该列设为文本格式（或导出 CSV）后重新导入；显示的数字就是它仅存的位数",
    "formula_without_value": "用 Excel 或 LibreOffice 打开工作簿，让它计算后保存再导入（或把单元格粘贴为数值）",
    "currency_mismatch": "修正币种列或 --currency（¥ 是 CNY 或 JPY，US$ 是 USD，HK$ 是 HKD，$ 是某种元，€ 是 EUR，"
                         "£ 是 GBP）；货币符号不会决定币种",
    "non_sale_adjustment": "保留备查；取消的发票编号以 C 开头",
    "unmapped_value": "各预设映射的取值见 docs/presets.md；请修正该值或自行映射",
    "order_incomplete": "修正被拒的那一行后重新导入该文件",
    "no_variant": "Shopify 商品导出中常见（只有图片的行）；保留备查",
    "unknown_status": "见 docs/presets.md 中该预设的状态对照表；新状态需要更新预设",
    "unknown_channel": "见 docs/presets.md 中 sycm-traffic 的来源对照表；请按二级来源导出",
    "unknown_device": "按生意参谋的写法使用 所有终端、无线 或 PC",
    "other_store": "每个店铺分别导出，并导入到各自的店铺",
    "report_inconsistent": "这一行的某个数字有误：请重新下载报表",
    "unsupported_period": "请按日、自然周或自然月下载报表",
}

def lit(value: str) -> str:
    """An SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _lookup(pairs: dict[str, str], key_sql: str) -> str:
    """A MAP literal lookup: one hash probe per row (a CASE chain re-evaluates its operand per WHEN)."""
    body = ", ".join(f"{lit(k)}: {lit(v)}" for k, v in pairs.items())
    return f"map_extract_value(MAP {{{body}}}, {key_sql})"


def timestamp_expr(text: str, tz: str) -> str:
    """Text -> naive UTC TIMESTAMP. Epoch seconds/ms and explicit offsets are absolute; anything
    else is local time in ``tz``."""
    t = f"trim({text})"
    formats = "[" + ", ".join(lit(f) for f in TIMESTAMP_FORMATS) + "]"
    local = f"coalesce(TRY_CAST({t} AS TIMESTAMP), try_strptime({t}, {formats}))"
    return (
        f"(CASE WHEN regexp_full_match({t}, '\\d{{9,10}}') THEN to_timestamp(TRY_CAST({t} AS BIGINT))::TIMESTAMP"
        f" WHEN regexp_full_match({t}, '\\d{{12,13}}') THEN epoch_ms(TRY_CAST({t} AS BIGINT))"
        f" WHEN regexp_matches({t}, {lit(_OFFSET)}) THEN"
        f" TRY_CAST(regexp_replace(regexp_replace({t}, '\\s*UTC$', 'Z'), '\\s+([+-]\\d)', '\\1')"
        f" AS TIMESTAMPTZ)::TIMESTAMP"
        f" ELSE timezone('UTC', timezone({lit(tz)}, {local})) END)"
    )


def bare_number(text: str) -> str:
    """A number cell that matched the patterns above without its symbol, separators, spaces and percent sign
    (the sign kept): "-¥1,299.00" -> "-1299.00"."""
    return f"regexp_replace({text}, '[^0-9eE.+-]', '', 'g')"


def currency_symbol(text: str) -> str:
    """SQL: the currency symbol written in a number cell, or NULL."""
    return f"nullif(regexp_extract({text}, {lit(_SYMBOL)}, 1), '')"


def currency_matches(symbol_sql: str, currency_sql: str) -> str:
    """SQL: false when a currency symbol cannot stand for the currency code (NULL symbol: true)."""
    body = ", ".join(f"{lit(k)}: [{', '.join(lit(c) for c in v)}]" for k, v in SYMBOL_CURRENCIES.items())
    return (f"({symbol_sql} IS NULL OR {currency_sql} IS NULL OR "
            f"coalesce(list_contains(map_extract_value(MAP {{{body}}}, {symbol_sql}), {currency_sql}), false))")


def unprotect(text: str) -> str:
    """SQL: a cell without the marks exports put around ids (="…", a leading apostrophe or tab)."""
    parts = ", ".join(f"regexp_extract({text}, {lit(_PROTECTED)}, {group}, 's')" for group in (2, 3, 4))
    cheap = f"left({text}, 1) IN ('=', chr(39), chr(9))"  # most cells: one comparison, no regular expression
    return (f"(CASE WHEN {cheap} AND regexp_full_match({text}, {lit(_PROTECTED)}, 's') THEN concat({parts}) "
            f"ELSE {text} END)")


def typed_expr(col: Column, text: str, tz: str) -> str:
    """SQL turning the text expression ``text`` into ``col``'s type (NULL if unreadable)."""
    kind = col.kind
    if kind in (Kind.STRING, Kind.INT) and not col.choices:
        text = unprotect(text)
    t = f"trim({text})"
    if kind is Kind.STRING and not col.choices:
        # ids and other required text are trimmed (" o9 " is o9; blanks are missing); free text is kept
        return f"NULLIF({t}, '')" if col.required else text
    if kind is Kind.INT:  # exact: no DOUBLE detour (2^53 + 1 stays itself), overflow is refused
        return (f"(CASE WHEN regexp_full_match({t}, {lit(_INT)}) "
                f"THEN TRY_CAST(regexp_replace({bare_number(t)}, '\\.0*$', '') AS BIGINT) END)")
    if kind is Kind.MONEY:
        return (f"(CASE WHEN regexp_full_match({t}, {lit(_AMOUNT)}) "
                f"THEN TRY_CAST({bare_number(t)} AS {col.sql_type}) END)")
    if kind in (Kind.DECIMAL, Kind.RATE):
        return (f"(CASE WHEN regexp_full_match({t}, {lit(_NUMBER)}) THEN TRY_CAST({bare_number(t)} AS {col.sql_type})"
                f" WHEN regexp_full_match({t}, {lit(_PERCENT)}) THEN"
                f" TRY_CAST(TRY_CAST({bare_number(t)} AS DECIMAL(38,12)) / 100 AS {col.sql_type}) END)")
    if kind is Kind.BOOL:
        low = f"lower({t})"
        return (f"(CASE WHEN {low} IN ('true','t','yes','y','1','是') THEN true"
                f" WHEN {low} IN ('false','f','no','n','0','否') THEN false END)")
    if kind is Kind.TIMESTAMP:
        return timestamp_expr(text, tz)
    if kind is Kind.DATE:
        formats = "[" + ", ".join(lit(f) for f in TIMESTAMP_FORMATS) + "]"
        return f"coalesce(TRY_CAST({t} AS DATE), TRY_CAST({t} AS TIMESTAMP)::DATE, try_strptime({t}, {formats})::DATE)"
    if kind is Kind.JSON:
        return f"(CASE WHEN json_valid({t}) THEN {t}::JSON END)"
    if kind is Kind.CURRENCY:
        return _lookup({c: c for c in sorted(ISO_4217)} | dict(CURRENCY_ALIASES), f"upper({t})")
    if kind is Kind.TIMEZONE:
        return f"(CASE WHEN {t} IN (SELECT name FROM pg_timezone_names()) THEN {t} END)"
    if kind is Kind.EVENT:
        low = f"lower({t})"
        named = f"coalesce({_lookup({a.lower(): b for a, b in col.aliases}, low)}, {low})"
        return f"(CASE WHEN regexp_full_match({named}, {lit(CUSTOM_EVENT_PATTERN)}) THEN {named} END)"
    # enumerations (channel, device, status, …): every choice maps to itself, aliases to their choice
    pairs = {c: c for c in col.choices} | {a.lower(): b for a, b in col.aliases}
    return _lookup(pairs, f"lower({t})")


def parse_reason(col: Column) -> str:
    """The reason code for text present but unreadable as ``col``."""
    return {
        Kind.INT: "invalid_int", Kind.MONEY: "invalid_number", Kind.DECIMAL: "invalid_number",
        Kind.RATE: "invalid_number", Kind.BOOL: "invalid_bool", Kind.TIMESTAMP: "invalid_timestamp",
        Kind.DATE: "invalid_date", Kind.JSON: "invalid_json", Kind.CURRENCY: "unknown_currency",
        Kind.TIMEZONE: "unknown_timezone", Kind.EVENT: "not_allowed",
    }.get(col.kind, "not_allowed")


def value_checks(col: Column, value: str) -> list[tuple[str, str]]:
    """(condition that marks a bad row, reason) for a typed value expression."""
    checks: list[tuple[str, str]] = []
    if col.required:
        checks.append((f"{value} IS NULL", "missing_required"))
    if col.non_negative:
        checks.append((f"{value} < 0", "negative"))
    if col.minimum is not None:
        checks.append((f"{value} < {col.minimum!r}", "out_of_range"))
    if col.maximum is not None:
        checks.append((f"{value} > {col.maximum!r}", "out_of_range"))
    return checks
