"""Scheduled sampling (seed 001: ε_t = ε_0 λ^t; x_t = y_{t−1}^true with probability ε_t, else
y_{t−1}^pred), for the topologies that feed an output back (generate, encoder_decoder).

At a fed step t (t ≥ 2) the trace records the coin ξ_t (key ``xi_t``, a given number: 1 or
0, ``info``: its probability ``p`` = ε_0 λ^t, the ``coin`` and, for a drawn one, its
``coin_draw``), the target of step t − 1 (``<input>_true_t``), and the input fed
(``<input>_t``, op ``feed``): the target when ξ_t = 1, else the one-hot vector of the argmax
of ŷ_{t−1} (the first largest entry). The fed input is data for the backward pass: no
gradient flows through it (the argmax has none), whichever the coin.

Drawn coins: ξ_t = 1 where u < ε_0 λ^t, u = default_rng([seed, epoch, sequence, t]).random();
epoch 1 for ``run``, the epoch for ``train`` (drawn again every epoch). Given coins
(``coins:``) are the same every epoch.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.scenario.model import Scenario, Sequence
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Command, sub, tilde
from rnntrace._internal.trace import Step, Trace


def draw(seed: int, epoch: int, sequence: int, t: int, p: float) -> int:
    """The coin of the documented rule: 1 where u < p (so P(ξ_t = 1) = p)."""
    return int(np.random.default_rng([seed, epoch, sequence, t]).random() < p)


def fed_by_coin(rec: Recorder, scenario: Scenario, seq: Sequence, t: int, key: str) -> str:
    """ξ_t, the target y_{t−1} and the input fed at step t; returns the fed input's key."""
    spec = scenario.train.scheduled_sampling
    assert spec is not None
    if spec.coins is not None:  # given: no probability plays a part
        coin = spec.coins[seq.number - 1][t - 2]
        label = Label("given_sampling_coin_at_t_t", time=t)
        info: dict[str, object] = {"coin": coin, "coin_draw": None}
    else:
        epoch, p = scenario.train.epoch, spec.probability(t)
        coin = draw(spec.seed, epoch, seq.number, t, p)
        label = Label("sampling_coin_at_t_t", time=t, value=p)
        info = {"coin": coin, "p": p, "coin_draw": [spec.seed, epoch, seq.number, t]}
    rec.given(rec.key(f"xi_{t}"), np.array(float(coin)), symbol=sub(Command("xi"), t),
              label=label, time=t, phase="forward", info=info)  # fmt: skip
    target = seq.targets[t - 1]
    rec.given(rec.key(f"{key}_true_{t}"), target.vector, symbol=sub("y", t - 1), time=t,
              op="input", phase="forward",
              label=Label("target_of_step_prev_fed_if_the_coin_is_1", time=t),
              info={"token": target.text, "source": "scheduled sampling"})  # fmt: skip
    rec.do(f"{key}_{t}", "feed", [f"xi_{t}", f"{key}_true_{t}", f"y_{t - 1}"],
           sub(tilde("y"), t - 1), Label("input_at_t_t_by_the_coin", time=t))  # fmt: skip
    return f"{key}_{t}"


def drawn_coins(trace: Trace) -> list[Step]:
    """The trace's drawn coins (``train`` draws them again each epoch)."""
    return [step for step in trace if step.op == "given" and step.info.get("coin_draw")]


def redrawn(steps: list[Step], epoch: int) -> Iterator[np.ndarray]:
    """The coins of ``steps`` (as ``fed_by_coin`` records them) drawn for ``epoch``."""
    for step in steps:
        seed, _, sequence, t = step.info["coin_draw"]
        yield np.array(float(draw(seed, epoch, sequence, t, step.info["p"])))
