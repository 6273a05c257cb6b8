"""The KPI catalog: ``catalog.yaml`` validated into typed specs once, at load.

Every reference is checked here (measure sources and columns, formula names, builders, units,
dimensions), so a broken catalog fails with the metric or measure id instead of producing a
wrong number later. Which dimensions a metric supports follows from the sources of its measures.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from shoplens.config import load_yaml
from shoplens.errors import ShoplensError
from shoplens.metrics.builders import BUILDERS
from shoplens.metrics.formula import Formula, FormulaError, parse_formula
from shoplens.metrics.sources import SOURCES

UNITS = ("count", "currency", "percent", "seconds", "days", "number", "score")
GOOD = ("up", "down", "neutral")
GROUPS = {  # id -> (zh, en), in catalog order
    "traffic": ("流量", "Traffic"), "conversion": ("转化", "Conversion"), "retention": ("留存", "Retention"),
    "value": ("价值", "Value"), "product": ("商品", "Product"), "service": ("服务", "Service"),
    "logistics": ("物流", "Logistics"),
}
AGGS = ("sum", "count", "count_distinct", "entities", "builder")
PRODUCT_DIMS = frozenset({"category", "brand", "product"})


class CatalogError(ValueError):
    """The catalog does not validate: a developer's mistake in catalog.yaml (English only, like a traceback)."""


@dataclass(frozen=True)
class Dimension:
    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Condition:
    """``column`` equals one of ``values`` (or is null / not null)."""

    column: str
    values: tuple[Any, ...] = ()
    null: bool | None = None  # True: IS NULL, False: IS NOT NULL


@dataclass(frozen=True)
class Measure:
    id: str
    source: str
    agg: str
    column: str | None = None
    where: tuple[Condition, ...] = ()
    having: tuple[tuple[tuple[Condition, ...], int], ...] = ()  # entities: (conditions, min count)
    builder: str | None = None
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    by_product: str | None = None

    @property
    def dims(self) -> frozenset[str]:
        if self.agg == "builder":
            return BUILDERS[self.builder or ""].dims
        return SOURCES[self.source].dims

    @property
    def sources(self) -> frozenset[str]:
        """Every source the measure reads (a builder may read several: slow-moving SKUs = catalog + items)."""
        if self.agg == "builder":
            return BUILDERS[self.builder or ""].sources
        return frozenset({self.source})


@dataclass(frozen=True)
class Metric:
    id: str
    group: str
    zh: str
    en: str
    unit: str
    good: str
    formula: Formula
    def_zh: str
    def_en: str
    base: str | None = None  # the count metric a ratio divides by (its sample size; see denominator())

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def definition(self, lang: str) -> str:
        return self.def_zh if lang == "zh" else self.def_en


@dataclass
class Catalog:
    dimensions: dict[str, Dimension]
    measures: dict[str, Measure]
    metrics: dict[str, Metric]

    def metric(self, metric_id: str) -> Metric:
        try:
            return self.metrics[metric_id]
        except KeyError:
            from difflib import get_close_matches

            close = get_close_matches(metric_id, list(self.metrics), n=3)
            hint = f"did you mean {', '.join(close)}?" if close else "`shoplens metrics list` shows the catalog"
            zh_hint = f"是否想用 {', '.join(close)}？" if close else "用 `shoplens metrics list` 查看指标目录"
            raise ShoplensError(f"unknown metric {metric_id!r}", hint=hint, zh=f"未知指标 {metric_id!r}",
                                zh_hint=zh_hint) from None

    def measure_dims(self, measure_id: str, wanted: frozenset[str]) -> tuple[str, frozenset[str]]:
        """The measure that serves ``wanted`` dimensions (its by-product variant if needed) and its dims."""
        measure = self.measures[measure_id]
        if wanted & PRODUCT_DIMS and measure.by_product and not wanted <= measure.dims:
            measure = self.measures[measure.by_product]
        return measure.id, measure.dims

    def is_additive(self, metric_id: str) -> bool:
        """A count or amount made only of sums and differences (0 when nothing happened), not a ratio."""
        metric = self.metrics[metric_id]
        return metric.unit in ("count", "currency") and "/" not in metric.formula.text and not metric.formula.totals

    def metric_dims(self, metric_id: str) -> frozenset[str]:
        """Dimensions a metric can be cut and filtered by."""
        metric = self.metrics[metric_id]
        names = metric.formula.measures | metric.formula.totals
        out: frozenset[str] | None = None
        for name in names:
            dims = self.measures[name].dims
            alt = self.measures[name].by_product
            if alt:
                dims = dims | (self.measures[alt].dims & PRODUCT_DIMS)
            out = dims if out is None else out & dims
        return out or frozenset()


def _conditions(raw: Any, where: str, columns: frozenset[str]) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: `where` must be a mapping column -> value(s)")
    out = []
    for column, value in raw.items():
        if column not in columns:
            raise CatalogError(f"{where}: unknown column {column!r} (source has {', '.join(sorted(columns))})")
        if value == "not_null":
            out.append(Condition(column, null=False))
        elif value == "null":
            out.append(Condition(column, null=True))
        else:
            values = tuple(value) if isinstance(value, list) else (value,)
            out.append(Condition(column, values))
    return tuple(out)


