"""rnntrace benchmarks: speed as ratios to a reference measured in the same run.

Run with ``make bench``. Helpers for other benchmark modules: ``wall``, ``interleaved``,
``verdict``; each ``benchmarks/bench_*.py`` defines ``run()`` and is run after these.

Each figure is the median of several interleaved runs, so that
the machine's load affects the measurement and its reference alike. Nothing here fails:
it reports each figure beside its target, with OK or OVER.

1. ``rnntrace run`` on the bundled sentiment scenario, against
   ``python -c "import numpy, yaml, click, rich"`` (target: at most 1.1x; issue 12). Also
   shown: the same imports with rich's console and text, which the terminal printer needs
   (rich lays out its styled pieces), as a ratio to the same reference.
2. A 1,000-step sequence with hidden size 64 traced and written as JSON
   (target: under 2 s; also shown as a ratio to the same import reference), and its peak
   memory at T = 250, 500, 1000 (target: linear in T, i.e. the ratios track T).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
SENTIMENT = ROOT / "scenarios" / "sentiment.yaml"
RNNTRACE = [sys.executable, "-m", "rnntrace"]
IMPORTS = [sys.executable, "-c", "import numpy, yaml, click, rich"]
CONSOLE = [sys.executable, "-c", "import numpy, yaml, click, rich.console, rich.text"]
REPEATS = 7
RUN_TARGET = 1.1  # rnntrace run at most this many times the import floor


def wall(command: list[str]) -> float:
    """Seconds one run of ``command`` takes, output discarded."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def interleaved(commands: dict[str, list[str]]) -> dict[str, float]:
    """Median wall time of each command, runs interleaved (one warm-up each)."""
    for command in commands.values():
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(REPEATS):
        for name, command in commands.items():
            times[name].append(wall(command))
    return {name: statistics.median(values) for name, values in times.items()}


def long_scenario(steps: int, hidden: int = 64, inputs: int = 8) -> str:
    """A scenario with one sequence of ``steps`` random input vectors."""
    rng = np.random.default_rng(0)
    doc = {
        "title": f"{steps} steps, hidden size {hidden}",
        "input": {"vectors": True},
        "sequences": [{"inputs": rng.normal(size=(steps, inputs)).round(3).tolist(), "label": 1}],
        "model": {"output": "last", "head": "sigmoid", "loss": "bce"},
        "params": {
            "W_xh": (rng.normal(size=(hidden, inputs)) * 0.3).round(3).tolist(),
            "W_hh": (rng.normal(size=(hidden, hidden)) * 0.1).round(3).tolist(),
            "b_h": [0.0] * hidden,
            "W_hy": (rng.normal(size=(1, hidden)) * 0.3).round(3).tolist(),
            "b_y": [0.0],
        },
    }
    return yaml.safe_dump(doc)


def peak_memory(run: Callable[[], None]) -> int:
    """Peak bytes allocated by Python while ``run`` runs."""
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def trace_to_json(path: Path, out: Path) -> None:
    """Load, trace and write JSON in this process (as ``rnntrace run --format json``)."""
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.files import write_atomic
    from rnntrace._internal.render.json import render_json
    from rnntrace._internal.scenario import load_scenario

    if out.exists():
        out.unlink()
    write_atomic(out, render_json(trace_scenario(load_scenario(path))))


def verdict(ok: bool) -> str:
    return "OK" if ok else "OVER"


def core() -> None:
    """The core tracer's targets (issue 2)."""
    print("1. rnntrace run on the bundled sentiment scenario")
    run_cmd = [*RNNTRACE, "run", str(SENTIMENT)]
    medians = interleaved({"imports": IMPORTS, "console": CONSOLE, "run": run_cmd})
    ratio = medians["run"] / medians["imports"]
    console = medians["console"] / medians["imports"]
    print(f"   reference: python -c 'import numpy, yaml, click, rich'  {medians['imports']:.3f} s")
    with_console = f"the same with rich.console, rich.text ({console:.2f}x)"
    print(f"   {with_console:56s}{medians['console']:.3f} s")
    print(f"   rnntrace run scenarios/sentiment.yaml                  {medians['run']:.3f} s")
    print(f"   ratio {ratio:.2f}x   target <= {RUN_TARGET}x   {verdict(ratio <= RUN_TARGET)}")
    print()
    print("2. a 1,000-step sequence, hidden size 64, traced and written as JSON")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for steps in (250, 500, 1000):
            (folder / f"long{steps}.yaml").write_text(long_scenario(steps), encoding="utf-8")
        scenario = folder / "long1000.yaml"
        out = folder / "trace.json"
        json_cmd = [*RNNTRACE, "run", str(scenario), "--format", "json", "-o", str(out), "--force"]
        medians = interleaved({"imports": IMPORTS, "json": json_cmd})
        ratio = medians["json"] / medians["imports"]
        size = out.stat().st_size / 1e6
        print(
            f"   reference: python -c 'import numpy, yaml, click, rich'  {medians['imports']:.3f} s"
        )
        print(
            f"   rnntrace run long.yaml --format json -o trace.json     {medians['json']:.3f} s"
            f"  ({size:.0f} MB)"
        )
        print(
            f"   ratio {ratio:.2f}x; wall time {medians['json']:.2f} s   target < 2 s   "
            f"{verdict(medians['json'] < 2.0)}"
        )
        peaks = {}
        for steps in (250, 500, 1000):
            peaks[steps] = peak_memory(lambda s=steps: trace_to_json(folder / f"long{s}.yaml", out))
        base = peaks[250]
        print("   peak memory (Python allocations) by sequence length T:")
        for steps, peak in peaks.items():
            print(
                f"     T = {steps:5d}: {peak / 1e6:7.1f} MB   ({peak / base:.2f}x of T = 250; "
                f"linear would be {steps / 250:.2f}x)"
            )
        linear = peaks[1000] / peaks[500] < 2.3
        print(
            f"   T = 1000 vs 500: {peaks[1000] / peaks[500]:.2f}x   target ~2x (linear)   "
            f"{verdict(linear)}"
        )


def compile_bytecode() -> None:
    """Bytecode, as an installed package has it (the libraries of the reference have theirs);
    without it an environment with PYTHONDONTWRITEBYTECODE recompiles rnntrace every run."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "rnntrace")], check=True)


def main() -> None:
    """Run every benchmark: this file's, then each ``benchmarks/bench_*.py`` module's
    ``run()`` (which prints its own figures)."""
    import importlib.util

    compile_bytecode()
    print(f"rnntrace benchmarks (median of {REPEATS} interleaved runs, {os.cpu_count()} cores)")
    print()
    core()
    for path in sorted(Path(__file__).parent.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print()
        module.run()


if __name__ == "__main__":
    main()
