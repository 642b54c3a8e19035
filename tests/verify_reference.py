"""An independent reference for grading tests: the sentiment scenario's whole calculation in
plain numpy, written here from the textbook equations (not from rnntrace's engine), for a
student who may have slipped on some hidden states and carried the slip forward.

``student_values(overrides)`` returns every quantity a student computes, by rnntrace key,
with the hidden states in ``overrides`` replaced by the student's (wrong) numbers and every
later quantity computed from them, as a student who carries their error forward does.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml

SENTIMENT = Path(__file__).resolve().parents[1] / "scenarios" / "sentiment.yaml"


def _doc(path: Path = SENTIMENT) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def student_values(
    overrides: dict[str, list[float]] | None = None,
    carry_decimals: int | None = None,
    path: Path = SENTIMENT,
) -> dict[str, np.ndarray]:
    """Every quantity of the sentiment scenario; ``overrides`` maps keys of hidden states
    (``s1.h_2``) to the values the student wrote for them. With ``carry_decimals`` every
    quantity is rounded (half to even, as numpy does) before it is used again, as by hand;
    else all is float64."""
    overrides = overrides or {}
    doc = _doc(path)  # the sentiment scenario, or one of its variants
    emb = {k: np.array(v, float) for k, v in doc["input"]["embeddings"].items()}
    p = {k: np.array(v, float) for k, v in doc["params"].items()}
    W_xh, W_hh, b_h, W_hy, b_y = p["W_xh"], p["W_hh"], p["b_h"], p["W_hy"], p["b_y"]
    lr = doc["train"]["learning_rate"]
    out: dict[str, np.ndarray] = {}

    def keep(key: str, value) -> np.ndarray:
        value = np.asarray(overrides.get(key, value), float)
        out[key] = value if carry_decimals is None else np.round(value, carry_decimals)
        return out[key]

    totals: dict[str, list[np.ndarray]] = {}
    for n, seq in enumerate(doc["sequences"], start=1):
        s = f"s{n}."
        tokens = seq["tokens"].split()
        T, label = len(tokens), float(seq["label"])
        xs = {t: emb[tok] for t, tok in enumerate(tokens, start=1)}
        h = {0: np.zeros(3)}
        for t in range(1, T + 1):
            zx = keep(s + f"zx_{t}", W_xh @ xs[t])
            zh = keep(s + f"zh_{t}", W_hh @ h[t - 1])
            z = keep(s + f"z_{t}", zx + zh + b_h)
            h[t] = keep(s + f"h_{t}", np.tanh(z))
        o = keep(s + f"o_{T}", keep(s + f"oh_{T}", W_hy @ h[T]) + b_y)
        y_hat = keep(s + f"y_{T}", 1.0 / (1.0 + np.exp(-o)))
        loss = keep(s + f"L_{T}", -(label * np.log(y_hat) + (1 - label) * np.log(1 - y_hat)).sum())
        keep(s + "L", loss)
        # backpropagation through time, t = T down to 1
        do = keep(s + f"do_{T}", y_hat - label)
        keep(s + f"dW_hy_{T}", np.outer(do, h[T]))
        dh_out = keep(s + f"dh_out_{T}", W_hy.T @ do)
        dz_next = None
        for t in range(T, 0, -1):
            dh = dh_out if t == T else np.zeros(3)
            if dz_next is not None:
                dh = dh + keep(s + f"dh_next_{t}", W_hh.T @ dz_next)
            dh = keep(s + f"dh_{t}", dh)
            dz = keep(s + f"dz_{t}", dh * keep(s + f"dhdz_{t}", 1 - h[t] ** 2))
            keep(s + f"dW_xh_{t}", np.outer(dz, xs[t]))
            keep(s + f"dW_hh_{t}", np.outer(dz, h[t - 1]))
            keep(s + f"dx_{t}", W_xh.T @ dz)
            dz_next = dz
        sums = {
            "dW_xh": sum(out[s + f"dW_xh_{t}"] for t in range(1, T + 1)),
            "dW_hh": sum(out[s + f"dW_hh_{t}"] for t in range(1, T + 1)),
            "db_h": sum(out[s + f"dz_{t}"] for t in range(1, T + 1)),
            "dW_hy": out[s + f"dW_hy_{T}"],
            "db_y": do,
        }
        for name, value in sums.items():
            totals.setdefault(name, []).append(keep(s + name, value))
        totals.setdefault("L", []).append(out[s + "L"])
    for name, values in totals.items():
        keep(name, sum(values))
    for param in ("W_xh", "W_hh", "b_h", "W_hy", "b_y"):
        keep(f"{param}_new", p[param] - lr * out["d" + param])
    return out


def answers_text(values: dict[str, np.ndarray], keys: list[str] | None = None) -> str:
    """An answers file with ``values`` written at full precision."""
    lines = []
    for key in keys or list(values):
        value = np.asarray(values[key], float)
        lines.append(f"{key}: {json.dumps(value.tolist())}")
    return "\n".join(lines) + "\n"
