"""The worked maths of the losses, the output errors and the update, for LaTeX and
Markdown (the rest of the ops are in ``latex_steps``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from rnntrace._internal.render import numfmt
from rnntrace._internal.render.latex_base import is_number, plus_terms
from rnntrace._internal.render.latex_training import TrainingLatexSteps
from rnntrace._internal.render.prose import Item, Math, Word, sentence
from rnntrace._internal.render.quantities import spelled_latex
from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.trace import Step

_TOGETHER = {
    "bce_grad": "sigmoid and binary cross-entropy together: ",
    "ce_grad": "softmax and cross-entropy together: ",
}


class LossPrinter(TrainingLatexSteps):
    """The ``_print_<op>`` methods of losses, output errors and the SGD update."""

    def q(self, formula: str) -> str:
        """One of the formulas below with the scenario's renamed quantities."""
        return spelled_latex(self.trace.meta, formula, self.mathjax)

    def _print_bce(self, step: Step) -> Iterator[Item]:
        y_hat = self.trace.value(step.operands[0])
        c = self.carried(step.operands[0])
        terms = []
        for t, p in zip(step.info["target"], y_hat):
            prob = self.num(p, c)
            if t == 1:
                terms.append(rf"\log({prob})")
            elif t == 0:
                terms.append(rf"\log(1 - {prob})")
            else:
                terms += [rf"{self.num(t)} \log({prob})", rf"{self.num(1 - t)} \log(1 - {prob})"]
        written = plus_terms(terms)
        if len(written) == 1:
            written = [f"-{written[0]}"]
        else:  # \bigl[ ... \bigr], unlike \left[ ... \right], may span rows
            written[0], written[-1] = rf"-\bigl[{written[0]}", rf"{written[-1]}\bigr]"
        formula = self.q(r"-\left[y \log \hat{y} + (1 - y) \log(1 - \hat{y})\right]")
        yield self.worked(step, [formula], self.approx_unless_exact(y_hat), written)
        yield sentence(
            "(target ", Math(self.q("y")), " = ", Word(step.info["target_text"]), ")", note=True
        )

    def _print_ce(self, step: Step) -> Iterator[Item]:
        y_hat = self.trace.value(step.operands[0])
        if step.info.get("soft"):
            yield from self._soft_ce(step, y_hat)
            return
        k = step.info["index"]
        y = self.sym(step.operands[0])
        sides = [
            ("=", [rf"-\log {y}[{k}]"]),
            (
                self.approx_unless_exact(y_hat),
                [rf"-\log({self.num(y_hat[k], self.carried(step.operands[0]))})"],
            ),
            self.shown(step),
        ]
        yield self.equation(self.sym(step), sides)
        yield sentence("(target ", Word(step.info["target_text"]), f": class {k})", note=True)

    def _soft_ce(self, step: Step, y_hat: np.ndarray) -> Iterator[Item]:
        """−Σ_k y_k log ŷ_k over the classes whose target y_k is not 0."""
        c = self.carried(step.operands[0])
        terms = [
            rf"{self.num(t)} \log({self.num(p, c)})"
            for t, p in zip(step.info["target"], y_hat)
            if t != 0
        ]
        written = plus_terms(terms)
        if len(written) == 1:
            written = [f"-{written[0]}"]
        else:
            written[0], written[-1] = rf"-\bigl[{written[0]}", rf"{written[-1]}\bigr]"
        formula = self.q(r"-\sum_k y_k \log \hat{y}_k")
        yield self.worked(step, [formula], self.approx_unless_exact(y_hat), written)
        yield sentence(
            "(target distribution ",
            Math(self.q("y")),
            " = ",
            Word(step.info["target_text"]),
            ")",
            note=True,
        )

    def _print_mse(self, step: Step) -> Iterator[Item]:
        (y_hat,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        squares = [
            f"({self.num(p, c)} - {self.factor(t)})^{{2}}"
            for p, t in zip(y_hat, step.info["target"])
        ]
        k = len(y_hat)
        if step.info.get("mse_scale") == "half":
            written = plus_terms(squares)
            written[0] = rf"\tfrac{{1}}{{2}} \Bigl({written[0]}"
            written[-1] = rf"{written[-1]}\Bigr)"
            formula = self.q(r"\tfrac{1}{2} \lVert \hat{y} - y \rVert^{2}")
            yield self.worked(step, [formula], self.approx_unless_exact(y_hat), written)
            return
        formula = self.q(
            r"(\hat{y} - y)^{2}"
            if k == 1
            else rf"\frac{{1}}{{{k}}} \sum_k (\hat{{y}}_k - y_k)^{{2}}"
        )
        written = plus_terms(squares)
        if k > 1:
            # \Bigl( ... \Bigr), unlike \left( ... \right), may span rows
            written = [rf"\frac{{1}}{{{k}}} \Bigl(", *written, r"\Bigr)"]
        sides = [("=", [formula]), (self.approx_unless_exact(y_hat), written), self.shown(step)]
        yield self.equation(self.sym(step), sides)

    def _print_bce_grad(self, step: Step) -> Iterator[Item]:
        yield from self._output_error(step)

    def _print_ce_grad(self, step: Step) -> Iterator[Item]:
        yield from self._output_error(step)

    def _output_error(self, step: Step) -> Iterator[Item]:
        (y_hat,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        each = [f"{self.num(p, c)} - {self.num(t)}" for p, t in zip(y_hat, step.info["target"])]
        rel = self.approx_unless_exact(y_hat)
        yield self.worked(step, [self.q(r"\hat{y} - y")], rel, [self.entries(each)])
        yield sentence(
            "(" + _TOGETHER[step.op],
            Math(self.q(r"\partial L / \partial o = \hat{y} - y")),
            ")",
            note=True,
        )

    def _print_bce_dyhat(self, step: Step) -> Iterator[Item]:
        (y_hat,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        each = []
        for p, t in zip(y_hat, step.info["target"]):
            minus = rf"-\frac{{{self.num(t)}}}{{{self.num(p, c)}}}"
            plus = rf"\frac{{{self.num(1 - t)}}}{{1 - {self.num(p, c)}}}"
            each.append(minus if t == 1 else plus if t == 0 else f"{minus} + {plus}")
        formula = self.q(r"-\frac{y}{\hat{y}} + \frac{1 - y}{1 - \hat{y}}")
        written = each[0] if len(each) == 1 else self.entries(each)
        yield self.worked(step, [formula], self.approx_unless_exact(y_hat), [written])
        yield sentence("(binary cross-entropy: ", Math(self.q(r"\partial L / \partial \hat{y}")),
                       ", then through the sigmoid)", note=True)  # fmt: skip

    def _print_ce_dyhat(self, step: Step) -> Iterator[Item]:
        (y_hat,) = self.trace.operand_values(step)
        c = self.carried(step.operands[0])
        each = [
            rf"-\frac{{{self.num(t)}}}{{{self.num(p, c)}}}" if t != 0 else "0"
            for p, t in zip(y_hat, step.info["target"])
        ]
        formula = self.q(r"-\frac{y}{\hat{y}}")
        yield self.worked(step, [formula], self.approx_unless_exact(y_hat), [self.entries(each)])
        yield sentence("(cross-entropy: ", Math(self.q(r"\partial L / \partial \hat{y}")),
                       ", 0 where ", Math(self.q("y_k = 0")), "; then through the softmax)",
                       note=True)  # fmt: skip

    def _print_mse_grad(self, step: Step) -> Iterator[Item]:
        (y_hat,) = self.trace.operand_values(step)
        k = len(y_hat)
        if step.info.get("mse_scale") == "half":  # ∂(½‖ŷ − y‖²)/∂ŷ = ŷ − y
            c = self.carried(step.operands[0])
            each = [f"{self.num(p, c)} - {self.factor(t)}"
                    for p, t in zip(y_hat, step.info["target"])]  # fmt: skip
            rel = self.approx_unless_exact(y_hat)
            yield self.worked(step, [self.q(r"\hat{y} - y")], rel, [self.entries(each)])
            return
        scale = "2" if k == 1 else rf"\frac{{2}}{{{k}}}"
        c = self.carried(step.operands[0])
        each = [
            rf"{scale} \times ({self.num(p, c)} - {self.factor(t)})"
            for p, t in zip(y_hat, step.info["target"])
        ]
        rel = self.approx_unless_exact(y_hat)
        sides = [
            ("=", [self.q(rf"{scale} (\hat{{y}} - y)")]),
            (rel, [self.entries(each)]),
            self.shown(step),
        ]
        yield self.equation(self.sym(step), sides)

    def _print_softmax_back(self, step: Step) -> Iterator[Item]:
        grad, y_hat = self.trace.operand_values(step)
        g, y = self.sym(step.operands[0]), self.sym(step.operands[1])
        dot = self.factor(float(np.dot(grad, y_hat)))
        cg, cy = self.carried(step.operands[0]), self.carried(step.operands[1])
        each = [
            rf"{self.num(p, cy)} \times ({self.factor(a, cg)} - {dot})" for a, p in zip(grad, y_hat)
        ]
        sides = [
            ("=", [rf"{y} \odot ({g} - {g} \cdot {y})"]),
            (r"\approx", [self.entries(each)]),
            self.shown(step),
        ]
        yield self.equation(self.sym(step), sides)

    # -- update -----------------------------------------------------------------------------
    def _print_sgd(self, step: Step) -> Iterator[Item]:
        param, grad = self.trace.operand_values(step)
        eta = numfmt.number(step.info["learning_rate"], 12, "-")
        p, g = self.sym(step.operands[0]), self.sym(step.operands[1])
        sides: list[tuple[str, Sequence[str]]] = [("=", [p, rf"- {eta} \times {g}"])]
        rel = self.approx_unless_exact(param, grad)
        cp, cg = self.carried(step.operands[0]), self.carried(step.operands[1])
        if param.ndim <= 1:
            each = [
                rf"{self.num(a, cp)} - {eta} \times {self.factor(b, cg)}"
                for a, b in zip(np.ravel(param), np.ravel(grad))
            ]
            sides.append((rel, [self.entries(each)]))
        elif not is_number(param):
            written = [self.operand(param, cp), rf"- {eta} \times " + self.operand(grad, cg)]
            if all(self.fits(self.sym(step), term) for term in written):
                sides.append((rel, written))
        sides.append(self.shown(step))
        yield self.equation(self.sym(step), sides)

    # -- training: clipping, weight decay, truncated BPTT -----------------------------------
    def _print_global_norm(self, step: Step) -> Iterator[Item]:
        squares = [rf"\lVert {self.sym(key)} \rVert^{{2}}" for key in step.operands]
        total = sum(float(np.sum(v * v)) for v in self.trace.operand_values(step))
        formula = plus_terms(squares)
        formula[0], formula[-1] = rf"\bigl({formula[0]}", rf"{formula[-1]}\bigr)^{{1/2}}"
        written = numfmt.fixed(total, self.d + 2, "-")
        yield self.worked(step, formula, r"\approx", [rf"\sqrt{{{written}}}"])

    def _print_clip_factor(self, step: Step) -> Iterator[Item]:
        (norm,) = self.trace.operand_values(step)
        limit = numfmt.number(step.info["max_norm"], 12, "-")
        eps = " + " + numfmt.number(step.info["eps"], 12, "-") if step.info.get("eps") else ""
        formula = rf"\min\left(1, \frac{{{limit}}}{{{self.sym(step.operands[0])}{eps}}}\right)"
        shown = self.num(float(norm), self.carried(step.operands[0]))
        written = rf"\min\left(1, \frac{{{limit}}}{{{shown}{eps}}}\right)"
        yield self.worked(step, [formula], self.approx_unless_exact(norm), [written])
        fired = float(step.value) < 1.0
        yield sentence(
            "(clipping fired: the gradients are scaled down)"
            if fired
            else "(the norm is within the limit: nothing is clipped)",
            note=True,
        )

    def _print_scale_by(self, step: Step) -> Iterator[Item]:
        factor = float(self.trace.value(step.operands[0]))
        shown = self.num(factor, self.carried(step.operands[0]))
        formula = rf"{shown} \times {self.sym(step.operands[1])}"
        yield self.equation(self.sym(step), [("=", [formula]), self.shown(step)])

    def _print_decay(self, step: Step) -> Iterator[Item]:
        weight = numfmt.number(step.info["weight"], 12, "-")
        formula = rf"{self.sym(step.operands[0])} + {weight} \, {self.sym(step.operands[1])}"
        yield self.equation(self.sym(step), [("=", [formula]), self.shown(step)])

    def _print_zeros(self, step: Step) -> Iterator[Item]:
        yield self.equation(self.sym(step), [self.shown(step)])
        yield sentence(f"({label_text(step)})", note=True)

    def _print_cut(self, step: Step) -> Iterator[Item]:
        yield self.equation(self.sym(step), [self.shown(step)])
        yield sentence(f"({label_text(step)})", note=True)
