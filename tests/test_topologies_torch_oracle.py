"""PyTorch (float64) as an independent oracle for the topologies and attention (issue 6).

For every topology and attention kind (standard with self-attention or none; stacked
layers with or without residual connections and self-attention; generate, free running or
teacher forced, through W_xh or W_yh; bidirectional; encoder–decoder with no, dot, general
and additive attention) and every cell (simple RNN with each activation, LSTM, GRU in all
four conventions, gates separate or concatenated), random sizes (D, H, K in 1..4, T in
1..5, 1..4 generated steps), heads and losses (softmax + ce, sigmoid + bce, identity + mse,
sigmoid + mse, softmax + mse), one to three sequences, biases and initial states given or
not: the engine's forward values, loss, gradients and SGD updates equal the reference's
(``tests/topology_oracles.py``, written from the equations) to 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest
from oracles import require_torch
from topology_oracles import KINDS, compare, grad_key, random_config, reference, trace_config

CELLS = ["rnn", "lstm", "gru"]
SEEDS = range(8)  # seed % 5: head and loss; the others: conventions, output, attention, ...


def _check(cfg) -> None:
    torch = require_torch()
    trace = trace_config(cfg)
    for key, value in cfg.params.items():  # the file holds exactly the reference's numbers
        assert np.array_equal(trace[key].value, value), key
    expected = reference(torch, cfg)
    count = compare(trace, expected, cfg.describe())
    assert count > 10
    # what is not given is not trained: no gradient, no update
    assert set(trace.meta.trained) == (set(cfg.params) if cfg.trains else set())
    for key in trace.meta.params:
        if key not in cfg.params:
            assert f"{key}_new" not in trace, key
            if key.rpartition(".")[2] not in ("h_0", "c_0"):  # see tests/test_cells_torch_oracle
                assert grad_key(key) not in trace, key


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kind", KINDS)
def test_topology_matches_torch(kind: str, cell: str, seed: int) -> None:
    _check(random_config(seed, kind, cell))


@pytest.mark.parametrize("biases", [False, True], ids=["no-biases", "all-biases"])
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kind", KINDS)
def test_topology_with_and_without_biases(kind: str, cell: str, biases: bool) -> None:
    _check(random_config(8 + biases, kind, cell, biases=biases))


@pytest.mark.parametrize("kind", KINDS)
def test_forward_only(kind: str) -> None:
    """loss: none: the same forward values, and nothing of the backward pass."""
    from dataclasses import replace

    rng = np.random.default_rng(KINDS.index(kind))
    head = ["identity", "sigmoid", "softmax"][KINDS.index(kind) % 3]
    cfg = random_config(3, kind, CELLS[int(rng.integers(3))], head=head, loss="none",
                        teacher_forcing=False)  # fmt: skip
    generating = cfg.topology in ("generate", "encoder_decoder")
    sequences = [replace(seq, targets={}, steps=len(seq.targets) if generating else None)
                 for seq in cfg.sequences]  # fmt: skip
    cfg = replace(cfg, sequences=sequences)
    trace = trace_config(cfg)
    compare(trace, reference(require_torch(), cfg), cfg.describe())
    assert {step.phase for step in trace} <= {"given", "forward"}
    assert not trace.meta.trained


def test_oracle_sees_a_wrong_gradient() -> None:
    """The comparison is not vacuous: a reference that detaches the attention weights
    disagrees with the exact engine (and agrees on the forward values)."""
    torch = require_torch()
    cfg = random_config(0, "encoder_decoder:additive", "lstm")
    trace = trace_config(cfg)
    wrong = reference(torch, cfg, detach=True)
    with pytest.raises(AssertionError, match="values differ"):
        compare(trace, wrong, cfg.describe())
    forward = {key: value for key, value in wrong.items() if trace[key].phase == "forward"}
    compare(trace, forward, cfg.describe())
