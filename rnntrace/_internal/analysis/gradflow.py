"""How the gradient flows back through time in one part of a model, over one sequence
(seed 004, and the vanishing-gradient part of seed 001).

For t, the last step of the sequence the part computed, and each distance k = 1..t:

    J_k = ∂h_t/∂h_{t-k} = A_t A_{t-1} ··· A_{t-k+1},   A_j = ∂s_j/∂s_{j-1}  (``jacobians``)

For the simple RNN A_j = diag(f'(z_j)) W_hh, so J_k is the product of k such factors. It is
*not* diag(f'(z_t))···diag(f'(z_{t-k+1})) W_hh^k: diagonal matrices do not commute with
W_hh unless all f' of a step are equal. The eigenvalues of W_hh still say much: with
ρ = max|λ_i| and γ_j = max_i f'_i(z_j), ρ γ_j estimates how much one step back shrinks or
stretches the gradient; ‖W_hh‖₂ γ_j bounds it (equal when W_hh is normal, e.g. orthogonal
or symmetric). For the LSTM the state is (h, c) and ∂h_t/∂h_{t-k} is the h–h block of the
product; the cell state also has the path Π diag(f_j) through the forget gates alone. For
the GRU the direct path is Π diag(u_j), u = 1 − z (update_gate new) or z (keep_old).

The verdict compares the average factor per step, r = ‖J_K‖₂^(1/K) over the longest
distance K, with the band [``LOW``, ``HIGH``]: below it the gradient vanishes, above it it
explodes, inside it it is stable.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np

from rnntrace._internal import cells
from rnntrace._internal.analysis.eigen import Derivation, derive
from rnntrace._internal.analysis.fixedpoint import FixedPoints, fixed_points
from rnntrace._internal.analysis.jacobians import DERIVATIVE_MAX, Layer, StepJacobian
from rnntrace._internal.analysis.letters import Letters
from rnntrace._internal.cells import DirectPath
from rnntrace._internal.errors import RnntraceError
from rnntrace._internal.records import record
from rnntrace._internal.scenario.model import Scenario
from rnntrace._internal.symbol.tree import Name, Scripted, Sentence, Symbol, Transposed
from rnntrace._internal.trace import Trace

LOW, HIGH = 0.9, 1.1  # the average factor per step of a stable gradient
PART_NAMES = {"": "the model", "fw.": "the forward RNN", "bw.": "the backward RNN",
              "enc.": "the encoder", "dec.": "the decoder"}  # fmt: skip
PART_ALIASES = {"forward": "fw.", "backward": "bw.", "encoder": "enc.", "decoder": "dec."}


@dataclass(frozen=True)
class Spectrum:
    """A recurrent matrix with its eigenvalues, spectral radius and 2-norm."""

    key: str  # the parameter it is read from: W_hh, l1.W_fh, W_f (its first H columns)
    name: str  # W_hh, W_fh, ...
    symbol: Symbol
    role: str  # what it is, in words
    matrix: np.ndarray
    eigenvalues: np.ndarray  # complex, largest |λ| first
    spectral_radius: float  # ρ = max |λ|
    norm: float  # ‖W‖₂, the largest singular value


@record
class StepFlow:
    """One step j back: A_j and what it is made of."""

    time: int
    key: str  # h_j
    symbol: Symbol  # the symbol of h_j
    prev_key: str
    prev_symbol: Symbol
    jacobian: np.ndarray  # A_j (2H×2H over (h, c) for the LSTM)
    gain: float  # ‖A_j‖₂
    radius: float  # the spectral radius of A_j
    derivative: np.ndarray | None  # rnn: f'(z_j)
    derivative_max: float | None  # rnn: γ_j = max_i f'_i(z_j)
    estimate: float | None  # rnn: ρ(W_hh) γ_j
    path: np.ndarray | None  # lstm: f_j; gru: u_j


@record
class Distance:
    """∂h_t/∂h_{t-k} for one distance k."""

    k: int
    source_key: str  # h_{t-k}
    source_symbol: Symbol
    jacobian: np.ndarray  # H×H
    norm: float  # spectral norm
    frobenius: float
    bound: float  # Π ‖A_j‖₂ over the k steps: ‖J_k‖₂ never exceeds it
    estimate: float | None  # rnn: Π ρ γ_j over the k steps (the eigenvalue estimate)
    joint: np.ndarray | None = None  # lstm: ∂(h_t, c_t)/∂(h_{t-k}, c_{t-k}), 2H×2H
    cell_norm: float | None = None  # lstm: ‖∂c_t/∂c_{t-k}‖₂
    path: np.ndarray | None = None  # lstm Π f_j, gru Π u_j (the diagonal)
    path_norm: float | None = None  # max |path| = ‖Π diag(·)‖₂


@dataclass(frozen=True)
class Verdict:
    """Vanishing, exploding or stable, and the facts the one-sentence reason cites."""

    kind: str  # vanishing | exploding | stable
    cause: str  # the reason's case: see ``_cause``
    rate: float  # r = ‖J_K‖₂^(1/K), the average factor per step back
    norm: float  # ‖J_K‖₂
    k: int  # K, the longest distance
    target_symbol: Symbol
    source_symbol: Symbol
    matrix_symbol: Symbol  # W_hh (or the matrix in its role)
    radius: float  # ρ of that matrix
    matrix_norm: float  # its ‖·‖₂
    derivative_bound: float | None  # rnn: γ, the largest f' can be (1; 1/4 for sigmoid)
    derivative_max: float | None  # rnn: the largest f' along the sequence, max_j γ_j
    derivative_mean: float | None  # rnn: the mean f' along the sequence
    estimate: float | None  # rnn: ρ γ, the textbook criterion (< 1: vanishing)
    observed: float | None  # rnn: ρ · derivative_max
    path_norm: float | None  # gated: ‖Π diag(·)‖₂ over the K steps
    path_mean: float | None  # gated: the mean gate value on that path
    skip: float = 0.0  # model.skip: every A_j includes α I


@dataclass(frozen=True)
class GradFlow:
    """The whole analysis of one part over one sequence."""

    title: str
    cell: str
    activation: str
    conventions: tuple[Sentence, ...]
    part: str  # "" or "l1.", "fw.", "enc.", ...
    part_name: str  # "layer 1", "the encoder"
    parts: tuple[str, ...]  # every part that has a recurrent layer
    sequence: int
    tokens: tuple[str, ...]
    hidden: int  # H
    time: int  # t
    target_key: str
    target_symbol: Symbol
    spectra: tuple[Spectrum, ...]
    main: Spectrum  # W_hh, or the matrix in its role (LSTM: W_ch; GRU: W_hh)
    derivative_bound: float | None  # rnn: γ, the largest f' can be (1, or 1/4 for sigmoid)
    steps: tuple[StepFlow, ...]  # in the order the layer ran; steps[-1] is step t
    distances: tuple[Distance, ...]  # k = 1..K
    verdict: Verdict
    path_name: str | None  # "cell state (forget gates)", "direct path (1 - z)"
    direct: DirectPath | None  # a gated cell's direct path, in words
    notes: tuple[str, ...]
    derivation: Derivation | None = None  # seed 004's W_hh = U S U⁻¹ (simple RNN only)
    fixed: FixedPoints | None = None  # seed 001's fixed points (simple RNN only)
    skip: float = 0.0  # model.skip: A_j = diag(f'(z_j)) W_hh + α I
    # why derivation and fixed are None: "" (shown), "gated" (a gated cell), "form" (A_j is
    # not diag(f'(z_j)) W_hh: a skip connection or recurrent dropout)
    unshown: str = ""
    # the scenario's notation (by key) and index style, which every sentence is written in
    notation: Mapping[str, Symbol] = field(default_factory=dict)
    index_style: str = "subscript"

    def letters(self, tex: bool = False) -> Letters:
        """The quantities and parameters of the sentences in the scenario's notation."""
        return Letters(self.notation, self.index_style, tex)


