"""The minimal gated unit (MGU): one forget gate f_t, a candidate h~_t that reads
f_t ⊙ h_{t-1}, and h_t = (1 − f_t) ⊙ h_{t-1} + f_t ⊙ h~_t. Its tracer is
``rnntrace._internal.engine.mgu``; its step Jacobian ``mgu_jacobian``."""

from __future__ import annotations

from typing import Any

from rnntrace._internal.cells.base import (
    H0,
    OUTPUT,
    CellKind,
    DirectPath,
    FlowWords,
    ParamSpec,
    concatenated,
    gate_params,
    imported,
    register,
)
from rnntrace._internal.symbol.tree import Sentence, at, call, formula, paren, tilde

JACOBIAN = "rnntrace._internal.cells.mgu_jacobian"  # imported by gradflow when it asks

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
    text="1 − {f:j}",
    latex="1 - {f:j}",
    sentence="the direct path through the forget gates",
    words="1 − {f:j} is",
)


def conventions(model: Any, sym: Any) -> list[Sentence]:
    """The candidate and the interpolation in equations."""
    w_x, w_h, b_h = (sym[key] for key in ("W_hx", "W_hh", "b_h"))
    h_t, h_prev, x_t, f_t = at("h"), at("h", "t-1"), at("x"), at("f")
    candidate = at(tilde("h"))
    inside = (w_x, x_t, "+", w_h, paren(formula(f_t, "odot", h_prev)), "+", b_h)
    keep = paren(formula("1", "-", f_t))
    return [
        ("the forget gate ", f_t, " acts on ", h_prev, " before the recurrent product: ",
         formula(candidate, "=", call("tanh", *inside))),
        ("the forget gate keeps the previous state where ", f_t, " is 0: ",
         formula(h_t, "=", keep, "odot", h_prev, "+", f_t, "odot", candidate)),
    ]  # fmt: skip


MGU = register(
    CellKind(
        name="mgu",
        title="MGU",
        params=PARAMS,
        concat=concatenated(list(PARAMS)),
        quantities=("a", "f", "h_tilde"),
        tracer="rnntrace._internal.engine.mgu:MguCell",
        gates=2,
        conventions=conventions,
        flow=FlowWords(
            recurrent=(("f", "forget gate"), ("h", "candidate state")),
            main="h",
            jacobian=imported(JACOBIAN, "jacobian"),
            path=lambda model: PATH,
            equation="A_j = ∂{h:j}/∂{h:j-1} through the forget gate and the candidate",
            equation_latex=r"A_j = \frac{\partial {h:j}}{\partial {h:j-1}}",
            words_latex="For the MGU, $A_j$ goes through the forget gate and the candidate. ",
        ),
    )
)
