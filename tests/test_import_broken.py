"""Importing broken, re-encoded and re-formatted canonical files (acceptance point 1).

Every expectation below is computed by hand from the file written in the test: which line is bad,
in which column, why; what a timestamp is in UTC; what an amount is after conversion.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.errors import SchemaError, ShoplensError
from shoplens.ingest.pipeline import import_files
from shoplens.model import TABLES


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shoplens.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every canonical table, the quarantine (without the import that last wrote it) and the manifest."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {t.name: con.execute(f'SELECT * FROM "{t.name}" ORDER BY ALL').fetchall() for t in TABLES}
        out["quarantine"] = con.execute(
            "SELECT * EXCLUDE (import_id) FROM quarantine ORDER BY ALL").fetchall()
        out["import_manifest"] = con.execute(
            "SELECT * EXCLUDE (started, finished) FROM import_manifest ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


NEW = {"currency": "USD", "timezone": "UTC"}  # what a new store of these tests reports in


def import_(db: Path, files: list[Path], **kw):
    with shoplens.connect(str(db)) as wh:
        return shoplens.import_files(wh, [str(f) for f in files], **kw)


# --------------------------------------------------------------------------------------------
# The broken orders file. Columns: 1 order_id, 2 user_id, 3 created_ts, 4 status, 5 currency,
# 6 gross_amount, 7 channel, 8 payment_method. Comments give the file line of each record.
BROKEN_ORDERS = (
    "order_id,user_id,created_ts,status,currency,gross_amount,channel,payment_method\n"  # 1
    "o1,u1,2024-03-01 10:00:00,paid,USD,10.50,直播,支付宝\n"  # 2 good (直播 -> live_stream)
    "o2,u2,2024-03-01 11:00:00,paid,USD,20.00,seo,card,EXTRA\n"  # 3 ragged: 9 cells
    "o3,u3,2024-03-01 12:00:00,paid,USD\n"  # 4 ragged: 5 cells
    "o4,u4,2024-02-30 10:00:00,paid,USD,5.00,direct,card\n"  # 5 no 30 February
    "o5,u5,2024-03-02 10:00:00,paid,USD,ten,direct,card\n"  # 6 text in a number
    "o6,u6,2024-03-02 11:00:00,paid,EURO,5.00,direct,card\n"  # 7 unknown currency
    "o7,u7,2024-03-02 12:00:00,paid,USD,-3.00,direct,card\n"  # 8 negative amount
    "o8,u8,2024-03-02 13:00:00,teleported,USD,7.00,direct,card\n"  # 9 unknown status
    "o9,u9,2024-03-03 10:00:00,paid,USD,9.00,direct,card\n"  # 10 good
    "o9,u9,2024-03-03 10:00:00,paid,USD,9.00,direct,card\n"  # 11 exact duplicate of 10
    "o10,u10,2024-03-03 11:00:00,created,USD,11.00,organic,card\n"  # 12 first version of o10
    "o10,u10,2024-03-03 11:00:00,paid,USD,11.00,organic,card\n"  # 13 later version wins
    'o11,u11,2024-03-03 12:00:00,paid,USD,12.00,direct,"card\nvisa"\n'  # 14-15 quoted newline
    "o12,u12,not-a-date,paid,USD,13.00,direct,card\n"  # 16 bad date after a 2-line record
    "o13,u13,2024-03-03 14:00:00,PAID,usd,14.00,Direct,card\n"  # 17 good (case-insensitive)
    'o14,u14,yesterday,paid,USD,"1,5",direct,card\n'  # 18 two bad cells, one bad line
    "o15,u15,,paid,USD,15.00,direct,card\n"  # 19 required value empty
    "o16,u16,2024-03-03 15:00:00,paid,USD,16.00,tv_ads,card\n"  # 20 unknown channel
)
BROKEN_ORDERS_QUARANTINE = {
    # (line, column, field, value, reason)
    (3, None, None, None, "ragged_row"),
    (4, None, None, None, "ragged_row"),
    (5, "created_ts", 3, "2024-02-30 10:00:00", "invalid_timestamp"),
    (6, "gross_amount", 6, "ten", "invalid_number"),
    (7, "currency", 5, "EURO", "unknown_currency"),
    (8, "gross_amount", 6, "-3.00", "negative"),
    (9, "status", 4, "teleported", "not_allowed"),
    (16, "created_ts", 3, "not-a-date", "invalid_timestamp"),
    (18, "created_ts", 3, "yesterday", "invalid_timestamp"),
    (18, "gross_amount", 6, "1,5", "invalid_number"),
    (19, "created_ts", 3, None, "missing_required"),
    (20, "channel", 7, "tv_ads", "not_allowed"),
}
# 18 records (lines 2..20, 14-15 being one); good rows o1 o9 o9 o10 o10 o11 o13 -> 5 keys + 2 duplicates
ORDERS_COUNTS = {"read": 18, "loaded": 5, "duplicates": 2, "quarantined": 11}
EXPECTED_ORDERS = [
    # order_id, user_id, created_ts (UTC; store zone UTC), status, currency, gross, channel, payment
    ("o1", "u1", datetime(2024, 3, 1, 10), "paid", "USD", Decimal("10.5"), "live_stream", "支付宝"),
    ("o10", "u10", datetime(2024, 3, 3, 11), "paid", "USD", Decimal("11"), "organic_search", "card"),
    ("o11", "u11", datetime(2024, 3, 3, 12), "paid", "USD", Decimal("12"), "direct", "card\nvisa"),
    ("o13", "u13", datetime(2024, 3, 3, 14), "paid", "USD", Decimal("14"), "direct", "card"),
    ("o9", "u9", datetime(2024, 3, 3, 10), "paid", "USD", Decimal("9"), "direct", "card"),
]

# Columns: 1 event_id, 2 ts, 3 user_id, 4 event, 5 channel, 6 device, 7 properties
BROKEN_EVENTS = (
    "event_id,ts,user_id,event,channel,device,properties\n"  # 1
    'e1,2024-03-01 10:00:00,u1,page_view,直播,pc,"{""a"": 1, ""b"": [1, 2]}"\n'  # 2 good
    "e2,2024-03-01 10:01:00,u1,Add To Cart!,direct,mobile,\n"  # 3 not an event name
    "e3,2024-03-01 10:02:00,u1,add_to_cart,direct,mobile,{bad json\n"  # 4 invalid JSON
    "e4,2024-03-01 25:00:00,u1,product_view,direct,mobile,\n"  # 5 hour 25
    "e5,2024-03-01 10:04:00,u1\n"  # 6 ragged
    'e1,2024-03-01 10:00:00,u1,page_view,直播,pc,"{""a"": 1, ""b"": [1, 2]}"\n'  # 7 duplicate of 2
    "e6,2024-03-01 10:05:00,u2,search,direct,toaster,\n"  # 8 unknown device
    "e7,2024-03-01 10:06:00,u2,coupon_claim,social,app,\n"  # 9 good custom event
    "e8,2024-03-01 10:07:00,,purchase,direct,mobile,\n"  # 10 user_id empty
    "e9,1709287200,u3,buy,cpc,h5,\n"  # 11 good: epoch 2024-03-01 10:00 UTC, aliases
)
BROKEN_EVENTS_QUARANTINE = {
    (3, "event", 4, "Add To Cart!", "not_allowed"),
    (4, "properties", 7, "{bad json", "invalid_json"),
    (5, "ts", 2, "2024-03-01 25:00:00", "invalid_timestamp"),
    (6, None, None, None, "ragged_row"),
    (8, "device", 6, "toaster", "not_allowed"),
    (10, "user_id", 3, None, "missing_required"),
}
EVENTS_COUNTS = {"read": 10, "loaded": 3, "duplicates": 1, "quarantined": 6}
EXPECTED_EVENTS = [
    ("e1", datetime(2024, 3, 1, 10, 0), "u1", "page_view", "live_stream", "desktop", {"a": 1, "b": [1, 2]}),
    ("e7", datetime(2024, 3, 1, 10, 6), "u2", "coupon_claim", "social", "app", None),
    ("e9", datetime(2024, 3, 1, 10, 0), "u3", "purchase", "paid_search", "mobile", None),
]


def _quarantine(db: Path, name: str) -> set[tuple]:
    rows = query(db, 'SELECT line, "column", field, value, reason FROM quarantine WHERE file LIKE ?',
                 [f"%{name}"])
    assert len(rows) == len(set(rows)), "a quarantine row is repeated"
    return set(rows)


def _counts(result) -> dict[str, int]:
    return {k: getattr(result, k) for k in ("read", "loaded", "duplicates", "quarantined")}


def _manifest(db: Path, name: str) -> list[tuple]:
    return query(db, 'SELECT "read", loaded, duplicates, quarantined FROM import_manifest WHERE file LIKE ? '
                 "ORDER BY import_id", [f"%{name}"])


def test_broken_orders_and_events(tmp_path: Path, db_path: Path) -> None:
    orders = write(tmp_path / "orders.csv", BROKEN_ORDERS)
    events = write(tmp_path / "events.csv", BROKEN_EVENTS)
    summary = import_(db_path, [orders], table="orders", store="shop", **NEW)
    assert _counts(summary) == ORDERS_COUNTS
    assert _counts(summary.files[0]) == ORDERS_COUNTS
    assert summary.tables == {"orders": 5}
    assert _quarantine(db_path, "orders.csv") == BROKEN_ORDERS_QUARANTINE
    assert _manifest(db_path, "orders.csv") == [tuple(ORDERS_COUNTS.values())]
    rows = query(db_path, "SELECT order_id, user_id, created_ts, status, currency, gross_amount, channel, "
                 "payment_method FROM orders ORDER BY order_id")
    assert rows == EXPECTED_ORDERS
    # same currency as the store: rate exactly 1, converted amount equal
    assert query(db_path, "SELECT DISTINCT fx_rate, bool_and(gross_amount_rc = gross_amount) FROM orders "
                 "GROUP BY 1") == [(Decimal("1"), True)]

    summary = import_(db_path, [events], table="events", store="shop")
    assert _counts(summary) == EVENTS_COUNTS
    assert _quarantine(db_path, "events.csv") == BROKEN_EVENTS_QUARANTINE
    assert _manifest(db_path, "events.csv") == [tuple(EVENTS_COUNTS.values())]
    rows = query(db_path, "SELECT event_id, ts, user_id, event, channel, device, CAST(properties AS VARCHAR) "
                 "FROM events ORDER BY event_id")
    assert [(*r[:6], json.loads(r[6]) if r[6] else None) for r in rows] == EXPECTED_EVENTS

    # the quarantine keeps the whole source row: a ragged line as its cells, others as an object
    raw = dict(query(db_path, "SELECT line, CAST(raw AS VARCHAR) FROM quarantine WHERE file LIKE '%orders.csv' "
                     "AND line IN (3, 6)"))
    assert json.loads(raw[3])[-1] == "EXTRA"
    assert json.loads(raw[6])["gross_amount"] == "ten"

    # Windows line ends: the same lines, the same refusals (the quoted newline stays \r\n in the value)
    crlf = write(tmp_path / "orders_crlf.csv", BROKEN_ORDERS.replace("\n", "\r\n"))
    summary = import_(db_path, [crlf], table="orders", store="crlf", **NEW)
    assert _counts(summary) == ORDERS_COUNTS
    assert _quarantine(db_path, "orders_crlf.csv") == BROKEN_ORDERS_QUARANTINE
    assert query(db_path, "SELECT payment_method FROM orders WHERE store_id = 'crlf' AND order_id = 'o11'") \
        == [("card\r\nvisa",)]

    # a second import of the same files changes nothing but adds manifest rows saying so
    before = snapshot(db_path)
    summary = import_(db_path, [orders, events], store="shop")  # tables guessed from the headers
    assert [f.target for f in summary.files] == ["orders", "events"]
    assert summary.loaded == 0
    assert _counts(summary.files[0]) == {"read": 18, "loaded": 0, "duplicates": 7, "quarantined": 11}
    assert _counts(summary.files[1]) == {"read": 10, "loaded": 0, "duplicates": 4, "quarantined": 6}
    after = snapshot(db_path)
    for name in [t.name for t in TABLES] + ["quarantine"]:
        assert after[name] == before[name], name
    new_manifest = [r for r in after["import_manifest"] if r not in before["import_manifest"]]
    assert sorted((r[7], r[8], r[9], r[10]) for r in new_manifest) == [(10, 0, 4, 6), (18, 0, 7, 11)]
    # conservation holds for every manifest row
    assert query(db_path, 'SELECT count(*) FROM import_manifest WHERE "read" <> loaded + duplicates + '
                 "quarantined") == [(0,)]
    # the unchanged re-import found exactly the quarantine rows of its files and left them as they were
    # (it writes nothing, so `import undo` of it has nothing to restore): they stay those of imports 1 and 2
    assert query(db_path, "SELECT DISTINCT import_id FROM quarantine WHERE store_id = 'shop' ORDER BY 1") \
        == [(1,), (2,)]
    assert {e["file"] for e in summary.examples} == {str(events.absolute()), str(orders.absolute())}  # still shown


# --------------------------------------------------------------------------------------------
# The same content in every supported encoding and format.
HEADER = ["order_id", "user_id", "created_ts", "status", "currency", "gross_amount", "channel",
          "payment_method", "country"]
CONTENT = [
    ["f1", "u1", "2024-03-01 10:00:00", "paid", "USD", "10.5", "直播", "支付宝", "中国"],
    ["f2", "u2", "2024-03-01 11:30:00", "shipped", "USD", "20.25", "抖音", "微信支付", "中国"],
    ["f3", "u3", "2024-03-02 09:15:00", "created", "USD", "7", "seo", "card; visa,\texp 12/26\nmore", "US"],
    ["f4", "u4", "2024-03-02 23:59:59", "delivered", "USD", "0", "direct", "货到付款", "中国"],
    ["f5", "u1", "2024-03-03 08:00:00", "paid", "USD", "99.99", "达人", "支付宝", "香港"],
    ["f6", "u6", "2024-03-03 09:00:00", "paid", "USD", "abc", "direct", "card", "US"],  # bad amount
]
EXPECTED_CONTENT = [
    ("f1", "u1", datetime(2024, 3, 1, 10, 0), "paid", Decimal("10.5"), "live_stream", "支付宝", "中国"),
    ("f2", "u2", datetime(2024, 3, 1, 11, 30), "shipped", Decimal("20.25"), "short_video", "微信支付", "中国"),
    ("f3", "u3", datetime(2024, 3, 2, 9, 15), "created", Decimal("7"), "organic_search",
     "card; visa,\texp 12/26\nmore", "US"),
    ("f4", "u4", datetime(2024, 3, 2, 23, 59, 59), "delivered", Decimal("0"), "direct", "货到付款", "中国"),
    ("f5", "u1", datetime(2024, 3, 3, 8, 0), "paid", Decimal("99.99"), "kol", "支付宝", "香港"),
]


def _csv_text(delimiter: str) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(CONTENT)
    return buf.getvalue()


def _typed(row: list[str]) -> dict[str, object]:
    """The row as a typed export would hold it: a datetime and a number (NaN where unreadable)."""
    out: dict[str, object] = dict(zip(HEADER, row, strict=True))
    out["created_ts"] = datetime.fromisoformat(row[2])
    try:
        out["gross_amount"] = float(row[5])
    except ValueError:
        out["gross_amount"] = row[5]
    return out


def _variants(tmp_path: Path) -> dict[str, Path]:
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = {
        "utf8": write(tmp_path / "utf8.csv", _csv_text(",")),
        "gbk": write(tmp_path / "gbk.csv", _csv_text(","), "gbk"),
        "bom": write(tmp_path / "bom.csv", _csv_text(","), "utf-8-sig"),
        "semicolon": write(tmp_path / "semicolon.csv", _csv_text(";")),
        "tab": write(tmp_path / "tab.txt", _csv_text("\t")),
    }
    gz = tmp_path / "gzip.csv.gz"
    gz.write_bytes(gzip.compress(_csv_text(",").encode()))
    files["gzip"] = gz
    lines = [json.dumps({k: v for k, v in _typed(r).items() if k != "created_ts"} | {"created_ts": r[2]},
                        ensure_ascii=False) for r in CONTENT]
    lines.insert(2, '{"order_id": "broken", "user_id": ')  # line 3: not JSON
    files["jsonl"] = write(tmp_path / "orders.jsonl", "\n".join(lines) + "\n")
    typed = [_typed(r) for r in CONTENT]
    for row in typed:  # a Parquet column has one type: an unreadable amount is a missing one (NaN)
        if isinstance(row["gross_amount"], str):
            row["gross_amount"] = float("nan")
    table = pa.Table.from_pylist(typed)
    assert table.schema.field("created_ts").type == pa.timestamp("us")
    assert table.schema.field("gross_amount").type == pa.float64()
    pq.write_table(table, tmp_path / "orders.parquet")
    files["parquet"] = tmp_path / "orders.parquet"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in CONTENT:
        sheet.append(list(_typed(row).values()))
    book.save(tmp_path / "orders.xlsx")
    files["xlsx"] = tmp_path / "orders.xlsx"
    return files


def test_same_content_in_every_encoding_and_format(tmp_path: Path, db_path: Path) -> None:
    files = _variants(tmp_path)
    assert b"\xd6\xb1\xb2\xa5" in files["gbk"].read_bytes()  # 直播 in GBK
    assert files["bom"].read_bytes().startswith(b"\xef\xbb\xbf")
    results = {}
    with shoplens.connect(str(db_path)) as wh:
        for name, path in files.items():
            results[name] = shoplens.import_files(wh, [str(path)], table="orders", store=name, **NEW)
    for name in files:
        rows = query(db_path, "SELECT order_id, user_id, created_ts, status, gross_amount, channel, "
                     "payment_method, country FROM orders WHERE store_id = ? ORDER BY order_id", [name])
        assert rows == EXPECTED_CONTENT, name
        expected_bad = 2 if name == "jsonl" else 1
        assert (results[name].loaded, results[name].quarantined) == (5, expected_bad), name
        assert results[name].read == 5 + expected_bad, name
    reasons = {name: set(query(db_path, "SELECT line, \"column\", reason FROM quarantine WHERE store_id = ?",
                               [name])) for name in files}
    # f6 is on file line 7 (header + 5 rows; f3's quoted newline adds one physical line: 8)
    for name in ("utf8", "gbk", "bom", "semicolon", "tab", "gzip"):
        assert reasons[name] == {(8, "gross_amount", "invalid_number")}, name
    assert reasons["xlsx"] == {(7, "gross_amount", "invalid_number")}  # spreadsheet row 7
    assert reasons["jsonl"] == {(3, None, "bad_json_line"), (7, "gross_amount", "invalid_number")}
    assert reasons["parquet"] == {(6, "gross_amount", "missing_required")}  # 6th row, NaN
    message = query(db_path, "SELECT message FROM quarantine WHERE store_id = 'jsonl' AND line = 3")[0][0]
    assert "JSON" in message


# --------------------------------------------------------------------------------------------
def test_missing_required_column_fails_before_writing(tmp_path: Path, db_path: Path) -> None:
    good = write(tmp_path / "good.csv", BROKEN_ORDERS)
    import_(db_path, [good], table="orders", store="shop", **NEW)
    before = snapshot(db_path)
    new = write(tmp_path / "new.csv", "order_id,created_ts,gross_amount\nz0,2024-03-01 09:00:00,1\n")
    bad = write(tmp_path / "no_amount.csv", "order_id,created_ts,currency\nz1,2024-03-01 10:00:00,USD\n")
    with pytest.raises(SchemaError) as info:
        import_(db_path, [new, bad], table="orders", store="shop")
    assert "gross_amount" in str(info.value)
    assert "no_amount.csv" in str(info.value)
    assert snapshot(db_path) == before

    proc = run_cli("--db", str(db_path), "import", "orders", str(new), str(bad))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "gross_amount" in lines[0] and "no_amount.csv" in lines[0], proc.stderr
    assert snapshot(db_path) == before


def test_column_map(tmp_path: Path, db_path: Path) -> None:
    src = write(tmp_path / "export.csv", "Order No,when,Amount,currency\n"
                "m1,2024-03-01 10:00:00,12.5,USD\nm2,2024-03-01 11:00:00,3,USD\n")
    proc = run_cli("--db", str(db_path), "import", "orders", str(src), "--map", "Order No=order_id",
                   "--map", "when=created_ts", "--map", "amount=gross_amount", "--format", "json",
                   "--store", "shop", "--currency", "USD", "--timezone", "UTC")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert (out["read"], out["loaded"], out["quarantined"]) == (2, 2, 0)
    assert query(db_path, "SELECT order_id, created_ts, gross_amount, status FROM orders ORDER BY 1") == [
        ("m1", datetime(2024, 3, 1, 10), Decimal("12.5"), "paid"),  # status takes its default
        ("m2", datetime(2024, 3, 1, 11), Decimal("3"), "paid")]

    before = snapshot(db_path)
    bad_maps = {
        "amount": "bad column map",  # no '='
        "amount=price": "no column 'price'",  # not a column of orders
        "nothere=gross_amount": "'nothere'",  # not a column of the file
    }
    for bad, fragment in bad_maps.items():
        with pytest.raises(SchemaError) as info:
            import_(db_path, [src], table="orders", maps=["Order No=order_id", "when=created_ts", bad])
        assert fragment in str(info.value), (bad, str(info.value))
    proc = run_cli("--db", str(db_path), "import", "orders", str(src), "--map", "amount=price")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "price" in proc.stderr
    assert snapshot(db_path) == before


# --------------------------------------------------------------------------------------------
def test_timestamps_are_stored_in_utc(tmp_path: Path, db_path: Path) -> None:
    # 2024-03-01 16:30 UTC is 2024-03-02 00:30 in Shanghai (UTC+8, no DST) and 11:30 at -05:00; in
    # epoch seconds 1709310600: 2024-03-01 00:00 UTC = 1704067200 (2024-01-01) + 60 days = 1709251200,
    # plus 16.5 h = 59400 s.
    f = write(tmp_path / "ts.csv", "order_id,created_ts,gross_amount\n"
              "t1,2024-03-02 00:30:00,1\n"  # naive: Shanghai local
              "t2,2024-03-01T16:30:00Z,1\n"
              "t3,2024-03-02T00:30:00+08:00,1\n"
              "t4,2024-03-01T11:30:00-05:00,1\n"
              "t5,1709310600,1\n"  # epoch seconds
              "t6,1709310600000,1\n"  # epoch milliseconds
              "t7,2024/03/02 00:30,1\n"  # naive
              "t8,2024年03月02日 00:30:00,1\n"  # naive
              "t9,2024-03-01 16:30:00 UTC,1\n")
    summary = import_(db_path, [f], table="orders", store="cn", timezone="Asia/Shanghai", currency="USD")
    assert (summary.loaded, summary.quarantined) == (9, 0)
    rows = query(db_path, "SELECT order_id, created_ts FROM orders ORDER BY 1")
    assert rows == [(f"t{i}", datetime(2024, 3, 1, 16, 30)) for i in range(1, 10)]

    # an existing store: --timezone only says how to read this file's naive timestamps
    g = write(tmp_path / "ny.csv", "order_id,created_ts,gross_amount\n"
              "n1,2024-07-01 12:00:00,1\n"  # EDT, UTC-4 -> 16:00 UTC
              "n2,2024-01-15 12:00:00,1\n")  # EST, UTC-5 -> 17:00 UTC
    import_(db_path, [g], table="orders", store="cn", timezone="America/New_York")
    rows = query(db_path, "SELECT order_id, created_ts FROM orders WHERE order_id LIKE 'n%' ORDER BY 1")
    assert rows == [("n1", datetime(2024, 7, 1, 16)), ("n2", datetime(2024, 1, 15, 17))]
    assert query(db_path, "SELECT timezone, reporting_currency FROM stores") == [("Asia/Shanghai", "USD")]


def test_fx_uses_the_local_date_and_missing_rates_quarantine(tmp_path: Path, db_path: Path) -> None:
    rates = write(tmp_path / "rates.csv", "date,currency,rate_to\n"
                  "2024-03-01,EUR,1.08\n2024-03-02,EUR,1.10\n2024-03-01,CNY,0.14\n")
    import_(db_path, [rates], table="fx_rates", store="fx", timezone="Asia/Shanghai", currency="USD")
    # Columns: 1 order_id 2 created_ts 3 currency 4 gross_amount 5 discount. Store zone Asia/Shanghai.
    orders = write(tmp_path / "fx_orders.csv", "order_id,created_ts,currency,gross_amount,discount\n"
                   "x1,2024-03-02 00:30:00,EUR,100,10\n"  # UTC 03-01 16:30, local 03-02 -> 1.10
                   "x2,2024-03-01T23:59:00Z,EUR,50,\n"  # local 03-02 07:59 -> 1.10
                   "x3,2024-03-01 23:30:00,EUR,10,\n"  # local 03-01 -> 1.08
                   "x4,2024-03-01 12:00:00,USD,42,\n"  # same currency -> 1
                   "x5,2024-03-01 12:00:00,CNY,200,\n"  # -> 0.14
                   "x6,2024-03-03 00:10:00,EUR,100,\n"  # line 7: local 03-03 (UTC 03-02 has a rate!)
                   "x7,2024-03-01 12:00:00,JPY,1000,\n")  # line 8: no JPY rate at all
    summary = import_(db_path, [orders], table="orders", store="fx")
    assert _counts(summary) == {"read": 7, "loaded": 5, "duplicates": 0, "quarantined": 2}
    expected = [
        ("x1", Decimal("1.10"), Decimal("110"), Decimal("11")),
        ("x2", Decimal("1.10"), Decimal("55"), None),
        ("x3", Decimal("1.08"), Decimal("10.8"), None),
        ("x4", Decimal("1"), Decimal("42"), None),
        ("x5", Decimal("0.14"), Decimal("28"), None),
    ]
    assert query(db_path, "SELECT order_id, fx_rate, gross_amount_rc, discount_rc FROM orders ORDER BY 1") \
        == expected
    q = query(db_path, 'SELECT line, "column", field, value, reason, message FROM quarantine ORDER BY line')
    # the value names the currency and the LOCAL date whose rate is missing
    assert [r[:5] for r in q] == [(7, "currency", 3, "EUR (2024-03-03)", "missing_fx_rate"),
                                  (8, "currency", 3, "JPY (2024-03-01)", "missing_fx_rate")]
    assert "EUR" in q[0][5] and "2024-03-03" in q[0][5]
    assert "JPY" in q[1][5] and "2024-03-01" in q[1][5]

    more = write(tmp_path / "rates2.csv", "date,currency,rate_to\n2024-03-03,EUR,1.2\n2024-03-01,JPY,0.0067\n")
    import_(db_path, [more], table="fx_rates", store="fx")
    summary = import_(db_path, [orders], table="orders", store="fx")
    assert _counts(summary) == {"read": 7, "loaded": 2, "duplicates": 5, "quarantined": 0}
    assert query(db_path, "SELECT order_id, fx_rate, gross_amount_rc FROM orders WHERE order_id IN ('x6', 'x7') "
                 "ORDER BY 1") == [("x6", Decimal("1.2"), Decimal("120")), ("x7", Decimal("0.0067"), Decimal("6.7"))]
    assert query(db_path, "SELECT count(*) FROM quarantine") == [(0,)]


def test_later_version_replaces_the_order(tmp_path: Path, db_path: Path) -> None:
    first = write(tmp_path / "day1.csv", "order_id,created_ts,status,gross_amount\n"
                  "v1,2024-03-01 10:00:00,paid,10\nv2,2024-03-01 11:00:00,paid,20\n")
    second = write(tmp_path / "day2.csv", "order_id,created_ts,status,gross_amount\n"
                   "v1,2024-03-01 10:00:00,shipped,10\nv2,2024-03-01 11:00:00,paid,20\n")
    one = import_(db_path, [first], table="orders", store="shop", **NEW)
    two = import_(db_path, [second], table="orders")  # the warehouse's only store
    assert _counts(two) == {"read": 2, "loaded": 1, "duplicates": 1, "quarantined": 0}
    assert query(db_path, "SELECT order_id, status, _import_id FROM orders ORDER BY 1") == [
        ("v1", "shipped", two.import_id), ("v2", "paid", one.import_id)]


def test_customer_first_seen_keeps_the_minimum(tmp_path: Path, db_path: Path) -> None:
    a = write(tmp_path / "a.csv", "user_id,first_seen,country\nu1,2024-03-05 00:00:00,US\nu2,2024-02-01,US\n")
    b = write(tmp_path / "b.csv", "user_id,first_seen,country\nu1,2024-03-01 00:00:00,CN\nu2,2024-02-10,US\n")
    c = write(tmp_path / "c.csv", "user_id,first_seen,country\nu1,,JP\n")
    import_(db_path, [a], table="customers", store="ab", **NEW)
    import_(db_path, [b], table="customers", store="ab")
    import_(db_path, [b], table="customers", store="ba", **NEW)
    import_(db_path, [a], table="customers", store="ba")
    rows = query(db_path, "SELECT store_id, user_id, first_seen, country FROM customers ORDER BY 1, 2")
    assert rows == [
        ("ab", "u1", datetime(2024, 3, 1), "CN"), ("ab", "u2", datetime(2024, 2, 1), "US"),
        ("ba", "u1", datetime(2024, 3, 1), "US"), ("ba", "u2", datetime(2024, 2, 1), "US")]
    import_(db_path, [c], table="customers", store="ab")  # no first_seen: the stored one stays
    assert query(db_path, "SELECT first_seen, country FROM customers WHERE store_id = 'ab' AND user_id = 'u1'") \
        == [(datetime(2024, 3, 1), "JP")]


def test_a_repeated_header_reads_its_first_column(tmp_path: Path, db_path: Path) -> None:
    f = write(tmp_path / "repeated.csv", "order_id,created_ts,gross_amount,order_id\n"
              "r1,2024-03-01 10:00:00,5,OTHER\n"
              ",2024-03-01 11:00:00,6,SECOND\n")  # line 3: the first order_id is empty
    summary = import_(db_path, [f], table="orders", store="shop", **NEW)
    assert summary.files[0].ignored_columns == ["order_id"]
    assert query(db_path, "SELECT order_id, gross_amount FROM orders") == [("r1", Decimal("5"))]
    assert _quarantine(db_path, "repeated.csv") == {(3, "order_id", 1, None, "missing_required")}


@pytest.mark.parametrize(("name", "kind"), [("bad.parquet", "Parquet"), ("bad.xlsx", "Excel")])
def test_a_corrupt_typed_file_is_a_clear_error(tmp_path: Path, name: str, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"this is not what the name says")
    with shoplens.connect(str(tmp_path / "w.duckdb")) as wh:
        with pytest.raises(ShoplensError, match=f"not a readable {kind} file"):
            import_files(wh, [path], table="events", store="s", currency="USD", timezone="UTC")
        assert wh.con.execute("SELECT count(*) FROM events").fetchone()[0] == 0
