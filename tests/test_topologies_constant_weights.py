"""``model.attention_gradient``: the exact gradient, and the textbook simplification that
holds the attention weights constant in the backward pass (issue 6).

* ``constant_weights`` is the exact gradient of a model whose attention weights are
  detached: compared with PyTorch (float64, ``alpha.detach()``) to 1e-10, for
  self-attention (one layer and stacked) and each encoder–decoder kind, every cell.
* ``exact`` is the gradient of the loss: central finite differences of the engine's own
  loss, for the attention parameters and a sample of the others (and ``constant_weights``
  is not, in general).
* Every step whose value the simplification changes (or that only it has) says so in its
  label ("held constant"), so that nobody mistakes it for the exact gradient.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from oracles import require_torch
from topology_oracles import compare, grad_key, parse_config, random_config, reference

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.symbol.latex import latex_sentence

CELLS = ["rnn", "lstm", "gru"]
ATTENTION_KINDS = ["standard", "stacked", "encoder_decoder:dot", "encoder_decoder:general",
                   "encoder_decoder:additive"]  # fmt: skip
MARK = "held constant"


def attention_config(seed: int, kind: str, cell: str, mode: str):
    """A random scenario of ``kind`` with attention (self-attention for standard and
    stacked models), its gradient computed in ``mode``."""
    fixed = {"attention": "self"} if kind in ("standard", "stacked") else {}
    return random_config(seed, kind, cell, attention_gradient=mode, **fixed)


# -- constant_weights = the gradient with the weights detached ------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_constant_weights_is_the_detached_gradient(kind: str, cell: str, seed: int) -> None:
    torch = require_torch()
    cfg = attention_config(seed, kind, cell, "constant_weights")
    trace = trace_scenario(parse_config(cfg))
    expected = reference(torch, cfg, detach=True)
    # W_a, U_a, v_a only reach the loss through the detached weights: their gradient is
    # zero, and the engine records none (nor an update; see test_topologies.py,
    # test_every_trained_parameter_has_a_gradient_and_an_update)
    for name in [key for key in cfg.params if key.startswith("att.")]:
        assert not np.any(expected[grad_key(name)]), name
        for key in [grad_key(name), f"{name}_new"] + [
            f"s{n}.{grad_key(name)}" for n in range(1, len(cfg.sequences) + 1)
        ]:
            expected.pop(key, None)
            assert key not in trace or not np.any(trace[key].value) or key.endswith("_new")
    compare(trace, expected, cfg.describe())


def _long_config(kind: str, cell: str, mode: str, first: int = 0):
    """A scenario with a sequence of two steps or more (with one, α = 1 whatever the scores,
    and both modes agree); the first such of seeds ``first``, ``first`` + 1, ..."""
    for seed in range(first, first + 20):
        cfg = attention_config(seed, kind, cell, mode)
        if any(seq.length > 1 for seq in cfg.sequences):
            return cfg
    raise AssertionError("no scenario with a long sequence")


@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_the_two_modes_differ(kind: str) -> None:
    """Not a vacuous comparison: the two modes' parameter gradients differ, and the forward
    pass does not."""
    cfg = _long_config(kind, "rnn", "exact")
    exact = trace_scenario(parse_config(cfg))
    constant = trace_scenario(parse_config(replace(cfg, attention_gradient="constant_weights")))
    assert np.array_equal(exact["L"].value, constant["L"].value)
    differs = [key for key in cfg.params
               if not np.allclose(exact[grad_key(key)].value, _held(constant, key),
                                  rtol=1e-6, atol=1e-9)]  # fmt: skip
    assert differs
    if cfg.attention == "self":  # δo_t and Z_t are the same in both modes
        assert "W_hy" not in differs


def _held(trace, param: str, index: tuple = ()) -> np.ndarray:
    """A parameter's gradient in a constant-weights trace (zero when it has none)."""
    key = grad_key(param)
    return np.asarray(trace[key].value[index]) if key in trace else np.zeros(())


# -- exact = the gradient of the loss (central finite differences) -------------------------

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-7
SAMPLE = 10  # entries of parameters other than the attention's, per scenario


def _perturbed(scenario, key: str, index: tuple, value: float):
    params = dict(scenario.params)
    params[key] = params[key].copy()
    params[key][index] = value
    return replace(scenario, params=params)


