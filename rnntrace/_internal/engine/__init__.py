"""The engine: turns a validated scenario into a Trace of named, recorded steps."""

from __future__ import annotations

from dataclasses import replace

from rnntrace._internal import cells
from rnntrace._internal.engine.conventions import conventions
from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.engine.topology import Contributions, Driver, standard
from rnntrace._internal.engine.update import grad_key, learning_rate, record_update
from rnntrace._internal.scenario.model import NumberPolicy, Scenario
from rnntrace._internal.symbol.label import Label, Spelling
from rnntrace._internal.symbol.rename import Renaming, renaming_of
from rnntrace._internal.symbol.tree import Derivative, Name, Symbol
from rnntrace._internal.trace import SequenceInfo, Trace, TraceMeta


def topology(name: str) -> Driver:
    """The driver of a topology (the less common ones are imported when used)."""
    if name == "standard":
        return standard
    from rnntrace._internal.engine import topology_more

    driver: Driver = getattr(topology_more, name)
    return driver


def trace_scenario(scenario: Scenario, numbers: NumberPolicy | None = None) -> Trace:
    """The complete hand calculation of ``scenario``: forward, loss, BPTT, gradients, update.

    ``numbers`` overrides the scenario's number policy (e.g. ``--carry rounded``).
    """
    policy = numbers or scenario.numbers
    several = len(scenario.sequences) > 1
    sym = Symbols(list(scenario.params), scenario.notation, several)
    trace = Trace(_meta(scenario, policy, sym, several))
    rec = Recorder(trace, policy.decimals, policy.rounded, policy.round_terms)
    for key, value in scenario.params.items():
        base = key.rsplit(".", 1)[-1]
        if key in scenario.given or base in ("h_0", "c_0"):
            label = param_label(scenario, key)
            if scenario.init is not None:  # params.init drew it
                from rnntrace._internal.engine.drawn import init_note

                label = label.with_note(init_note(scenario.init, key))
            rec.given(
                key,
                value,
                symbol=sym[key],
                label=label if key in scenario.given else label.with_note("not_given"),
                given=key in scenario.given,
            )
            rec.shared.add(key)
    if scenario.model.skip:  # the skip weight α, a given number (issue 13)
        from rnntrace._internal.engine.rnn import record_skip_weight

        record_skip_weight(rec, scenario)
    tracer = topology(scenario.model.topology)
    per_sequence: list[Contributions] = []
    for seq in scenario.sequences:
        rec.prefix = f"s{seq.number}." if several else ""
        rec.sequence = sym.sequence = seq.number
        per_sequence.append(_sum_over_time(rec, scenario, sym, tracer(rec, scenario, seq, sym)))
    rec.prefix, rec.sequence, sym.sequence = "", None, None
    grads = list(per_sequence[0]) if per_sequence and per_sequence[0] else []
    if several:
        _total(rec, scenario, sym, grads)
    record_update(rec, scenario, sym, grads)
    renamed(trace, renaming_of(scenario.notation, scenario.index_style))
    return trace


def renamed(trace: Trace, renames: Renaming) -> None:
    """Every symbol of ``trace`` (its steps, parameters and conventions) renamed in place,
    and the labels' words spelled with the renames."""
    if not renames.active:  # the symbols stay; the labels spell renamed parameters
        if renames.params:
            spelling = Spelling(renames)
            trace.steps[:] = [replace(step, tag=replace(step.tag, spelling=spelling))
                              for step in trace.steps]  # fmt: skip
            trace._index.update((step.key, step) for step in trace.steps)
        return
    apply, spelling = renames.apply, Spelling(renames)
    trace.steps[:] = [replace(step, symbol=apply(step.symbol),
                              tag=replace(step.tag, spelling=spelling))
                      for step in trace.steps]  # fmt: skip
    trace._index.update((step.key, step) for step in trace.steps)
    meta = trace.meta
    trace.meta = replace(
        meta,
        symbols={key: apply(symbol) for key, symbol in meta.symbols.items()},
        conventions=tuple(tuple(apply(part) if isinstance(part, Symbol) else part
                                for part in sentence) for sentence in meta.conventions),
    )  # fmt: skip


