"""``--preset auto``: the preset whose ``recognise`` accepts a file's header, and hints for a file given to the
wrong preset. The header is read as a generic import reads it (a headerless file's first line is its "header")."""

from __future__ import annotations

from pathlib import Path

from shoplens.errors import SchemaError, ShoplensError
from shoplens.ingest import readers
from shoplens.presets import get_preset, preset_names

AUTO = "auto"


def header_of(path: Path, find_header: tuple[str, ...] = (), **overrides: str | None) -> list[str]:
    options = readers.ReadOptions(find_header=find_header)
    for name, value in overrides.items():
        if value:
            setattr(options, name, "\t" if value in ("\\t", "tab") else value)
    return readers.open_source(path, options).columns


def recognising(path: Path, **overrides: str | None) -> list[str]:
    """The presets that recognise ``path``: each judges the header as it would read it, so a report with title
    rows above its header (生意参谋) is judged by its real header, not by its first title line."""
    headers: dict[tuple[str, ...], list[str]] = {}
    names = []
    for name in preset_names():
        preset = get_preset(name)
        find = tuple(getattr(preset.read_options(path), "find_header", ()) or ())
        if find not in headers:
            headers[find] = header_of(path, find, **overrides)
        if preset.recognise(headers[find]):
            names.append(name)
    return names


def choose_preset(paths: list[Path], **overrides: str | None) -> str:
    """The one preset that recognises every file; none or several is an error naming what to do."""
    found: dict[Path, list[str]] = {p: recognising(p, **overrides) for p in paths}
    for path, names in found.items():
        if not names:
            raise SchemaError("no preset recognises this file's header", where=str(path),
                              hint="import it as a table with canonical (or --map'ped) columns: shoplens import "
                              "orders FILE --map SRC=DST, or name the preset: --preset NAME (shoplens presets)",
                              zh="没有预设认识该文件的表头",
                              zh_hint="按表导入标准列（或用 --map 改名）：shoplens import orders FILE --map SRC=DST，"
                              "或指明预设：--preset NAME（见 shoplens presets）")
        if len(names) > 1:
            listed = ", ".join(names)
            raise SchemaError(f"several presets recognise this file: {listed}", where=str(path),
                              hint="name one: --preset " + names[0], zh=f"多个预设都认识该文件：{listed}",
                              zh_hint="请指明一个：--preset " + names[0])
    chosen = {names[0] for names in found.values()}
    if len(chosen) > 1:
        listed = ", ".join(f"{p.name}: {names[0]}" for p, names in found.items())
        raise ShoplensError("the files of one import look like different presets (" + listed + ")",
                            hint="import each kind of file on its own",
                            zh="同一次导入的文件属于不同的预设（" + listed + "）",
                            zh_hint="请按文件类型分别导入")
    return chosen.pop()


def looks_like(exc: SchemaError, path: Path, preset: str, overrides: dict[str, str | None]) -> SchemaError:
    """A preset's SchemaError with a hint naming the preset the file looks like, when one recognises it."""
    try:
        others = [n for n in recognising(path, **overrides) if n != preset]
    except ShoplensError:
        return exc
    if others:
        exc.hint = f"it looks like a {others[0]} file: --preset {others[0]} (or --preset auto); " + (exc.hint or "")
        exc.zh_hint = f"它像是 {others[0]} 文件：--preset {others[0]}（或 --preset auto）；" + (exc.zh_hint or "")
    return exc