def _entries(cfg, rng) -> list[tuple[str, tuple]]:
    """Every entry of the attention's parameters, and a sample of the others' (those that the
    attention's gradient reaches: the cells' matrices and initial states)."""
    att = [(k, i) for k in cfg.params if k.startswith("att.")
           for i in np.ndindex(cfg.params[k].shape)]  # fmt: skip
    others = [(k, i) for k in cfg.params if not k.startswith("att.")
              for i in np.ndindex(cfg.params[k].shape)]  # fmt: skip
    picked = rng.choice(len(others), size=min(SAMPLE, len(others)), replace=False)
    return att + [others[j] for j in sorted(picked)]


FD_CASES = [
    ("standard", "rnn", 1),
    ("stacked", "gru", 5),
    ("encoder_decoder:dot", "lstm", 0),
    ("encoder_decoder:general", "gru", 2),
    ("encoder_decoder:additive", "rnn", 3),
    ("encoder_decoder:additive", "lstm", 6),
]


@pytest.mark.parametrize(("kind", "cell", "seed"), FD_CASES)
def test_exact_gradient_matches_finite_differences(kind: str, cell: str, seed: int) -> None:
    cfg = _long_config(kind, cell, "exact", seed)
    scenario = parse_config(cfg)
    exact = trace_scenario(scenario)
    constant = trace_scenario(replace(scenario, model=replace(
        scenario.model, attention_gradient="constant_weights")))  # fmt: skip
    problems, wrong_for_constant = [], 0
    for key, index in _entries(cfg, np.random.default_rng(seed)):
        x = float(scenario.params[key][index])
        step = (x + EPS) - (x - EPS)
        plus = float(trace_scenario(_perturbed(scenario, key, index, x + EPS))["L"].value)
        minus = float(trace_scenario(_perturbed(scenario, key, index, x - EPS))["L"].value)
        numeric = (plus - minus) / step
        claimed = float(exact[grad_key(key)].value[index])
        if not np.isclose(claimed, numeric, rtol=RTOL, atol=ATOL):
            problems.append(f"{grad_key(key)}{list(index)}: engine {claimed!r}, "
                            f"finite difference {numeric!r}")  # fmt: skip
        held = float(_held(constant, key, index))
        wrong_for_constant += not np.isclose(held, numeric, rtol=1e-4, atol=1e-6)
    assert not problems, cfg.describe() + "\n" + "\n".join(problems)
    assert wrong_for_constant, "constant_weights should not be the exact gradient here"


# -- labels ----------------------------------------------------------------------------------


def _changed_steps(cfg):
    """The constant-weights trace, and its steps whose value differs from the exact trace's,
    or that the exact trace does not have."""
    exact = trace_scenario(parse_config(replace(cfg, attention_gradient="exact")))
    constant = trace_scenario(parse_config(replace(cfg, attention_gradient="constant_weights")))
    changed = [step for step in constant
               if step.key not in exact or step.value.shape != exact[step.key].value.shape
               or not np.array_equal(step.value, exact[step.key].value)]  # fmt: skip
    return exact, constant, changed


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_constant_mode_is_labelled(kind: str, cell: str) -> None:
    """The mode is stated in the conventions; the context-path steps (the only path left
    through the attention) are labelled; nothing in the exact trace is."""
    cfg = attention_config(3, kind, cell, "constant_weights")
    exact, constant, changed = _changed_steps(cfg)
    assert changed  # the simplification changes the gradient
    assert any(MARK in latex_sentence(line) for line in constant.meta.conventions)
    assert not any(MARK in latex_sentence(line) for line in exact.meta.conventions)
    assert not [step.key for step in exact if MARK in step.label]
    context = [step for step in constant if "dh_ctx_" in step.key]
    assert context and all(MARK in step.label for step in context)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("kind", ATTENTION_KINDS)
def test_every_changed_step_is_labelled(kind: str, cell: str) -> None:
    cfg = attention_config(3, kind, cell, "constant_weights")
    _, _, changed = _changed_steps(cfg)
    unlabelled = [step.key for step in changed if MARK not in step.label]
    assert not unlabelled, f"{len(unlabelled)} changed steps are not labelled: {unlabelled[:10]}"
