"""The topologies beyond one RNN over one sequence (see seed 001):

generate          one input; each output ŷ_t is the next step's input (through W_yh for a
                  simple RNN that gives it, else through the input matrices, so K = D);
                  ``teacher_forcing`` feeds the targets instead (no gradient through them)
bidirectional     a forward RNN over t = 1..T and a backward one over t = T..1; the output
                  reads [h→_t, h←_t] ([h→_T, h←_1] for an output at the last step)
encoder_decoder   an encoder over the input; its last state starts a decoder that reads the
                  previous output (zeros at step 1, the target with teacher forcing) and, with
                  attention, [previous output, context]
"""

from __future__ import annotations

from rnntrace._internal.engine import heads
from rnntrace._internal.engine.cell import CellTracer
from rnntrace._internal.engine.fed import fed_back, fed_input
from rnntrace._internal.engine.recorder import Recorder
from rnntrace._internal.engine.seq2seq import Seq2Seq
from rnntrace._internal.engine.symbols import Symbols
from rnntrace._internal.engine.topology import (
    Contributions,
    gradients,
    initial,
    initial_state_gradients,
    link,
    make_cells,
    record_input,
    states_at,
)  # fmt: skip
from rnntrace._internal.scenario.model import Scenario, Sequence
from rnntrace._internal.symbol.label import Label
from rnntrace._internal.symbol.tree import Delimited, Delta, Group, Name, Row, Scripted, sub


def generate(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    """One input, then each output fed back as the next input."""
    T = seq.out_length or 1
    tokens = (seq.tokens[0],) + tuple(f"y_{t}" for t in range(1, T))
    (cell,) = make_cells(rec, scenario, sym, [""], tokens)
    if "W_yh" in scenario.given:
        cell.feedback = "W_yh"
    inputs = []
    for t in range(1, T + 1):
        rec.at("forward", t)
        x = record_input(rec, scenario, seq, 1) if t == 1 else fed_input(rec, scenario, seq, t, "x")
        inputs.append(x)
        cell.forward(t, x, initial(cell) if t == 1 else states_at(cell, t - 1))
        heads.output(rec, scenario, seq, t, sym)
    if not heads.total_loss(rec, scenario, seq, sym):
        return {}
    fed: str | None = None
    for t in range(T, 0, -1):
        rec.at("backward", t)
        key = heads.output_backward(rec, scenario, seq, t, sym, fed_back=fed_back(scenario, t, fed))
        prev = initial(cell) if t == 1 else states_at(cell, t - 1)
        nxt, cut = link(rec, cell, t, t + 1 if t < T else None, t)
        fed = cell.backward(t, inputs[t - 1], prev, ([key] if key else []) + cut, nxt)
    return gradients([cell], scenario, seq, initial_state_gradients([cell], 1))


def bidirectional(rec: Recorder, scenario: Scenario, seq: Sequence, sym: Symbols) -> Contributions:
    """A forward and a backward RNN; outputs read both."""
    T = seq.length
    fw, bw = make_cells(rec, scenario, sym, ["fw.", "bw."], seq.tokens)
    for t in range(1, T + 1):
        rec.at("forward", t)
        x = record_input(rec, scenario, seq, t)
        fw.forward(t, x, initial(fw) if t == 1 else states_at(fw, t - 1))
    for t in range(T, 0, -1):
        rec.at("forward", t)
        bw.forward(t, f"x_{t}", initial(bw) if t == T else states_at(bw, t + 1))
    H_fw = rec.trace.value(rec.ref(fw.k("h_1"))).size
    sources = {}
    for t in scenario.output_steps(seq):
        rec.at("forward", t)
        back = 1 if scenario.model.output == "last" else t
        rec.do(
            f"hcat_{t}",
            "concat",
            [fw.k(f"h_{t}"), bw.k(f"h_{back}")],
            Delimited("bracket", Row((fw.s("h", t), bw.s("h", back)), ", ")),
            Label("both_directions_states_at_t_t", time=t),
        )
        sources[t] = (f"hcat_{t}", back)
        heads.output(rec, scenario, seq, t, sym, f"hcat_{t}")
    if not heads.total_loss(rec, scenario, seq, sym):
        return {}
    ext: dict[tuple[str, int], list[str]] = {}
    for t in sorted(sources, reverse=True):
        rec.at("backward", t)
        source, back = sources[t]
        key = heads.output_backward(rec, scenario, seq, t, sym, source, f"dhcat_{t}")
        if key:
            width = rec.trace.value(rec.key(source)).size
            for cell, (start, stop), at in ((fw, (0, H_fw), t), (bw, (H_fw, width), back)):
                symbol = Delta(Scripted(Group(cell.s("h", at)), sup=Name("o")))
                rec.do(
                    cell.k(f"dh_out_{t}"),
                    "slice",
                    [key],
                    symbol,
                    Label(
                        "part_of_dh_ref_from_the_output_at_t_t", ref=str(at), part=cell.part, time=t
                    ),
                    start=start,
                    stop=stop,
                )
                ext.setdefault((cell.part, at), []).append(cell.k(f"dh_out_{t}"))
    for t in range(T, 0, -1):
        rec.at("backward", t)
        nxt, cut = link(rec, fw, t, t + 1 if t < T else None, t)
        fw.backward(t, f"x_{t}", initial(fw) if t == 1 else states_at(fw, t - 1),
                    ext.pop((fw.part, t), []) + cut, nxt)  # fmt: skip
    for t in range(1, T + 1):
        rec.at("backward", t)
        nxt, cut = link(rec, bw, t, t - 1 if t > 1 else None, T - t + 1)
        bw.backward(t, f"x_{t}", initial(bw) if t == T else states_at(bw, t + 1),
                    ext.pop((bw.part, t), []) + cut, nxt)  # fmt: skip
        rec.at("gradient", t)
        rec.do(
            f"dx_{t}",
            "add",
            [fw.k(f"dx_{t}"), bw.k(f"dx_{t}")],
            Delta(sub("x", t)),
            Label("gradient_of_the_input_vector_of_token_t_2", token=seq.tokens[t - 1], time=t),
        )
    extra = initial_state_gradients([fw], 1)
    extra.update(initial_state_gradients([bw], T))
    return gradients([fw, bw], scenario, seq, extra)


def encoder_decoder(rec: Recorder, scenario: Scenario, seq: Sequence,
                    sym: Symbols) -> Contributions:  # fmt: skip
    """An encoder, its last state starting a decoder (with attention, if any)."""
    return Seq2Seq(rec, scenario, seq, sym).run()


__all__ = ["CellTracer", "bidirectional", "encoder_decoder", "generate"]
