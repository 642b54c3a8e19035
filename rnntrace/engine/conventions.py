r"""The model's conventions in words, so nobody mistakes which one is in use: the cell (and
its gate form), the topology, the layers, the attention, and the LSTM's and GRU's
equations. Equations are inline maths between dollar signs (``$h_t = \dots$``), which the
LaTeX and Markdown printers typeset and the terminal writes in Unicode."""

from __future__ import annotations

from rnntrace.engine.symbols import Symbols
from rnntrace.scenario.cells import CELL_NAMES
from rnntrace.scenario.model import Scenario
from rnntrace.symbol import latex


def conventions(scenario: Scenario, sym: Symbols) -> tuple[str, ...]:
    """The cell's name first, then each convention in a sentence."""
    model = scenario.model
    concatenated = " (gates written concatenated, acting on $[h_{t-1}, x_t]$)"
    out = [CELL_NAMES[model.cell] + (concatenated if scenario.form == "concatenated" else "")]
    topology = {
        "generate": "one input; each output fed back as the next input"
        + (" (teacher forcing: the targets are fed instead)" if model.teacher_forcing else ""),
        "bidirectional": "bidirectional: a forward and a backward RNN, outputs read [h→, h←]",
        "encoder_decoder": "encoder-decoder: the encoder's last state starts the decoder, which"
        " reads the previous output"
        + (" (teacher forcing: the target)" if model.teacher_forcing else ""),
    }.get(model.topology)
    if topology:
        out.append(topology)
    if model.layers > 1:
        out.append(
            f"{model.layers} stacked layers"
            + (" with residual connections" if model.residual else "")
        )
    if model.attention != "none":
        out.append(
            f"{model.attention} attention"
            + (
                "; gradients through the attention weights are exact"
                if model.attention_gradient == "exact"
                else "; the attention weights are held constant in the backward pass "
                "(not the exact gradient)"
            )
        )
    if model.cell == "lstm":
        out.append(
            r"the cell state $c_t = f_t \odot c_{t-1} + i_t \odot \tilde{c}_t$ and the hidden "
            r"state $h_t = \mathrm{og}_t \odot \tanh(c_t)$, with the output gate "
            r"$\mathrm{og}_t$ (the output logits are $o_t$)"
        )
    if model.cell == "gru":
        out += _gru(scenario, sym)
    return tuple(out)


def _gru(scenario: Scenario, sym: Symbols) -> list[str]:
    """Where the GRU's reset gate acts, and which way its update gate interpolates."""
    model = scenario.model
    w_x, w_h, b_h, b_hh = (latex(sym[key]) for key in ("W_hx", "W_hh", "b_h", "b_hh"))
    if model.gru_variant == "reset_before":
        reset = (
            r"the reset gate acts on $h_{t-1}$ before the recurrent product: "
            rf"$\tilde{{h}}_t = \tanh({w_x} x_t + {w_h} (r_t \odot h_{{t-1}}) + {b_h})$"
        )
    else:
        reset = (
            "the reset gate acts after the recurrent product (PyTorch, cuDNN): "
            rf"$\tilde{{h}}_t = \tanh({w_x} x_t + {b_h} + r_t \odot ({w_h} h_{{t-1}} + {b_hh}))$"
        )
    if model.update_gate == "new":
        update = (
            "the update gate keeps the previous state where $z_t$ is 0: "
            r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde{h}_t$"
        )
    else:
        update = (
            "the update gate keeps the previous state where $z_t$ is 1 (PyTorch): "
            r"$h_t = (1 - z_t) \odot \tilde{h}_t + z_t \odot h_{t-1}$"
        )
    return [reset, update]
