"""One bilingual sentence per trial SKU: its conversion, where it stands among its references, the verdict."""

from __future__ import annotations

from typing import Any

from shoplens.value_labels import name

VERDICT_WORDS = {
    "push": ("push", "加推"),
    "keep_testing": ("keep testing", "继续测"),
    "hold": ("hold", "维持"),
    "drop": ("drop", "淘汰"),
    "no_reference": ("no reference", "无参照"),
}
QUARTILE_WORDS = {"top": ("top quartile", "前 25%"), "middle": ("middle half", "中间 50%"),
                  "bottom": ("bottom quartile", "后 25%")}


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f} %"


def reason(item: dict[str, Any]) -> dict[str, str]:
    """``{"en": …, "zh": …}`` e.g. "conversion 6.1 % in its first 15 days, top quartile of 12 skincare launches
    (≥ 4.8 %), 410 visitors: push"."""
    ref = item["reference"]
    days = item["days_observed"]
    so_far_en = f"in its first {days} days" + (" so far" if item["partial"] else "")
    so_far_zh = f"上市前 {days} 天" + ("（测款未满）" if item["partial"] else "")
    group_en = ref["category"] if ref["scope"] == "category" else "store"
    category_zh = name("category", ref["category"], "zh")  # the Chinese name of a known category (skincare → 护肤)
    group_zh = f" {category_zh} 类目" if ref["scope"] == "category" else "全店"
    verdict_en, verdict_zh = VERDICT_WORDS[item["verdict"]]
    if item["verdict"] == "no_reference":
        return {"en": f"conversion {_pct(item['conversion_rate'])} {so_far_en}, {item['uv']} visitors; only "
                      f"{ref['count']} earlier launches to compare with: no reference",
                "zh": f"{so_far_zh}支付转化率 {_pct(item['conversion_rate'])}，访客 {item['uv']}；可比的历史新品只有 "
                      f"{ref['count']} 个：无参照"}
    fallback_en = f" (too few {ref['category']} launches)" if ref["scope"] == "store" else ""
    fallback_zh = f"（{category_zh} 类目新品不足）" if ref["scope"] == "store" else ""
    if item["uv"] == 0:
        place_en, place_zh = "no visitors yet", "尚无访客"
    else:
        qen, qzh = QUARTILE_WORDS[item["quartile"]]
        bound = {"top": f"≥ {_pct(ref['conversion_q3'])}", "bottom": f"≤ {_pct(ref['conversion_q1'])}",
                 "middle": f"{_pct(ref['conversion_q1'])}–{_pct(ref['conversion_q3'])}"}[item["quartile"]]
        place_en = (f"conversion {_pct(item['conversion_rate'])} {so_far_en}, {qen} of {ref['count']} "
                    f"{group_en} launches{fallback_en} ({bound}), {item['uv']} visitors")
        place_zh = (f"{so_far_zh}支付转化率 {_pct(item['conversion_rate'])}，位于 {ref['count']} 个{group_zh}新品"
                    f"{fallback_zh}的{qzh}（{bound}），访客 {item['uv']}")
    if item["verdict"] == "keep_testing":
        need = item["visitors_needed"]
        if item["quartile"] == "middle":
            tail_en = f"about {need} visitors needed to place it within the quartiles"
            tail_zh = f"约需 {need} 访客才能判断其所处分位"
        elif need is None:
            tail_en, tail_zh = "cannot be told apart from the median yet", "与中位数无法区分"
        else:
            tail_en = f"about {need} visitors needed to tell it from the median {_pct(ref['conversion_median'])}"
            tail_zh = f"约需 {need} 访客才能与中位数 {_pct(ref['conversion_median'])} 区分"
        return {"en": f"{place_en}: {verdict_en} ({tail_en})", "zh": f"{place_zh}：{verdict_zh}（{tail_zh}）"}
    return {"en": f"{place_en}: {verdict_en}", "zh": f"{place_zh}：{verdict_zh}"}
