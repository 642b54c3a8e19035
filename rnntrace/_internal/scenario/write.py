"""Writing a scenario back with new parameter values (``rnntrace train -o trained.yaml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

SCALAR_TAGS = ("str", "int", "float", "bool", "null", "timestamp")
PART_SECTIONS = {"fw": "forward", "bw": "backward", "enc": "encoder", "dec": "decoder",
                 "att": "attention"}  # fmt: skip


def _numbers(value: np.ndarray) -> Any:
    """An array as YAML-ready lists of floats, to 12 significant digits."""
    return np.vectorize(lambda v: float(f"{v:.12g}"))(value).tolist()


class _Written(str):
    """A scalar as the file writes it: its text and its style (plain, quoted, folded), so
    that ``no``, ``on`` or ``0x10`` (a token, a word) is written back as it was, not as
    PyYAML's ``false`` or ``16``."""

    style: str | None = None


class _KeepLoader(yaml.SafeLoader):
    """Every scalar kept as its text (a ``_Written``)."""


class _KeepDumper(yaml.SafeDumper):
    """Writes a ``_Written`` as it was written."""


def _keep(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> _Written:
    text = _Written(node.value)
    text.style = node.style
    return text


def _write(dumper: yaml.SafeDumper, text: _Written) -> yaml.ScalarNode:
    if text.style:  # quoted or block: a string
        return dumper.represent_scalar("tag:yaml.org,2002:str", str(text), style=text.style)
    # plain: the tag it resolves to, so that the emitter writes it plain again
    tag = dumper.resolve(yaml.ScalarNode, str(text), (True, False))
    return dumper.represent_scalar(tag, str(text))


for _tag in SCALAR_TAGS:
    _KeepLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _keep)
_KeepDumper.add_representer(_Written, _write)


def kept_data(text: str) -> Any:
    """A scenario's YAML data with every scalar kept as it was written (``_Written``)."""
    return yaml.load(text, Loader=_KeepLoader)  # noqa: S506 (a SafeLoader subclass)


def put_params(data: Any, params: dict[str, np.ndarray]) -> None:
    """Put ``params`` (canonical keys, parts prefixed: ``enc.W_xh``, ``l2.W_hh``) in their
    places in ``data``."""
    section = data["params"]
    section.pop("init", None)  # params.init drew them: the numbers written replace the draws
    for key, value in params.items():
        part, dot, base = key.rpartition(".")
        target = section
        if dot and part.startswith("l") and part[1:].isdigit():
            layers = section.setdefault("layers", [])
            layers.extend({} for _ in range(int(part[1:]) - len(layers)))
            target = layers[int(part[1:]) - 1]
        elif dot:
            target = section.setdefault(PART_SECTIONS[part], {})
        target[base] = _numbers(value)


def dump_kept(data: Any, header: str) -> str:
    """``data`` as YAML text starting with ``header`` as a comment."""
    import textwrap

    comment = "".join(f"# {line}\n" for line in textwrap.wrap(header, 88))
    body = yaml.dump(data, Dumper=_KeepDumper, sort_keys=False, default_flow_style=None,
                     width=100, allow_unicode=True)  # fmt: skip
    return comment + body


def with_params(path: str | Path, params: dict[str, np.ndarray], header: str) -> str:
    """The scenario file's data with ``params`` (canonical keys, parts prefixed: ``enc.W_xh``,
    ``l2.W_hh``) put in their places, as YAML text starting with ``header`` as a comment.
    (The file was validated before; comments and formatting are not kept.)"""
    data = kept_data(Path(path).read_text(encoding="utf-8"))
    put_params(data, params)
    return dump_kept(data, header)
