"""`shoplens user USER_ID`: one user's profile, lifecycle stage, RFM tier and timeline."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from shoplens.cli.analysis_opts import FormatOpt, FromOpt, StoreOpt, ToOpt, parse_date, split_values
from shoplens.cli.output import Format, console, print_csv, print_json, rich_table
from shoplens.errors import NotFoundError
from shoplens.i18n import lang, register_labels, t
from shoplens.value_labels import cell

HELP = """One user's profile, lifecycle stage, RFM tier and timeline. 单个用户的画像、生命周期、RFM 分层与时间线。

Examples / 示例:\n
  shoplens user U1-4023\n
  shoplens user U1-4023 --kinds order,refund,review --limit 0\n
  shoplens user 12693 --store uk --from 2011-01-01 --format json

The profile, lifecycle and RFM count history up to --as-of (default: the store's last data day);
the timeline shows every event, order, shipment, refund, review and service ticket from --from to
--to (local dates; default: all up to --as-of), newest --limit items, oldest first. Lifecycle:
new = first activity < 30 days before --as-of, active = last activity < 30 days, dormant = 30 days
to dormant_days (metrics setting, 180), churned = older (docs/behaviour.md).
画像、生命周期和 RFM 统计截至 --as-of（默认店铺最后一天数据）；时间线按时间顺序列出行为、订单、物流、
退款、评价和客服工单（店铺当地日期），保留最新的 --limit 条。
"""

register_labels({
    "tl_user": ("用户", "User"), "tl_timeline": ("时间线", "Timeline"),
    "tl_up_to": ("截至", "up to"), "tl_local_time": ("当地时间", "Local time"),
    "tl_kind": ("类型", "Kind"), "tl_amount": ("金额", "Amount"), "tl_lifecycle": ("生命周期", "Lifecycle"),
    "tl_shown": ("显示最新 {shown} 条，共 {total} 条（省略 {left} 条；--limit 0 显示全部）",
                 "showing the newest {shown} of {total} items ({left} left out; --limit 0 shows all)"),
    "tl_empty": ("所选范围内没有记录", "no items in the selected range"),
    "tl_p_first_seen": ("首次出现", "First seen"), "tl_p_last_seen": ("最近活动", "Last seen"),
    "tl_p_signup": ("注册时间", "Signed up"), "tl_p_country": ("国家/地区", "Country"),
    "tl_p_member_tier": ("会员等级", "Member tier"), "tl_p_tags": ("标签", "Tags"),
    "tl_p_first_channel": ("首个渠道", "First channel"), "tl_p_devices": ("设备", "Devices"),
    "tl_p_events": ("行为事件数", "Events"), "tl_p_sessions": ("会话数", "Sessions"),
    "tl_p_orders": ("支付订单数", "Paid orders"), "tl_p_orders_placed": ("下单数", "Orders placed"),
    "tl_p_gmv": ("累计成交额", "GMV to date"), "tl_p_aov": ("笔单价", "AOV"),
    "tl_p_first_order_day": ("首单日期", "First order"), "tl_p_last_order_day": ("最近下单日期", "Last order"),
    "tl_p_refunds": ("累计退款", "Refunds"), "tl_p_reviews": ("评价数", "Reviews"),
    "tl_p_avg_rating": ("平均评分", "Average rating"), "tl_p_tickets": ("客服工单数", "Service tickets"),
    "tl_p_as_of": ("统计截至", "As of"),
})

PROFILE_KEYS = ("as_of", "first_seen", "last_seen", "signup", "country", "member_tier", "tags", "first_channel",
                "devices", "events", "sessions", "orders_placed", "orders", "gmv", "aov", "first_order_day",
                "last_order_day", "refunds", "reviews", "avg_rating", "tickets")
MONEY_KEYS = ("gmv", "aov", "refunds")


def _money(value: Any, currency: str) -> str:
    return "—" if value is None else f"{value:,.2f} {currency}"


def _show_table(result: Any) -> None:
    from shoplens.analyses.timeline_items import channel_name, money

    d, p = result.to_dict(), result.profile
    rows = []
    for key in PROFILE_KEYS:
        value = p.get(key)
        if key in MONEY_KEYS:
            value = _money(value, p["currency"])
            if key == "refunds" and p["refund_count"]:
                value += f" ({p['refund_count']})"
        elif key == "avg_rating" and value is not None:
            value = f"{value:.1f}"
        elif key == "devices":
            value = ", ".join(str(cell("device", v)) for v in value) or None
        elif key == "first_channel":
            value = channel_name(value)
        elif key == "member_tier":
            value = cell("member_tier", value)
        rows.append([t("tl_p_" + key), value])
    life = d["lifecycle"]
    rows.append([t("tl_lifecycle"), t("tl_stage_" + (life["stage"] or "none"))])
    if d["rfm"]:
        r = d["rfm"]
        m = "" if r["m_score"] is None else f" M{r['m_score']}"
        name = r["name_zh"] if lang() == "zh" else r["name_en"]
        rows.append(["RFM", f"{name} (R{r['r_score']} F{r['f_score']}{m})"])
    title = f"{t('tl_user')} {result.user_id} · {t('store')} {result.store_id} · {p['timezone']}"
    header = rich_table(title, ["", ""], rows)
    header.show_header = False
    console.print(header)
    console.print(f"{t('tl_lifecycle')}: {life['rule']}")
    for note in result.notes:
        console.print(note)
    if not result.timeline:
        console.print(t("tl_empty"))
        return
    cells = [[r["local_time"], t("tl_kind_" + r["kind"]), r["description"],
              money(r["amount"], p["currency"]) if r["amount"] is not None else None] for r in result.timeline]
    header = [f"{t('tl_local_time')} ({p['timezone']})", t("tl_kind"), t("description"), t("tl_amount")]
    span = f"{result.start} .. {result.end}" if result.start else f"{t('tl_up_to')} {result.end}"
    console.print(rich_table(f"{t('tl_timeline')} {span}", header, cells, numeric=(3,)))
    if result.truncated:
        console.print(t("tl_shown").format(shown=len(result.timeline), total=result.total, left=result.truncated))


LOGIN_WORDS = {"add", "passwd", "list", "access", "remove"}  # `shoplens account ...`, easy to type as `user ...`


def register(app: typer.Typer) -> None:
    @app.command("user", help=HELP)
    def user_command(
        user_id: Annotated[str, typer.Argument(metavar="USER_ID", help="User id within the store / 用户 ID")],
        store: StoreOpt = None,
        start: FromOpt = None,
        end: ToOpt = None,
        as_of: Annotated[str | None, typer.Option(
            "--as-of", metavar="DATE", help="Profile, lifecycle and RFM as of this local date "
            "(default: the store's last data day) / 统计截至日期")] = None,
        kinds: Annotated[list[str] | None, typer.Option(
            "--kinds", "-k", metavar="KIND[,KIND]", help="event, order, shipment, refund, review, ticket "
            "(default: all) / 记录类型")] = None,
        limit: Annotated[int, typer.Option("--limit", metavar="N",
                                           help="Newest N items, 0 = all / 最新 N 条（0 = 全部）")] = 200,
        config: Annotated[str | None, typer.Option("--config", metavar="FILE",
                                                   help="Settings file (dormant_days) / 配置文件")] = None,
        fmt: FormatOpt = Format.table,
    ) -> None:
        from shoplens.analyses.timeline import user_timeline
        from shoplens.cli.app import open_warehouse
        from shoplens.metrics.targets import load_targets

        churn_days = int(load_targets(config).settings.get("dormant_customers", {}).get("days", 180))
        with open_warehouse(read_only=True) as wh:
            try:
                result = user_timeline(wh, user_id, store=split_values(store) or None,
                                       start=parse_date(start, "--from"), end=parse_date(end, "--to"),
                                       kinds=split_values(kinds) or None, limit=limit,
                                       as_of=parse_date(as_of, "--as-of"), churn_days=churn_days)
            except NotFoundError as exc:
                if user_id not in LOGIN_WORDS:
                    raise
                raise NotFoundError(exc.message, where=exc.where, zh=exc.zh,
                                    hint=f"`shoplens user` shows a shopper; dashboard logins are `shoplens account "
                                    f"{user_id} ...`", zh_hint=f"shoplens user 查看的是顾客；看板账号请用 "
                                    f"shoplens account {user_id} ...") from None
        render(result, fmt)


def render(result: Any, fmt: Format) -> None:
    """JSON = the whole result; CSV = the timeline rows; table = profile header, then the timeline."""
    if fmt is Format.json:
        print_json(result.to_dict())
    elif fmt is Format.csv:
        from shoplens.analyses.timeline import COLUMNS

        print_csv(COLUMNS, [[fmt_csv(r[c]) for c in COLUMNS] for r in result.timeline])
    else:
        _show_table(result)


def fmt_csv(value: Any) -> Any:
    """CSV cells: empty for missing values, timestamps as ISO text."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    return value
