"""The public Python API: load a scenario, trace it, grade answers, train, print.

Every function here wraps the objects the command line uses (the scenario loader, the
engine, the grader, the trainer and the printers); nothing is computed twice. Errors are
exceptions: :class:`rnntrace.ScenarioError` (bad input, with ``file:line:col``),
:class:`rnntrace.NumericError` (a NaN or infinity, with the step's key) and their base
:class:`rnntrace.RnntraceError`. See docs/api.md; ``rnntrace.__all__`` lists
what is public.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

# re-exported (``rnntrace.to_html`` is this module's): the public names are rnntrace.__all__
from rnntrace._internal.api.printers import to_html as to_html
from rnntrace._internal.api.printers import to_json as to_json
from rnntrace._internal.api.printers import to_latex as to_latex
from rnntrace._internal.api.printers import to_markdown as to_markdown
from rnntrace._internal.api.printers import to_text as to_text
from rnntrace._internal.api.results import Report as Report
from rnntrace._internal.api.results import Training as Training
from rnntrace._internal.api.views import Comparison as Comparison
from rnntrace._internal.api.views import Trace
from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.scenario import Scenario

Source = Scenario | str | Path | Mapping[str, Any]
DEFAULT_EPOCHS = 100  # as `rnntrace train` without --epochs or train.epochs


def _plain(data: Any) -> Any:
    """Numpy arrays and numbers in a mapping made plain lists and floats, for YAML."""
    if isinstance(data, Mapping):
        return {str(key): _plain(value) for key, value in data.items()}
    if isinstance(data, np.ndarray):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_plain(item) for item in data]
    return data.item() if isinstance(data, np.generic) else data


def load(source: Source) -> Scenario:
    """A validated scenario from a file path, YAML text (a string with a line break) or a
    mapping shaped like a scenario file. Raises ScenarioError with ``file:line:col``."""
    from rnntrace._internal.scenario import load_scenario, parse_scenario

    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        import yaml

        return parse_scenario(yaml.safe_dump(_plain(source), sort_keys=False), "<dict>")
    if isinstance(source, str) and "\n" in source:
        return parse_scenario(source, "<string>")
    return load_scenario(source)


def trace(
    scenario: Source,
    *,
    carry: str | None = None,
    decimals: int | None = None,
    round_terms: bool | None = None,
) -> Trace:
    """The complete hand calculation of ``scenario``. ``carry`` ("exact" or "rounded"),
    ``decimals`` (the places numbers are carried and shown with) and ``round_terms`` override
    the scenario's ``numbers`` section."""
    from dataclasses import replace

    from rnntrace._internal.engine import trace_scenario

    loaded = load(scenario)
    policy = loaded.numbers
    if carry is not None:
        if carry not in ("exact", "rounded"):
            raise RnntraceError(f"carry: expected exact or rounded, found {carry!r}")
        policy = replace(policy, carry=carry)
    if decimals is not None:
        if not 0 <= decimals <= 12:
            raise RnntraceError(f"decimals: expected 0 to 12, found {decimals!r}")
        policy = replace(policy, decimals=decimals)
    if round_terms is not None:
        policy = replace(policy, round_terms=round_terms)
    return Trace(trace_scenario(loaded, policy), replace(loaded, numbers=policy))


def with_params(scenario: Source, **params: Any) -> Scenario:
    """The scenario with some parameters replaced, by key (``W_hh=[[...], ...]``); each new
    value must have the shape of the old one."""
    from rnntrace._internal.engine.training import with_params as replaced

    loaded = load(scenario)
    values = {}
    for key, value in params.items():
        if key not in loaded.params:
            known = ", ".join(loaded.params)
            raise RnntraceError(f"{key}: not a parameter of {loaded.file} (it has {known})")
        array = np.array(value, dtype=float)
        if array.shape != loaded.params[key].shape:
            raise RnntraceError(
                f"{key}: expected shape {loaded.params[key].shape}, found {array.shape}"
            )
        values[key] = array
    return replaced(loaded, values)


def compare(before: Trace, after: Trace) -> Comparison:
    """The steps whose values differ between two traces (of the same model with, say, one
    weight changed), with the largest difference of each."""
    return Comparison(before, after)


def _answer_text(answers: str | Path | Mapping[str, Any]) -> tuple[str, str] | None:
    """(YAML text, name) of answers given as text or a mapping; None for a file path."""
    if isinstance(answers, Mapping):
        import yaml

        return yaml.safe_dump(_plain(answers), sort_keys=False), "<answers>"
    if isinstance(answers, str) and "\n" in answers:
        return answers, "<answers>"
    return None


def verify(
    scenario: Source,
    answers: str | Path | Mapping[str, Any],
    *,
    ask: Sequence[str] = (),
    carry: str = "exact",
    decimals: int | None = None,
    sigfigs: int | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    carried_credit: str | None = None,
) -> Report:
    """Grade ``answers`` (a file, YAML text, or a mapping key -> number or nested list)
    against ``scenario``, as ``rnntrace verify`` does: tolerance (``decimals``, ``sigfigs``
    or ``rtol``/``atol``; default the scenario's decimals), error carried forward, rounding
    drift. ``ask`` limits the questions (keys or shell patterns)."""
    from rnntrace._internal.verify import Grader, Tolerance

    loaded = load(scenario)
    rel = None if rtol is None else Decimal(str(rtol))
    abs_ = None if atol is None else Decimal(str(atol))
    rule = Tolerance.choose(decimals, sigfigs, rel, abs_, loaded.numbers.decimals)
    grader = Grader(loaded, rule, carry=carry, ask=list(ask))
    given = _answer_text(answers)
    sheet = grader.read(Path(answers)) if given is None else grader.parse(*given)  # type: ignore[arg-type]
    credit = carried_credit or loaded.assignment.carried_credit
    return Report(grader.grade(sheet), grader, credit, sheet.unknown)


def train(
    scenario: Source,
    *,
    epochs: int | None = None,
    learning_rate: float | None = None,
    clip: float | None = None,
    l2: float | None = None,
    bptt: int | None = None,
    report: Sequence[int] | None = None,
) -> Training:
    """SGD over all sequences, epoch after epoch, as ``rnntrace train`` does; options left
    out come from the scenario's ``train`` section. Epoch N's loss is the loss before the
    N-th update. ``report``: the epochs to tabulate (default 1, 10, 100, ..., the last)."""
    from rnntrace._internal.engine.training import Settings, default_report, techniques
    from rnntrace._internal.engine.training import train as run

    loaded = load(scenario)
    t = loaded.train
    settings = Settings(
        epochs=epochs or t.epochs or DEFAULT_EPOCHS,
        learning_rate=learning_rate or t.learning_rate,
        clip=clip if clip is not None else t.clip,
        l2=l2 if l2 is not None else t.l2,
        bptt=bptt if bptt is not None else t.bptt,
        **techniques(t),
    )
    marks = sorted(set(report)) if report else default_report(settings.epochs)
    bad = [m for m in marks if not 1 <= m <= settings.epochs]
    if bad:
        raise RnntraceError(f"report: epoch {bad[0]} is not between 1 and {settings.epochs}")
    return Training(run(loaded, settings, marks), loaded)
