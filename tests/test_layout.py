"""The package's layout: no import cycle, no import below a module's code.

Read from the source (ast), so the test sees what a reader sees: every import of a
skweights module, at module level or inside a function, is an edge; importing a
submodule's package ``__init__`` implicitly is not.
"""

import ast
import functools
from pathlib import Path

import pytest

import skweights

ROOT = Path(skweights.__file__).parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package(name: str) -> str:
    return name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]


def _imported(name: str, node: ast.AST) -> list[str]:
    """The skweights modules an import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    base = node.module or ""
    if node.level:
        package = _package(name).split(".")
        package = package[: len(package) - node.level + 1]
        base = ".".join(package + ([node.module] if node.module else []))
    targets = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        targets.append(sub if sub in MODULES else base)
    return [t for t in targets if t in MODULES]


@functools.cache
def _graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges.update(_imported(name, node))
        graph[name] = edges - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]
    ]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_assembled_by_imports_below_its_code(name):
    body = ast.parse(MODULES[name].read_text()).body
    seen_code = False
    late = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            seen_code = True
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and seen_code:
            late.append(node.lineno)
    assert late == [], f"{name}: imports at lines {late} come after its code"


# The tiers of docs/architecture.md, lowest first. A module imports only modules of
# its own tier or lower ones: the engine never reaches up into the estimators or
# the tools built on them.
TIERS = {
    "foundations": [
        "_registry", "_validation", "_jit", "exceptions", "_pipeline",
        "_persistence", "_weight_record", "_explanation",
    ],
    "math and solvers": [
        "_network", "_kernels", "_full_batch", "_linear_solvers", "_deepshap",
        "_shapley", "_column_map",
    ],
    "components": [
        "activations", "losses", "penalties", "schedules", "initializers",
        "constraints", "optimizers", "transfer",
    ],
    "the fit": ["_training", "_ignored", "_base", "_lr_range", "_docs"],
    "estimators": ["linear", "mlp"],
    "tools": ["inspection", "plotting", "_explain", "_onnx"],
    "cross-validated estimators": ["_cv", "_cv_estimators"],
    "package": [""],
}  # fmt: skip


def _tier(module: str) -> int:
    relative = module.removeprefix("skweights").removeprefix(".")
    top = relative.split(".")[0]
    for rank, names in enumerate(TIERS.values()):
        if top in names:
            return rank
    raise AssertionError(f"{module} is in no tier of TIERS (docs/architecture.md)")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_a_module_imports_only_its_tier_and_lower_ones(name):
    graph = _graph()
    upward = sorted(target for target in graph[name] if _tier(target) > _tier(name))
    assert upward == [], f"{name} (tier {_tier(name)}) imports higher tiers: {upward}"


def test_the_architecture_page_names_every_tier():
    page = (ROOT.parent / "docs" / "architecture.md").read_text()
    for tier, names in TIERS.items():
        assert tier in page
        for name in names:
            assert name in page, name
