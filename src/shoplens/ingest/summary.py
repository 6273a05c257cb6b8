"""What an import reports: per file and in total, with read = loaded + duplicates + quarantined,
and its outcome (the exit code of `shoplens import`).

Outcomes: ``loaded`` (0) every file has rows in the warehouse (new, replaced or already stored: an
unchanged re-import is a success); ``no_rows`` (4) some file has none (header only, or every
line quarantined; an empty file is an input error, 2, before that) — committed, so its quarantine
rows can be inspected; ``refused`` (5) over the ``--strict``/``--max-bad-rows`` limit — rolled back,
nothing written.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shoplens.errors import ShoplensError

EXIT_CODES = {"loaded": 0, "no_rows": 4, "refused": 5}


@dataclass
class FileResult:
    file: str
    sha256: str
    preset: str
    target: str
    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    tables: dict[str, int] = field(default_factory=dict)  # rows written (inserted + updated)
    reasons: dict[str, int] = field(default_factory=dict)  # quarantined cells by reason
    ignored_columns: list[str] = field(default_factory=list)
    # lines that are not data (report title rows, 合计 rows): outside read = loaded + duplicates + quarantined
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.duplicates + self.quarantined

    @property
    def no_rows(self) -> bool:
        """Nothing of the file is in the warehouse: no line loaded, none already stored."""
        return self.loaded + self.duplicates == 0


@dataclass
class ImportSummary:
    import_id: int
    store_id: str
    files: list[FileResult]
    store_created: bool = False
    examples: list[dict[str, Any]] = field(default_factory=list)  # first quarantined cells
    store_implied: bool = False  # no store was named: the warehouse's only store
    refused: str | None = None  # why --strict / --max-bad-rows refused it (nothing written)
    preview: dict[str, Any] | None = None  # dry run only: first rows per table (ingest/preview.py)
    preset_chosen: str | None = None  # --preset auto: the preset that recognised the header
    profile: str | None = None  # --profile: the saved options used
    profile_saved: str | None = None  # --save-profile: the name this import's options were saved under

    @property
    def outcome(self) -> str:
        return "refused" if self.refused else "no_rows" if any(f.no_rows for f in self.files) else "loaded"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.outcome]

    def _total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def read(self) -> int:
        return self._total("read")

    @property
    def loaded(self) -> int:
        return self._total("loaded")

    @property
    def duplicates(self) -> int:
        return self._total("duplicates")

    @property
    def quarantined(self) -> int:
        return self._total("quarantined")

    @property
    def tables(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            for name, n in f.tables.items():
                out[name] = out.get(name, 0) + n
        return out

    @property
    def skipped(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            for kind, n in f.skipped.items():
                out[kind] = out.get(kind, 0) + n
        return out

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract of `shoplens import --format json`."""
        return {
            "import_id": None if self.refused else self.import_id,  # a refused import has no id
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "refused": self.refused,
            "store_id": self.store_id,
            "store_created": self.store_created,
            "store_implied": self.store_implied,
            "read": self.read,
            "loaded": self.loaded,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "tables": self.tables,
            "skipped": self.skipped,
            "files": [{**asdict(f), "no_rows": f.no_rows} for f in self.files],
            "quarantine_examples": self.examples,
            "preset_chosen": self.preset_chosen,
            "profile": self.profile,
            "profile_saved": self.profile_saved,
        }


class ImportRefusedError(ShoplensError):
    """``--strict`` / ``--max-bad-rows`` refused the import: rolled back; ``summary`` says what it found."""

    exit_code = 5

    def __init__(self, summary: ImportSummary, **kw: Any) -> None:
        super().__init__(**kw)
        self.summary = summary


@dataclass(frozen=True)
class BadRowLimit:
    """How many quarantined lines an import may have (over all its files) before it is refused."""

    count: int | None = None  # at most this many lines
    percent: float | None = None  # at most this share of the lines read
    text: str = ""

    def exceeded(self, quarantined: int, read: int) -> bool:
        if self.count is not None:
            return quarantined > self.count
        return read > 0 and quarantined * 100 > (self.percent or 0) * read


def bad_row_limit(strict: bool, max_bad_rows: str | int | None) -> BadRowLimit | None:
    """``--strict`` (no quarantined line at all) or ``--max-bad-rows N|P%``; None = no limit."""
    if strict and max_bad_rows is not None:
        raise ShoplensError("--strict and --max-bad-rows say the same thing twice", hint="use one of them",
                            zh="--strict 与 --max-bad-rows 不能同时使用", zh_hint="只用其中一个")
    if strict:
        return BadRowLimit(count=0, text="--strict")
    if max_bad_rows is None:
        return None
    text = str(max_bad_rows).strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(%?)", text)
    value = float(match.group(1)) if match else -1.0
    if not match or (match.group(2) and value > 100) or (not match.group(2) and not value.is_integer()):
        raise ShoplensError(f"invalid --max-bad-rows {text!r}",
                            hint="a number of lines (e.g. 10) or a percentage of the lines read (e.g. 0.5%)",
                            zh=f"无效的 --max-bad-rows {text!r}",
                            zh_hint="填行数（如 10）或占读取行数的百分比（如 0.5%）")
    if match.group(2):
        return BadRowLimit(percent=value, text=f"--max-bad-rows {text}")
    return BadRowLimit(count=int(value), text=f"--max-bad-rows {text}")


def refusal(summary: ImportSummary, limit: BadRowLimit) -> ImportRefusedError:
    """The error for an import over its limit, naming the first problem."""
    first = summary.examples[0] if summary.examples else None
    where = f"{Path(str(first['file'])).name}:{first['line']}" if first else None
    detail = f" (first: {first['reason']} {first['column'] or ''} {first['value'] or ''})".replace("  ", " ") \
        if first else ""
    summary.refused = f"{summary.quarantined:,} of {summary.read:,} lines quarantined, over {limit.text}"
    return ImportRefusedError(
        summary, message=f"import refused: {summary.refused}; nothing was written{detail}", where=where,
        hint="fix those lines (shown above; shoplens import --format json lists them), or relax the limit",
        zh=f"导入被拒绝：{summary.read:,} 行中有 {summary.quarantined:,} 行被隔离，超过 {limit.text}；"
        f"未写入任何数据{detail}",
        zh_hint="请修正这些行（见上方；shoplens import --format json 可列出），或放宽限制")
