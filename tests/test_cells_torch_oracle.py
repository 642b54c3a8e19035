"""PyTorch (float64) as an independent oracle for the LSTM and the GRU: forward pass,
gates, losses, BPTT and the SGD update, to 1e-10.

Two references, neither using rnntrace:

* ``explicit_reference``: the cells' equations written out with torch ops (from the
  equations in the docstrings of ``rnntrace/_internal/engine/lstm.py`` and ``gru.py``, not from
  their code) and differentiated by autograd. Every key the engine records is compared, and the
  trace may hold no key the reference does not know (so nothing is left unchecked, and
  forward-only scenarios have no gradients). Per-time contributions (``dW_fx_3``) and
  the parts of a delta (``dh_f_2``, ``dc_next_2``, ``dx_i_3``, ``dh_keep_1``) are read off
  autograd by giving each *use* of a tensor its own non-leaf copy ``v * 1``, whose
  retained ``.grad`` is the contribution of that use.
* ``torch.nn.LSTM`` and ``torch.nn.GRU`` (PyTorch's own kernels), with the scenario's
  weights copied in, run one time step per call so that ``h_t`` and ``c_t`` are tensors
  whose gradients are the full ∂L/∂h_t and ∂L/∂c_t. ``nn.GRU`` is the reset_after,
  keep_old GRU; the other GRU conventions are checked against the explicit reference.
"""

from __future__ import annotations

import numpy as np
import pytest
from cell_oracles import (
    ALL_HEAD_LOSS,
    GATES,
    GRU_VARIANTS,
    CellConfig,
    describe,
    random_cell_config,
    trace_config,
)
from oracles import SeqSpec, require_torch, target_vector

RTOL = ATOL = 1e-10
SEEDS = range(30)
GATE_KEY = {"f": "f", "i": "i", "c": "cc", "o": "og", "z": "z", "r": "r"}


# -- the explicit reference ---------------------------------------------------------------


