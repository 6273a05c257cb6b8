"""The effect in words, English and Chinese: what moved, by how much against what, the interval, and whether the
change is distinguishable from day-to-day noise. Percent metrics speak in percentage points (pp / 个百分点)."""

from __future__ import annotations

from typing import Any

from shoplens.analyses.actions.stats import DiD


def comparison_text(dim: str | None, others: list[str], shift: int) -> dict[str, dict[str, str]]:
    """The comparison group's name ("the other channel values (9 together)" / "同维度其他取值")."""
    if others:
        from shoplens.metrics.values import dimension

        d = dimension(dim or "")
        return {"label": {"en": f"the other {len(others)} values of {d.id} together",
                          "zh": f"其他{d.zh}合计（{len(others)} 个）"}}
    return {"label": {"en": f"the same weekdays {shift // 7} weeks earlier", "zh": f"{shift // 7} 周前的相同星期"}}


def amount(x: float, unit: str) -> tuple[str, str]:
    """(en, zh) of a difference in the metric's unit."""
    if unit == "percent":
        return f"{x * 100:.2f} pp", f"{x * 100:.2f} 个百分点"
    return f"{x:,.2f}", f"{x:,.2f}"


def sentence(action: dict[str, Any], metric: Any, r: DiD, comparison: dict[str, Any], days: int) -> dict[str, str]:
    scope = action["scope_text"] if action["scope"] else "the whole store"
    scope_zh = f"{action['scope_text']} " if action["scope"] else "全店"
    en_size, zh_size = amount(abs(r.estimate), metric.unit)
    lo_en, lo_zh = amount(r.low, metric.unit)
    hi_en, hi_zh = amount(r.high, metric.unit)
    up = r.estimate >= 0
    rel_en = f" ({r.relative:+.1%} against its expected level)" if r.relative is not None else ""
    rel_zh = f"（相对预期水平 {r.relative:+.1%}）" if r.relative is not None else ""
    level = round(r.level * 100)
    en = (f"{metric.en} on {scope} {'rose' if up else 'fell'} {en_size} relative to "
          f"{comparison['label']['en']} in the {days} days after {action['date']}, against the {days} days "
          f"before{rel_en}; "
          f"{level} % interval {lo_en} to {hi_en}: the change is "
          f"{'distinguishable' if r.significant else 'not distinguishable'} from noise.")
    zh = (f"{action['date']} 之后 {days} 天（对比之前 {days} 天），{scope_zh}的{metric.zh}"
          f"相对{comparison['label']['zh']}"
          f"{'上升' if up else '下降'} {zh_size}{rel_zh}，{level}% 区间 {lo_zh} 至 {hi_zh}；"
          f"{'可以与随机波动区分' if r.significant else '无法与随机波动区分'}。")
    return {"en": en, "zh": zh}
