"""``--layout seed``: the worked solution laid out as the seeds' worked examples are.

Each stage of a time step is one ``split`` block (LaTeX ``equation*`` with ``split``;
Markdown ``$$\\begin{split} ... \\end{split}$$``). Forward, in the order of seed 002's
self-attention example: the pre-activation, h_t, the scores A_{t,i} (one line per i), the
weights α_t, the context Z_t, the logits o_t (Ω_t in seed 002), ŷ_t and L_t; a model
without attention has the same stages without the attention ones. Backward, in the order
of seed 000's BPTT ("i love this book its amazing"): δo_t, the output layer's gradient
contributions (W_hy, and b_y += δo_t), δh_t, δz_t, the contributions to W_xh, W_hh and
b_h (b_h += δz_t), the input's gradient; then each sum over the time steps as a block.

A stage is the run of steps up to a step that is a result of its own: the products,
exponentials and sums that feed the pre-activation, the softmax or δh are written in the
block of the result they feed (:func:`ends_stage`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from rnntrace._internal.render.prose import Display, Item, Prose
from rnntrace._internal.render.quantities import spelled_latex
from rnntrace._internal.symbol import Symbol, latex
from rnntrace._internal.symbol.tree import Delimited, Name, Row, Scripted
from rnntrace._internal.trace import Step, Trace

# Steps that feed the result after them: written in that result's block.
_FEEDS_FORWARD = frozenset(
    ["input", "matvec", "vecmat", "exp", "total", "hadamard", "one_minus", "scale", "concat",
     "slice"]
)  # fmt: skip
_FEEDS_BACKWARD = frozenset(["matvec", "vecmat", "scale", "activation_derivative", "exp", "total"])
_RESULTS = frozenset(["h", "c"])  # a cell's state ends a stage whatever op made it


def base_name(trace: Trace, step: Step) -> str:
    """A step's key without its sequence prefix, model part and time indices:
    ``s1.enc.dh_ctx_4_1`` -> ``dh_ctx``."""
    name = trace.base_key(step).rsplit(".", 1)[-1]
    while "_" in name and name.rsplit("_", 1)[1].isdigit():
        name = name.rsplit("_", 1)[0]
    return name


def _place(step: Step) -> tuple[object, ...]:
    forward = step.phase == "forward"
    return (step.sequence, step.time, step.part, forward)


def ends_stage(trace: Trace, step: Step, following: Step | None) -> bool:
    """True when ``step`` is the last step of its stage (the step after it, if any, is
    ``following``)."""
    if following is None or step.time is None or _place(step) != _place(following):
        return True
    if step.op == "outer":  # a time step's gradient contributions: one block
        return following.op != "outer"
    if step.phase == "forward":
        return base_name(trace, step) in _RESULTS or step.op not in _FEEDS_FORWARD
    return step.op not in _FEEDS_BACKWARD


def stages(trace: Trace, steps: Sequence[Step]) -> Iterator[list[Step]]:
    """``steps`` cut into stages, in order."""
    current: list[Step] = []
    for i, step in enumerate(steps):
        current.append(step)
        if ends_stage(trace, step, steps[i + 1] if i + 1 < len(steps) else None):
            yield current
            current = []


def bias_sums(trace: Trace) -> dict[str, Step]:
    """The δ steps that are a bias's contribution (δo_t to b_y, δz_t to b_h), each with
    the sum over the time steps it is a term of."""
    found: dict[str, Step] = {}
    for step in trace:
        if step.phase != "gradient" or step.time is not None or step.op != "add":
            continue
        terms = [trace[key] for key in step.operands if key in trace]
        if terms and all(term.time is not None and term.op != "outer" for term in terms):
            found.update((term.key, step) for term in terms)
    return found


def block(items: Iterable[Item]) -> list[Item]:
    """The items of one stage as one split display: the sentences written before its first
    display stay before it, the remarks after it."""
    before: list[Item] = []
    after: list[Item] = []
    rows: list[str] = []
    for item in items:
        if isinstance(item, Display):
            rows.extend(item.rows)
        elif rows or (isinstance(item, Prose) and item.note):
            after.append(item)
        else:
            before.append(item)
    return [*before, *([Display(tuple(rows), split=True)] if rows else []), *after]


def seed_items(
    trace: Trace,
    steps: Sequence[Step],
    step_items: Callable[[Step], Iterable[Item]],
    bias_row: Callable[[Step, Step], Display],
) -> Iterator[Item]:
    """The items of ``steps`` (the shown steps under one heading), stage by stage. After a
    stage's gradient contributions, the bias's contribution (``bias_row(delta, sum)``) of
    each δ they were made from."""
    biases = bias_sums(trace)
    for stage in stages(trace, steps):
        items: list[Item] = [item for step in stage for item in step_items(step)]
        deltas = dict.fromkeys(  # δ x_tᵀ, or x_tᵀ δ with model.layout rows
            key for step in stage if step.op == "outer" for key in step.operands
        )
        items += [bias_row(trace[key], biases[key]) for key in deltas if key in biases]
        yield from block(items)


def parameter_gradient(trace: Trace, param: str, mathjax: bool) -> str:
    """``\\frac{\\partial L}{\\partial W_{xh}}`` with the parameter's display symbol (and
    the loss's, when ``notation`` renames L)."""
    symbol = latex(trace.meta.symbols[param], mathjax)
    return spelled_latex(trace.meta, r"\frac{\partial L}{\partial ", mathjax) + symbol + "}"


def bias_param(trace: Trace, total: Step) -> str | None:
    """The parameter key a bias's sum over time is the gradient of (``s1.db_h`` -> b_h)."""
    key = trace.base_key(total)
    part, _, name = key.rpartition(".")
    param = (part + "." if part else "") + name[1:]
    for candidate in (param, name[1:]):
        if candidate in trace.meta.symbols:
            return candidate
    return None


def entry_symbol(symbol: Symbol, i: int) -> Symbol:
    """The symbol of entry ``i`` of a vector at a time: A_{t} -> A_{t,i} (seed 002's
    scores); a symbol without a subscript gets ``(symbol)_i``."""
    if isinstance(symbol, Scripted) and symbol.sub is not None:
        indices = (
            symbol.sub.items
            if isinstance(symbol.sub, Row) and symbol.sub.sep == ","
            else (symbol.sub,)
        )
        index = Row((*indices, Name(str(i))), ",")
        return Scripted(symbol.base, index, symbol.sup, symbol.sup_first, True, symbol.sup_braced)
    return Scripted(Delimited("paren", symbol), sub=Name(str(i)))
