"""The LSTM: forget, input and output gates, a candidate cell and the cell state c_t.
Its tracer is ``rnntrace._internal.engine.lstm``; its step Jacobian ``lstm_jacobian``."""

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
from rnntrace._internal.symbol.tree import Sentence, at, call, formula, tilde, upright

JACOBIAN = "rnntrace._internal.cells.lstm_jacobian"  # imported by gradflow when it asks

PARAMS = (
    *gate_params("f", "forget gate", "forget-gate bias"),
    *gate_params("i", "input gate", "input-gate bias"),
    *gate_params("c", "candidate cell", "candidate-cell bias"),
    *gate_params("o", "output gate", "output-gate bias"),
    *OUTPUT,
    H0,
    ParamSpec("c_0", ("H",), "initial cell state"),
)

CELL_STATE = DirectPath(
    name="cell state (forget gates)",
    factor="f",
    text="{f:j}",
    latex="{f:j}",
    sentence="the cell-state path through the forget gates",
    words="the forget gates are",
)


def conventions(model: Any, sym: Any) -> list[Sentence]:
    """The cell state and the hidden state in equations."""
    f_t, i_t, c_t, og_t = at("f"), at("i"), at("c"), at(upright("og"))
    cell = formula(c_t, "=", f_t, "odot", at("c", "t-1"), "+", i_t, "odot", at(tilde("c")))
    hidden = formula(at("h"), "=", og_t, "odot", call("tanh", c_t))
    return [
        ("the cell state ", cell, " and the hidden state ", hidden, ", with the output gate ",
         og_t, " (the output logits are ", at("o"), ")")
    ]  # fmt: skip


LSTM = register(
    CellKind(
        name="lstm",
        title="LSTM",
        params=PARAMS,
        concat=concatenated(list(PARAMS)),
        quantities=("a", "f", "i", "og", "c", "c_tilde"),
        tracer="rnntrace._internal.engine.lstm:LstmCell",
        gates=4,
        conventions=conventions,
        flow=FlowWords(
            recurrent=(
                ("f", "forget gate"),
                ("i", "input gate"),
                ("c", "candidate cell"),
                ("o", "output gate"),
            ),  # fmt: skip
            main="c",
            jacobian=imported(JACOBIAN, "jacobian"),
            path=lambda model: CELL_STATE,
            equation="A_j = ∂({h:j}, {c:j})/∂({h:j-1}, {c:j-1}), as the LSTM's state is {h:} and "
            "{c:}; ∂{h:t}/∂{h:t-k} is the {h:}–{h:} block of the product",
            equation_latex=r"A_j = \frac{\partial ({h:j}, {c:j})}{\partial ({h:j-1}, {c:j-1})}",
            words_latex=r"For the LSTM, $\partial {h:t}/\partial {h:t-k}$ is the ${h:}$--${h:}$ "
            "block. ",
            joint=True,
        ),
    )
)
