"""gradflow on a long sequence (issue 14): ``rnntrace gradflow`` over T = 10,000 steps of a
tanh RNN (H = 4, one-hot inputs), the whole command, as JSON and as text written to a file
(target: under 2 s of wall time each), against a plain numpy script run the same way:
numpy's own loop of the same products (load the YAML, h_t = tanh(W_xh x_t + W_hh h_(t−1) +
b_h), A_j = diag(1 − h_j²) W_hh with ‖A_j‖₂ and ρ(A_j), J_k = A_t ··· A_(t−k+1) with ‖J_k‖₂
and ‖J_k‖_F for every k, the norms written as JSON). Both are whole processes (imports
included); the ratio says what the explanations, the checks and the full report cost.

Run alone with ``python benchmarks/bench_gradflow.py``, or with every benchmark through
``make bench`` (``benchmarks/run_all.py``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

STEPS = 10_000
TARGET = 2.0  # seconds, the whole command


def scenario(steps: int = STEPS, hidden: int = 4, vocabulary: int = 5) -> str:
    """A tanh RNN over ``steps`` one-hot characters, W_hh = 0.999 × an orthogonal matrix."""
    rng = np.random.default_rng(1)
    vocab = list("abcdefgh"[:vocabulary])
    q, _ = np.linalg.qr(rng.normal(size=(hidden, hidden)))
    doc = {
        "title": f"{steps:,} steps",
        "input": {"one_hot": vocab},
        "sequences": [{"tokens": "".join(rng.choice(vocab, steps)), "split": "chars"}],
        "model": {"cell": "rnn", "output": "last", "head": "identity"},
        "params": {
            "W_xh": rng.normal(0, 0.05, (hidden, vocabulary)).round(4).tolist(),
            "W_hh": (0.999 * q).round(4).tolist(),
            "b_h": rng.normal(0, 0.01, hidden).round(4).tolist(),
            "W_hy": [[0.1] * hidden],
            "b_y": [0.0],
        },
    }
    return yaml.safe_dump(doc, default_flow_style=True, width=10**9)


def reference(path: str, out: str) -> None:
    """The numpy loop: the forward pass, every A_j and J_k and their norms, as JSON."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    vocab = doc["input"]["one_hot"]
    p = {key: np.array(value, dtype=float) for key, value in doc["params"].items()}
    seq = doc["sequences"][0]["tokens"]
    h = np.zeros((len(seq) + 1, p["W_hh"].shape[0]))
    for t, char in enumerate(seq, start=1):
        h[t] = np.tanh(p["W_xh"][:, vocab.index(char)] + p["W_hh"] @ h[t - 1] + p["b_h"])
    steps, distances = [], []
    J = np.eye(h.shape[1])
    for j in range(len(seq), 0, -1):
        A = (1 - h[j] ** 2)[:, None] * p["W_hh"]
        steps.append([float(np.linalg.norm(A, 2)), float(np.max(np.abs(np.linalg.eigvals(A))))])
        J = J @ A
        distances.append([float(np.linalg.norm(J, 2)), float(np.linalg.norm(J, "fro"))])
    Path(out).write_text(json.dumps({"steps": steps, "distances": distances}), encoding="utf-8")


def run() -> None:
    import run_all as ra  # benchmarks/ is on the path, as for every bench_*.py

    ra.compile_bytecode()  # run alone as through run_all: rnntrace as it is installed
    print(f"gradflow over T = {STEPS:,} steps (tanh RNN, H = 4, one-hot inputs)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "long.yaml"
        path.write_text(scenario(), encoding="utf-8")
        gradflow = [*ra.RNNTRACE, "gradflow", str(path), "--force", "-o"]
        medians = ra.interleaved({
            "numpy": [sys.executable, __file__, "--reference", str(path), str(folder / "r.json")],
            "json": [*gradflow, str(folder / "flow.json"), "--format", "json"],
            "text": [*gradflow, str(folder / "flow.txt")],
        })  # fmt: skip
        ours = json.loads((folder / "flow.json").read_text(encoding="utf-8"))
        numpy_norms = json.loads((folder / "r.json").read_text(encoding="utf-8"))["distances"]
        agree = np.allclose([d["norm"] for d in ours["distances"]],
                            [n for n, _ in numpy_norms], rtol=1e-9, atol=1e-300)  # fmt: skip
        megabytes = (folder / "flow.json").stat().st_size / 1e6
    print(f"   reference: the numpy loop (python benchmarks/bench_gradflow.py --reference)"
          f"   {medians['numpy']:.2f} s")  # fmt: skip
    for name, words in (("json", f"--format json -o flow.json ({megabytes:.0f} MB)"),
                        ("text", "-o flow.txt")):  # fmt: skip
        seconds = medians[name]
        print(f"   rnntrace gradflow long.yaml {words}   {seconds:.2f} s, "
              f"{seconds / medians['numpy']:.2f}x the numpy loop   target < {TARGET:g} s   "
              f"{ra.verdict(seconds < TARGET)}")  # fmt: skip
    print(f"   ‖J_k‖₂ for every k: gradflow's = the numpy loop's to 1e-9: {ra.verdict(agree)}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--reference"]:
        reference(sys.argv[2], sys.argv[3])
    else:
        run()
