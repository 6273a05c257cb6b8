"""What the Amazon and GA4 presets share: header matching, report dates, marketplaces, the wrong-file error.

Amazon writes the same report with slightly different headers by marketplace and by year
("Sessions - Total" / "Sessions – Total" / "Sessions", "quantity" / "quantity-purchased"), so
headers are compared after :func:`norm`. Report dates come as ISO, US ``11/5/2026``, European
``05/11/2026`` or ``05.11.2026`` and the ads console's ``Nov 05, 2026``: :func:`report_date_sql`
reads them without guessing line by line (see its docstring).
"""

from __future__ import annotations

import re
from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.ingest.parse import lit

AMAZON_TIMEZONE = "America/Los_Angeles"  # Seller Central's reports for Amazon.com are cut in Pacific time
AMAZON_CURRENCY = "USD"

# sales-channel (lower case) -> ISO 3166 country of the marketplace
MARKETPLACES: dict[str, str] = {
    "amazon.com": "US", "amazon.ca": "CA", "amazon.com.mx": "MX", "amazon.com.br": "BR",
    "amazon.co.uk": "GB", "amazon.de": "DE", "amazon.fr": "FR", "amazon.it": "IT", "amazon.es": "ES",
    "amazon.nl": "NL", "amazon.se": "SE", "amazon.pl": "PL", "amazon.com.be": "BE", "amazon.ie": "IE",
    "amazon.com.tr": "TR", "amazon.ae": "AE", "amazon.sa": "SA", "amazon.eg": "EG", "amazon.in": "IN",
    "amazon.co.jp": "JP", "amazon.com.au": "AU", "amazon.sg": "SG", "amazon.co.za": "ZA",
}


def norm(header: str) -> str:
    """Header text compared case-, dash- and blank-insensitively: "Sessions – Total" == "sessions - total"."""
    text = header.strip().lstrip("\ufeff").lower().replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"\s+", " ", text)


def find(header: list[str], *accepted: str) -> str | None:
    """The file's own header text for the first accepted (normalised) name it has."""
    by_norm: dict[str, str] = {}
    for h in header:
        by_norm.setdefault(norm(h), h)
    return next((by_norm[a] for a in accepted if a in by_norm), None)


def report_date_sql(text: str) -> str:
    """SQL (over ALL lines of the file, window functions) reading a report's date cell ``text``.

    ISO dates (with or without a time, as Excel cells come), ``05.11.2026`` (day first) and
    ``Nov 05, 2026`` are unambiguous. Slash dates are read the same way for the whole file: day
    first when some slash date is impossible month first (a part above 12), month first when some is
    impossible day first; when both readings are possible, the one whose dates span fewer days (a
    daily report covers consecutive days), and month first (Amazon.com's format) on a tie.
    """
    t = f"trim({text})"
    slash = f"regexp_full_match({t}, '\\d{{1,2}}/\\d{{1,2}}/\\d{{4}}')"
    mdy, dmy = f"try_strptime({t}, '%m/%d/%Y')::DATE", f"try_strptime({t}, '%d/%m/%Y')::DATE"
    no_mdy = f"sum(CASE WHEN {slash} AND {mdy} IS NULL THEN 1 ELSE 0 END) OVER ()"
    no_dmy = f"sum(CASE WHEN {slash} AND {dmy} IS NULL THEN 1 ELSE 0 END) OVER ()"
    span = "(max({d}) OVER () - min({d}) OVER ())"
    day_first = (f"({no_mdy} > 0 OR ({no_dmy} = 0 AND {span.format(d=dmy)} < {span.format(d=mdy)}))")
    plain = (f"coalesce(TRY_CAST({t} AS DATE), TRY_CAST({t} AS TIMESTAMP)::DATE, "
             f"try_strptime({t}, ['%d.%m.%Y', '%b %d, %Y', '%B %d, %Y', '%Y/%m/%d'])::DATE)")
    return f"(CASE WHEN {slash} THEN (CASE WHEN {day_first} THEN {dmy} ELSE {mdy} END) ELSE {plain} END)"


def lookup_sql(pairs: dict[str, str], key_sql: str) -> str:
    """A MAP literal lookup (NULL for a key it does not have)."""
    body = ", ".join(f"{lit(k)}: {lit(v)}" for k, v in pairs.items())
    return f"map_extract_value(MAP {{{body}}}, {key_sql})"


def wrong_file(path: Path, header: list[str], preset: str, expected: str, expected_zh: str,
               columns: str) -> SchemaError:
    """The one-line error for a file this preset cannot read (the import adds which preset it looks like)."""
    shown = ", ".join(header[:6]) + (", …" if len(header) > 6 else "")
    hint, zh_hint = f"expected columns {columns}", f"应包含列 {columns}"
    return SchemaError(f"not {expected} (columns: {shown})", where=str(path), hint=hint,
                       zh=f"不是{expected_zh}（列：{shown}）", zh_hint=zh_hint)