def parts_of(scenario: Scenario) -> list[str]:
    """The parts of the model that are recurrent layers ("" for a model of one layer), in
    the order of the parameters."""
    gate = cells.get(scenario.model.cell).flow.recurrent[0][0]
    found: list[str] = []
    for key in scenario.params:
        part, dot, base = key.rpartition(".")
        if base in (f"W_{gate}h", f"W_{gate}") and part + dot not in found:
            found.append(part + dot)
    return found or [""]


def resolve_part(scenario: Scenario, part: str | None) -> str:
    """``--part``: l1, l2, fw, bw, enc, dec (or forward, backward, encoder, decoder)."""
    parts = parts_of(scenario)
    if part is None:
        return parts[0]
    name = PART_ALIASES.get(part.strip().lower(), part.strip())
    name = name if name.endswith(".") or not name else name + "."
    if name not in parts:
        shown = ", ".join(p.rstrip(".") for p in parts if p) or "none (the model is one layer)"
        raise RnntraceError(f"--part {part}: no such part; parts: {shown}")
    return name


def part_name(part: str) -> str:
    """'layer 2', 'the encoder', ...: a part in words."""
    if part.startswith("l") and part[1:-1].isdigit():
        return f"layer {part[1:-1]}"
    return PART_NAMES.get(part, part.rstrip("."))


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a while (also as a decorator): making 10⁴ records
    set off full collections that scan every object of the trace again, a fifth of
    ``gradflow``'s time at T = 10,000, and none of these objects is cyclic garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@gc_paused()
