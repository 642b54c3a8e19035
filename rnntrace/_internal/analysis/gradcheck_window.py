"""The objective whose exact gradient ``train.bptt_window: k`` computes, for ``gradcheck``.

With a window each loss L_s is backpropagated through steps s, s − 1, ..., s − k + 1 only
(∂L_s/∂h_{s−k} taken as 0). That is the exact gradient of

    L^win(θ) = Σ_s L_s(θ; h_{s−k} held),

each L_s recomputed from the states h_{s−k} (and c_{s−k}) of the unperturbed forward pass,
held constant, through steps s − k + 1 .. s with the perturbed parameters (from h_0 when
s ≤ k). Its central differences are what the windowed BPTT gradient is compared with; those
of the total loss L differ from it by the cut paths, by design.

Each L_s is the trace of a scenario of one sequence: the inputs of steps s − k + 1 .. s,
the held states as its initial states, and the target of step s as the label of its last
step (``output: last``), compiled once and run for every perturbation. With dropout the
masks are fixed data: the window is given the trace's own masks of its steps (as
``model.dropout.masks``; a stacked model's recurrent masks per layer), so that L_s is the
same function of the parameters as in the trace.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.engine.compiled import CompiledTape
from rnntrace._internal.scenario.model import Scenario, Sequence
from rnntrace._internal.trace import Trace

# (L, L_s and h_sk: the loss, a step's loss and the held state in the scenario's notation)
NOTE = ("train.bptt_window k = {k}: the BPTT gradients are those of the windowed objective, "
        "the sum of each loss {L_s} with {h_sk} held at its value (d{L_s}/d{h_sk} taken as "
        "0); the central differences here are of that objective, each {L_s} recomputed from "
        "the held state through its last k steps (those of the total loss {L} differ by the "
        "cut paths)")  # fmt: skip


class WindowLosses:
    """L^win for other parameter values (the ``_Losses`` interface of ``gradcheck``)."""

    def __init__(self, trace: Trace, trained: list[str], scenario: Scenario) -> None:
        self.base = {key: np.array(scenario.params[key], dtype=float) for key in trained}
        self.tapes: list[CompiledTape] = []
        several = len(scenario.sequences) > 1
        for seq in scenario.sequences:
            prefix = f"s{seq.number}." if several else ""
            for s in [s for s in sorted(seq.targets) if f"{prefix}L_{s}" in trace]:
                sub, held = _window(scenario, trace, seq, s, prefix)
                sub_trace = trace_scenario(sub)
                args = [key for key in trained
                        if key in sub_trace.meta.trained and key not in held]  # fmt: skip
                self.tapes.append(CompiledTape(sub_trace, ["L"], args))

    def __call__(self, changed: dict[str, np.ndarray]) -> float:
        values = {**self.base, **changed}
        return float(sum(float(tape.run(values)["L"]) for tape in self.tapes))


def _window(
    scenario: Scenario, trace: Trace, seq: Sequence, s: int, prefix: str
) -> tuple[Scenario, set[str]]:
    """The scenario of L_s alone, steps s − k + 1 .. s from the held states, and the keys
    of its initial states that hold them (constants, even where h_0 is trained)."""
    k = scenario.train.bptt_window
    assert k is not None
    start = max(0, s - k)
    params = dict(scenario.params)
    given = set(scenario.given)
    held: set[str] = set()
    if start:
        parts = ([""] if scenario.model.layers == 1
                 else [f"l{i}." for i in range(1, scenario.model.layers + 1)])  # fmt: skip
        for part in parts:
            for state in ("h", "c"):
                key = f"{prefix}{part}{state}_{start}"
                if key in trace:  # the held state: a constant of the tape
                    params[f"{part}{state}_0"] = np.array(trace.value(key), dtype=float)
                    given.add(f"{part}{state}_0")
                    held.add(f"{part}{state}_0")
    window = Sequence(number=1, tokens=seq.tokens[start:s], inputs=seq.inputs[start:s],
                      targets={s - start: seq.targets[s]})  # fmt: skip
    model = replace(scenario.model, output="last", head_steps=())
    if model.dropout is not None:
        masks = _window_masks(scenario, trace, prefix, start, s)
        model = replace(model, dropout=replace(model.dropout, masks=masks))
    window_scenario = replace(
        scenario,
        sequences=(window,),
        model=model,
        params=params,
        given=frozenset(given),
        train=replace(scenario.train, bptt_window=None),
    )
    return window_scenario, held


def _window_masks(
    scenario: Scenario, trace: Trace, prefix: str, start: int, s: int
) -> dict[str, tuple[np.ndarray, ...]]:
    """The trace's 0/1 dropout masks of steps start + 1 .. s, as the window's given masks
    (its step 1 is step start + 1), keyed by kind, or ``l2.recurrent`` for a layer's. A step
    without a mask of a kind (no output there) gets ones: the window never reads it."""
    spec = scenario.model.dropout
    assert spec is not None
    found: dict[str, dict[int, np.ndarray]] = {}
    for step in trace:
        kind = step.info.get("dropout") if step.op == "given" else None
        if kind is None or not step.key.startswith(prefix):
            continue
        part, _, rest = step.key[len(prefix) :].rpartition("m_")
        t = rest.partition("_")[2]  # "" for a variational mask; "3_L4": a window BPTT's copy
        if spec.variational and not t:
            at = 0
        elif not spec.variational and t.isdigit() and start < int(t) <= s:
            at = int(t) - start
        else:
            continue
        found.setdefault(part + kind, {})[at] = np.array(step.info["mask"], dtype=float)
    if spec.variational:
        return {key: (at[0],) for key, at in found.items()}
    return {key: tuple(at.get(t, np.ones_like(next(iter(at.values()))))
                       for t in range(1, s - start + 1))
            for key, at in found.items()}  # fmt: skip