class Reference:
    """The bookkeeping shared by the references: values to compare, by trace key."""

    def __init__(self, torch, cfg: CellConfig) -> None:
        self.torch = torch
        self.cfg = cfg
        self.f64 = torch.float64
        self.P = {key: self.leaf(value) for key, value in cfg.params.items()}
        self.forward: dict[str, object] = {}  # key -> tensor (its value is compared)
        self.grads_of: dict[str, object] = {}  # key -> tensor whose .grad is compared
        self.grad_sums: dict[str, list] = {}  # key -> tensors whose .grads add up to it
        self.per_sequence: dict[str, list] = {}  # "s1.dW_fx" -> that sequence's copies
        self.optional: set[str] = set()  # keys compared only if the trace has them
        self.pre = ""

    def leaf(self, values):
        return self.torch.tensor(
            np.asarray(values, dtype=float), dtype=self.f64, requires_grad=True
        )

    def zeros(self, n: int):
        return self.torch.zeros(n, dtype=self.f64)

    def fwd(self, key: str, tensor) -> None:
        self.forward[self.pre + key] = tensor

    def grad(self, key: str, tensor) -> None:
        """Compare ``key`` with ``tensor``'s gradient (when anything is trained)."""
        if self.cfg.trains and tensor.requires_grad:
            if not tensor.is_leaf:
                tensor.retain_grad()
            self.grads_of[self.pre + key] = tensor

    def use(self, tensor, key: str | None = None):
        """A copy of ``tensor`` for one use; its gradient (compared with ``key``) is what
        flows back through this use alone."""
        if not tensor.requires_grad:
            return tensor
        copy = tensor * 1.0
        if key:
            self.grad(key, copy)
        return copy

    def param(self, name: str, key: str | None = None):
        """A per-use copy of parameter ``name``: its gradient is this use's contribution."""
        copy = self.P[name] * 1.0
        copy.retain_grad()
        if key:
            self.grad(key, copy)
        self.per_sequence.setdefault(self.pre + "d" + name, []).append(copy)
        return copy

    def head(self, h, t: int, seq) -> object | None:
        """o_t, ŷ_t and L_t (returned; None without a loss) at an output step."""
        torch, cfg = self.torch, self.cfg
        K = cfg.sizes[2]
        h_out = self.use(h, f"dh_out_{t}")
        oh = self.param("W_hy", f"dW_hy_{t}") @ h_out
        o = oh + self.param("b_y") if "b_y" in self.P else oh * 1.0
        self.fwd(f"oh_{t}", oh)
        self.fwd(f"o_{t}", o)
        self.grad(f"do_{t}", o)
        if cfg.head == "softmax":
            e = torch.exp(o)
            S = e.sum()
            y = e / S
            self.fwd(f"e_{t}", e)
            self.fwd(f"S_{t}", S)
        elif cfg.head == "sigmoid":
            y = torch.sigmoid(o)
        else:
            y = o * 1.0
        self.fwd(f"y_{t}", y)
        if cfg.loss == "none":
            return None
        if cfg.loss == "mse" and cfg.head != "identity":
            self.grad(f"dy_{t}", y)
        target = torch.tensor(target_vector(cfg, seq.targets[t], K), dtype=self.f64)
        if cfg.loss == "bce":
            L_t = torch.nn.functional.binary_cross_entropy_with_logits(o, target, reduction="sum")
        elif cfg.loss == "ce":
            L_t = -torch.log_softmax(o, dim=0)[int(seq.targets[t])]
        else:
            L_t = ((y - target) ** 2).mean()
        self.fwd(f"L_{t}", L_t)
        return L_t

    def backward(self, losses: list) -> None:
        if losses and self.cfg.trains:
            total = self.torch.stack(losses).sum()
            self.forward["L"] = total
            total.backward()

    def expected(self) -> dict[str, np.ndarray]:
        """Every compared value, after ``backward``."""
        cfg = self.cfg
        out = {key: value.detach().numpy().copy() for key, value in self.forward.items()}
        for key, tensor in self.grads_of.items():
            out[key] = _grad(tensor)
        for key, tensors in self.grad_sums.items():
            out[key] = sum(_grad(tensor) for tensor in tensors)
        for name in cfg.trained():
            out["d" + name] = _grad(self.P[name])
            out[name + "_new"] = cfg.params[name] - cfg.lr * out["d" + name]
            if len(cfg.sequences) > 1:
                for n in range(1, len(cfg.sequences) + 1):
                    copies = self.per_sequence.get(f"s{n}.d{name}", [])
                    out[f"s{n}.d{name}"] = sum(
                        (_grad(c) for c in copies), np.zeros(cfg.params[name].shape)
                    )
        return out


def _grad(tensor) -> np.ndarray:
    g = tensor.grad
    return np.zeros(tuple(tensor.shape)) if g is None else g.numpy().copy()


