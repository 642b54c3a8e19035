"""The import direction of DESIGN.md: scenario -> engine -> render/verify -> cli."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rnntrace"
# layer -> the rnntrace modules it may import
ALLOWED = {
    "scenario": {"scenario", "errors"},
    "engine": {"engine", "scenario", "trace", "numbers", "errors"},
    "trace": {"trace"},
    "numbers": {"numbers"},
    # render may read the result dataclasses of analysis (gradflow/gradcheck printers)
    "render": {"render", "trace", "analysis", "assignment", "numbers", "errors"},
    # analysis reads a trace and its scenario and may re-trace it (gradcheck): never render
    "analysis": {"analysis", "engine", "scenario", "trace", "numbers", "errors"},
    # verify re-traces the scenario (exact and rounded chains) and re-does ops: never render
    "verify": {"verify", "engine", "scenario", "trace", "assignment", "numbers", "errors"},
    # the question list of a worksheet, shared by render (the sheet) and verify (grading)
    "assignment": {"assignment", "scenario", "trace", "errors"},
    # per-student variants: drawn scenarios, traced and checked
    "variants": {"variants", "assignment", "scenario", "engine", "trace", "numbers", "errors"},
    # delivery to learning platforms: grading (verify) and printing (render) of variants
    "lms": {
        "lms",
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
    # the public API wraps the loader, the engine, the printers and the grader: never the cli
    "api": {"api", "scenario", "engine", "render", "verify", "trace", "numbers", "errors"},
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
