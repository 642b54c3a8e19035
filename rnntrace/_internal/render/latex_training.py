"""The LaTeX (and Markdown) ``_print_<op>`` methods of seed 001's training techniques
(issue 13): the L2 penalty and its gradient, the scheduled learning rate and the step with
it, recurrent weight decay."""

from __future__ import annotations

from collections.abc import Iterator

from rnntrace._internal.render import numfmt
from rnntrace._internal.render.latex_base import LatexBase, plus_terms
from rnntrace._internal.render.prose import Item
from rnntrace._internal.trace import Step


def _n(value: float) -> str:
    return numfmt.number(value, 12, "-")


class TrainingLatexSteps(LatexBase):
    """Penalty, schedule and recurrent decay, written out."""

    def _print_l2_penalty(self, step: Step) -> Iterator[Item]:
        weight = _n(step.info["weight"])
        squares = [rf"\lVert {self.sym(key)} \rVert_F^{{2}}" for key in step.operands]
        formula = plus_terms(squares)
        formula[0], formula[-1] = rf"{weight} \bigl({formula[0]}", rf"{formula[-1]}\bigr)"
        total = sum(float((v * v).sum()) for v in self.trace.operand_values(step))
        written = rf"{weight} \times {numfmt.fixed(total, self.d + 2, '-')}"
        yield self.worked(step, formula, r"\approx", [written])

    def _print_penalty_grad(self, step: Step) -> Iterator[Item]:
        twice = _n(2 * step.info["weight"])
        formula = rf"{self.sym(step.operands[0])} + {twice} \, {self.sym(step.operands[1])}"
        yield self.equation(self.sym(step), [("=", [formula]), self.shown(step)])

    def _print_lr_schedule(self, step: Step) -> Iterator[Item]:
        eta0, r, n = _n(step.info["learning_rate"]), _n(step.info["decay"]), step.info["epoch"]
        if step.info["kind"] == "time":
            formula = r"\frac{\eta_0}{1 + r\,(N - 1)}"
            written = rf"\frac{{{eta0}}}{{1 + {r} \times {n - 1}}}"
        else:
            formula = r"\eta_0 \, r^{N - 1}"
            written = rf"{eta0} \times {r}^{{{n - 1}}}"
        yield self.worked(step, [formula], "=", [written])

    def _print_sgd_scheduled(self, step: Step) -> Iterator[Item]:
        p, g, eta = (self.sym(key) for key in step.operands)
        value = self.num(float(self.trace.value(step.operands[2])), self.carried(step.operands[2]))
        sides = [("=", [p, rf"- {eta} \, {g}"]), ("=", [p, rf"- {value} \times {g}"])]
        yield self.equation(self.sym(step), [*sides, self.shown(step)])

    def _print_shrink(self, step: Step) -> Iterator[Item]:
        rate = _n(step.info["rate"])
        cols = step.info.get("cols")
        where = rf"\ \text{{(columns 1 to {cols[1]})}}" if cols is not None else ""
        formula = rf"(1 - {rate}) \, {self.sym(step.operands[0])}{where}"
        yield self.equation(self.sym(step), [("=", [formula]), self.shown(step)])
