"""Writing a scenario back with new parameter values (``rnntrace train -o trained.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

PART_SECTIONS = {"fw": "forward", "bw": "backward", "enc": "encoder", "dec": "decoder",
                 "att": "attention"}  # fmt: skip


def _numbers(value: np.ndarray) -> Any:
    """An array as YAML-ready lists of floats, to 12 significant digits."""
    return np.vectorize(lambda v: float(f"{v:.12g}"))(value).tolist()


def with_params(path: str | Path, params: dict[str, np.ndarray], header: str) -> str:
    """The scenario file's data with ``params`` (canonical keys, parts prefixed: ``enc.W_xh``,
    ``l2.W_hh``) put in their places, as YAML text starting with ``header`` as a comment.
    (The file was validated before; comments and formatting are not kept.)"""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    section = data["params"]
    for key, value in params.items():
        part, dot, base = key.rpartition(".")
        target = section
        if dot and part.startswith("l") and part[1:].isdigit():
            target = section["layers"][int(part[1:]) - 1]
        elif dot:
            target = section[PART_SECTIONS[part]]
        numbers = _numbers(value)
        target[base] = numbers if np.ndim(value) else numbers
    import textwrap

    comment = "".join(f"# {line}\n" for line in textwrap.wrap(header, 88))
    return comment + yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
