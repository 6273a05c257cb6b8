"""The smaller traps one step off the README (issue #11, item 8), each through the real `shoplens` process:

- ``--limit N`` without ``--sort`` keeps the top N by the first metric (it kept the first N alphabetically);
- ``--lang zh`` names enumerated values (channel, device, event, member tier, ...) in Chinese in tables,
  while JSON and CSV keep the ids;
- a table piped to another program is not wrapped at 80 columns (a pty still wraps at its width);
- ``account add`` without a terminal reads the password from standard input (no GetPassWarning), with a
  clear error when nothing comes; ``--password-stdin`` says so explicitly;
- ``--from``/``--to`` take the date spellings imports take (2026/03/02, 20260302, 2026年3月2日).

Shop ``s`` (USD, UTC), 2026-03-02: u1 (mobile, paid_search) viewed, carted and bought o1 120;
u2 (desktop, organic_search) viewed and bought o2 80; u3 (app, direct) bought o3 50 without events.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

import shoplens
from shoplens.ingest.parse import typed_expr
from shoplens.model import Column, Kind
from shoplens.params import parse_day
from shoplens.server.accounts import check_login, list_accounts
from tiny_shop import DAY, LONG_NAME, build_tiny_shop


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_shop(tmp_path_factory.mktemp("traps"), "traps")


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "SHOPLENS_PASSWORD")}
    return {**out, "SHOPLENS_LANG": "en", "SHOPLENS_LOCK_WAIT": "5", **extra}


def run(db: Path, *args: str, ok: bool = True, **kw) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(db), *args], capture_output=True, text=True,
                          timeout=120, env=kw.pop("env", None) or env(COLUMNS="200"), **kw)
    if ok:
        assert proc.returncode == 0, (args, proc.stderr)
    return proc


def table_rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if line.startswith("│")]


# ---- --limit without --sort -------------------------------------------------------------------------------


def test_limit_without_sort_keeps_the_top_by_the_first_metric(db: Path) -> None:
    # GMV by channel: paid_search 120, organic_search 80, direct 50 (alphabetically: direct first)
    rows = json.loads(run(db, "metrics", "gmv,orders", "--by", "channel", *DAY, "--limit", "2", "--format",
                          "json").stdout)["rows"]
    assert [(r["channel"], r["gmv"]) for r in rows] == [("paid_search", 120.0), ("organic_search", 80.0)]
    # the same as --sort on the first metric; :asc still gives the smallest
    assert json.loads(run(db, "metrics", "gmv,orders", "--by", "channel", *DAY, "--limit", "2", "--sort", "gmv",
                          "--format", "json").stdout)["rows"] == rows
    low = json.loads(run(db, "metrics", "gmv", "--by", "channel", *DAY, "--limit", "1", "--sort", "gmv:asc",
                         "--format", "json").stdout)["rows"]
    assert low == [{"channel": "direct", "gmv": 50.0}]


# ---- enumerated values in Chinese --------------------------------------------------------------------------


def test_zh_tables_name_enumerated_values(db: Path) -> None:
    zh = table_rows(run(db, "--lang", "zh", "metrics", "gmv", "--by", "channel,device", *DAY).stdout)
    assert zh == [["直接访问", "App", "50.00"], ["自然搜索", "电脑", "80.00"], ["付费搜索", "手机", "120.00"]]
    en = table_rows(run(db, "metrics", "gmv", "--by", "channel,device", *DAY).stdout)
    assert en == [["direct", "app", "50.00"], ["organic_search", "desktop", "80.00"],
                  ["paid_search", "mobile", "120.00"]]
    # machine formats keep the ids whatever the language
    data = json.loads(run(db, "--lang", "zh", "metrics", "gmv", "--by", "channel", *DAY, "--format", "json").stdout)
    assert {r["channel"] for r in data["rows"]} == {"direct", "organic_search", "paid_search"}
    csv_text = run(db, "--lang", "zh", "metrics", "gmv", "--by", "channel", *DAY, "--format", "csv").stdout
    assert "paid_search" in csv_text and "付费搜索" not in csv_text
    tiers = table_rows(run(db, "--lang", "zh", "metrics", "uv", "--by", "member_tier,new_vs_returning", *DAY).stdout)
    assert {(r[0], r[1]) for r in tiers} == {("金卡会员", "新客"), ("非会员", "新客")}


def test_zh_funnel_and_paths_name_events(db: Path) -> None:
    funnel = run(db, "--lang", "zh", "funnel", "--steps", "product_view,add_to_cart,purchase", "--by", "device").stdout
    steps = [r[0] for r in table_rows(funnel)[:3]]
    assert steps == ["1. 浏览商品", "2. 加入购物车", "3. 支付"]
    assert "product_view" not in funnel and {"手机", "电脑"} <= {r[0] for r in table_rows(funnel)}
    paths = run(db, "--lang", "zh", "paths", "--start", "product_view", "--depth", "3").stdout
    assert "浏览商品" in paths and "（结束）" in paths and "product_view" not in paths


def test_dashboard_and_cli_names_agree() -> None:
    """The dashboard's value names (i18n.js VALUES) are the CLI's (shoplens.value_labels), in both languages."""
    from shoplens.value_labels import VALUES

    source = (Path(shoplens.__file__).parent / "server/dashboard/static/i18n.js").read_text(encoding="utf-8")
    block = source[source.index("const VALUES = {"):]
    block = block[:block.index("\n};")]
    js: dict[str, dict[str, tuple[str, str]]] = {}
    for dim, body in re.findall(r"\n  (\w+): \{(.*?)\n?\s*\},", block + ",", re.S):
        js[dim] = {k: (zh, en) for k, zh, en in re.findall(r'(\w+): \["([^"]*)", "([^"]*)"\]', body)}
    assert {"channel", "device", "event", "channel_type"} <= set(js)
    for dim, names in js.items():
        if dim == "kind":  # timeline item kinds: the CLI's tl_kind_* labels
            continue
        assert {k: VALUES[dim][k] for k in names} == names, dim


# ---- pipes and terminals ---------------------------------------------------------------------------------


def test_piped_table_is_not_wrapped(db: Path) -> None:
    out = run(db, "metrics", "gmv,orders,uv,conversion_rate,aov", "--by", "product", *DAY, env=env()).stdout
    line = next(x for x in out.splitlines() if "p1" in x)
    assert LONG_NAME in line and len(line) > 80, out
    assert all(len(x.rstrip()) <= len(line) for x in out.splitlines())


def _in_pty(args: list[str], cols: int, input_lines: list[str] = (), timeout: float = 60) -> tuple[int, str]:
    """Run with stdin/stdout/stderr on a pseudo-terminal of ``cols`` columns (its controlling terminal);
    ``input_lines`` are typed after each prompt that ends with ': '."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is its terminal
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
        os.execve(sys.executable, [sys.executable, "-m", "shoplens", *args], env())
    output, typed = b"", 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if typed < len(input_lines) and output.count(b": ") > typed:
            os.write(fd, input_lines[typed].encode() + b"\n")
            typed += 1
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")


