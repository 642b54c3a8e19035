"""The GRU: update and reset gates and a candidate state, in four conventions
(``model.gru_variant``: where the reset gate acts; ``model.update_gate``: which way the
update gate interpolates). Its tracer is ``rnntrace._internal.engine.gru``; its step Jacobian
``gru_jacobian``."""

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

JACOBIAN = "rnntrace._internal.cells.gru_jacobian"  # imported by gradflow when it asks

PARAMS = (
    *gate_params("z", "update gate", "update-gate bias"),
    *gate_params("r", "reset gate", "reset-gate bias"),
    ParamSpec("W_hx", ("H", "D"), "candidate state: input matrix", True, "h"),
    ParamSpec("W_hh", ("H", "H"), "candidate state: recurrent matrix", True, "h"),
    ParamSpec("b_h", ("H",), "candidate-state bias"),
    ParamSpec("b_hh", ("H",), "candidate-state recurrent bias (inside the reset, reset_after)"),
    *OUTPUT,
    H0,
)

PATHS = {  # model.update_gate -> the direct path through the update gates
    "new": DirectPath("direct path (1 - z)", "1 - z", "1 − {z:j}", "1 - {z:j}",
                      "the direct path through the update gates", "1 − {z:j} is"),
    "keep_old": DirectPath("direct path (z)", "z", "{z:j}", "{z:j}",
                           "the direct path through the update gates", "{z:j} is"),
}  # fmt: skip


def path(model: Any) -> DirectPath:
    """The direct path: Π diag(1 − z_j) (update_gate new) or Π diag(z_j) (keep_old)."""
    return PATHS[model.update_gate]


def conventions(model: Any, sym: Any) -> list[Sentence]:
    """Where the GRU's reset gate acts, and which way its update gate interpolates."""
    w_x, w_h, b_h, b_hh = (sym[key] for key in ("W_hx", "W_hh", "b_h", "b_hh"))
    h_t, h_prev, x_t, r_t, z_t = at("h"), at("h", "t-1"), at("x"), at("r"), at("z")
    candidate = at(tilde("h"))
    reset: Sentence
    inside: tuple[Any, ...]
    if model.gru_variant == "reset_before":
        inside = (w_x, x_t, "+", w_h, paren(formula(r_t, "odot", h_prev)), "+", b_h)
        reset = ("the reset gate acts on ", h_prev, " before the recurrent product: ",
                 formula(candidate, "=", call("tanh", *inside)))  # fmt: skip
    else:
        inside = (w_x, x_t, "+", b_h, "+", r_t, "odot", paren(formula(w_h, h_prev, "+", b_hh)))
        reset = ("the reset gate acts after the recurrent product (PyTorch, cuDNN): ",
                 formula(candidate, "=", call("tanh", *inside)))  # fmt: skip
    keep = paren(formula("1", "-", z_t))
    if model.update_gate == "new":
        update = ("the update gate keeps the previous state where ", z_t, " is 0: ",
                  formula(h_t, "=", keep, "odot", h_prev, "+", z_t, "odot", candidate))  # fmt: skip
    else:
        update = ("the update gate keeps the previous state where ", z_t, " is 1 (PyTorch): ",
                  formula(h_t, "=", keep, "odot", candidate, "+", z_t, "odot", h_prev))  # fmt: skip
    return [reset, update]


GRU = register(
    CellKind(
        name="gru",
        title="GRU",
        params=PARAMS,
        concat=concatenated(list(PARAMS)),
        quantities=("a", "z", "r", "h_tilde"),
        tracer="rnntrace._internal.engine.gru:GruCell",
        gates=3,
        options=("gru_variant", "update_gate"),
        conventions=conventions,
        flow=FlowWords(
            recurrent=(("z", "update gate"), ("r", "reset gate"), ("h", "candidate state")),
            main="h",
            jacobian=imported(JACOBIAN, "jacobian"),
            path=path,
            equation="A_j = ∂{h:j}/∂{h:j-1} through the update gate, the reset gate and the "
            "candidate",
            equation_latex=r"A_j = \frac{\partial {h:j}}{\partial {h:j-1}}",
            words_latex="For the GRU, $A_j$ goes through the update gate, the reset gate and "
            "the candidate. ",
        ),
    )
)
