"""The common shape of analysis results: a frozen dataclass with ``to_dict`` (the CLI's JSON) and ``to_pandas``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, is_dataclass
from datetime import date, datetime
from typing import Any, ClassVar

import pandas as pd


def clean(value: Any) -> Any:
    """JSON-ready: NaN -> None, dates -> ISO text, floats rounded (10 places), containers walked."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 10)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return clean(asdict(value))
    if hasattr(value, "item"):  # numpy scalars
        return clean(value.item())
    return value


def clean_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``clean`` of a list of row dicts with the same result, faster for 50 k rows: a plain str, int or None
    is kept and a float rounded without walking ``clean``'s chain of checks; anything else goes through it."""
    out = []
    for row in rows:
        new: dict[str, Any] = {}
        for k, v in row.items():
            t = type(v)
            if t is str or t is int or v is None:
                new[str(k)] = v
            elif t is float:
                new[str(k)] = None if math.isnan(v) or math.isinf(v) else round(v, 10)
            else:
                new[str(k)] = clean(v)
        out.append(new)
    return out


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator, None when the denominator is 0 or missing (never a fake 0 %)."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class Result:
    """Base of the typed results. Subclasses say which rows ``to_pandas`` returns (``table_rows``)."""

    def to_dict(self) -> dict[str, Any]:
        # clean() builds new containers as it walks, so the fields need no deep copy first (dataclasses.asdict
        # deep-copies every row: 0.1 s for a few hundred SKUs)
        return clean({f.name: getattr(self, f.name) for f in fields(self)})  # type: ignore[no-any-return]

    def table_rows(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.table_rows())

    CSV_COLUMNS: ClassVar[tuple[str, ...]] = ()  # the columns of --format csv / format=csv, also when empty

    def csv_table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of the CSV download: one definition for the CLI and the API."""
        header = list(self.CSV_COLUMNS)
        return header, [[row[c] for c in header] for row in self.table_rows()]
