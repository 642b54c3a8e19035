"""The worked maths of the ops that take vectors apart and put them together: the dot
products, weights and weighted sums of attention, slices and concatenations (for LaTeX and
Markdown; the rest of the ops are in ``latex_steps`` and ``latex_loss``)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from rnntrace._internal.render.latex_base import LatexBase, column, is_number, plus_terms
from rnntrace._internal.render.latex_seed import entry_symbol
from rnntrace._internal.render.prose import Display, Item
from rnntrace._internal.symbol import latex
from rnntrace._internal.trace import Step


class VectorPrinter(LatexBase):
    """The ``_print_<op>`` methods of attention and of vector pieces."""

    def scaled(self, weight: float, values: np.ndarray, carried: tuple[bool, bool]) -> str:
        """A number times a vector, ``0.3 [..]``, or times a number, ``0.3 \\times 0.5``."""
        if is_number(values):
            return self.times(weight, float(np.ravel(values)[0]), carried)
        return f"{self.factor(weight, carried[0])} " + self.operand(values, carried[1])

    def _print_dots(self, step: Step) -> Iterator[Item]:
        query, *others = self.trace.operand_values(step)
        q = self.sym(step.operands[0])
        formula = [f"{{{self.sym(key)}}}^\\top {q}" for key in step.operands[1:]]
        cq = self.carried(step.operands[0])
        each = [
            " + ".join(
                self.times(a, b, (self.carried(key), cq))
                for a, b in zip(np.ravel(v), np.ravel(query))
            )
            for key, v in zip(step.operands[1:], others)
        ]
        rel = self.approx_unless_exact(query, *others)
        if self.seed and step.phase == "forward":  # seed 002: one line per score A_{t,i}
            yield self._score_lines(step, formula, rel, each)
            return
        yield self.worked(step, [self.entries(formula)], rel, [self.entries(each)])

    def _score_lines(self, step: Step, formula: list[str], rel: str, each: list[str]) -> Display:
        """``A_{t,i} = h_iᵀ h_t = products ≈ value``, one row for each i."""
        rows: list[str] = []
        for i, (f, products) in enumerate(zip(formula, each)):
            shown = self.entry(step.value[i], step.carried[i], self.carried(step))
            lhs = latex(entry_symbol(step.symbol, i + 1), self.mathjax)
            rows += self.equation(lhs, [("=", [f]), (rel, [products]), (shown[0], [shown[1]])]).rows
        return Display(tuple(rows))

    def _print_weighted_sum(self, step: Step) -> Iterator[Item]:
        weights, *vectors = self.trace.operand_values(step)
        w = self.sym(step.operands[0])
        names = [self.sym(key) for key in step.operands[1:]]
        formula = plus_terms([f"{w}[{i}] \\, {name}" for i, name in enumerate(names, start=1)])
        cw = self.carried(step.operands[0])
        written = plus_terms(
            [
                self.scaled(a, v, (cw, self.carried(key)))
                for a, v, key in zip(weights, vectors, step.operands[1:])
            ]
        )
        yield self.worked(step, formula, self.approx_unless_exact(weights, *vectors), written)

    def _print_scale(self, step: Step) -> Iterator[Item]:
        weights, vector = self.trace.operand_values(step)
        i = step.info["index"]
        w, v = self.sym(step.operands[0]), self.sym(step.operands[1])
        flags = (self.carried(step.operands[0]), self.carried(step.operands[1]))
        written = self.scaled(weights[i], vector, flags)
        rel = self.approx_unless_exact(weights, vector)
        yield self.worked(step, [f"{w}[{i + 1}] \\, {v}"], rel, [written])

    def _print_slice(self, step: Step) -> Iterator[Item]:
        start, stop = step.info["start"], step.info["stop"]
        formula = f"\\text{{entries {start + 1} to {stop} of }} {self.sym(step.operands[0])}"
        yield self.equation(self.sym(step), [("=", [formula]), self.shown(step)])

    def _print_concat(self, step: Step) -> Iterator[Item]:
        parts = [self.sym(key) for key in step.operands]
        yield self.equation(self.sym(step), [("=", [column(parts)]), self.shown(step)])
