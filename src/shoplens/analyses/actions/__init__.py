"""The action log (执行/复盘, issue #13): what the team did, stored in the warehouse
(:mod:`shoplens.warehouse.actions_table`), and its measured effect as a difference-in-differences against a
comparison group (:mod:`shoplens.analyses.actions.effect`)."""

from shoplens.analyses.actions.effect import ActionEffect, action_effect
from shoplens.analyses.actions.log import ActionList, action_add, action_get, action_list, action_remove, parse_scope
from shoplens.analyses.actions.stats import DiD, did

__all__ = ["ActionEffect", "ActionList", "DiD", "action_add", "action_effect", "action_get", "action_list",
           "action_remove", "did", "parse_scope"]
