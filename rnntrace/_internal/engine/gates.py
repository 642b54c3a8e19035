"""A gate's linear part, in either form, forward and back, for a cell ``c``:

    separate:      a_t = W_gx x + W_gh h + b_g
    concatenated:  a_t = W_g [h, x] + b_g      (W_g = [W_gh  W_gx], seed 001's form)

``h`` is h_{t-1}, or r_t ⊙ h_{t-1} for a GRU candidate; ``g`` is the gate's letter.
"""

from __future__ import annotations

from collections.abc import Iterable

from rnntrace._internal.engine.cell import CellTracer
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Delimited,
    Delta,
    Group,
    Name,
    Row,
    Scripted,
    Symbol,
    Transposed,
    row,
)


def symbol(c: CellTracer, key: str) -> Symbol:
    """The display symbol of a recorded step (short key of this sequence, or a parameter)."""
    return c.rec.trace[c.rec.ref(key)].symbol


def concat(c: CellTracer, key: str, h_key: str, x: str, t: int) -> str:
    """[h, x], the vector a concatenated gate matrix acts on."""
    h_sym, x_sym = symbol(c, h_key), symbol(c, x)
    c.rec.do(c.k(key), "concat", [h_key, x], Delimited("bracket", Row((h_sym, x_sym), ", ")),
             Label("h_x_at_t_t", time=t, part=c.part))  # fmt: skip
    return c.k(key)


def linear(c: CellTracer, g: str, t: int, x: str, h_key: str, h_sym: Symbol,
           stacked: str | None, extra: tuple[str, ...] = ()) -> str:  # fmt: skip
    """Record the gate's pre-activation a{g}_t (and its products); returns its key.
    ``stacked`` is the key of [h, x] in the concatenated form; ``extra`` more terms."""
    rec, k = c.rec, c.k
    if c.scenario.form == "concatenated":
        assert stacked is not None
        rec.do(k(f"p{g}_{t}"), "matvec", [c.p(f"W_{g}"), stacked],
               row(c.ps(f"W_{g}"), symbol(c, stacked)),
               Label("gate_w_g_h_x_at_t_t", gate=g, part=c.part, time=t))  # fmt: skip
        parts = [k(f"p{g}_{t}")]
    else:
        rec.do(k(f"x{g}_{t}"), "matvec", [c.p(f"W_{g}x"), x],
               row(c.ps(f"W_{g}x"), symbol(c, x)),
               Label("gate_input_term_w_gx_x_t", gate=g, part=c.part, time=t))  # fmt: skip
        rec.do(k(f"h{g}_{t}"), "matvec", [c.p(f"W_{g}h"), h_key], row(c.ps(f"W_{g}h"), h_sym),
               Label("gate_recurrent_term_w_gh_h_at_t_t", gate=g, part=c.part, time=t))  # fmt: skip
        parts = [k(f"x{g}_{t}"), k(f"h{g}_{t}")]
    bias = [c.p(f"b_{g}")] if c.given(f"b_{g}") else []
    rec.do(k(f"a{g}_{t}"), "add", parts + list(extra) + bias, c.sg("a", g, t),
           Label("gate_pre_activation_at_t_t", gate=g, part=c.part, time=t))  # fmt: skip
    return k(f"a{g}_{t}")


def weight_grads(
    c: CellTracer,
    g: str,
    t: int,
    x: str,
    h_key: str,
    h_sym: Symbol,
    stacked: str | None,
    h_delta: tuple[str, Symbol] | None = None,
) -> None:
    """Step t's contributions to the gate's weight gradients: δ xᵀ and δ hᵀ (or δ [h, x]ᵀ),
    and δ itself to the bias. ``h_delta`` is (key, symbol) of the recurrent product's delta
    when it differs from the gate's (a GRU whose reset is applied after the product)."""
    rec, k = c.rec, c.k
    delta, d = k(f"da{g}_{t}"), Delta(c.sg("a", g, t))
    if c.scenario.form == "concatenated":
        assert stacked is not None
        rec.do(
            k(f"dW_{g}_{t}"),
            "outer",
            [delta, stacked],
            row(d, Transposed(Group(symbol(c, stacked)))),
            Label("contribution_of_t_t_to_dl_dw_g", time=t, gate=g, part=c.part),
            param=c.p(f"W_{g}"),
        )
        c.contribute(f"W_{g}", t, k(f"dW_{g}_{t}"))
    else:
        rec.do(
            k(f"dW_{g}x_{t}"),
            "outer",
            [delta, x],
            row(d, Transposed(Group(symbol(c, x)))),
            Label("contribution_of_t_t_to_dl_dw_gx", time=t, gate=g, part=c.part),
            param=c.p(f"W_{g}x"),
        )
        h_d, h_d_sym = h_delta or (delta, d)
        rec.do(
            k(f"dW_{g}h_{t}"),
            "outer",
            [h_d, h_key],
            row(h_d_sym, Transposed(Group(h_sym))),
            Label("contribution_of_t_t_to_dl_dw_gh", time=t, gate=g, part=c.part),
            param=c.p(f"W_{g}h"),
        )
        c.contribute(f"W_{g}x", t, k(f"dW_{g}x_{t}"))
        c.contribute(f"W_{g}h", t, k(f"dW_{g}h_{t}"))
    c.contribute(f"b_{g}", t, delta)


def back_to_input(c: CellTracer, g: str, t: int) -> str:
    """The gate's part of ∂L/∂x: W_gxᵀ δa (the x columns of W_gᵀ δa when concatenated)."""
    return _back(c, g, t, c.k(f"dx_{g}_{t}"), c.k(f"da{g}_{t}"), "x",
                 Label("part_of_dx_t_through_the_gate", time=t, part=c.part, gate=g))  # fmt: skip


def input_gradient(c: CellTracer, t: int, x: str, names: Iterable[str]) -> str:
    """δx_t: the sum of what each gate in ``names`` sends back to the input x_t."""
    parts = [back_to_input(c, g, t) for g in names]
    token = c.token(t)
    c.rec.do(c.k(f"dx_{t}"), "add", parts, Delta(symbol(c, x)),
             Label("gradient_of_the_input_vector_of_token_t", part=c.part, token=token, time=t),
             token=token)  # fmt: skip
    return c.k(f"dx_{t}")


def back_to_state(c: CellTracer, g: str, t: int, key: str, delta: str | None = None,
                  label: Label | None = None) -> str:  # fmt: skip
    """The gate's part of ∂L/∂h from step t: W_ghᵀ δ (the h columns when concatenated)."""
    return _back(
        c,
        g,
        t,
        key,
        delta or c.k(f"da{g}_{t}"),
        "h",
        label or Label("part_of_dh_through_the_gate_at_step_t", part=c.part, gate=g, time=t),
    )


def _back(c: CellTracer, g: str, t: int, key: str, delta: str, side: str, label: Label) -> str:
    d = Delta(c.sg("a", g, t))
    if c.scenario.form == "concatenated":
        H = c.rec.trace[c.p(f"W_{g}")].value.shape[0]
        width = c.rec.trace[c.p(f"W_{g}")].value.shape[1]
        cols = [0, H] if side == "h" else [H, width]
        c.rec.do(
            key,
            "matvec",
            [c.p(f"W_{g}"), delta],
            row(Transposed(Scripted(c.ps(f"W_{g}"), sub=Name(f"[{side}]"))), d),
            label,
            transpose=True,
            cols=cols,
        )
    else:
        c.rec.do(key, "matvec", [c.p(f"W_{g}{side}"), delta],
                 row(Transposed(c.ps(f"W_{g}{side}")), d), label, transpose=True)  # fmt: skip
    return key
