"""Which metrics a segment can restrict, and what a segment query says about the others.

A segment (``--segment``, :attr:`Scope.members`) keeps its members' rows in every source about users
(:mod:`shoplens.metrics.sources`). Ad spend, inventory snapshots and the product catalog have no
users (``Source.users`` is False), so a segment cannot restrict them. A metric that reads one of
them is therefore never about the members:

- **mixed** — members' rows against store-wide rows: ``roi`` (members' paid-channel GMV / all ad
  spend), ``cpa``, ``cac``, ``sell_through_rate``, ``slow_moving_sku_share``,
  ``inventory_turnover_days``. The ratio of two different populations means nothing.
- **store-wide** — only store-wide rows: ``ad_spend``, ``ctr``, ``cpc``, ``sku_count``,
  ``stockout_sku_share``. The same number with or without the segment.

The choice: under a segment both kinds are **null** (never a store-wide number in a segment's row,
so nothing reading the rows — a dashboard, an alert, a spreadsheet — can take it for the members'),
and the result carries a note per such metric (``MetricResult.notes``: reason, store-wide sources,
zh-CN and English text). The same holds in every row of a ``--by`` cut and for comparison values
and changes; those metrics are not even queried, so their store-wide rows add no dimension values.
A query (or ``explain``) whose metrics are all of this kind is refused with an error instead.

Which sources a metric reads follows from the catalog: each measure's source, or every source its
builder declares (``Builder.sources``), through the measure variant the query's dimensions select
(``by_product``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shoplens.errors import ShoplensError
from shoplens.i18n import LABELS, register_labels
from shoplens.metrics.sources import SOURCES
from shoplens.metrics.spec import Catalog

# (warehouse, store ids, segment name / rule text / rule tree) -> SELECT store_id, user_id of the members;
# provided by the analyses layer (shoplens.analyses.segments.metrics_members_sql), which compiles segments
MembersSQL = Callable[[Any, tuple[str, ...], "str | dict[str, Any]"], str]

register_labels({
    "seg_src_events": ("行为事件", "events"),
    "seg_src_sessions": ("会话", "sessions"),
    "seg_src_orders": ("订单", "orders"),
    "seg_src_items": ("订单明细", "order lines"),
    "seg_src_refunds": ("退款", "refunds"),
    "seg_src_reviews": ("评价", "reviews"),
    "seg_src_tickets": ("客服工单", "service tickets"),
    "seg_src_shipments": ("物流包裹", "shipments"),
    "seg_src_ad_spend": ("推广花费", "ad spend"),
    "seg_src_inventory": ("库存快照", "inventory"),
    "seg_src_products": ("商品目录", "product catalog"),
    "seg_why_mixed": ("把人群成员的{members}与全店的{store}混在一起",
                      "mixes the members' {members} with store-wide {store}"),
    "seg_why_store_wide": ("只来自全店的{store}", "comes only from store-wide {store}"),
    "seg_note": ("人群下为空：{metric} {why}；{store}的记录没有用户归属，无法按人群筛选。去掉 --segment 可查看全店数值",
                 "null for a segment: {metric} {why}, which has no users a segment could restrict; run it "
                 "without --segment for the whole store"),
})
MIXED, STORE_WIDE = "mixed", "store_wide"


def _names(sources: tuple[str, ...]) -> tuple[str, str]:
    """(zh, en) of a list of sources: 订单、退款 / orders and refunds."""
    zh = [LABELS[f"seg_src_{s}"][0] for s in sources]
    en = [LABELS[f"seg_src_{s}"][1] for s in sources]
    return "、".join(zh), (" and ".join(en) if len(en) < 3 else ", ".join(en[:-1]) + " and " + en[-1])


@dataclass(frozen=True)
class SegmentNote:
    """Why ``metric`` is null under a segment."""

    metric: str
    reason: str  # MIXED | STORE_WIDE
    store_wide: tuple[str, ...]  # the sources without users it reads
    members: tuple[str, ...]  # the sources a segment restricts it also reads (empty: STORE_WIDE)

    def why(self, lang: str) -> str:
        i = 0 if lang == "zh" else 1
        key = "seg_why_mixed" if self.reason == MIXED else "seg_why_store_wide"
        return LABELS[key][i].format(members=_names(self.members)[i], store=_names(self.store_wide)[i])

    def text(self, lang: str) -> str:
        i = 0 if lang == "zh" else 1
        return LABELS["seg_note"][i].format(metric=self.metric, why=self.why(lang), store=_names(self.store_wide)[i])

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of a note: reason code, store-wide sources, both languages."""
        return {"reason": self.reason, "store_wide_sources": list(self.store_wide), "zh": self.text("zh"),
                "en": self.text("en")}


def metric_sources(catalog: Catalog, metric_id: str, by: tuple[str, ...], where: dict[str, Any]) -> frozenset[str]:
    """The sources a metric reads in a query with these dimensions (the measures ``plan`` would use)."""
    wanted = frozenset(by) | frozenset(where)
    formula = catalog.metrics[metric_id].formula
    used = [catalog.measure_dims(n, wanted)[0] for n in formula.measures]
    used += [catalog.measure_dims(n, frozenset(where))[0] for n in formula.totals]
    return frozenset().union(*(catalog.measures[u].sources for u in used))


def segment_notes(catalog: Catalog, metric_ids: list[str], by: tuple[str, ...],
                  where: dict[str, Any]) -> dict[str, SegmentNote]:
    """Metric id -> note, for the metrics of a segment query that a segment cannot restrict."""
    out: dict[str, SegmentNote] = {}
    for mid in metric_ids:
        sources = metric_sources(catalog, mid, by, where)
        store = tuple(sorted(s for s in sources if not SOURCES[s].users))
        if store:
            members = tuple(sorted(sources - set(store)))
            out[mid] = SegmentNote(mid, MIXED if members else STORE_WIDE, store, members)
    return out


def refuse_all(metric_ids: list[str], notes: dict[str, SegmentNote]) -> None:
    """A segment query in which no metric can be restricted is a mistake: say why instead of nulls."""
    if not metric_ids or any(m not in notes for m in metric_ids):
        return
    bad = [notes[m] for m in metric_ids]
    raise ShoplensError(
        f"{', '.join(metric_ids)} cannot be computed for a segment: "
        + "; ".join(f"{n.metric} {n.why('en')}" for n in bad),
        hint="ad spend, inventory and the product catalog have no users: query without --segment for the "
             "whole store, or ask for metrics about users (gmv, orders, uv, ...)",
        zh=f"{'、'.join(metric_ids)} 无法按人群计算：" + "；".join(f"{n.metric} {n.why('zh')}" for n in bad),
        zh_hint="推广花费、库存与商品目录的记录没有用户归属：去掉 --segment 查看全店数值，"
                "或改查与用户相关的指标（gmv、orders、uv 等）")
