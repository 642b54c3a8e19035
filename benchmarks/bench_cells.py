"""The LSTM's cost (issue 5): ``rnntrace run`` on the bundled LSTM sentiment scenario, as a
ratio to the same command on the simple-RNN sentiment scenario, measured in the same run
(interleaved medians; target: at most 1.2x). The GRU version is shown beside it.

Run alone with ``python benchmarks/bench_cells.py``, or with every benchmark through
``make bench`` (``benchmarks/run_all.py``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 1.2


def _run_all():
    """benchmarks/run_all.py, imported by path (its helpers: wall, interleaved, verdict)."""
    if "run_all" in sys.modules:
        return sys.modules["run_all"]
    spec = importlib.util.spec_from_file_location("run_all", HERE / "run_all.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure() -> dict[str, float]:
    """Median wall time of ``rnntrace run`` on each sentiment scenario, runs interleaved."""
    ra = _run_all()
    scenarios = ra.ROOT / "scenarios"
    return ra.interleaved(
        {
            name: [*ra.RNNTRACE, "run", str(scenarios / f"{stem}.yaml")]
            for name, stem in (
                ("rnn", "sentiment"),
                ("lstm", "sentiment-lstm"),
                ("gru", "sentiment-gru"),
            )
        }
    )


def run() -> dict[str, float]:
    """Print the figures beside their target; returns the ratios (for scripts)."""
    ra = _run_all()
    print("3. rnntrace run on the LSTM and GRU sentiment scenarios (issue 5)")
    medians = measure()
    lstm, gru = medians["lstm"] / medians["rnn"], medians["gru"] / medians["rnn"]
    print(f"   reference: rnntrace run scenarios/sentiment.yaml        {medians['rnn']:.3f} s")
    print(f"   rnntrace run scenarios/sentiment-lstm.yaml              {medians['lstm']:.3f} s")
    print(f"   rnntrace run scenarios/sentiment-gru.yaml               {medians['gru']:.3f} s")
    print(f"   LSTM ratio {lstm:.2f}x   target <= {TARGET}x   {ra.verdict(lstm <= TARGET)}")
    print(f"   GRU ratio  {gru:.2f}x   (no target; shown for comparison)")
    return {"lstm": lstm, "gru": gru}


if __name__ == "__main__":
    run()
