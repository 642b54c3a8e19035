"""The terminal's ``_print_<op>`` methods of seed 001's training techniques (issue 13): the
L2 penalty and its gradient, the scheduled learning rate and the step with it, recurrent
weight decay."""

from __future__ import annotations

from collections.abc import Iterator

from rnntrace._internal.render import numfmt
from rnntrace._internal.render.text_base import Line, TextBase
from rnntrace._internal.trace import Step


class TrainingSteps(TextBase):
    """Penalty, schedule and recurrent decay, written out."""

    def _print_l2_penalty(self, step: Step) -> Iterator[Line]:
        weight = step.info["weight"]
        squares = " + ".join(f"‖{self.sym(key)}‖²" for key in step.operands)
        total = sum(float((v * v).sum()) for v in self.trace.operand_values(step))
        yield from self.result(
            step,
            parts=[f"{weight:g} × ({squares})", f"{weight:g} × {numfmt.fixed(total, self.d + 2)}"],
        )

    def _print_penalty_grad(self, step: Step) -> Iterator[Line]:
        twice = 2 * step.info["weight"]
        formula = f"{self.sym(step.operands[0])} + {twice:g} {self.sym(step.operands[1])}"
        yield from self._either(step, formula)

    def _print_lr_schedule(self, step: Step) -> Iterator[Line]:
        eta0, r, n = step.info["learning_rate"], step.info["decay"], step.info["epoch"]
        if step.info["kind"] == "time":
            parts = ["η₀ / (1 + r (N − 1))", f"{eta0:g} / (1 + {r:g} × {n - 1})"]
        else:
            parts = ["η₀ r^(N − 1)", f"{eta0:g} × {r:g}^{n - 1}"]
        yield from self.result(step, parts=parts)

    def _print_sgd_scheduled(self, step: Step) -> Iterator[Line]:
        eta = self.num(float(self.trace.value(step.operands[2])), self.carried(step.operands[2]))
        p, g, name = (self.sym(key) for key in step.operands)
        yield from self._either(step, f"{p} − {name} × {g} = {p} − {eta} × {g}")

    def _print_shrink(self, step: Step) -> Iterator[Line]:
        rate = step.info["rate"]
        cols = step.info.get("cols")
        where = f" (columns 1 to {cols[1]})" if cols is not None else ""
        yield from self._either(step, f"(1 − {rate:g}) {self.sym(step.operands[0])}{where}")

    def _either(self, step: Step, formula: str) -> Iterator[Line]:
        if step.value.ndim == 2:
            yield from self.matrix_result(step, f"{self.sym(step)} = {formula}")
            return
        yield from self.result(step, parts=[formula])