def explicit_reference(torch, cfg: CellConfig) -> tuple[dict[str, np.ndarray], set[str]]:
    """Every value the engine should record, by trace key (parameters and inputs too), and
    the keys among them that the trace need not have."""
    ref = Reference(torch, cfg)
    D, H, K = cfg.sizes
    sig, tanh = torch.sigmoid, torch.tanh
    concatenated = cfg.form == "concatenated"
    out_given = {key: value for key, value in cfg.params.items()}
    for state in ("h_0", "c_0") if cfg.cell == "lstm" else ("h_0",):
        out_given.setdefault(state, np.zeros(H))  # zero states are shown, not trained

    def linear(g: str, t: int, h_in, x_in, stacked: str, extra=()):
        """a_g = W_gx x + W_gh h + b_g, or W_g [h, x] + b_g (plus ``extra`` terms)."""
        if concatenated:
            hx = torch.cat([h_in, x_in])
            ref.fwd(f"{stacked}_{t}", hx)
            terms = [ref.param(f"W_{g}", f"dW_{g}_{t}") @ hx]
            ref.fwd(f"p{g}_{t}", terms[0])
        else:
            terms = [
                ref.param(f"W_{g}x", f"dW_{g}x_{t}") @ x_in,
                ref.param(f"W_{g}h", f"dW_{g}h_{t}") @ h_in,
            ]
            ref.fwd(f"x{g}_{t}", terms[0])
            ref.fwd(f"h{g}_{t}", terms[1])
        terms += list(extra)
        if f"b_{g}" in ref.P:
            terms.append(ref.param(f"b_{g}"))
        a = sum(terms[1:], terms[0])
        ref.fwd(f"a{g}_{t}", a)
        ref.grad(f"da{g}_{t}", a)
        return a

    losses = []
    for number, seq in enumerate(cfg.sequences, start=1):
        ref.pre = pre = cfg.prefix(number)
        outputs = cfg.output_steps(seq)
        h = initial_state(ref, "h_0", H)
        c = initial_state(ref, "c_0", H) if cfg.cell == "lstm" else None
        seq_losses = []
        for t in range(1, seq.length + 1):
            x = ref.leaf(seq.inputs[t - 1])
            ref.fwd(f"x_{t}", x)
            ref.grad(f"dx_{t}", x)
            uses = []  # this step's uses of h_{t-1}: their gradients make up dh_next_{t-1}

            def h_use(part: str, h=h, t=t, uses=uses, pre=pre):
                if t == 1 and "h_0" not in ref.P:
                    ref.optional.add(pre + f"dh_{part}_0")  # see initial_state
                u = ref.use(h, f"dh_{part}_{t - 1}")
                uses.append(u)
                return u

            gate = {}
            for g in GATES[cfg.cell]:
                if g == "h":
                    continue  # the GRU candidate, below
                a = linear(g, t, h_use(g), ref.use(x, f"dx_{g}_{t}"), "hx")
                gate[g] = tanh(a) if g == "c" else sig(a)
                ref.fwd(f"{GATE_KEY[g]}_{t}", gate[g])
                ref.grad(f"d{GATE_KEY[g]}_{t}", gate[g])
            if cfg.cell == "lstm":
                # c_t = f ⊙ c_{t-1} + i ⊙ c~,  h_t = o ⊙ tanh(c_t)
                c_in = ref.use(c, f"dc_next_{t - 1}" if t > 1 else None)
                fc = gate["f"] * c_in
                ic = gate["i"] * gate["c"]
                c = fc + ic
                c_h = ref.use(c, f"dc_h_{t}")
                tc = tanh(c_h)
                h = gate["o"] * tc
                for key, value in {"fc": fc, "ic": ic, "c": c, "tc": tc}.items():
                    ref.fwd(f"{key}_{t}", value)
                ref.grad(f"dc_{t}", c)
                ref.grad(f"dtc_{t}", tc)
            else:
                z, r = gate["z"], gate["r"]
                x_h = ref.use(x, "dx_h_" + str(t))
                h_c = h_use("h")
                if cfg.variant == "reset_before":
                    # h~ = tanh(W_hx x + W_hh (r ⊙ h_{t-1}) + b_h)  (+ b_hh, which just adds)
                    rh = r * h_c
                    ref.fwd(f"rh_{t}", rh)
                    ref.grad(f"drh_{t}", rh)
                    extra = [ref.param("b_hh")] if "b_hh" in ref.P else []
                    ah = linear("h", t, rh, x_h, "rhx", extra)
                else:
                    # h~ = tanh(W_hx x + b_h + r ⊙ (W_hh h_{t-1} + b_hh))
                    xh = ref.param("W_hx", f"dW_hx_{t}") @ x_h
                    hh = ref.param("W_hh", f"dW_hh_{t}") @ h_c
                    inner = hh + ref.param("b_hh") if "b_hh" in ref.P else hh
                    rhh = r * inner
                    ah = xh + rhh + ref.param("b_h") if "b_h" in ref.P else xh + rhh
                    ref.fwd(f"xh_{t}", xh)
                    ref.fwd(f"hh_{t}", hh)
                    if "b_hh" in ref.P:
                        ref.fwd(f"hb_{t}", inner)
                    ref.fwd(f"rhh_{t}", rhh)
                    ref.fwd(f"ah_{t}", ah)
                    ref.grad(f"dhh_{t}", hh)  # = the gradient of W_hh h + b_hh
                    ref.grad(f"dah_{t}", ah)
                n = tanh(ah)
                omz = 1.0 - z
                h_k = h_use("keep")
                if cfg.update == "new":  # h_t = (1 − z) ⊙ h_{t-1} + z ⊙ h~
                    keep, new, nmh = omz * h_k, z * n, n.detach() - h.detach()
                else:  # h_t = (1 − z) ⊙ h~ + z ⊙ h_{t-1}
                    keep, new, nmh = z * h_k, omz * n, h.detach() - n.detach()
                h = keep + new
                for key, value in {"n": n, "omz": omz, "keep": keep, "new": new}.items():
                    ref.fwd(f"{key}_{t}", value)
                if cfg.trains:  # a backward quantity
                    ref.fwd(f"nmh_{t}", nmh)
                ref.grad(f"dn_{t}", n)
            ref.fwd(f"h_{t}", h)
            ref.grad(f"dh_{t}", h)
            if uses and uses[0].requires_grad and cfg.trains and t > 1:
                ref.grad_sums[pre + f"dh_next_{t - 1}"] = uses
            if t in outputs:
                L_t = ref.head(h, t, seq)
                if L_t is not None:
                    seq_losses.append(L_t)
        if seq_losses:
            ref.forward[pre + "L"] = ref.torch.stack(seq_losses).sum()
            losses.append(ref.forward[pre + "L"])
    ref.pre = ""
    ref.backward(losses)
    expected = ref.expected()
    expected.update(out_given)
    return expected, ref.optional


