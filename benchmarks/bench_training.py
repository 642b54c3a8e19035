"""Training speed (issue 7): 10,000 epochs of the hello task with self-attention
(``scenarios/hello-attention.yaml``: one-hot [h, e, l, o], input "hell", targets "ello",
hidden size 1, dot-product self-attention, softmax and cross-entropy) through
``rnntrace._internal.engine.training.train``, against the hand-written references of
``benchmarks/reference_models.py`` measured in the same run:

* a plain numpy loop of the same model (target: ours at most 1.25x its time);
* the same model in PyTorch eager on the CPU, one thread (target: at least 3x ours).

Before timing, all three must give the same losses (epoch 1's loss is the loss before the
first update, in all three) over the first 200 epochs. (Not over all 10,000: from about
epoch 450 this training is chaotic — the loss goes up in about a fifth of the epochs — and
there rounding in the 16th digit grows until no two float64 implementations agree.)

Runs are interleaved (ours, numpy, torch, ours, ...) and the median of each is taken, so
that the machine's load affects them alike. The ratios are of CPU time of this process (all
three run on one thread), which other processes on a shared machine disturb far less than
wall time; the wall-time ratios are shown beside them. Ours includes tracing and compiling
the epoch once (part of every ``train`` call).

Run alone with ``python benchmarks/bench_training.py``, or with every benchmark through
``make bench`` (``benchmarks/run_all.py``).
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenarios" / "hello-attention.yaml"
EPOCHS = 10_000
REPEATS = 5
CHECKED = 200  # epochs over which the losses must agree
TARGET_NUMPY = 1.25  # ours / numpy: at most
TARGET_TORCH = 3.0  # torch / ours: at least
AGREE = 1e-9  # the losses of the three, relative


def _load(name: str, path: Path):
    """A module of this folder, imported by path (as run_all imports the bench modules)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _run_all():
    return _load("run_all", HERE / "run_all.py")


def _references():
    return _load("reference_models", HERE / "reference_models.py")


Timed = tuple[float, float, list[float]]


class _Clock:
    """Wall and CPU time since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


class Task:
    """The scenario, and the same numbers as the references take them."""

    def __init__(self) -> None:
        from rnntrace._internal.engine.training import Settings
        from rnntrace._internal.scenario import load_scenario

        self.scenario = load_scenario(SCENARIO)
        (seq,) = self.scenario.sequences
        self.xs = np.array(seq.inputs, dtype=float)
        self.ys = [int(seq.targets[t].index) for t in range(1, len(seq.tokens) + 1)]
        self.lr = self.scenario.train.learning_rate
        self.keys = ["W_xh", "W_hh", "b_h", "W_hy", "b_y"]
        assert all(key in self.scenario.given for key in self.keys)
        assert self.scenario.params["W_hh"].shape == (1, 1), "hidden size 1"
        self.settings = lambda epochs: Settings(epochs=epochs, learning_rate=self.lr)

    def params(self) -> dict[str, np.ndarray]:
        return {key: np.array(self.scenario.params[key], dtype=float) for key in self.keys}

    # one run of each: (wall seconds, CPU seconds, every epoch's loss)
    def ours(self, epochs: int) -> Timed:
        from rnntrace._internal.engine.training import train

        clock = _Clock()
        result = train(self.scenario, self.settings(epochs), [])
        return (*clock.read(), result.losses)

    def numpy(self, epochs: int) -> Timed:
        epoch = _references().numpy_epoch
        params, xs, ys, lr = self.params(), self.xs, self.ys, self.lr
        clock = _Clock()
        losses = [epoch(params, xs, ys, lr) for _ in range(epochs)]
        return (*clock.read(), losses)

    def torch(self, epochs: int) -> Timed:
        import torch

        epoch = _references().torch_epoch
        params = {key: torch.tensor(value, dtype=torch.float64, requires_grad=True)
                  for key, value in self.params().items()}  # fmt: skip
        xs = torch.tensor(self.xs, dtype=torch.float64)
        ys, lr = self.ys, self.lr
        clock = _Clock()
        losses = [epoch(torch, params, xs, ys, lr) for _ in range(epochs)]
        return (*clock.read(), losses)


def _difference(a: list[float], b: list[float]) -> float:
    n = min(len(a), len(b))
    x, y = np.asarray(a[:n]), np.asarray(b[:n])
    return float(np.max(np.abs(x - y) / np.maximum(np.abs(y), 1e-300)))


def measure(epochs: int = EPOCHS, repeats: int = REPEATS,
            torch_epochs: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Median wall and CPU seconds of each contender for ``epochs`` epochs (torch's runs of
    ``torch_epochs`` scaled up, when given), and how far their losses are apart."""
    task = Task()
    have_torch = importlib.util.find_spec("torch") is not None
    if have_torch:
        import torch

        torch.set_num_threads(1)
    contenders: dict[str, Callable[[int], Timed]] = {"ours": task.ours, "numpy": task.numpy}
    if have_torch:
        contenders["torch"] = task.torch
    # the same losses first (and a warm-up of each)
    check = {name: run(CHECKED)[2] for name, run in contenders.items()}
    agree = {name: _difference(check[name], check["ours"]) for name in contenders if name != "ours"}
    runs = {name: (torch_epochs or epochs) if name == "torch" else epochs for name in contenders}
    wall: dict[str, list[float]] = {name: [] for name in contenders}
    cpu: dict[str, list[float]] = {name: [] for name in contenders}
    last: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, run in contenders.items():
            seconds, cpu_seconds, last[name] = run(runs[name])
            wall[name].append(seconds * epochs / runs[name])
            cpu[name].append(cpu_seconds * epochs / runs[name])
    for name in agree:  # the timed runs too, over the epochs where training is not chaotic
        agree[name] = max(agree[name], _difference(last[name][:CHECKED], last["ours"][:CHECKED]))
    return {
        "wall": {name: statistics.median(values) for name, values in wall.items()},
        "cpu": {name: statistics.median(values) for name, values in cpu.items()},
        "agree": agree,
        "runs": runs,
        "final_loss": last["ours"][-1],
        "first_loss": last["ours"][0],
    }


