"""What an import reports: per file and in total, with read = loaded + duplicates + quarantined."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.duplicates + self.quarantined


@dataclass
class ImportSummary:
    import_id: int
    store_id: str
    files: list[FileResult]
    store_created: bool = False
    examples: list[dict[str, Any]] = field(default_factory=list)  # first quarantined cells

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

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract of `shoplens import --format json`."""
        return {
            "import_id": self.import_id,
            "store_id": self.store_id,
            "store_created": self.store_created,
            "read": self.read,
            "loaded": self.loaded,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "tables": self.tables,
            "files": [asdict(f) for f in self.files],
            "quarantine_examples": self.examples,
        }
