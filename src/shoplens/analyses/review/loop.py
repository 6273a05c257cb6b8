"""The review's two sections of the loop (决策 → 执行 → 复盘): the recommendations for next week, from the rule
catalog (:func:`shoplens.analyses.recommend.recommend` on the week's Sunday, its evidence windows ending there), and
the actions logged during the week with their measured effect (:mod:`shoplens.analyses.actions`, when present)."""

from __future__ import annotations

from datetime import date
from typing import Any

from shoplens.analyses.brief.labels import label
from shoplens.analyses.reports import Ranked, RankedSection

MAX_RECOMMENDATIONS = 10  # the highest-priority ones; the rest: `shoplens recommend --date SUNDAY`
PRIORITY = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}


def recommendations(wh: Any, store: str, sunday: date) -> RankedSection:
    """One line per recommendation: its action, expected effect (GMV, where the rule can estimate it), priority and
    id (``shoplens action add --recommendation ID`` logs it)."""
    from shoplens.analyses.recommend import recommend

    found = recommend(wh, day=sunday, store=store).recommendations
    items = []
    for r in found[:MAX_RECOMMENDATIONS]:
        zh_p, en_p = PRIORITY.get(r["priority"], (r["priority"], r["priority"]))
        effect = r.get("expected_effect") or {}
        reason = {"en": f"priority {en_p} · {r['id']}" + (f" · expected effect: {effect['en']}" if effect else ""),
                  "zh": f"优先级 {zh_p} · {r['id']}" + (f" · 预期效果：{effect['zh']}" if effect else "")}
        items.append(Ranked(r["action"], effect.get("value"), "currency", None, reason))
    note = dict(label("review.recommend_note"))
    if len(found) > MAX_RECOMMENDATIONS:
        more = len(found) - MAX_RECOMMENDATIONS
        note = {"en": f"{note['en']}; {more} more: shoplens recommend --date {sunday} --store {store}",
                "zh": f"{note['zh']}；另有 {more} 条：shoplens recommend --date {sunday} --store {store}"}
    return RankedSection(label("review.recommend"), items, empty=label("review.no_recommend"), note=note)
