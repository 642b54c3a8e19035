"""Self-attention's cost (issue 6): tracing hello with self-attention
(``scenarios/hello-attention.yaml``) against the simple many-to-many hello
(``scenarios/hello.yaml``), measured in the same run. Target: at most 2x.

Two figures, each a ratio of medians of interleaved runs:

* ``rnntrace run FILE`` (the whole command: start-up, loading, tracing, printing);
* the trace alone, in this process (``trace_scenario`` on the loaded scenario, batches of
  calls), where the attention's share is not hidden by the start-up time.

Run alone with ``python benchmarks/bench_topologies.py``, or with every benchmark through
``make bench`` (``benchmarks/run_all.py``).
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 2.0
BATCH = 40  # traces per timed batch


def _run_all():
    """benchmarks/run_all.py, imported by path (its helpers: wall, interleaved, verdict)."""
    if "run_all" in sys.modules:
        return sys.modules["run_all"]
    spec = importlib.util.spec_from_file_location("run_all", HERE / "run_all.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["run_all"] = module
    return module


def scenario_paths() -> dict[str, Path]:
    folder = _run_all().ROOT / "scenarios"
    return {"hello": folder / "hello.yaml", "attention": folder / "hello-attention.yaml"}


def measure_commands() -> dict[str, float]:
    """Median wall time of ``rnntrace run`` on each scenario, runs interleaved."""
    ra = _run_all()
    return ra.interleaved(
        {name: [*ra.RNNTRACE, "run", str(path)] for name, path in scenario_paths().items()}
    )


def measure_traces(repeats: int | None = None, batch: int = BATCH) -> dict[str, float]:
    """Median seconds of one ``trace_scenario`` call on each loaded scenario (batches of
    ``batch`` calls, interleaved, one warm-up batch each)."""
    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.scenario import load_scenario

    repeats = repeats or _run_all().REPEATS
    scenarios = {name: load_scenario(path) for name, path in scenario_paths().items()}
    times: dict[str, list[float]] = {name: [] for name in scenarios}
    for round_ in range(repeats + 1):
        for name, scenario in scenarios.items():
            start = time.perf_counter()
            for _ in range(batch):
                trace_scenario(scenario)
            if round_:  # the first round warms up
                times[name].append((time.perf_counter() - start) / batch)
    return {name: statistics.median(values) for name, values in times.items()}


def _row(label: str, value: str) -> None:
    print(f"   {label:<56}{value}")


def _ratio(ratio: float) -> None:
    verdict = _run_all().verdict(ratio <= TARGET)
    print(f"   ratio {ratio:.2f}x   target <= {TARGET}x   {verdict}")


def run() -> dict[str, float]:
    """Print the figures beside their target; returns the ratios (for scripts)."""
    print("rnntrace run on hello with self-attention, against hello (issue 6)")
    commands = measure_commands()
    traces = measure_traces()
    _row("reference: rnntrace run scenarios/hello.yaml", f"{commands['hello']:.3f} s")
    _row("rnntrace run scenarios/hello-attention.yaml", f"{commands['attention']:.3f} s")
    _ratio(commands["attention"] / commands["hello"])
    _row("reference: trace only (in process), hello", f"{traces['hello'] * 1e3:.2f} ms")
    _row("trace only (in process), hello-attention", f"{traces['attention'] * 1e3:.2f} ms")
    _ratio(traces["attention"] / traces["hello"])
    return {
        "run": commands["attention"] / commands["hello"],
        "trace": traces["attention"] / traces["hello"],
    }


if __name__ == "__main__":
    run()