def forward_pass(scenario: Scenario, sequence: int = 1) -> Trace:
    """The forward pass the Jacobians are read from (the loss and BPTT are not traced):
    unrolled from its step at time 2 where the layers allow (``engine.unrolled``: 10⁵ steps
    in seconds, the tracer's values to the bit), else traced."""
    from dataclasses import replace

    from rnntrace._internal.engine import trace_scenario
    from rnntrace._internal.engine.unrolled import unrolled_forward

    unrolled = unrolled_forward(scenario, sequence)
    if unrolled is not None:
        return unrolled
    return trace_scenario(replace(scenario, model=replace(scenario.model, loss="none")))


@gc_paused()
def analyse(trace: Trace, scenario: Scenario, sequence: int = 1, part: str | None = None,
            k: int | None = None, fixed_input: str = "first") -> GradFlow:  # fmt: skip
    """The gradient flow of ``part`` (default: the first) over sequence ``sequence``; for a
    simple RNN also seed 004's derivation at distance ``k`` (default t) and the fixed points
    for the input ``fixed_input`` (see ``fixedpoint``)."""
    meta = trace.meta
    if not 1 <= sequence <= len(meta.sequences):
        raise RnntraceError(
            f"--sequence {sequence}: the scenario has {len(meta.sequences)} sequence(s)"
        )
    part = resolve_part(scenario, part)
    model = scenario.model
    info = meta.sequences[sequence - 1]
    flow = cells.get(model.cell).flow
    direct = flow.path(model)
    letters = Letters(meta.notation, meta.index_style)
    layer = Layer(trace, info.prefix, part, model)
    spectra = tuple(_spectrum(trace, layer, gate, role) for gate, role in flow.recurrent)
    main = next(s for s in spectra if s.name == f"W_{flow.main}h")
    steps = _steps(trace, layer.steps(), main)
    distances = _distances(steps, layer.H, flow.joint, direct is None)
    gamma = DERIVATIVE_MAX[model.activation] if direct is None else None
    verdict = replace(_verdict(steps, distances, main, gamma), skip=model.skip)
    if model.skip and verdict.cause not in ("zero", "gated"):
        verdict = replace(verdict, cause="skip")
    if k is not None and not 1 <= k <= len(distances):
        raise RnntraceError(f"--k {k}: the distances are k = 1..{len(distances)} (t = "
                            f"{steps[-1].time} steps back)")  # fmt: skip
    derivation = fixed = None
    unshown = "gated" if flow.drive is None else "" if _plain(steps, main.matrix) else "form"
    if not unshown:  # h = f(W_hh h + u), A_j = diag(f'(z_j)) W_hh: the seeds' form
        derivation = _derivation(steps, distances, main, k or len(distances))
        fixed = fixed_points(layer, fixed_input, info.tokens)
    return GradFlow(
        title=meta.title,
        cell=model.cell,
        activation=model.activation,
        conventions=meta.conventions,
        part=part,
        part_name=part_name(part),
        parts=tuple(parts_of(scenario)),
        sequence=sequence,
        tokens=info.tokens,
        hidden=layer.H,
        time=steps[-1].time,
        target_key=steps[-1].key,
        target_symbol=steps[-1].symbol,
        spectra=spectra,
        main=main,
        derivative_bound=gamma,
        steps=tuple(steps),
        distances=tuple(distances),
        verdict=verdict,
        path_name=direct.name if direct else None,
        direct=direct,
        notes=tuple(_notes(scenario, part, trace, letters) + _skipdrop_notes(scenario, letters)),
        skip=model.skip,
        derivation=derivation,
        fixed=fixed,
        unshown=unshown,
        notation=meta.notation,
        index_style=meta.index_style,
    )


