"""Saved import profiles: the options of an import under a name (``--save-profile``), reused (``--profile``).

Explicit options win over the profile's: a single-valued option given on the command line replaces the saved one;
``--map`` and ``--map-value`` pairs are added after the saved ones, so a pair for the same column (or the same
value) replaces the saved pair and the others stay.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from shoplens.warehouse.profiles_table import check_name, get_profile

SINGLE = ("table", "preset", "timezone", "currency", "encoding", "delimiter", "sheet")


@dataclass
class ImportOptions:
    """What a profile keeps (the store and the bad-row limits are chosen per import, not kept)."""

    table: str | None = None
    preset: str | None = None
    maps: list[str] = field(default_factory=list)
    value_maps: list[str] = field(default_factory=list)
    timezone: str | None = None
    currency: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, [])}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportOptions:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def with_profile(con: Any, name: str | None, given: ImportOptions) -> ImportOptions:
    """``given`` over the saved profile ``name`` (``given`` itself when no profile is named)."""
    if not name:
        return given
    saved = ImportOptions.from_dict(get_profile(con, check_name(name)))
    merged = ImportOptions(maps=[*saved.maps, *given.maps], value_maps=[*saved.value_maps, *given.value_maps])
    for key in SINGLE:
        setattr(merged, key, getattr(given, key) or getattr(saved, key))
    if given.table and not given.preset:  # a table on the command line is a canonical import
        merged.preset = None
    if given.preset and not given.table:
        merged.table = None
    return merged
