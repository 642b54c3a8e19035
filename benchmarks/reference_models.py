"""Hand-written references for the training benchmark: the hello task with self-attention
(one-hot [h, e, l, o], input "hell", targets "ello", simple tanh RNN, dot-product
self-attention over the hidden states, softmax output, cross-entropy), written the way a
person would write it: a plain numpy loop, and the same in PyTorch eager. One epoch = the
loss before the update, the gradients by BPTT, one SGD step."""

from __future__ import annotations

import numpy as np


def numpy_epoch(params: dict[str, np.ndarray], xs: np.ndarray, ys: list[int],
                lr: float) -> float:  # fmt: skip
    """One epoch of the hand-written numpy model; updates ``params`` in place."""
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    T, H = len(xs), W_hh.shape[0]
    hs = np.zeros((T + 1, H))
    alphas, Zs, ps = [], [], []
    loss = 0.0
    for t in range(T):  # forward
        hs[t + 1] = np.tanh(W_xh @ xs[t] + W_hh @ hs[t] + b_h)
        keys = hs[1 : t + 2]
        scores = keys @ hs[t + 1]
        e = np.exp(scores - scores.max())
        alpha = e / e.sum()
        Z = alpha @ keys
        o = W_hy @ Z + b_y
        p = np.exp(o - o.max())
        p /= p.sum()
        loss -= np.log(p[ys[t]])
        alphas.append(alpha)
        Zs.append(Z)
        ps.append(p)
    dW_xh, dW_hh, db_h = np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b_h)
    dW_hy, db_y = np.zeros_like(W_hy), np.zeros_like(b_y)
    dh = np.zeros((T + 1, H))
    for t in range(T - 1, -1, -1):  # attention and output, back
        do = ps[t].copy()
        do[ys[t]] -= 1.0
        dW_hy += np.outer(do, Zs[t])
        db_y += do
        dZ = W_hy.T @ do
        keys = hs[1 : t + 2]
        dalpha = keys @ dZ
        dA = alphas[t] * (dalpha - alphas[t] @ dalpha)
        dh[1 : t + 2] += np.outer(alphas[t], dZ) + np.outer(dA, hs[t + 1])
        dh[t + 1] += dA @ keys
    dnext = np.zeros(H)
    for t in range(T - 1, -1, -1):  # BPTT
        dz = (dh[t + 1] + dnext) * (1.0 - hs[t + 1] ** 2)
        dW_xh += np.outer(dz, xs[t])
        dW_hh += np.outer(dz, hs[t])
        db_h += dz
        dnext = W_hh.T @ dz
    for key, grad in (("W_xh", dW_xh), ("W_hh", dW_hh), ("b_h", db_h), ("W_hy", dW_hy),
                      ("b_y", db_y)):  # fmt: skip
        params[key] -= lr * grad
    return float(loss)


def torch_epoch(torch, params: dict, xs, ys: list[int], lr: float) -> float:
    """One epoch of the same model in PyTorch eager (autograd); updates ``params``."""
    W_xh, W_hh, b_h, W_hy, b_y = (params[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"))
    h = torch.zeros(W_hh.shape[0], dtype=torch.float64)
    hs = []
    loss = torch.zeros((), dtype=torch.float64)
    for t in range(len(xs)):
        h = torch.tanh(W_xh @ xs[t] + W_hh @ h + b_h)
        hs.append(h)
        keys = torch.stack(hs)
        alpha = torch.softmax(keys @ h, 0)
        o = W_hy @ (alpha @ keys) + b_y
        loss = loss - torch.log_softmax(o, 0)[ys[t]]
    for p in params.values():
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params.values():
            p -= lr * p.grad
    return float(loss.detach())
