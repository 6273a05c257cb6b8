"""The data flow runs one way (docs/dev-notes.md, "Layout and data flow"): a module never imports a higher layer.

model <- warehouse <- ingest/presets <- demo; warehouse <- metrics <- analyses <- server <- cli. The base modules
(errors, i18n, params, …) import nothing above them. Checked twice: statically over every ``import`` in the source
(lazy imports inside functions included), and by importing each layer in a fresh interpreter and looking at
which shoplens packages came with it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "shoplens"
BASE = 0
# the layer of each top-level module or package of shoplens; a module may import its own layer or lower ones
LAYER = {
    "errors": BASE, "i18n": BASE, "params": BASE, "csv_out": BASE, "json_text": BASE, "value_labels": BASE,
    "interrupts": BASE,
    "config": BASE, "disk": BASE, "model": BASE,
    "warehouse": 1,
    "ingest": 2, "presets": 2,  # presets are declarative plans the ingest pipeline runs (one layer)
    "demo": 3, "metrics": 3,
    "analyses": 4,
    "server": 5,
    "cli": 6,
    "__init__": 7, "__main__": 7,  # the package's own API imports every layer lazily
}
# within the base layer, what each base module may use (nothing else, so there is no cycle)
BASE_USES = {"model": {"errors"}, "params": {"errors"}, "value_labels": {"i18n", "model"}, "config": {"errors"},
             "disk": {"errors", "interrupts", "config"},
             "interrupts": {"errors", "i18n"}}


def _layer_of(name: str) -> str:
    return name.removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module] if node.module != "shoplens" else [f"shoplens.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        else:
            continue
        out += [(node.lineno, m) for m in modules if m.startswith("shoplens.")]
    return out


def test_every_module_has_a_layer() -> None:
    tops = {_layer_of(p.name) for p in SRC.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert tops <= set(LAYER), f"give these a layer in tests/test_layers.py: {sorted(tops - set(LAYER))}"


def test_no_import_reaches_a_higher_layer() -> None:
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        own = _layer_of(path.relative_to(SRC).parts[0])
        for line, module in _imports(path):
            target = module.split(".")[1]
            if target not in LAYER or target == own or target == "__version__":
                continue
            if LAYER[target] > LAYER[own] or (LAYER[target] == LAYER[own] == BASE and target not in BASE_USES.get(
                    own, set())) or (LAYER[target] == LAYER[own] != BASE and {own, target} != {"ingest", "presets"}):
                wrong.append(f"{path.relative_to(SRC.parent)}:{line}: {own} imports {module}")
    assert not wrong, "imports against the data flow:\n" + "\n".join(wrong)


@pytest.mark.parametrize("package", ["model", "warehouse", "ingest", "metrics", "analyses", "demo"])
def test_importing_a_layer_loads_nothing_above_it(package: str) -> None:
    """Every module of the package imported for real, then: which shoplens packages are loaded?"""
    code = (
        "import importlib, json, pkgutil, sys\n"
        f"p = importlib.import_module('shoplens.{package}')\n"
        "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(json.dumps(sorted({n.split('.')[1] for n in sys.modules if n.startswith('shoplens.')})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    above = sorted(p for p in loaded if LAYER.get(p, BASE) > LAYER[package])
    assert not above, f"importing shoplens.{package} loads higher layers: {above}"


def test_the_plain_metrics_engine_refuses_a_segment_clearly(engine: Any) -> None:
    """Segments are compiled by the analyses; the engine below them is handed the compiler (SegmentMetricsEngine)."""
    import shoplens
    from shoplens.errors import ShoplensError
    from shoplens.metrics import MetricsEngine

    with pytest.raises(ShoplensError, match="built without segments"):
        MetricsEngine(engine.wh).query("gmv", segment="orders>=1")
    assert shoplens.MetricsEngine.__name__ == "SegmentMetricsEngine"
    assert engine.query("gmv", segment="orders>=1", targets=False).segment == "orders>=1"  # wired, it works
