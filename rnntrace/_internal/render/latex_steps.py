"""The worked maths of each kind of step for LaTeX and Markdown: one ``_print_<op>`` method
per op whose layout is its own (the terminal printer's, in ``bmatrix`` form as seed 000
writes it), and ``print_explained`` for every op whose written form is data
(``ops.explanation``).

Each method yields ``Display`` (rows of an ``align*``) and ``Prose`` (a remark) items; the
LaTeX and Markdown printers wrap them in their own markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from rnntrace._internal.ops import Explain, fill, function_of, product_of
from rnntrace._internal.render import numfmt
from rnntrace._internal.render.explain import Row, is_zero, matvec_rows
from rnntrace._internal.render.latex_base import MINUS, bmatrix, is_number, plus_terms
from rnntrace._internal.render.latex_loss import LossPrinter
from rnntrace._internal.render.latex_seed import parameter_gradient
from rnntrace._internal.render.latex_vectors import VectorPrinter
from rnntrace._internal.render.prose import Display, Item, Math, sentence
from rnntrace._internal.symbol import latex
from rnntrace._internal.symbol.tree import Apply
from rnntrace._internal.trace import Step


def _merge(displays: Sequence[Display]) -> Display:
    return Display(tuple(row for display in displays for row in display.rows))


class LatexStepPrinter(LossPrinter, VectorPrinter):
    """Writes out one step the way a hand calculation does, in LaTeX."""

    # -- given data -------------------------------------------------------------------------
    def _print_given(self, step: Step) -> Iterator[Item]:
        yield self.equation(self.sym(step), [("=", self.value_terms(step.value))])
        if not step.given:
            yield sentence("(not given: zero)", note=True)

    def _print_input(self, step: Step) -> Iterator[Item]:
        source = {"embeddings": "its embedding", "one_hot": "its one-hot vector"}
        terms = self.value_terms(step.value)
        what = source.get(step.info.get("source", ""))
        if what:
            terms = [*terms, rf"\quad \text{{({what})}}"]
        yield self.equation(self.sym(step), [("=", terms)])

    # -- linear algebra ---------------------------------------------------------------------
    def _print_matvec(self, step: Step) -> Iterator[Item]:
        """W v row by row (in seed 000's bmatrix form when it fits), x W column by column
        (``ops.Product``)."""
        product = product_of(step.op)
        assert product is not None
        matrix_key, vector_key = step.operands[product.matrix], step.operands[product.vector]
        if is_zero(self.trace.value(vector_key)):
            yield self.equation(self.sym(step), [self.shown(step)])
            yield sentence("(since ", Math(self.sym(vector_key)), " is all zeros)", note=True)
            return
        matrix = self.trace.value(matrix_key)
        if not self.small(matrix):
            yield self.equation(self.sym(step), [self.shown(step)])
            rows, cols = matrix.shape
            yield sentence(
                f"({product.entry} expansion of a {rows}×{cols} product omitted; use --full)",
                note=True,
            )
            return
        cols = step.info.get("cols")
        if cols is not None:
            name = self.sym(matrix_key)
            side = "h" if cols[0] == 0 else "x"
            yield sentence(
                f"(the columns {cols[0] + 1} to {cols[1]} of ",
                Math(name),
                ", the ones that act on ",
                Math(side),
                ")",
                note=True,
            )
        rows_of = matvec_rows(step, self.trace)
        seed_form = self._matvec_columns(step, rows_of) if product.entry == "row" else None
        yield seed_form or self._matvec_rows(step, rows_of)

    _print_vecmat = _print_matvec

    def _products_rel(self, step: Step, rows: list[Row]) -> str:
        shown = np.array([row.products for row in rows])
        exact = np.array([[a * b for a, b in row.factors] for row in rows])
        return self.approx_unless_exact(shown) if numfmt.same(exact, shown) else r"\approx"

    def _matvec_columns(self, step: Step, rows: list[Row]) -> Display | None:
        """Seed 000's form: [W][x] = [row terms] = [products] = [sums]; None if too wide."""
        matrix = np.array([[a for a, _ in row.factors] for row in rows])
        vector = np.array([b for _, b in rows[0].factors])
        cm, cv = (self.carried(key) for key in step.operands)
        factors = (
            bmatrix(self.cells(matrix, carried=cm)) + " " + bmatrix(self.cells(vector, carried=cv))
        )
        terms = self.entries(
            [" + ".join(self.times(a, b, (cm, cv)) for a, b in r.factors) for r in rows]
        )
        sides = [("=", [factors]), ("=", [terms])]
        if len(rows[0].factors) > 1:
            round_terms = self.trace.meta.round_terms
            products = self.entries([" ".join(self.signed(r.products, round_terms)) for r in rows])
            sides.append((self._products_rel(step, rows), [products]))
        sides.append(self.shown(step))
        if not all(self.fits(self.sym(step), side[0]) for _, side in sides[:-1]):
            return None
        return self.equation(self.sym(step), sides)

    def _matvec_rows(self, step: Step, rows: list[Row]) -> Display:
        """Row by row, each row's sum broken across lines when long; then the result."""
        rel_products = self._products_rel(step, rows)
        flags = (self.carried(step.operands[0]), self.carried(step.operands[1]))
        out = []
        for i, row in enumerate(rows):
            terms = plus_terms([self.times(a, b, flags) for a, b in row.factors])
            products = self.signed(row.products, self.trace.meta.round_terms)
            rel, value = self.entry(step.value[i], step.carried[i], self.carried(step))
            lhs = rf"\left({self.sym(step)}\right)_{{{i + 1}}}"
            sides = [("=", terms), (rel_products, products), (rel, [value])]
            out.append(self.equation(lhs, sides))
        out.append(self.equation(self.sym(step), [self.shown(step)]))
        return _merge(out)

    def _print_add(self, step: Step) -> Iterator[Item]:
        operands = [self.trace[key] for key in step.operands]
        symbols = [self.sym(op) for op in operands]
        if len(symbols) > 4:
            symbols = symbols[:2] + [r"\dots"] + symbols[-1:]
        sides: list[tuple[str, Sequence[str]]] = [("=", plus_terms(symbols))]
        values = [op.carried for op in operands]
        if len(operands) > 1 and (len(operands) <= 6 or self.settings.full):
            if all(is_number(v) for v in values):
                texts = [self.num(float(np.ravel(op.carried)[0]), self.carried(op))
                         for op in operands]  # fmt: skip
                written = numfmt.with_signs(texts, MINUS)
            else:
                written = plus_terms(
                    [self.operand(op.carried, self.carried(op)) for op in operands]
                )
            if all(self.fits(self.sym(step), term) for term in written):
                sides.append((self.approx_unless_exact(*values), written))
        sides.append(self.shown(step))
        yield self.equation(self.sym(step), sides)

    def _print_outer(self, step: Step) -> Iterator[Item]:
        left, right = self.trace.operand_values(step)
        param = step.info.get("param")
        lhs = self.sym(step)
        if param and self.seed:  # seed 000: ∂L/∂W_xh += δz_t x_tᵀ
            lhs = rf"{parameter_gradient(self.trace, param, self.mathjax)} \mathrel{{+}}= {lhs}"
        elif param:
            wrt = latex(self.trace.meta.symbols[param], self.mathjax)
            grad = self.q(r"\partial L / \partial ") + wrt
            yield sentence("Contribution of ", Math(f"t = {step.time}"), " to ", Math(grad), ":")
        flags = (self.carried(step.operands[0]), self.carried(step.operands[1]))
        cells = self.cells(right, carried=flags[1])
        row = [cell[0].replace(r"\vdots", r"\cdots") for cell in cells]
        factors = bmatrix(self.cells(left, carried=flags[0])) + " " + bmatrix([row])
        sides: list[tuple[str, Sequence[str]]] = []
        if self.fits(lhs, factors):
            sides.append(("=", [factors]))
        if self.small(step.value):
            products = bmatrix([[self.times(x, y, flags) for y in right] for x in left])
            if self.fits(lhs, products):
                sides.append(("=", [products]))
        sides.append(self.shown(step))
        yield self.equation(lhs, sides)

    # -- the ops whose written form is data (``ops.explanation``) ---------------------------
    def print_explained(self, step: Step, explain: Explain) -> Iterator[Item]:
        """Formula = each entry worked out = result, from the op's explanation data."""
        symbols = [self.trace[key].symbol for key in step.operands]
        values = self.trace.operand_values(step)
        flags = [self.carried(key) for key in step.operands]

        def number(j: int) -> Callable[[int, bool], str]:
            def written(i: int, factor: bool) -> str:
                if i < 0:  # the step's own value (an indicator: 1 or 0)
                    return f"{float(step.value.ravel()[j]):g}"
                return (self.factor if factor else self.num)(values[i][j], flags[i])

            return written

        formula = latex(fill(explain.formula, symbols), self.mathjax)
        if explain.each is None:
            yield self.equation(self.sym(step), [("=", [formula]), self.shown(step)])
            return
        each = [latex(fill(explain.each, symbols, number(j)), self.mathjax)
                for j in range(step.value.size)]  # fmt: skip
        yield self.worked(step, [formula], self.approx_unless_exact(*values), [self.entries(each)])

    # -- nonlinearities ---------------------------------------------------------------------
    def _print_sigmoid(self, step: Step) -> Iterator[Item]:
        (o,) = self.trace.operand_values(step)
        with np.errstate(over="ignore"):  # e^710 and more: inf (σ is then 0)
            powers = np.exp(-o)
        c = self.carried(step.operands[0])
        sigma = Apply(function_of(step.op, step.info), self.trace[step.operands[0]].symbol)  # type: ignore[arg-type]
        first = [("1", f"1 + e^{{{self.num(-v, c)}}}") for v in o]
        second = [
            ("1", f"1 + {self.operand(p) if np.isfinite(p) else chr(92) + 'infty'}") for p in powers
        ]
        sides = [
            ("=", [latex(sigma, self.mathjax)]),
            (self.approx_unless_exact(o), [self.fractions(first)]),
            (self.approx_unless_exact(powers), [self.fractions(second)]),
            self.shown(step),
        ]
        yield self.equation(self.sym(step), sides)

    def _print_exp(self, step: Step) -> Iterator[Item]:
        (o,) = self.trace.operand_values(step)
        shift = float(step.info.get("shift", 0.0))
        each = [f"e^{{{self.num(v - shift)}}}" for v in o]
        yield self.equation(self.sym(step), [("=", [self.entries(each)]), self.shown(step)])
        if shift:
            what = step.info.get("shifted", "logit")  # attention: "score"
            largest = self.num(shift, self.carried(step.operands[0]))
            yield sentence(
                f"(every {what} less the largest, {largest}, so that nothing overflows; "
                "the softmax is unchanged)",
                note=True,
            )

    def _print_total(self, step: Step) -> Iterator[Item]:
        (e,) = self.trace.operand_values(step)
        if e.size == 1:  # a sum of one number is that number
            yield self.equation(
                self.sym(step), [("=", [self.sym(step.operands[0])]), self.shown(step)]
            )
            return
        terms = self.signed(e.tolist(), self.carried(step.operands[0]))
        yield self.equation(
            self.sym(step), [(self.approx_unless_exact(e), terms), self.shown(step)]
        )

    def _print_divide(self, step: Step) -> Iterator[Item]:
        e, s = self.trace.operand_values(step)
        formula = rf"\frac{{{self.sym(step.operands[0])}}}{{{self.sym(step.operands[1])}}}"
        ce, cs = self.carried(step.operands[0]), self.carried(step.operands[1])
        each = [(self.num(v, ce), self.num(float(s), cs)) for v in e]
        rel = self.approx_unless_exact(e, s)
        yield self.equation(
            self.sym(step), [("=", [formula]), (rel, [self.fractions(each)]), self.shown(step)]
        )
