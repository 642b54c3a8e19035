"""The minimal gated unit (MGU): one forget gate f_t, a candidate h~_t that reads
f_t ⊙ h_{t-1}, and h_t = (1 − f_t) ⊙ h_{t-1} + f_t ⊙ h~_t. Its tracer is
``rnntrace.engine.mgu``; its step Jacobian ``mgu_jacobian``."""

from __future__ import annotations

from typing import Any

from rnntrace.cells.base import (
    H0,
    OUTPUT,
    CellKind,
    DirectPath,
    FlowWords,
    ParamSpec,
    concatenated,
    gate_params,
    register,
)
from rnntrace.cells.mgu_jacobian import jacobian
from rnntrace.symbol import latex

PARAMS = (
    *gate_params("f", "forget gate", "forget-gate bias"),
    ParamSpec("W_hx", ("H", "D"), "candidate state: input matrix", True, "h"),
    ParamSpec("W_hh", ("H", "H"), "candidate state: recurrent matrix", True, "h"),
    ParamSpec("b_h", ("H",), "candidate-state bias"),
    *OUTPUT,
    H0,
)

PATH = DirectPath(
    name="direct path (1 - f)",
    factor="1 - f",
    text="1 − f_j",
    latex="1 - f_j",
    sentence="the direct path through the forget gates",
    words="1 − f_j is",
)


def conventions(model: Any, sym: Any) -> list[str]:
    """The candidate and the interpolation in equations."""
    w_x, w_h, b_h = (latex(sym[key]) for key in ("W_hx", "W_hh", "b_h"))
    return [
        r"the forget gate $f_t$ acts on $h_{t-1}$ before the recurrent product: "
        rf"$\tilde{{h}}_t = \tanh({w_x} x_t + {w_h} (f_t \odot h_{{t-1}}) + {b_h})$",
        "the forget gate keeps the previous state where $f_t$ is 0: "
        r"$h_t = (1 - f_t) \odot h_{t-1} + f_t \odot \tilde{h}_t$",
    ]


MGU = register(
    CellKind(
        name="mgu",
        title="MGU",
        order=4,
        params=PARAMS,
        concat=concatenated(list(PARAMS)),
        tracer="rnntrace.engine.mgu:MguCell",
        gates=2,
        conventions=conventions,
        flow=FlowWords(
            recurrent=(("f", "forget gate"), ("h", "candidate state")),
            main="h",
            jacobian=jacobian,
            path=lambda model: PATH,
            equation="A_j = ∂h_j/∂h_(j−1) through the forget gate and the candidate",
            equation_latex=r"A_j = \frac{\partial h_j}{\partial h_{j-1}}",
            words_latex="For the MGU, $A_j$ goes through the forget gate and the candidate. ",
        ),
    )
)