def initial_state(ref: Reference, name: str, H: int):
    """h_0 or c_0 of one sequence: a per-sequence copy of the parameter when given (its
    gradient is the sequence's sN.dh_0), else zeros. The engine (since the cells became
    ``CellTracer``s) also records ∂L/∂ of an LSTM's zero state when the *other* state is
    given (dh_0 with only c_0 given, dc_0 with only h_0), though the README promises
    ``dc_0`` only "when c_0 is given": such keys are compared when present, not required."""
    cfg = ref.cfg
    if name in ref.P:
        return ref.param(name, "d" + name if ref.pre else None)
    if cfg.cell == "lstm" and ("h_0" in ref.P or "c_0" in ref.P):
        ref.optional.add(ref.pre + "d" + name)
        return ref.use(ref.leaf(np.zeros(H)), "d" + name)
    return ref.zeros(H)


# -- torch.nn.LSTM and torch.nn.GRU -------------------------------------------------------


def nn_reference(torch, cfg: CellConfig) -> tuple[dict[str, np.ndarray], list[str]]:
    """h_t, c_t, outputs, losses, every gradient and the update from ``torch.nn.LSTM`` or
    ``torch.nn.GRU`` (reset_after, keep_old) with the scenario's weights copied in;
    and the problems found comparing PyTorch's two bias vectors' gradients."""
    assert cfg.cell == "lstm" or (cfg.variant, cfg.update) == ("reset_after", "keep_old")
    f64 = torch.float64
    D, H, K = cfg.sizes
    sep = cfg.separate()
    zero = np.zeros(H)
    # PyTorch's blocks: nn.LSTM (i, f, g, o); nn.GRU (r, z, n)
    blocks = ["i", "f", "c", "o"] if cfg.cell == "lstm" else ["r", "z", "h"]
    bias = np.concatenate([sep.get(f"b_{g}", zero) for g in blocks])
    bias_ih, bias_hh = bias / 2.0, bias - bias / 2.0  # each half exact; they add up to b
    if cfg.cell == "gru":  # the candidate's biases: b_h outside the reset, b_hh inside
        bias_ih[2 * H :], bias_hh[2 * H :] = sep.get("b_h", zero), sep.get("b_hh", zero)
    torch.manual_seed(0)
    module = (torch.nn.LSTM if cfg.cell == "lstm" else torch.nn.GRU)(D, H, bias=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.tensor(np.vstack([sep[f"W_{g}x"] for g in blocks])))
        module.weight_hh_l0.copy_(torch.tensor(np.vstack([sep[f"W_{g}h"] for g in blocks])))
        module.bias_ih_l0.copy_(torch.tensor(bias_ih))
        module.bias_hh_l0.copy_(torch.tensor(bias_hh))

    def leaf(values):
        return torch.tensor(np.asarray(values, dtype=float), dtype=f64, requires_grad=True)

    W_hy, b_y = leaf(cfg.params["W_hy"]), leaf(cfg.params.get("b_y", np.zeros(K)))
    h_0, c_0 = leaf(cfg.params.get("h_0", zero)), leaf(cfg.params.get("c_0", zero))
    forward, grads_of, losses = {}, {}, []
    for number, seq in enumerate(cfg.sequences, start=1):
        pre = cfg.prefix(number)
        h, c = h_0.view(1, 1, H), c_0.view(1, 1, H)
        seq_losses = []
        for t in range(1, seq.length + 1):
            x = leaf(seq.inputs[t - 1])
            if cfg.cell == "lstm":
                _, (h_n, c_n) = module(x.view(1, 1, D), (h, c))
                c_t = c_n.reshape(H)
                c_t.retain_grad()
                forward[pre + f"c_{t}"] = c_t
                if t < seq.length:  # the kernel's h_t is made from its own copy of c_t: the
                    grads_of[pre + f"dc_next_{t}"] = c_t  # gradient is the part from t + 1
                c = c_t.view(1, 1, H)
            else:
                _, h_n = module(x.view(1, 1, D), h)
            h_t = h_n.reshape(H)
            h_t.retain_grad()
            forward[pre + f"h_{t}"], grads_of[pre + f"dh_{t}"] = h_t, h_t
            grads_of[pre + f"dx_{t}"] = x
            h = h_t.view(1, 1, H)
            if t not in cfg.output_steps(seq):
                continue
            o = W_hy @ h_t + b_y
            y = {"softmax": torch.softmax(o, 0), "sigmoid": torch.sigmoid(o)}.get(cfg.head, o)
            forward[pre + f"o_{t}"], forward[pre + f"y_{t}"] = o, y
            if cfg.loss == "none":
                continue
            target = torch.tensor(target_vector(cfg, seq.targets[t], K), dtype=f64)
            if cfg.loss == "bce":
                L_t = torch.nn.functional.binary_cross_entropy(y, target, reduction="sum")
            elif cfg.loss == "ce":
                L_t = torch.nn.functional.cross_entropy(o.view(1, K), target.view(1, K))
            else:
                L_t = torch.nn.functional.mse_loss(y, target)
            forward[pre + f"L_{t}"] = L_t
            seq_losses.append(L_t)
        if seq_losses:
            forward[pre + "L"] = torch.stack(seq_losses).sum()
            losses.append(forward[pre + "L"])
    if not cfg.trains:
        return {k: v.detach().numpy().copy() for k, v in forward.items()}, []
    forward["L"] = torch.stack(losses).sum()
    forward["L"].backward()
    out = {k: v.detach().numpy().copy() for k, v in forward.items()}
    out.update({k: _grad(v) for k, v in grads_of.items()})
    g_ih, g_hh = module.weight_ih_l0.grad.numpy(), module.weight_hh_l0.grad.numpy()
    gb_ih, gb_hh = module.bias_ih_l0.grad.numpy(), module.bias_hh_l0.grad.numpy()
    grads = {"W_hy": W_hy.grad.numpy(), "b_y": b_y.grad.numpy(), "h_0": h_0.grad.numpy()}
    grads["c_0"] = _grad(c_0)
    for j, g in enumerate(blocks):
        rows = slice(j * H, (j + 1) * H)
        grads[f"W_{g}x"], grads[f"W_{g}h"] = g_ih[rows], g_hh[rows]
        grads[f"W_{g}"] = np.hstack([g_hh[rows], g_ih[rows]])  # acting on [h, x]
        grads[f"b_{g}"] = gb_ih[rows]
    grads["b_hh"] = gb_hh[2 * H :]
    problems = []
    gate_rows = slice(0, (4 if cfg.cell == "lstm" else 2) * H)  # b split over both vectors
    if not np.allclose(gb_ih[gate_rows], gb_hh[gate_rows], rtol=RTOL, atol=ATOL):
        problems.append("bias_ih and bias_hh gradients differ")
    for name in cfg.trained():
        out["d" + name] = grads[name]
        out[name + "_new"] = cfg.params[name] - cfg.lr * grads[name]
    return out, problems


