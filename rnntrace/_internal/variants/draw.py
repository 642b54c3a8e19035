"""Reproducible draws: the random numbers of a student's variant are a pure function of the
seed and the student's id, the same on every machine and in every numpy version that has
them (numpy's PCG64 bit generator, seeded through a SeedSequence).

The id is turned into a number by SHA-256 (its first 8 bytes, big-endian), so an id of any
length and alphabet gives the same stream everywhere; ``--count N`` uses the ids 1 to N,
zero-padded to the width of N."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np

from rnntrace._internal.scenario.model_more import Grid

GENERATOR = "numpy.random.Generator(PCG64(SeedSequence(seed, spawn_key=(sha256(id)[:8],))))"


def student_key(student_id: str) -> int:
    """The id as a number: the first 8 bytes of its UTF-8 SHA-256, big-endian."""
    return int.from_bytes(hashlib.sha256(student_id.encode("utf-8")).digest()[:8], "big")


def generator(seed: int, student_id: str) -> np.random.Generator:
    """The random stream of one student's variant."""
    sequence = np.random.SeedSequence(seed, spawn_key=(student_key(student_id),))
    return np.random.Generator(np.random.PCG64(sequence))


def written_decimals(texts: Sequence[str]) -> int:
    """The most decimals among numbers as written (``0.25`` has 2, ``1e-3`` 3, ``2`` 0)."""
    most = 0
    for text in texts:
        mantissa, _, exponent = text.strip().lower().partition("e")
        decimals = len(mantissa.partition(".")[2]) - (int(exponent) if exponent else 0)
        most = max(most, decimals)
    return min(most, 6)


def own_grid(texts: Sequence[str], values: np.ndarray) -> Grid:
    """The grid of an item as the scenario writes it: its decimals, from its smallest to
    its largest entry (widened by five steps each way when they are all equal)."""
    decimals = written_decimals(texts)
    low, high = float(np.min(values)), float(np.max(values))
    if math.isclose(low, high):
        step = 5 * 10.0**-decimals
        low, high = low - step, high + step
    return Grid(decimals, low, high)


def draw(rng: np.random.Generator, grid: Grid, shape: tuple[int, ...]) -> np.ndarray:
    """Numbers of ``grid``, uniformly over its points."""
    scale = 10**grid.decimals
    first = math.ceil(round(grid.low * scale, 6))
    last = math.floor(round(grid.high * scale, 6))
    return rng.integers(first, last + 1, size=shape) / scale
