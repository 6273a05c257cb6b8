"""The weekly review's words, registered once in both languages (:func:`shoplens.i18n.register_labels`)."""

from __future__ import annotations

from shoplens.i18n import register_labels

register_labels({
    "review.title": ("运营周报（周复盘）", "Weekly review"),
    "review.kpis": ("核心指标", "Core KPIs"),
    "review.prev_week": ("较上周", "vs previous week"),
    "review.last_year": ("较去年同周", "vs same week last year"),
    "review.last_year_none": ("较去年同周（无数据）", "vs same week last year (no data)"),
    "review.target": ("目标达成", "Target"),
    "review.movers_note": ("按成交额较上周的变化；原因来自根因分析（shoplens why）",
                           "by the change of GMV vs the previous week; reasons from the root-cause analysis "
                           "(shoplens why)"),
    "review.dim.channel": ("渠道：增长与下滑", "Channels: what grew and what fell"),
    "review.dim.category": ("品类：增长与下滑", "Categories: what grew and what fell"),
    "review.dim.product": ("商品：增长与下滑", "Products: what grew and what fell"),
    "review.dim.country": ("国家/地区：增长与下滑", "Countries: what grew and what fell"),
    "review.no_movers": ("没有较上周增长或下滑的取值", "No value grew or fell vs the previous week"),
    "review.funnel": ("漏斗变化", "Funnel changes"),
    "review.step": ("步骤", "Step"),
    "review.this_week": ("本周", "This week"),
    "review.previous_week": ("上周", "Previous week"),
    "review.change": ("变化", "Change"),
    "review.funnel_note": ("默认漏斗：浏览商品 → 加入购物车 → 支付（14 天窗口，按顺序）；"
                           "数值为每一步相对上一步的转化率，以及整个漏斗的转化率",
                           "default funnel: product view → add to cart → purchase (14-day window, ordered); "
                           "each step's conversion from the one before, and the whole funnel's"),
    "review.no_funnel": ("这两周没有漏斗数据", "No funnel data in these two weeks"),
    "review.retention": ("留存变化", "Retention changes"),
    "review.cohort": ("新访客周", "New visitors' week"),
    "review.new_visitors": ("新访客", "New visitors"),
    "review.week1": ("次周留存", "Week-1 retention"),
    "review.retention_note": ("新访客 = 首次浏览页面的用户；次周留存 = 其中下一周再次浏览的比例。"
                              "本周发生的留存是上周新访客的次周留存，与前一周新访客的次周留存对比；本周新访客的次周留存要到下周才完整",
                              "new visitors = users with their first page view ever that week; week-1 retention = "
                              "the share of them who came back the next week. The retention that happened this week "
                              "is the previous week's new visitors' week 1, compared with the cohort before; this "
                              "week's own cohort completes next week"),
    "review.no_retention": ("没有新访客数据（店铺没有页面浏览事件）",
                            "No new-visitor data (the store has no page views)"),
    "review.actions": ("本周行动及效果", "Actions logged this week and their effect"),
    "review.no_actions": ("本周没有记录行动（shoplens action add）",
                          "No action logged this week (shoplens action add)"),
    "review.actions_note": ("效果 = 双重差分（行动前后对比对照组），取行动后已有数据的天数（最多 14 天），含置信区间；"
                            "数值为效果估计（指标单位）",
                            "effect = difference-in-differences against a comparison group over the days after the "
                            "action the data has (at most 14), with its interval; the number is the estimate in the "
                            "metric's unit"),
    "review.recommend": ("下周建议", "Recommendations for next week"),
    "review.no_recommend": ("没有触发任何建议规则", "No recommendation rule fired"),
    "review.recommend_note": ("按规则库（shoplens recommend）在本周日的数据生成；数值为可估算的预期效果（成交额）",
                              "from the rule catalog (shoplens recommend) on the week's Sunday; the number is the "
                              "expected effect (GMV) where it can be estimated"),
    "review.retention_change": ("次周留存变化", "Week-1 retention change"),
})
