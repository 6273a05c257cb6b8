"""The RFM tier map: quantile scores -> levels (low / mid / high) -> one named tier per customer.

Kept as data so the SQL ``CASE``, the docs table and the tests read the same rules.

Levels for ``bins`` scores: ``k = max(1, floor(2 * bins / 5))``; a score is **low** when it is
``<= k``, **high** when it is ``>= bins - k + 1`` and **mid** in between (bins 5: low 1-2, mid 3,
high 4-5; bins 3: 1 / 2 / 3; bins 10: 1-4 / 5-6 / 7-10). ``R=1`` means the lowest R score.

Rules are tried in order; the first that matches names the tier, so tiers never overlap and
every customer has exactly one (``others`` catches the rest). A rule is space-separated
conditions (all must hold) with ``|`` between alternatives. ``X=L`` is false when the score is
unknown (an M score in a store without order amounts); ``X!=L`` is true then.

The operators' own tiers come first and follow their definitions: 核心用户 (high R, F and M),
沉睡用户 (low R and low F) and 潜力用户 (high F low M, or low F high M). Low R low F high M
customers match both 沉睡 and 潜力: they are 沉睡 (dormant) — recency predicts the next order
best, and a customer whose one big order is long past needs waking up, not nurturing.

``rising`` (成长用户) was called ``champions`` (冠军用户) before #14: with 核心 taking every high-R-F-M
customer first, the tier holds the recent repeat buyers who are *not* the best (mid spend or mid
frequency), so its old name promised the top and showed a second tier. ``find_tier`` and segment
rules still accept the old id and names (``RENAMED``).

Tables list tiers in **value order** (``value_order``): highest average monetary first (average
frequency where a store has no amounts), ``others`` last and left out when empty; JSON keeps the
rule order above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shoplens.errors import ShoplensError

MIN_BINS, MAX_BINS = 2, 10


@dataclass(frozen=True)
class TierRule:
    tier: str
    zh: str
    en: str
    rule: str  # the mini-language described in the module docstring ("" = everyone left)


RULES: tuple[TierRule, ...] = (  # meanings: docs/behaviour.md#rfm-tiers
    TierRule("core", "核心用户", "Core", "R=H F=H M=H"),
    TierRule("dormant", "沉睡用户", "Dormant", "R=L F=L"),
    TierRule("potential", "潜力用户", "Potential", "F=H M=L | F=L M=H"),
    TierRule("rising", "成长用户", "Rising", "R=H F!=L M!=L"),
    TierRule("loyal", "忠诚用户", "Loyal", "R=M F=H"),
    TierRule("new", "新用户", "New", "R=H F=L"),
    TierRule("lost", "流失用户", "Lost", "R=1 F!=L"),
    TierRule("at_risk", "流失预警", "At risk", "R=L F!=L"),
    TierRule("hibernating", "休眠用户", "Hibernating", "R=M F=L"),
    TierRule("others", "一般用户", "Others", ""),
)

TIERS: dict[str, tuple[str, str]] = {r.tier: (r.zh, r.en) for r in RULES}
RENAMED: dict[str, str] = {"champions": "rising", "冠军用户": "rising"}  # old id / name -> tier id (#14)
FALLBACK = "others"

_COND = re.compile(r"^([RFM])(=|!=)([LMH1])$")
_SCORE_COLUMN = {"R": "r_score", "F": "f_score", "M": "m_score"}


def check_bins(bins: int) -> int:
    if not isinstance(bins, int) or isinstance(bins, bool) or not MIN_BINS <= bins <= MAX_BINS:
        raise ShoplensError(f"--bins {bins!r} is out of range", hint=f"use {MIN_BINS}..{MAX_BINS} (usually 5)",
                            zh=f"--bins {bins!r} 超出范围", zh_hint=f"请用 {MIN_BINS}..{MAX_BINS}（通常为 5）")
    return bins


def levels(bins: int) -> tuple[int, int]:
    """(highest low score, lowest high score) for ``bins`` scores."""
    k = max(1, (2 * check_bins(bins)) // 5)
    return k, bins - k + 1


def _level_sql(column: str, level: str, bins: int) -> str:
    low, high = levels(bins)
    return {"L": f"{column} <= {low}", "M": f"({column} > {low} AND {column} < {high})",
            "H": f"{column} >= {high}", "1": f"{column} = 1"}[level]


def _condition_sql(cond: str, bins: int, alias: str) -> str:
    m = _COND.match(cond)
    if not m:
        raise ValueError(f"bad RFM tier condition {cond!r}")
    column = f"{alias}.{_SCORE_COLUMN[m.group(1)]}"
    pred = _level_sql(column, m.group(3), bins)
    return pred if m.group(2) == "=" else f"({column} IS NULL OR NOT ({pred}))"


def rule_sql(rule: str, bins: int, alias: str) -> str:
    """One rule of the mini-language as a SQL condition on ``alias.r_score/f_score/m_score``."""
    alternatives = [a.split() for a in rule.split("|")]
    return " OR ".join("(" + " AND ".join(_condition_sql(c, bins, alias) for c in alt) + ")" for alt in alternatives)


def tier_case_sql(bins: int, alias: str) -> str:
    """``CASE`` naming each scored row's tier (first matching rule wins)."""
    whens = " ".join(f"WHEN {rule_sql(r.rule, bins, alias)} THEN '{r.tier}'" for r in RULES if r.rule)
    fallback = next(r.tier for r in RULES if not r.rule)
    return f"CASE {whens} ELSE '{fallback}' END"


def find_tier(text: str) -> str:
    """A tier id from its id, English or Chinese name (case-insensitive)."""
    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    if wanted in RENAMED:
        return RENAMED[wanted]
    for r in RULES:
        if wanted in (r.tier, r.en.lower().replace(" ", "_"), r.zh):
            return r.tier
    raise ShoplensError(f"unknown RFM tier {text!r}", hint=f"one of {', '.join(TIERS)} (or all)",
                        zh=f"未知的 RFM 分层 {text!r}", zh_hint=f"可用：{', '.join(TIERS)}（或 all）")


def value_order(rows: list[Any], *, tier: str = "tier", customers: str = "customers") -> list[Any]:
    """Tier rows (objects or dicts) for a table, most valuable first: average monetary, then average
    frequency, descending; empty tiers after the others, ``others`` (the catch-all) last and only when
    someone is in it. The names promise an order (核心 best); this shows whether the data keeps it."""
    def get(row: Any, key: str) -> Any:
        return row.get(key) if isinstance(row, dict) else getattr(row, key)

    def key(row: Any) -> tuple[Any, ...]:
        m, f = get(row, "avg_monetary"), get(row, "avg_frequency")
        return (not get(row, customers), get(row, tier) == FALLBACK, -(m if m is not None else -1.0),
                -(f if f is not None else -1.0))

    return sorted((r for r in rows if get(r, tier) != FALLBACK or get(r, customers)), key=key)
