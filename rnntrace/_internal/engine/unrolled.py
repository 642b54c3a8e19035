"""The forward pass of one long sequence without the tracer (``gradflow`` over 10⁵ steps).

What a recurrent layer computes at step t does not depend on t: the same ops, in the same
order, from x_t, the states of step t − 1 and the parameters. So the sequence is traced over
its first three steps only, and the steps of time 2 that make the states (h_2, and c_2 of an
LSTM, in every layer) are the template. Checked against time 3 (the same ops, operands,
symbols and values), the template is compiled into one function (the ops' compiled forms:
``compiled.step_function``) and run for t = 3..T.

The result is a Trace of the forward pass: every step of times 1 and 2 as traced, then the
template's steps for each later t, their keys, operands and symbols retimed and their values
computed in exact float64 (the same to about 1e-16 as the tracer's), without labels (nothing
that reads this trace prints them). A layer whose steps differ from one t to the next (the
backward direction, a decoder, fed-back outputs) or numbers carried rounded are not unrolled:
``unrolled_forward`` returns None and the caller traces.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.engine.compiled import step_function
from rnntrace._internal.engine.topology import cell_class
from rnntrace._internal.scenario.model import Scenario, Sequence
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Shifted, Symbol, retimed
from rnntrace._internal.trace import SequenceInfo, Step, Trace

TEMPLATE, CHECK = 2, 3  # the time step copied, and the one it is checked against
UNLABELLED = Label("none")  # one for every unrolled step: a label is plain frozen data


@dataclass(frozen=True)
class _Template:
    """The steps of time 2 that make the states, and what their function reads."""

    inputs: list[Step]  # x_2 (data of the sequence)
    computed: list[Step]  # the ops, in trace order
    args: list[str]  # the function's arguments: parameters, x_2, states of time 1
    states: dict[str, str]  # a state of time 1 -> the same state at time 2


def unrolled_forward(scenario: Scenario, number: int) -> Trace | None:
    """The forward pass of sequence ``number`` (1-based) unrolled from its step at time 2, or
    None when its steps cannot be (see the module's docstring)."""
    if not 1 <= number <= len(scenario.sequences) or scenario.numbers.rounded:
        return None
    seq = scenario.sequences[number - 1]
    if scenario.model.topology != "standard" or seq.length <= CHECK:
        return None
    short = replace(scenario, model=replace(scenario.model, loss="none"),
                    sequences=tuple(_cut(s, CHECK) for s in scenario.sequences))  # fmt: skip
    traced = trace_scenario(short)
    prefix = traced.meta.sequences[number - 1].prefix
    template = _template(traced, prefix, cell_class(scenario.model.cell).states)
    if template is None or not _repeats(traced, template, seq):
        return None
    whole = zip(traced.meta.sequences, scenario.sequences)
    trace = Trace(replace(traced.meta, sequences=tuple(_whole(scenario, info, s)
                                                       for info, s in whole)))  # fmt: skip
    for step in traced:
        if step.time is None or step.time < CHECK:  # the other sequences are cut short too
            trace.add(step)
    _unroll(trace, traced, template, seq)
    return trace


def _cut(seq: Sequence, length: int) -> Sequence:
    """The sequence's first ``length`` steps."""
    return replace(seq, tokens=seq.tokens[:length], inputs=seq.inputs[:length],
                   targets={t: v for t, v in seq.targets.items() if t <= length})  # fmt: skip


def _whole(scenario: Scenario, info: SequenceInfo, seq: Sequence) -> SequenceInfo:
    """What the meta of a trace of the whole sequence says of it."""
    return replace(info, tokens=seq.tokens, output_steps=tuple(scenario.output_steps(seq)),
                   targets={t: target.text for t, target in seq.targets.items()})  # fmt: skip


def _template(traced: Trace, prefix: str, states: tuple[str, ...]) -> _Template | None:
    """The steps of time 2 of the sequence that the states of time 2 are made of."""
    at = {s.key: s for s in traced if s.time == TEMPLATE and s.key.startswith(prefix)
          and s.phase == "forward"}  # fmt: skip
    ends = {f"{name}_{TEMPLATE}" for name in states}
    wanted = [key for key in at if key.rpartition(".")[2] in ends]
    needed: set[str] = set()
    while wanted:
        key = wanted.pop()
        if key in at and key not in needed:
            needed.add(key)
            wanted.extend(at[key].operands)
    steps = [at[key] for key in at if key in needed]
    inputs = [s for s in steps if s.op == "input"]
    computed = [s for s in steps if s.op != "input"]
    if not computed or any(not s.operands for s in computed):
        return None  # a constant made at each step (a cut, zeros): not this kind of layer
    args: list[str] = [s.key for s in inputs]
    previous: dict[str, str] = {}
    for step in computed:
        for key in step.operands:
            if key in needed or key in args:
                continue
            source = traced[key]
            if source.time == TEMPLATE - 1 and key.rpartition(".")[2] in _at(states, 1):
                previous[key] = _retime(key, TEMPLATE)
            elif source.time is not None or source.op != "given":
                return None  # something other than the parameters and the states before
            args.append(key)
    return _Template(inputs, computed, args, previous)


def _at(states: tuple[str, ...], t: int) -> set[str]:
    return {f"{name}_{t}" for name in states}


def _retime(key: str, t: int) -> str:
    """``l1.h_2`` at time t."""
    return f"{key.rpartition('_')[0]}_{t}"


class _Form:
    """A step of time 2 as format strings of (t, t − 1): its key and its operands (joined by
    NUL characters: one ``format`` call a step, and there are 10⁵ of them); its symbol is
    the template's, shifted in time (``Shifted``: no new tree a step)."""

    def __init__(self, step: Step, template: _Template) -> None:
        own = {s.key for s in template.computed} | {s.key for s in template.inputs}
        self.step = step
        symbol = step.symbol  # the symbol at time t: ``body`` shifted by ``by + t``
        self.body, self.by = symbol, -TEMPLATE
        if isinstance(symbol, Shifted):
            self.body, self.by = symbol.body, symbol.by - TEMPLATE
        self.key = _escape(step.key.rpartition("_")[0]) + "_{0}"
        self.operands = "\0".join(
            _escape(k.rpartition("_")[0]) + ("_{0}" if k in own else "_{1}")
            if k in own or k in template.states else _escape(k) for k in step.operands
        )  # fmt: skip

    def at(self, t: int) -> tuple[str, Symbol, tuple[str, ...]]:
        """The key, symbol and operands of the step at time t."""
        operands = self.operands.format(t, t - 1).split("\0") if self.operands else ()
        return self.key.format(t), Shifted(self.body, self.by + t), tuple(operands)


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _repeats(traced: Trace, template: _Template, seq: Sequence) -> bool:
    """Whether time 3 is time 2 again: the same ops on the retimed operands, the retimed
    symbols, and the values the compiled template computes."""
    for step in template.inputs + template.computed:
        key, symbol, operands = _Form(step, template).at(CHECK)
        if key not in traced:
            return False
        again = traced[key]
        if (again.op, again.symbol, again.operands) != (step.op, retimed(symbol, 0), operands):
            return False
        if step.op != "input" and again.info != step.info:
            return False
    function = step_function(template.computed, template.args)
    values = function(*_arguments(traced, template, seq, CHECK))
    return all(
        np.allclose(value, traced.value(_retime(step.key, CHECK)), rtol=1e-9, atol=1e-12)
        for step, value in zip(template.computed, values)
    )


def _arguments(traced: Trace, template: _Template, seq: Sequence, t: int) -> list[np.ndarray]:
    """The function's arguments at time t: the parameters, x_t, the states of time t − 1
    as traced."""
    out = []
    for key in template.args:
        if key in template.states:
            out.append(traced.value(_retime(key, t - 1)))
        elif traced[key].op == "input":
            out.append(np.asarray(seq.inputs[t - 1], dtype=float))
        else:
            out.append(traced.value(key))
    return out


def _unroll(trace: Trace, traced: Trace, template: _Template, seq: Sequence) -> None:
    """Add the template's steps for t = 3..T to ``trace``."""
    function = step_function(template.computed, template.args)
    inputs = [(_Form(s, template), template.args.index(s.key)) for s in template.inputs]
    computed = [_Form(s, template) for s in template.computed]
    feeds = {time2: template.args.index(time1) for time1, time2 in template.states.items()}
    args = _arguments(traced, template, seq, CHECK)  # then x_t and the states change
    steps: list[Step] = []
    add = steps.append
    made = [(form.key.format, form.operands.format if form.operands else None, form.body,
             form.by, form.step, feeds.get(form.step.key)) for form in computed]  # fmt: skip
    for t in range(CHECK, seq.length + 1):
        for form, at in inputs:
            args[at] = np.asarray(seq.inputs[t - 1], dtype=float)
            key, symbol, _ = form.at(t)
            info = {**form.step.info, "token": seq.tokens[t - 1]}
            add(Step(key, symbol, t, form.step.sequence, "forward", "input", (), args[at],
                     args[at], UNLABELLED, info, form.step.part, True))  # fmt: skip
        for (key_at, operands, body, by, step, feed), value in zip(made, function(*args)):
            add(Step(key_at(t), Shifted(body, by + t), t, step.sequence, "forward", step.op,
                     tuple(operands(t, t - 1).split("\0")) if operands else (), value, value,
                     UNLABELLED, step.info, step.part, True))  # fmt: skip
            if feed is not None:
                args[feed] = value
    trace.extend(steps)