def run(epochs: int = EPOCHS, repeats: int = REPEATS,
        torch_epochs: int | None = None) -> dict[str, float]:  # fmt: skip
    """Print the figures beside their targets; returns the ratios of CPU time (for scripts)."""
    ra = _run_all()
    print(f"rnntrace train: {epochs:,} epochs of hello with self-attention, hidden size 1 "
          "(issue 7)")  # fmt: skip
    figures = measure(epochs, repeats, torch_epochs)
    wall, cpu, agree, runs = figures["wall"], figures["cpu"], figures["agree"], figures["runs"]
    print(f"   median of {repeats} interleaved runs each, torch on 1 thread; loss "
          f"{figures['first_loss']:.4f} at epoch 1, {figures['final_loss']:.4f} at epoch "
          f"{epochs:,}")  # fmt: skip
    for name, difference in agree.items():
        same = "same losses" if difference <= AGREE else "LOSSES DIFFER"
        print(f"   {name} reference vs ours, epochs 1-{CHECKED}: max relative difference "
              f"{difference:.1e}   {same}")  # fmt: skip
    labels = {"ours": "rnntrace._internal.engine.training.train",
              "numpy": "hand-written numpy loop",
              "torch": "PyTorch eager (autograd)"}  # fmt: skip
    print(f"   {'':<34} {'CPU':>8} {'wall':>8}")
    for name in cpu:
        scaled = f"  ({runs[name]:,} epochs, scaled)" if runs[name] != epochs else ""
        print(f"   {labels[name]:<34} {cpu[name]:7.3f}s {wall[name]:7.3f}s{scaled}")
    out = {"numpy": cpu["ours"] / cpu["numpy"]}
    wall_numpy = wall["ours"] / wall["numpy"]
    print(f"   ours / numpy loop   {out['numpy']:.2f}x (wall {wall_numpy:.2f}x)   "
          f"target <= {TARGET_NUMPY}x   {ra.verdict(out['numpy'] <= TARGET_NUMPY)}")  # fmt: skip
    if "torch" in cpu:
        out["torch"] = cpu["torch"] / cpu["ours"]
        wall_torch = wall["torch"] / wall["ours"]
        verdict = ra.verdict(out["torch"] >= TARGET_TORCH)
        print(f"   torch eager / ours  {out['torch']:.2f}x (wall {wall_torch:.2f}x)   "
              f"target >= {TARGET_TORCH}x    {verdict}")  # fmt: skip
    else:
        print("   torch eager / ours  (torch is not installed: not measured)")
    return out


if __name__ == "__main__":
    run()
