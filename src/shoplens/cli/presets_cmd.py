"""`shoplens presets`: the import presets, the file each expects, and their platform, zone and currency."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.output import Shape, console, print_json, rich_table
from shoplens.i18n import lang, register_labels, t
from shoplens.presets import get_preset, preset_names

register_labels({
    "presets_expects": ("需要的文件", "Expects"),
    "presets_platform": ("平台", "Platform"),
    "presets_timezone": ("时区", "Time zone"),
    "presets_currency": ("币种", "Currency"),
    "presets_hint": ("导入：shoplens import --preset NAME FILE；按表头自动识别：--preset auto",
                     "import: shoplens import --preset NAME FILE; recognised by the header: --preset auto"),
})

HELP = """List the import presets: what each maps, the file it expects and where to get it. 列出导入预设。

Examples:\n
  shoplens presets\n
  shoplens presets --format json\n
  shoplens import --preset auto FILE
"""


def presets_data() -> list[dict[str, Any]]:
    """Every preset in both languages (the JSON contract: a list, as before ``expects`` was added)."""
    out = []
    for name in preset_names():
        p = get_preset(name)
        out.append({"name": name, "description": p.description, "description_zh": p.description_zh,
                    "expects": p.expects, "expects_zh": p.expects_zh, "platform": p.platform,
                    "timezone": p.timezone, "currency": p.currency})
    return out


def register(app: typer.Typer) -> None:
    @app.command("presets", help=HELP)
    def presets_command(fmt: Annotated[Shape, typer.Option("--format", "-f", help="table|json")] = Shape.table
                        ) -> None:
        rows = presets_data()
        if fmt is Shape.json:
            print_json(rows)
            return
        zh = lang() == "zh"
        console.print(rich_table(t("presets_title"), [t(k) for k in (
            "preset_name", "description", "presets_expects", "presets_platform", "presets_timezone",
            "presets_currency")], [(r["name"], r["description_zh" if zh else "description"],
                                    r["expects_zh" if zh else "expects"], r["platform"], r["timezone"],
                                    r["currency"]) for r in rows]))
        console.print(t("presets_hint"), highlight=False)
