"""``train --trace-epoch N --format latex --layout seed``: the traced epoch's worked solution in
the seeds' layout, as ``run --layout seed`` lays out a scenario.

The oracle is an SGD loop written here in numpy (forward, softmax cross-entropy, BPTT, one
step of η = 0.1) for the scenario hello: epoch 2's hidden states, parsed from the printed
split blocks, are those of the model after one update."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
HELLO = ROOT / "scenarios" / "hello.yaml"
SPLIT = re.compile(r"\\begin\{split\}\n(.*?)\n\\end\{split\}", re.S)


def _invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def _epoch(epoch: int, *extra: str) -> str:
    code, out, err = _invoke("train", HELLO, "--epochs", "2", "--trace-epoch", str(epoch),
                             "--format", "latex", *extra)  # fmt: skip
    assert code == 0, err
    return out


def _hello_states_after_one_step() -> list[float]:
    """h_1..h_4 of hello after one SGD step (numpy; H = 1, one-hot inputs h, e, l, l)."""
    W_xh = np.array([[0.5, -0.3, 0.2, 0.1]])
    W_hh, b_h = np.array([[0.4]]), np.zeros(1)
    W_hy, b_y = np.array([[0.3], [-0.2], [0.5], [0.1]]), np.zeros(4)
    eye = np.eye(4)
    xs, ys = [eye[i] for i in (0, 1, 2, 2)], [1, 2, 2, 3]  # hell -> ello

    def forward() -> list[np.ndarray]:
        hs = [np.zeros(1)]
        for x in xs:
            hs.append(np.tanh(W_xh @ x + W_hh @ hs[-1] + b_h))
        return hs

    hs = forward()
    grads = [np.zeros_like(p) for p in (W_xh, W_hh, b_h, W_hy, b_y)]
    dh_next = np.zeros(1)
    for t in range(4, 0, -1):
        o = W_hy @ hs[t] + b_y
        p = np.exp(o - o.max()) / np.exp(o - o.max()).sum()
        do = p - eye[ys[t - 1]]
        grads[3] += np.outer(do, hs[t])
        grads[4] += do
        dz = (W_hy.T @ do + dh_next) * (1 - hs[t] ** 2)
        grads[0] += np.outer(dz, xs[t - 1])
        grads[1] += np.outer(dz, hs[t - 1])
        grads[2] += dz
        dh_next = W_hh.T @ dz
    for param, grad in zip((W_xh, W_hh, b_h, W_hy, b_y), grads):
        param -= 0.1 * grad
    return [float(h[0]) for h in forward()[1:]]


def test_the_traced_epoch_is_laid_out_as_the_seeds_do() -> None:
    standard, seed = _epoch(2), _epoch(2, "--layout", "seed")
    assert r"\begin{split}" in seed and r"\begin{split}" not in standard
    # epoch 1 is the untrained model: the seed layout of run, block for block
    code, run, err = _invoke("run", HELLO, "--format", "latex", "--layout", "seed")
    assert code == 0, err
    assert SPLIT.findall(_epoch(1, "--layout", "seed")) == SPLIT.findall(run)


def test_the_seed_layout_of_epoch_2_has_the_states_after_one_update() -> None:
    seed = _epoch(2, "--layout", "seed")
    found = {}
    for block in SPLIT.findall(seed):
        for row in block.split(" \\\\\n"):
            match = re.match(r"h_\{(\d)\} &= .*(?:=|\\approx) (-?\d+\.\d+)$", row.strip())
            if match:
                found[int(match.group(1))] = float(match.group(2))
    expected = _hello_states_after_one_step()
    assert sorted(found) == [1, 2, 3, 4]
    for t, value in found.items():
        assert value == pytest.approx(expected[t - 1], abs=0.5e-4 + 1e-12), t


@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        (["--trace-epoch", "1", "--layout", "seed"], "--layout seed goes with --format latex"),
        (["--format", "latex", "--layout", "seed"], "--layout seed goes with --trace-epoch N"),
    ],
)
def test_the_seed_layout_is_refused_where_there_is_no_worked_solution(
    extra: list[str], expect: str
) -> None:
    code, out, err = _invoke("train", HELLO, "--epochs", "2", *extra)
    assert code == 2 and out == ""
    assert expect in err and len(err.strip().splitlines()) == 1, err


def test_train_help_names_the_layout() -> None:
    code, out, _ = _invoke("train", "--help")
    assert code == 0 and "--layout [standard|seed]" in out
