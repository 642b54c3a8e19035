"""BPTT with a window (``train.bptt_window: k``): each loss L_s is backpropagated through at
most k steps, s, s − 1, ..., s − k + 1, and ∂L_s/∂h_{s−k} is taken as 0 (seed 001,
"Truncated BPTT"). Unlike the block truncation of ``train.bptt`` (one reverse pass, cut every
k steps), every loss has its own chain of deltas, δh_t^(L_s) = ∂L_s/∂h_t, recorded with keys
ending ``_Ls`` (``dh_3_L5``, ``dz_3_L5``, ``dW_hh_3_L5``); a parameter's gradient is the sum
of every chain's contributions. The chains are recorded time step by time step, latest
first, and within a step the latest loss first, so that a time step's parts stand together.
"""

from __future__ import annotations

from collections.abc import Callable

from rnntrace._internal.engine.cell import CellTracer
from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.scenario.model import Scenario, Sequence
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Delta

Contributions = dict[str, list[str]]
Incoming = dict[tuple[int, int], list[str]]  # (level, t) -> parts of ∂L/∂(the level's output)
# BPTT step t of one layer (level, t, the chain's parts, its loss's step): the topology's
LayerStep = Callable[[int, int, Incoming, int], None]


def windowed_backward(rec: Recorder, scenario: Scenario, seq: Sequence,
                      cells: list[CellTracer], output_step: Callable[[int], str | None],
                      layer_step: LayerStep) -> Contributions:  # fmt: skip
    """The BPTT of a standard (stacked) model with a window of k steps; returns the parts of
    the initial states' gradients (the cells hold the parameters' contributions).
    ``output_step(t)`` records the output layer's backward step t (the topology's, with its
    output dropout) and returns the key of its part of ∂L/∂h_t, or None."""
    k = scenario.train.bptt_window
    assert k is not None
    top = len(cells) - 1
    incoming: dict[int, Incoming] = {}  # loss s -> its chain's parts
    for t in range(seq.length, 0, -1):
        rec.at("backward", t)
        key = output_step(t)
        if key:
            incoming[t] = {(top, t): [key]}
        for s in sorted((s for s in incoming if t <= s < t + k), reverse=True):
            rec.chain(s)
            for level in range(top, -1, -1):
                layer_step(level, t, incoming[s], s)
            if t == s - k + 1 and t > 1:
                _cut(rec, cells, t, s, k)
            rec.chain(None)
    return _initial_gradients(rec, cells, k, sorted(incoming))


def _cut(rec: Recorder, cells: list[CellTracer], t: int, s: int, k: int) -> None:
    """∂L_s/∂h_{t−1} = 0 (and c_{t−1}): where loss s's chain stops, a visible zero step."""
    for cell in cells:
        size = rec.trace.value(rec.ref(cell.k(f"h_{t - 1}"))).size
        rec.do(
            cell.k(f"cut_{t - 1}"),
            "cut",
            [],
            Delta(cell.s("h", t - 1)),
            Label("bptt_window_cut", ref=str(k), other=s, time=t - 1, part=cell.part),
            size=size,
        )


def _initial_gradients(rec: Recorder, cells: list[CellTracer], k: int,
                       losses: list[int]) -> Contributions:  # fmt: skip
    """∂L/∂h_0 (and c_0) of every layer whose initial states are given: the parts of the
    chains of the losses that reach step 1 (s ≤ k), summed later with the gradients."""
    out: Contributions = {}
    for cell in cells:
        wanted = tuple(state for state in cell.states if cell.given(f"{state}_0"))
        if not wanted:
            continue
        for state in wanted:
            out[cell.p(f"{state}_0")] = []
        rec.at("gradient", None)
        for s in [s for s in losses if s <= k]:
            rec.chain(s)
            initial = {state: cell.p(f"{state}_0") for state in cell.states}
            for state, key in cell.initial_gradients(1, initial, wanted).items():
                out[cell.p(f"{state}_0")].append(rec.banded(key))
            rec.chain(None)
    return out
