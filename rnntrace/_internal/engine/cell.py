"""What every recurrent cell shares: one layer (a *part* of the model) recorded step by step.

A topology drives cells: it calls ``forward(t, x, prev)`` for each time step in the order
the layer reads its input, then ``backward(t, x, prev, external, nxt)`` in the reverse
order, where ``external`` are the keys of the parts of ∂L/∂h_t that come from outside the
layer (the output, the layer above, attention) and ``nxt`` is the time step processed after
t (t + 1, or t − 1 for the backward direction of a bidirectional model), whose deltas carry
the recurrent part. Keys are short (``h_3``, ``dz_3``), with the part's prefix (``enc.``,
``l2.``); the recorder adds the sequence prefix.
"""

from __future__ import annotations

from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Delta, Group, Scripted, Symbol, indices, sub, upright


class CellTracer:
    """One recurrent layer. Subclasses define the cell's equations."""

    states: tuple[str, ...] = ("h",)

    def __init__(self, rec: Recorder, scenario: Scenario, sym: Symbols, part: str = "") -> None:
        self.rec = rec
        self.scenario = scenario
        self.sym = sym
        self.part = part
        self.contributions: dict[str, list[tuple[int, str]]] = {}
        self.tokens: tuple[str, ...] = ()  # what is read at each step, for labels
        self.feedback: str | None = None  # generate: the matrix a fed-back output goes through
        self.external_c: dict[int, list[str]] = {}  # LSTM: parts of ∂L/∂c_t from outside
        self.layer = 1  # its place in a stack (1 = the bottom), for drawn dropout masks
        self.skip_input = False  # model.layers[*].skip: h_t adds the layer's input
        self.context: dict[int, str] = {}  # a separate context c_t (decoder): t -> its key

    # -- names --------------------------------------------------------------------------
    def k(self, name: str) -> str:
        """A key of this part: ``h_3`` -> ``enc.h_3``."""
        return self.part + name

    def p(self, name: str) -> str:
        """A parameter key of this part: ``W_xh`` -> ``enc.W_xh``."""
        return self.part + name

    def given(self, name: str) -> bool:
        """Whether the scenario gives this part's parameter ``name``."""
        return self.p(name) in self.scenario.given

    def s(self, name: str | Symbol, t: int) -> Symbol:
        """The symbol of a state at time t: ``h_{3}``, or ``h^{enc}_{3}`` in a part."""
        return sub(name, t, self.part)

    def sg(self, name: str, gate: str, t: int) -> Symbol:
        """The symbol of a gate's quantity: ``a_{f,3}``, or ``a^{enc}_{f,3}`` in a part."""
        return sub(name, indices(gate, t), self.part)

    def ps(self, name: str) -> Symbol:
        """The symbol of this part's parameter."""
        return self.sym[self.p(name)]

    def token(self, t: int) -> str:
        """The token read at step t (for labels)."""
        return self.tokens[t - 1] if 0 < t <= len(self.tokens) else f"step {t}"

    def contribute(self, param: str, t: int, key: str) -> None:
        """Record that ``key`` is step t's contribution to ∂L/∂(this part's ``param``)."""
        self.contributions.setdefault(self.p(param), []).append((t, self.rec.banded(key)))

    def gradient_parts(self) -> dict[str, list[str]]:
        """Each parameter's contributions, in time order."""
        return {param: [key for _, key in sorted(items)]
                for param, items in self.contributions.items()}  # fmt: skip

    # -- recurrent dropout (issue 13) ----------------------------------------------------
    def recurrent_mask(self, t: int) -> str | None:
        """The key of the recurrent dropout mask of step t (None when there is none)."""
        if self.scenario.model.dropout is None or not self.scenario.model.dropout.recurrent:
            return None
        size = self.rec.trace.value(self.rec.ref(self.p("h_0"))).shape[0]
        from rnntrace._internal.engine import dropout  # imported for a model with dropout only

        return dropout.mask(self.rec, self.scenario, "recurrent", t, size, self.part, self.layer)

    def recurrent_input(self, t: int, h_prev: str) -> str:
        """What the recurrent matrices read at step t: h_(t-1), or ȟ_(t-1) = m_t ⊙ h_(t-1)
        after recurrent dropout (recorded on first use)."""
        mask = self.recurrent_mask(t)
        if mask is None:
            return h_prev
        key = self.k(f"hd_{t - 1}")
        if self.rec.key(key) in self.rec.trace:
            return key
        from rnntrace._internal.engine import dropout

        return dropout.apply(self.rec, key, h_prev, mask,
                             dropout.dropped_symbol("h", t - 1, self.part), "h_(t-1)", t,
                             self.part)  # fmt: skip

    # -- the cell's equations (subclasses) ----------------------------------------------
    def forward(self, t: int, x: str, prev: dict[str, str]) -> None:
        """Record step t: the new states ``h_t`` (and ``c_t``) from input ``x`` and ``prev``."""
        raise NotImplementedError

    def backward(
        self, t: int, x: str, prev: dict[str, str], external: list[str], nxt: int | None
    ) -> str:
        """Record step t of BPTT; returns the key of ∂L/∂x (the input's gradient)."""
        raise NotImplementedError

    def initial_gradients(
        self, first: int, prev: dict[str, str], states: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        """∂L/∂(initial states) (all, or ``states``), from the deltas of the first step read:
        state -> key."""
        raise NotImplementedError


class GatedTracer(CellTracer):
    """A gated layer (LSTM, GRU, MGU): ∂L/∂h_t gathers the parts from outside the layer and
    the part through the next step's gates, which each cell writes as ``_from_step``."""

    def _from_step(self, n: int, t: int, key: str, symbol: Symbol, label: Label) -> str:
        """Record ∂L/∂h_t through step n's equations under ``key``; returns the key."""
        raise NotImplementedError

    def gather_dh(self, t: int, external: list[str], nxt: int | None) -> None:
        """δh_t = the parts from outside (``external``) + the part through step ``nxt``."""
        k = self.k
        parts = list(external)
        if nxt is not None:
            parts.append(
                self._from_step(
                    nxt,
                    t,
                    k(f"dh_next_{t}"),
                    Delta(Scripted(Group(self.s("h", t)), sup=upright("next"))),
                    Label("part_of_dh_t_from_step_n", time=t, other=nxt),
                )
            )
        self.rec.do(
            k(f"dh_{t}"), "add", parts, Delta(self.s("h", t)),
            Label("dl_dh_t", time=t, part=self.part),
        )  # fmt: skip

    def back_from_step(self, n: int, t: int, key: str, symbol: Symbol, label: Label,
                       direct: list[str], gated: list[str]) -> str:  # fmt: skip
        """∂L/∂h_t from step n = the ``direct`` parts (the state carried on) + the ``gated``
        ones (what step n's recurrent products read). With recurrent dropout those read
        ȟ_t = m_n ⊙ h_t: their sum is ∂L/∂ȟ_t, and ∂L/∂h_t gets m_n ⊙ ∂L/∂ȟ_t."""
        rec, k = self.rec, self.k
        mask = self.recurrent_mask(n)
        if mask is not None:
            from rnntrace._internal.engine import dropout

            rec.do(k(f"dhd_{t}"), "add", gated,
                   Delta(dropout.dropped_symbol("h", t, self.part)),
                   Label("gradient_of_the_dropped_state_from_step_n", time=t, other=n,
                         part=self.part))  # fmt: skip
            gated = [dropout.back(rec, k(f"dh_rd_{t}"), k(f"dhd_{t}"), mask,
                                  Delta(Scripted(Group(self.s("h", t)), sup=upright("rec"))),
                                  "h", t, self.part)]  # fmt: skip
        rec.do(key, "add", direct + gated, symbol, label.of(self.part))
        return key

    def pre_activation_delta(
        self, g: str, t: int, op: str, upstream: str, value: str, label: Label
    ) -> None:
        """δa_{g,t}, the delta of g's pre-activation: ∂L/∂(its value) times the derivative
        (``sigmoid_back`` for a gate, ``tanh_back`` for a candidate), read from its value."""
        k = self.k
        self.rec.do(k(f"da{g}_{t}"), op, [k(f"{upstream}_{t}"), k(f"{value}_{t}")],
                    Delta(self.sg("a", g, t)), label)  # fmt: skip

    def initial_gradients(
        self, first: int, prev: dict[str, str], states: tuple[str, ...] | None = None
    ) -> dict[str, str]:
        key = self._from_step(first, 0, self.k("dh_0"), Delta(self.s("h", 0)),
                              Label("gradient_of_the_initial_state"))  # fmt: skip
        return {"h": key}
