"""Every step's label, worded by `label_text` from the engine's `Label` data, is the label
the engine wrote as text before labels became data (tests/golden/labels.json.gz, generated
once by tests/label_cases.py from that engine)."""

from __future__ import annotations

import gzip
import json

import pytest
from label_cases import FIXTURE, cases, labels

OLD = json.loads(gzip.decompress(FIXTURE.read_bytes()).decode("utf-8"))
CASES = dict(cases())


def test_the_fixture_has_every_case() -> None:
    assert sorted(OLD) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_labels_are_the_old_text(name: str) -> None:
    assert labels(CASES[name]) == OLD[name]
