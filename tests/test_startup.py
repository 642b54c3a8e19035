"""`rnntrace run` imports what its scenario uses and nothing else (issue 12, start-up): the
modules a command imported, listed when its process exits, run as ``python -m rnntrace`` runs
it (``runpy``; ``-X importtime`` would miss the modules imported with ``importlib``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTERNAL = "rnntrace._internal."
# what no simple-RNN scenario without dropout, attention, params.init, assignment or vary needs
UNUSED_BY_SENTIMENT = [
    "cells.lstm", "cells.gru", "cells.mgu",
    "cells.rnn_jacobian", "cells.lstm_jacobian", "cells.gru_jacobian", "cells.mgu_jacobian",
    "engine.attention", "engine.dropout", "engine.training", "engine.compiled",
    "engine.drawn", "engine.lstm", "engine.gru", "engine.mgu",
    "scenario.load_assignment", "scenario.load_vary", "scenario.load_skipdrop",
    "scenario.load_feeding", "scenario.load_init", "scenario.load_init_parts",
    "scenario.load_parts", "scenario.model_more", "assignment", "analysis", "verify",
]  # fmt: skip


LIST_AT_EXIT = """
import atexit, runpy, sys
atexit.register(lambda: print(*sorted(sys.modules), sep="\\n", file=sys.stderr))
sys.argv[0] = "rnntrace"
runpy.run_module("rnntrace", run_name="__main__", alter_sys=True)
"""


def imported(*args: str) -> set[str]:
    """The modules ``python -m rnntrace ARGS`` imports (its output checked on the way)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", LIST_AT_EXIT, *args], capture_output=True,
                          text=True, cwd=ROOT, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout  # the worked solution was printed
    return set(done.stderr.split())


@pytest.fixture(scope="module")
def sentiment() -> set[str]:
    return imported("run", "scenarios/sentiment.yaml")


def test_run_of_a_simple_rnn_imports_its_own_cell(sentiment):
    assert {INTERNAL + "cells.rnn", INTERNAL + "engine.rnn", INTERNAL + "render.text"} <= sentiment


@pytest.mark.parametrize("module", UNUSED_BY_SENTIMENT)
def test_run_of_a_simple_rnn_does_not_import(sentiment, module):
    assert not {name for name in sentiment if (name + ".").startswith(INTERNAL + module + ".")}


def test_run_of_an_lstm_imports_the_lstm_and_no_other_cell():
    modules = imported("run", "scenarios/sentiment-lstm.yaml")
    assert {INTERNAL + "cells.lstm", INTERNAL + "engine.lstm"} <= modules
    for other in ("rnn", "gru", "mgu"):
        assert INTERNAL + f"cells.{other}" not in modules
        assert INTERNAL + f"engine.{other}" not in modules
    assert not {name for name in modules if name.endswith("_jacobian")}


def test_gradflow_imports_the_cells_jacobian():
    modules = imported("gradflow", "scenarios/sentiment-lstm.yaml")
    assert INTERNAL + "cells.lstm_jacobian" in modules
    assert INTERNAL + "cells.gru_jacobian" not in modules


def test_the_registry_names_every_cell_without_importing_one():
    code = (
        "import sys; from rnntrace._internal import cells; names = cells.names(); "
        "print(names, sorted(m for m in sys.modules if m.startswith('rnntrace._internal.cells')))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout  # fmt: skip
    names, modules = out.split("] ", 1)
    assert names == "['rnn', 'lstm', 'gru', 'mgu'"
    assert modules.strip() == "['rnntrace._internal.cells', 'rnntrace._internal.cells.base']"


def test_the_schema_knows_every_model_key_that_applies_to_one_cell_only():
    """The loader refuses another cell's option without importing every cell: from the
    schema's list of such keys, which must be the cells' own."""
    from rnntrace._internal import cells
    from rnntrace._internal.scenario.schema import CELL_OPTIONS

    assert sorted(CELL_OPTIONS) == sorted({key for kind in cells.kinds() for key in kind.options})
