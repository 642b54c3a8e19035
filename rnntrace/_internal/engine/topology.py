"""How the layers of a model are wired over a sequence (``model.topology``), forward and back.

standard        one RNN over the sequence, or ``model.layers`` stacked ones (layer l reads
                layer l−1's hidden states; ``model.residual`` adds the layer's input to its
                output), outputs at the last step or every step, optionally through
                self-attention over the hidden states (``model.attention: self``).
Other topologies live in ``topology_more``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.engine import heads
from rnntrace._internal.engine.cell import CellTracer
from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.scenario.model import ModelSpec, Scenario, Sequence
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Delta, Group, Name, Scripted, Symbol, sub, upright


def cell_class(cell: str) -> type[CellTracer]:
    """The tracer class of a cell (``cells.get(cell).tracer``, imported on first use)."""
    found: type[CellTracer] = cells.get(cell).tracer_class()
    return found


Contributions = dict[str, list[str]]


def record_input(rec: Recorder, scenario: Scenario, seq: Sequence, t: int,
                 key: str = "x", value: np.ndarray | None = None,
                 label: Label | None = None) -> str:  # fmt: skip
    """x_t, the input vector of token t; returns its key."""
    token = seq.tokens[t - 1] if t <= len(seq.tokens) else ""
    rec.given(rec.key(f"{key}_{t}"), seq.inputs[t - 1] if value is None else value,
              symbol=sub(key, t), time=t, op="input", phase="forward",
              label=label or Label("input_vector_of_token_t_t", token=token, time=t),
              info={"token": token, "source": scenario.input_kind})  # fmt: skip
    return f"{key}_{t}"


def initial(cell: CellTracer) -> dict[str, str]:
    """The keys of a layer's initial states: h_0 (and c_0), parameters of its part."""
    return {state: cell.p(f"{state}_0") for state in cell.states}


def states_at(cell: CellTracer, t: int) -> dict[str, str]:
    """The keys of a layer's states after step t."""
    return {state: cell.k(f"{state}_{t}") for state in cell.states}


def make_cells(rec: Recorder, scenario: Scenario, sym: Symbols, parts: list[str],
               tokens: tuple[str, ...]) -> list[CellTracer]:  # fmt: skip
    """One cell tracer per part, reading ``tokens`` (for labels)."""
    cells = [cell_class(scenario.model.cell)(rec, scenario, sym, part) for part in parts]
    for cell in cells:
        cell.tokens = tokens
    return cells


def gradients(cells: list[CellTracer], scenario: Scenario, seq: Sequence,
              extra: Contributions | None = None) -> Contributions:  # fmt: skip
    """Every parameter's contributions: the cells', the output layer's, and ``extra``."""
    out: Contributions = {}
    for cell in cells:
        out.update(cell.gradient_parts())
    recorded = _recorded(cells[0].rec)
    outputs = [t for t in scenario.output_steps(seq) if f"do_{t}" in recorded]
    out["W_hy"] = [f"dW_hy_{t}" for t in outputs]
    out["b_y"] = [f"do_{t}" for t in outputs]
    out.update(extra or {})
    return out


def _recorded(rec: Recorder) -> set[str]:
    """The short keys of this sequence recorded so far."""
    return {step.key[len(rec.prefix):] for step in rec.trace.steps
            if step.key.startswith(rec.prefix)}  # fmt: skip


def accumulate(rec: Recorder, key: str, parts: list[str], symbol: Symbol, label: Label) -> str:
    """One key for the sum of ``parts``: the part itself when there is only one."""
    if len(parts) == 1:
        return parts[0]
    rec.do(key, "add", parts, symbol, label)
    return key


def initial_state_gradients(cells: list[CellTracer], first: int) -> Contributions:
    """∂L/∂h_0 (and c_0) of every layer whose initial states the scenario gives."""
    out: Contributions = {}
    for cell in cells:
        wanted = tuple(s for s in cell.states if cell.given(f"{s}_0"))
        if wanted:
            cell.rec.at("gradient", None)
            for state, key in cell.initial_gradients(first, initial(cell), wanted).items():
                out[cell.p(f"{state}_0")] = [key]
    return out


