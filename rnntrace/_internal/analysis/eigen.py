"""Seed 004's derivation for the simple RNN, computed: W_hh = U S U⁻¹, S^k, and the
product diag(f′(z_t)) ··· diag(f′(z_(t−k+1))) U S^k U⁻¹ beside the ordered product
J_k = A_t ··· A_(t−k+1) it stands for.

Step 7 of the seed moves every diag(f′) to the left "by the commutative property". Diagonal
matrices commute with W_hh only when all entries of each are equal, so the seed's product is
J_k only then; ``Derivation.difference`` says how far apart the two are for the scenario.

Eigenvalues come from ``numpy.linalg.eig``, ordered as ``Spectrum`` orders them (largest
|λ| first). Complex eigenvalues come in conjugate pairs a ± bi; U and U⁻¹ are then complex
and U S^k U⁻¹ is real up to rounding (the imaginary parts dropped are reported). A W_hh whose
eigenvectors do not span (defective, e.g. a Jordan block) has no U⁻¹: the condition number
of U tells, and then W_hh^k is W_hh multiplied out (``numpy.linalg.matrix_power``) instead.

Computed once per command (not per step): a few H×H products and k powers of H numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnntrace._internal.symbol.tree import Symbol

# cond(U) beyond this: the eigenvectors are (numerically) dependent, W_hh is not
# diagonalisable in float64 (an exact Jordan block gives about 1e16).
DEFECTIVE_CONDITION = 1e8


@dataclass(frozen=True)
class Derivation:
    """W_hh = U S U⁻¹ and the seed's product for one distance k."""

    key: str  # the parameter W_hh is read from
    symbol: Symbol
    matrix: np.ndarray  # W_hh, H×H
    eigenvectors: np.ndarray  # U (complex), column i belongs to eigenvalues[i]
    eigenvalues: np.ndarray  # the diagonal of S (complex), largest |λ| first
    inverse: np.ndarray | None  # U⁻¹ (complex); None when W_hh is defective
    condition: float  # cond₂(U) = ‖U‖₂ ‖U⁻¹‖₂ (inf when U is singular)
    defective: bool  # cond(U) > DEFECTIVE_CONDITION: no U S U⁻¹
    complex: bool  # some eigenvalue is not real
    reconstruction: float | None  # max |U S U⁻¹ − W_hh| (entries); None when defective
    k: int
    source_symbol: Symbol  # h_(t−k)
    target_symbol: Symbol  # h_t
    eigenvalue_powers: np.ndarray  # the diagonal of S^k: λ_i^k
    power: np.ndarray  # W_hh^k: U S^k U⁻¹ (real part), or W_hh multiplied out when defective
    power_imag: float | None  # the largest |Im| of U S^k U⁻¹ dropped; None when defective
    power_gap: float  # max |U S^k U⁻¹ − W_hh multiplied out| (0 when defective)
    derivatives: np.ndarray  # Π_j f′(z_j) over the k steps: the diagonal of the seed's product
    commutes: bool  # every step's f′ equal across units: the seed's step 7 holds
    approximation: np.ndarray  # diag(Π f′) W_hh^k, the seed's product
    exact: np.ndarray  # J_k, the ordered product
    difference: float  # ‖approximation − J_k‖₂
    relative: float | None  # difference / ‖J_k‖₂ (None when J_k = 0)


def derive(key: str, symbol: Symbol, matrix: np.ndarray, k: int, derivatives: np.ndarray,
           exact: np.ndarray, source: Symbol, target: Symbol) -> Derivation:  # fmt: skip
    """The derivation for distance ``k``: ``derivatives`` (k, H) are f′(z_j) of the k steps
    (j = t, t−1, ..., t−k+1), ``exact`` is J_k."""
    values, vectors = np.linalg.eig(matrix)
    order = np.argsort(-np.abs(values), kind="stable")
    values, vectors = values[order].astype(complex), vectors[:, order].astype(complex)
    with np.errstate(all="ignore"):
        condition = float(np.linalg.cond(vectors))
        defective = not condition <= DEFECTIVE_CONDITION
        powers = values**k
        direct = np.linalg.matrix_power(matrix, k)
        inverse = reconstruction = imag = None
        gap = 0.0
        power = direct
        if not defective:
            inverse = np.linalg.inv(vectors)
            reconstruction = float(np.max(np.abs((vectors * values) @ inverse - matrix)))
            decomposed = (vectors * powers) @ inverse
            imag = float(np.max(np.abs(decomposed.imag)))
            power = decomposed.real
            gap = float(np.max(np.abs(power - direct)))
        diagonal = np.prod(derivatives, axis=0)
        approximation = diagonal[:, None] * power
        difference = float(np.linalg.norm(approximation - exact, 2)) if np.isfinite(
            approximation).all() else float("inf")  # fmt: skip
    norm = float(np.linalg.norm(exact, 2))
    return Derivation(
        key=key,
        symbol=symbol,
        matrix=matrix,
        eigenvectors=vectors,
        eigenvalues=values,
        inverse=inverse,
        condition=condition,
        defective=defective,
        complex=bool(np.any(np.abs(values.imag) > 1e-14 * np.maximum(1.0, np.abs(values.real)))),
        reconstruction=reconstruction,
        k=k,
        source_symbol=source,
        target_symbol=target,
        eigenvalue_powers=powers,
        power=power,
        power_imag=imag,
        power_gap=gap,
        derivatives=diagonal,
        commutes=bool(np.all(derivatives == derivatives[:, :1])),
        approximation=approximation,
        exact=exact,
        difference=difference,
        relative=difference / norm if norm > 0 else None,
    )
