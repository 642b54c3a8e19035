"""The terminal printers of the gradient flow (``rnntrace gradflow``) and of the gradient
check (``rnntrace gradcheck``): tables, a log plot and the verdict, in 80 columns."""

from __future__ import annotations

import numpy as np
from rich.text import Text

from rnntrace._internal import cells
from rnntrace._internal.analysis.gradcheck import GradCheck
from rnntrace._internal.analysis.gradflow import GradFlow, Spectrum, gc_paused
from rnntrace._internal.render.gradflow_eigen_text import seed_sections
from rnntrace._internal.render.gradflow_plot import Series, log_plot
from rnntrace._internal.render.gradflow_text_base import (
    MAX_MATRIX,
    WIDTH,
    heading,
    matrix,
    num,
    para,
    table,
    vector,
)
from rnntrace._internal.render.gradflow_words import brief, criterion, eigen_list, reason, where
from rnntrace._internal.symbol import text as text_of
from rnntrace._internal.symbol.tree import Transposed


def factor(flow: GradFlow) -> str:
    """The factor of the direct path of a gated cell: f_j, 1 − z_j or z_j."""
    return flow.letters().fill(flow.direct.text) if flow.direct else ""


# -- gradflow -----------------------------------------------------------------------------


@gc_paused()
def render_gradflow(flow: GradFlow, matrices: bool = False) -> list[Text]:
    """The whole report: the setting, the spectra, the steps, the distances, the plot, the
    verdict and the notes, then seed 004's derivation and seed 001's fixed point."""
    t, q = text_of(flow.target_symbol), flow.letters()
    out: list[Text] = [heading(f"Gradient flow: {flow.title}")]
    cell = where(flow)
    if flow.part:
        cell += f"; {flow.part_name} (--part {flow.part.rstrip('.')})"
    tokens = " ".join(flow.tokens)
    out += para(f"{cell}; sequence {flow.sequence}: {tokens}; t = {flow.time}, its last step")
    out += para(_equation(flow))
    out.append(Text())
    out += _spectra(flow, matrices)
    out.append(Text())
    out += _steps(flow)
    out.append(Text())
    out += _distances(flow)
    out.append(Text())
    out.append(heading(f"‖∂{t}/∂{q.at('h', 't-k')}‖ against k, on a log scale"))
    out += [Text(line) for line in log_plot(_series(flow))]
    if matrices:
        out.append(Text())
        out += _matrices(flow)
    out.append(Text())
    kind = flow.verdict.kind
    style = "bold green" if kind == "stable" else "bold red"
    verdict = Text("Verdict: ", style="bold")
    verdict.append(kind, style=style)
    verdict.append(".")
    out.append(verdict)
    out += para(reason(flow.verdict, flow.direct, q))
    for note in flow.notes:
        out += para(f"Note: {note}.", style="dim")
    return out + seed_sections(flow, matrices)


def _equation(flow: GradFlow) -> str:
    t, q = text_of(flow.target_symbol), flow.letters()
    transposed = isinstance(flow.main.symbol, Transposed)  # the row layout's W_hhᵀ
    W = q.main(flow.main.name, flow.main.name, transposed)
    step = q.fill(cells.get(flow.cell).flow.equation, W)
    h_t = q.at("h", "t")
    return (f"For each distance k: J_k = ∂{h_t}/∂{q.at('h', 't-k')} = A_t A_(t−1) ··· "
            f"A_(t−k+1), here with {h_t} = {t}, and {step} (the inputs held as "
            "recorded).")  # fmt: skip


def _spectra(flow: GradFlow, matrices: bool) -> list[Text]:
    out = [heading("Recurrent matrices" if len(flow.spectra) > 1 else "Recurrent matrix")]
    for spectrum in flow.spectra:
        out += _spectrum(spectrum, matrices or (flow.direct is None), flow)
    if flow.direct is None:
        out += para(criterion(flow, flow.letters()), "  ")
    else:
        out += para(
            "The step Jacobians A_j combine all of these matrices with each step's gate "
            "values, so no one spectral radius decides the verdict.",
            "  ",
        )
    return out


def _spectrum(s: Spectrum, show: bool, flow: GradFlow) -> list[Text]:
    name = text_of(s.symbol)
    out: list[Text] = []
    if show and s.matrix.shape[0] <= MAX_MATRIX:
        out += matrix(name, s.matrix, fixed=False)
    eig = ", ".join(eigen_list(list(s.eigenvalues)))
    role = "" if flow.direct is None else f" ({s.role})"
    out += para(f"{name}{role}: eigenvalues {eig}", "  ")
    out += para(f"ρ({name}) = {brief(s.spectral_radius)}, ‖{name}‖₂ = {brief(s.norm)}", "    ")
    return out


def _steps(flow: GradFlow) -> list[Text]:
    out = [heading("Step by step, from t back")]
    if flow.direct is None:
        headers = ["j", f"f′({flow.letters().at('z', 'j')})", "max f′", "ρ·max f′", "‖A_j‖₂"]
        rows = [[str(s.time), vector(s.derivative), num(s.derivative_max), num(s.estimate),
                 num(s.gain)] for s in reversed(flow.steps)]  # fmt: skip
    else:
        headers = ["j", factor(flow), "‖A_j‖₂", "ρ(A_j)"]
        rows = [[str(s.time), vector(s.path), num(s.gain), num(s.radius)]
                for s in reversed(flow.steps)]  # fmt: skip
    return out + table(headers, rows)


