"""Attention, forward and back, as recorded ops.

Self-attention over the hidden states (a hand-calculation favourite), at step t:
    A_t = [h_1 · h_t, …, h_t · h_t]     α_t = softmax(A_t)     Z_t = Σ_i α_{t,i} h_i
Encoder–decoder attention, at decoder step t with query q = h^dec_{t-1}:
    dot: e_s = q · h_s        general: e_s = q · (W_a h_s)
    additive: e_s = v_a · tanh(W_a q + U_a h_s)
    α_t = softmax(e)       c_t = Σ_s α_{t,s} h_s

Backward: δα = [h_i · δZ], δA = α ⊙ (δα − α·δα), then δh_i gets α_i δZ through the
context and, through the scores, δA_i h_t (and h_t gets Σ_i δA_i h_i). With
``attention_gradient: constant_weights`` the score path is left out (the weights are held
constant), and every step that this changes is labelled so.
"""

from __future__ import annotations

from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.ops import softmax_shift
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Command, Delta, Name, Scripted, Time, indices, row, sub

CONSTANT = "constant_weights"  # the note of every step this simplification changes


def softmax_weights(rec: Recorder, scores: str, t: int, prefix: str, what: str) -> str:
    """α_t = softmax(scores): the exponentials, their sum and the division; returns α's key.
    Large scores are shifted by the largest, as the output softmax's logits are."""
    shift = softmax_shift(rec.trace.value(rec.ref(scores)))
    rec.do(
        f"{prefix}ea_{t}",
        "exp",
        [scores],
        Scripted(Name("e"), sup=sub("A", t)),
        Label("exponentials_of_the_attention_scores_at", time=t, notes=(what,) if what else ()),
        shift=shift,
        shifted="score",
    )
    rec.do(
        f"{prefix}Sa_{t}",
        "total",
        [f"{prefix}ea_{t}"],
        Scripted(Name("S"), sub=Time(t), sup=Name("A"), sup_first=True),
        Label("sum_of_the_exponentials_of_the_scores_at", time=t, notes=(what,) if what else ()),
    )
    rec.do(
        f"{prefix}alpha_{t}",
        "divide",
        [f"{prefix}ea_{t}", f"{prefix}Sa_{t}"],
        sub("alpha", t),
        Label("attention_weights_at_t", time=t, notes=(what,) if what else ()),
    )
    return f"{prefix}alpha_{t}"


def self_context(rec: Recorder, t: int, states: list[str]) -> str:
    """A_t, α_t and Z_t over ``states`` = [h_1 … h_t]; returns Z_t's key."""
    rec.do(f"A_{t}", "dots", [states[-1], *states], sub("A", t),
           Label("attention_scores_h_i_h_t_i_1_t", time=t))  # fmt: skip
    alpha = softmax_weights(rec, f"A_{t}", t, "", "")
    rec.do(f"Z_{t}", "weighted_sum", [alpha, *states], sub("Z", t),
           Label("attention_context_at_t_t_sum_of_alpha_i", time=t))  # fmt: skip
    return f"Z_{t}"


def self_backward(rec: Recorder, t: int, states: list[str], d_context: str,
                  exact: bool) -> dict[int, list[str]]:  # fmt: skip
    """∂L/∂h_i (i ≤ t) from Z_t's gradient ``d_context``: {i: [keys of its parts]}."""
    parts: dict[int, list[str]] = {}
    note = "" if exact else CONSTANT
    for i in range(1, len(states) + 1):
        rec.do(
            f"dh_ctx_{t}_{i}",
            "scale",
            [f"alpha_{t}", d_context],
            row(sub("alpha", indices(t, str(i))), Delta(sub("Z", t))),
            Label(
                "part_of_dh_n_through_the_context_at_t_t",
                other=i,
                time=t,
                notes=(note,) if note else (),
            ),
            index=i - 1,
        )
        parts.setdefault(i, []).append(f"dh_ctx_{t}_{i}")
        if not exact:
            rec.note(f"dh_ctx_{t}_{i}", CONSTANT)
    if not exact:
        return parts
    rec.do(f"dalpha_{t}", "dots", [d_context, *states], Delta(sub("alpha", t)),
           Label("dl_dalpha_at_t_t_h_i_dz_t", time=t))  # fmt: skip
    rec.do(f"dA_{t}", "softmax_back", [f"dalpha_{t}", f"alpha_{t}"], Delta(sub("A", t)),
           Label("dl_da_at_t_t_through_the_softmax", time=t))  # fmt: skip
    rec.do(f"dh_q_{t}", "weighted_sum", [f"dA_{t}", *states], row(
               Scripted(Command("sum"), sub=Name("i"), sub_braced=False),
               Delta(sub("A", indices(t, "i"))),
               Scripted(Name("h"), sub=Name("i"), sub_braced=False),
           ),
           Label("part_of_dh_t_as_the_query_of_the_scores", time=t))  # fmt: skip
    parts[t].append(f"dh_q_{t}")
    for i in range(1, len(states) + 1):
        rec.do(
            f"dh_k_{t}_{i}",
            "scale",
            [f"dA_{t}", states[-1]],
            row(Delta(sub("A", indices(t, str(i)))), sub("h", t)),
            Label("part_of_dh_n_as_a_key_of_the_scores_at_t", other=i, time=t),
            index=i - 1,
        )
        parts[i].append(f"dh_k_{t}_{i}")
    return parts
