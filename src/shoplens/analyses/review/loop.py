"""The review's two sections of the loop (决策 → 执行 → 复盘): the recommendations for next week, from the rule
catalog (:func:`shoplens.analyses.recommend.recommend` on the week's Sunday, its evidence windows ending there), and
the actions logged during the week with their measured effect (:mod:`shoplens.analyses.actions`)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

from shoplens.analyses.brief.labels import label
from shoplens.analyses.reports import Ranked, RankedSection
from shoplens.errors import ShoplensError

EFFECT_DAYS = 14  # at most; fewer when the data after the action is shorter (an action of the week's Sunday: none)
MAX_RECOMMENDATIONS = 10  # the highest-priority ones; the rest: `shoplens recommend --date SUNDAY`
PRIORITY = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}


def recommendations(wh: Any, store: str, sunday: date, config: str | os.PathLike[str] | None = None) -> RankedSection:
    """One line per recommendation: its action, expected effect (GMV, where the rule can estimate it), priority and
    id (``shoplens action add --recommendation ID`` logs it)."""
    from shoplens.analyses.recommend import recommend

    found = recommend(wh, day=sunday, store=store, config=config).recommendations
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


def actions(wh: Any, store: str, monday: date, last: date) -> RankedSection:
    """The actions logged on a day of the week, each with its measured effect (``action_effect``, a
    difference-in-differences over as many days after the action as the data has, at most ``EFFECT_DAYS``), or the
    reason it cannot be measured yet, in ``action effect``'s own words."""
    from shoplens.analyses.actions import action_effect, action_list
    from shoplens.analyses.actions.effect import MIN_DAYS

    found = action_list(wh, store=store, start=monday, end=monday + timedelta(days=6)).actions
    items = []
    for a in sorted(found, key=lambda a: (a["date"], a["id"])):
        day = date.fromisoformat(a["date"])
        days = max(MIN_DAYS, min(EFFECT_DAYS, (last - day).days))
        where = a.get("scope_text") or ""
        name = {"en": f"#{a['id']} {a['title']} ({a['date']}, {a['metric']}{', ' + where if where else ''})",
                "zh": f"#{a['id']} {a['title']}（{a['date']}，{a['metric']}{'，' + where if where else ''}）"}
        try:
            got = action_effect(wh, a["id"], days=days, stores=[store]).to_dict()
            unit = "pp" if got["metric"]["unit"] == "percent" else got["metric"]["unit"]  # a rate's effect: points
            items.append(Ranked(name, got["effect"]["estimate"], unit, None, got["sentence"]))
        except ShoplensError as exc:  # too recent, or too little data before it: say so, keep the line
            items.append(Ranked(name, None, "count", None, {"en": exc.render("en"), "zh": exc.render("zh")}))
    return RankedSection(label("review.actions"), items, empty=label("review.no_actions"),
                         note=label("review.actions_note"))
