"""The size of an HTML page (issue 16, and issue 14's "every input either runs or is refused
up front"): ``run --format html`` and ``export --format html`` estimate their page before
tracing and refuse one beyond the limit in one line; the estimate is checked against pages
really written, of simple, LSTM, GRU and bidirectional models, written whole and packed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.engine.size import OUTPUT_LIMITS, estimate
from rnntrace._internal.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FACTOR = 2  # the estimate is within this factor of the real size (docs/html.md)


def _longer(tmp_path: Path, name: str, T: int, H: int | None = None) -> Path:
    """A bundled scenario with one sequence of T of its tokens (and, with H, hidden size H:
    random parameters of the shapes that H gives)."""
    doc = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))
    rng = np.random.default_rng(T)
    sequence = dict(doc["sequences"][0])
    sequence["tokens"] = " ".join(rng.choice(list(doc["input"]["embeddings"]), T))
    doc["sequences"] = [sequence]
    if H is not None:
        doc["params"] = {key: _resized(key, value, H, rng) for key, value in doc["params"].items()}
    path = tmp_path / f"{name}-{T}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _resized(key: str, value: list, H: int, rng: np.random.Generator) -> list:
    """Parameter ``key`` of a one-layer model with hidden size H (inputs and outputs kept)."""
    if key == "W_hy":
        shape: tuple[int, ...] = (len(value), H)
    elif key == "b_y":
        shape = (len(value),)
    elif key.startswith("b_"):
        shape = (H,)
    elif key.endswith("x") or key == "W_xh":
        shape = (H, len(value[0]))
    else:  # W_hh, W_fh, ...
        shape = (H, H)
    return rng.normal(0, 0.3, shape).round(2).tolist()


def _invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _estimate(path: Path, command: str) -> int:
    return estimate(load_scenario(path)).output("html", packed=command == "run")


@pytest.mark.parametrize(
    ("name", "T", "H"),
    [
        ("sentiment", 5, None),  # written whole
        ("sentiment-lstm", 5, None),
        ("sentiment-gru", 5, None),
        ("bidirectional", 5, None),
        ("sentiment", 300, None),  # packed: more than 1.5 MB of steps
        ("sentiment-lstm", 80, None),
        ("bidirectional", 150, None),
        ("sentiment-gru", 60, 12),  # the numbers outweigh the steps
    ],
)
def test_the_estimate_of_a_run_page_is_within_a_factor_of_its_real_size(tmp_path, name, T, H):
    path = _longer(tmp_path, name, T, H)
    page = tmp_path / "page.html"
    result = _invoke("run", path, "--format", "html", "-o", page)
    assert result.exit_code == 0, result.output
    real = page.stat().st_size
    assert real / FACTOR <= _estimate(path, "run") <= real * FACTOR


@pytest.mark.parametrize(
    ("name", "T", "H"),
    [("sentiment", 20, None), ("sentiment-lstm", 10, None), ("bidirectional", 20, None),
     ("sentiment", 10, 12)],
)  # fmt: skip
def test_the_estimate_of_an_export_key_is_within_a_factor_of_its_real_size(tmp_path, name, T, H):
    path = _longer(tmp_path, name, T, H)
    result = _invoke("export", path, "--format", "html", "-o", tmp_path / "hw.html")
    assert result.exit_code == 0, result.output
    real = (tmp_path / "hw-key.html").stat().st_size  # the larger page: the worked steps
    assert real > (tmp_path / "hw.html").stat().st_size
    assert real / FACTOR <= _estimate(path, "export") <= real * FACTOR


def _refused(monkeypatch, tmp_path: Path, *args: str) -> str:
    """The one line that ``args`` is refused with, before any tracing: nothing written."""

    def no_tracing(*args, **kwargs):
        raise AssertionError("traced before refusing")

    with monkeypatch.context() as patch:
        patch.setattr("rnntrace._internal.engine.trace_scenario", no_tracing)
        result = _invoke(*args)
    message = result.output.strip()
    assert result.exit_code == 2, result.output
    assert "\n" not in message and "Traceback" not in message
    assert list(tmp_path.glob("*.html")) == [] and list(tmp_path.glob("*.assignment.yaml")) == []
    return message


def test_run_refuses_a_page_beyond_the_limit_in_one_line(tmp_path, monkeypatch):
    path = _longer(tmp_path, "sentiment", 3000, 12)
    assert _estimate(path, "run") > OUTPUT_LIMITS["html"]
    message = _refused(monkeypatch, tmp_path, "run", path, "--format", "html", "-o",
                       tmp_path / "p.html")  # fmt: skip
    assert "html output would be about" in message and "the limit is 20 MB" in message
    assert "--steps" in message and "--phase" in message and "--allow-large" in message


def test_export_refuses_a_key_beyond_the_limit_in_one_line(tmp_path, monkeypatch):
    path = _longer(tmp_path, "sentiment", 500, 12)
    assert _estimate(path, "export") > OUTPUT_LIMITS["html"]  # and the LaTeX export is not
    assert estimate(load_scenario(path)).output("latex") < OUTPUT_LIMITS["latex"]
    message = _refused(monkeypatch, tmp_path, "export", path, "--format", "html", "-o",
                       tmp_path / "hw.html")  # fmt: skip
    assert "html output would be about" in message and "--steps" in message


def test_an_ordinary_page_is_not_refused(tmp_path):
    path = SCENARIOS / "sentiment.yaml"
    assert _invoke("run", path, "--format", "html", "-o", tmp_path / "p.html").exit_code == 0
    result = _invoke("export", path, "--format", "html", "-o", tmp_path / "hw.html")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "hw-key.html").exists()
