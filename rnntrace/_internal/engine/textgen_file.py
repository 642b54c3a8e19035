"""The text generator's model file: an ordinary scenario.

Its vocabulary is the characters (one-hot), its sequence one window of the text with the
next characters as targets, its parameters the trained ones, written exactly (shortest
round-trip decimals), so ``rnntrace run model.yaml`` traces the very model that writes the
samples. Its ``textgen`` section, which every other command ignores, keeps how it was
trained and where training stands (Adagrad's memory, the carried hidden state, the loss
curve) for ``--resume``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.engine.textgen import PARAMS, TextSettings, TextState
from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.scenario.load import parse_scenario, read_text
from rnntrace._internal.scenario.model import Scenario


def _flow(value: Any) -> str:
    """A value as a one-line YAML flow (JSON) text: exact floats, escaped strings."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, ensure_ascii=True, allow_nan=False)


def model_text(
    vocab: list[str],
    window: str,
    state: TextState,
    settings: TextSettings,
    corpus: str,
    epochs_done: float,
) -> str:
    """The model file: a scenario with ``window`` (its characters and the next ones) as its
    sequence; the first ``len(window) - 1`` characters are the inputs."""
    p = state.params
    lines = [
        "# A character-level text generator written by `rnntrace textgen train`.",
        "# `rnntrace run` traces it by hand; `rnntrace textgen sample` writes text with it.",
        "version: 1",
        f"title: {_flow('Character-level text generator (' + Path(corpus).name + ')')}",
        f"description: {_flow(_description(settings, state, epochs_done))}",
        f"input:\n  one_hot: {_flow(vocab)}",
        "sequences:",
        f"  - tokens: {_flow(window[:-1])}",
        "    split: chars",
        f"    targets: {_flow(window[1:])}",
        "model: {cell: rnn, activation: tanh, output: every, head: softmax, loss: ce}",
        "params:",
        *(f"  {key}: {_flow(p[key])}" for key in PARAMS),
        f"train: {{learning_rate: {settings.learning_rate!r}"
        + (f", clip: {settings.clip!r}}}" if settings.clip else "}"),
        "numbers: {decimals: 4}",
        "textgen:",
        f"  corpus: {_flow(corpus)}",
        f"  settings: {_flow(_settings_data(settings))}",
        f"  windows: {state.windows}",
        f"  epochs: {epochs_done!r}",
        f"  smooth_loss: {_flow(state.smooth_loss)}",
        f"  curve: {_flow([[w, loss] for w, loss in state.curve])}",
        f"  pending: {_flow(state.pending)}",
        f"  hidden: {_flow(state.hidden)}",
        "  memory:",
        *(f"    {key}: {_flow(state.memory[key])}" for key in PARAMS),
    ]
    return "\n".join(lines) + "\n"


def _description(settings: TextSettings, state: TextState, epochs: float) -> str:
    loss = f"; smoothed loss {state.smooth_loss:.4f} per character" if state.smooth_loss else ""
    return (f"Trained on {state.windows:,} windows ({epochs:.3g} passes over the text): "
            f"{settings.describe()}{loss}.")  # fmt: skip


def _settings_data(settings: TextSettings) -> dict[str, Any]:
    return {"hidden": settings.hidden, "window": settings.window,
            "optimizer": settings.optimizer, "learning_rate": settings.learning_rate,
            "clip": settings.clip, "init": settings.init, "seed": settings.seed,
            "every": settings.every}  # fmt: skip


def read_model(path: str | Path) -> tuple[Scenario, list[str], dict[str, Any] | None]:
    """The model's scenario, its characters, and its ``textgen`` section (None when the file
    is a scenario written by hand); refuses a scenario that is not a character model."""
    import yaml

    text = read_text(path)
    scenario = parse_scenario(text, str(path))
    model = scenario.model
    simple = cells.default_name()  # the character models are simple RNNs
    if (scenario.input_kind != "one_hot" or model.cell != simple or model.head != "softmax"
            or model.topology != "standard" or model.layers != 1 or model.attention != "none"
            or scenario.form != "separate"):  # fmt: skip
        raise RnntraceError(
            f"{path}: not a character model (a simple RNN with a one-hot vocabulary and a "
            "softmax output); `rnntrace textgen train` writes one"
        )
    missing = [key for key in PARAMS if key not in scenario.given]
    if missing:
        raise RnntraceError(f"{path}: a text model gives every parameter; missing {missing}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    section = data.get("textgen") if isinstance(data, dict) else None
    return scenario, list(scenario.vocabulary), section if isinstance(section, dict) else None


def state_from(scenario: Scenario, section: dict[str, Any]) -> tuple[TextSettings, TextState,
                                                                     float]:  # fmt: skip
    """The settings, the training state and the passes done, from a model file's section."""
    try:
        settings = TextSettings(**section["settings"])
        params = {key: np.array(scenario.params[key], dtype=float) for key in PARAMS}
        memory = {key: np.array(section["memory"][key], dtype=float).reshape(params[key].shape)
                  for key in PARAMS}  # fmt: skip
        state = TextState(
            params=params,
            memory=memory,
            hidden=np.array(section["hidden"], dtype=float).reshape(settings.hidden),
            windows=int(section["windows"]),
            smooth_loss=section["smooth_loss"],
            curve=[(int(w), float(loss)) for w, loss in section["curve"]],
            pending=[float(v) for v in section["pending"]],
        )
        return settings, state, float(section["epochs"])
    except (KeyError, TypeError, ValueError) as exc:
        raise RnntraceError(
            f"{scenario.file}: its textgen section is damaged ({exc}); cannot resume"
        ) from None