# -- comparing ----------------------------------------------------------------------------


def mismatches(
    trace, expected: dict[str, np.ndarray], complete: bool, optional: set[str] = frozenset()
) -> list[str]:
    """What differs; with ``complete``, also every trace key the reference does not know."""
    problems = []
    for key, want in expected.items():
        if key not in trace:
            if key not in optional:
                problems.append(f"{key}: missing from the trace")
            continue
        got = np.asarray(trace[key].value, dtype=float)
        if got.shape != np.shape(want):
            problems.append(f"{key}: shape {got.shape}, torch {np.shape(want)}")
        elif not np.allclose(got, want, rtol=RTOL, atol=ATOL):
            err = np.max(np.abs(got - want))
            problems.append(
                f"{key}: engine {got.tolist()} torch {np.asarray(want).tolist()} "
                f"(max abs diff {err:.3g})"
            )
    if complete:
        unknown = [step.key for step in trace if step.key not in expected]
        problems += [f"{key}: in the trace, unknown to the reference" for key in unknown]
    return problems


def check_explicit(cfg: CellConfig) -> None:
    torch = require_torch()
    trace = trace_config(cfg)
    expected, optional = explicit_reference(torch, cfg)
    problems = mismatches(trace, expected, complete=True, optional=optional)
    assert not problems, describe(cfg) + "\n" + "\n".join(problems[:25])