def link(rec: Recorder, cell: CellTracer, t: int, nxt: int | None,
         position: int) -> tuple[int | None, list[str]]:  # fmt: skip
    """The step whose deltas flow back into step t, or, where truncated BPTT
    (``train.bptt: k``) cuts the chain after every k-th step read, None and a visible
    zero step saying so (its key is then one of δh_t's parts)."""
    k = cell.scenario.train.bptt
    if nxt is None or k is None or position % k:
        return nxt, []
    size = rec.trace.value(rec.ref(cell.k(f"h_{t}"))).size
    rec.do(
        cell.k(f"cut_{t}"),
        "cut",
        [],
        sub(Name("0"), upright("cut")),
        Label(
            "truncated_bptt_k_ref_nothing_flows_back", ref=str(k), other=nxt, time=t, part=cell.part
        ),
        size=size,
    )
    return None, [cell.k(f"cut_{t}")]


def standard(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    """One RNN, or stacked ones, with outputs (and self-attention) at the top."""
    model = scenario.model
    parts = [""] if model.layers == 1 else [f"l{i}." for i in range(1, model.layers + 1)]
    cells = make_cells(rec, scenario, sym, parts, seq.tokens)
    for level, cell in enumerate(cells):
        cell.layer, cell.skip_input = level + 1, level in _skipping(model)
    outputs = scenario.output_steps(seq)
    tops: list[str] = []
    for t in range(1, seq.length + 1):
        rec.at("forward", t)
        below = _dropped_input(rec, scenario, t, record_input(rec, scenario, seq, t))
        for level, cell in enumerate(cells):
            prev = initial(cell) if t == 1 else states_at(cell, t - 1)
            cell.forward(t, below, prev)
            below = _residual(rec, cell, t, below) if level and model.residual else cell.k(f"h_{t}")
        tops.append(below)
        source = _self_context(rec, t, tops) if model.attention == "self" else below
        if t in outputs:
            heads.output(rec, scenario, seq, t, sym, _dropped_output(rec, scenario, t, source))
    if not heads.total_loss(rec, scenario, seq, sym):
        return {}
    if scenario.train.bptt_window:
        from rnntrace._internal.engine.window import windowed_backward

        def layer_step(level: int, t: int, parts: dict[tuple[int, int], list[str]], s: int) -> None:
            layer_backward(rec, cells, level, t, seq, parts, model.residual, last=s)

        def output_step(t: int) -> str | None:
            return _output_backward(rec, scenario, seq, t, sym, tops[t - 1], f"dh_out_{t}")

        extra = windowed_backward(rec, scenario, seq, cells, output_step, layer_step)
        return gradients(cells, scenario, seq, extra)
    incoming: dict[tuple[int, int], list[str]] = {}  # (level, t) -> parts of d(output of level)
    top = len(cells) - 1
    exact = model.attention_gradient == "exact"
    # model.head_steps: nothing flows back from the steps after the last one with a loss
    last = max(model.head_steps) if model.head_steps else seq.length
    for t in range(last, 0, -1):
        rec.at("backward", t)
        if model.attention == "self":
            name = f"dZ_{t}"
            if _output_backward(rec, scenario, seq, t, sym, f"Z_{t}", name):
                for i, keys in _self_backward(rec, t, tops[:t], name, exact).items():
                    incoming.setdefault((top, i), []).extend(keys)
        else:
            key = _output_backward(rec, scenario, seq, t, sym, tops[t - 1], f"dh_out_{t}")
            if key:
                incoming.setdefault((top, t), []).append(key)
        for level in range(top, -1, -1):
            layer_backward(rec, cells, level, t, seq, incoming, model.residual, last=last)
    return gradients(cells, scenario, seq, initial_state_gradients(cells, 1))


def _self_context(rec: Recorder, t: int, tops: list[str]) -> str:
    """Z_t, the self-attention context at step t (engine.attention, imported when used)."""
    from rnntrace._internal.engine import attention

    return attention.self_context(rec, t, tops)


def _self_backward(
    rec: Recorder, t: int, tops: list[str], name: str, exact: bool
) -> dict[int, list[str]]:
    """∂L/∂h_i of the states self-attention at step t read, from ``name`` = ∂L/∂Z_t."""
    from rnntrace._internal.engine import attention

    return attention.self_backward(rec, t, tops, name, exact)


def _residual(rec: Recorder, cell: CellTracer, t: int, below: str) -> str:
    """The output of a residual layer: h_t plus the layer's input."""
    rec.do(
        cell.k(f"res_{t}"),
        "add",
        [cell.k(f"h_{t}"), below],
        cell.s("r", t),
        Label("output_of_the_layer_with_its_residual_co", part=cell.part, time=t),
    )
    return cell.k(f"res_{t}")


def layer_backward(
    rec: Recorder,
    cells: list[CellTracer],
    level: int,
    t: int,
    seq: Sequence,
    incoming: dict[tuple[int, int], list[str]],
    residual: bool,
    last: int | None = None,
) -> None:
    """BPTT step t of one layer; sends ∂L/∂(its input) to the layer below. ``last``: the
    latest step the deltas come back from (the sequence's last; a BPTT window's loss)."""
    cell = cells[level]
    external = incoming.pop((level, t), [])
    if residual and level and external:  # the output is h_t + input: both get the gradient
        external = [
            accumulate(
                rec,
                cell.k(f"dres_{t}"),
                external,
                Delta(cell.s("r", t)),
                Label("gradient_of_the_residual_output_at_t_t", time=t, part=cell.part),
            )
        ]
        incoming.setdefault((level - 1, t), []).extend(external)
    x = _input_key(cell.scenario, t) if level == 0 else _output_key(cells, level - 1, t, residual)
    prev = initial(cell) if t == 1 else states_at(cell, t - 1)
    nxt, cut = link(rec, cell, t, t + 1 if t < (last or seq.length) else None, t)
    dx = cell.backward(t, x, prev, external + cut, nxt)
    if level:
        incoming.setdefault((level - 1, t), []).append(dx)


def _output_key(cells: list[CellTracer], level: int, t: int, residual: bool) -> str:
    cell = cells[level]
    return cell.k(f"res_{t}") if residual and level else cell.k(f"h_{t}")


# -- layer skips and input/output dropout (issue 13) ------------------------------------------
def _skipping(model: ModelSpec) -> set[int]:
    """The levels (0 = the bottom) whose state adds the layer's input (model.layers[*].skip)."""
    return {level for level, skip in enumerate(model.layer_skip) if skip}


def _mask(rec: Recorder, scenario: Scenario, kind: str, t: int, size: int) -> str | None:
    """Step t's dropout mask of ``kind`` (engine.dropout, imported when the model has one)."""
    if scenario.model.dropout is None:
        return None
    from rnntrace._internal.engine import dropout

    return dropout.mask(rec, scenario, kind, t, size)


def _input_mask(rec: Recorder, scenario: Scenario, t: int) -> str | None:
    size = rec.trace.value(rec.key(f"x_{t}")).size
    return _mask(rec, scenario, "input", t, size)


def _input_key(scenario: Scenario, t: int) -> str:
    """What the first layer reads at step t: x_t, or x̃_t after input dropout."""
    drop = scenario.model.dropout
    return f"xd_{t}" if drop is not None and drop.input else f"x_{t}"


def _dropped_input(rec: Recorder, scenario: Scenario, t: int, x: str) -> str:
    """x̃_t = m^x_t ⊙ x_t with input dropout (else x_t)."""
    mask = _input_mask(rec, scenario, t)
    if mask is None:
        return x
    from rnntrace._internal.engine import dropout

    return dropout.apply(rec, f"xd_{t}", x, mask, dropout.dropped_symbol("x", t), "x_t", t)


def _output_mask(rec: Recorder, scenario: Scenario, t: int, source: str) -> str | None:
    size = rec.trace.value(rec.ref(source)).size
    return _mask(rec, scenario, "output", t, size)


def _dropped_output(rec: Recorder, scenario: Scenario, t: int, source: str) -> str:
    """What the output layer reads at step t: ``source``, or its copy after output dropout."""
    mask = _output_mask(rec, scenario, t, source)
    if mask is None:
        return source
    from rnntrace._internal.engine import dropout

    return dropout.apply(rec, f"vd_{t}", source, mask, dropout.dropped_symbol("v", t), "v_t", t)


def _output_backward(rec: Recorder, scenario: Scenario, seq: Sequence, t: int, sym: Symbols,
                     source: str, name: str) -> str | None:  # fmt: skip
    """The output layer's part of ∂L/∂``source`` at step t, recorded as ``name`` (through the
    output dropout's mask when there is one)."""
    drop = scenario.model.dropout
    if drop is None or not drop.output:
        return heads.output_backward(rec, scenario, seq, t, sym, source, name)
    key = heads.output_backward(rec, scenario, seq, t, sym, f"vd_{t}", f"dvd_{t}")
    if key is None:
        return None
    mask = _output_mask(rec, scenario, t, source)
    assert mask is not None
    # (δh_t)^out: the output layer's part of δh_t, as the part from the next step is (δh_t)^next
    symbol = Delta(Scripted(Group(rec.trace[rec.ref(source)].symbol), sup=upright("out")))
    from rnntrace._internal.engine import dropout

    return dropout.back(rec, name, key, mask, symbol, "v_t", t)


Driver = Callable[[Recorder, Scenario, Sequence, Symbols], Contributions]
