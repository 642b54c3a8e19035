"""The LaTeX printer of the gradient flow: the equations, the spectra, the two tables, a
``pgfplots`` figure of ‖∂h_t/∂h_{t-k}‖ against k on a log scale, the Jacobians themselves
(when they are small) and the verdict. A fragment needs amsmath and pgfplots; ``standalone``
gives a complete document."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.analysis.gradflow import GradFlow, Spectrum
from rnntrace._internal.render.gradflow_eigen_latex import seed_sections
from rnntrace._internal.render.gradflow_latex_base import MAX_DISTANCES, MAX_MATRIX, bmatrix, num, s
from rnntrace._internal.render.gradflow_words import brief_tex, criterion, eigen_list, reason, where
from rnntrace._internal.render.texescape import latex_text

PREAMBLE = r"""\documentclass{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{pgfplots}
\pgfplotsset{compat=1.16}
\setlength{\parindent}{0pt}
\begin{document}
"""
FRAGMENT_NOTE = (
    "% Gradient flow written by rnntrace. Needs \\usepackage{amsmath} and\n"
    "% \\usepackage{pgfplots} with \\pgfplotsset{compat=1.16} (or later).\n"
)


def tabular(headers: Sequence[str], rows: Sequence[Sequence[str]], first: str = "r") -> str:
    spec = first + "l" * (len(headers) - 1)
    lines = [rf"\begin{{tabular}}{{{spec}}}", r"\hline", " & ".join(headers) + r" \\", r"\hline"]
    lines += [" & ".join(row) + r" \\" for row in rows]
    lines += [r"\hline", r"\end{tabular}"]
    return "\n".join(lines)


def render_gradflow_latex(flow: GradFlow, standalone: bool = False) -> Iterator[str]:
    """The LaTeX text in chunks."""
    yield PREAMBLE if standalone else FRAGMENT_NOTE
    yield rf"\section*{{Gradient flow: {latex_text(flow.title)}}}" + "\n"
    cell = where(flow)
    if flow.part:
        cell += f"; {latex_text(flow.part_name)}"
    tokens = latex_text(" ".join(flow.tokens))
    yield f"{cell}; sequence {flow.sequence} ({tokens}); $t = {flow.time}$, its last step.\n\n"
    yield _equation(flow)
    yield from _spectra(flow)
    yield "\n\\subsection*{Step by step}\n" + _steps(flow) + "\n"
    yield "\n\\subsection*{Distance by distance}\n" + _distances(flow) + "\n"
    yield "\n" + _plot(flow)
    yield from _jacobians(flow)
    yield f"\n{{\\sloppy\\paragraph{{Verdict: {flow.verdict.kind}.}} "
    yield reason(flow.verdict, flow.direct, flow.letters(tex=True)) + "\\par}\n"
    if flow.notes:
        yield "\\begin{itemize}\n"
        for note in flow.notes:
            yield rf"\item {latex_text(note)}." + "\n"
        yield "\\end{itemize}\n"
    yield from seed_sections(flow)
    if standalone:
        yield "\\end{document}\n"


def _equation(flow: GradFlow) -> str:
    t, q = s(flow.target_symbol), flow.letters(tex=True)
    first = (r"\frac{\partial " + t + r"}{\partial " + q.at("h", "t-k")
             + r"} = A_t A_{t-1} \cdots A_{t-k+1}")  # fmt: skip
    words = cells.get(flow.cell).flow
    step = q.fill(words.equation_latex, s(flow.main.symbol))
    after = q.fill(words.words_latex)
    return f"\\[ {first}, \\qquad {step} \\]\n{after}The inputs are held as recorded.\n\n"


def _spectra(flow: GradFlow) -> Iterator[str]:
    if flow.direct is None:
        yield "\\subsection*{Recurrent matrix}\n"
        yield _spectrum(flow.main, flow.main.matrix.shape[0] <= 8)
        yield criterion(flow, flow.letters(tex=True)) + "\n\n"
        return
    yield "\\subsection*{Recurrent matrices}\n"
    rows = [[f"${s(sp.symbol)}$", latex_text(sp.role.removesuffix(": recurrent matrix")),
             "$" + ", ".join(eigen_list(list(sp.eigenvalues), tex=True)) + "$",
             num(sp.spectral_radius), num(sp.norm)] for sp in flow.spectra]  # fmt: skip
    yield tabular(["matrix", "of the", r"eigenvalues $\lambda$", r"$\rho$", r"$\|\cdot\|_2$"],
                  rows, "l") + "\n\n"  # fmt: skip
    yield (
        "The step Jacobians $A_j$ combine all of these matrices with each step's gate values, "
        "so no one spectral radius decides the verdict.\n"
    )


def _spectrum(sp: Spectrum, show: bool) -> str:
    name = s(sp.symbol)
    values = eigen_list(list(sp.eigenvalues), tex=True)
    chunks = [", ".join(values[i : i + 6]) for i in range(0, len(values), 6)]
    rows = [f"{name} = {bmatrix(sp.matrix, exact=True)}"] if show else []
    rows.append(f"\\lambda({name}) = " + r", \\ ".join(chunks))
    rows.append(
        f"\\rho({name}) = {brief_tex(sp.spectral_radius)}, \\qquad "
        f"\\|{name}\\|_2 = {brief_tex(sp.norm)}"
    )
    return "\\begin{gather*}\n" + " \\\\\n".join(rows) + "\n\\end{gather*}\n"


def _vector(values: np.ndarray | None) -> str:
    if values is None:
        return ""
    flat = np.ravel(values)
    if flat.size <= 4:
        return "$(" + ", ".join(f"{v:.3f}" for v in flat) + ")$"
    return f"mean ${brief_tex(float(np.mean(flat)), 3)}$"


def _steps(flow: GradFlow) -> str:
    q = flow.letters(tex=True)
    if flow.direct is None:
        headers = ["$j$", f"$f'({q.at('z', 'j')})$", r"$\max f'$", r"$\rho \max f'$",
                   r"$\|A_j\|_2$"]  # fmt: skip
        rows = [[f"${x.time}$", _vector(x.derivative), num(x.derivative_max), num(x.estimate),
                 num(x.gain)] for x in reversed(flow.steps)]  # fmt: skip
    else:
        factor = q.fill(flow.direct.latex)
        headers = ["$j$", f"${factor}$", r"$\|A_j\|_2$", r"$\rho(A_j)$"]
        rows = [[f"${x.time}$", _vector(x.path), num(x.gain), num(x.radius)]
                for x in reversed(flow.steps)]  # fmt: skip
    return tabular(headers, rows)


def _distances(flow: GradFlow) -> str:
    q = flow.letters(tex=True)
    headers = ["$k$", f"${q.at('h', 't-k')}$", r"$\|J_k\|_2$", r"$\|J_k\|_F$"]
    joint = cells.get(flow.cell).flow.joint
    if flow.direct is None:
        headers += [r"$\prod \rho \max f'$", r"$\prod \|A_j\|_2$"]
    else:
        factor = q.fill(flow.direct.latex)
        cells_back = rf"$\|\partial {q.at('c', 't')}/\partial {q.at('c', 't-k')}\|_2$"
        headers += [cells_back] if joint else []
        headers += [rf"$\|\prod \operatorname{{diag}}({factor})\|$", r"$\prod \|A_j\|_2$"]
    rows = []
    for d in flow.distances:
        row = [f"${d.k}$", f"${s(d.source_symbol)}$", num(d.norm), num(d.frobenius)]
        if flow.direct is None:
            row += [num(d.estimate)]
        else:
            row += [num(d.cell_norm)] if joint else []
            row += [num(d.path_norm)]
        rows.append(row + [num(d.bound)])
    return tabular(headers, rows)


def _coordinates(values: Sequence[float | None]) -> str:
    return " ".join(f"({k},{v:.6e})" for k, v in enumerate(values, start=1) if v and v > 0)


def _plot(flow: GradFlow) -> str:
    norms = [d.norm for d in flow.distances]
    if flow.direct is None:
        other = [d.estimate for d in flow.distances]
        legend = r"$\prod \rho \max f'$"
    else:
        other = [d.path_norm for d in flow.distances]
        factor = flow.letters(tex=True).fill(flow.direct.latex)
        legend = rf"$\|\prod \operatorname{{diag}}({factor})\|$"
    if not any(v > 0 for v in norms):
        return "Every $\\|J_k\\|$ is 0: there is nothing to plot on a log scale.\n"
    first, second = cells.get(flow.cell).flow.marks
    plots = [rf"\addplot[{first}] coordinates {{{_coordinates(norms)}}};"]
    legends = [r"$\|J_k\|_2$"]
    if _coordinates(other):
        plots.append(rf"\addplot[{second}] coordinates {{{_coordinates(other)}}};")
        legends.append(legend)
    t = s(flow.target_symbol)
    return (
        "\\begin{center}\n\\begin{tikzpicture}\n"
        f"\\begin{{semilogyaxis}}[width=0.6\\textwidth, height=6cm, xlabel={{$k$}}, "
        f"ylabel={{$\\|\\partial {t}/\\partial {flow.letters(tex=True).at('h', 't-k')}\\|$}}, "
        + (f"xtick={{1,...,{len(norms)}}}, " if len(norms) <= 20 else "")
        + "legend pos=outer north east]\n"
        + "\n".join(plots)
        + "\n\\legend{"
        + ", ".join("{" + item + "}" for item in legends)
        + "}\n\\end{semilogyaxis}\n\\end{tikzpicture}\n\\end{center}\n"
    )


def _jacobians(flow: GradFlow) -> Iterator[str]:
    if flow.hidden > MAX_MATRIX or len(flow.distances) > MAX_DISTANCES:
        yield (
            "\nThe Jacobians themselves are too large to write out here; "
            "\\texttt{--format json} gives every one.\n"
        )
        return
    t = s(flow.target_symbol)
    yield "\n\\subsection*{The Jacobians}\n\\begin{align*}\n"
    rows = [
        rf"\frac{{\partial {t}}}{{\partial {s(d.source_symbol)}}} &= {bmatrix(d.jacobian)}"
        for d in flow.distances
    ]
    yield " \\\\[4pt]\n".join(rows) + "\n\\end{align*}\n"