def _measure(mid: str, raw: dict[str, Any]) -> Measure:
    where = f"measure {mid}"
    source = raw.get("source")
    if source not in SOURCES:
        raise CatalogError(f"{where}: unknown source {source!r} (one of {', '.join(SOURCES)})")
    agg = raw.get("agg")
    if agg not in AGGS:
        raise CatalogError(f"{where}: agg must be one of {', '.join(AGGS)}")
    columns = SOURCES[source].columns
    column = raw.get("column")
    if agg in ("sum", "count_distinct", "entities") and column not in columns:
        raise CatalogError(f"{where}: `column` must be a column of {source} ({', '.join(sorted(columns))})")
    having: list[tuple[tuple[Condition, ...], int]] = []
    for i, item in enumerate(raw.get("having") or []):
        having.append((_conditions(item.get("where"), f"{where} having[{i}]", columns), int(item.get("min", 1))))
    if agg == "entities" and not having:
        raise CatalogError(f"{where}: agg entities needs `having`")
    builder = raw.get("builder")
    if agg == "builder" and builder not in BUILDERS:
        raise CatalogError(f"{where}: unknown builder {builder!r}")
    if agg == "builder" and source not in BUILDERS[builder].sources:
        raise CatalogError(f"{where}: builder {builder} does not read source {source!r}")
    known = {"source", "agg", "column", "where", "having", "builder", "by_product"}
    params = {k: v for k, v in raw.items() if k not in known}
    if params and agg != "builder":
        raise CatalogError(f"{where}: unknown keys {', '.join(params)}")
    return Measure(mid, source, agg, column, _conditions(raw.get("where"), where, columns), tuple(having),
                   builder, params, raw.get("by_product"))


def _metric(raw: dict[str, Any], measures: dict[str, Measure]) -> Metric:
    mid = raw.get("id")
    if not isinstance(mid, str) or not mid.isidentifier():
        raise CatalogError(f"metric {mid!r}: id must be snake_case")
    where = f"metric {mid}"
    unknown = set(raw) - {"id", "group", "zh", "en", "unit", "good", "formula", "def_zh", "def_en", "base"}
    if unknown:  # usually an unquoted comma in a {…} entry that split a text
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)} (quote texts that contain commas)")
    for key in ("group", "zh", "en", "unit", "good", "formula", "def_zh", "def_en"):
        if raw.get(key) in (None, ""):
            raise CatalogError(f"{where}: missing {key}")
    if raw["group"] not in GROUPS or raw["unit"] not in UNITS or raw["good"] not in GOOD:
        raise CatalogError(f"{where}: group/unit/good must be one of {list(GROUPS)} / {UNITS} / {GOOD}")
    try:
        formula = parse_formula(raw["formula"])
    except FormulaError as exc:
        raise CatalogError(f"{where}: {exc}") from None
    for name in formula.measures | formula.totals:
        if name not in measures:
            raise CatalogError(f"{where}: formula uses unknown measure {name!r}")
    return Metric(mid, raw["group"], str(raw["zh"]), str(raw["en"]), raw["unit"], raw["good"], formula,
                  str(raw["def_zh"]), str(raw["def_en"]), raw.get("base"))


def denominator(formula: Formula) -> str | None:
    """The measure a ratio ``… / m`` divides by at its top level (None for other shapes)."""
    tree = formula.tree
    if isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Div) and isinstance(tree.right, ast.Name):
        return tree.right.id
    return None


def _check_base(metric: Metric, metrics: dict[str, Metric]) -> None:
    """A rate's `base` must be the count metric of exactly its denominator, so "100 % (6)" shows the 6 cases the
    rate rests on (the dashboard mutes rates on few cases)."""
    where = f"metric {metric.id}: base {metric.base!r}"
    base = metrics.get(metric.base or "")
    if base is None:
        raise CatalogError(f"{where} is not a catalog metric")
    den = denominator(metric.formula)
    if base.unit != "count" or den is None or base.formula.text.strip() != den:
        raise CatalogError(f"{where} must be a count metric whose formula is the denominator ({den})")


def parse_catalog(data: dict[str, Any]) -> Catalog:
    dimensions = {k: Dimension(k, v[0], v[1]) for k, v in (data.get("dimensions") or {}).items()}
    measures = {k: _measure(k, v or {}) for k, v in (data.get("measures") or {}).items()}
    for m in measures.values():
        if m.by_product and m.by_product not in measures:
            raise CatalogError(f"measure {m.id}: by_product names unknown measure {m.by_product!r}")
        unknown = m.dims - set(dimensions)
        if unknown:
            raise CatalogError(f"measure {m.id}: dimensions {sorted(unknown)} are not declared")
    metrics: dict[str, Metric] = {}
    for raw in data.get("metrics") or []:
        metric = _metric(raw, measures)
        if metric.id in metrics:
            raise CatalogError(f"metric {metric.id}: defined twice")
        metrics[metric.id] = metric
    for metric in metrics.values():
        if metric.base:
            _check_base(metric, metrics)
    return Catalog(dimensions, measures, metrics)


@cache
def load_catalog() -> Catalog:
    """The shipped catalog (parsed and validated once per process)."""
    text = resources.files("shoplens.metrics").joinpath("catalog.yaml").read_text(encoding="utf-8")
    return parse_catalog(load_yaml(text))


def catalog_rows(catalog: Any) -> list[dict[str, Any]]:
    """One row per metric, as `shoplens metrics list --format json` and the API's catalog give it."""
    return [{"id": m.id, "group": m.group, "name_zh": m.zh, "name_en": m.en, "unit": m.unit, "good": m.good,
             "definition_zh": m.def_zh, "definition_en": m.def_en, "formula": m.formula.text,
             "dimensions": sorted(catalog.metric_dims(m.id)), "base": m.base} for m in catalog.metrics.values()]