def _distances(flow: GradFlow) -> list[Text]:
    t, q = text_of(flow.target_symbol), flow.letters()
    source = q.at("h", "t-k")
    out = [heading(f"Distance by distance: J_k = ∂{t}/∂{source}")]
    joint = cells.get(flow.cell).flow.joint
    if flow.direct is None:
        headers = ["k", source, "‖J_k‖₂", "‖J_k‖_F", "Π ρ·max f′", "Π ‖A_j‖₂"]
        rows = [[str(d.k), text_of(d.source_symbol), num(d.norm), num(d.frobenius),
                 num(d.estimate), num(d.bound)] for d in flow.distances]  # fmt: skip
    else:
        headers = ["k", source, "‖J_k‖₂", "‖J_k‖_F"]
        headers += [f"‖∂{q.at('c', 't')}/∂{q.at('c', 't-k')}‖₂"] if joint else []
        headers += [f"‖Π diag({factor(flow)})‖", "Π ‖A_j‖₂"]
        rows = []
        for d in flow.distances:
            row = [str(d.k), text_of(d.source_symbol), num(d.norm), num(d.frobenius)]
            row += [num(d.cell_norm)] if joint else []
            rows.append(row + [num(d.path_norm), num(d.bound)])
    out += table(headers, rows)
    if flow.direct is None:
        W = q.param("W_hh", "W_hh")
        out += para(
            "Π ‖A_j‖₂ bounds ‖J_k‖₂ (never exceeded); Π ρ·max f′ is the eigenvalue "
            f"estimate, itself a bound when {W} is normal (orthogonal, symmetric, ...), "
            f"for then ‖A_j‖₂ ≤ ‖{W}‖₂·max f′ = ρ·max f′.",
            "  ",
            style="dim",
        )
    return out


def _series(flow: GradFlow) -> list[Series]:
    series = [Series("●", "‖J_k‖₂", [d.norm for d in flow.distances])]
    if flow.direct is None:
        series.append(Series("○", "Π ρ·max f′", [d.estimate for d in flow.distances]))
    else:
        label = f"‖Π diag({factor(flow)})‖"
        series.append(Series("×", label, [d.path_norm for d in flow.distances]))
    return series


def _matrices(flow: GradFlow) -> list[Text]:
    t = text_of(flow.target_symbol)
    out = [heading("The Jacobians")]
    for s in reversed(flow.steps):
        out += matrix(f"A_{s.time}", s.jacobian)
    for d in flow.distances:
        out += matrix(f"∂{t}/∂{text_of(d.source_symbol)}", d.jacobian)
    return out


# -- gradcheck ----------------------------------------------------------------------------


def render_gradcheck(check: GradCheck, entries: bool = False) -> list[Text]:
    """A table per parameter (with every entry under --entries) and the pass/fail line."""
    out = [heading(f"Gradient check: {check.title}")]
    L = check.loss_symbol
    objective = (f"the total loss {L} = {brief(check.loss)}" if check.windowed is None else
                 f"the windowed objective of train.bptt_window k = {check.windowed} (see the "
                 f"note; the total loss is {L} = {brief(check.loss)})")  # fmt: skip
    out += para(
        f"Central differences ({L}(θ + ε) − {L}(θ − ε)) / 2ε of {objective}, "
        f"ε = {brief(check.eps)}, beside the BPTT gradients "
        "(exact float64); relative error ‖g_fd − g‖ / (‖g_fd‖ + ‖g‖)."
    )
    out.append(Text())
    rows = [[p.key, "×".join(map(str, p.bptt.shape)) or "1", num(float(np.linalg.norm(p.bptt))),
             num(p.max_abs), num(p.rel_error), "ok" if p.passed else "FAIL"]
            for p in check.params]  # fmt: skip
    out += table(["parameter", "shape", "‖g‖", "max |g_fd − g|", "rel. error", ""], rows)
    if entries:
        for p in check.params:
            out.append(Text())
            out.append(heading(f"{p.key}: entry by entry"))
            cells = [[_index(i), brief(float(p.bptt[i]), digits=10), brief(float(p.fd[i]),
                      digits=10), num(abs(float(p.fd[i] - p.bptt[i])))]
                     for i in np.ndindex(p.bptt.shape)]  # fmt: skip
            out += table(["entry", "BPTT g", "finite diff. g_fd", "|g_fd − g|"], cells)
    out.append(Text())
    worst = check.worst
    tol = brief(check.tolerance)
    if check.passed:
        line = Text("passed", style="bold green")
        line.append(f": every relative error ≤ {tol} (largest: {worst.key}, "
                    f"{brief(worst.rel_error)})")  # fmt: skip
    else:
        bad = [p.key for p in check.params if not p.passed]
        line = Text("FAILED", style="bold red")
        line.append(f": relative error above {tol} for {', '.join(bad)} "
                    f"(largest: {worst.key}, {brief(worst.rel_error)})")  # fmt: skip
    out += _wrapped(line)
    for note in check.notes:
        out += para(f"Note: {note}.", style="dim")
    return out


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i + 1) for i in index) + "]"


def _wrapped(line: Text) -> list[Text]:
    if len(line.plain) <= WIDTH:
        return [line]
    return para(line.plain)