def _plain(steps: list[StepFlow], matrix: np.ndarray) -> bool:
    """Whether every A_j is diag(f'(z_j)) W_hh, as the cell computes it (to the bit): no skip
    term, no dropout mask on h_(j−1)."""
    jacobians = np.array([s.jacobian for s in steps])
    derivatives = np.array([cast(np.ndarray, s.derivative) for s in steps])
    return bool(np.array_equal(jacobians, derivatives[:, :, None] * matrix[None, :, :]))


def _derivation(steps: list[StepFlow], distances: list[Distance], main: Spectrum,
                k: int) -> Derivation:  # fmt: skip
    """Seed 004's W_hh = U S U⁻¹ and its product for distance k, beside J_k."""
    derivatives = np.stack([cast(np.ndarray, s.derivative) for s in steps[-k:]])
    distance = distances[k - 1]
    return derive(main.key, main.symbol, main.matrix, k, derivatives, distance.jacobian,
                  distance.source_symbol, steps[-1].symbol)  # fmt: skip


def _spectrum(trace: Trace, layer: Layer, gate: str, role: str) -> Spectrum:
    matrix = layer.recurrent(gate)
    eigenvalues = np.linalg.eigvals(matrix)
    eigenvalues = eigenvalues[np.argsort(-np.abs(eigenvalues), kind="stable")]
    key = layer.recurrent_key(gate)
    symbol = trace.meta.symbols[key]
    if not key.endswith(f"W_{gate}h"):  # the h columns of a concatenated W_g
        symbol = Scripted(symbol, sub=Name("[h]"))
    elif layer.transposed(key):  # the row layout: h_(t−1) W_hh acts as W_hhᵀ h_(t−1)
        symbol = Transposed(symbol)
    return Spectrum(
        key=key,
        name=f"W_{gate}h",
        symbol=symbol,
        role=role if role.endswith("matrix") else f"{role}: recurrent matrix",
        matrix=matrix,
        eigenvalues=eigenvalues,
        spectral_radius=float(np.max(np.abs(eigenvalues))),
        norm=float(np.linalg.norm(matrix, 2)),
    )


def _steps(trace: Trace, jacobians: list[StepJacobian], main: Spectrum) -> list[StepFlow]:
    """Each step's A_j with its norm and spectral radius (computed for all steps at once)."""
    stack = np.array([j.state for j in jacobians])
    gains, radii = spectral_norms(stack), spectral_radii(stack)
    gammas: list[float | None] = [None] * len(jacobians)  # max_i |f'_i(z_j)| (ungated)
    if jacobians[0].derivative is not None:
        gammas = (
            np.abs(np.array([cast(np.ndarray, j.derivative) for j in jacobians]))
            .max(axis=1)
            .tolist()
        )
    out = []
    for j, gain, radius, gamma in zip(jacobians, gains, radii, gammas):
        out.append(StepFlow(
            time=j.time,
            key=j.key,
            symbol=trace[j.key].symbol,
            prev_key=j.prev_key,
            prev_symbol=trace[j.prev_key].symbol,
            jacobian=j.state,
            gain=float(gain),
            radius=float(radius),
            derivative=j.derivative,
            derivative_max=gamma,
            estimate=main.spectral_radius * gamma if gamma is not None else None,
            path=j.path,
        ))  # fmt: skip
    return out


# Matrices per batch of the norms and eigenvalues below (their work arrays stay small).
BATCH = 4096


