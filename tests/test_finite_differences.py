"""Central finite differences of the loss as an oracle for every gradient the engine reports.

For every trained parameter entry and every input-vector entry, the scenario YAML is
rebuilt with that one number moved by +-eps, traced again, and
(L(x + eps) - L(x - eps)) / (2 eps) is compared with the trace's gradient: of the total
loss ``L`` (dW_xh, db_h, dh_0, ...), and with several sequences of each sequence's loss
``sN.L`` (sN.dW_xh, ...). Needs nothing but the engine, so it runs everywhere.

ReLU is not differentiable at 0: a relu scenario with any pre-activation within 1e-4 of
0 is redrawn (and skipped if no clean one turns up).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from oracles import (
    ACTIVATIONS,
    HEAD_LOSS,
    Config,
    SeqSpec,
    describe,
    random_config,
    random_target,
    trace_config,
)

EPS = 1e-6
RTOL = 1e-6
ATOL = 1e-7
KINK = 1e-4


def kink_distance(cfg: Config, trace) -> float:
    """How close any pre-activation z_t comes to 0 (inf unless the activation is relu)."""
    if cfg.activation != "relu":
        return np.inf
    zs = [
        np.abs(step.value).min()
        for step in trace
        if step.op == "add" and step.key.rsplit(".", 1)[-1].startswith("z_")
    ]
    return float(min(zs))


def clean_config(seed: int, **kwargs) -> tuple[Config, object]:
    """A random config (small, so the many re-traces stay fast) away from relu kinks."""
    rng = np.random.default_rng(seed)
    for _ in range(25):
        cfg = random_config(rng, max_size=3, max_T=4, max_sequences=2, **kwargs)
        trace = trace_config(cfg)
        if kink_distance(cfg, trace) >= KINK:
            return cfg, trace
    pytest.skip(f"no relu scenario without a pre-activation within {KINK} of 0 (seed {seed})")


def perturbations(cfg: Config):
    """(where, gradient key, index into the gradient, sequence number or None) per number."""
    for key in cfg.trained():
        for index in np.ndindex(cfg.params[key].shape):
            yield ("param", key, index), "d" + key, index, None
    for s, seq in enumerate(cfg.sequences):
        for t, d in np.ndindex(seq.inputs.shape):
            yield ("input", s, t, d), cfg.prefix(s + 1) + f"dx_{t + 1}", (d,), s + 1


def value_at(cfg: Config, where) -> float:
    if where[0] == "param":
        return float(cfg.params[where[1]][where[2]])
    _, s, t, d = where
    return float(cfg.sequences[s].inputs[t, d])


def losses(cfg: Config, trace) -> dict[str, float]:
    """The total loss and, with several sequences, each sequence's loss."""
    out = {"L": float(trace["L"].value)}
    if len(cfg.sequences) > 1:
        for n in range(1, len(cfg.sequences) + 1):
            out[f"s{n}."] = float(trace[f"s{n}.L"].value)
    return out


def check_finite_differences(cfg: Config, trace) -> int:
    """Compare every gradient entry with its central difference; returns how many."""
    problems = []
    count = 0
    several = len(cfg.sequences) > 1
    for where, grad_key, index, _seq in perturbations(cfg):
        x = value_at(cfg, where)
        x_plus, x_minus = x + EPS, x - EPS
        step = x_plus - x_minus  # the step actually taken in float64
        plus = losses(cfg, trace_config(cfg.with_value(where, x_plus)))
        minus = losses(cfg, trace_config(cfg.with_value(where, x_minus)))
        checks = [(grad_key, (plus["L"] - minus["L"]) / step)]
        if several and where[0] == "param":
            for n in range(1, len(cfg.sequences) + 1):
                pre = f"s{n}."
                checks.append((pre + grad_key, (plus[pre] - minus[pre]) / step))
        for key, numeric in checks:
            count += 1
            analytic = float(np.asarray(trace[key].value)[index])
            if abs(analytic - numeric) > ATOL + RTOL * abs(numeric):
                problems.append(
                    f"{key}{list(index)}: engine {analytic!r}, finite difference "
                    f"{numeric!r} (diff {abs(analytic - numeric):.3g})"
                )
    assert not problems, describe(cfg) + "\n" + "\n".join(problems[:25])
    return count


CASES = list(itertools.product(ACTIVATIONS, ["last", "every"], HEAD_LOSS))


@pytest.mark.parametrize(
    "activation,output,head_loss",
    CASES,
    ids=[f"{a}-{o}-{head}+{loss}" for a, o, (head, loss) in CASES],
)
def test_gradients_match_finite_differences(activation, output, head_loss):
    seed = 2000 + CASES.index((activation, output, head_loss))
    cfg, trace = clean_config(seed, activation=activation, output=output, head_loss=head_loss)
    assert check_finite_differences(cfg, trace) > 0


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_finite_differences_everything_given_two_sequences(activation):
    """All of b_h, b_y and h_0 given (so all have gradients) and two sequences: both the
    per-sequence gradients and their sums."""
    i = ACTIVATIONS.index(activation)
    rng = np.random.default_rng(3000 + i)
    for _ in range(25):
        cfg = random_config(
            rng,
            activation=activation,
            output="every",
            bias=True,
            h0=True,
            head_loss=HEAD_LOSS[(2 * i) % len(HEAD_LOSS)],
            max_size=3,
            max_T=3,
            max_sequences=1,
        )
        D, H, K = cfg.sizes
        T = int(rng.integers(1, 4))
        targets = {t: random_target(rng, cfg.loss, K) for t in range(1, T + 1)}
        cfg.sequences.append(SeqSpec(rng.uniform(-1.5, 1.5, (T, D)), targets))
        trace = trace_config(cfg)
        if kink_distance(cfg, trace) >= KINK:
            break
    else:
        pytest.skip("no relu scenario away from the kink")
    assert {"b_h", "b_y", "h_0"} <= set(cfg.trained())
    assert check_finite_differences(cfg, trace) > 0
