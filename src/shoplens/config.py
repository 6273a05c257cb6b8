"""The config file (``shoplens.yaml``) and the warehouse's resource settings, read below every other layer.

The file is found as everywhere else: an explicit path, ``$SHOPLENS_CONFIG``, else ``./shoplens.yaml``.
Its ``warehouse:`` section bounds what DuckDB may take, because DuckDB's own default (80 % of the
machine's RAM) lets one import or query take the memory of every other process on the machine
before it fails::

    warehouse:
      memory_limit: 1GB            # DuckDB's buffers (default 512MiB); beyond it, it spills to temp_directory
      temp_directory: /big/disk/tmp  # where it spills (default: <warehouse file>.tmp)
      max_temp_directory_size: 50GB  # how much it may spill (default: 90 % of the free disk)
      threads: 2                   # DuckDB worker threads (default: one per core)

Each value can be overridden by the environment (``SHOPLENS_MEMORY_LIMIT``, ``SHOPLENS_TEMP_DIRECTORY``,
``SHOPLENS_MAX_TEMP_DIRECTORY_SIZE``, ``SHOPLENS_THREADS``). Sizes take DuckDB's units (KB/MB/GB are
powers of 1000, KiB/MiB/GiB of 1024) or a share of RAM (``25%``). Bad values are refused with the
place they came from, never ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shoplens.errors import ShoplensError

# The default keeps a whole shoplens process under 1.5 GB of peak RSS on any input (docs/performance.md,
# "Memory"): DuckDB's RSS runs up to ~2x its limit at peaks (allocator caches, untracked buffers), and
# Python with its libraries and one batch of rows takes 250-450 MB besides.
DEFAULT_MEMORY_LIMIT = 512 << 20  # 512 MiB, or a quarter of the RAM on a smaller machine
DEFAULT_RAM_SHARE = 0.25
MIN_MEMORY_LIMIT = 128 << 20  # below this DuckDB cannot hold the blocks one query needs per thread
WAREHOUSE_KEYS = ("memory_limit", "temp_directory", "max_temp_directory_size", "threads")
ENV = {key: "SHOPLENS_" + key.upper() for key in WAREHOUSE_KEYS}
UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
         "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """``explicit``, else ``$SHOPLENS_CONFIG``, else ``./shoplens.yaml`` when it exists, else None."""
    if explicit:
        return Path(explicit)
    if os.environ.get("SHOPLENS_CONFIG"):
        return Path(os.environ["SHOPLENS_CONFIG"])
    local = Path("shoplens.yaml")
    return local if local.exists() else None


def load_yaml(text: str) -> Any:
    """Safe YAML, with libyaml when installed (~10x faster than the pure-Python parser)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_config(path: Path) -> Any:
    """The parsed YAML of ``path``; a missing, unreadable or malformed file is a clear error."""
    if not path.exists():
        raise ShoplensError("config file not found", where=str(path), hint="check --config / SHOPLENS_CONFIG",
                            zh="找不到配置文件", zh_hint="检查 --config / SHOPLENS_CONFIG")
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ShoplensError(f"cannot read the config file: {exc.__class__.__name__}", where=str(path),
                            hint="--config must name a UTF-8 YAML file", zh="无法读取配置文件",
                            zh_hint="--config 应指向 UTF-8 编码的 YAML 文件") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ShoplensError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where=where,
                            hint="check indentation and colons", zh="不是有效的 YAML",
                            zh_hint="检查缩进和冒号") from None
    except ValueError as exc:  # e.g. a date YAML cannot build (2026-13-01)
        raise ShoplensError(f"cannot read the config file: {exc}", where=str(path), hint="check the value",
                            zh=f"无法读取配置文件：{exc}", zh_hint="请检查该值") from None


def config_section(explicit: str | os.PathLike[str] | None, key: str) -> tuple[Any, str]:
    """The raw ``key:`` section of the config file (None without a file or section) and the place to name in
    errors (``shoplens.yaml: alerts``); each section's own parser checks what is inside."""
    path = config_path(explicit)
    if path is None:
        return None, key
    data = read_config(path)
    return (data.get(key) if isinstance(data, dict) else None), f"{path}: {key}"


