"""Which order lines are goods: the product types of known stock-code conventions.

Online Retail (UCI) books postage, fees, vouchers, manual adjustments and samples as stock codes beside the goods;
left in, ``POST`` would be a top seller and ``M`` (manual) a category. The rule lives here, in the model, because
both the online-retail preset (at import) and migration 17 (for stores imported before product types existed)
apply it.
"""

from __future__ import annotations

# exact stock codes (case matters: ``M`` and ``m`` are both "Manual", ``S`` is SAMPLES)
ONLINE_RETAIL_CODES: dict[str, str] = {
    "POST": "shipping", "DOT": "shipping", "C2": "shipping",
    "M": "adjustment", "m": "adjustment", "D": "adjustment", "B": "adjustment",
    "S": "sample",
    "BANK CHARGES": "fee", "AMAZONFEE": "fee", "CRUK": "fee",
}
VOUCHER_PREFIX = "gift_0001_"  # gift vouchers: gift_0001_10, gift_0001_20, …


def online_retail_type_sql(code: str) -> str:
    """A DuckDB/ANSI ``CASE`` giving the product type of the stock code in column ``code``; every other code
    (``DCGS…``, ``PADS`` too) is merchandise."""
    whens = " ".join(f"WHEN {code} = '{k}' THEN '{v}'" for k, v in ONLINE_RETAIL_CODES.items())
    return f"CASE {whens} WHEN starts_with({code}, '{VOUCHER_PREFIX}') THEN 'voucher' ELSE 'merchandise' END"