def check_nn(cfg: CellConfig) -> None:
    torch = require_torch()
    trace = trace_config(cfg)
    expected, problems = nn_reference(torch, cfg)
    problems += mismatches(trace, expected, complete=False)
    assert not problems, "torch.nn: " + describe(cfg) + "\n" + "\n".join(problems[:25])


def seeded(seed: int) -> dict:
    """Choices cycled over the seeds so every head/loss, output and bias case comes up."""
    return {
        "head_loss": ALL_HEAD_LOSS[seed % len(ALL_HEAD_LOSS)],
        "output": ["last", "every"][(seed // len(ALL_HEAD_LOSS)) % 2],
        "bias": [None, True, False][seed % 3],
    }


# -- the cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_against_torch(seed):
    """LSTM, separate or concatenated gates: torch.nn.LSTM and the explicit reference."""
    rng = np.random.default_rng(7000 + seed)
    cfg = random_cell_config(
        rng, "lstm", form=["separate", "concatenated"][seed % 2], **seeded(seed)
    )
    check_nn(cfg)
    check_explicit(cfg)


@pytest.mark.parametrize("seed", SEEDS)
def test_gru_reset_after_keep_old_against_torch_nn_gru(seed):
    """PyTorch's GRU convention: torch.nn.GRU and the explicit reference."""
    rng = np.random.default_rng(8000 + seed)
    cfg = random_cell_config(rng, "gru", variant="reset_after", update="keep_old", **seeded(seed))
    check_nn(cfg)
    check_explicit(cfg)


@pytest.mark.parametrize("seed", SEEDS)
def test_gru_every_convention_against_explicit_torch(seed):
    """Every GRU variant, update convention and form (cycled over the seeds)."""
    variant, update, form = GRU_VARIANTS[seed % len(GRU_VARIANTS)]
    rng = np.random.default_rng(9000 + seed)
    choices = seeded(seed // len(GRU_VARIANTS) + seed)
    cfg = random_cell_config(rng, "gru", variant=variant, update=update, form=form, **choices)
    check_explicit(cfg)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_scalar_cells_many_sequences(cell):
    """D = H = K = 1, single-step sequences, everything given."""
    rng = np.random.default_rng(9900 + len(cell))
    cfg = random_cell_config(
        rng,
        cell,
        variant="reset_after",
        update="keep_old",
        form="separate",
        output="last",
        head_loss=("sigmoid", "bce"),
        bias=True,
        h0=True,
        c0=True,
        max_size=1,
        max_T=1,
        max_sequences=1,
    )
    cfg.sequences = [SeqSpec(rng.uniform(-1, 1, (1, 1)), {1: [1.0]}) for _ in range(3)]
    check_nn(cfg)
    check_explicit(cfg)
