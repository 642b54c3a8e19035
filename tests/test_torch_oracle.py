"""PyTorch (float64) as an independent oracle for the engine's forward pass, losses, BPTT
gradients and SGD update.

The reference model is written here with explicit torch ops and autograd; nothing from
rnntrace is used to compute it. Each scenario is random (sizes, lengths, numbers,
activation, head/loss, biases and h_0 given or not, one to three sequences); the YAML
holds the exact float64 numbers (``repr``), so engine and oracle must agree to 1e-10.

Per-time-step gradient contributions (dW_xh_t, ...) are read from autograd too: each time
step uses its own non-leaf copy ``W * 1`` of a parameter, whose retained ``.grad`` is that
step's contribution, while the leaf's ``.grad`` is autograd's own sum.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from oracles import (
    ACTIVATIONS,
    FORWARD_ONLY,
    HEAD_LOSS,
    PARAM_ORDER,
    Config,
    SeqSpec,
    describe,
    oracles_required,
    random_config,
    random_target,
    require_executable,
    require_module,
    require_torch,
    target_vector,
    trace_config,
)

RTOL = ATOL = 1e-10


# -- the independent reference ------------------------------------------------------------


def torch_reference(torch, cfg: Config) -> tuple[dict[str, np.ndarray], set[str]]:
    """Every value the engine should record, by trace key, computed with torch autograd;
    and the set of gradient/update keys that must NOT be in the trace."""
    f64 = torch.float64
    D, H, K = cfg.sizes
    several = len(cfg.sequences) > 1

    def leaf(values):
        return torch.tensor(np.asarray(values, dtype=float), dtype=f64, requires_grad=True)

    P = {key: leaf(value) for key, value in cfg.params.items()}
    zeros_h = torch.zeros(H, dtype=f64)
    zeros_k = torch.zeros(K, dtype=f64)
    act = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[cfg.activation]

    forward: dict[str, object] = {}  # key -> tensor (value compared)
    grads_of: dict[str, object] = {}  # key -> tensor whose .grad is the expected value
    seq_copies: dict[str, list] = {}  # "s1.dW_xh" -> the per-time copies of W_xh
    absent: set[str] = set()  # keys the trace must not have

    def copy(name: str, gkey: str, seq_key: str):
        """A per-use non-leaf copy of parameter ``name`` whose grad is keyed ``gkey``."""
        t = P[name] * 1.0
        t.retain_grad()
        if gkey:
            if cfg.trains:
                grads_of[gkey] = t
            else:
                absent.add(gkey)
        seq_copies.setdefault(seq_key, []).append(t)
        return t

    seq_losses = []
    for number, seq in enumerate(cfg.sequences, start=1):
        pre = cfg.prefix(number)
        outputs = cfg.output_steps(seq)
        h = copy("h_0", pre + "dh_0", pre + "dh_0") if "h_0" in P else zeros_h
        step_losses = []
        for t in range(1, seq.length + 1):
            x = leaf(seq.inputs[t - 1])
            if cfg.trains:
                grads_of[pre + f"dx_{t}"] = x
            else:
                absent.update(pre + f"{name}_{t}" for name in ("dx", "dz", "dh", "do"))
            forward[pre + f"x_{t}"] = x
            W_xh = copy("W_xh", pre + f"dW_xh_{t}", pre + "dW_xh")
            W_hh = copy("W_hh", pre + f"dW_hh_{t}", pre + "dW_hh")
            zx = W_xh @ x
            zh = W_hh @ h
            z = zx + zh
            if "b_h" in P:
                z = z + copy("b_h", "", pre + "db_h")
            z.retain_grad()
            h = act(z)
            h.retain_grad()
            forward.update(
                {pre + f"zx_{t}": zx, pre + f"zh_{t}": zh, pre + f"z_{t}": z, pre + f"h_{t}": h}
            )
            if cfg.trains:
                grads_of[pre + f"dz_{t}"] = z
                grads_of[pre + f"dh_{t}"] = h
            if t not in outputs:
                continue
            W_hy = copy("W_hy", pre + f"dW_hy_{t}", pre + "dW_hy")
            oh = W_hy @ h
            o = oh + (copy("b_y", "", pre + "db_y") if "b_y" in P else zeros_k)
            o.retain_grad()
            if cfg.head == "sigmoid":
                y = torch.sigmoid(o)
            elif cfg.head == "softmax":
                y = torch.softmax(o, dim=0)
            else:
                y = o
            forward.update({pre + f"oh_{t}": oh, pre + f"o_{t}": o, pre + f"y_{t}": y})
            if not cfg.trains:
                continue
            grads_of[pre + f"do_{t}"] = o
            target = torch.tensor(target_vector(cfg, seq.targets[t], K), dtype=f64)
            if cfg.loss == "bce":
                # -sum_k [t log y + (1 - t) log(1 - y)], written stably from the logits
                L_t = torch.nn.functional.binary_cross_entropy_with_logits(
                    o, target, reduction="sum"
                )
            elif cfg.loss == "ce":
                L_t = -torch.log_softmax(o, dim=0)[int(seq.targets[t])]
            else:
                L_t = ((y - target) ** 2).mean()
            forward[pre + f"L_{t}"] = L_t
            step_losses.append(L_t)
        if step_losses:
            L_s = torch.stack(step_losses).sum()
            forward[pre + "L"] = L_s
            seq_losses.append(L_s)
    if seq_losses:
        total = torch.stack(seq_losses).sum()
        forward["L"] = total
        total.backward()

    expected = {key: value.detach().numpy().copy() for key, value in forward.items()}
    for key, tensor in grads_of.items():
        g = tensor.grad
        expected[key] = np.zeros(tuple(tensor.shape)) if g is None else g.numpy().copy()
    trained = cfg.trained()
    for name in PARAM_ORDER:
        if name not in trained:
            absent |= {"d" + name, name + "_new"}
            absent |= {cfg.prefix(n) + "d" + name for n in range(1, len(cfg.sequences) + 1)}
            continue
        grad = P[name].grad
        expected["d" + name] = np.zeros(P[name].shape) if grad is None else grad.numpy().copy()
        expected[name + "_new"] = cfg.params[name] - cfg.lr * expected["d" + name]
        if several:
            for n in range(1, len(cfg.sequences) + 1):
                parts = [c.grad for c in seq_copies.get(f"s{n}.d{name}", []) if c.grad is not None]
                value = sum(p.numpy() for p in parts) if parts else np.zeros(P[name].shape)
                expected[f"s{n}.d{name}"] = np.asarray(value, dtype=float)
    if not cfg.trains:
        absent |= {"L"}
    return expected, absent


def assert_matches(trace, expected: dict[str, np.ndarray], absent: set[str], what: str) -> None:
    problems = []
    for key, want in expected.items():
        if key not in trace:
            problems.append(f"{key}: missing from the trace")
            continue
        got = np.asarray(trace[key].value, dtype=float)
        if got.shape != np.shape(want):
            problems.append(f"{key}: shape {got.shape}, torch {np.shape(want)}")
            continue
        if not np.allclose(got, want, rtol=RTOL, atol=ATOL):
            err = np.max(np.abs(got - want))
            problems.append(
                f"{key}: engine {got.tolist()} torch {np.asarray(want).tolist()} "
                f"(max abs diff {err:.3g})"
            )
    for key in sorted(absent):
        if key in trace:
            problems.append(f"{key}: in the trace, but nothing is trained here")
    assert not problems, f"{what}\n" + "\n".join(problems[:25])


def check(cfg: Config) -> None:
    torch = require_torch()
    expected, absent = torch_reference(torch, cfg)
    trace = trace_config(cfg)
    assert_matches(trace, expected, absent, describe(cfg))


# -- the cases ----------------------------------------------------------------------------

GRID = [
    (activation, output, head_loss, bias, h0)
    for activation, output, head_loss, bias, h0 in itertools.product(
        ACTIVATIONS, ["last", "every"], HEAD_LOSS + FORWARD_ONLY, [False, True], [False, True]
    )
]


@pytest.mark.parametrize(
    "activation,output,head_loss,bias,h0",
    GRID,
    ids=[
        f"{a}-{o}-{hl[0]}+{hl[1]}-{'b' if b else 'nob'}-{'h0' if h else 'noh0'}"
        for a, o, hl, b, h in GRID
    ],
)
def test_grid_against_torch(activation, output, head_loss, bias, h0):
    """Every activation x output x head/loss x (biases given) x (h_0 given), random sizes."""
    seed = GRID.index((activation, output, head_loss, bias, h0))
    rng = np.random.default_rng(1000 + seed)
    cfg = random_config(
        rng, activation=activation, output=output, head_loss=head_loss, bias=bias, h0=h0
    )
    check(cfg)


@pytest.mark.parametrize("seed", range(40))
def test_random_against_torch(seed):
    """Fully random scenarios (including output: none), one to three sequences."""
    cfg = random_config(np.random.default_rng(seed))
    check(cfg)


@pytest.mark.parametrize("head_loss", HEAD_LOSS)
@pytest.mark.parametrize("n_seq", [1, 3])
def test_edge_sizes_against_torch(head_loss, n_seq):
    """D = H = K = 1 and T = 1 (scalars everywhere), several single-step sequences."""
    rng = np.random.default_rng(300 + 10 * HEAD_LOSS.index(head_loss) + n_seq)
    cfg = random_config(
        rng,
        head_loss=head_loss,
        output="last",
        bias=True,
        h0=True,
        max_size=1,
        max_T=1,
        max_sequences=1,
    )
    cfg.sequences = [
        SeqSpec(rng.uniform(-1, 1, size=(1, 1)), dict(cfg.sequences[0].targets))
        for _ in range(n_seq)
    ]
    check(cfg)


@pytest.mark.parametrize("seed", range(4))
def test_large_logits_against_torch(seed):
    """Larger weights: saturated heads, softmax logits above the engine's shift threshold."""
    rng = np.random.default_rng(500 + seed)
    head_loss = [("softmax", "ce"), ("sigmoid", "bce"), ("softmax", "mse"), ("softmax", "ce")][seed]
    cfg = random_config(rng, head_loss=head_loss, output="every", bias=True, h0=True, scale=1.0)
    cfg.params["W_hy"] = cfg.params["W_hy"] * 12.0
    cfg.params["b_y"] = cfg.params["b_y"] + 25.0
    check(cfg)


