"""The terminal printer: the worked solution laid out like seed 000, through rich.

One ``_print_<op>`` method per kind of step (sympy-printer style); an op without one is a
bug and fails loudly. Lines are plain rich ``Text``; width and wrapping are rich's business.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.text import Text

from rnntrace.render import numfmt
from rnntrace.render.explain import is_zero, matvec_rows
from rnntrace.render.select import Selection
from rnntrace.render.symbols import to_text
from rnntrace.trace import Step, Trace

HEAD_NAMES = {
    "identity": "no output nonlinearity",
    "sigmoid": "sigmoid output",
    "softmax": "softmax output",
}
LOSS_NAMES = {
    "bce": "binary cross-entropy",
    "ce": "cross-entropy",
    "mse": "mean squared error",
    "none": "no loss",
}
OUTPUT_NAMES = {
    "last": "an output at the last step",
    "every": "an output at every step",
    "none": "no output",
}
LINE_WIDTH = 76
PHASE_TITLES = {"forward": "Forward pass", "backward": "Backpropagation through time"}


@dataclass(frozen=True)
class TextSettings:
    """Display settings of the terminal printer."""

    decimals: int | None = None  # None: the scenario's numbers.decimals
    full: bool = False  # expand large matrices and vectors in full
    max_entries: int = 8  # above this many rows/columns, large objects are shortened


class TextPrinter:
    """Turns a Trace into rich renderables, in the order of the hand calculation."""

    def __init__(
        self, trace: Trace, selection: Selection | None = None, settings: TextSettings | None = None
    ) -> None:
        self.trace = trace
        self.selection = selection or Selection()
        self.settings = settings or TextSettings()
        self.d = (
            self.settings.decimals if self.settings.decimals is not None else trace.meta.decimals
        )

    # -- layout -----------------------------------------------------------------------------
    def renderables(self) -> Iterator[RenderableType]:
        """Everything to print, heading by heading."""
        yield from self._header()
        heading: tuple[object, ...] = ()
        for step in self.trace:
            if not self.selection.shows(step):
                continue
            for title, level, key in self._headings(step):
                if key not in heading:
                    heading = heading[:level] + (key,)
                    yield self._heading(title, level)
            yield self.render_step(step, indent="  " if step.time else "")

    def _header(self) -> Iterator[RenderableType]:
        meta = self.trace.meta
        yield Rule(Text(meta.title, style="bold"))
        if meta.description:
            yield Text("\n".join(textwrap.wrap(meta.description, LINE_WIDTH)), style="italic")
        sizes = meta.sizes
        what = (
            f"Simple RNN ({meta.activation}) with {OUTPUT_NAMES[meta.output]}, "
            f"{HEAD_NAMES[meta.head]} and {LOSS_NAMES[meta.loss]}."
        )
        dims = f"D = {sizes['D']} inputs, H = {sizes['H']} hidden units" + (
            f", K = {sizes['K']} output" + ("s." if sizes["K"] > 1 else ".") if sizes["K"] else "."
        )
        if meta.carry == "rounded":
            terms = ", and every product before it is added" if meta.round_terms else ""
            policy = (
                f"Numbers: every intermediate is rounded to {meta.decimals} decimals "
                f"before it is used again (as by hand){terms}."
            )
        else:
            policy = (
                f"Numbers: exact (float64) throughout, shown to {self.d} decimals; "
                "'≈' marks a rounded number."
            )
        yield Text("\n".join(textwrap.wrap(" ".join([what, dims, policy]), LINE_WIDTH)))

    def _headings(self, step: Step) -> list[tuple[str, int, object]]:
        """The headings a step sits under: (title, level, identity)."""
        meta = self.trace.meta
        if step.phase == "given":
            return [("Parameters", 0, "given")]
        if step.phase == "update":
            return [
                (f"Update: one SGD step, learning rate η = {meta.learning_rate:g}", 0, "update")
            ]
        if step.sequence is None:
            return [("All sequences: totals", 0, "total")]
        info = meta.sequences[step.sequence - 1]
        seq_title = f"Sequence {info.number}: {' '.join(info.tokens)!r}"
        if info.targets and meta.output == "last":
            seq_title += f" (label {next(iter(info.targets.values()))})"
        out: list[tuple[str, int, object]] = [(seq_title, 0, ("seq", step.sequence))]
        part = "backward" if step.phase in ("backward", "gradient") else "forward"
        if step.time is None:
            title = "Loss" if step.phase == "loss" else "Gradients: sums over the time steps"
            out.append((title, 1, (part, "sum", step.phase)))
            return out
        out.append((PHASE_TITLES[part], 1, (part,)))
        token = info.tokens[step.time - 1]
        out.append((f"Time step {step.time}: {token!r}", 2, (part, step.time)))
        return out

    @staticmethod
    def _heading(title: str, level: int) -> RenderableType:
        if level == 0:
            return Group(Text(""), Rule(Text(title, style="bold"), align="left"))
        if level == 1:
            return Group(Text(""), Text(title, style="bold underline"))
        return Text(title, style="bold")

    # -- steps ------------------------------------------------------------------------------
    def render_step(self, step: Step, indent: str = "") -> RenderableType:
        """The worked lines of one step, as one Text (cheaper for rich than many)."""
        method = getattr(self, f"_print_{step.op}", None)
        if method is None:
            raise NotImplementedError(f"no terminal printer for op {step.op!r} ({step.key})")
        text = Text()
        for i, line in enumerate(method(step)):
            line = line if isinstance(line, Text) else Text(str(line))
            if i:
                text.append("\n")
            if indent and "\n" in line.plain:
                parts = line.split("\n")
                line = Text("\n").join(Text(indent) + part for part in parts)
            else:
                text.append(indent)
            text.append_text(line)
        return wrap_line(text)

    def sym(self, key_or_step: str | Step) -> str:
        """The plain-text symbol of a step."""
        step = self.trace[key_or_step] if isinstance(key_or_step, str) else key_or_step
        return to_text(step.symbol)

    def num(self, value: float) -> str:
        """One number, at the display decimals (exact when short)."""
        return numfmt.number(value, self.d)

    def shown(self, step: Step) -> tuple[str, str]:
        """How a step's value is written and the relation before it: ('=', '0.13'), or
        ('≈', '0.310') when the value was rounded (for display or, by hand, for carrying)."""
        rounded = not numfmt.same(step.value, step.carried) or not numfmt.exact(
            step.carried, self.d
        )
        if not rounded:
            return "=", self.vec(step.carried)
        return "\u2248", self.vec(step.carried, fixed=True)

    def result(self, step: Step, lhs: str | None = None, parts: Iterable[str] = ()) -> Text:
        """``lhs = part = part ≈ value``: one line when it fits, else one '=' per line."""
        rel, value = self.shown(step)
        lhs = self.sym(step) if lhs is None else lhs
        pieces = [p for p in parts if p]
        one_line = " = ".join([lhs, *pieces]) + f" {rel} {value}"
        text = Text()
        if len(one_line) <= LINE_WIDTH or not pieces:
            text.append(lhs, style="cyan")
            for piece in pieces:
                text.append(f" = {piece}")
            text.append(f" {rel} ")
            text.append(value, style="bold")
            return text
        indent = " " * (len(lhs.rstrip()) - len(lhs.strip()) + 2)
        text.append(lhs, style="cyan")
        text.append(f" = {pieces[0]}")
        for piece in pieces[1:]:
            text.append(f"\n{indent}  = {piece}")
        text.append(f"\n{indent}  {rel} ")
        text.append(value, style="bold")
        return text

    def vec(self, values: np.ndarray, fixed: bool = False) -> str:
        """A vector (shortened when long unless --full); one number prints bare.
        ``fixed`` writes every entry with the display decimals (0.310, not 0.31)."""
        flat = np.ravel(values)
        if flat.size == 1:
            return numfmt.fixed(float(flat[0]), self.d) if fixed else self.num(float(flat[0]))
        width = self.d if fixed else numfmt.places(flat, self.d)

        def fmt(v: float) -> str:
            return numfmt.fixed(v, width)

        limit = self.settings.max_entries * 2
        if self.settings.full or flat.size <= limit:
            return "[" + ", ".join(fmt(float(v)) for v in flat) + "]"
        head = ", ".join(fmt(float(v)) for v in flat[:5])
        tail = ", ".join(fmt(float(v)) for v in flat[-2:])
        return f"[{head}, … {flat.size - 7} more …, {tail}]"

    def matrix(
        self, label: str, values: np.ndarray, style: str = "", rel: str = "=", fixed: bool = False
    ) -> Iterator[Text]:
        """``label = [ rows ]`` with the label on the first row."""
        if np.ndim(values) == 2:
            rows = numfmt.matrix_lines(values, self.d, fixed=fixed)
        else:
            rows = [self.vec(values, fixed=fixed)]
        limit = self.settings.max_entries
        if not self.settings.full and len(rows) > limit:
            rows = rows[:3] + [f"  ⋮  ({len(rows) - 4} more rows)"] + rows[-1:]
        pad = " " * (len(label) + len(rel) + 2)
        for i, row in enumerate(rows):
            line = Text(f"{label} {rel} " if i == 0 else pad, style="cyan" if i == 0 else "")
            line.append(row, style=style)
            yield line

    def matrix_result(self, step: Step, lhs: str) -> Iterator[Text]:
        """A matrix-valued step: ``lhs`` on its own line, then ``= [ rows ]``."""
        rel, _ = self.shown(step)
        yield Text(lhs, style="cyan")
        yield from self.matrix(" " * 2, step.carried, "bold", rel=rel, fixed=rel != "=")

    def small(self, *arrays: np.ndarray) -> bool:
        """True when arrays are small enough to write out entry by entry."""
        limit = self.settings.max_entries
        return self.settings.full or all(
            max(np.shape(a) or (1,)) <= limit and np.size(a) <= limit * limit for a in arrays
        )

    def entries(self, parts: Iterable[str]) -> str:
        """Entry-by-entry expressions joined, shortened when long."""
        parts = list(parts)
        limit = self.settings.max_entries * 2
        if not self.settings.full and len(parts) > limit:
            parts = parts[:4] + [f"… {len(parts) - 5} more …"] + parts[-1:]
        return "[" + ", ".join(parts) + "]"

    # -- given data -------------------------------------------------------------------------
    def _print_given(self, step: Step) -> Iterator[RenderableType]:
        yield from self.matrix(self.sym(step), step.value)
        if "not given" in step.label:
            yield Text("   (not given: zero)", style="dim")

    def _print_input(self, step: Step) -> Iterator[RenderableType]:
        token = step.info.get("token", "")
        source = {"embeddings": f"embedding of {token!r}", "one_hot": f"one-hot of {token!r}"}
        yield self.result(step, parts=[source.get(step.info.get("source", ""), "")])

    # -- linear algebra ---------------------------------------------------------------------
    def _print_matvec(self, step: Step) -> Iterator[RenderableType]:
        matrix_key, vector_key = step.operands
        if is_zero(self.trace.value(vector_key)):
            yield self.result(step)
            yield Text(f"   (since {self.sym(vector_key)} is all zeros)", style="dim")
            return
        matrix = self.trace.value(matrix_key)
        if not self.small(matrix):
            yield self.result(step)
            yield Text(
                f"   (row expansion of a {matrix.shape[0]}×{matrix.shape[1]} product "
                "omitted; use --full)",
                style="dim",
            )
            return
        yield Text(self.sym(step) + ":", style="cyan")
        for i, row in enumerate(matvec_rows(step, self.trace), start=1):
            terms = " + ".join(
                f"{numfmt.factor(a, self.d)}×{numfmt.factor(b, self.d)}" for a, b in row.factors
            )
            products = numfmt.signed_sum(row.products, self.d) if len(row.factors) > 1 else ""
            entry = step.carried[i - 1]
            rounded = not numfmt.same(step.value[i - 1], entry) or not numfmt.exact(entry, self.d)
            rel = "≈" if rounded else "="
            value = numfmt.fixed(entry, self.d) if rounded else self.num(entry)
            head = f"  row {i}: {terms}"
            tail = (f" = {products}" if products else "") + f" {rel} "
            if len(head + tail + value) > LINE_WIDTH and products:
                indent = " " * (len(f"  row {i}:") - 1)
                yield Text(head)
                tail = f"{indent}= {products} {rel} "
            yield Text(head + tail if not tail.startswith(" " * 3) else tail).append(
                value, style="bold"
            )
        yield self.result(step, "  " + self.sym(step))

    def _print_add(self, step: Step) -> Iterator[RenderableType]:
        operands = [self.trace[key] for key in step.operands]
        symbols = [self.sym(op) for op in operands]
        if len(symbols) > 4:
            symbols = symbols[:2] + ["…"] + symbols[-1:]
        formula = " + ".join(symbols)
        if step.value.ndim == 2:
            yield from self.matrix_result(step, f"{self.sym(step)} = {formula}")
            return
        if len(operands) == 1:
            yield self.result(step, parts=[formula])
            return
        values = " + ".join(self.vec(op.carried) for op in operands)
        if len(values) > LINE_WIDTH - 8 and not self.settings.full:
            values = ""  # each term was written out at its own time step
        yield self.result(step, parts=[formula, values])

    def _print_outer(self, step: Step) -> Iterator[RenderableType]:
        left, right = self.trace.operand_values(step)
        param = step.info.get("param")
        lhs = self.sym(step)
        if param:
            lhs = f"∂L/∂{to_text(self.trace.meta.symbols[param])} from t = {step.time}: " + lhs
        a, b = self.sym(step.operands[0]), self.sym(step.operands[1])
        yield Text.assemble((lhs, "cyan"), f"   (entry i, j = {a}[i] × {b}[j])")
        if step.value.shape[0] <= 4 and step.value.shape[1] <= 4:
            cells = [
                [f"{numfmt.factor(x, self.d)}×{numfmt.factor(y, self.d)}" for y in right]
                for x in left
            ]
            widths = [max(len(row[j]) for row in cells) for j in range(len(right))]
            rows = [
                "[ " + "  ".join(c.rjust(w) for c, w in zip(row, widths)) + " ]" for row in cells
            ]
            if len(rows[0]) + 6 <= LINE_WIDTH:  # else the result alone
                for i, row in enumerate(rows):
                    yield Text(("  = " if i == 0 else "    ") + row)
        rel, _ = self.shown(step)
        yield from self.matrix(" ", step.carried, "bold", rel=rel, fixed=rel != "=")

    def _print_hadamard(self, step: Step) -> Iterator[RenderableType]:
        left, right = self.trace.operand_values(step)
        formula = f"{self.sym(step.operands[0])} ⊙ {self.sym(step.operands[1])}"
        parts = self.entries(
            f"{numfmt.factor(a, self.d)}×{numfmt.factor(b, self.d)}" for a, b in zip(left, right)
        )
        yield self.result(step, parts=[formula, parts])

    # -- nonlinearities ---------------------------------------------------------------------
    def _print_activation(self, step: Step) -> Iterator[RenderableType]:
        name = step.info["activation"]
        (z,) = self.trace.operand_values(step)
        fn = {"tanh": "tanh", "relu": "relu", "sigmoid": "σ"}[name]
        yield Text(f"{self.sym(step)} = {fn}({self.sym(step.operands[0])}):", style="cyan")
        parts = []
        for a, full, kept in zip(z, step.value, step.carried):
            rounded = not numfmt.same(full, kept) or not numfmt.exact(kept, self.d)
            value = numfmt.fixed(kept, self.d) if rounded else self.num(kept)
            parts.append(f"{fn}({self.num(a)}) {'≈' if rounded else '='} {value}")
        yield Text("  " + self.entries(parts)[1:-1])
        yield self.result(step, "  " + self.sym(step))

    def _print_activation_derivative(self, step: Step) -> Iterator[RenderableType]:
        name = step.info["activation"]
        (arg,) = self.trace.operand_values(step)
        a = self.sym(step.operands[0])
        formula, each = {
            "tanh": (f"1 − {a}²", lambda v: f"1 − {numfmt.factor(v, self.d)}²"),
            "sigmoid": (f"{a}(1 − {a})", lambda v: f"{self.num(v)}×(1 − {self.num(v)})"),
            "relu": (f"1 if {a} > 0 else 0", lambda v: "1" if v > 0 else "0"),
        }[name]
        yield self.result(step, parts=[formula, self.entries(each(v) for v in arg)])

    def _print_identity(self, step: Step) -> Iterator[RenderableType]:
        yield self.result(step, parts=[self.sym(step.operands[0])])

    def _print_sigmoid(self, step: Step) -> Iterator[RenderableType]:
        (o,) = self.trace.operand_values(step)
        first = self.entries(f"1/(1 + e^{numfmt.factor(-v, self.d)})" for v in o)
        second = self.entries(f"1/(1 + {numfmt.fixed(float(np.exp(-v)), self.d)})" for v in o)
        if o.size == 1:
            first, second = first[1:-1], second[1:-1]
        yield self.result(step, parts=[f"σ({self.sym(step.operands[0])})", first, second])

    def _print_exp(self, step: Step) -> Iterator[RenderableType]:
        (o,) = self.trace.operand_values(step)
        shift = float(step.info.get("shift", 0.0))
        parts = self.entries(f"e^{numfmt.factor(v - shift, self.d)}" for v in o)
        yield self.result(step, parts=[parts])
        if shift:
            yield Text(
                f"   (every logit less the largest, {self.num(shift)}, so that nothing "
                "overflows; the softmax is unchanged)",
                style="dim",
            )

    def _print_total(self, step: Step) -> Iterator[RenderableType]:
        (e,) = self.trace.operand_values(step)
        yield self.result(step, parts=[numfmt.signed_sum(e.tolist(), self.d)])

    def _print_divide(self, step: Step) -> Iterator[RenderableType]:
        e, s = self.trace.operand_values(step)
        parts = self.entries(f"{self.num(v)}/{self.num(float(s))}" for v in e)
        formula = f"{self.sym(step.operands[0])} / {self.sym(step.operands[1])}"
        yield self.result(step, parts=[formula, parts])

    # -- losses and output errors -----------------------------------------------------------
    def _print_bce(self, step: Step) -> Iterator[RenderableType]:
        y_hat = self.trace.value(step.operands[0])
        terms = []
        for t, p in zip(step.info["target"], y_hat):
            if t == 1:
                terms.append(f"log({self.num(p)})")
            elif t == 0:
                terms.append(f"log(1 − {self.num(p)})")
            else:
                terms.append(
                    f"{self.num(t)}·log({self.num(p)}) + {self.num(1 - t)}·log(1 − {self.num(p)})"
                )
        inner = " + ".join(terms)
        value = f"−{inner}" if len(terms) == 1 and "+" not in inner else f"−[{inner}]"
        yield self.result(step, parts=["−[y log ŷ + (1 − y) log(1 − ŷ)]", value])
        yield Text(f"   (y = {step.info['target_text']})", style="dim")

    def _print_ce(self, step: Step) -> Iterator[RenderableType]:
        y_hat = self.trace.value(step.operands[0])
        k = step.info["index"]
        yield self.result(step, parts=[f"−log ŷ[{k}]", f"−log({self.num(y_hat[k])})"])
        yield Text(f"   (target {step.info['target_text']}: class {k})", style="dim")

    def _print_mse(self, step: Step) -> Iterator[RenderableType]:
        (y_hat,) = self.trace.operand_values(step)
        terms = " + ".join(
            f"({self.num(p)} − {numfmt.factor(t, self.d)})²"
            for p, t in zip(y_hat, step.info["target"])
        )
        k = len(y_hat)
        formula = "(ŷ − y)²" if k == 1 else f"Σ(ŷ − y)²/{k}"
        yield self.result(step, parts=[formula, f"({terms})/{k}" if k > 1 else terms])

    def _print_bce_grad(self, step: Step) -> Iterator[RenderableType]:
        yield from self._output_error(step, "sigmoid and binary cross-entropy together")

    def _print_ce_grad(self, step: Step) -> Iterator[RenderableType]:
        yield from self._output_error(step, "softmax and cross-entropy together")

    def _output_error(self, step: Step, why: str) -> Iterator[RenderableType]:
        (y_hat,) = self.trace.operand_values(step)
        parts = self.entries(
            f"{self.num(p)} − {self.num(t)}" for p, t in zip(y_hat, step.info["target"])
        )
        yield self.result(step, parts=["ŷ − y", parts[1:-1] if y_hat.size == 1 else parts])
        yield Text(f"   ({why}: ∂L/∂o = ŷ − y)", style="dim")

    def _print_mse_grad(self, step: Step) -> Iterator[RenderableType]:
        (y_hat,) = self.trace.operand_values(step)
        k = len(y_hat)
        per = f"/{k}" if k > 1 else ""
        parts = self.entries(
            f"2×({self.num(p)} − {numfmt.factor(t, self.d)}){per}"
            for p, t in zip(y_hat, step.info["target"])
        )
        yield self.result(step, parts=[f"2(ŷ − y){per}", parts])

    def _print_sigmoid_back(self, step: Step) -> Iterator[RenderableType]:
        grad, y_hat = self.trace.operand_values(step)
        parts = self.entries(
            f"{numfmt.factor(g, self.d)}×{self.num(p)}×(1 − {self.num(p)})"
            for g, p in zip(grad, y_hat)
        )
        yield self.result(step, parts=["δŷ ⊙ ŷ(1 − ŷ)", parts])

    def _print_softmax_back(self, step: Step) -> Iterator[RenderableType]:
        grad, y_hat = self.trace.operand_values(step)
        dot = float(np.dot(grad, y_hat))
        parts = self.entries(
            f"{self.num(p)}×({numfmt.factor(g, self.d)} − {numfmt.factor(dot, self.d)})"
            for g, p in zip(grad, y_hat)
        )
        yield self.result(step, parts=["ŷ ⊙ (δŷ − δŷ·ŷ)", parts])

    # -- update -----------------------------------------------------------------------------
    def _print_sgd(self, step: Step) -> Iterator[RenderableType]:
        param, grad = self.trace.operand_values(step)
        lr = step.info["learning_rate"]
        formula = f"{self.sym(step.operands[0])} − {lr:g} × {self.sym(step.operands[1])}"
        if param.ndim == 1 or param.size == 1:
            parts = self.entries(
                f"{self.num(p)} − {lr:g}×{numfmt.factor(g, self.d)}"
                for p, g in zip(np.ravel(param), np.ravel(grad))
            )
            yield self.result(step, parts=[formula, parts[1:-1] if param.size == 1 else parts])
            return
        yield from self.matrix_result(step, f"{self.sym(step)} = {formula}")


_BREAKS = re.compile(r", | [+−=≈] ")


def wrap_line(line: Text, width: int = LINE_WIDTH) -> Text:
    """Long lines broken after ', ' or before ' + ', ' − ', ' = ', ' ≈ ', continuing with a
    hanging indent; styles are kept. Lines that fit are returned as they are."""
    if all(len(part) <= width for part in line.plain.split("\n")):
        return line
    out = []
    for physical in line.split("\n"):
        plain = physical.plain
        hang = len(plain) - len(plain.lstrip()) + 4
        cuts: list[int] = []
        start = 0
        while len(plain) - start > (width if not cuts else width - hang):
            room = width if not cuts else width - hang
            spots = [
                m.start() + (2 if m.group() == ", " else 1)
                for m in _BREAKS.finditer(plain, start + 1, start + room)
            ]
            if not spots:
                break
            cuts.append(spots[-1])
            start = spots[-1]
        pieces = physical.divide(cuts)
        for i, piece in enumerate(pieces):
            piece.rstrip()
            out.append(piece if i == 0 else Text(" " * hang) + piece)
    return Text("\n").join(out)


def merge_texts(renderables: Iterable[RenderableType]) -> Iterator[RenderableType]:
    """Runs of consecutive Text joined into one Text each (far cheaper for rich to print)."""
    run: list[Text] = []
    for item in renderables:
        if isinstance(item, Text):
            run.append(item)
            continue
        if run:
            yield Text("\n").join(run)
            run = []
        yield item
    if run:
        yield Text("\n").join(run)


def render_text(
    trace: Trace, selection: Selection | None = None, settings: TextSettings | None = None
) -> Iterator[RenderableType]:
    """The worked solution of ``trace`` as rich renderables (print them with a Console)."""
    return TextPrinter(trace, selection, settings).renderables()
