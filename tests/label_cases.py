"""The traces whose step labels tests/golden/labels.json.gz records: every bundled scenario
and two random configurations of every topology and cell, and of the MGU."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from test_mgu import CONFIGS as MGU_CONFIGS
from test_mgu import random_doc, scenario_of
from topology_oracles import KINDS, random_config, trace_config

from rnntrace._internal.engine import trace_scenario
from rnntrace._internal.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "golden" / "labels.json.gz"
CELLS = ("rnn", "lstm", "gru")  # the MGU: its own configurations, below


def cases() -> Iterator[tuple[str, object]]:
    """(name, trace) for every case."""
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        yield path.stem, trace_scenario(scenario)
    for kind in KINDS:
        for cell in CELLS:
            for seed in (0, 1):  # two random configurations
                yield f"{kind}/{cell}/{seed}", trace_config(random_config(seed, kind, cell))
    for name in MGU_CONFIGS:
        yield f"mgu/{name}", trace_scenario(scenario_of(random_doc(name, 0)))


def labels(trace) -> list[list[str]]:
    """[key, label] of every step, in order."""
    return [[step.key, step.label] for step in trace.steps]


if __name__ == "__main__":  # regenerate: only from a tree whose labels are known right
    import gzip
    import json

    data = {name: labels(trace) for name, trace in cases()}
    text = json.dumps(data, indent=0, separators=(",", ":"), ensure_ascii=False) + "\n"
    FIXTURE.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
