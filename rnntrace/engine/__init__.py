"""The engine: turns a validated scenario into a Trace of named, recorded steps."""

from __future__ import annotations

from dataclasses import replace

from rnntrace.engine.recorder import Recorder
from rnntrace.engine.rnn import trace_sequence
from rnntrace.engine.symbols import RnnSymbols
from rnntrace.scenario.model import RNN_PARAMS, NumberPolicy, Scenario
from rnntrace.trace import SequenceInfo, Trace, TraceMeta

PARAM_LABELS = {key: text.split(",")[0] for key, text in RNN_PARAMS.items()}


def trace_scenario(scenario: Scenario, numbers: NumberPolicy | None = None) -> Trace:
    """The complete hand calculation of ``scenario``: forward, loss, BPTT, gradients, update.

    ``numbers`` overrides the scenario's number policy (e.g. ``--carry rounded``).
    """
    policy = numbers or scenario.numbers
    several = len(scenario.sequences) > 1
    sym = RnnSymbols(scenario.notation, several)
    trace = Trace(_meta(scenario, policy, sym, several))
    rec = Recorder(trace, policy.decimals, policy.rounded, policy.round_terms)
    for key, value in scenario.params.items():
        if key in scenario.given or key == "h_0":
            note = "" if key in scenario.given else " (not given: zero)"
            rec.given(key, value, symbol=sym[key], label=PARAM_LABELS[key] + note)
    per_sequence: list[list[str]] = []
    for seq in scenario.sequences:
        rec.prefix = f"s{seq.number}." if several else ""
        rec.sequence = seq.number
        sym.sequence = seq.number
        per_sequence.append(trace_sequence(rec, scenario, seq, sym))
    rec.prefix, rec.sequence, sym.sequence = "", None, None
    grads = per_sequence[0] if per_sequence else []
    if several:
        _total(rec, scenario, sym, grads)
    lr = scenario.train.learning_rate
    if grads:
        for name in grads:
            param = name[1:]
            rec.op(
                f"{param}_new",
                "sgd",
                [param, name],
                phase="update",
                symbol=f"{sym[param]}'",
                sequence=False,
                label=f"{param} after one SGD step (learning rate {lr:g})",
                info={"learning_rate": lr},
            )
    return trace


def _total(rec: Recorder, scenario: Scenario, sym: RnnSymbols, grads: list[str]) -> None:
    """Loss and gradients summed over all sequences."""
    n = len(scenario.sequences)
    losses = [f"s{i}.L" for i in range(1, n + 1)]
    if all(key in rec.trace for key in losses):
        rec.op(
            "L",
            "add",
            losses,
            phase="loss",
            symbol="L",
            sequence=False,
            label="total loss over all sequences",
        )
    for name in grads:
        param = name[1:]
        rec.op(
            name,
            "add",
            [f"s{i}.{name}" for i in range(1, n + 1)],
            phase="gradient",
            symbol=f"\\frac{{\\partial L}}{{\\partial {sym[param]}}}",
            sequence=False,
            label=f"gradient of the total loss with respect to {param} (sum over sequences)",
        )


def _meta(scenario: Scenario, policy: NumberPolicy, sym: RnnSymbols, several: bool) -> TraceMeta:
    model = scenario.model
    trained = [key for key in scenario.params if key in scenario.given]
    if model.loss == "none" or model.output == "none":
        trained = []
    if model.output == "none":
        trained = []
    else:
        trained = [key for key in trained if key != "h_0" or "h_0" in scenario.given]
    sequences = tuple(
        SequenceInfo(
            number=seq.number,
            prefix=f"s{seq.number}." if several else "",
            tokens=seq.tokens,
            targets={t: target.text for t, target in seq.targets.items()},
            output_steps=tuple(scenario.output_steps(seq)),
        )
        for seq in scenario.sequences
    )
    return TraceMeta(
        title=scenario.title,
        description=scenario.description,
        cell=model.cell,
        activation=model.activation,
        output=model.output,
        head=model.head,
        loss=model.loss,
        sizes=scenario.sizes,
        input_kind=scenario.input_kind,
        decimals=policy.decimals,
        carry=policy.carry,
        round_terms=policy.round_terms,
        learning_rate=scenario.train.learning_rate,
        params=tuple(scenario.params),
        trained=tuple(trained),
        symbols={key: sym[key] for key in scenario.params},
        sequences=sequences,
    )


__all__ = ["trace_scenario", "replace"]
