"""The worked lines of each kind of step: one ``_print_<op>`` method per op whose layout is
the terminal's own, and ``print_explained`` for every op whose written form is data
(``ops.explanation``: its formula and the working of one entry)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from rich.text import Text

from rnntrace._internal.ops import Explain, fill, function_of, product_of
from rnntrace._internal.render import numfmt
from rnntrace._internal.render.explain import is_zero, matvec_rows
from rnntrace._internal.render.quantities import spelled_text
from rnntrace._internal.render.text_base import LINE_WIDTH, Line
from rnntrace._internal.render.text_training import TrainingSteps
from rnntrace._internal.symbol import text
from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.symbol.text import text_once
from rnntrace._internal.symbol.tree import Apply, Symbol
from rnntrace._internal.trace import Step


class StepPrinter(TrainingSteps):
    """Writes out one step the way a hand calculation does."""

    def q(self, formula: str) -> str:
        """One of the loss formulas below with the scenario's renamed quantities."""
        spelled = self._spelled.get(formula)
        if spelled is None:  # each is written at every time step: spelled once
            spelled = self._spelled[formula] = spelled_text(self.trace.meta, formula)
        return spelled

    # -- given data -------------------------------------------------------------------------
    def _print_given(self, step: Step) -> Iterator[Line]:
        yield from self.matrix(self.sym(step), step.value)
        if not step.given:
            yield (("   (not given: zero)", "dim"),)

    def _print_input(self, step: Step) -> Iterator[Line]:
        token = step.info.get("token", "")
        source = {"embeddings": f"embedding of {token!r}", "one_hot": f"one-hot of {token!r}"}
        yield from self.result(step, parts=[source.get(step.info.get("source", ""), "")])

    # -- linear algebra ---------------------------------------------------------------------
    def _print_matvec(self, step: Step) -> Iterator[Line]:
        """W v row by row, x W column by column (``ops.Product``)."""
        product = product_of(step.op)
        assert product is not None
        matrix_key, vector_key = step.operands[product.matrix], step.operands[product.vector]
        if is_zero(self.trace.value(vector_key)):
            yield from self.result(step)
            yield ((f"   (since {self.sym(vector_key)} is all zeros)", "dim"),)
            return
        matrix = self.trace.value(matrix_key)
        if not self.small(matrix):
            yield from self.result(step)
            yield Text(
                f"   ({product.entry} expansion of a {matrix.shape[0]}×{matrix.shape[1]} product "
                "omitted; use --full)",
                style="dim",
            )
            return
        yield ((self.sym(step) + ":", "cyan"),)
        cols = step.info.get("cols")
        if cols is not None:
            name = self.sym(matrix_key)
            side = "h" if cols[0] == 0 else "x"
            note = (
                f"   ({name}[{side}] = columns {cols[0] + 1} to {cols[1]} of {name}, "
                f"the ones that act on {'h' if side == 'h' else 'x'})"
            )
            yield ((note, "dim"),)
        cm, cv = (self.carried(key) for key in step.operands)  # as the factors are written
        cs = self.carried(step)
        terms_width = self.width_of(self.trace.meta.round_terms)  # products carried rounded
        for i, row in enumerate(matvec_rows(step, self.trace), start=1):
            terms = " + ".join(f"{self.fac(a, cm)}×{self.fac(b, cv)}" for a, b in row.factors)
            products = (
                numfmt.signed_sum(row.products, self.d, width=terms_width)
                if len(row.factors) > 1
                else ""
            )
            rel, value = self.entry(step.value[i - 1], step.carried[i - 1], cs)
            head = f"  {product.entry} {i}: {terms}"
            tail = (f" = {products}" if products else "") + f" {rel} "
            if len(head + tail + value) > LINE_WIDTH and products:
                indent = " " * (len(f"  {product.entry} {i}:") - 1)
                yield head
                tail = f"{indent}= {products} {rel} "
            yield ((head + tail if not tail.startswith(" " * 3) else tail, ""), (value, "bold"))
        yield from self.result(step, "  " + self.sym(step))

    _print_vecmat = _print_matvec

    def _print_add(self, step: Step) -> Iterator[Line]:
        operands = [self.trace[key] for key in step.operands]
        symbols = [self.sym(op) for op in operands]
        if len(symbols) > 4:
            symbols = symbols[:2] + ["…"] + symbols[-1:]
        formula = " + ".join(symbols)
        if step.value.ndim == 2:
            yield from self.matrix_result(step, f"{self.sym(step)} = {formula}")
            return
        if len(operands) == 1:
            yield from self.result(step, parts=[formula])
            return
        values = numfmt.join_signed(
            [self.vec(op.carried, carried=self.carried(op)) for op in operands]
        )
        if len(values) > LINE_WIDTH - 8 and not self.settings.full:
            values = ""  # each term was written out at its own time step
        yield from self.result(step, parts=[formula, values])

    def _print_outer(self, step: Step) -> Iterator[Line]:
        left, right = self.trace.operand_values(step)
        param = step.info.get("param")
        lhs = self.sym(step)
        if param:
            wrt = text(self.trace.meta.symbols[param])
            lhs = self.q("∂L/∂") + f"{wrt} from t = {step.time}: " + lhs
        a, b = self.sym(step.operands[0]), self.sym(step.operands[1])
        yield ((lhs, "cyan"), (f"   (entry i, j = {a}[i] × {b}[j])", ""))
        if step.value.shape[0] <= 4 and step.value.shape[1] <= 4:
            cl, cr = self.carried(step.operands[0]), self.carried(step.operands[1])
            cells = [[f"{self.fac(x, cl)}×{self.fac(y, cr)}" for y in right] for x in left]
            widths = [max(len(row[j]) for row in cells) for j in range(len(right))]
            rows = [
                "[ " + "  ".join(c.rjust(w) for c, w in zip(row, widths)) + " ]" for row in cells
            ]
            if len(rows[0]) + 6 <= LINE_WIDTH:  # else the result alone
                for i, row in enumerate(rows):
                    yield ("  = " if i == 0 else "    ") + row
        rel, _ = self.shown(step)
        yield from self.matrix(
            " ", step.carried, "bold", rel=rel, fixed=rel != "=", carried=self.carried(step)
        )

    # -- the ops whose written form is data (``ops.explanation``) ---------------------------
    def print_explained(self, step: Step, explain: Explain) -> Iterator[Line]:
        """Formula = each entry worked out = result, from the op's explanation data."""
        symbols = [self.trace[key].symbol for key in step.operands]
        values = self.trace.operand_values(step)
        flags = [self.carried(key) for key in step.operands]

        def number(j: int) -> Callable[[int, bool], str]:
            def written(i: int, factor: bool) -> str:
                if i < 0:  # the step's own value (an indicator: 1 or 0)
                    return f"{float(step.value.ravel()[j]):g}"
                return (self.fac if factor else self.num)(values[i][j], flags[i])

            return written

        formula = explain.terminal_formula()
        if explain.valued and formula is not None:
            yield from self._valued(step, text_once(fill(formula, symbols)), explain, number,
                                    symbols)  # fmt: skip
            return
        parts = [text_once(fill(formula, symbols))] if formula is not None else []
        if explain.each is not None:
            size = step.value.size
            parts.append(self.entries(text_once(fill(explain.each, symbols, number(j)))
                                      for j in range(size)))  # fmt: skip
        yield from self.result(step, parts=parts)

    def _valued(self, step: Step, formula: str, explain: Explain,
                number: Callable[[int], Callable[[int, bool], str]],
                symbols: list[Symbol]) -> Iterator[Line]:  # fmt: skip
        """``h_1 = tanh(z_1):``, then each entry with its value, then the result."""
        me = self.sym(step)
        yield ((f"{me if me == formula else f'{me} = {formula}'}:", "cyan"),)
        each = explain.terminal_each or explain.each
        assert each is not None
        parts = []
        for j, (full, kept) in enumerate(zip(step.value, step.carried)):
            rel, value = self.entry(full, kept, self.carried(step))
            parts.append(f"{text_once(fill(each, symbols, number(j)))} {rel} {value}")
        yield "  " + self.entries(parts)[1:-1]
        yield from self.result(step, "  " + me)

    # -- nonlinearities ---------------------------------------------------------------------
    def _print_sigmoid(self, step: Step) -> Iterator[Line]:
        (o,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        first = self.entries(f"1/(1 + e^{self.fac(-v, c)})" for v in o)
        with np.errstate(over="ignore"):  # e^710 and more: written as ∞ (σ is then 0)
            powers = np.exp(-np.asarray(o, dtype=float))
        second = self.entries(
            f"1/(1 + {numfmt.fixed(p, self.d) if np.isfinite(p) else '∞'})" for p in powers
        )
        if o.size == 1:
            first, second = first[1:-1], second[1:-1]
        sigma = Apply(function_of(step.op, step.info), self.trace[step.operands[0]].symbol)  # type: ignore[arg-type]
        yield from self.result(step, parts=[text_once(sigma), first, second])

    def _print_exp(self, step: Step) -> Iterator[Line]:
        (o,) = self.trace.operand_values(step)
        shift = float(step.info.get("shift", 0.0))
        parts = self.entries(f"e^{numfmt.factor(v - shift, self.d)}" for v in o)
        yield from self.result(step, parts=[parts])
        if shift:
            what = step.info.get("shifted", "logit")  # attention: "score"
            largest = self.num(shift, self.carried(step.operands[0]))
            yield Text(
                f"   (every {what} less the largest, {largest}, so that nothing "
                "overflows; the softmax is unchanged)",
                style="dim",
            )

    def _print_total(self, step: Step) -> Iterator[Line]:
        (e,) = self.trace.operand_values(step)
        width = self.width_of(self.carried(step.operands[0]))
        yield from self.result(step, parts=[numfmt.signed_sum(e.tolist(), self.d, width=width)])

    def _print_divide(self, step: Step) -> Iterator[Line]:
        e, s = self.trace.operand_values(step)
        ce, cs = self.carried(step.operands[0]), self.carried(step.operands[1])
        parts = self.entries(f"{self.num(v, ce)}/{self.num(float(s), cs)}" for v in e)
        formula = f"{self.sym(step.operands[0])} / {self.sym(step.operands[1])}"
        yield from self.result(step, parts=[formula, parts])

    # -- losses and output errors -----------------------------------------------------------
    def _print_bce(self, step: Step) -> Iterator[Line]:
        y_hat = self.trace.value(step.operands[0])
        c = self.carried(step.operands[0])
        terms = []
        for t, p in zip(step.info["target"], y_hat):
            prob = self.num(p, c)
            if t == 1:
                terms.append(f"log({prob})")
            elif t == 0:
                terms.append(f"log(1 − {prob})")
            else:
                terms.append(f"{self.num(t)}·log({prob}) + {self.num(1 - t)}·log(1 − {prob})")
        inner = " + ".join(terms)
        value = f"−{inner}" if len(terms) == 1 and "+" not in inner else f"−[{inner}]"
        yield from self.result(step, parts=[self.q("−[y log ŷ + (1 − y) log(1 − ŷ)]"), value])
        yield ((self.q("   (y = ") + f"{step.info['target_text']})", "dim"),)

    def _print_ce(self, step: Step) -> Iterator[Line]:
        y_hat = self.trace.value(step.operands[0])
        if step.info.get("soft"):
            yield from self._soft_ce(step, y_hat)
            return
        k = step.info["index"]
        yield from self.result(
            step,
            parts=[
                self.q(f"−log ŷ[{k}]"),
                f"−log({self.num(y_hat[k], self.carried(step.operands[0]))})",
            ],
        )
        yield ((f"   (target {step.info['target_text']}: class {k})", "dim"),)

    def _soft_ce(self, step: Step, y_hat: np.ndarray) -> Iterator[Line]:
        """−Σ_k y_k log ŷ_k over the classes whose target y_k is not 0."""
        c = self.carried(step.operands[0])
        terms = [
            f"{self.num(t)}·log({self.num(p, c)})"
            for t, p in zip(step.info["target"], y_hat)
            if t != 0
        ]
        value = f"−{terms[0]}" if len(terms) == 1 else f"−[{' + '.join(terms)}]"
        yield from self.result(step, parts=[self.q("−Σ_k y_k log ŷ_k"), value])
        yield Text(
            self.q("   (target distribution y = ") + f"{step.info['target_text']})", style="dim"
        )

    def _print_mse(self, step: Step) -> Iterator[Line]:
        (y_hat,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        terms = " + ".join(
            f"({self.num(p, c)} − {numfmt.factor(t, self.d)})²"
            for p, t in zip(y_hat, step.info["target"])
        )
        k = len(y_hat)
        if step.info.get("mse_scale") == "half":
            written = f"½[{terms}]" if k > 1 else f"½{terms}"
            yield from self.result(step, parts=[self.q("½‖ŷ − y‖²"), written])
            return
        formula = self.q("(ŷ − y)²" if k == 1 else f"Σ(ŷ − y)²/{k}")
        yield from self.result(step, parts=[formula, f"({terms})/{k}" if k > 1 else terms])

    def _print_bce_grad(self, step: Step) -> Iterator[Line]:
        yield from self._output_error(step, "sigmoid and binary cross-entropy together")

    def _print_ce_grad(self, step: Step) -> Iterator[Line]:
        yield from self._output_error(step, "softmax and cross-entropy together")

    def _output_error(self, step: Step, why: str) -> Iterator[Line]:
        (y_hat,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        parts = self.entries(
            f"{self.num(p, c)} − {self.num(t)}" for p, t in zip(y_hat, step.info["target"])
        )
        yield from self.result(
            step, parts=[self.q("ŷ − y"), parts[1:-1] if y_hat.size == 1 else parts]
        )
        yield ((f"   ({why}: " + self.q("∂L/∂o = ŷ − y)"), "dim"),)

    def _print_bce_dyhat(self, step: Step) -> Iterator[Line]:
        (y_hat,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        parts = self.entries(
            _bce_dyhat_term(self.num(t), self.num(1 - t), self.num(p, c), t)
            for p, t in zip(y_hat, step.info["target"])
        )
        parts = parts[1:-1] if y_hat.size == 1 else parts
        yield from self.result(step, parts=[self.q("−y/ŷ + (1 − y)/(1 − ŷ)"), parts])
        yield Text(
            self.q("   (binary cross-entropy: ∂L/∂ŷ, then through the sigmoid)"), style="dim"
        )

    def _print_ce_dyhat(self, step: Step) -> Iterator[Line]:
        (y_hat,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        parts = self.entries(
            f"−{self.num(t)}/{self.num(p, c)}" if t != 0 else "0"
            for p, t in zip(y_hat, step.info["target"])
        )
        yield from self.result(step, parts=[self.q("−y/ŷ"), parts])
        yield Text(self.q("   (cross-entropy: ∂L/∂ŷ, 0 where y_k = 0; then through the softmax)"),
                   style="dim")  # fmt: skip

    def _print_mse_grad(self, step: Step) -> Iterator[Line]:
        (y_hat,) = self.trace.operand_values(step)
        k = len(y_hat)
        if step.info.get("mse_scale") == "half":  # ∂(½‖ŷ − y‖²)/∂ŷ = ŷ − y
            c = self.carried(step.operands[0])
            parts = self.entries(
                f"{self.num(p, c)} − {numfmt.factor(t, self.d)}"
                for p, t in zip(y_hat, step.info["target"])
            )
            yield from self.result(step, parts=[self.q("ŷ − y"), parts[1:-1] if k == 1 else parts])
            return
        per = f"/{k}" if k > 1 else ""
        c = self.carried(step.operands[0])
        parts = self.entries(
            f"2×({self.num(p, c)} − {numfmt.factor(t, self.d)}){per}"
            for p, t in zip(y_hat, step.info["target"])
        )
        yield from self.result(step, parts=[self.q(f"2(ŷ − y){per}"), parts])

    def _print_dots(self, step: Step) -> Iterator[Line]:
        query, *others = self.trace.operand_values(step)
        q = self.sym(step.operands[0])
        names = [self.sym(key) for key in step.operands[1:]]
        formula = self.entries(f"{name} · {q}" for name in names)
        cq = self.carried(step.operands[0])
        parts = self.entries(
            " + ".join(
                f"{self.fac(a, self.carried(key))}×{self.fac(b, cq)}"
                for a, b in zip(np.ravel(v), np.ravel(query))
            )  # fmt: skip
            for key, v in zip(step.operands[1:], others)
        )
        yield from self.result(step, parts=[formula, parts])

    def _print_weighted_sum(self, step: Step) -> Iterator[Line]:
        weights, *vectors = self.trace.operand_values(step)
        names = [self.sym(key) for key in step.operands[1:]]
        w = self.sym(step.operands[0])
        formula = " + ".join(f"{w}[{i}] {name}" for i, name in enumerate(names, start=1))
        cw = self.carried(step.operands[0])
        values = " + ".join(f"{self.fac(a, cw)}×{self._factor_vec(v, self.carried(key))}"
                            for a, v, key in zip(weights, vectors, step.operands[1:]))  # fmt: skip
        yield from self.result(step, parts=[formula, values])

    def _factor_vec(self, values: np.ndarray, carried: bool) -> str:
        """A vector as a factor: a one-entry vector is a number, in parentheses if negative."""
        return (
            self.fac(float(values.ravel()[0]), carried)
            if values.size == 1
            else (self.vec(values, carried=carried))
        )

    def _print_scale(self, step: Step) -> Iterator[Line]:
        weights, vector = self.trace.operand_values(step)
        i = step.info["index"]
        w, v = self.sym(step.operands[0]), self.sym(step.operands[1])
        yield from self.result(
            step,
            parts=[
                f"{w}[{i + 1}] {v}",
                f"{self.fac(weights[i], self.carried(step.operands[0]))}×"
                f"{self._factor_vec(vector, self.carried(step.operands[1]))}",
            ],
        )

    def _print_slice(self, step: Step) -> Iterator[Line]:
        start, stop = step.info["start"], step.info["stop"]
        yield from self.result(
            step, parts=[f"entries {start + 1} to {stop} of {self.sym(step.operands[0])}"]
        )

    def _print_zeros(self, step: Step) -> Iterator[Line]:
        yield from (
            self.matrix_result(step, self.sym(step))
            if step.value.ndim == 2
            else (self.result(step))
        )
        yield ((f"   ({label_text(step)})", "dim"),)

    def _print_cut(self, step: Step) -> Iterator[Line]:
        yield from self.result(step)
        yield ((f"   ({label_text(step)})", "dim"),)

    def _print_global_norm(self, step: Step) -> Iterator[Line]:
        squares = " + ".join(f"‖{self.sym(key)}‖²" for key in step.operands)
        total = sum(float(np.sum(v * v)) for v in self.trace.operand_values(step))
        yield from self.result(step, parts=[f"√({squares})", f"√{numfmt.fixed(total, self.d + 2)}"])

    def _print_clip_factor(self, step: Step) -> Iterator[Line]:
        (norm,) = self.trace.operand_values(step)
        limit = step.info["max_norm"]
        eps = f" + {step.info['eps']:g}" if step.info.get("eps") else ""
        shown = self.num(float(norm), self.carried(step.operands[0]))
        yield from self.result(
            step,
            parts=[
                f"min(1, {limit:g} / ({self.sym(step.operands[0])}{eps}))"
                if eps
                else f"min(1, {limit:g} / {self.sym(step.operands[0])})",
                f"min(1, {limit:g} / ({shown}{eps}))" if eps else f"min(1, {limit:g} / {shown})",
            ],
        )
        fired = float(step.value) < 1.0
        yield Text(
            "   (clipping fired: the gradients are scaled down)"
            if fired
            else "   (the norm is within the limit: nothing is clipped)",
            style="dim",
        )

    def _print_scale_by(self, step: Step) -> Iterator[Line]:
        factor = float(self.trace.value(step.operands[0]))
        formula = (
            f"{self.num(factor, self.carried(step.operands[0]))} × {self.sym(step.operands[1])}"
        )
        if step.value.ndim == 2:
            yield from self.matrix_result(step, f"{self.sym(step)} = {formula}")
            return
        yield from self.result(step, parts=[formula])

    def _print_decay(self, step: Step) -> Iterator[Line]:
        formula = (f"{self.sym(step.operands[0])} + {step.info['weight']:g} "
                   f"{self.sym(step.operands[1])}")  # fmt: skip
        if step.value.ndim == 2:
            yield from self.matrix_result(step, f"{self.sym(step)} = {formula}")
            return
        yield from self.result(step, parts=[formula])

    def _print_concat(self, step: Step) -> Iterator[Line]:
        pieces = " ; ".join(
            self.vec(self.trace.value(key), carried=self.carried(key)) for key in step.operands
        )
        yield from self.result(step, parts=[f"[{pieces}]"])

    def _print_softmax_back(self, step: Step) -> Iterator[Line]:
        grad, y_hat = self.trace.operand_values(step)
        dot = float(np.dot(grad, y_hat))
        cg, cy = self.carried(step.operands[0]), self.carried(step.operands[1])
        parts = self.entries(
            f"{self.num(p, cy)}×({self.fac(g, cg)} − {numfmt.factor(dot, self.d)})"
            for g, p in zip(grad, y_hat)
        )
        yield from self.result(step, parts=["ŷ ⊙ (δŷ − δŷ·ŷ)", parts])

    # -- update -----------------------------------------------------------------------------
    def _print_sgd(self, step: Step) -> Iterator[Line]:
        param, grad = self.trace.operand_values(step)
        lr = step.info["learning_rate"]
        formula = f"{self.sym(step.operands[0])} − {lr:g} × {self.sym(step.operands[1])}"
        if param.ndim == 1 or param.size == 1:
            cp, cg = self.carried(step.operands[0]), self.carried(step.operands[1])
            parts = self.entries(
                f"{self.num(p, cp)} − {lr:g}×{self.fac(g, cg)}"
                for p, g in zip(np.ravel(param), np.ravel(grad))
            )
            yield from self.result(step, parts=[formula, parts[1:-1] if param.size == 1 else parts])
            return
        yield from self.matrix_result(step, f"{self.sym(step)} = {formula}")


def _bce_dyhat_term(y: str, one_minus_y: str, p: str, target: float) -> str:
    """−y/ŷ + (1 − y)/(1 − ŷ) with the numbers in, a term of a 0 or 1 target left out."""
    if target == 1:
        return f"−1/{p}"
    if target == 0:
        return f"1/(1 − {p})"
    return f"−{y}/{p} + {one_minus_y}/(1 − {p})"