def spectral_norms(matrices: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """‖M‖₂ of each matrix (a list, or an array of them): what ``np.linalg.norm(M, 2)``
    gives, to the bit (the same LAPACK singular values), for a batch at a time."""
    return np.concatenate([np.linalg.svd(np.asarray(matrices[i : i + BATCH]), compute_uv=False)
                           .max(axis=-1) for i in range(0, len(matrices), BATCH)])  # fmt: skip


def spectral_radii(matrices: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """max |λ| of each matrix (a list, or an array of them), for a batch at a time."""
    return np.concatenate([np.abs(np.linalg.eigvals(np.asarray(matrices[i : i + BATCH])))
                           .max(axis=-1) for i in range(0, len(matrices), BATCH)])  # fmt: skip


def _distances(steps: list[StepFlow], H: int, joint: bool, ungated: bool) -> list[Distance]:
    """J_k for k = 1..K: the products of the steps' Jacobians, from step t back; ``joint``
    when they are over (h, c), ``ungated`` for a cell without a direct path."""
    products = _products([step.jacobian for step in reversed(steps)])
    blocks = products[:, :H, :H]
    norms = spectral_norms(blocks)
    cell_norms = spectral_norms(products[:, H:, H:]) if joint else None
    out: list[Distance] = []
    path = np.ones(H)
    bound = 1.0
    estimate: float | None = 1.0 if ungated else None
    with np.errstate(over="ignore"):  # ‖J_k‖_F of entries near 1e154 and more: inf
        frobenius = [_frobenius(block) for block in blocks]
    for k, step in enumerate(reversed(steps), start=1):
        bound *= step.gain
        if estimate is not None and step.estimate is not None:
            estimate *= step.estimate
        gated = step.path is not None
        if step.path is not None:
            path = path * step.path
        product, jacobian = products[k - 1], blocks[k - 1]
        out.append(
            Distance(
                k=k,
                source_key=step.prev_key,
                source_symbol=step.prev_symbol,
                jacobian=jacobian,
                norm=float(norms[k - 1]),
                frobenius=frobenius[k - 1],
                bound=bound,
                estimate=estimate,
                joint=product if joint else None,
                cell_norm=float(cell_norms[k - 1]) if cell_norms is not None else None,
                path=path.copy() if gated else None,
                path_norm=float(np.max(np.abs(path))) if gated else None,
            )
        )
    return out


def _frobenius(matrix: np.ndarray) -> float:
    """‖M‖_F as ``np.linalg.norm(M, "fro")`` computes it (to the bit), without its checks."""
    entries = matrix.ravel(order="K")
    return math.sqrt(float(entries.dot(entries)))


def _products(factors: list[np.ndarray]) -> np.ndarray:
    """A_t, A_t A_(t−1), ...: the running products, one after the other in an array; an
    error when one overflows."""
    n = factors[0].shape[0]
    products = np.empty((len(factors), n, n))
    product = np.eye(n)
    with np.errstate(over="ignore", invalid="ignore"):  # near 1e308: inf, then an error
        for i, factor in enumerate(factors):
            product = product @ factor
            products[i] = product
        finite = np.concatenate([np.isfinite(products[i : i + BATCH]).all(axis=(1, 2))
                                 for i in range(0, len(products), BATCH)])  # fmt: skip
    if not finite.all():
        k = int(np.argmin(finite)) + 1
        raise RnntraceError(
            f"∂h_t/∂h_(t-{k}) overflows float64: the gradient explodes beyond 1e308 "
            f"after {k} steps back; choose a shorter sequence"
        )
    return products


def _verdict(steps: list[StepFlow], distances: list[Distance], main: Spectrum,
             gamma: float | None) -> Verdict:  # fmt: skip
    """The verdict; ``gamma`` (the largest f' can be) only for a cell without a gate."""
    last = distances[-1]
    K = last.k
    rate = last.norm ** (1.0 / K) if last.norm > 0 else 0.0
    kind = "vanishing" if rate < LOW else "exploding" if rate > HIGH else "stable"
    seen = mean = path_mean = None
    if gamma is not None:
        derivatives = np.concatenate([s.derivative for s in steps if s.derivative is not None])
        seen = float(np.max(np.abs(derivatives)))
        mean = float(np.mean(np.abs(derivatives)))
    else:
        path_mean = float(np.mean([s.path for s in steps if s.path is not None]))
    rho = main.spectral_radius
    return Verdict(
        kind=kind,
        cause=_cause(kind, _dead(steps), rho, gamma, seen),
        rate=rate,
        norm=last.norm,
        k=K,
        target_symbol=steps[-1].symbol,
        source_symbol=last.source_symbol,
        matrix_symbol=main.symbol,
        radius=rho,
        matrix_norm=main.norm,
        derivative_bound=gamma,
        derivative_max=seen,
        derivative_mean=mean,
        estimate=rho * gamma if gamma is not None else None,
        observed=rho * seen if seen is not None else None,
        path_norm=last.path_norm,
        path_mean=path_mean,
    )


def _dead(steps: list[StepFlow]) -> bool:
    """True when some step has f' = 0 for every unit (relu units all off)."""
    if steps[0].derivative is None:
        return False
    return bool((~np.array([cast(np.ndarray, s.derivative) for s in steps]).any(axis=1)).any())


def _cause(kind: str, dead: bool, rho: float, gamma: float | None, seen: float | None) -> str:
    """Which reason explains the verdict (γ: the largest f' can be; seen: the largest f'
    along the sequence):

    zero         some step has f' = 0 for every unit (relu): the gradient is cut off
    below        vanishing, as the eigenvalue criterion ρ γ < 1 says
    saturated    vanishing although ρ γ ≥ 1: the f' along this sequence are small
    above        exploding, as ρ · (the largest f' seen) > 1 says
    non_normal   exploding although ρ · (the largest f' seen) ≤ 1: ‖W_hh‖₂ > ρ lets
                 products grow before they shrink
    near_one     stable
    gated        an LSTM or a GRU (the reason cites the direct path)
    skip         (set by ``analyse``) model.skip: A_j includes α I, which the eigenvalue
                 criterion of W_hh alone leaves out
    """
    if dead:
        return "zero"
    if gamma is None or seen is None:
        return "gated"
    if kind == "vanishing":
        return "below" if rho * gamma < 1 else "saturated"
    if kind == "exploding":
        return "above" if rho * seen > 1 else "non_normal"
    return "near_one"


def _skipdrop_notes(scenario: Scenario, q: Letters) -> list[str]:
    """What skip connections and recurrent dropout (issue 13) add to the Jacobians (``q``:
    the quantities in the scenario's notation)."""
    model, out = scenario.model, []
    W, h_j, h_prev, z_j, m_j = (q.param("W_hh", "W_hh"), q.at("h", "j"), q.at("h", "j-1"),
                                q.at("z", "j"), q.at("m", "j"))  # fmt: skip
    if model.skip:
        out.append(
            f"model.skip: {h_j} = f({z_j}) + α {h_prev} with α = {model.skip:g}, so every "
            f"A_j = diag(f'({z_j})) {W} + α I; the Jacobians, their norms and the verdict "
            f"include α I, the eigenvalues of {W} alone do not"
        )
    drop = model.dropout
    if drop is not None and drop.recurrent:
        if cells.get(model.cell).has_activation:  # h_t = f(W_hh h_(t−1) + u)
            read = f"{W} reads {m_j} ⊙ {h_prev}, so A_j = diag(f'({z_j})) {W} diag({m_j})"
        else:  # a gated cell: every recurrent matrix reads the dropped state
            read = (f"every recurrent matrix reads {m_j} ⊙ {h_prev} (the state carried on "
                    f"directly does not), so each W_gh in A_j is W_gh diag({m_j})")  # fmt: skip
        out.append(
            f"recurrent dropout: {read} with step j's mask (scaled by 1/(1 − p)) as the "
            "trace drew it; --eval analyses the model without dropout"
        )
    return out


def _notes(scenario: Scenario, part: str, trace: Trace, q: Letters) -> list[str]:
    """What the reader should know about what the Jacobians include (``q``: the quantities
    in the scenario's notation)."""
    model = scenario.model
    out = []
    fed = (
        not model.teacher_forcing
        and scenario.train.scheduled_sampling is None
        and (
            model.topology == "generate" or (model.topology == "encoder_decoder" and part == "dec.")
        )
    )
    if fed:
        out.append(
            # (h_(t-1) with a hyphen, as this note has always been written)
            f"each output is fed back as the next input, a second path from "
            f"{q.at('h', 't-1').replace('−', '-')} to {q.at('h', 't')}; "
            "the Jacobians here hold the inputs as recorded (the recurrent path only)"
        )
    if part == "dec." and model.attention != "none":
        out.append(
            "the attention context depends on the previous decoder state; it is held as "
            "recorded too"
        )
    if part == "bw.":
        out.append("the backward RNN runs from the last token to the first: t is its last "
                   "step (time 1) and k counts its steps back")  # fmt: skip
    if part.startswith("l") and part != "l1.":
        out.append("the layer's inputs (the states of the layer below) are held as recorded")
    if trace.meta.carry == "rounded":
        out.append(
            f"computed from values carried rounded to {trace.meta.decimals} decimals, as "
            "in the trace"
        )
    return out
