"""Every step's label, worded by `label_text` from the engine's `Label` data, is the label
the engine wrote as text before labels became data (tests/golden/labels.json.gz, generated
once by tests/label_cases.py from that engine)."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from label_cases import FIXTURE, cases, labels

OLD = json.loads(gzip.decompress(FIXTURE.read_bytes()).decode("utf-8"))
CASES = dict(cases())


def _row_words(label: str) -> str:
    """A label of the column layout worded for the row layout (model.layout rows): the
    products x_t W_xh, h_(t-1) W_hh, h_t W_hy."""
    label = re.sub(r"^input term (W_\w+) (x_\d+)", r"input term \2 \1", label)
    label = re.sub(r"^recurrent term W_hh (h_\d+)", r"recurrent term \1 W_hh", label)
    return re.sub(r"^output term W_hy (\S+)", r"output term \1 W_hy", label)


# bundled scenarios newer than the fixture: their column twin's old labels, reworded
for _name, _twin in {"sentiment-rows": "sentiment"}.items():
    OLD[_name] = [[key, _row_words(label)] for key, label in OLD[_twin]]


# labels write a renamed parameter as its symbol prints (issue 13): the scenario's notation
RENAMED_PARAMS = {"sentiment": {"W_hy": "W_ho", "b_y": "b_o"},
                  "sentiment-rows": {"W_hy": "W_ho", "b_y": "b_o"}}  # fmt: skip
for _name, _renames in RENAMED_PARAMS.items():
    _pattern = re.compile(r"(?<![A-Za-z0-9_.])(" + "|".join(_renames) + r")(?![A-Za-z0-9_])")
    OLD[_name] = [[key, _pattern.sub(lambda m, r=_renames: r[m[1]], label.replace("dL/d", "dL/ "))
                   .replace("dL/ ", "dL/d")] for key, label in OLD[_name]]  # fmt: skip


def test_the_fixture_has_every_case() -> None:
    assert sorted(OLD) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_labels_are_the_old_text(name: str) -> None:
    assert labels(CASES[name]) == OLD[name]
