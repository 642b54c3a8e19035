"""Dropout (seed 001, "Dropout in RNNs"), inverted: a kept entry is scaled by 1/(1 − p), so
that nothing changes at evaluation (``--eval``: no dropout at all).

Each mask is data of the trace, a given step: its value is m/(1 − p) with m ∈ {0, 1}ⁿ
(``info``: the rate ``p``, the 0/1 ``mask`` and, for a drawn one, its ``draw``), and the
dropped value is ``mask ⊙ v``, a hadamard step; going back, ∂L/∂v = mask ⊙ ∂L/∂(dropped).

Where (keys of sequence s, step t; a layer's with its part ``l2.``):
  input      x̃_t = m^x_t ⊙ x_t        the first layer reads x̃_t     mask m_x_t, value xd_t
  recurrent  ȟ_{t−1} = m^r_t ⊙ h_{t−1}  W_hh reads ȟ_{t−1} (every cell's recurrent
                                        products; a check, not h̃: the GRU's candidate)
                                        m_r_t, hd_{t−1}
  output     ṽ_t = m^y_t ⊙ v_t        the output layer reads ṽ_t (v_t: the top layer's h_t,
                                        or the self-attention context)  m_y_t, vd_t
With ``variational`` one mask of each kind serves every step of a sequence (keys m_x, m_r,
m_y). Drawn masks: m = 1 where u ≥ p, u = default_rng([seed, epoch, sequence, kind, layer,
t]).random(n), kind 1 input, 2 recurrent, 3 output; layer 1.. for recurrent (0 otherwise);
t the step (0 for a variational mask); epoch 1 for ``run``, the epoch for ``train``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Name,
    PartMark,
    Scripted,
    Styled,
    Symbol,
    Time,
    indices,
    sub,
    tilde,
)
from rnntrace._internal.trace import Step, Trace

KIND_CODE = {"input": 1, "recurrent": 2, "output": 3}
LETTER = {"input": "x", "recurrent": "r", "output": "y"}


def draw(seed: int, epoch: int, sequence: int, kind: str, layer: int, t: int,
         size: int, p: float) -> np.ndarray:  # fmt: skip
    """The 0/1 mask m of the documented rule: 1 where u ≥ p (so P(m = 1) = 1 − p)."""
    rng = np.random.default_rng([seed, epoch, sequence, KIND_CODE[kind], layer, t])
    return (rng.random(size) >= p).astype(float)


def scaled(mask: np.ndarray, p: float) -> np.ndarray:
    """m / (1 − p), the mask as the dropped value uses it (inverted dropout)."""
    return np.asarray(mask, dtype=float) / (1.0 - p)


def mask(rec: Recorder, scenario: Scenario, kind: str, t: int, size: int, part: str = "",
         layer: int = 0) -> str | None:  # fmt: skip
    """The short key of step t's mask of ``kind`` (recorded on first use), None when off."""
    spec = scenario.model.dropout
    if spec is None or not spec.rate(kind):
        return None
    p = spec.rate(kind)
    letter = LETTER[kind]
    name = f"{part}m_{letter}" if spec.variational else f"{part}m_{letter}_{t}"
    if rec.key(name) in rec.trace:
        return name
    at = 0 if spec.variational else t
    sequence = rec.sequence or 1
    if spec.masks:
        given = spec.masks.get(part + kind) or spec.masks[kind]  # a layer's own (gradcheck)
        m = given[0 if spec.variational else t - 1]
        how = None
    else:
        m = draw(spec.seed, spec.epoch, sequence, kind, layer, at, size, p)
        how = [spec.seed, spec.epoch, sequence, KIND_CODE[kind], layer, at]
    index = Name(letter) if spec.variational else indices(letter, t)
    symbol: Symbol = sub(Name("m"), index, part)  # m_{x,3}, m^{(2)}_{h,3}, m_{y}
    what = {"input": "x_t", "recurrent": "h_(t-1)", "output": "the output layer's input"}[kind]
    label = (Label("dropout_mask_for_every_step", ref=what, part=part, value=p)
             if spec.variational else
             Label("dropout_mask_at_t_t", ref=what, part=part, time=t, value=p))  # fmt: skip
    rec.given(rec.key(name), scaled(m, p), symbol=symbol, label=label, time=t, phase="forward",
              info={"dropout": kind, "p": p, "mask": m.tolist(), "draw": how})  # fmt: skip
    return name


def apply(rec: Recorder, key: str, value: str, mask_key: str, symbol: Symbol, what: str,
          t: int, part: str = "") -> str:  # fmt: skip
    """``key`` = mask ⊙ ``value``: the dropped value."""
    rec.do(key, "hadamard", [mask_key, value], symbol,
           Label("after_dropout_at_t_t", ref=what, part=part, time=t))  # fmt: skip
    return key


def back(rec: Recorder, key: str, grad: str, mask_key: str, symbol: Symbol, what: str,
         t: int, part: str = "") -> str:  # fmt: skip
    """``key`` = mask ⊙ ``grad``: the gradient before the dropout, from the one after it."""
    rec.do(key, "hadamard", [mask_key, grad], symbol,
           Label("gradient_through_dropout_at_t_t", ref=what, part=part, time=t))  # fmt: skip
    return key


def dropped_symbol(letter: str, t: int, part: str = "") -> Symbol:
    """x̃_t, ȟ_{t−1}, ṽ_t: a value after dropout; a part's in the subscript, ȟ_{(2),t−1}
    (TeX refuses a transposed accent that carries a superscript too). The dropped state
    wears a check, ``\\check{h}`` (notation key ``h_check``): h̃ is the GRU's and MGU's
    candidate, which recurrent dropout sits beside."""
    index = indices(PartMark(part), t) if part else Time(t)
    base = Styled("check", Name("h")) if letter == "h" else tilde(letter)
    return Scripted(base, sub=index)


def drawn_masks(trace: Trace) -> list[Step]:
    """The trace's drawn masks (``train`` draws them again each epoch)."""
    return [step for step in trace if step.op == "given" and step.info.get("draw")]


def redrawn(steps: list[Step], epoch: int) -> Iterator[np.ndarray]:
    """The masks of ``steps`` (as ``mask`` records them) drawn for ``epoch``."""
    for step in steps:
        seed, _, sequence, code, layer, t = step.info["draw"]
        kind = next(k for k, c in KIND_CODE.items() if c == code)
        p = step.info["p"]
        yield scaled(draw(seed, epoch, sequence, kind, layer, t, step.value.size, p), p)
