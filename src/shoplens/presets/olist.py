"""Olist Brazilian marketplace tables (docs/presets.md#olist), recognised by their header columns.

- customers: one row per person (``user_id`` = ``customer_unique_id``). Olist writes one
  ``customer_id`` row per order, so a person's later rows replace the earlier ones and count as
  duplicates. Country ``BR``; state, city and zip prefix go to ``tags`` (``state:SP,city:…,zip:…``).
- order payments -> ``payments`` (currency BRL, no timestamp in the source).
- products -> ``products``; ``category`` is the English name when
  ``product_category_name_translation.csv`` is imported together with it, else the Portuguese one.
- sellers -> ``sellers`` (country ``BR``).
- the category translation is a lookup: its lines count as loaded, nothing is stored.

Zip-code prefixes are left-padded to 5 digits: the published files lost the leading zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.ingest.parse import lit
from shoplens.ingest.readers import ReadOptions
from shoplens.model import Column, Kind
from shoplens.presets.base import FilePlan, Output, SourceField

S, I, M = Kind.STRING, Kind.INT, Kind.MONEY
TRANSLATION = "olist_category_en"


@dataclass(frozen=True)
class _Table:
    """One Olist file kind: the headers that identify it and the source fields it reads."""

    kind: str
    signature: tuple[str, ...]  # all of these headers -> this kind
    fields: tuple[tuple[str, Kind, bool], ...]  # (header = internal name, type, required)
    priority: int


KINDS: tuple[_Table, ...] = (
    _Table("category_translation", ("product_category_name", "product_category_name_english"),
           (("product_category_name", S, True), ("product_category_name_english", S, True)), 5),
    _Table("products", ("product_id", "product_category_name"),
           (("product_id", S, True), ("product_category_name", S, False)), 10),
    _Table("sellers", ("seller_id", "seller_zip_code_prefix"),
           (("seller_id", S, True), ("seller_zip_code_prefix", S, False), ("seller_city", S, False),
            ("seller_state", S, False)), 10),
    _Table("customers", ("customer_id", "customer_unique_id"),
           (("customer_id", S, False), ("customer_unique_id", S, True), ("customer_zip_code_prefix", S, False),
            ("customer_city", S, False), ("customer_state", S, False)), 11),
    _Table("payments", ("order_id", "payment_sequential", "payment_value"),
           (("order_id", S, True), ("payment_sequential", I, True), ("payment_type", S, False),
            ("payment_installments", I, False), ("payment_value", M, True)), 50),
)


def _zip(expr: str) -> str:
    return f"lpad(trim({expr}), 5, '0')"


def _products_sql(store: str, cur: str) -> Callable[[dict[str, str]], str]:
    def sql(lookups: dict[str, str]) -> str:
        category = "p.product_category_name"
        join = ""
        if TRANSLATION in lookups:  # last translation line per Portuguese name wins
            join = (f"LEFT JOIN (SELECT product_category_name AS pt, arg_max(product_category_name_english, _line)"
                    f" AS en FROM {lookups[TRANSLATION]} GROUP BY 1) t ON t.pt = p.product_category_name")
            category = f"coalesce(t.en, {category})"
        return (f"SELECT p._line, {store} AS store_id, p.product_id, {category} AS category, {cur} AS currency, "
                f"'on_sale' AS status FROM {{src}} p {join}")
    return sql


def _outputs(kind: str, store: str, cur: str) -> list[Output]:
    if kind == "customers":
        tags = ("concat_ws(',', 'state:' || trim(customer_state), 'city:' || replace(trim(customer_city), ',', ' '),"
                f" 'zip:' || {_zip('customer_zip_code_prefix')})")
        return [Output("customers", f"SELECT _line, {store} AS store_id, customer_unique_id AS user_id, "
                       f"'BR' AS country, {tags} AS tags FROM {{src}}", {"user_id": "customer_unique_id"})]
    if kind == "payments":
        return [Output("payments", f"""
            SELECT _line, {store} AS store_id, order_id, payment_sequential AS payment_seq, payment_type AS method,
                   payment_installments AS installments, payment_value AS amount, {cur} AS currency
            FROM {{src}}""", {"payment_seq": "payment_sequential", "installments": "payment_installments",
                              "amount": "payment_value", "method": "payment_type"})]
    if kind == "products":
        return [Output("products", _products_sql(store, cur), {"category": "product_category_name"})]
    if kind == "sellers":
        return [Output("sellers", f"""
            SELECT _line, {store} AS store_id, seller_id, seller_city AS city, seller_state AS state,
                   {_zip('seller_zip_code_prefix')} AS zip_prefix, 'BR' AS country
            FROM {{src}}""", {"zip_prefix": "seller_zip_code_prefix", "city": "seller_city",
                              "state": "seller_state"})]
    return []  # the translation only feeds products


class OlistPreset:
    name = "olist"
    description = "Olist (Brazil) customers, order payments, products, sellers and category translation"
    description_zh = "Olist（巴西）客户、订单支付、商品、卖家及品类翻译表"
    timezone = "America/Sao_Paulo"
    currency = "BRL"
    platform = "other"
    expects = ("the Olist CSVs from Kaggle (olistbr/brazilian-ecommerce): customers, order payments, products, "
               "sellers, product_category_name_translation")
    expects_zh = ("Kaggle 上的 Olist CSV（olistbr/brazilian-ecommerce）：customers、order payments、products、"
                  "sellers、product_category_name_translation")

    def recognise(self, header: list[str]) -> bool:
        """The identifying headers of one of the Olist tables this preset knows."""
        names = {h.strip().lstrip("\ufeff").lower() for h in header}
        return any(all(s in names for s in t.signature) for t in KINDS)

    def read_options(self, path: Path) -> ReadOptions:
        return ReadOptions(header=True)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        by_norm = {h.strip().lower(): h for h in header}
        table = next((t for t in KINDS if all(s in by_norm for s in t.signature)), None)
        if table is None:
            shown = ", ".join(header[:6]) + (", …" if len(header) > 6 else "")
            known = "; ".join(f"{t.kind} ({', '.join(t.signature)})" for t in KINDS)
            raise SchemaError(
                f"not an Olist table this preset knows (columns: {shown})", where=str(path),
                hint="expected one of: " + known,
                zh=f"不是本预设认识的 Olist 表（列：{shown}）", zh_hint="应为以下之一：" + known)
        fields = [SourceField(by_norm[name], name, Column(name, kind, "", required=required))
                  for name, kind, required in table.fields if name in by_norm]
        # an optional column the file lacks is NULL, so the output SQL stays the same
        absent = {name: f"CAST(NULL AS {Column(name, kind, '').sql_type})"
                  for name, kind, _required in table.fields if name not in by_norm}
        used = {f.header for f in fields}
        outputs = [replace(o, sources={k: by_norm[v] for k, v in o.sources.items() if v in by_norm})
                   for o in _outputs(table.kind, lit(defaults["$store"]), lit(defaults["$store_currency"]))]
        return FilePlan(fields=fields, outputs=outputs, priority=table.priority, computed=absent,
                        ignored_columns=[h for h in header if h not in used],
                        lookup=TRANSLATION if table.kind == "category_translation" else None,
                        label=table.kind)


PRESET = OlistPreset()
