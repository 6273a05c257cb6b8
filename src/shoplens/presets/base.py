"""What a preset (or the plain canonical import) tells the pipeline about one file.

A plan is declarative: which source columns to read and as what type, which rows a business
rule rejects, and SQL that turns the typed source rows into canonical rows. The pipeline runs
it all in the warehouse and does validation, quarantine, fx conversion and merging itself, so a
preset is only the mapping (see docs/presets.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from shoplens.ingest.readers import ReadOptions
from shoplens.model import Column


@dataclass(frozen=True)
class SourceField:
    """A column of the file: its header text, the name preset SQL uses, and how to parse it."""

    header: str
    name: str
    column: Column
    check_required: bool = True  # False when the model rules are checked later, after defaults apply
    # cell texts that mean "no value" (read as an empty cell): reports write a dash for a figure they
    # could not compute (生意参谋's 支付转化率 of a day without visitors), which is no unreadable number
    blank: tuple[str, ...] = ()


# the dashes reports write for "no figure": ASCII, double, en, em and the Chinese double em dash
DASHES = ("-", "--", "\u2013", "\u2014", "\u2014\u2014")


@dataclass(frozen=True)
class Output:
    """Canonical rows for ``table`` from ``sql``.

    ``sql`` is a SELECT over ``{src}`` (typed source rows that passed parsing and rejects) and must
    return the canonical columns it sets plus ``_line``. ``sources`` maps a canonical column to the
    source header it came from, so a constraint failure points at the right ``file:line:column``.
    A *primary* output has one row per source line it covers; a *derived* one (orders built from
    lines, products, customers) is built from the lines whose primary rows were all valid and is
    counted only in the per-table totals.
    """

    table: str
    sql: str | Callable[[dict[str, str]], str]  # a callable gets the lookups present in the import
    sources: dict[str, str] = field(default_factory=dict)
    primary: bool = True


@dataclass(frozen=True)
class Reject:
    """A business rule: ``where`` (over ``{src}``) marks lines that go to quarantine."""

    where: str
    reason: str
    column: str  # source header named in the error
    value_sql: str  # what to show as the offending value


@dataclass
class FilePlan:
    fields: list[SourceField]
    outputs: list[Output]
    rejects: list[Reject] = field(default_factory=list)
    # extra columns computed over ALL typed source rows before rules run (name -> SQL), e.g. a
    # line's position in its invoice, so that rejecting one line never renumbers the others
    computed: dict[str, str] = field(default_factory=dict)
    priority: int = 50  # lower runs first inside one import (stores, fx_rates before orders)
    ignored_columns: list[str] = field(default_factory=list)
    lookup: str | None = None  # a lookup file (e.g. a translation) other files' SQL may join
    label: str = ""  # what the summary calls this file's target
    # --map-value: source header -> {cell text: canonical value}, applied to the cell before it is parsed
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)


class Preset(Protocol):
    """A mapping for one kind of export (see shoplens.presets for the registry)."""

    name: str
    description: str
    description_zh: str
    timezone: str
    currency: str
    platform: str
    expects: str  # the file it expects and where to download it, one line
    expects_zh: str

    def recognise(self, header: list[str]) -> bool:
        """True when a header (as read with default options: a headerless file's first line) is this platform's."""
        ...

    def read_options(self, path: Path) -> ReadOptions:
        """How to read ``path`` (header or not, delimiter)."""
        ...

    def plan(self, header: list[str], path: Path, context: dict[str, object]) -> FilePlan:
        """The plan for a file with this header; raise SchemaError naming what is missing."""
        ...