def test_terminal_table_wraps_at_its_width(db: Path) -> None:
    code, out = _in_pty(["--db", str(db), "metrics", "gmv,orders", "--by", "product", *DAY], cols=60)
    assert code == 0, out
    assert LONG_NAME not in out  # folded inside its column
    assert max(len(re.sub(r"\x1b\[[0-9;]*m", "", x)) for x in out.splitlines()) <= 60


# ---- passwords without a terminal --------------------------------------------------------------------------


def test_account_add_reads_the_password_from_a_pipe(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "accounts.duckdb"
    copy.write_bytes(db.read_bytes())
    for args in (["account", "add", "ana"], ["account", "add", "bob", "--password-stdin"]):
        proc = run(copy, *args, input="s3cret-pass\n", start_new_session=True)  # no controlling terminal
        assert "Warning" not in proc.stderr and proc.stderr == "", proc.stderr
    proc = run(copy, "account", "passwd", "ana", "--password-stdin", input="n3w-secret-pass\n")
    with shoplens.connect(str(copy), read_only=True) as wh:
        assert check_login(wh, "ana", "n3w-secret-pass") is not None
        assert check_login(wh, "bob", "s3cret-pass") is not None


def test_account_add_with_nothing_on_stdin_is_one_clear_line(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "accounts.duckdb"
    copy.write_bytes(db.read_bytes())
    proc = run(copy, "account", "add", "ana", ok=False, stdin=subprocess.DEVNULL, start_new_session=True)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no password on standard input"), proc.stderr
    assert "--password-stdin" in lines[0]
    with shoplens.connect(str(copy), read_only=True) as wh:
        assert list_accounts(wh) == []


def test_account_add_on_a_terminal_still_asks_twice(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "accounts.duckdb"
    copy.write_bytes(db.read_bytes())
    code, out = _in_pty(["--db", str(copy), "account", "add", "tty", "--role", "viewer"], cols=100,
                        input_lines=["s3cret-pass", "s3cret-pass"])
    assert code == 0, out
    assert "Password / 密码: " in out and "Again / 再输一次: " in out and "s3cret-pass" not in out  # not echoed
    with shoplens.connect(str(copy), read_only=True) as wh:
        assert check_login(wh, "tty", "s3cret-pass") is not None


# ---- date spellings ----------------------------------------------------------------------------------------

SPELLINGS = ["2026-03-02", "2026-3-2", "2026/03/02", "2026/3/2", "20260302", "2026年3月2日", "2026年03月02日",
             " 2026-03-02 "]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_spellings_imports_read_are_the_same_day(spelling: str) -> None:
    """Each spelling --from takes is read by the import's own SQL as the same day."""
    expr = typed_expr(Column("d", Kind.DATE, "a day"), "x", "UTC")
    imported = duckdb.execute(f"SELECT {expr} FROM (SELECT ?::VARCHAR AS x)", [spelling]).fetchone()[0]
    assert parse_day(spelling, "--from") == imported == date(2026, 3, 2)


def test_from_and_to_take_import_spellings(db: Path) -> None:
    iso = run(db, "metrics", "gmv", *DAY, "--format", "json").stdout
    assert json.loads(iso)["rows"] == [{"gmv": 250.0}]
    for a, b in (("2026/03/02", "2026/3/2"), ("20260302", "2026年3月2日")):
        assert run(db, "metrics", "gmv", "--from", a, "--to", b, "--format", "json").stdout == iso
    funnel = run(db, "funnel", "--steps", "product_view,purchase", "--from", "2026/03/02", "--to", "2026/03/02",
                 "--format", "json")
    assert json.loads(funnel.stdout)["steps"][0]["count"] == 2
    bad = run(db, "metrics", "gmv", "--from", "03/02/2026", ok=False)
    lines = bad.stderr.strip().splitlines()
    assert bad.returncode != 0 and len(lines) == 1 and "--from '03/02/2026' is not a date" in lines[0], bad.stderr
    assert "2026/10/01" not in lines[0] and "YYYY/MM/DD" in lines[0]
