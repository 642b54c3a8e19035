"""Outputs fed back as inputs (topologies generate and encoder_decoder): the input at
step t that is step t − 1's output, and the gradient that flows back through it."""

from __future__ import annotations

import numpy as np

from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.scenario.model import Scenario, Sequence
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Name, Styled, sub


def fed_input(rec: Recorder, scenario: Scenario, seq: Sequence, t: int, key: str,
              start: np.ndarray | None = None) -> str:  # fmt: skip
    """The input at step t that is the previous step's output: ŷ_{t-1} (free running), the
    target of step t−1 (teacher forcing), or ``start`` at step 1."""
    if t == 1 and start is not None:
        rec.given(rec.key(f"{key}_1"), start, symbol=sub("y", 0), time=1, op="input",
                  phase="forward", label=Label("no_previous_output_at_step_1_zeros"),
                  info={"token": "", "source": "start"})  # fmt: skip
    elif scenario.train.scheduled_sampling is not None:  # a coin: the target or the argmax
        from rnntrace._internal.engine.scheduled import fed_by_coin

        return fed_by_coin(rec, scenario, seq, t, key)
    elif scenario.model.teacher_forcing:
        target = seq.targets[t - 1]
        rec.given(rec.key(f"{key}_{t}"), target.vector, symbol=sub("y", t - 1), time=t,
                  op="input", phase="forward",
                  label=Label("target_of_step_prev_fed_in_teacher_forci", time=t),
                  info={"token": target.text, "source": "teacher forcing"})  # fmt: skip
    else:
        rec.do(f"{key}_{t}", "identity", [f"y_{t - 1}"], sub(Styled("hat", Name("y")), t - 1),
               Label("output_of_step_prev_fed_back_as_the_inpu", time=t))  # fmt: skip
    return f"{key}_{t}"


def fed_back(scenario: Scenario, t: int, gradient: str | None) -> str | None:
    """∂L/∂ŷ_t from step t + 1's input, when ŷ_t was fed back (not with teacher forcing, nor
    with scheduled sampling: the target or an argmax is fed, no gradient flows through it)."""
    if scenario.model.teacher_forcing or scenario.train.scheduled_sampling is not None:
        return None
    return gradient
