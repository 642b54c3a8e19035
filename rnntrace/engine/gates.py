"""A gate's linear part, in either form, forward and back:

    separate:      a_t = W_gx x_t + W_gh h + b_g
    concatenated:  a_t = W_g [h, x_t] + b_g      (W_g = [W_gh  W_gx], seed 001's form)

``h`` is h_{t-1}, or r_t ⊙ h_{t-1} for a GRU candidate; ``g`` is the gate's letter.
"""

from __future__ import annotations

from rnntrace.engine.recorder import Recorder
from rnntrace.engine.symbols import Symbols
from rnntrace.scenario.model import Scenario

GATE_NAMES = {"f": "forget gate", "i": "input gate", "c": "candidate cell", "o": "output gate",
              "z": "update gate", "r": "reset gate", "h": "candidate state"}  # fmt: skip


def concat(rec: Recorder, key: str, h_key: str, h_sym: str, t: int) -> str:
    """[h, x_t], the vector a concatenated gate matrix acts on."""
    rec.do(key, "concat", [h_key, f"x_{t}"], f"[{h_sym}, x_{{{t}}}]",
           f"[{h_sym}, x_{t}] at t = {t}")  # fmt: skip
    return key


def linear(
    rec: Recorder,
    scenario: Scenario,
    sym: Symbols,
    g: str,
    t: int,
    h_key: str,
    h_sym: str,
    stacked: str | None,
    extra: tuple[str, ...] = (),
) -> str:
    """Record the gate's pre-activation a{g}_t (and its products); returns its key.
    ``stacked`` is the key of [h, x_t] in the concatenated form; ``extra`` more terms."""
    name = GATE_NAMES[g]
    if scenario.form == "concatenated":
        assert stacked is not None
        rec.do(f"p{g}_{t}", "matvec", [f"W_{g}", stacked],
               f"{sym[f'W_{g}']} [{h_sym}, x_{{{t}}}]", f"{name}: W_{g} [h, x_{t}]")  # fmt: skip
        parts = [f"p{g}_{t}"]
    else:
        rec.do(f"x{g}_{t}", "matvec", [f"W_{g}x", f"x_{t}"], f"{sym[f'W_{g}x']} x_{{{t}}}",
               f"{name}: input term W_{g}x x_{t}")  # fmt: skip
        rec.do(f"h{g}_{t}", "matvec", [f"W_{g}h", h_key], f"{sym[f'W_{g}h']} {h_sym}",
               f"{name}: recurrent term W_{g}h {h_sym}")  # fmt: skip
        parts = [f"x{g}_{t}", f"h{g}_{t}"]
    bias = [f"b_{g}"] if f"b_{g}" in scenario.given else []
    rec.do(f"a{g}_{t}", "add", parts + list(extra) + bias, f"a_{{{g},{t}}}",
           f"{name}: pre-activation at t = {t}")  # fmt: skip
    return f"a{g}_{t}"


def weight_grads(
    rec: Recorder,
    scenario: Scenario,
    g: str,
    t: int,
    delta: str,
    h_key: str,
    h_sym: str,
    stacked: str | None,
    h_delta: tuple[str, str] | None = None,
) -> dict[str, str]:
    """Step t's contributions to the gate's weight gradients: δ x_tᵀ and δ hᵀ (or δ [h, x_t]ᵀ).
    ``h_delta`` is (key, symbol) of the recurrent product's delta when it differs from the
    gate's (a GRU whose reset is applied after the product)."""
    d = f"\\delta a_{{{g},{t}}}"
    if scenario.form == "concatenated":
        rec.do(f"dW_{g}_{t}", "outer", [delta, stacked or ""],
               f"{d} [{h_sym}, x_{{{t}}}]^\\top", f"contribution of t = {t} to dL/dW_{g}",
               param=f"W_{g}")  # fmt: skip
        return {f"W_{g}": f"dW_{g}_{t}"}
    rec.do(f"dW_{g}x_{t}", "outer", [delta, f"x_{t}"], f"{d} x_{{{t}}}^\\top",
           f"contribution of t = {t} to dL/dW_{g}x", param=f"W_{g}x")  # fmt: skip
    h_d, h_d_sym = h_delta or (delta, d)
    rec.do(f"dW_{g}h_{t}", "outer", [h_d, h_key], f"{h_d_sym} {h_sym}^\\top",
           f"contribution of t = {t} to dL/dW_{g}h", param=f"W_{g}h")  # fmt: skip
    return {f"W_{g}x": f"dW_{g}x_{t}", f"W_{g}h": f"dW_{g}h_{t}"}


def back_to_input(rec: Recorder, scenario: Scenario, sym: Symbols, g: str, t: int) -> str:
    """The gate's part of ∂L/∂x_t: W_gxᵀ δa (the x columns of W_gᵀ δa when concatenated)."""
    return _back(rec, scenario, sym, g, t, f"dx_{g}_{t}", f"da{g}_{t}", "x",
                 f"part of dx_{t} through the {GATE_NAMES[g]}")  # fmt: skip


def back_to_state(
    rec: Recorder,
    scenario: Scenario,
    sym: Symbols,
    g: str,
    t: int,
    key: str,
    delta: str | None = None,
    label: str | None = None,
) -> str:
    """The gate's part of ∂L/∂h from step t: W_ghᵀ δ (the h columns when concatenated)."""
    return _back(
        rec,
        scenario,
        sym,
        g,
        t,
        key,
        delta or f"da{g}_{t}",
        "h",
        label or f"part of dh_{t - 1} through the {GATE_NAMES[g]} at step {t}",
    )


def _back(
    rec: Recorder,
    scenario: Scenario,
    sym: Symbols,
    g: str,
    t: int,
    key: str,
    delta: str,
    side: str,
    label: str,
) -> str:
    H = scenario.sizes["H"]
    if scenario.form == "concatenated":
        cols = [0, H] if side == "h" else [H, H + scenario.sizes["D"]]
        rec.do(key, "matvec", [f"W_{g}", delta],
               f"{sym[f'W_{g}']}_{{[{side}]}}^\\top \\delta a_{{{g},{t}}}", label,
               transpose=True, cols=cols)  # fmt: skip
    else:
        rec.do(
            key,
            "matvec",
            [f"W_{g}{side}", delta],
            f"{sym[f'W_{g}{side}']}^\\top \\delta a_{{{g},{t}}}",
            label,
            transpose=True,
        )
    return key
