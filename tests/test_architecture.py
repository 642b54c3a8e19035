"""The architecture of docs/architecture.md: the layers import only downwards (cells ->
scenario -> engine -> analysis/render/verify -> cli), no package has an import circle
inside it, and no module outside a cell's own ones names a cell."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "rnntrace" / "_internal"
# layer -> the rnntrace modules it may import
ALLOWED = {
    # display symbols as data and their printers: the bottom layer, importable by all
    "symbol": {"symbol"},
    # the ops: forward, derivative and explanation data, for the engine and the printers
    "ops": {"ops", "numbers", "symbol"},
    # the cells registry: one CellKind per cell (tracers named by dotted path, not imported)
    "cells": {"cells", "symbol", "errors"},
    "scenario": {"scenario", "symbol", "errors"},
    "engine": {"engine", "ops", "scenario", "trace", "numbers", "errors", "symbol"},
    "trace": {"trace", "symbol"},
    "numbers": {"numbers"},
    # render may read the result dataclasses of analysis (gradflow/gradcheck printers)
    "render": {"render", "ops", "trace", "analysis", "assignment", "numbers", "errors", "symbol"},
    # analysis reads a trace and its scenario and may re-trace it (gradcheck): never render
    "analysis": {"analysis", "engine", "ops", "scenario", "trace", "numbers", "errors", "symbol"},
    # verify re-traces the scenario (exact and rounded chains) and re-does ops: never render
    "verify": {
        "verify",
        "engine",
        "ops",
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
    # the public API wraps the loader, the engine, the printers and the grader: never the cli
    "api": {"api", "scenario", "engine", "render", "verify", "trace", "numbers", "errors"},
    "files": {"errors"},
    "errors": set(),
    # the record decorator (dataclasses without compiled methods): the bottom, under all
    "records": set(),
}
for _layer, _allowed in ALLOWED.items():  # every layer above errors may ask the registry
    if _layer not in ("errors", "files", "trace", "numbers", "symbol", "ops", "records"):
        _allowed.add("cells")
    _allowed.add("records")
RUNTIME = {"numpy", "click", "rich", "yaml"}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "rnntrace._internal":
            found.update(f"rnntrace._internal.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
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
            if module.startswith("rnntrace._internal."):
                target = module.split(".")[2]
                assert target in ALLOWED[name], f"{path.name} ({name}) imports {module}"


def test_only_the_cli_imports_click_and_no_module_imports_test_only_packages():
    for path in PACKAGE.rglob("*.py"):
        for module in imports(path):
            top = module.split(".")[0]
            if top == "click":
                assert layer(path) == "cli", f"{path} imports click"
            assert top not in {"torch", "pytest", "hypothesis"}, f"{path} imports {module}"


def test_runtime_dependencies_are_the_four_named_ones():
    text = (PACKAGE.parent.parent / "pyproject.toml").read_text()
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    names = {
        line.strip().strip('",').split(">")[0].split("=")[0]
        for line in block.splitlines()
        if line.strip()
    }
    assert names == {"numpy", "click", "rich", "pyyaml"}


def test_the_architecture_document_exists():
    assert (PACKAGE.parent.parent / "docs" / "architecture.md").is_file()


# -- no import circles inside a package -----------------------------------------------------


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The rnntrace modules ``path`` imports, at module level or inside a function (an
    import moved into a function does not break a circle, it hides it), except under
    ``if TYPE_CHECKING:``. ``from a.b import c`` counts as a.b.c when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hidden = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
              and "TYPE_CHECKING" in ast.unparse(block.test)
              for stmt in block.body for node in ast.walk(stmt)}  # fmt: skip
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                whole = f"{node.module}.{alias.name}"
                found.add(whole if whole in modules else node.module)
    return {name for name in found if name in modules}


def circles() -> list[list[str]]:
    """Every import circle among modules of one package (a path back to where it began)."""
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {name: imported_modules(path, set(paths)) for name, path in paths.items()}

    def package(name: str) -> str:
        return name if paths[name].name == "__init__.py" else name.rpartition(".")[0]

    found: list[list[str]] = []
    for start in sorted(graph):
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            name, trail = stack.pop()
            for target in sorted(graph[name]):
                if package(target) != package(start) or target < start:
                    continue  # inside the package; each circle once, from its least module
                if target == start:
                    found.append(trail + [start])
                elif target not in seen:
                    seen.add(target)
                    stack.append((target, trail + [target]))
    return found


def test_the_circle_finder_sees_a_circle(tmp_path, monkeypatch):
    root = tmp_path / "rnntrace" / "_internal"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "a.py").write_text("from rnntrace._internal.pkg import b\n")
    (root / "pkg" / "b.py").write_text("from rnntrace._internal.pkg.a import thing\n")
    (root / "pkg" / "c.py").write_text("def f():\n    from rnntrace._internal.pkg import d\n")
    (root / "pkg" / "d.py").write_text("from rnntrace._internal.pkg.c import f\n")
    (root / "pkg" / "e.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from rnntrace._internal.pkg import a\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", root)
    pkg = "rnntrace._internal.pkg"
    assert circles() == [[f"{pkg}.a", f"{pkg}.b", f"{pkg}.a"], [f"{pkg}.c", f"{pkg}.d", f"{pkg}.c"]]


def test_no_package_has_an_import_circle_inside_it():
    assert circles() == []


# -- cell names only in the cells' own modules ----------------------------------------------


def cell_names() -> list[str]:
    """The cells' names: every module of rnntrace/cells that registers one (and ``mgu``,
    the cell the architecture was proved on, before it lands)."""
    names = {
        path.stem
        for path in (PACKAGE / "cells").glob("*.py")
        if not path.stem.startswith("_") and "_" not in path.stem and path.stem != "base"
    }
    return sorted(names | {"rnn", "lstm", "gru", "mgu"})


def own_modules(name: str) -> set[Path]:
    """A cell's own modules: rnntrace/_internal/cells/<name>*.py and its tracer
    rnntrace/_internal/engine/<name>.py."""
    return {*(PACKAGE / "cells").glob(f"{name}*.py"), PACKAGE / "engine" / f"{name}.py"}


def string_constants(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_module_names_a_cell_outside_its_own_modules():
    """A cell's name as a string ("lstm") only in that cell's modules: everything else asks
    the registry (``cells.get(model.cell)``). Docstrings and comments may name cells."""
    found = []
    for name in cell_names():
        mine = own_modules(name)
        for path in PACKAGE.rglob("*.py"):
            if path in mine:
                continue
            for line, text in string_constants(path):
                if text.strip().lower() == name:
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {text!r}")
    assert found == []


@pytest.mark.parametrize("name", ["rnn", "lstm", "gru"])
def test_every_cell_is_registered_under_its_module_name(name):
    from rnntrace._internal import cells

    assert cells.get(name).name == name
    assert Path(cells.get(name).tracer.split(":")[0].replace(".", "/") + ".py").name == f"{name}.py"


def test_nothing_converts_latex_to_text():
    """The terminal prints formula trees with the Unicode printer; no module turns LaTeX
    (a printer's output or a string rnntrace wrote) into text."""
    from rnntrace._internal.render.prose import Math, prose_text, sentence

    assert not (PACKAGE / "render" / "symbols.py").exists()
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "api":  # rnntrace.to_text: the public text printer of a trace
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                assert node.name != "to_text", path.name
            if isinstance(node, ast.ImportFrom):
                assert node.module != "rnntrace._internal.render.symbols", path.name
                assert "to_text" not in {alias.name for alias in node.names}, path.name
    with pytest.raises(TypeError):
        prose_text(sentence("rate ", Math(r"\eta = 0.1")))


def test_nothing_converts_latex_to_mathml():
    """The HTML page prints formula trees with the MathML printer; no module reads LaTeX (a
    tokenizer of backslash commands, a reader of ``\\frac``) to write MathML."""
    from rnntrace._internal.render.html import prose_html
    from rnntrace._internal.render.prose import Math, sentence

    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                assert "latex_mathml" not in node.name, path.name
            if isinstance(node, ast.ImportFrom):
                assert "latex_mathml" not in {alias.name for alias in node.names}, path.name
        if path.parent.name == "render" and path.name.startswith("html"):
            for _, text in string_constants(path):
                assert "frac" not in text, (path.name, text)  # a reader of \\frac, an <mfrac>
    with pytest.raises(TypeError):
        prose_html(sentence("rate ", Math(r"\eta = 0.1")))


def test_no_printer_rewrites_printed_latex_for_mathjax():
    """Markdown gets MathJax's dialect from the LaTeX printer (``latex(tree, mathjax=True)``),
    not by rewriting printed LaTeX with a regex."""
    source = (PACKAGE / "render" / "markdown.py").read_text(encoding="utf-8")
    assert "for_mathjax" not in source and "re" not in imports(PACKAGE / "render" / "markdown.py")
    assert "\\bm" not in source


# -- labels are data (issue 12) --------------------------------------------------------------
LABEL_TAKERS = {  # a function that takes a step's label -> the label's positional index
    "do": 4,
    "update_op": 4,
    "accumulate": 4,
    "_from_step": 4,
    "back_to_state": 5,
    "_back": 6,
}


def _label_arguments(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        yield from (kw.value for kw in node.keywords if kw.arg == "label")
        at = LABEL_TAKERS.get(name)
        if at is not None and len(node.args) > at:
            yield node.args[at]


def _builds_text(node: ast.expr) -> bool:
    """Whether a label argument is text (a string, an f-string, a sum) rather than a `Label`;
    inside a `Label(...)` no field is an f-string either."""
    if isinstance(node, ast.IfExp):
        return _builds_text(node.body) or _builds_text(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(_builds_text(value) for value in node.values)
    if isinstance(node, ast.Call):
        return any(isinstance(sub, ast.JoinedStr) for sub in ast.walk(node))
    return isinstance(node, ast.JoinedStr | ast.BinOp) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _engine_modules() -> Iterator[Path]:
    yield from sorted((PACKAGE / "engine").glob("*.py"))
    yield from sorted((PACKAGE / "cells").glob("*.py"))


def test_the_engine_builds_no_label_text():
    """The engine records a `Label` (data) for every step; only `label_text` words it."""
    bad = []
    for path in _engine_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for arg in _label_arguments(tree):
            if _builds_text(arg):
                bad.append(f"{path.name}:{arg.lineno}: {ast.unparse(arg)[:60]}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "words":
                bad.append(f"{path.name}:{node.lineno}: .words (a part in words)")
    assert not bad, "\n".join(bad)


def test_every_label_phrase_is_in_the_one_table():
    from rnntrace._internal.symbol.label import PHRASES

    used = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Label":
                assert node.args and isinstance(node.args[0], ast.Constant), ast.unparse(node)
                used.add(node.args[0].value)
    assert used <= set(PHRASES), used - set(PHRASES)
    assert set(PHRASES) <= used, f"phrases no step uses: {set(PHRASES) - used}"


def test_printers_word_labels_only_through_label_text():
    """No module reads ``step.label`` (words) to decide anything: printers call `label_text`."""
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("trace.py", "label.py"):
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("step.label", "in step.label", ".label.split"):
            if needle in text:
                bad.append(f"{path.relative_to(PACKAGE)}: {needle}")
    assert not bad, bad


# -- an op is defined once: its written form is data the printers read (issue 12) -----------
def explained_ops() -> dict[str, object]:
    """Every op whose explanation is data (an activation op: for every activation), with it."""
    from rnntrace._internal.ops import ACTIVATIONS, DEFINITIONS, explanation

    found = {}
    for name in DEFINITIONS:
        each = [explanation(name, {"activation": act}) for act in ACTIVATIONS]
        if all(explain is not None for explain in each):
            found[name] = each[0]
    return found


def op_glyphs() -> set[str]:
    """How the ops' functions are printed (``tanh(``, ``σ(``, ``relu(``; ``\\tanh``,
    ``\\sigma``, ...) and relu's written form: only the ops' entries hold them."""
    from rnntrace._internal.ops import ACTIVATIONS, DEFINITIONS
    from rnntrace._internal.symbol import latex, text

    functions = [act.function for act in ACTIVATIONS.values()]
    functions += [op.function for op in DEFINITIONS.values() if op.function is not None]
    return {*(text(f) + "(" for f in functions), *(latex(f) for f in functions), "\\max(0"}


def op_math(render: Path) -> list[str]:
    """Where modules of ``render`` know an op's math themselves: a ``_print_<op>`` method for
    an op whose working is data, a comparison with such an op's name (``op == "hadamard"``,
    ``step.op in ("activation", ...)``), a string holding an op's function (``r"\\tanh"``)."""
    ops, glyphs = explained_ops(), op_glyphs()
    worked = {name for name, explain in ops.items() if explain.each is not None}  # type: ignore[attr-defined]
    found = []
    for path in sorted(render.glob("*.py")):
        if path.name in ("texescape.py", "texwidth.py"):  # user text's escapes, font metrics
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.FunctionDef) and node.name.removeprefix("_print_") in worked:
                found.append(f"{where}: def {node.name}")
            if isinstance(node, ast.Compare):
                names = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant)}
                found += [f"{where}: compares with {name!r}" for name in sorted(names & set(ops))]
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
            ):
                found += [f"{where}: {node.value!r}" for g in sorted(glyphs) if g in node.value]
    return found


def test_no_printer_knows_an_ops_math():
    """An op is defined once (rnntrace/_internal/ops): its formula and the working of an entry
    are data in its entry, which the printers read; render writes no op's math itself."""
    assert op_math(PACKAGE / "render") == []


def test_the_op_math_finder_sees_a_printer_that_knows_an_op(tmp_path):
    (tmp_path / "printer.py").write_text(
        "FUNCTIONS = {'tanh': r'\\tanh', 'sigmoid': r'\\sigma'}\n"
        "class P:\n"
        "    def _print_tanh_back(self, step):\n"
        "        return f'{step} ⊙ (1 − y²)'\n"
        "    def _print_matvec(self, step):\n"
        "        return step.op == 'hadamard' or step.op in ('activation', 'sigmoid')\n"
    )
    found = op_math(tmp_path)
    assert any("def _print_tanh_back" in f for f in found)
    assert not any("_print_matvec" in f for f in found)
    assert any("'hadamard'" in f for f in found) and any("'activation'" in f for f in found)
    assert any("'\\\\tanh'" in f for f in found) and any("'\\\\sigma'" in f for f in found)
