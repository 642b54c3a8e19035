"""The backward pass of additive (Bahdanau) attention, e_s = v_a · tanh(W_a q + U_a h_s):

δv_a += Σ_s δe_s a_s          δa_s = δe_s v_a          δp_s = δa_s ⊙ (1 − a_s²)
δW_a += (Σ_s δp_s) qᵀ         δq = W_aᵀ Σ_s δp_s       δU_a += δp_s h_sᵀ
δh_s += U_aᵀ δp_s
"""

from __future__ import annotations

from typing import Protocol

from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import (
    Command,
    Delta,
    Group,
    Name,
    Scripted,
    Transposed,
    indices,
    row,
    sub,
)


class Attending(Protocol):
    """What the additive backward pass needs of the encoder-decoder it is part of."""

    rec: Recorder
    sym: Symbols
    S: int
    extra: dict[str, list[str]]
    enc_states: list[str]

    def through_matrix(self, t: int, s: int, name: str, delta: str, h: str) -> None:
        """k_s = M h^enc_s: M's contribution δk hᵀ, and Mᵀ δk to h^enc_s."""


def additive_backward(m: Attending, t: int, query: str, to_query: list[str]) -> None:
    """Record the additive attention's gradients at decoder step t."""
    rec, sym, S = m.rec, m.sym, m.S
    a_keys = [f"att.a_{t}_{s}" for s in range(1, S + 1)]
    rec.at("gradient", t)
    rec.do(f"att.dv_a_{t}", "weighted_sum", [f"att.de_{t}", *a_keys],
           row(
               Scripted(Command("sum"), sub=Name("s"), sub_braced=False),
               Delta(sub("e", indices(t, "s"))),
               sub("a", indices(t, "s")),
           ),
           Label("contribution_of_t_t_to_dl_dv_a", time=t), param="att.v_a")  # fmt: skip
    m.extra.setdefault("att.v_a", []).append(f"att.dv_a_{t}")
    rec.at("backward", t)
    for s in range(1, S + 1):
        rec.do(
            f"att.da_{t}_{s}",
            "scale",
            [f"att.de_{t}", "att.v_a"],
            row(
                Delta(sub("e", indices(t, str(s)))),
                Scripted(Name("v"), sub=Name("a"), sub_braced=False),
            ),
            Label("attention_dl_da_for_state_n_at_t_t", other=s, time=t),
            index=s - 1,
        )
        rec.do(
            f"att.dp_{t}_{s}",
            "tanh_back",
            [f"att.da_{t}_{s}", f"att.a_{t}_{s}"],
            Delta(sub("p", indices(t, str(s)))),
            Label("attention_dl_dp_for_state_n_at_t_t", other=s, time=t),
        )
        m.through_matrix(t, s, "U_a", f"att.dp_{t}_{s}", m.enc_states[s - 1])
    rec.do(f"att.dw_{t}", "add", [f"att.dp_{t}_{s}" for s in range(1, S + 1)],
           Delta(sub("w", t)), Label("attention_dl_d_w_a_q_at_t_t", time=t))  # fmt: skip
    rec.at("gradient", t)
    rec.do(f"att.dW_a_{t}", "outer", [f"att.dw_{t}", query],
           row(Delta(sub("w", t)), Transposed(Group(rec.trace[rec.ref(query)].symbol))),
           Label("contribution_of_t_t_to_dl_dw_a", time=t), param="att.W_a")  # fmt: skip
    m.extra.setdefault("att.W_a", []).append(f"att.dW_a_{t}")
    rec.at("backward", t)
    rec.do(
        f"att.dq_{t}",
        "matvec",
        ["att.W_a", f"att.dw_{t}"],
        row(Transposed(sym["att.W_a"]), Delta(sub("w", t))),
        Label("part_of_dh_dec_prev_as_the_attention_que", time=t),
        transpose=True,
    )
    to_query.append(f"att.dq_{t}")
