"""Writing the small CSV files that test fixtures import (one helper for every test module)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def write_csv(path: Path, header: str, rows: Iterable[Sequence[Any]]) -> Path:
    """``header`` (comma-separated names) and ``rows`` as a UTF-8 CSV file at ``path`` (each row fits the header)."""
    names = header.split(",")
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row in rows:
            assert len(row) == len(names), (path.name, row)
            writer.writerow(row)
    return path
