"""`shoplens segment save|list|show|preview|export|delete`: behavioural segments (人群)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, StoreOpt, parse_date, split_values
from shoplens.cli.output import Format, Shape, console, print_csv, print_json, rich_table
from shoplens.csv_out import write_csv
from shoplens.errors import ShoplensError
from shoplens.i18n import register_labels, t
from shoplens.value_labels import cell

HELP = """Behavioural segments: save rules about users, list them, profile and export members. 人群圈选。

Examples / 示例:\n
  shoplens segment save vip --rule "orders>=3 and lifetime_gmv>=500 and not did(purchase, last_days=90)"\n
  shoplens segment save live_fans --rule "did(purchase[channel=live_stream], min=2)" --description "直播复购"\n
  shoplens segment save tiers --json '{"rfm": ["core", "rising"]}'\n
  shoplens segment preview --rule "country=GB|FR and device=mobile"\n
  shoplens segment show vip\n
  shoplens segment export vip --out vip.csv\n
  shoplens metrics gmv,orders --segment vip ;  shoplens funnel ... --segment vip

Conditions: did(EVENT[KEY=V], min=N, max=N, last_days=N | from=DATE, to=DATE), orders>=N,
lifetime_gmv>=X, country=A|B, member_tier=gold, first_channel=live_stream, device=mobile,
rfm=core|rising; combine with and / or / not and ( ). "last N days" ends on each store's last
data day (or --as-of), so a saved segment is evaluated fresh every time. Definitions:
docs/behaviour.md#behavioural-segments.
条件可用 and / or / not 组合；“最近 N 天”截至各店铺最后一个有数据的日期（或 --as-of），每次使用时重新计算。
"""

register_labels({
    "segments_title": ("已保存的人群", "Saved segments"),
    "segment_name": ("名称", "Name"),
    "segment_rule": ("规则", "Rule"),
    "segment_members": ("成员数", "Members"),
    "segment_users": ("用户总数", "All users"),
    "segment_share": ("占比", "Share"),
    "segment_as_of": ("截至", "As of"),
    "segment_gmv": ("人群成交额", "Segment GMV"),
    "segment_store_gmv": ("店铺成交额", "Store GMV"),
    "segment_gmv_share": ("成交额占比", "GMV share"),
    "segment_orders": ("人群订单", "Segment orders"),
    "segment_updated": ("更新时间", "Updated"),
    "segment_saved": ("已保存人群", "saved segment"),
    "segment_replaced": ("已更新人群", "updated segment"),
    "segment_deleted": ("已删除人群", "deleted segment"),
    "segment_preview": ("人群预览", "Segment preview"),
    "segment_none": ("还没有保存的人群", "no saved segments yet"),
    "segment_profile": ("人群画像（前 {top} 项，占成员比例）", "Profile (top {top}, share of members)"),
    "segment_property": ("属性", "Property"),
    "segment_value": ("取值", "Value"),
    "segment_users_of": ("{n:,} 位成员，占全部 {users:,} 位用户的 {share}",
                         "{n:,} members, {share} of {users:,} users"),
    "segment_country": ("国家/地区", "Country"),
    "segment_member_tier": ("会员等级", "Member tier"),
    "segment_first_channel": ("首次来源渠道", "First channel"),
    "segment_device": ("设备", "Device"),
    "segment_unknown": ("未知", "unknown"),
})

segment_app = typer.Typer(help=HELP, no_args_is_help=True)
RuleOpt = Annotated[str | None, typer.Option("--rule", metavar="TEXT", help="Rule text / 规则文本")]
JsonOpt = Annotated[str | None, typer.Option("--json", metavar="JSON|FILE", help="Rule as JSON text or file / "
                                             "JSON 规则（文本或文件）")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", metavar="DATE", help="Evaluate as of this local date "
                                             "(default: each store's last data day) / 截至日期")]
TopOpt = Annotated[int, typer.Option("--top", metavar="N", help="Values shown per property / 每个属性显示前 N 项")]


def register(app: typer.Typer) -> None:
    app.add_typer(segment_app, name="segment")


@contextmanager
def _warehouse(write: bool = False) -> Iterator[Any]:
    from shoplens.cli.app import open_warehouse

    with open_warehouse(read_only=not write) as wh:
        yield wh


def _context(wh: Any, store: list[str] | None) -> Any:
    from shoplens.analyses.context import open_context

    return open_context(wh, store=split_values(store) or None)


def _rule(rule: str | None, json_value: str | None) -> dict[str, Any]:
    from shoplens.analyses.segments import definition_from, read_json

    if (rule is None) == (json_value is None):
        raise ShoplensError("give exactly one of --rule TEXT or --json JSON", hint='e.g. --rule "orders>=3"',
                            zh="请只给出 --rule 文本 或 --json JSON 之一", zh_hint='例如 --rule "orders>=3"')
    return definition_from(rule) if rule is not None else read_json(json_value or "")


def _universe(ctx: Any) -> str:
    from shoplens.analyses.segments.compile import make_frame, universe_sql

    return universe_sql(make_frame(ctx))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _money(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _show_profile(result: Any, fmt: Format, top: int) -> None:
    if fmt is Format.json:
        print_json(result.to_dict())
        return
    if fmt is Format.csv:
        print_csv(["property", "value", "users", "share"],
                  [[r["property"], r["value"], r["users"], r["share"]] for r in result.table_rows()])
        return
    title = f"{t('segment')} {result.name}" if result.name else t("segment_preview")
    console.print(f"[bold]{title}[/]: {result.rule}")
    if result.description:
        console.print(result.description)
    console.print(t("segment_users_of").format(n=result.members, users=result.users, share=_pct(result.share)))
    header = [t("store"), t("segment_as_of"), t("segment_members"), t("segment_users"), t("segment_share"),
              t("segment_gmv"), t("segment_store_gmv"), t("segment_gmv_share"), t("segment_orders")]
    rows = [[s.store_id, s.as_of.isoformat(), s.members, s.users, _pct(s.share), f"{_money(s.gmv)} {s.currency}",
             f"{_money(s.store_gmv)} {s.currency}", _pct(s.gmv_share), s.orders] for s in result.stores]
    console.print(rich_table("", header, rows, numeric=tuple(range(2, len(header)))))
    lines = [[t(f"segment_{prop}"), cell(prop, v.value) if v.value is not None else t("segment_unknown"), v.users,
              _pct(v.share)]
             for prop, values in result.profile.items() for v in values]
    console.print(rich_table(t("segment_profile").format(top=top),
                             [t("segment_property"), t("segment_value"), t("segment_members"), t("segment_share")],
                             lines, numeric=(2, 3)))


@segment_app.command("save")
def save_command(
    name: Annotated[str, typer.Argument(help="Segment name / 人群名称")],
    rule: RuleOpt = None,
    json_value: JsonOpt = None,
    description: Annotated[str | None, typer.Option("--description", help="Description / 说明")] = None,
    store: StoreOpt = None,
    fmt: Annotated[Shape, typer.Option("--format", "-f", help="table|json / 输出格式")] = Shape.table,
) -> None:
    """Save (create or replace) a segment and show its size. 保存人群并显示人数。"""
    from shoplens.analyses.segments import compile_sql, save_segment

    definition = _rule(rule, json_value)
    with _warehouse(write=True) as wh:
        try:
            ctx = _context(wh, store)
        except ShoplensError:
            if store:
                raise
            ctx = None  # a warehouse without data yet: save now, sizes come with the data
        saved, created = save_segment(wh, name, definition, description)
        n = users = None
        if ctx is not None:
            n, users = wh.con.execute(f"SELECT (SELECT count(*) FROM ({compile_sql(ctx, name)})),"
                                      f" (SELECT count(*) FROM ({_universe(ctx)}))").fetchone()
    share = n / users if n is not None and users else None
    if fmt is Shape.json:
        print_json({**saved.to_dict(), "created": created, "members": n, "users": users, "share": share})
        return
    console.print(f"{t('segment_saved') if created else t('segment_replaced')} [bold]{name}[/]: {saved.rule}")
    if n is not None:
        console.print(t("segment_users_of").format(n=n, users=users, share=_pct(share)))


@segment_app.command("list")
def list_command(fmt: FormatOpt = Format.table) -> None:
    """List saved segments. 列出已保存的人群。"""
    from shoplens.analyses.segments import list_segments

    with _warehouse() as wh:
        saved = [s.to_dict() for s in list_segments(wh)]
    if fmt is Format.json:
        print_json({"segments": saved})
        return
    columns = ["name", "rule", "description", "created_at", "updated_at"]
    if fmt is Format.csv:
        print_csv(columns, [[s[c] for c in columns] for s in saved])
        return
    if not saved:
        console.print(t("segment_none"))
        return
    console.print(rich_table(t("segments_title"), [t("segment_name"), t("segment_rule"), t("description"),
                                                   t("segment_updated")],
                             [[s["name"], s["rule"], s["description"], s["updated_at"][:19]] for s in saved]))


@segment_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Segment name / 人群名称")],
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    top: TopOpt = 5,
    fmt: FormatOpt = Format.table,
) -> None:
    """Size, share of all users, profile and GMV share of a saved segment. 人群规模与画像。"""
    from shoplens.analyses.segments import get_segment, profile

    with _warehouse() as wh:
        get_segment(wh, name)  # a missing name says so before anything is computed
        result = profile(_context(wh, store), name, parse_date(as_of, "--as-of"), top=top)
    _show_profile(result, fmt, top)


@segment_app.command("preview")
def preview_command(
    rule: RuleOpt = None,
    json_value: JsonOpt = None,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    top: TopOpt = 5,
    fmt: FormatOpt = Format.table,
) -> None:
    """Size and profile of a rule without saving it. 不保存、直接预览规则圈出的人群。"""
    from shoplens.analyses.segments import profile

    definition = _rule(rule, json_value)
    with _warehouse() as wh:
        result = profile(_context(wh, store), definition, parse_date(as_of, "--as-of"), top=top)
    _show_profile(result, fmt, top)


@segment_app.command("export")
def export_command(
    name: Annotated[str, typer.Argument(help="Segment name / 人群名称")],
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="FILE.csv",
                                             help="Write CSV here (default: standard output) / 导出文件")] = None,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="csv|json / 输出格式")] = Format.csv,
) -> None:
    """Export the members (store_id, user_id) as CSV. 导出人群名单。"""
    from shoplens.analyses.segments import compile_sql, get_segment

    with _warehouse() as wh:
        get_segment(wh, name)
        members = compile_sql(_context(wh, store), name, parse_date(as_of, "--as-of"))
        sql = f"SELECT store_id, user_id FROM ({members}) ORDER BY store_id, user_id"
        if out is not None:
            if not out.parent.is_dir():
                raise ShoplensError("the folder for the export does not exist", where=str(out),
                                    hint="create it first", zh="导出文件所在的文件夹不存在", zh_hint="请先创建该文件夹")
            cursor = wh.con.execute(sql)
            with out.open("w", newline="", encoding="utf-8") as fh:  # the safe writer, in batches
                n = write_csv(fh, ["store_id", "user_id"], _batches(cursor))
            console.print(f"{t('exported')} {n:,} → {out}")
            return
        rows = wh.con.execute(sql).fetchall()
    if fmt is Format.json:
        print_json({"segment": name, "members": [{"store_id": s, "user_id": u} for s, u in rows]})
    else:
        print_csv(["store_id", "user_id"], rows)


def _batches(cursor: Any, size: int = 50_000) -> Iterator[tuple[Any, ...]]:
    while rows := cursor.fetchmany(size):
        yield from rows


@segment_app.command("delete")
def delete_command(name: Annotated[str, typer.Argument(help="Segment name / 人群名称")]) -> None:
    """Delete a saved segment. 删除人群。"""
    from shoplens.analyses.segments import delete_segment

    with _warehouse(write=True) as wh:
        delete_segment(wh, name)
    console.print(f"{t('segment_deleted')} {name}")