def param_label(scenario: Scenario, key: str) -> Label:
    """What a parameter is: the cell's words for it ('forget gate: input matrix'), in its part."""
    part, dot, base = key.rpartition(".")
    specs = cells.get(scenario.model.cell).param_specs()
    text = specs[base].text if base in specs else base
    return Label("param", ref=text, part=part + dot)


def _sum_over_time(
    rec: Recorder, scenario: Scenario, sym: Symbols, contributions: Contributions
) -> Contributions:
    """∂L/∂θ of the sequence for every trained parameter θ: the sum of its contributions."""
    rec.at("gradient", None)
    trained = {key: contributions.get(key, []) for key in rec.trace.meta.trained}
    for param, keys in trained.items():
        if not keys:  # nothing in this sequence uses it (W_yh with one step, W_a held constant)
            shape = rec.trace.value(param).shape
            rec.do(
                grad_key(param),
                "zeros",
                [],
                Derivative(sym.loss(), sym[param]),
                Label(
                    "gradient_of_the_lossseq_with_respect_to_2",
                    ref=param,
                    sequence=sym.sequence if sym.several else None,
                ).with_note(_held(scenario, param)),
                shape=list(shape),
            )
            if _held(scenario, param):
                rec.note(grad_key(param), _held(scenario, param))
            trained[param] = [grad_key(param)]
    for param, keys in trained.items():
        if keys != [grad_key(param)]:  # a gradient computed whole (dh_0) needs no sum
            rec.do(
                grad_key(param),
                "add",
                keys,
                Derivative(sym.loss(), sym[param]),
                Label(
                    "gradient_of_the_lossseq_with_respect_to",
                    sequence=sym.sequence if sym.several else None,
                    ref=param,
                ),
            )
    return trained


def _held(scenario: Scenario, param: str) -> str:
    """The constant-weights note, for an attention parameter the simplification leaves out."""
    from rnntrace._internal.engine.attention import CONSTANT

    held = scenario.model.attention_gradient == "constant_weights" and param.startswith("att.")
    return CONSTANT if held else ""


def _total(rec: Recorder, scenario: Scenario, sym: Symbols, grads: list[str]) -> None:
    """Loss and gradients summed over all sequences."""
    n = len(scenario.sequences)
    losses = [f"s{i}.L" for i in range(1, n + 1)]
    if all(key in rec.trace for key in losses):
        rec.op("L", "add", losses, phase="loss", symbol=Name("L"), sequence=False,
               label=Label("total_loss_over_all_sequences"))  # fmt: skip
    for param in grads:
        rec.op(
            grad_key(param),
            "add",
            [f"s{i}.{grad_key(param)}" for i in range(1, n + 1)],
            phase="gradient",
            symbol=Derivative(Name("L"), sym[param]),
            sequence=False,
            label=Label("gradient_of_the_total_loss_with_respect", ref=param),
        )


def _meta(scenario: Scenario, policy: NumberPolicy, sym: Symbols, several: bool) -> TraceMeta:
    model = scenario.model
    init = None
    if scenario.init is not None:  # how params.init drew the parameters
        from rnntrace._internal.engine.drawn import init_data

        init = init_data(scenario.init)
    has_loss = model.loss != "none" and model.output != "none"
    trained = [key for key in scenario.params if key in scenario.given] if has_loss else []
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
        learning_rate=learning_rate(scenario),
        params=tuple(scenario.params),
        trained=tuple(trained),
        symbols={key: sym[key] for key in scenario.params},
        sequences=sequences,
        conventions=conventions(scenario, sym),
        topology=model.topology,
        bptt=scenario.train.bptt,
        notation=dict(scenario.notation),
        init=init,
        index_style=scenario.index_style,
        layout=model.layout,
        head_steps=model.head_steps,
    )
