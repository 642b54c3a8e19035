"""How ``params.init`` drew the parameters, as plain data for the trace's meta (printed once
by every printer as the "parameters drawn" paragraph, written whole in JSON) and as the note
of each parameter it made."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnntrace._internal.scenario.model_more import InitRecord

GENERATOR = "numpy.random.default_rng(seed).standard_normal(shape), one call a matrix"


def init_data(init: InitRecord) -> dict[str, Any]:
    """The draws in order with their rules, the biases set, the entries given beside init."""
    draws = []
    for d in init.draws:
        entry: dict[str, Any] = {"key": d.key, "shape": list(d.shape), "rule": d.rule,
                                 "fan_in": d.fan_in}  # fmt: skip
        if d.rule == "normal":
            entry["variance"] = d.gain**2 / d.fan_in
            entry["std"] = d.gain / float(np.sqrt(d.fan_in))
        else:
            entry["spectral_radius"] = d.gain
        entry["replaced"] = d.replaced
        draws.append(entry)
    return {
        "scheme": init.scheme,
        "seed": init.seed,
        "gain": init.gain,
        "forget_bias": init.forget_bias,
        "form": init.form,
        "generator": GENERATOR,
        "draws": draws,
        "zeros": list(init.zeros),
        "forget_biases": list(init.forget),
        "given": list(init.given),
    }


def init_note(init: InitRecord, key: str) -> str:
    """The note of a parameter params.init made: drawn, zero, or the forget bias ('' when
    the parameter was given beside init, or is h_0 / c_0)."""
    if key in init.given:
        return ""
    if key in init.zeros:
        return "init_zero"
    if key in init.forget:
        return "init_forget"
    part, dot, base = key.rpartition(".")
    blocks = {d.key for d in init.draws}
    if key in blocks or (len(base) == 3 and f"{part}{dot}{base}h" in blocks):
        return "drawn"
    return ""
