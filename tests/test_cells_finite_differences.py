"""Central finite differences of the loss as an oracle for every LSTM and GRU gradient.

For every entry of every trained parameter (in the form the scenario writes it: a
concatenated ``W_f`` entry by entry) and every input-vector entry, the parsed scenario is
traced again with that one number moved by ±eps, and (L(+eps) − L(−eps)) / (2 eps) is
compared with the trace's gradient: of the total loss ``L`` and, with several sequences,
of each sequence's loss ``sN.L`` (``sN.dW_fx``, ...). Needs nothing but the engine.

Cells: the LSTM (separate and concatenated gates) and the GRU in every convention the
loader accepts (reset_before and reset_after, update ``new`` and ``keep_old``, separate,
and concatenated with reset_before).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from cell_oracles import GRU_VARIANTS, CellConfig, describe, parse_config, random_cell_config
from oracles import HEAD_LOSS, SeqSpec, random_target

from rnntrace._internal.engine import trace_scenario

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-7

CELL_CASES = [("lstm", "reset_before", "new", "separate"),
              ("lstm", "reset_before", "new", "concatenated")] + [
    ("gru", variant, update, form) for variant, update, form in GRU_VARIANTS
]  # fmt: skip


def perturbed(scenario, where, value: float):
    """The parsed scenario with one number changed: ``("param", key, index)`` or
    ``("input", sequence_index, t_index, d)``."""
    if where[0] == "param":
        params = dict(scenario.params)
        params[where[1]] = params[where[1]].copy()
        params[where[1]][where[2]] = value
        return replace(scenario, params=params)
    _, s, t, d = where
    sequences = list(scenario.sequences)
    inputs = sequences[s].inputs.copy()
    inputs[t, d] = value
    sequences[s] = replace(sequences[s], inputs=inputs)
    return replace(scenario, sequences=tuple(sequences))


def losses(trace, n_sequences: int) -> dict[str, float]:
    """The total loss and, with several sequences, each sequence's loss (by prefix)."""
    out = {"": float(trace["L"].value)}
    if n_sequences > 1:
        for n in range(1, n_sequences + 1):
            out[f"s{n}."] = float(trace[f"s{n}.L"].value)
    return out


def check_finite_differences(cfg: CellConfig) -> int:
    """Compare every gradient entry with its central difference; returns how many."""
    scenario = parse_config(cfg)
    trace = trace_scenario(scenario)
    n = len(cfg.sequences)
    todo = [
        (("param", key, index), "d" + key, index, True)
        for key in cfg.trained()
        for index in np.ndindex(cfg.params[key].shape)
    ]
    for s, seq in enumerate(cfg.sequences):
        for t, d in np.ndindex(seq.inputs.shape):
            todo.append((("input", s, t, d), cfg.prefix(s + 1) + f"dx_{t + 1}", (d,), False))
    problems, count = [], 0
    for where, grad_key, index, per_sequence in todo:
        if where[0] == "param":
            x = float(scenario.params[where[1]][where[2]])
        else:
            x = float(scenario.sequences[where[1]].inputs[where[2], where[3]])
        step = (x + EPS) - (x - EPS)  # the step actually taken in float64
        plus = losses(trace_scenario(perturbed(scenario, where, x + EPS)), n)
        minus = losses(trace_scenario(perturbed(scenario, where, x - EPS)), n)
        checks = [(grad_key, (plus[""] - minus[""]) / step)]
        if per_sequence and n > 1:
            checks += [(f"s{i}.{grad_key}", (plus[f"s{i}."] - minus[f"s{i}."]) / step)
                       for i in range(1, n + 1)]  # fmt: skip
        for key, numeric in checks:
            count += 1
            analytic = float(np.asarray(trace[key].value)[index])
            if abs(analytic - numeric) > ATOL + RTOL * abs(numeric):
                problems.append(
                    f"{key}{list(index)}: engine {analytic!r}, finite difference {numeric!r} "
                    f"(diff {abs(analytic - numeric):.3g})"
                )
    assert not problems, describe(cfg) + "\n" + "\n".join(problems[:25])
    return count


@pytest.mark.parametrize(
    "cell,variant,update,form", CELL_CASES, ids=["-".join(case) for case in CELL_CASES]
)
@pytest.mark.parametrize("everything", [True, False], ids=["all-given", "random-given"])
def test_cell_gradients_match_finite_differences(cell, variant, update, form, everything):
    """All biases, h_0 and c_0 given (every one trained) and two sequences; or a random
    choice of what is given, one to two sequences."""
    case = 2 * CELL_CASES.index((cell, variant, update, form)) + everything
    rng = np.random.default_rng(4000 + case)
    head_loss = HEAD_LOSS[case % len(HEAD_LOSS)]  # every head and loss comes up
    given = True if everything else None
    cfg = random_cell_config(
        rng,
        cell,
        form=form,
        variant=variant,
        update=update,
        output=["last", "every"][case // 2 % 2],
        head_loss=head_loss,
        bias=given,
        h0=given,
        c0=given,
        max_size=3,
        max_T=3,
        max_sequences=2,
    )
    if everything and len(cfg.sequences) == 1:
        D, _, K = cfg.sizes
        T = int(rng.integers(1, 4))
        steps = range(1, T + 1) if cfg.output == "every" else [T]
        targets = {t: random_target(rng, cfg.loss, K) for t in steps}
        cfg.sequences.append(SeqSpec(rng.uniform(-1.5, 1.5, (T, D)), targets))
    assert cfg.form == form and (cell == "lstm" or (cfg.variant, cfg.update) == (variant, update))
    assert check_finite_differences(cfg) > 0