# -- torch.nn.RNN as a second reference ---------------------------------------------------


@pytest.mark.parametrize("case", ["softmax-ce-every", "sigmoid-bce-last", "identity-mse-every"])
def test_against_torch_nn_rnn(case):
    """torch.nn.RNN (tanh, batch_first, with biases) + nn.Linear head, weights copied in.

    nn.RNN has two hidden biases, b_ih + b_hh; b_h is split between them (b_ih = b_h / 2
    exactly, b_hh = b_h - b_ih), so both must receive the gradient db_h."""
    torch = require_torch()
    nn, F = torch.nn, torch.nn.functional
    head, loss, output = case.split("-")
    rng = np.random.default_rng(
        {"softmax-ce-every": 7, "sigmoid-bce-last": 8, "identity-mse-every": 9}[case]
    )
    D, H, K, T, B = 3, 4, 3, 5, 2
    W_xh, W_hh, b_h = rng.uniform(-1, 1, (H, D)), rng.uniform(-1, 1, (H, H)), rng.uniform(-1, 1, H)
    W_hy, b_y, h_0 = rng.uniform(-1, 1, (K, H)), rng.uniform(-1, 1, K), rng.uniform(-1, 1, H)
    X = rng.uniform(-1.5, 1.5, (B, T, D))
    steps = list(range(1, T + 1)) if output == "every" else [T]
    targets = [{t: random_target(rng, loss, K) for t in steps} for _ in range(B)]
    cfg = Config(
        "tanh",
        output,
        head,
        loss,
        {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "W_hy": W_hy, "b_y": b_y, "h_0": h_0},
        [SeqSpec(X[b], targets[b]) for b in range(B)],
        learning_rate=0.05,
    )
    trace = trace_config(cfg)

    torch.manual_seed(0)
    rnn = nn.RNN(D, H, nonlinearity="tanh", batch_first=True, bias=True).double()
    lin = nn.Linear(H, K).double()
    b_ih = b_h / 2.0
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(W_xh))
        rnn.weight_hh_l0.copy_(torch.tensor(W_hh))
        rnn.bias_ih_l0.copy_(torch.tensor(b_ih))
        rnn.bias_hh_l0.copy_(torch.tensor(b_h - b_ih))
        lin.weight.copy_(torch.tensor(W_hy))
        lin.bias.copy_(torch.tensor(b_y))
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    hx0 = torch.tensor(h_0, dtype=torch.float64, requires_grad=True)
    hs, _ = rnn(x, hx0.reshape(1, 1, H).expand(1, B, H).contiguous())  # (B, T, H)
    hs.retain_grad()
    logits = lin(hs[:, [t - 1 for t in steps], :])  # (B, steps, K)
    if loss == "ce":
        cls = torch.tensor([[targets[b][t] for t in steps] for b in range(B)])
        per = F.cross_entropy(logits.reshape(-1, K), cls.reshape(-1), reduction="none")
    else:
        tgt = torch.tensor([[targets[b][t] for t in steps] for b in range(B)], dtype=torch.float64)
        if loss == "bce":
            per = F.binary_cross_entropy_with_logits(logits, tgt, reduction="none").sum(-1)
        else:
            per = F.mse_loss(logits, tgt, reduction="none").mean(-1)
    per = per.reshape(B, len(steps))
    L = per.sum()
    L.backward()

    def close(key, want):
        got = trace[key].value
        np.testing.assert_allclose(
            got, np.asarray(want, dtype=float), rtol=RTOL, atol=ATOL, err_msg=f"{case}: {key}"
        )

    d = lambda t: t.detach().numpy()  # noqa: E731
    close("L", d(L))
    for b in range(B):
        pre = f"s{b + 1}."
        close(pre + "L", d(per[b].sum()))
        for j, t in enumerate(steps):
            close(pre + f"L_{t}", d(per[b, j]))
            close(pre + f"o_{t}", d(logits[b, j]))
        for t in range(1, T + 1):
            close(pre + f"h_{t}", d(hs[b, t - 1]))
            # hs.grad holds only the output's share of dL/dh_t (the recurrence is inside
            # nn.RNN): the engine's dh_out_t (the full dh_t is checked by the tests above)
            if t in steps:
                close(pre + f"dh_out_{t}", hs.grad[b, t - 1].numpy())
            close(pre + f"dx_{t}", x.grad[b, t - 1].numpy())
    close("dW_xh", rnn.weight_ih_l0.grad.numpy())
    close("dW_hh", rnn.weight_hh_l0.grad.numpy())
    close("db_h", rnn.bias_ih_l0.grad.numpy())
    close("db_h", rnn.bias_hh_l0.grad.numpy())
    close("dW_hy", lin.weight.grad.numpy())
    close("db_y", lin.bias.grad.numpy())
    close("dh_0", hx0.grad.numpy())
    close("W_hh_new", W_hh - 0.05 * rnn.weight_hh_l0.grad.numpy())
    close("h_0_new", h_0 - 0.05 * hx0.grad.numpy())


# -- the oracle guard itself --------------------------------------------------------------


def test_missing_oracle_skips_or_fails(monkeypatch):
    """A missing oracle skips, and fails under RNNTRACE_REQUIRE_ORACLES=1."""
    name = "no-such-program-rnntrace-oracle"
    monkeypatch.delenv("RNNTRACE_REQUIRE_ORACLES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not found on PATH"):
        require_executable(name)
    monkeypatch.setenv("RNNTRACE_REQUIRE_ORACLES", "1")
    assert oracles_required()
    with pytest.raises(pytest.fail.Exception, match="required"):
        require_executable(name)
    with pytest.raises(pytest.fail.Exception, match="required"):
        require_module("no_such_module_rnntrace_oracle")
    monkeypatch.setenv("RNNTRACE_REQUIRE_ORACLES", "0")
    assert not oracles_required()
