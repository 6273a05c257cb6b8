"""What a file is before it is read: gzip or not, its format (by extension), its text encoding (UTF-8 or
GBK/GB18030, told apart from Latin-1), its CSV delimiter, and its first line (for presets that sniff a header)."""

from __future__ import annotations

import csv
import gzip
import zlib
from pathlib import Path
from typing import IO

from shoplens.errors import ShoplensError
from shoplens.ingest.lines import binary_lines

SAMPLE_BYTES = 1 << 20  # what encoding and delimiter detection read


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_binary(path: Path, compressed: bool) -> IO[bytes]:
    return gzip.open(path, "rb") if compressed else open(path, "rb")


# A damaged .gz raises these while streaming; click would turn a bare EOFError into "Aborted".
CORRUPT_GZIP = (EOFError, gzip.BadGzipFile, zlib.error)


def corrupt_error(path: Path, exc: Exception) -> ShoplensError:
    detail = f"{type(exc).__name__}: {exc}"
    return ShoplensError(f"compressed file is truncated or corrupt ({detail})",
                         where=str(path), hint="copy or download it again (`gzip -t FILE` checks it)",
                         zh=f"压缩文件不完整或已损坏（{detail}）",
                         zh_hint="请重新复制或下载该文件（可用 `gzip -t FILE` 检查）")


def base_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def first_line(path: Path) -> str:
    """The first non-blank line (gzip or not, BOM stripped): lets a preset sniff a header."""
    with open_binary(path, is_gzip(path)) as fh:
        for raw in binary_lines(fh, path):
            line = raw.decode("utf-8", "replace").lstrip("\ufeff").strip()
            if line:
                return line
    return ""


def detect_format(path: Path) -> str:
    suffix = base_suffix(path)
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes, else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError as exc:
            if not (exc.start >= len(sample) - 4 and len(sample) >= SAMPLE_BYTES):  # else: cut mid-character
                continue
        if encoding == "utf-8":
            return "utf-8-sig"
        if _looks_like_gbk(sample):
            return encoding
    raise ShoplensError("cannot tell the text encoding (neither UTF-8 nor GBK/GB18030)",
                        hint="pass --encoding, e.g. --encoding cp1252 (Western European Excel) or latin-1",
                        zh="无法识别文件编码（既不是 UTF-8，也不是 GBK/GB18030）",
                        zh_hint="请用 --encoding 指定编码，例如 --encoding cp1252（西欧 Excel）或 latin-1")


def _looks_like_gbk(sample: bytes) -> bool:
    """GB18030 decodes almost any bytes, so Latin-1 "Crème" would silently become "Cr鑝e". Chinese
    text is mostly two-byte characters in the GB2312 area (both bytes 0xA1-0xFE); Latin-1 has lone
    high bytes followed by ASCII letters. Require most double-byte pairs to be GB2312-like."""
    pairs = gb2312 = 0
    i, n = 0, len(sample)
    while i < n - 1:
        lead = sample[i]
        if lead < 0x81:
            i += 1
            continue
        trail = sample[i + 1]
        if 0x30 <= trail <= 0x39:  # a four-byte GB18030 sequence
            i += 4
            continue
        pairs += 1
        gb2312 += 0xA1 <= lead <= 0xFE and 0xA1 <= trail <= 0xFE
        i += 2
    return pairs > 0 and gb2312 / pairs >= 0.8


def sniff_delimiter(text: str, path: Path) -> str:
    if base_suffix(path) in (".tsv", ".tab"):
        return "\t"
    first = text.splitlines()[:20]
    try:
        return csv.Sniffer().sniff("\n".join(first), delimiters=",;\t|").delimiter
    except csv.Error:
        return ","
