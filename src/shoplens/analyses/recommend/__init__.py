"""Recommendations (决策, issue #13): a bilingual rule catalog (``rules.yaml``, extendable in the config's
``recommend:``) that turns evidence from the metrics engine into concrete actions, each with its priority, scope,
evidence numbers, expected effect and links."""

from shoplens.analyses.recommend.catalog import Rule, load_rules, parse_rules
from shoplens.analyses.recommend.run import RecommendResult, recommend, recommend_rules, recommendation_id

__all__ = ["RecommendResult", "Rule", "load_rules", "parse_rules", "recommend", "recommend_rules",
           "recommendation_id"]
