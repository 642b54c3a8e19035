"""Per-student variants of a scenario: the same questions with each student's own numbers,
drawn from a seed on a grid of nice numbers and checked before they are accepted."""

from rnntrace._internal.variants.draw import generator, student_key
from rnntrace._internal.variants.make import Variant, VariantMaker
from rnntrace._internal.variants.manifest import (
    Manifest,
    is_manifest,
    read_manifest,
    write_manifest,
)
from rnntrace._internal.variants.nice import NiceRules, first_problem

__all__ = [
    "Manifest",
    "NiceRules",
    "Variant",
    "VariantMaker",
    "first_problem",
    "generator",
    "is_manifest",
    "read_manifest",
    "student_key",
    "write_manifest",
]
