"""The GRU, gate by gate, in the seeds' convention by default:

    z_t = σ(a_z)   r_t = σ(a_r)                                        (a: gates.linear)
    reset_before:  h~_t = tanh(W_hx x_t + W_hh (r_t ⊙ h_{t-1}) + b_h)   (seeds 001, 003)
    reset_after:   h~_t = tanh(W_hx x_t + b_h + r_t ⊙ (W_hh h_{t-1} + b_hh))   (PyTorch)
    update new:    h_t = (1 − z_t) ⊙ h_{t-1} + z_t ⊙ h~_t                       (seeds)
    keep_old:      h_t = (1 − z_t) ⊙ h~_t + z_t ⊙ h_{t-1}                       (PyTorch)

The candidate h~_t has the key ``n_t`` (PyTorch's name).
"""

from __future__ import annotations

from rnntrace.engine import gates
from rnntrace.engine.cell import CellTracer
from rnntrace.symbol.tree import (
    Delta,
    Group,
    Name,
    Scripted,
    Styled,
    Symbol,
    Time,
    Transposed,
    op,
    paren,
    row,
    upright,
)


class GruCell(CellTracer):
    """One GRU layer."""

    @property
    def after(self) -> bool:
        """True when the reset gate is applied after the recurrent product (PyTorch)."""
        return self.scenario.model.gru_variant == "reset_after"

    @property
    def weights(self) -> tuple[str, str]:
        """(what weighs h_{t-1}, what weighs the candidate): (1 − z, z) or (z, 1 − z)."""
        return ("omz", "z") if self.scenario.model.update_gate == "new" else ("z", "omz")

    def gate_sym(self, key: str, t: int) -> Symbol:
        """z_t or (1 - z_t)."""
        return self.s("z", t) if key == "z" else self.one_minus_z(t)

    def one_minus_z(self, t: int) -> Symbol:
        """(1 - z_t)."""
        return paren(Name("1"), op("-"), self.s("z", t))

    def cand(self, t: int) -> Symbol:
        """The candidate's symbol, h~_t."""
        return self.s(Styled("tilde", Name("h")), t)

    def forward(self, t: int, x: str, prev: dict[str, str]) -> None:
        rec, k = self.rec, self.k
        h_prev = prev["h"]
        h_sym = gates.symbol(self, h_prev)
        stacked = None
        if self.scenario.form == "concatenated":
            stacked = gates.concat(self, f"hx_{t}", h_prev, x, t)
        for g in ("z", "r"):
            a = gates.linear(self, g, t, x, h_prev, h_sym, stacked)
            rec.do(
                k(f"{g}_{t}"),
                "activation",
                [a],
                self.s(g, t),
                f"{gates.GATE_NAMES[g]}{self.words} at t = {t}",
                activation="sigmoid",
            )
        self._candidate(t, x, h_prev, h_sym)
        rec.do(k(f"omz_{t}"), "one_minus", [k(f"z_{t}")], self.one_minus_z(t),
               f"1 - z_{t}{self.words}")  # fmt: skip
        old, new = self.weights
        rec.do(k(f"keep_{t}"), "hadamard", [k(f"{old}_{t}"), h_prev],
               row(self.gate_sym(old, t), op("odot"), h_sym),
               f"what is kept of h_{t - 1} at t = {t}{self.words}")  # fmt: skip
        rec.do(k(f"new_{t}"), "hadamard", [k(f"{new}_{t}"), k(f"n_{t}")],
               row(self.gate_sym(new, t), op("odot"), self.cand(t)),
               f"what is taken from the candidate at t = {t}{self.words}")  # fmt: skip
        token = self.token(t)
        rec.do(k(f"h_{t}"), "add", [k(f"keep_{t}"), k(f"new_{t}")], self.s("h", t),
               f"hidden state{self.words} after {token!r} (t = {t})")  # fmt: skip

    def _candidate(self, t: int, x: str, h_prev: str, h_sym: Symbol) -> None:
        """h~_t (key n_t), with the reset gate before or after the recurrent product."""
        rec, k, w = self.rec, self.k, self.words
        if not self.after:
            rec.do(
                k(f"rh_{t}"),
                "hadamard",
                [k(f"r_{t}"), h_prev],
                row(self.s("r", t), op("odot"), h_sym),
                f"reset previous state at t = {t}{w}",
            )
            rh_sym = paren(self.s("r", t), op("odot"), h_sym)
            stacked = None
            if self.scenario.form == "concatenated":
                stacked = gates.concat(self, f"rhx_{t}", k(f"rh_{t}"), x, t)
            extra = (self.p("b_hh"),) if self.given("b_hh") else ()
            a = gates.linear(self, "h", t, x, k(f"rh_{t}"), rh_sym, stacked, extra)
        else:
            rec.do(k(f"xh_{t}"), "matvec", [self.p("W_hx"), x],
                   row(self.ps("W_hx"), gates.symbol(self, x)),
                   f"candidate state{w}: input term W_hx x_{t}")  # fmt: skip
            rec.do(
                k(f"hh_{t}"),
                "matvec",
                [self.p("W_hh"), h_prev],
                row(self.ps("W_hh"), h_sym),
                f"candidate state{w}: recurrent term at t = {t}",
            )
            inner = k(f"hh_{t}")
            if self.given("b_hh"):
                rec.do(k(f"hb_{t}"), "add", [k(f"hh_{t}"), self.p("b_hh")],
                       paren(self.ps("W_hh"), h_sym, op("+"), self.ps("b_hh")),
                       f"recurrent term and its bias at t = {t}{w}")  # fmt: skip
                inner = k(f"hb_{t}")
            rec.do(k(f"rhh_{t}"), "hadamard", [k(f"r_{t}"), inner],
                   row(self.s("r", t), op("odot"), paren(self.ps("W_hh"), h_sym)),
                   f"reset recurrent term at t = {t}{w}")  # fmt: skip
            bias = [self.p("b_h")] if self.given("b_h") else []
            rec.do(
                k(f"ah_{t}"),
                "add",
                [k(f"xh_{t}"), k(f"rhh_{t}"), *bias],
                self.sg("a", "h", t),
                f"candidate state{w}: pre-activation at t = {t}",
            )
            a = k(f"ah_{t}")
        rec.do(k(f"n_{t}"), "activation", [a], self.cand(t),
               f"candidate state at t = {t}{w}", activation="tanh")  # fmt: skip

    def backward(
        self, t: int, x: str, prev: dict[str, str], external: list[str], nxt: int | None
    ) -> str:
        rec, k = self.rec, self.k
        parts = list(external)
        if nxt is not None:
            parts.append(
                self._from_step(
                    nxt,
                    t,
                    k(f"dh_next_{t}"),
                    Delta(Scripted(Group(self.s("h", t)), sup=upright("next"))),
                    f"part of dh_{t} from step {nxt}",
                )
            )
        rec.do(k(f"dh_{t}"), "add", parts, Delta(self.s("h", t)), f"dL/dh_{t}{self.words}")
        self._gate_deltas(t, prev)
        phase, rec.phase = rec.phase, "gradient"
        h_prev = prev["h"]
        h_sym = gates.symbol(self, h_prev)
        stacked = k(f"hx_{t}") if self.scenario.form == "concatenated" else None
        for g in ("z", "r"):
            gates.weight_grads(self, g, t, x, h_prev, h_sym, stacked)
        if self.after:
            gates.weight_grads(
                self,
                "h",
                t,
                x,
                h_prev,
                h_sym,
                None,
                (k(f"dhh_{t}"), Delta(paren(self.ps("W_hh"), h_sym))),
            )
            self.contribute("b_hh", t, k(f"dhh_{t}"))
        else:
            rh_sym = paren(self.s("r", t), op("odot"), h_sym)
            rhx = k(f"rhx_{t}") if self.scenario.form == "concatenated" else None
            gates.weight_grads(self, "h", t, x, k(f"rh_{t}"), rh_sym, rhx)
            self.contribute("b_hh", t, k(f"dah_{t}"))
        dx = gates.input_gradient(self, t, x, ("z", "r", "h"))
        rec.phase = phase
        return dx

    def initial_gradients(
        self, first: int, prev: dict[str, str], states: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        key = self._from_step(first, 0, self.k("dh_0"), Delta(self.s("h", 0)),
                              "gradient of the initial state")  # fmt: skip
        return {"h": key}

    def _gate_deltas(self, t: int, prev: dict[str, str]) -> None:
        """δh~_t, δz_t and δr_t, and the deltas of the gates' pre-activations, at step t."""
        rec, k, w = self.rec, self.k, self.words
        h_prev = prev["h"]
        h_sym = gates.symbol(self, h_prev)
        weight = self.weights[1]
        rec.do(k(f"dn_{t}"), "hadamard", [k(f"dh_{t}"), k(f"{weight}_{t}")],
               Delta(self.cand(t)), f"dL/dh~_{t} (candidate){w}")  # fmt: skip
        rec.do(
            k(f"dah_{t}"),
            "tanh_back",
            [k(f"dn_{t}"), k(f"n_{t}")],
            Delta(self.sg("a", "h", t)),
            f"candidate state{w}: delta at t = {t}",
        )
        new = self.scenario.model.update_gate == "new"
        first, second = (k(f"n_{t}"), h_prev) if new else (h_prev, k(f"n_{t}"))
        rec.do(k(f"nmh_{t}"), "subtract", [first, second],
               paren(self.cand(t), op("-"), h_sym) if new else paren(h_sym, op("-"), self.cand(t)),
               f"what z_{t} weighs at t = {t}{w}")  # fmt: skip
        rec.do(k(f"dz_{t}"), "hadamard", [k(f"dh_{t}"), k(f"nmh_{t}")],
               Delta(self.s("z", t)), f"dL/dz_{t} (update gate){w}")  # fmt: skip
        rec.do(
            k(f"daz_{t}"),
            "sigmoid_back",
            [k(f"dz_{t}"), k(f"z_{t}")],
            Delta(self.sg("a", "z", t)),
            f"update gate{w}: delta at t = {t}",
        )
        if not self.after:
            drh = gates.back_to_state(
                self,
                "h",
                t,
                k(f"drh_{t}"),
                k(f"dah_{t}"),
                f"dL/d(r_{t} * h_{t - 1}) through the candidate{w}",
            )
            rec.do(k(f"dr_{t}"), "hadamard", [drh, h_prev], Delta(self.s("r", t)),
                   f"dL/dr_{t} (reset gate){w}")  # fmt: skip
        else:
            inner = k(f"hb_{t}") if self.given("b_hh") else k(f"hh_{t}")
            rec.do(k(f"dr_{t}"), "hadamard", [k(f"dah_{t}"), inner],
                   Delta(self.s("r", t)), f"dL/dr_{t} (reset gate){w}")  # fmt: skip
            rec.do(
                k(f"dhh_{t}"),
                "hadamard",
                [k(f"dah_{t}"), k(f"r_{t}")],
                Delta(paren(self.ps("W_hh"), h_sym)),
                f"delta of W_hh h at t = {t}{w}",
            )
        rec.do(
            k(f"dar_{t}"),
            "sigmoid_back",
            [k(f"dr_{t}"), k(f"r_{t}")],
            Delta(self.sg("a", "r", t)),
            f"reset gate{w}: delta at t = {t}",
        )

    def _from_step(self, n: int, t: int, key: str, symbol: Symbol, label: str) -> str:
        """∂L/∂h_t through step n: the kept part, the two gates and the candidate."""
        rec, k, w = self.rec, self.k, self.words
        weight = self.weights[0]
        rec.do(k(f"dh_keep_{t}"), "hadamard", [k(f"dh_{n}"), k(f"{weight}_{n}")],
               Delta(Scripted(Group(self.s("h", t)), sup=upright("keep"))),
               f"part of dh_{t} kept through the update gate at step {n}{w}")  # fmt: skip
        parts = [k(f"dh_keep_{t}")]
        parts += [gates.back_to_state(self, g, n, k(f"dh_{g}_{t}")) for g in ("z", "r")]
        if not self.after:
            rec.do(k(f"dh_h_{t}"), "hadamard", [k(f"drh_{n}"), k(f"r_{n}")],
                   Delta(Scripted(Group(self.s("h", t)), sup=Styled("tilde", Name("h")))),
                   f"part of dh_{t} through the candidate at step {n}{w}")  # fmt: skip
        else:
            rec.do(
                k(f"dh_h_{t}"),
                "matvec",
                [self.p("W_hh"), k(f"dhh_{n}")],
                row(
                    Transposed(self.ps("W_hh")),
                    Delta(Scripted(paren(self.ps("W_hh"), Name("h")), sub=Time(n))),
                ),
                f"part of dh_{t} through the candidate at step {n}{w}",
                transpose=True,
            )
        parts.append(k(f"dh_h_{t}"))
        rec.do(key, "add", parts, symbol, label + w)
        return key
