"""CDNOW purchase logs of Fader & Hardie, master and 1/10 sample (docs/presets.md#cdnow).

Accepted: the original whitespace-separated ``.txt`` files without a header (master: customer
id, date YYYYMMDD, CDs, dollars; sample: master id, sample id, date, CDs, dollars; told apart by
the number of columns) and CSV (or whitespace) files with a header such as
``master_customer_id,customer_id,date,cds,dollar_value``.

Rules: one line = one paid order. The buyer is the *master* customer id (the sample's own 1..2357
id is ignored), written without zero padding, so the sample's rows are the master's rows and the
two files can share a store. ``order_id`` = ``{customer}-{YYYYMMDD}-{k}`` with ``k`` numbering the
customer's lines of that date in file order: the 255 identical repeated lines of the master are
kept as separate orders, as in the published totals. Zero-dollar lines (80 free CDs) are kept as
orders of 0. Each order gets one item (quantity = CDs, unit_price = dollars / CDs rounded half-up
to 4 decimals; GMV is ``orders.gross_amount``, not quantity x unit_price); a line with 0 CDs keeps
its order but gets no item. Negative CDs or dollars are quarantined as ``negative``.
"""

from __future__ import annotations

from pathlib import Path

from shoplens.errors import SchemaError
from shoplens.ingest.parse import lit, typed_expr
from shoplens.ingest.readers import ReadOptions, first_line
from shoplens.model import Column, Kind
from shoplens.presets.base import FilePlan, Output, Reject, SourceField

MASTER = ["customer_id", "date", "cds", "dollar_value"]
SAMPLE = ["master_customer_id", "customer_id", "date", "cds", "dollar_value"]
# internal name -> (accepted headers, type); the master id wins over the per-file customer id
FIELDS: dict[str, tuple[tuple[str, ...], Kind]] = {
    "customer": (("master_customer_id", "master_id", "customer_id", "cust_id", "id"), Kind.INT),
    "created": (("date", "order_date", "order_dt"), Kind.TIMESTAMP),
    "cds": (("cds", "number_of_cds", "num_cds", "quantity"), Kind.INT),
    "dollars": (("dollar_value", "dollars", "amount", "price", "sales"), Kind.MONEY),
}



class CdnowPreset:
    name = "cdnow"
    description = "CDNOW master / 1/10 sample purchase logs (Fader & Hardie), .txt or CSV"
    description_zh = "CDNOW 购买日志（Fader & Hardie），master 全量或 1/10 sample 样本，.txt 或 CSV"
    timezone = "America/New_York"
    currency = "USD"
    platform = "other"
    expects = ("CDNOW_master.txt or CDNOW_sample.txt from Bruce Hardie's site (brucehardie.com/datasets), "
               "or a CSV with customer id, date, cds, dollar value")
    expects_zh = ("Bruce Hardie 网站（brucehardie.com/datasets）的 CDNOW_master.txt 或 CDNOW_sample.txt，"
                  "或含 customer id、date、cds、dollar value 的 CSV")

    def recognise(self, header: list[str]) -> bool:
        """Named columns for all four fields, or (headerless .txt, one whitespace-separated cell) a data line:
        ids, an 8-digit date, a count and an amount."""
        cells = [c for h in header for c in h.split()] if len(header) == 1 else [h.strip() for h in header]
        norm = [c.lower() for c in cells]
        if all(any(a in norm for a in accepted) for accepted, _kind in FIELDS.values()):
            return True
        if len(cells) not in (len(MASTER), len(SAMPLE)):
            return False
        *ids, day, cds, dollars = cells
        return (all(i.isdigit() for i in ids) and len(day) == 8 and day.isdigit() and cds.isdigit()
                and dollars.replace(".", "", 1).isdigit())

    def read_options(self, path: Path) -> ReadOptions:
        line = first_line(path)
        delimiter = "," if "," in line else "whitespace"
        cells = line.split(",") if delimiter == "," else line.split()
        if cells and not cells[0].strip().isdigit():
            return ReadOptions(header=True, delimiter=delimiter)
        names = SAMPLE if len(cells) == len(SAMPLE) else MASTER
        return ReadOptions(header=False, names=list(names), delimiter=delimiter)

    def plan(self, header: list[str], path: Path, defaults: dict[str, str]) -> FilePlan:
        norm = [h.strip().lower() for h in header]
        found: dict[str, str] = {}
        used: set[int] = set()
        for name, (accepted, _kind) in FIELDS.items():
            index = next((norm.index(a) for a in accepted if a in norm and norm.index(a) not in used), None)
            if index is not None:
                found[name] = header[index]
                used.add(index)
        missing = [" or ".join(FIELDS[n][0][:2]) for n in FIELDS if n not in found]
        if missing:
            raise SchemaError(f"not a CDNOW log: missing {', '.join(missing)}", where=str(path),
                              hint="expected customer id, date, cds, dollars (master) or master id, "
                              "sample id, date, cds, dollars (sample), whitespace- or comma-separated",
                              zh=f"不是 CDNOW 日志：缺少 {', '.join(missing)}",
                              zh_hint="应为 customer id, date, cds, dollars（master 全量）或 master id, "
                              "sample id, date, cds, dollars（1/10 sample 样本），以空白或逗号分隔")
        fields = [SourceField(found[n], n, Column(n, kind, "", required=True))
                  for n, (_acc, kind) in FIELDS.items()]
        store, cur = lit(defaults["$store"]), lit(defaults["$store_currency"])
        raw_date = f"c{header.index(found['created']) + 1}"
        order_id = "CAST(customer AS VARCHAR) || '-' || day || '-' || occurrence"
        orders = Output("orders", f"""
            SELECT _line, {store} AS store_id, {order_id} AS order_id, CAST(customer AS VARCHAR) AS user_id,
                   created AS created_ts, created AS paid_ts, 'paid' AS status, {cur} AS currency,
                   dollars AS gross_amount
            FROM {{src}}""",
            {"order_id": found["customer"], "user_id": found["customer"], "created_ts": found["created"],
             "gross_amount": found["dollars"]})
        # dollars / cds, half-up to 1/10000, in integer arithmetic (DuckDB divides decimals as doubles)
        units = "CAST(dollars * 10000 AS BIGINT)"
        unit_price = f"CAST(CAST(({units} * 2 + cds) // (2 * cds) AS DECIMAL(18,0)) * 0.0001 AS DECIMAL(18,4))"
        items = Output("order_items", f"""
            SELECT {store} AS store_id, {order_id} AS order_id, 1 AS line_no, CAST(NULL AS VARCHAR) AS product_id,
                   cds AS quantity, {unit_price} AS unit_price
            FROM {{src}} WHERE cds > 0""", primary=False)
        customers = Output("customers", f"""
            SELECT {store} AS store_id, CAST(customer AS VARCHAR) AS user_id, min(created) AS first_seen
            FROM {{src}} GROUP BY customer""", primary=False)
        negative_cds = Reject("cds < 0", "negative", found["cds"], "cds")
        ignored = [h for h in header if h not in found.values()]
        return FilePlan(
            fields=fields, outputs=[orders, items, customers], rejects=[negative_cds], ignored_columns=ignored,
            computed={
                # the written calendar date (no time zone involved) for a readable order id
                "day": f"strftime({typed_expr(Column('day', Kind.DATE, ''), raw_date, 'UTC')}, '%Y%m%d')",
                "occurrence": "row_number() OVER (PARTITION BY customer, created ORDER BY _line)",
            },
            label="orders")


PRESET = CdnowPreset()
