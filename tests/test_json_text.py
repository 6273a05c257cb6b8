"""The JSON writer of the CLI and the API (shoplens/json_text.py): the same document as the standard library's
``json.dumps(ensure_ascii=False, default=str)``, faster; the two documented differences are checked here too."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np

from shoplens.json_text import json_text


@dataclass
class Point:
    x: int


def test_same_document_as_the_standard_library() -> None:
    data = {"store": "天猫国际", "day": date(2026, 11, 1), "at": datetime(2026, 11, 1, 8, 30),
            "money": Decimal("12.30"), "rows": [{"a": 1, "b": 0.1, "c": None, "d": True}, []], "empty": {},
            1: "int key", None: "null key", "point": Point(3), "share": 9.99942e-05, "big": 1e22,
            "numpy": [np.float64(469.1666657206), np.int64(3), np.float32(0.5)]}
    expected = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    assert json_text(data, indent=True) == expected.replace("9.99942e-05", "0.0000999942")
    assert json.loads(json_text(data)) == json.loads(expected)
    assert "天猫国际" in json_text(data)  # UTF-8 kept, never \\u escapes
    assert '"at": "2026-11-01 08:30:00"' in json_text(data, indent=True)  # str(datetime), as before


def test_nan_is_null_and_huge_integers_still_written() -> None:
    assert json.loads(json_text({"x": math.nan, "y": math.inf})) == {"x": None, "y": None}
    assert json.loads(json_text({"n": 2**70})) == {"n": 2**70}  # beyond 64 bits: the standard library writes it


def test_a_stdout_in_another_encoding_gets_the_same_document_escaped() -> None:
    """`--format json` to a GBK console: every non-ASCII character escaped (GBK has no U+2212 minus sign), the same
    document as on a UTF-8 stdout."""
    import os
    import subprocess
    import sys

    def run(encoding: str) -> bytes:
        env = {**os.environ, "PYTHONIOENCODING": encoding}
        done = subprocess.run([sys.executable, "-m", "shoplens", "metrics", "list", "--format", "json"],
                              capture_output=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout

    gbk, utf8 = run("gbk"), run("utf-8")
    assert gbk.isascii() and not utf8.isascii()
    assert json.loads(gbk.decode("ascii")) == json.loads(utf8.decode("utf-8"))


def test_escaping_keeps_the_document() -> None:
    """The ASCII form (a stdout in another encoding) is the UTF-8 document with its non-ASCII characters escaped:
    a character beyond U+FFFF as a surrogate pair, numbers written as before."""
    from shoplens.cli.output import _escaped

    data = {"店铺": "天猫国际 − 旗舰店 🛍", "share": 9.99942e-05, "n": [1, 2.5]}
    text = json_text(data, indent=True)
    ascii_text = _escaped(text)
    assert ascii_text.isascii() and "\\ud83d\\udecd" in ascii_text and "0.0000999942" in ascii_text
    assert json.loads(ascii_text) == json.loads(text) == data


def test_a_stdout_without_a_byte_buffer_gets_plain_text(capsys: object) -> None:
    import contextlib
    import io

    from shoplens.cli.output import print_json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_json({"名": "中文", "share": 9.99942e-05})
    assert out.getvalue() == '{\n  "名": "中文",\n  "share": 0.0000999942\n}\n'


def test_abc_one_sku_per_line_is_escaped_too(demo_db: Path) -> None:
    """`products abc --format json` writes one SKU per line through the same writer: ASCII to a GBK stdout. The
    demo's first week has no previous period, so its note (in Chinese too) carries non-ASCII text."""
    import os
    import subprocess
    import sys

    def run(encoding: str) -> bytes:
        env = {**os.environ, "PYTHONIOENCODING": encoding}
        done = subprocess.run([sys.executable, "-m", "shoplens", "--db", str(demo_db), "products", "abc", "--from",
                               "2026-05-20", "--to", "2026-05-26", "--format", "json"], capture_output=True, env=env,
                              timeout=300)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout

    gbk, utf8 = run("gbk"), run("utf-8")
    assert gbk.isascii() and not utf8.isascii()
    assert json.loads(gbk.decode("ascii")) == json.loads(utf8.decode("utf-8"))
    assert len(utf8.decode().splitlines()) == len(gbk.decode().splitlines())  # still one SKU per line
