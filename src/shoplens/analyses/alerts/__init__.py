"""Alert rules (issue #12): shipped and configured rules evaluated through the metrics engine, stored per rule +
scope + day in the warehouse (:mod:`shoplens.warehouse.alerts_table`)."""

from shoplens.analyses.alerts.check import (
    AlertResult,
    alerts_ack,
    alerts_check,
    alerts_list,
    alerts_resolve,
    alerts_rules,
    last_complete_day,
    set_root_cause,
)
from shoplens.analyses.alerts.rules import Rule, load_rules, parse_rules

__all__ = ["AlertResult", "Rule", "alerts_ack", "alerts_check", "alerts_list", "alerts_resolve", "alerts_rules",
           "last_complete_day", "load_rules", "parse_rules", "set_root_cause"]
