"""`shoplens metrics`: the KPI catalog (list, explain) and metric queries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape

from shoplens.cli.output import Format, console, err_console, print_csv, print_json, rich_table
from shoplens.errors import ShoplensError
from shoplens.i18n import lang, register_labels, t
from shoplens.params import parse_day, split_values, where_pairs
from shoplens.value_labels import cell

HELP = """Query the operations KPIs, or show the catalog. 查询运营指标或查看指标目录。

Examples / 示例:\n
  shoplens metrics list\n
  shoplens metrics explain gmv\n
  shoplens metrics gmv,orders,conversion_rate --grain week --compare previous\n
  shoplens metrics gmv,roi --by channel --sort gmv --limit 5\n
  shoplens metrics gmv --by country --where device=mobile --format json\n
  shoplens metrics gmv,orders,paying_buyers --segment vip

Dates are inclusive local dates of the store (default: the last 30 days with data); weeks start
on Monday. --compare previous = the same number of days just before the whole range, yoy = a
year earlier, wow = a week earlier. Dimensions: see `shoplens metrics list --format json`.
Targets and benchmarks: --config / $SHOPLENS_CONFIG / ./shoplens.yaml (docs/metrics.md).
--segment NAME keeps the members of a saved segment (`shoplens segment`) in every metric about
users; metrics that read ad spend, stock or the product catalog (no users: roi, cac, ad_spend,
sku_count, ...) are null for a segment, with a note saying why.
日期为店铺时区的本地日期（含首尾），默认最近 30 天；周从周一开始。
--segment 只看人群成员；读取推广花费、库存或商品目录的指标（没有用户归属）在人群下为空并附说明。
"""

register_labels({
    "per_store_currency": ("各店铺自己的币种", "each store's own currency"),
    "per_store_currency_note": ("金额为各店铺的报告币种，不相加；--currency CUR 按每日汇率换算后给出合计",
                                "amounts are in each store's reporting currency and not added up; --currency CUR "
                                "converts them at each day's fx rate and gives totals"),
    "fx_converted": ("按每日汇率换算", "converted at each day's fx rate"),
    "from_reports": ("来自平台报表（traffic_daily）", "from platform reports (traffic_daily)"),
})


def _date(value: str | None, option: str) -> date | None:
    """The same day spellings as imports (2026-10-01, 2026/10/01, 20261001, 2026年10月1日)."""
    return parse_day(value, option)


def _show_list(fmt: Format) -> None:
    from shoplens.metrics import load_catalog
    from shoplens.metrics.spec import catalog_rows

    catalog = load_catalog()
    rows = catalog_rows(catalog)
    if fmt is Format.json:
        print_json({"metrics": rows, "dimensions": {d.id: {"zh": d.zh, "en": d.en}
                                                    for d in catalog.dimensions.values()}})
        return
    if fmt is Format.csv:
        print_csv(list(rows[0]), [[";".join(v) if isinstance(v, list) else v for v in r.values()] for r in rows])
        return
    zh = lang() == "zh"
    table = [[r["id"], r["name_zh" if zh else "name_en"], cell("metric_group", r["group"]), cell("unit", r["unit"]),
              r["definition_zh" if zh else "definition_en"]] for r in rows]
    console.print(rich_table(t("metrics_catalog"), ["id", t("metric"), t("group"), t("unit"), t("definition")],
                             table))


def _show_explain(engine: Any, metric_id: str, opts: dict[str, Any], fmt: Format) -> None:
    info = engine.explain(metric_id, **opts)
    if fmt is Format.json:
        print_json(info)
        return
    zh = lang() == "zh"
    typer.echo(f"{info['id']} — {info['name']['zh' if zh else 'en']}")
    typer.echo(f"{t('definition')}: {info['definition']['zh' if zh else 'en']}")
    typer.echo(f"{t('formula')}: {info['formula']}   ({t('unit')}: {cell('unit', info['unit'])}, "
               f"{t('good_direction')}: {cell('good_direction', info['good'])})")
    typer.echo(f"{t('dimensions')}: {', '.join(info['dimensions'])}")
    typer.echo(f"{t('range')}: {info['from']} .. {info['to']}")
    if info.get("segment"):
        typer.echo(f"{t('segment')}: {info['segment']}")
    for i, sql in enumerate(info["sql"], 1):
        typer.echo(f"\n-- SQL {i}/{len(info['sql'])}\n{sql};")


def _show_result(result: Any, fmt: Format) -> None:
    from shoplens.metrics import load_catalog
    from shoplens.metrics.format import format_change, format_value
    from shoplens.metrics.product_names import label_columns

    if fmt is Format.json:
        print_json(result.to_dict())
        return
    # key columns as the rows hold them (product_name after product), then metrics
    keys = ([("period", None)] if result.grain else []) + [(d, None) for d in label_columns(result.dims)]
    if any("currency" in r for r in result.rows):  # per store, each in its own currency
        keys.append(("currency", None))
    if fmt is Format.csv:
        extra = [k for k in (result.rows[0] if result.rows else {}) if "__" in k]
        header = [c for c, _ in keys] + result.metrics + extra
        print_csv(header, [[r.get(c) for c in header] for r in result.rows])
        _show_notes(result, err_console)  # stdout stays plain CSV
        return
    # the table shows each metric and its change (green = good direction); comparison values and
    # targets are in json/csv
    columns: list[tuple[str, Any]] = list(keys)
    for m in result.metrics:
        columns.append((m, "value"))
        if result.compare:
            columns.append((f"{m}__{result.compare}_change", "change"))
    catalog, zh = load_catalog(), lang() == "zh"
    title = f"{result.start} .. {result.end}" + _currency_title(result) + (
        f" · {t('segment')} {result.segment}" if result.segment else "")
    if not result.grain and not result.dims and result.rows:
        _show_vertical(result, catalog, title)
        _show_notes(result, console)
        return
    header, cells = [], []
    for col, kind in columns:
        base = col.split("__")[0]
        name = (catalog.metrics[base].zh if zh else base) if base in catalog.metrics else (
            catalog.dimensions[col].zh if zh and col in catalog.dimensions else t(col) if zh else col)
        header.append(name + (" Δ" if kind == "change" else ""))
    for r in result.rows:
        row = []
        for col, kind in columns:
            base = col.split("__")[0]
            if kind == "change":
                row.append(format_change(r.get(col), catalog.metrics[base].good))
            elif kind == "value":
                row.append(format_value(r.get(col), catalog.metrics[base].unit, lang()))
            else:  # a dimension value or name is data: shown as it is (known values by name in Chinese),
                value = cell(col, r.get(col))  # never read as Rich markup
                row.append(escape(value) if isinstance(value, str) else value)
        cells.append(row)
    console.print(rich_table(title, header, cells, numeric=tuple(range(len(keys), len(columns))), markup=True))
    if result.compare:
        console.print(f"Δ = {t('compare_' + result.compare)}; {t('more_in_json')}")
    if ("currency", None) in keys:
        console.print(t("per_store_currency_note"), highlight=False)
    _show_notes(result, console)


def _currency_title(result: Any) -> str:
    """The currency the amounts are in: one, one converted from each store's, or each store's own."""
    if result.currency:
        return f" · {result.currency}" + (f" ({t('fx_converted')})" if result.converted else "")
    if any("currency" in r for r in result.rows):
        return f" · {t('per_store_currency')}"
    return ""


def _show_notes(result: Any, out: Any) -> None:
    """Why a metric is null in every row (a segment cannot restrict ad spend, stock or the catalog)."""
    for note in result.notes.values():
        out.print(f"* {note[lang()]}", highlight=False, markup=False)
    for store, metrics in getattr(result, "sources", {}).items():  # only stores that read platform reports
        read = [m for m, table in metrics.items() if "traffic_daily" in table]
        if read:
            out.print(f"* {store}: {', '.join(read)} {t('from_reports')}", highlight=False, markup=False)


def _show_vertical(result: Any, catalog: Any, title: str) -> None:
    """One row of many metrics reads better as one line per metric."""
    from shoplens.metrics.format import format_change, format_value

    row, c = result.rows[0], result.compare
    targets = any(k.endswith(("__attainment", "__benchmark")) for k in row)
    header = [t("metric"), t("value")] + ([t("compare_" + c), "Δ"] if c else []) + (
        [t("attainment"), t("benchmark")] if targets else [])
    lines = []
    for m in result.metrics:
        unit = catalog.metrics[m].unit
        line = [f"{catalog.metrics[m].name(lang())} ({m})", format_value(row.get(m), unit, lang())]
        if c:
            line += [format_value(row.get(f"{m}__{c}"), unit, lang()),
                     format_change(row.get(f"{m}__{c}_change"), catalog.metrics[m].good)]
        if targets:
            line += [format_value(row.get(f"{m}__attainment"), "percent") if f"{m}__attainment" in row else "",
                     format_value(row.get(f"{m}__benchmark"), unit, lang()) if f"{m}__benchmark" in row else ""]
        lines.append(line)
    console.print(rich_table(title, header, lines, numeric=tuple(range(1, len(header))), markup=True))


def register(app: typer.Typer) -> None:
    @app.command("metrics", help=HELP)
    def metrics_command(
        what: Annotated[str, typer.Argument(metavar="ID[,ID...] | list | explain",
                                            help="Metric ids, `list` or `explain` / 指标")],
        metric: Annotated[str | None, typer.Argument(metavar="[ID]", help="Metric to explain / 要解释的指标",
                                                     show_default=False)] = None,
        by: Annotated[list[str] | None, typer.Option("--by", metavar="DIM[,DIM]", help="Cut by / 拆分维度")] = None,
        grain: Annotated[str | None, typer.Option(
            "--grain", metavar="hour|day|week|month|quarter|year", help="Time grain / 时间粒度")] = None,
        start: Annotated[str | None, typer.Option("--from", metavar="DATE", help="First local date / 开始日期")] = None,
        end: Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last local date / 结束日期")] = None,
        compare: Annotated[str | None, typer.Option(
            "--compare", metavar="previous|yoy|wow", help="Comparison period / 对比(环比/同比/周同比)")] = None,
        where: Annotated[list[str] | None, typer.Option(
            "--where", metavar="DIM=VALUE", help="Filter, repeatable (same DIM = any of) / 筛选")] = None,
        store: Annotated[list[str] | None, typer.Option("--store", "-s", metavar="ID", help="Store / 店铺")] = None,
        currency: Annotated[str | None, typer.Option("--currency", metavar="CUR",
                                                     help="Report in this currency / 报告币种")] = None,
        config: Annotated[str | None, typer.Option("--config", metavar="FILE",
                                                   help="Targets/benchmarks file / 目标配置")] = None,
        sort: Annotated[str | None, typer.Option("--sort", metavar="METRIC[:asc]",
                                                 help="Order rows, largest first / 排序")] = None,
        limit: Annotated[int | None, typer.Option(
            "--limit", metavar="N", help="Keep the top N rows (per period) by --sort, else by the first metric, "
                                         "largest first / 前 N 行（默认按第一个指标从大到小）")] = None,
        segment: Annotated[str | None, typer.Option(
            "--segment", metavar="NAME", help="Only the members of a saved segment (or a rule) / 只看某个人群")] = None,
        fmt: Annotated[Format, typer.Option("--format", "-f", help="table|json|csv / 输出格式")] = Format.table,
    ) -> None:
        if what == "list":
            _show_list(fmt)
            return
        from shoplens.analyses.segments import SegmentMetricsEngine
        from shoplens.cli.app import open_warehouse
        from shoplens.metrics.targets import load_targets

        opts: dict[str, Any] = {"by": split_values(by), "grain": grain, "start": _date(start, "--from"),
                                "end": _date(end, "--to"), "where": where_pairs(where),
                                "store": split_values(store) or None, "currency": currency, "segment": segment}
        with open_warehouse(read_only=True) as wh:
            engine = SegmentMetricsEngine(wh, targets=load_targets(config))
            if what == "explain":
                if not metric:
                    raise ShoplensError("which metric?", hint="shoplens metrics explain gmv",
                                        zh="要解释哪个指标？", zh_hint="shoplens metrics explain gmv")
                _show_explain(engine, metric, opts, fmt)
                return
            if metric:
                raise ShoplensError(f"unexpected argument {metric!r}", hint="separate metric ids with commas and "
                                    "no spaces: gmv,orders", zh=f"多余的参数 {metric!r}",
                                    zh_hint="多个指标用逗号分隔且不要空格：gmv,orders")
            _show_result(engine.query(what, compare=compare, sort=sort, limit=limit, **opts), fmt)
