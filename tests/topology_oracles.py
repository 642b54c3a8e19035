"""Random scenarios of every topology (issue 6) and an independent PyTorch reference.

The reference is written from the equations of the issue and of ``docs/scenario-format.md``
(not from ``rnntrace/engine``): each cell's step, the topologies' wiring, self-attention
A_{t,i} = h_i · h_t, α = softmax(A_t), Z_t = Σ α_i h_i, and encoder–decoder attention with
the query h^dec_{t-1} (h^enc_S at t = 1): dot q · h_s, general q · (W_a h_s), additive
v_a · tanh(W_a q + U_a h_s). Autograd differentiates it; ``detach=True`` detaches the
attention weights (what ``attention_gradient: constant_weights`` computes).

Values are compared by trace key: every part's h_t (c_t) and its full gradient dh_t (dc_t),
the attention's scores, weights and context, o_t, ŷ_t, L_t, δo_t, the inputs' gradients,
L, every given parameter's gradient (per sequence and in total) and its SGD update.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import yaml

HEAD_LOSS = [
    ("softmax", "ce"),
    ("sigmoid", "bce"),
    ("identity", "mse"),
    ("sigmoid", "mse"),
    ("softmax", "mse"),
]
KINDS = [
    "standard",  # one layer, attention none or self
    "stacked",  # 2 or 3 layers, residual or not, attention none or self
    "generate",
    "bidirectional",
    "encoder_decoder:none",
    "encoder_decoder:dot",
    "encoder_decoder:general",
    "encoder_decoder:additive",
]
GATES = {"lstm": "fico", "gru": "zrh"}
PARTS = {"bidirectional": ("fw.", "bw."), "encoder_decoder": ("enc.", "dec.")}
LAYOUT_NAMES = {"fw.": "forward", "bw.": "backward", "enc.": "encoder", "dec.": "decoder"}


def grad_key(param: str) -> str:
    """The documented key of ∂L/∂param (README): ``dW_hh``, ``enc.dW_hh``, ``att.dW_a``."""
    part, dot, base = param.rpartition(".")
    return f"{part}{dot}d{base}"


@dataclass
class Seq:
    inputs: np.ndarray  # (T, D); T = 1 for generate
    targets: dict[int, Any] = field(default_factory=dict)  # step -> int class or vector
    steps: int | None = None  # generate / encoder_decoder: steps generated (no targets)

    @property
    def length(self) -> int:
        return int(self.inputs.shape[0])


@dataclass
class TopoConfig:
    """A whole scenario as numbers; ``params`` holds the given keys only, with prefixes."""

    kind: str
    cell: str
    topology: str
    attention: str
    layers: int
    residual: bool
    output: str
    head: str
    loss: str
    teacher_forcing: bool
    params: dict[str, np.ndarray]
    sequences: list[Seq]
    activation: str = "tanh"
    variant: str = "reset_before"
    update: str = "new"
    attention_gradient: str = "exact"
    lr: float = 0.1

    @property
    def trains(self) -> bool:
        return self.loss != "none"

    def parts(self) -> list[str]:
        if self.topology in PARTS:
            return list(PARTS[self.topology])
        return [""] if self.layers == 1 else [f"l{i}." for i in range(1, self.layers + 1)]

    def out_steps(self, seq: Seq) -> list[int]:
        if self.topology in ("generate", "encoder_decoder"):
            return list(range(1, (seq.steps or len(seq.targets)) + 1))
        if self.output == "every":
            return list(range(1, seq.length + 1))
        return [seq.length] if self.output == "last" else []

    def prefix(self, n: int) -> str:
        return f"s{n}." if len(self.sequences) > 1 else ""

    def describe(self) -> str:
        sizes = {k: v.shape for k, v in self.params.items()}
        lengths = [(s.length, len(self.out_steps(s))) for s in self.sequences]
        return (
            f"{self.kind} {self.cell} act={self.activation} gru={self.variant}/{self.update} "
            f"layers={self.layers} residual={self.residual} att={self.attention}/"
            f"{self.attention_gradient} out={self.output} {self.head}+{self.loss} "
            f"tf={self.teacher_forcing} lengths={lengths} lr={self.lr} shapes={sizes}"
        )


# -- random configurations ----------------------------------------------------------------


def _cell_part(rng, cfg_cell: str, form: str, prefix: str, D: int, H: int, *,
               biases: bool | None, h0: bool, draw) -> dict[str, np.ndarray]:  # fmt: skip
    """One part's parameters (without W_hy, b_y), with the part's prefix."""

    def maybe() -> bool:
        return bool(rng.integers(2)) if biases is None else biases

    out: dict[str, np.ndarray] = {}
    if cfg_cell == "rnn":
        out["W_xh"], out["W_hh"] = draw(H, D), draw(H, H)
        if maybe():
            out["b_h"] = draw(H)
    else:
        for g in GATES[cfg_cell]:
            if form == "concatenated":
                out[f"W_{g}"] = draw(H, H + D)
            else:
                out[f"W_{g}x"], out[f"W_{g}h"] = draw(H, D), draw(H, H)
            if maybe():
                out[f"b_{g}"] = draw(H)
        if cfg_cell == "gru" and maybe():
            out["b_hh"] = draw(H)
    if h0:
        if rng.integers(2):
            out["h_0"] = draw(H)
        if cfg_cell == "lstm" and rng.integers(2):
            out["c_0"] = draw(H)
    return {prefix + k: v for k, v in out.items()}


def _target(rng, loss: str, K: int) -> Any:
    if loss == "ce":
        return int(rng.integers(K))
    if loss == "bce":
        return [float(v) for v in (rng.integers(2, size=K) if rng.integers(2) else rng.random(K))]
    return [float(v) for v in rng.uniform(-1.0, 1.0, size=K)]


def target_vector(cfg: TopoConfig, target: Any, K: int) -> np.ndarray:
    if cfg.loss == "ce":
        vector = np.zeros(K)
        vector[int(target)] = 1.0
        return vector
    return np.asarray(target, dtype=float)


def random_config(seed: int, kind: str, cell: str, **fixed: Any) -> TopoConfig:
    """A random scenario of ``kind`` (see KINDS). The seed chooses, in turn: the head and loss
    (seed % 5), the GRU conventions or the RNN's activation, teacher forcing, the output and
    whether attention is used, so that a few consecutive seeds cover every combination;
    sizes, lengths, biases, initial states and numbers are random."""
    rng = np.random.default_rng(10_000 + 97 * seed + 7 * KINDS.index(kind) + len(cell))
    topology, _, attention = kind.partition(":")
    if topology in ("standard", "stacked"):
        topology, attention = "standard", ("self" if (seed // 2) % 2 else "none")
    attention = attention or "none"
    head, loss = HEAD_LOSS[seed % len(HEAD_LOSS)]
    variant = ("reset_before", "reset_after")[seed % 2]
    update = ("new", "keep_old")[(seed // 2) % 2]
    activation = ("tanh", "relu", "sigmoid")[seed % 3]
    layers = int(rng.integers(2, 4)) if kind == "stacked" else 1
    residual = kind == "stacked" and (seed // 4) % 2 == 1
    teacher = topology in ("generate", "encoder_decoder") and (seed // 4) % 2 == 1
    if topology in ("generate", "encoder_decoder"):
        output = "every"
    else:
        output = ("every", "last")[(seed // 4) % 2 if kind != "stacked" else seed % 2]
    form = "separate"
    if cell == "lstm" or (cell == "gru" and variant == "reset_before"):
        form = ("separate", "concatenated")[int(rng.integers(2))]
    scale = 0.8 if cell == "rnn" else 1.0

    def draw(*shape: int) -> np.ndarray:
        return rng.uniform(-scale, scale, size=shape)

    K = int(rng.integers(2 if head == "softmax" else 1, 5))
    H = int(rng.integers(1, 5))
    D = int(rng.integers(1, 5))
    biases = fixed.pop("biases", None)
    params: dict[str, np.ndarray] = {}
    if topology == "generate":
        with_yh = cell == "rnn" and bool(rng.integers(2))
        D = D if with_yh else K
        params.update(_cell_part(rng, cell, form, "", D, H, biases=biases, h0=True, draw=draw))
        if with_yh:
            params["W_yh"] = draw(H, K)
    elif topology == "standard":
        width = D
        for part in [""] if layers == 1 else [f"l{i}." for i in range(1, layers + 1)]:
            params.update(_cell_part(rng, cell, form, part, width, H, biases=biases, h0=True,
                                     draw=draw))  # fmt: skip
            width = H
            if not residual:
                H = int(rng.integers(1, 5))  # the next layer's size
        H = width
    elif topology == "bidirectional":
        H2 = int(rng.integers(1, 5))
        params.update(_cell_part(rng, cell, form, "fw.", D, H, biases=biases, h0=True, draw=draw))
        params.update(_cell_part(rng, cell, form, "bw.", D, H2, biases=biases, h0=True,
                                 draw=draw))  # fmt: skip
        H = H + H2
    else:
        params.update(_cell_part(rng, cell, form, "enc.", D, H, biases=biases, h0=True,
                                 draw=draw))  # fmt: skip
        width = K + (H if attention != "none" else 0)
        params.update(_cell_part(rng, cell, form, "dec.", width, H, biases=biases, h0=False,
                                 draw=draw))  # fmt: skip
        if attention == "general":
            params["att.W_a"] = draw(H, H)
        if attention == "additive":
            A = int(rng.integers(1, 5))
            params.update({"att.W_a": draw(A, H), "att.U_a": draw(A, H), "att.v_a": draw(A)})
    params["W_hy"] = draw(K, H)
    if biases if biases is not None else rng.integers(2):
        params["b_y"] = draw(K)
    sequences = []
    for _ in range(int(rng.integers(1, 4))):
        T = 1 if topology == "generate" else int(rng.integers(1, 6))
        seq = Seq(rng.uniform(-1.5, 1.5, size=(T, D)))
        if topology in ("generate", "encoder_decoder"):
            # with W_yh, a sequence of one generated step would not use it (see
            # test_topologies.py::test_w_yh_unused_by_a_one_step_sequence)
            steps = int(rng.integers(2 if "W_yh" in params else 1, 5))
            outs = range(1, steps + 1)
        else:
            outs = range(1, T + 1) if output == "every" else [T]
        seq.targets = {t: _target(rng, loss, K) for t in outs}
        sequences.append(seq)
    lr = float(rng.choice([0.05, 0.1, 0.37, 1.0]))
    cfg = TopoConfig(kind, cell, topology, attention, layers, residual, output, head, loss,
                     teacher, params, sequences, activation, variant, update, lr=lr)  # fmt: skip
    return replace(cfg, **fixed)


# -- the scenario file --------------------------------------------------------------------


def _part_doc(params: dict[str, np.ndarray], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: v.tolist() for k, v in params.items() if k.startswith(prefix)
            and "." not in k[len(prefix) :]}  # fmt: skip


def to_doc(cfg: TopoConfig) -> dict[str, Any]:
    """The scenario as YAML data (PyYAML writes floats with repr: they read back exactly)."""
    model: dict[str, Any] = {"cell": cfg.cell, "topology": cfg.topology, "head": cfg.head,
                             "loss": cfg.loss}  # fmt: skip
    if cfg.topology in ("standard", "bidirectional"):
        model["output"] = cfg.output
    if cfg.cell == "rnn":
        model["activation"] = cfg.activation
    if cfg.cell == "gru":
        model.update(gru_variant=cfg.variant, update_gate=cfg.update)
    if cfg.layers > 1:
        model["layers"] = cfg.layers
    if cfg.residual:
        model["residual"] = True
    if cfg.attention != "none":
        model["attention"] = cfg.attention
        model["attention_gradient"] = cfg.attention_gradient
    if cfg.teacher_forcing:
        model["teacher_forcing"] = True
    sequences = []
    for seq in cfg.sequences:
        item: dict[str, Any] = {"inputs": seq.inputs.tolist()}
        if seq.targets:
            values = [seq.targets[t] for t in sorted(seq.targets)]
            if cfg.topology in ("standard", "bidirectional") and cfg.output == "last":
                item["label"] = values[0]
            else:
                item["targets"] = values
        if seq.steps is not None:
            item["steps"] = seq.steps
        sequences.append(item)
    p = cfg.params
    if cfg.topology == "bidirectional" or cfg.topology == "encoder_decoder":
        params: dict[str, Any] = {LAYOUT_NAMES[part]: _part_doc(p, part) for part in cfg.parts()}
        attention = _part_doc(p, "att.")
        if attention:
            params["attention"] = attention
    elif cfg.layers > 1:
        params = {"layers": [_part_doc(p, part) for part in cfg.parts()]}
    else:
        params = _part_doc(p, "")
        del params["W_hy"]
        params.pop("b_y", None)
    params["W_hy"] = p["W_hy"].tolist()
    if "b_y" in p:
        params["b_y"] = p["b_y"].tolist()
    return {
        "version": 1,
        "title": f"random {cfg.kind} {cfg.cell}",
        "input": {"vectors": True},
        "sequences": sequences,
        "model": model,
        "params": params,
        "train": {"learning_rate": cfg.lr},
        "numbers": {"decimals": 4},
    }


def to_yaml(cfg: TopoConfig) -> str:
    return yaml.safe_dump(to_doc(cfg), sort_keys=False)


def parse_config(cfg: TopoConfig):
    from rnntrace._internal.scenario import parse_scenario

    return parse_scenario(to_yaml(cfg), f"{cfg.kind}.yaml")


def trace_config(cfg: TopoConfig):
    from rnntrace._internal.engine import trace_scenario

    return trace_scenario(parse_config(cfg))


# -- the PyTorch reference ----------------------------------------------------------------


class Reference:
    """The model of ``cfg`` in torch (float64), one sequence after another."""

    def __init__(self, torch, cfg: TopoConfig, detach: bool = False) -> None:
        self.torch, self.cfg, self.detach = torch, cfg, detach
        self.f64 = torch.float64
        self.P = {k: self.leaf(v) for k, v in cfg.params.items()}
        self.values: dict[str, Any] = {}  # key -> tensor whose value is compared
        self.grads: dict[str, Any] = {}  # key -> tensor whose gradient is compared
        self.pre = ""

    # bookkeeping
    def leaf(self, values, grad: bool = True):
        return self.torch.tensor(np.asarray(values, dtype=float), dtype=self.f64,
                                 requires_grad=grad)  # fmt: skip

    def val(self, key: str, tensor) -> None:
        self.values[self.pre + key] = tensor

    def grad(self, key: str, tensor) -> None:
        if self.cfg.trains and tensor.requires_grad:
            if not tensor.is_leaf:
                tensor.retain_grad()
            self.grads[self.pre + key] = tensor

    def use(self, tensor, key: str):
        """A copy of ``tensor`` for one use; its gradient is what flows back through it."""
        copy = tensor * 1.0
        self.grad(key, copy)
        return copy

    def p(self, part: str, name: str):
        return self.P.get(part + name)

    # the cells
    def step(self, part: str, x, state: dict, feedback: bool = False) -> dict:
        """One step of ``part``'s cell from ``state`` ({"h", "c"}) reading ``x``."""
        torch, cfg = self.torch, self.cfg
        h = state["h"]

        def plus(a, name):
            b = self.p(part, name)
            return a if b is None else a + b

        def lin(g, h_in, x_in):
            whole = self.p(part, f"W_{g}")
            if whole is not None and self.p(part, f"W_{g}x") is None:  # acting on [h, x]
                return plus(whole @ torch.cat([h_in, x_in]), f"b_{g}")
            return plus(self.p(part, f"W_{g}x") @ x_in + self.p(part, f"W_{g}h") @ h_in, f"b_{g}")

        if cfg.cell == "rnn":
            W = self.p(part, "W_yh") if feedback and self.p(part, "W_yh") is not None else None
            W = self.p(part, "W_xh") if W is None else W
            z = plus(W @ x + self.p(part, "W_hh") @ h, "b_h")
            act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
            return {"h": act[cfg.activation](z)}
        if cfg.cell == "lstm":
            f, i = torch.sigmoid(lin("f", h, x)), torch.sigmoid(lin("i", h, x))
            cc, o = torch.tanh(lin("c", h, x)), torch.sigmoid(lin("o", h, x))
            c = f * state["c"] + i * cc
            return {"h": o * torch.tanh(c), "c": c}
        z, r = torch.sigmoid(lin("z", h, x)), torch.sigmoid(lin("r", h, x))
        if cfg.variant == "reset_before":  # h~ = tanh(W_hx x + W_hh (r ⊙ h) + b_h (+ b_hh))
            n = torch.tanh(plus(lin("h", r * h, x), "b_hh"))
        else:  # h~ = tanh(W_hx x + b_h + r ⊙ (W_hh h + b_hh))
            inner = plus(self.p(part, "W_hh") @ h, "b_hh")
            n = torch.tanh(plus(self.p(part, "W_hx") @ x + r * inner, "b_h"))
        if cfg.update == "new":
            return {"h": (1 - z) * h + z * n}
        return {"h": (1 - z) * n + z * h}

    def initial(self, part: str, H: int) -> dict:
        zero = self.torch.zeros(H, dtype=self.f64)
        state = {"h": self.p(part, "h_0")}
        state["h"] = zero if state["h"] is None else state["h"]
        if self.cfg.cell == "lstm":
            c0 = self.p(part, "c_0")
            state["c"] = zero if c0 is None else c0
        return state

    def record(self, part: str, t: int, state: dict) -> None:
        for name, tensor in state.items():
            self.val(f"{part}{name}_{t}", tensor)
            self.grad(f"{part}d{name}_{t}", tensor)

    def softmax_weights(self, scores, grads: tuple[str, str] | None):
        """α = softmax(scores), and the weights the context uses (α detached, or α); with
        ``grads`` (keys of δscores, δα) and exact gradients, their gradients are compared."""
        alpha = self.torch.softmax(scores, dim=0)
        if self.detach:
            return alpha, alpha.detach()
        if grads:
            self.grad(grads[0], scores)
            self.grad(grads[1], alpha)
        return alpha, alpha

    # the output layer
    def head(self, source, t: int, seq: Seq, name: str):
        """o_t, ŷ_t and L_t from ``source``; returns (ŷ_t, L_t or None)."""
        torch, cfg = self.torch, self.cfg
        o = self.P["W_hy"] @ self.use(source, name)
        o = o + self.P["b_y"] if "b_y" in self.P else o
        self.val(f"o_{t}", o)
        self.grad(f"do_{t}", o)
        y = {"softmax": lambda: torch.softmax(o, 0), "sigmoid": lambda: torch.sigmoid(o),
             "identity": lambda: o * 1.0}[cfg.head]()  # fmt: skip
        self.val(f"y_{t}", y)
        if cfg.loss == "none" or t not in seq.targets:
            return y, None
        K = o.shape[0]
        target = torch.tensor(target_vector(cfg, seq.targets[t], K), dtype=self.f64)
        if cfg.loss == "ce":
            L = -torch.log_softmax(o, 0)[int(seq.targets[t])]
        elif cfg.loss == "bce":
            L = torch.nn.functional.binary_cross_entropy_with_logits(o, target, reduction="sum")
        else:
            L = ((y - target) ** 2).mean()
        self.val(f"L_{t}", L)
        return y, L

    # the topologies
    def standard(self, seq: Seq) -> list:
        cfg, torch = self.cfg, self.torch
        parts = cfg.parts()
        states = [self.initial(part, self._H(part)) for part in parts]
        tops, losses = [], []
        for t in range(1, seq.length + 1):
            below = self.leaf(seq.inputs[t - 1])
            for level, part in enumerate(parts):
                states[level] = self.step(part, self.use(below, f"{part}dx_{t}"), states[level])
                self.record(part, t, states[level])
                if level and cfg.residual:  # r_t = h_t + the layer's input
                    below = states[level]["h"] + below
                    self.val(f"{part}res_{t}", below)
                else:
                    below = states[level]["h"]
            tops.append(below)
            source, name = below, f"dh_out_{t}"
            if cfg.attention == "self":
                A = torch.stack([h_i @ below for h_i in tops])
                output = t in cfg.out_steps(seq)  # else nothing flows back through A_t
                alpha, weights = self.softmax_weights(A, (f"dA_{t}", f"dalpha_{t}") if output
                                                      else None)  # fmt: skip
                source = sum(weights[i] * tops[i] for i in range(t))
                self.val(f"A_{t}", A)
                self.val(f"alpha_{t}", alpha)
                self.val(f"Z_{t}", source)
                name = f"dZ_{t}"
            if t in cfg.out_steps(seq):
                _, L = self.head(source, t, seq, name)
                losses += [L] if L is not None else []
        return losses

    def generate(self, seq: Seq) -> list:
        cfg = self.cfg
        state = self.initial("", self._H(""))
        losses, y = [], None
        for t in cfg.out_steps(seq):
            if t == 1:
                x = self.leaf(seq.inputs[0])
            elif cfg.teacher_forcing:  # the target of step t − 1: no gradient through it
                x = self.leaf(target_vector(cfg, seq.targets[t - 1], len(cfg.params["W_hy"])))
            else:
                x = y * 1.0
            self.val(f"x_{t}", x)
            state = self.step("", self.use(x, f"dx_{t}"), state, feedback=t > 1)
            self.record("", t, state)
            y, L = self.head(state["h"], t, seq, f"dh_out_{t}")
            losses += [L] if L is not None else []
        return losses

    def bidirectional(self, seq: Seq) -> list:
        cfg, torch = self.cfg, self.torch
        T = seq.length
        xs = [self.leaf(seq.inputs[t - 1]) for t in range(1, T + 1)]
        for t, x in enumerate(xs, start=1):
            self.grad(f"dx_{t}", x)
        fw, bw = {}, {}
        state = self.initial("fw.", self._H("fw."))
        for t in range(1, T + 1):
            state = fw[t] = self.step("fw.", self.use(xs[t - 1], f"fw.dx_{t}"), state)
            self.record("fw.", t, state)
        state = self.initial("bw.", self._H("bw."))
        for t in range(T, 0, -1):
            state = bw[t] = self.step("bw.", self.use(xs[t - 1], f"bw.dx_{t}"), state)
            self.record("bw.", t, state)
        losses = []
        for t in cfg.out_steps(seq):
            back = 1 if cfg.output == "last" else t
            hcat = torch.cat([fw[t]["h"], bw[back]["h"]])
            self.val(f"hcat_{t}", hcat)
            _, L = self.head(hcat, t, seq, f"dhcat_{t}")
            losses += [L] if L is not None else []
        return losses

    def encoder_decoder(self, seq: Seq) -> list:
        cfg, torch = self.cfg, self.torch
        kind = cfg.attention
        state = self.initial("enc.", self._H("enc."))
        enc = []
        for t in range(1, seq.length + 1):
            state = self.step("enc.", self.use(self.leaf(seq.inputs[t - 1]), f"enc.dx_{t}"), state)
            self.record("enc.", t, state)
            enc.append(state["h"])
        K = len(cfg.params["W_hy"])
        losses, y = [], None
        for t in cfg.out_steps(seq):
            if t == 1:
                y_in = self.leaf(np.zeros(K))
            elif cfg.teacher_forcing:
                y_in = self.leaf(target_vector(cfg, seq.targets[t - 1], K))
            else:
                y_in = y * 1.0
            self.val(f"dec.y_{t}", y_in)
            u = y_in
            if kind != "none":
                q = state["h"]  # h^dec_{t-1}, or h^enc_S at t = 1
                if kind == "dot":
                    e = torch.stack([q @ h_s for h_s in enc])
                elif kind == "general":
                    e = torch.stack([q @ (self.P["att.W_a"] @ h_s) for h_s in enc])
                else:
                    W_a, U_a, v_a = (self.P[f"att.{n}"] for n in ("W_a", "U_a", "v_a"))
                    e = torch.stack([v_a @ torch.tanh(W_a @ q + U_a @ h_s) for h_s in enc])
                alpha, weights = self.softmax_weights(e, (f"att.de_{t}", f"att.dalpha_{t}"))
                context = sum(weights[s] * enc[s] for s in range(len(enc)))
                self.grad(f"att.dc_{t}", context)
                self.grad(f"dec.dy_{t}", y_in)
                u = torch.cat([y_in, context])
                self.val(f"att.e_{t}", e)
                self.val(f"att.alpha_{t}", alpha)
                self.val(f"att.c_{t}", context)
                self.val(f"dec.u_{t}", u)
            state = self.step("dec.", self.use(u, f"dec.dx_{t}"), state)
            self.record("dec.", t, state)
            y, L = self.head(state["h"], t, seq, f"dh_out_{t}")
            losses += [L] if L is not None else []
        return losses

    def _H(self, part: str) -> int:
        for name in ("W_hh", "W_fh", "W_zh", "W_f", "W_z"):
            if self.p(part, name) is not None:
                return int(self.p(part, name).shape[0])
        raise KeyError(part)

    def run(self) -> dict[str, np.ndarray]:
        """Every compared value, by trace key."""
        cfg, torch = self.cfg, self.torch
        driver = {"standard": self.standard, "generate": self.generate,
                  "bidirectional": self.bidirectional,
                  "encoder_decoder": self.encoder_decoder}[cfg.topology]  # fmt: skip
        names = list(self.P)
        per_seq, totals = [], []
        for n, seq in enumerate(cfg.sequences, start=1):
            self.pre = cfg.prefix(n)
            losses = driver(seq)
            if losses:
                total = torch.stack(losses).sum()
                self.val("L", total)
                totals.append(total)
                grads = torch.autograd.grad(total, [self.P[k] for k in names],
                                            retain_graph=True, allow_unused=True)  # fmt: skip
                per_seq.append([np.zeros(cfg.params[k].shape) if g is None else g.numpy().copy()
                                for k, g in zip(names, grads)])  # fmt: skip
        self.pre = ""
        out = {key: t.detach().numpy().copy() for key, t in self.values.items()}
        if not cfg.trains:
            return out
        grand = torch.stack(totals).sum()
        out["L"] = grand.detach().numpy().copy()
        for tensor in self.grads.values():  # autograd.grad above filled retained grads too
            tensor.grad = None
        grand.backward()
        for key, tensor in self.grads.items():
            g = tensor.grad
            out[key] = np.zeros(tuple(tensor.shape)) if g is None else g.numpy().copy()
        for i, name in enumerate(names):
            total = sum(s[i] for s in per_seq)
            out[grad_key(name)] = total
            out[f"{name}_new"] = cfg.params[name] - cfg.lr * total
            if len(cfg.sequences) > 1:
                for n, s in enumerate(per_seq, start=1):
                    out[f"s{n}.{grad_key(name)}"] = s[i]
        return out


def reference(torch, cfg: TopoConfig, detach: bool = False) -> dict[str, np.ndarray]:
    return Reference(torch, cfg, detach).run()


def compare(trace, expected: dict[str, np.ndarray], what: str, tol: float = 1e-10) -> int:
    """Assert every expected key is in the trace with the value to ``tol``; returns the count."""
    missing = [key for key in expected if key not in trace]
    assert not missing, f"{what}: keys missing from the trace: {missing[:12]}"
    bad = []
    for key, want in expected.items():
        got = trace[key].value
        if got.shape != np.shape(want) or not np.allclose(got, want, rtol=tol, atol=tol):
            bad.append(f"{key}: engine {np.round(got, 12).tolist()} torch "
                       f"{np.round(want, 12).tolist()}")  # fmt: skip
    assert not bad, f"{what}: {len(bad)} values differ:\n" + "\n".join(bad[:12])
    return len(expected)
