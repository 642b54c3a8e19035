"""``rnntrace gradcheck`` with ``train.bptt_window: k``: the windowed BPTT gradient against
central differences of the objective it is the exact gradient of, L^win = Σ_s L_s with
h_{s−k} held (written again here in numpy), and the check passes; with dropout too, each
window keeping the masks of its steps (drawn again here by the documented rule)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from rnntrace._internal.analysis.gradcheck import gradcheck
from rnntrace._internal.cli import cli
from rnntrace._internal.scenario import parse_scenario

DOC = {
    "version": 1,
    "input": {"vectors": True},
    "sequences": [{"inputs": [[0.5, -1.0], [0.3, 0.8], [-0.2, 0.4], [0.1, 0.9], [0.7, -0.3]],
                   "targets": [0, 1, 1, 0, 1]}],
    "model": {"output": "every", "head": "softmax", "loss": "ce"},
    "params": {"W_xh": [[0.5, -0.3], [0.2, 0.1]], "W_hh": [[0.9, -0.2], [0.3, 0.8]],
               "b_h": [0.1, -0.1], "W_hy": [[0.3, -0.2], [0.1, 0.4]], "b_y": [0.05, 0.0],
               "h_0": [0.2, -0.4]},
    "train": {"bptt_window": 2},
}  # fmt: skip
KEYS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y", "h_0")


def no_dropout(kind: str, t: int) -> float:
    """The scaled mask of ``kind`` at step t: 1 without dropout."""
    return 1.0


def windowed_objective(
    p: dict[str, np.ndarray], held: list[np.ndarray], k: int, mask: Callable = no_dropout
) -> float:
    """Σ_s −log softmax(o_s)[y_s], each from h_{s−k} as ``held`` has it (h_0 when s ≤ k);
    with dropout x̃_t = m_x,t ⊙ x_t, W_hh reads m_r,t ⊙ h_(t−1) and the output layer
    m_y,t ⊙ h_t, each step's masks the same in every window."""
    xs = np.array(DOC["sequences"][0]["inputs"])
    ys = DOC["sequences"][0]["targets"]
    total = 0.0
    for s in range(1, len(xs) + 1):
        start = max(0, s - k)
        h = p["h_0"] if start == 0 else held[start]
        for t in range(start + 1, s + 1):
            x = mask("input", t) * xs[t - 1]
            h = np.tanh(p["W_xh"] @ x + p["W_hh"] @ (mask("recurrent", t) * h) + p["b_h"])
        o = p["W_hy"] @ (mask("output", s) * h) + p["b_y"]
        total += float(np.log(np.exp(o).sum()) - o[ys[s - 1]])
    return total


def assert_matches(check, base: dict[str, np.ndarray], objective: Callable) -> None:
    """Every finite difference of ``check`` and its BPTT gradient agree with the central
    differences of ``objective`` (the numpy one written here)."""
    for p in check.params:
        for index in np.ndindex(base[p.key].shape):
            up, down = dict(base), dict(base)
            up[p.key] = base[p.key].copy()
            down[p.key] = base[p.key].copy()
            up[p.key][index] += 1e-6
            down[p.key][index] -= 1e-6
            fd = (objective(up) - objective(down)) / 2e-6
            assert abs(fd - p.fd[index]) < 1e-8, (p.key, index)
            assert abs(fd - p.bptt[index]) < 1e-7, (p.key, index)


def test_the_windowed_gradient_passes_against_the_windowed_objective() -> None:
    scenario = parse_scenario(yaml.safe_dump(DOC), "window.yaml")
    check = gradcheck(scenario, eps=1e-6)
    assert check.passed and check.windowed == 2
    base = {key: np.array(DOC["params"][key], dtype=float) for key in KEYS}
    held = [base["h_0"]]  # the unperturbed states h_0 .. h_T
    for x in DOC["sequences"][0]["inputs"]:
        held.append(np.tanh(base["W_xh"] @ np.array(x) + base["W_hh"] @ held[-1] + base["b_h"]))
    assert_matches(check, base, lambda p: windowed_objective(p, held, 2))


def gradcheck_words(tmp_path: Path, doc: dict) -> str:
    """``rnntrace gradcheck`` of ``doc`` through the CLI (exit 0), its words on one line."""
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = CliRunner().invoke(cli, ["gradcheck", str(path)])
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert "of the windowed objective of train.bptt_window k = 2" in words
    return words


def test_the_cli_names_the_windowed_objective(tmp_path: Path) -> None:
    assert "each L_s recomputed from the held state" in gradcheck_words(tmp_path, DOC)


DROP = {"input": 0.3, "recurrent": 0.4, "output": 0.25, "seed": 1}


def drawn_mask(kind: str, t: int, size: int = 2) -> np.ndarray:
    """The documented rule (docs/scenario-format.md, model.dropout.seed), scaled: m/(1 − p)
    with m = 1 where u ≥ p, u = default_rng([seed, epoch 1, sequence 1, kind, layer, t])."""
    code, layer = {"input": (1, 0), "recurrent": (2, 1), "output": (3, 0)}[kind]
    u = np.random.default_rng([DROP["seed"], 1, 1, code, layer, t]).random(size)
    return (u >= DROP[kind]).astype(float) / (1.0 - DROP[kind])


def test_with_dropout_the_windowed_objective_keeps_the_trace_s_masks(tmp_path: Path) -> None:
    doc = dict(DOC, model={**DOC["model"], "dropout": DROP})
    check = gradcheck(parse_scenario(yaml.safe_dump(doc), "w.yaml"), eps=1e-6)
    assert check.passed and check.windowed == 2
    base = {key: np.array(DOC["params"][key], dtype=float) for key in KEYS}
    held = [base["h_0"]]  # the unperturbed states h_0 .. h_T, with the masks
    for t, x in enumerate(DOC["sequences"][0]["inputs"], start=1):
        h = drawn_mask("recurrent", t, 2) * held[-1]
        x = drawn_mask("input", t, 2) * np.array(x)
        held.append(np.tanh(base["W_xh"] @ x + base["W_hh"] @ h + base["b_h"]))
    assert_matches(check, base, lambda p: windowed_objective(p, held, 2, drawn_mask))
    assert "FAIL here is expected" not in gradcheck_words(tmp_path, doc)


STACKED = dict(
    DOC,
    model={**DOC["model"], "layers": 2},
    params={"layers": [{k: DOC["params"][k] for k in ("W_xh", "W_hh", "b_h")},
                       {"W_xh": [[0.3, 0.2], [-0.1, 0.4]], "W_hh": [[0.2, 0.1], [-0.3, 0.5]],
                        "b_h": [0.0, 0.1]}],
            "W_hy": DOC["params"]["W_hy"], "b_y": DOC["params"]["b_y"]},
)  # fmt: skip


@pytest.mark.parametrize("variational", [False, True])
def test_a_stacked_model_keeps_each_layer_s_recurrent_masks(variational: bool) -> None:
    """Each layer draws its own recurrent masks; the windows must keep them apart."""
    doc = dict(STACKED, model={**STACKED["model"],
                               "dropout": {**DROP, "variational": variational}})  # fmt: skip
    check = gradcheck(parse_scenario(yaml.safe_dump(doc), "w.yaml"), eps=1e-6)
    assert check.passed and check.windowed == 2, [(p.key, p.rel_error) for p in check.params]
