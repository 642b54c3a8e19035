"""The fast path for training: the engine's own tape, compiled.

A Trace records, for every step, its op and the keys of its operands, and the structure of
the calculation does not depend on the parameters' values. So the trace of one epoch is
turned once into straight-line numpy code — one line per step that the losses and the
gradients need (steps that only explain, such as δx_t, are pruned) — and that function is
run every epoch with the current parameters. Nothing is recorded or explained, rounded or
checked: training pays only for the arithmetic. The lines are the ops of ``ops.py``, written
for numpy arrays; ``test_compiled`` checks that the compiled values equal the recorded ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnntrace._internal.engine.time_rows import Rows, schedule
from rnntrace._internal.ops import DEFINITIONS, SCOPE, ce_parts
from rnntrace._internal.trace import Step, Trace

Arrays = dict[str, np.ndarray]


class TapeInfo:
    """A step's info as an op's expression reads it in a compiled tape: numbers written in,
    arrays as named constants, ``fixed`` expressions where the tape supplies its own (the
    indexed tape's targets), and what the op recomputes from its operands when run (a
    softmax's shift: the tape runs with new parameters)."""

    def __init__(
        self,
        op: str,
        info: Mapping[str, Any],
        a: list[str],
        const: Callable[[Any], str],
        fixed: Mapping[str, str] | None = None,
    ) -> None:
        self.op, self.info, self.a, self.const, self.fixed = op, info, a, const, fixed or {}

    def value(self, key: str, default: Any = None) -> Any:
        if key == "from_logits":
            return True  # a tape's numbers are exact: losses from the logits
        return self.info.get(key, default)

    def data(self, key: str, default: Any = None, array: bool = False) -> str:
        if key in self.fixed:
            return self.fixed[key]
        recompute = DEFINITIONS[self.op].tape_info or {}
        if key in recompute:
            return recompute[key](self.a, self)
        value = self.info.get(key, default)
        if array:
            return self.const(np.asarray(value if value is not None else [], dtype=float))
        return _literal(value)


def _literal(value: Any) -> str:
    """A number, or a tuple of numbers (a shape), as source text."""
    if isinstance(value, (list, tuple)):
        return repr(tuple(_literal_number(v) for v in value))
    return repr(_literal_number(value))


def _literal_number(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value)


def expression(
    step: Step,
    a: list[str],
    const: Callable[[Any], str],
    fast: bool = False,
    fixed: Mapping[str, str] | None = None,
) -> str:
    """The numpy expression of ``step`` over operand expressions ``a`` (its op's own, from
    ``ops.DEFINITIONS``; the training tape's faster form with ``fast``); ``const`` names a
    constant (a target vector) in the generated code."""
    if step.op not in DEFINITIONS:
        raise NotImplementedError(f"no compiled form of op {step.op!r} ({step.key})")
    return written(step.op, step.info, a, const, fast, fixed)


def written(
    op: str,
    info: Mapping[str, Any],
    a: list[str],
    const: Callable[[Any], str],
    fast: bool = False,
    fixed: Mapping[str, str] | None = None,
) -> str:
    """``expression`` for an op and info not recorded as a step (the tape's own SGD step)."""
    return DEFINITIONS[op].tape(a, TapeInfo(op, info, a, const, fixed), fast)


class CompiledTape:
    """``run(params)`` recomputes ``outputs`` (loss and gradient keys) for new parameters.

    ``indexed``: the tape of one window of a character model (one sequence, one-hot inputs,
    softmax and cross-entropy at every step) whose characters are data, not constants: the
    function takes two more arguments, the input indices ``xi`` and the target indices ``yi``
    (lists of T ints), so that one tape serves every window of a text. Its steps that no
    recurrence runs through (the output head, softmax, cross-entropy and output error, the
    tanh derivative: ``time_rows``) are computed for all time steps at once, as matrices
    with a row per time step, written with their ops' rows forms (``ops.Op.over_rows``)."""

    def __init__(
        self,
        trace: Trace,
        outputs: list[str],
        params: list[str],
        sgd: float | None = None,
        indexed: bool = False,
        inputs: tuple[str, ...] = (),
    ) -> None:
        """``sgd``: also return each parameter after the step θ − η ∂L/∂θ with η = ``sgd``
        (the gradients must be the last ``len(params)`` outputs, in the order of ``params``).
        ``inputs``: info entries the function takes as arguments after the parameters, in
        place of the numbers the trace recorded (``epoch``, for a learning-rate schedule)."""
        self.outputs = outputs
        self.params = params
        self.indexed = indexed
        needed = _needed(trace, outputs)
        gen = _Generator(trace, params, _fusable(trace, needed, outputs), indexed)
        gen.inputs = {name: name for name in inputs}
        if indexed:  # the output head and the like for all time steps at once
            for unit in schedule(trace, needed, gen.has_rows):
                if isinstance(unit, Rows):
                    gen.rows(unit.steps)
                elif unit.key not in gen.names:
                    gen.step(unit)
        for step in trace:
            if step.key in needed and step.key not in gen.names:
                gen.step(step)
        returned = [gen.value(gen.names[k]) for k in outputs]
        if sgd is not None:
            grads = returned[len(returned) - len(params) :]
            rate = {"learning_rate": sgd}
            returned += [gen.emit(written("sgd", rate, [_arg(i), g], gen.const))
                         for i, g in enumerate(grads)]  # fmt: skip
        args = [_arg(i) for i in range(len(params))] + (["xi", "yi"] if indexed else [])
        args += list(inputs)
        self.source, self._fn = _assemble(gen.lines, args, returned, gen.constants)

    def run(self, params: Mapping[str, np.ndarray]) -> Arrays:
        """Every output for these parameter values."""
        values = self._fn(*(params[key] for key in self.params))
        return dict(zip(self.outputs, values))

    def run_list(self, params: list[np.ndarray], *data: list[int] | int) -> tuple[np.ndarray, ...]:
        """The outputs, in order, for parameter values in the order of ``self.params`` (and,
        indexed, the input and target indices)."""
        return self._fn(*params, *data)


def step_function(steps: list[Step], args: list[str]) -> Callable[..., tuple[np.ndarray, ...]]:
    """One function computing ``steps`` in order from the values of ``args`` (the keys of
    their other operands, in this order); it returns the steps' values in order. The lines
    are the tape's, with the sigmoid of ``ops`` (by sign), so that the values are the
    tracer's to the last bit. (gradflow runs one time step's function over a long sequence.)"""
    names = {key: _arg(i) for i, key in enumerate(args)}
    constants: dict[str, Any] = {}

    def const(value: Any) -> str:
        constants[f"c{len(constants)}"] = value
        return f"c{len(constants) - 1}"

    lines: list[str] = []
    for step in steps:
        names[step.key] = f"v{len(lines)}"
        operands = [names[key] for key in step.operands]
        lines.append(f"{names[step.key]} = {expression(step, operands, const)}")
    _, function = _assemble(lines, [names[key] for key in args],
                            [names[step.key] for step in steps], constants)  # fmt: skip
    return function


# A tape longer than this many lines is compiled as several functions, run one after the
# other, so that neither compiling nor running it needs memory or recursion beyond a chunk.
CHUNK_LINES = 20_000
_NAME = re.compile(r"\b[vp]\d+\b|\bx[iy]\b|\bepoch\b")  # epoch: an ``inputs`` entry


def _assemble(
    lines: list[str], args: list[str], returned: list[str], constants: dict[str, Any]
) -> tuple[str, Callable[..., tuple[np.ndarray, ...]]]:
    """The source of the tape and the function it defines."""
    scope: dict[str, Any] = {**SCOPE, **constants}
    body = [f"    {line}" for line in lines]
    if len(lines) <= CHUNK_LINES:
        source = "\n".join([f"def _tape({', '.join(args)}):", *body,
                            f"    return ({', '.join(returned)},)"])  # fmt: skip
        exec(compile(source, "<rnntrace compiled tape>", "exec"), scope)  # noqa: S102
        return source, scope["_tape"]
    chunks = [lines[i : i + CHUNK_LINES] for i in range(0, len(lines), CHUNK_LINES)]
    used_later: list[set[str]] = [set(returned)]
    for chunk in reversed(chunks[1:]):
        used_later.append(used_later[-1] | set(_NAME.findall("\n".join(chunk))))
    used_later.reverse()
    functions = []
    for number, chunk in enumerate(chunks):
        text = "\n".join(chunk)
        defined = {line.split(" = ", 1)[0] for line in chunk}
        reads = sorted(set(_NAME.findall(text)) - defined)
        keeps = sorted(defined & used_later[number])
        source = "\n".join(
            [f"def _chunk{number}(env):"]
            + [f"    {name} = env[{name!r}]" for name in reads]
            + [f"    {line}" for line in chunk]
            + [f"    env[{name!r}] = {name}" for name in keeps]
        )
        exec(compile(source, f"<rnntrace compiled tape, part {number}>", "exec"), scope)  # noqa: S102
        functions.append(scope.pop(f"_chunk{number}"))

    def tape(*values: Any) -> tuple[np.ndarray, ...]:
        env = dict(zip(args, values))
        for function in functions:
            function(env)
        return tuple(env[name] if name in env else scope[name] for name in returned)

    return f"# {len(lines)} lines in {len(chunks)} parts", tape


class _Generator:
    """Writes the lines of a compiled tape, with a few peephole savings: products with an
    all-zero constant (an h_0 that is not given) are folded away, a stack of states is built
    once, the per-weight products α_i v of attention come from one outer product, the
    cross-entropy reuses the softmax's shift, exponentials and sum, and a gradient summed
    over time from outer products δz_t v_tᵀ used nowhere else is one matrix product
    [δz_1 … δz_T]ᵀ [v_1 … v_T] (a sum of many vectors, one stacked sum)."""

    def __init__(
        self, trace: Trace, params: list[str], fusable: set[str], indexed: bool = False
    ) -> None:
        self.trace = trace
        self.names: dict[str, str] = {key: _arg(i) for i, key in enumerate(params)}
        self.constants: dict[str, Any] = {}
        self.zeros: set[str] = set()
        self.lines: list[str] = []
        self.cache: dict[tuple[Any, ...], str] = {}
        self.exp_of: dict[str, tuple[str, str]] = {}  # logits name -> (max name, exp name)
        self.sum_of: dict[str, str] = {}  # exp name -> its sum's name
        self.fusable = fusable
        self.outers: dict[str, tuple[str, str]] = {}  # a fused δz vᵀ: its operand names
        self.indexed = indexed
        self.inputs: dict[str, str] = {}  # info entries read from the tape's arguments
        self.index_of: dict[str, str] = {}  # a one-hot input's name -> its index expression
        self.losses: dict[str, tuple[str, str, str]] = {}  # a fused L_t: max, sum, o_t[target]
        # a row of a group computed at once -> (its matrix, the row, the rows, of numbers)
        self.row_of: dict[str, tuple[str, int, int, bool]] = {}

    def const(self, value: Any) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def emit(self, expr: str) -> str:
        name = f"v{len(self.lines)}"
        self.lines.append(f"{name} = {expr}")
        return name

    def shared(self, key: tuple[Any, ...], expr: str) -> str:
        """One variable for an expression used more than once (a stack, an outer product)."""
        if key not in self.cache:
            self.cache[key] = self.emit(expr)
        return self.cache[key]

    def value(self, name: str) -> str:
        """A variable holding the value of ``name`` (a one-hot input of an indexed tape, or a
        fused outer product, becomes one here when something needs it whole)."""
        if name in self.index_of:
            eye = self.cache[("eye", name)]
            return self.shared(("onehot", name), f"{eye}[{self.index_of[name]}]")
        if name in self.outers:
            left, right = self.outers[name]
            return self.shared(("outer", name), f"{left}[:, None] * {self.value(right)}")
        if name in self.losses:
            return self._loss(name)
        return name

    def step(self, step: Step) -> None:
        if not step.operands and step.op in ("given", "input"):
            if self.indexed and step.op == "input":
                self._indexed_input(step)
                return
            name = self.const(step.value)
            if not np.any(step.value):
                self.zeros.add(name)
            self.names[step.key] = name
            return
        args = [self.names[k] for k in step.operands]
        fuse = step.op == "outer" and step.key in self.fusable
        if fuse and not any(a in self.zeros for a in args):
            self.names[step.key] = f"_outer{len(self.outers)}"
            self.outers[self.names[step.key]] = (self.value(args[0]), args[1])
            return
        special = self._special(step, args)
        if special is None:
            args = [self.value(a) for a in args]
            special = self.emit(expression(step, args, self.const, fast=True,
                                           fixed=self.inputs or None))  # fmt: skip
        self.names[step.key] = special

    def _indexed_input(self, step: Step) -> None:
        if _one_hot(step.value) is None or step.time is None:
            raise NotImplementedError(f"an indexed tape needs one-hot inputs ({step.key})")
        name = f"_x{step.time}"
        self.index_of[name] = f"xi[{step.time - 1}]"
        self.cache[("eye", name)] = self.const(np.eye(step.value.size))
        self.names[step.key] = name

    def _target(self, step: Step) -> str:
        """The class index of a cross-entropy target: a number, or for an indexed tape the
        entry of ``yi`` for the step's time."""
        if self.indexed:
            if step.time is None:
                raise NotImplementedError(f"an indexed tape needs timed targets ({step.key})")
            return f"yi[{step.time - 1}]"
        return str(step.info["index"])

    def _special(self, step: Step, a: list[str]) -> str | None:
        op = step.op
        zero_operand = {"matvec": a[1:], "vecmat": a[:1], "hadamard": a, "outer": a,
                        "scale": a[1:]}.get(op, [])  # fmt: skip
        if any(name in self.zeros for name in zero_operand):
            name = self.const(np.zeros(step.value.shape))
            self.zeros.add(name)
            return name
        if op == "add":
            return self._add(step, [name for name in a if name not in self.zeros])
        if op == "matvec" and not step.info.get("transpose") and step.info.get("cols") is None:
            if a[1] in self.index_of:  # W x for a one-hot x: a column of W
                return self.emit(f"{a[0]}[:, {self.index_of[a[1]]}]")
            column = _one_hot(self.constants[a[1]]) if a[1] in self.constants else None
            if column is not None:
                return self.emit(f"{a[0]}[:, {column}]")
        if op == "vecmat" and not step.info.get("transpose") and a[0] in self.index_of:
            return self.emit(f"{a[1]}[{self.index_of[a[0]]}]")  # x W for a one-hot x: a row
        if op in ("dots", "weighted_sum"):
            a = [self.value(name) for name in a]
            stack = self.shared(("stack", *a[1:]), f"np.stack(({', '.join(a[1:])},))")
            return self.emit(f"{stack} @ {a[0]}" if op == "dots" else f"{a[0]} @ {stack}")
        if op == "scale":
            rows = self.shared(("outer", a[0], a[1]), f"{a[0]}[:, None] * {self.value(a[1])}")
            return self.emit(f"{rows}[{step.info['index']}]")
        if op == "exp":
            top = self.emit(f"{a[0]}.max()")
            name = self.emit(expression(step, a, self.const, fixed={"shift": top}))
            self.exp_of[a[0]] = (top, name)
            return name
        if op == "total" and any(e == a[0] for _, e in self.exp_of.values()):
            name = self.emit(f"{a[0]}.sum()")
            self.sum_of[a[0]] = name
            return name
        soft = step.info.get("soft", False)  # a target distribution: the op's own expression
        if op == "ce" and not soft and a[1] in self.exp_of and self.exp_of[a[1]][1] in self.sum_of:
            top, e = self.exp_of[a[1]]
            if step.key in self.fusable:  # summed with the others in one line, below
                name = f"_loss{len(self.losses)}"
                self.losses[name] = (top, self.sum_of[e], f"{a[1]}[{self._target(step)}]")
                return name
            return self.emit(ce_parts(top, self.sum_of[e], f"{a[1]}[{self._target(step)}]"))
        if op == "ce_grad" and self.indexed:
            eye = self.shared(("eye", "targets"), self.const(np.eye(step.value.size)))
            target = f"{eye}[{self._target(step)}]"
            return self.emit(expression(step, a, self.const, fixed={"target": target}))
        if self.indexed and op in ("ce", "bce", "mse", "bce_grad", "mse_grad"):
            raise NotImplementedError(f"an indexed tape needs softmax and cross-entropy ({op})")
        return None

    def _add(self, step: Step, kept: list[str]) -> str:
        """A sum: fused outer products as one matrix product, many terms as stacked sums."""
        if not kept:
            name = self.const(np.zeros(step.value.shape))
            self.zeros.add(name)
            return name
        if len(kept) > 1 and all(name in self.losses for name in kept):
            tops, sums, picks = (f"np.array(({', '.join(part)},))"
                                 for part in zip(*map(self.losses.get, kept)))  # fmt: skip
            return self.emit(ce_parts(tops, sums, picks, summed=True))
        kept = [self._loss(name) if name in self.losses else name for name in kept]
        fused = [name for name in kept if name in self.outers]
        terms = [self.value(name) for name in kept if name not in self.outers]
        if len(fused) > 1:
            lefts = [self.outers[name][0] for name in fused]
            rights = [self.outers[name][1] for name in fused]
            terms.insert(0, self.emit(f"{self._stack(lefts)}.T @ {self._rows(rights)}"))
        else:
            terms[:0] = [self.value(name) for name in fused]
        if len(terms) == 1:
            return terms[0]
        if len(terms) <= 4:
            return self.emit(" + ".join(terms))
        partial = [f"{self._stack(terms[i : i + 256])}.sum(axis=0)"
                   for i in range(0, len(terms), 256)]  # fmt: skip
        name = self.emit(partial[0])
        for more in partial[1:]:
            self.lines.append(f"{name} += {more}")  # a fresh array: adding in place is safe
        return name

    def _loss(self, name: str) -> str:
        """A cross-entropy left for a fused sum, computed alone after all."""
        top, total, pick = self.losses[name]
        return self.shared(("loss", name), ce_parts(top, total, pick))

    def _stack(self, names: list[str]) -> str:
        """One variable: the rows ``names`` stacked (shared by every sum that stacks them);
        the rows of a group computed at once are its matrix already."""
        whole = self._matrix_of(names)
        if whole is not None:
            return whole if not self.row_of[names[0]][3] else f"{whole}[:, 0]"
        return self.shared(("stack", *names), f"np.stack(({', '.join(names)},))")

    def _matrix_of(self, names: list[str]) -> str | None:
        """The matrix whose rows, in order, ``names`` are (numbers: as a column), if any."""
        if not names or any(name not in self.row_of for name in names):
            return None
        matrix, first, size, _ = self.row_of[names[0]]
        if [self.row_of[name][:2] for name in names] != [
            (matrix, first + k) for k in range(len(names))
        ]:
            return None
        if first == 0 and len(names) == size:
            return matrix
        return self.shared(("part", *names), f"{matrix}[{first}:{first + len(names)}]")

    def has_rows(self, step: Step) -> bool:
        """Whether a step can be computed with its others times at once (``rows``)."""
        op = DEFINITIONS.get(step.op)
        if op is None or step.value.ndim > 1:
            return False
        return step.op in ("exp", "ce") or op.rows is not None or op.elementwise

    def rows(self, steps: tuple[Step, ...]) -> None:
        """The steps (one op at T times) as the rows of one matrix (a number per time: a
        column), or one at a time when their operands do not allow it."""
        matrix = self._rows_of(list(steps))
        if matrix is None:
            for step in steps:
                self.step(step)
            return
        number = steps[0].value.ndim == 0
        for k, step in enumerate(steps):
            row = f"{matrix}[{k}, 0]" if number else f"{matrix}[{k}]"
            self.names[step.key] = row
            self.row_of[row] = (matrix, k, len(steps), number)

    def _rows_of(self, steps: list[Step]) -> str | None:
        first = steps[0]
        columns: list[str] = []
        shared: list[bool] = []
        for at in range(len(first.operands)):
            keys = [step.operands[at] for step in steps]
            names = [self.names[key] for key in keys]
            if any(n in self.zeros or n in self.outers or n in self.losses for n in names):
                return None
            shared.append(len(set(keys)) == 1)
            if shared[-1]:
                columns.append(self.value(names[0]))
            elif all(name in self.index_of for name in names):
                columns.append(self._rows(names))
            else:
                column = self._matrix_of(names)
                if column is None:
                    column = self._stack([self.value(name) for name in names])
                    column += "[:, None]" if self.trace[keys[0]].value.ndim == 0 else ""
                columns.append(column)
        return self._write_rows(steps, columns, shared)

    def _write_rows(self, steps: list[Step], a: list[str], shared: list[bool]) -> str | None:
        first = steps[0]
        op, info = first.op, first.info
        targets = f"[{', '.join(self._target(step) for step in steps)}]"
        if op == "matvec" and shared[0] and not shared[1]:
            vectors = [self.names[step.operands[1]] for step in steps]
            if (
                all(v in self.index_of for v in vectors)
                and not info.get("transpose")
                and (info.get("cols") is None)
            ):  # W x_t for one-hot x_t: columns of W
                return self.emit(f"{a[0]}.T[[{', '.join(self.index_of[v] for v in vectors)}]]")
        elif op == "exp":
            top = self.emit(f"{a[0]}.max(axis=1, keepdims=True)")
            name = self.emit(expression(first, a, self.const, fixed={"shift": top}))
            self.exp_of[a[0]] = (top, name)
            return name
        elif op == "ce":
            if (
                not self.indexed
                or a[1] not in self.exp_of
                or self.exp_of[a[1]][1] not in self.sum_of
            ):
                return None
            top, e = self.exp_of[a[1]]
            count = self.const(np.arange(len(steps)))
            return self.emit(ce_parts(top, self.sum_of[e], f"{a[1]}[{count}, {targets}][:, None]"))
        elif op == "ce_grad":
            if not self.indexed:
                return None
            eye = self.shared(("eye", "targets"), self.const(np.eye(first.value.size)))
            return self.emit(
                expression(first, a, self.const, fixed={"target": f"{eye}[{targets}]"})
            )
        if op == "vecmat" and shared[1] and not shared[0] and not info.get("transpose"):
            vectors = [self.names[step.operands[0]] for step in steps]
            if all(v in self.index_of for v in vectors):  # x_t W for one-hot x_t: rows of W
                return self.emit(f"{a[1]}[[{', '.join(self.index_of[v] for v in vectors)}]]")
        if any(shared) and op not in ("matvec", "vecmat", "add", "hadamard", "divide", "subtract"):
            return None
        written_rows = DEFINITIONS[op].over_rows(a, TapeInfo(op, info, a, self.const))
        if written_rows is None:
            return None
        name = self.emit(written_rows)
        if op == "total" and a[0] in {e for _, e in self.exp_of.values()}:
            self.sum_of[a[0]] = name
        return name

    def _rows(self, names: list[str]) -> str:
        """The right-hand vectors of fused outer products as rows: one-hot inputs picked
        from the identity, constants stacked once, others stacked when run."""
        if all(name in self.index_of for name in names):
            eye = self.cache[("eye", names[0])]
            picks = ", ".join(self.index_of[name] for name in names)
            return self.shared(("rows", *names), f"{eye}[[{picks}]]")
        if all(name in self.constants for name in names):
            stacked = np.stack([self.constants[n] for n in names])
            return self.shared(("rows", *names), self.const(stacked))
        return self._stack([self.value(name) for name in names])


def _fusable(trace: Trace, needed: set[str], outputs: list[str]) -> set[str]:
    """The outer products (gradient contributions δz_t v_tᵀ) used only by one sum of several
    of them: that sum can be computed as one matrix product."""
    users: dict[str, list[Step]] = {}
    for step in trace:
        if step.key in needed:
            for key in step.operands:
                users.setdefault(key, []).append(step)
    wanted = set(outputs)
    fusable: set[str] = set()
    for step in trace:
        if step.key not in needed or step.op != "outer" or step.key in wanted:
            continue
        using = users.get(step.key, [])
        if len(using) == 1 and using[0].op == "add" and len(using[0].operands) > 1:
            fusable.add(step.key)
    for step in trace:  # the cross-entropies L_t used only by the sum L
        using = users.get(step.key, [])
        alone = len(using) == 1 and using[0].op == "add" and len(using[0].operands) > 1
        if step.key in needed and step.op == "ce" and step.key not in wanted and alone:
            fusable.add(step.key)
    return fusable


def _one_hot(value: np.ndarray) -> int | None:
    """The index of the one 1 in a one-hot vector, else None."""
    if value.ndim != 1 or np.count_nonzero(value) != 1:
        return None
    index = int(np.flatnonzero(value)[0])
    return index if value[index] == 1.0 else None


def _arg(i: int) -> str:
    return f"p{i}"


def _needed(trace: Trace, outputs: list[str]) -> set[str]:
    """The keys of the steps the outputs depend on."""
    needed: set[str] = set()
    stack = list(outputs)
    while stack:
        key = stack.pop()
        if key in needed:
            continue
        needed.add(key)
        stack.extend(trace[key].operands)
    return needed
