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


def import_clean(wh: Any, files: dict[str, Path], *, store: str, currency: str = "USD",
                 timezone: str = "UTC") -> None:
    """Import each ``table: file`` into ``store``; a fixture's rows are all valid, so nothing may be quarantined."""
    from shoplens.ingest.pipeline import import_files

    for table, file in files.items():
        summary = import_files(wh, [file], table=table, store=store, currency=currency, timezone=timezone)
        assert summary.files[0].quarantined == 0, summary.examples
