"""Metric formulas: arithmetic over base measures, parsed once at catalog load, evaluated on aggregated rows.

Grammar: measure names, numbers, ``+ - * /``, parentheses, ``days`` (days in the row's period) and
``total(measure)`` (the measure without the query's dimensions, for shares of a total). A
division by zero or by a missing value is null, never infinity, so a ratio of an empty period is
null rather than 0.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

BUILTINS = frozenset({"days"})
_OPS: dict[type, Callable] = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
                              ast.Mult: lambda a, b: a * b}


class FormulaError(ValueError):
    """A formula the catalog cannot accept (reported with the metric id by the loader)."""


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.expr
    measures: frozenset[str]  # plain references
    totals: frozenset[str]  # references inside total(...)

    def evaluate(self, values: Mapping[str, pd.Series | float]) -> pd.Series | float:
        """Evaluate on columns of aggregated rows; ``values`` maps names (``total:m`` for totals) to series."""
        return _eval(self.tree, values)


def parse_formula(text: str) -> Formula:
    try:
        tree = ast.parse(str(text), mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"cannot parse formula {text!r}: {exc.msg}") from exc
    measures: set[str] = set()
    totals: set[str] = set()
    _check(tree, measures, totals)
    return Formula(str(text), tree, frozenset(measures), frozenset(totals))


def _check(node: ast.expr, measures: set[str], totals: set[str]) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in (*_OPS, ast.Div):
        _check(node.left, measures, totals)
        _check(node.right, measures, totals)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        _check(node.operand, measures, totals)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return
    elif isinstance(node, ast.Name):
        if node.id not in BUILTINS:
            measures.add(node.id)
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "total"
          and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Name)):
        totals.add(node.args[0].id)
    else:
        raise FormulaError(f"unsupported element {ast.unparse(node)!r} (use measures, numbers, + - * /, "
                           "days, total(measure))")


def _eval(node: ast.expr, values: Mapping[str, pd.Series | float]) -> pd.Series | float:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.Call):
        return values["total:" + node.args[0].id]  # type: ignore[attr-defined]
    if isinstance(node, ast.UnaryOp):
        return -_eval(node.operand, values)
    assert isinstance(node, ast.BinOp)
    left, right = _eval(node.left, values), _eval(node.right, values)
    if isinstance(node.op, ast.Div):
        return divide(left, right)
    return _OPS[type(node.op)](left, right)


def divide(num: pd.Series | float, den: pd.Series | float) -> pd.Series | float:
    """num / den with null where den is 0 or null."""
    if isinstance(num, pd.Series) or isinstance(den, pd.Series):
        num_s = num if isinstance(num, pd.Series) else pd.Series(num, index=den.index)  # type: ignore[union-attr]
        den_s = den if isinstance(den, pd.Series) else pd.Series(den, index=num_s.index)
        den_s = den_s.astype("float64")
        return num_s.astype("float64") / den_s.where(den_s != 0, np.nan)
    if den is None or num is None or (isinstance(den, float) and math.isnan(den)) or den == 0:
        return math.nan
    return num / den
