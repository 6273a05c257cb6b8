"""zh-CN / English labels for everything the CLI prints (metrics get theirs from the catalog).

The language comes from ``--lang``, else ``$SHOPLENS_LANG``, else ``$LANG`` (zh* -> Chinese),
else English. JSON output never changes with the language: keys are the stable contract.
"""

from __future__ import annotations

import os
from contextvars import ContextVar

LABELS: dict[str, tuple[str, str]] = {
    # key: (zh-CN, en)
    "file": ("文件", "File"),
    "preset": ("预设", "Preset"),
    "target": ("目标表", "Target"),
    "read": ("读取", "Read"),
    "loaded": ("已载入", "Loaded"),
    "duplicates": ("重复", "Duplicates"),
    "quarantined": ("隔离", "Quarantined"),
    "total": ("合计", "Total"),
    "table": ("表", "Table"),
    "rows": ("行数", "Rows"),
    "lake_title": ("数据湖导出 #{n}", "Lake export #{n}"),
    "lake_written": ("写入分区", "Partitions written"),
    "lake_kept": ("未变分区", "Unchanged"),
    "lake_removed": ("删除分区", "Removed"),
    "lake_rows_written": ("写入行数", "Rows written"),
    "lake_done": ("已导出到 {path}：新文件 {files} 个，删除旧文件 {removed} 个，用时 {seconds} 秒。"
                  "读取：shoplens --lake {path} metrics",
                  "Exported to {path}: {files} new files, {removed} old ones removed, {seconds} s. "
                  "Read it: shoplens --lake {path} metrics"),
    "rows_written": ("写入行数", "Rows written"),
    "from": ("最早", "From"),
    "to": ("最晚", "To"),
    "times_note": ("时间戳为 UTC；日期为店铺当地日期", "timestamps in UTC; dates are the store's local dates"),
    "shown_of": ("显示", "shown"),
    "store": ("店铺", "Store"),
    "segment": ("人群", "Segment"),
    "platform": ("平台", "Platform"),
    "currency": ("报告币种", "Reporting currency"),
    "timezone": ("时区", "Time zone"),
    "line": ("行", "Line"),
    "column": ("列", "Column"),
    "value": ("值", "Value"),
    "reason": ("原因", "Reason"),
    "import_title": ("导入结果", "Import summary"),
    "tables_title": ("各表写入", "Rows written per table"),
    "quarantine_title": ("隔离样例(前 10 条)", "Quarantined examples (first 10)"),
    "quarantine_list": ("隔离区", "Quarantine"),
    "quarantine_hint": ("查看全部: shoplens quarantine list", "see all: shoplens quarantine list"),
    "store_created": ("已新建店铺", "created store"),
    "ignored": ("已忽略的列", "ignored columns"),
    "info_title": ("仓库内容", "Warehouse contents"),
    "stores_title": ("店铺", "Stores"),
    "no_quarantine": ("隔离区为空", "quarantine is empty"),
    "exported": ("已导出", "exported"),
    "demo_title": ("演示店铺已生成", "Demo store built"),
    "headline_title": ("核心指标(最近 30 天)", "Headline KPIs (last 30 days)"),
    "incident": ("注入的异常", "Injected incident"),
    "demo_login": ("看板/API 登录", "Dashboard/API login"),
    "error": ("错误", "error"),
    "note": ("注意", "note"),
    "metric": ("指标", "Metric"),
    "schema_version": ("结构版本", "Schema version"),
    "migrated": ("已迁移到结构版本", "migrated to schema version"),
    "preset_name": ("名称", "Name"),
    "description": ("说明", "Description"),
    "presets_title": ("导入预设", "Presets"),
    "metrics_catalog": ("指标目录", "Metric catalog"),
    "group": ("分组", "Group"),
    "unit": ("单位", "Unit"),
    "definition": ("定义", "Definition"),
    "formula": ("公式", "Formula"),
    "good_direction": ("好的方向", "good direction"),
    "dimensions": ("可拆分维度", "Dimensions"),
    "range": ("日期范围", "Date range"),
    "attainment": ("达成率", "attainment"),
    "benchmark": ("行业基准", "benchmark"),
    "product_name": ("商品名称", "product_name"),
    "period": ("周期", "period"),
    "compare_previous": ("上期", "previous"),
    "compare_yoy": ("去年同期", "last year"),
    "compare_wow": ("上周同期", "last week"),
    "vs_previous": ("环比", "vs previous 30 days"),
    "more_in_json": ("对比值、目标与基准见 --format json/csv",
                     "comparison values, targets and benchmarks: --format json/csv"),
}

# a context variable, not a global: each API request runs in its own context, so one login's language
# never leaks into another's answer (the CLI sets it once for the process)
_current: ContextVar[str | None] = ContextVar("shoplens_lang", default=None)


def set_lang(lang: str | None) -> None:
    _current.set(lang)


def lang() -> str:
    """``zh`` or ``en``."""
    chosen = _current.get() or os.environ.get("SHOPLENS_LANG") or os.environ.get("LANG", "")
    return "zh" if chosen.lower().startswith("zh") else "en"


def register_labels(labels: dict[str, tuple[str, str]]) -> None:
    """Add a module's own (zh-CN, en) labels; a key may not mean two things."""
    for key, pair in labels.items():
        if LABELS.get(key, pair) != pair:
            raise ValueError(f"label {key!r} is already defined as {LABELS[key]}")
    LABELS.update(labels)


def t(key: str) -> str:
    zh, en = LABELS.get(key, (key, key))
    return zh if lang() == "zh" else en


def both(key: str) -> str:
    """Both languages, for help texts that must read well either way."""
    zh, en = LABELS.get(key, (key, key))
    return f"{en} / {zh}"
