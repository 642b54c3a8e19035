"""The simple RNN: h_t = f(W_xh x_t + W_hh h_{t-1} + b_h), f = model.activation (tanh, relu
or sigmoid). Its tracer is ``rnntrace._internal.engine.rnn``; its step Jacobian ``rnn_jacobian``."""

from __future__ import annotations

from rnntrace._internal.cells.base import (
    H0,
    OUTPUT,
    CellKind,
    FlowWords,
    ParamSpec,
    imported,
    register,
)

JACOBIAN = "rnntrace._internal.cells.rnn_jacobian"  # imported by gradflow when it asks

PARAMS = (
    ParamSpec("W_xh", ("H", "D"), "input-to-hidden matrix", True),
    ParamSpec("W_hh", ("H", "H"), "hidden-to-hidden (recurrent) matrix", True),
    ParamSpec("b_h", ("H",), "hidden bias"),
    *OUTPUT,
    H0,
)

# Other names people give the parameters (textbook symbols); suggested when used as keys.
ALIASES = {
    "U": "W_xh", "W_x": "W_xh", "W_ih": "W_xh", "W_xh_": "W_xh",
    "W": "W_hh", "W_h": "W_hh",
    "V": "W_hy", "W_y": "W_hy", "W_ho": "W_hy", "W_o": "W_hy",
    "b": "b_h", "B": "b_h", "c": "b_y", "C": "b_y", "b_o": "b_y",
    "h0": "h_0",
}  # fmt: skip

# What the quantity with a key stem is, on a worksheet (a GRU's z is its update gate).
STEP_WORDS = {
    "zx": "The input term",
    "zh": "The recurrent term",
    "z": "The pre-activation",
    "dh_next": "The part of the hidden-state gradient from the next step",
    "dhdz": "The derivative of the activation",
    "dz": "The gradient of the loss with respect to the pre-activation",
}

RNN = register(
    CellKind(
        name="rnn",
        title="simple RNN",
        params=PARAMS,
        concat={},
        quantities=("z",),
        tracer="rnntrace._internal.engine.rnn:RnnCell",
        gates=1,
        options=("activation",),
        topology_params={"generate": ParamSpec("W_yh", ("H", "K"), "fed-back output matrix")},
        aliases=ALIASES,
        step_words=STEP_WORDS,
        layouts=("columns", "rows"),
        flow=FlowWords(
            recurrent=(("h", "recurrent matrix"),),
            main="h",
            jacobian=imported(JACOBIAN, "jacobian"),
            path=lambda model: None,
            equation="A_j = ∂{h:j}/∂{h:j-1} = diag(f′({z:j})) {W}",  # W_hh, W_hhᵀ (layout rows)
            equation_latex=r"A_j = \frac{\partial {h:j}}{\partial {h:j-1}} = "
            r"\operatorname{diag}(f'({z:j}))\, {W}",
            words_latex="",
            marks=("mark=*", "mark=o, dashed"),
            drive=imported(JACOBIAN, "drive"),
            jacobians=imported(JACOBIAN, "jacobians"),
        ),
    )
)
