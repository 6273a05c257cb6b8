"""`shoplens recommend`: the rule catalog turned into concrete actions for a day (read-only)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, StoreOpt, parse_date
from shoplens.cli.output import Format, console, print_csv, print_json, print_notes, rich_table
from shoplens.i18n import lang, register_labels, set_lang, t
from shoplens.params import split_values

CSV_COLUMNS = ("id", "day", "rule", "priority", "scope", "action", "expected_effect", "evidence")

register_labels({
    "rec_title": ("运营建议", "Recommendations"),
    "rec_none": ("没有建议", "no recommendations"),
    "rec_priority": ("优先级", "Priority"),
    "rec_rule": ("规则", "Rule"),
    "rec_action": ("建议", "Action"),
    "rec_effect": ("预期影响", "Expected effect"),
    "rec_id": ("编号", "ID"),
    "rec_days": ("分析日期：{days}；启用规则 {rules} 条", "day looked at: {days}; {rules} rules enabled"),
    "rec_rules": ("建议规则", "Recommendation rules"),
    "rec_kind": ("类型", "Kind"),
    "rec_on": ("启用", "On"),
    "rec_high": ("高", "high"),
    "rec_medium": ("中", "medium"),
    "rec_low": ("低", "low"),
})


def _effect(item: dict[str, Any]) -> str:
    effect = item["expected_effect"]
    if not effect:
        return "—"
    return f"{effect['value']:,.2f} {effect.get('currency') or ''}".strip()


def show(data: dict[str, Any], fmt: Format) -> None:
    items = data["recommendations"]
    if fmt is Format.json:
        print_json(data)
        return
    if fmt is Format.csv:
        print_csv(CSV_COLUMNS, [[r["id"], r["day"], r["rule"], r["priority"],
                                 json.dumps(r["scope"], ensure_ascii=False), r["action"][lang()],
                                 (r["expected_effect"] or {}).get("value"),
                                 json.dumps(r["evidence"], ensure_ascii=False)] for r in items])
        return
    rows = [[t("rec_" + r["priority"]), r["rule"], r["action"][lang()], _effect(r), r["id"]] for r in items]
    if rows:
        console.print(rich_table(t("rec_title"), [t("rec_priority"), t("rec_rule"), t("rec_action"), t("rec_effect"),
                                                  t("rec_id")], rows, numeric=(3,)))
    else:
        console.print(f"{t('rec_title')}: {t('rec_none')}")
    days = ", ".join(f"{s} {d}" for s, d in data["days"].items())
    console.print(t("rec_days").format(days=days, rules=data["rules"]))
    print_notes(data.get("notes", {}))


def recommend_command(
        date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Local day (default: each store's "
                                                 "last complete day) / 日期")] = None,
        store: StoreOpt = None,
        config: Annotated[str | None, typer.Option("--config", metavar="FILE", help="Config file (recommend:, "
                                                   "benchmarks:) / 配置文件")] = None,
        fmt: FormatOpt = Format.table,
        language: Annotated[str | None, typer.Option("--lang", metavar="zh|en",
                                                     help="Output language / 输出语言")] = None,
        rules: Annotated[bool, typer.Option("--rules", help="List the effective rules instead / 列出规则")] = False,
) -> None:
    """Recommendations for a day: evidence from the metrics engine turned into actions. 运营建议。

    Rules: the shipped catalog, changed or extended by recommend: in shoplens.yaml (README "Recommendations").
    """
    from shoplens.analyses.recommend import recommend, recommend_rules
    from shoplens.cli.app import open_warehouse

    if language:
        set_lang(language)
    if rules:
        data = recommend_rules(config)
        if fmt is Format.json:
            print_json(data)
            return
        console.print(rich_table(t("rec_rules"), [t("rec_rule"), t("rec_kind"), t("rec_priority"), t("rec_on")],
                                 [[r["id"], r["kind"], t("rec_" + r["priority"]), "✓" if r["enabled"] else "—"]
                                  for r in data["rules"]]))
        return
    day = parse_date(date, "--date")
    with open_warehouse(read_only=True) as wh:
        result = recommend(wh, day=day, store=split_values(store) or None, config=config)
    show(result.to_dict(), fmt)


def register(app: typer.Typer) -> None:
    app.command("recommend")(recommend_command)
