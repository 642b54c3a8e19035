"""The import direction of DESIGN.md: scenario -> engine -> render/verify -> cli."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rnntrace"
# layer -> the rnntrace modules it may import
ALLOWED = {
    # display symbols as data and their printers: the bottom layer, importable by all
    "symbol": {"symbol"},
    "scenario": {"scenario", "symbol", "errors"},
    "engine": {"engine", "scenario", "trace", "numbers", "errors", "symbol"},
    "trace": {"trace", "symbol"},
    "numbers": {"numbers"},
    # render may read the result dataclasses of analysis (gradflow/gradcheck printers)
    "render": {"render", "trace", "analysis", "assignment", "numbers", "errors", "symbol"},
    # analysis reads a trace and its scenario and may re-trace it (gradcheck): never render
    "analysis": {"analysis", "engine", "scenario", "trace", "numbers", "errors", "symbol"},
    # verify re-traces the scenario (exact and rounded chains) and re-does ops: never render
    "verify": {
        "verify",
        "engine",
        "scenario",
        "trace",
        "assignment",
        "numbers",
        "errors",
        "symbol",
    },
    # the question list of a worksheet, shared by render (the sheet) and verify (grading)
    "assignment": {"assignment", "scenario", "trace", "errors", "symbol"},
    # per-student variants: drawn scenarios, traced and checked
    "variants": {
        "variants",
        "assignment",
        "scenario",
        "engine",
        "trace",
        "numbers",
        "errors",
        "symbol",
    },
    # delivery to learning platforms: grading (verify) and printing (render) of variants
    "lms": {
        "lms",
        "symbol",
        "variants",
        "assignment",
        "verify",
        "render",
        "engine",
        "scenario",
        "trace",
        "numbers",
        "errors",
        "files",
    },
    "files": {"errors"},
    "errors": set(),
}
RUNTIME = {"numpy", "click", "rich", "yaml"}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def layer(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def test_layers_import_only_downwards():
    for path in PACKAGE.rglob("*.py"):
        name = layer(path)
        if name not in ALLOWED:
            continue
        for module in imports(path):
            if module.startswith("rnntrace."):
                target = module.split(".")[1]
                assert target in ALLOWED[name], f"{path.name} ({name}) imports {module}"


def test_only_the_cli_imports_click_and_no_module_imports_test_only_packages():
    for path in PACKAGE.rglob("*.py"):
        for module in imports(path):
            top = module.split(".")[0]
            if top == "click":
                assert layer(path) == "cli", f"{path} imports click"
            assert top not in {"torch", "pytest", "hypothesis"}, f"{path} imports {module}"


def test_runtime_dependencies_are_the_four_named_ones():
    text = (PACKAGE.parent / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    names = {
        line.strip().strip('",').split(">")[0].split("=")[0]
        for line in block.splitlines()
        if line.strip()
    }
    assert names == {"numpy", "click", "rich", "pyyaml"}


def _module_graph() -> dict[str, set[str]]:
    """rnntrace module -> the rnntrace modules it imports anywhere in its file (at the top,
    inside functions, under TYPE_CHECKING): an import inside a function hides no circle."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:  # from rnntrace.engine import heads: the submodule
                    full = f"{node.module}.{alias.name}"
                    found.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_engine_the_trace_and_the_symbols_have_no_import_circles():
    graph = _module_graph()
    assert {"rnntrace.engine.cell", "rnntrace.engine.symbols"} <= set(graph)
    for circle in _circles(graph):
        inside = [m for m in circle if m.startswith(("rnntrace.engine", "rnntrace.symbol"))]
        assert not inside and "rnntrace.trace" not in circle, sorted(circle)


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