def ram_bytes() -> int:
    """Physical memory of the machine (0 when the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0


def default_memory_limit() -> int:
    ram = ram_bytes()
    return min(DEFAULT_MEMORY_LIMIT, int(ram * DEFAULT_RAM_SHARE)) if ram else DEFAULT_MEMORY_LIMIT


@dataclass(frozen=True)
class WarehouseSettings:
    """What every DuckDB connection of the warehouse is configured with (None: DuckDB's default)."""

    memory_limit: int = DEFAULT_MEMORY_LIMIT  # bytes
    temp_directory: Path | None = None  # None: <warehouse file>.tmp
    max_temp_directory_size: int | None = None  # bytes
    threads: int | None = None
    source: str = "default"  # where memory_limit came from, for messages

    def temp_for(self, db: Path) -> Path:
        return self.temp_directory or db.with_name(db.name + ".tmp")


def _bad(where: str, message: str, hint: str, zh: str, zh_hint: str) -> ShoplensError:
    return ShoplensError(message, where=where, hint=hint, zh=zh, zh_hint=zh_hint)


def parse_size(value: Any, where: str, *, share_of_ram: bool = True) -> int:
    """Bytes from ``1GB``, ``512MiB``, ``1073741824`` or (``share_of_ram``) ``25%`` of the RAM."""
    text = str(value).strip()
    share = _SHARE.match(text) if share_of_ram else None
    if share:
        pct = float(share.group(1))
        if not 0 < pct <= 90:
            raise _bad(where, f"{text} is not a usable share of RAM", "give 1% to 90%, e.g. 25%",
                       f"{text} 不是可用的内存比例", "请写 1% 到 90%，例如 25%")
        return int(ram_bytes() * pct / 100)
    match = _SIZE.match(text) if not isinstance(value, bool) else None
    unit = match.group(2).lower() if match else ""
    if not match or unit not in UNITS:
        example = "1GB, 512MiB or 25%" if share_of_ram else "50GB or 512MiB"
        raise _bad(where, f"{text!r} is not a size", f"write a number with a unit, e.g. {example}",
                   f"{text!r} 不是有效的大小", f"请写数字加单位，例如 {example}")
    return int(float(match.group(1)) * UNITS[unit])


def _memory_limit(value: Any, where: str) -> int:
    size = parse_size(value, where)
    ram = ram_bytes()
    if size < MIN_MEMORY_LIMIT:
        raise _bad(where, f"memory_limit {value} is too small (DuckDB needs at least 128MiB)",
                   "use 128MiB or more, e.g. 1GB", f"memory_limit {value} 太小（DuckDB 至少需要 128MiB）",
                   "请设为 128MiB 或更大，例如 1GB")
    if ram and size > ram:
        raise _bad(where, f"memory_limit {value} is more than this machine's RAM ({ram / 2**30:.1f} GiB)",
                   "give less than the RAM, e.g. 25%", f"memory_limit {value} 超过本机内存（{ram / 2**30:.1f} GiB）",
                   "请设为小于内存的值，例如 25%")
    return size


def _threads(value: Any, where: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 1024:
        raise _bad(where, f"threads {text!r} is not a number of threads", "give a whole number from 1, e.g. 2",
                   f"threads {text!r} 不是有效的线程数", "请写不小于 1 的整数，例如 2")
    return int(text)


def _directory(value: Any, where: str, base: Path) -> Path:
    text = str(value).strip() if value is not None else ""
    if not text or "\0" in text:
        raise _bad(where, "temp_directory is empty", "give a folder on a disk with room, e.g. /var/tmp/shoplens",
                   "temp_directory 为空", "请指定一个磁盘空间充足的文件夹，例如 /var/tmp/shoplens")
    path = Path(text).expanduser()
    path = path if path.is_absolute() else base / path
    if path.exists() and not path.is_dir():
        raise _bad(where, "temp_directory is a file, not a folder", "name a folder (it is created when needed)",
                   "temp_directory 是文件，不是文件夹", "请指定文件夹（需要时会自动创建）")
    if not path.exists() and not path.parent.is_dir():
        raise _bad(where, "the folder above temp_directory does not exist", "create it, or check the path",
                   "temp_directory 的上级文件夹不存在", "请先创建它，或检查路径")
    return path


def warehouse_settings(explicit: str | os.PathLike[str] | None = None) -> WarehouseSettings:
    """The ``warehouse:`` section of the config file, each value overridden by its environment variable."""
    raw: dict[str, tuple[Any, str, Path]] = {}  # key -> (value, where, base folder of relative paths)
    path = config_path(explicit)
    if path is not None:
        data = read_config(path)
        section = data.get("warehouse") if isinstance(data, dict) else None
        if section is not None and not isinstance(section, dict):
            raise _bad(f"{path}: warehouse", "the warehouse section must be a mapping",
                       "e.g. warehouse: {memory_limit: 1GB}", "warehouse 部分应为键值映射",
                       "例如 warehouse: {memory_limit: 1GB}")
        for key, value in (section or {}).items():
            if key not in WAREHOUSE_KEYS:
                raise _bad(f"{path}: warehouse", f"unknown setting {key!r}", f"known: {', '.join(WAREHOUSE_KEYS)}",
                           f"未知的设置 {key!r}", f"可用的设置：{', '.join(WAREHOUSE_KEYS)}")
            raw[key] = (value, f"{path}: warehouse.{key}", path.absolute().parent)
    for key, name in ENV.items():
        if os.environ.get(name, "").strip():
            raw[key] = (os.environ[name], name, Path.cwd())
    memory = raw.get("memory_limit")
    temp = raw.get("temp_directory")
    spill = raw.get("max_temp_directory_size")
    threads = raw.get("threads")
    return WarehouseSettings(
        memory_limit=_memory_limit(memory[0], memory[1]) if memory else default_memory_limit(),
        temp_directory=_directory(*temp) if temp else None,
        max_temp_directory_size=parse_size(spill[0], spill[1], share_of_ram=False) if spill else None,
        threads=_threads(threads[0], threads[1]) if threads else None,
        source=memory[1] if memory else "default")
