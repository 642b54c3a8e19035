"""`rnntrace schema` against an independent validator (the ``jsonschema`` package): every
bundled scenario and every complete scenario in the docs validates, and broken ones do not.
Each broken one is refused by the loader too, so the schema and the loader agree."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from rnntrace._internal.cli import cli
from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.scenario import parse_scenario

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


@pytest.fixture(scope="module")
def validator() -> Any:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _docs_scenarios() -> list[tuple[str, str]]:
    """Every ```yaml block of the docs that is a whole scenario (it has ``params``)."""
    found = []
    for doc in DOCS:
        blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
        for i, block in enumerate(blocks):
            try:
                data = yaml.safe_load(block)
            except yaml.YAMLError:  # reported by test_every_yaml_example_of_the_docs_is_yaml
                continue
            if isinstance(data, dict) and "params" in data:
                found.append((f"{doc.name}[{i}]", block))
    return found


def _yaml_examples() -> list[tuple[str, str]]:
    """Every ```yaml block of the docs, and every inline example of a flow mapping
    (`` `notation: {W_hy: V}` ``), by where it is."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for match in re.finditer(r"```yaml\n(.*?)```|`([a-z_.]+: \{[^`]*\})`", text, re.S):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{doc.name}:{line}", match.group(1) or match.group(2)))
    return found


def test_the_docs_have_inline_yaml_examples() -> None:
    assert any(not text.endswith("\n") for _, text in _yaml_examples())


@pytest.mark.parametrize(("where", "text"), _yaml_examples(), ids=lambda v: v[:24])
def test_every_yaml_example_of_the_docs_is_yaml(where: str, text: str) -> None:
    """A reader pastes them into a scenario: each must at least parse (an elided part is
    written as a comment, never as '...')."""
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as error:
        pytest.fail(f"{where}: {str(error).splitlines()[0]}")


def _errors(validator: Any, data: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(data)]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_scenario_validates(validator: Any, path: Path) -> None:
    assert _errors(validator, yaml.safe_load(path.read_text(encoding="utf-8"))) == []


def test_the_docs_have_complete_scenarios() -> None:
    assert len(_docs_scenarios()) >= 3


@pytest.mark.parametrize(("name", "text"), _docs_scenarios(), ids=lambda v: v[:24])
def test_every_docs_scenario_validates_and_loads(validator: Any, name: str, text: str) -> None:
    assert _errors(validator, yaml.safe_load(text)) == [], name
    parse_scenario(text, name)


def _set(path: str, value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[int(key)] if key.isdigit() else data[key]  # type: ignore[index]
        data[last] = value

    return change


def _drop(path: str) -> Any:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            data = data[key]
        del data[last]

    return change


BROKEN = {
    "unknown top-level key": _set("colour", "red"),
    "no sequences": _drop("sequences"),
    "no params": _drop("params"),
    "no input": _drop("input"),
    "version 2": _set("version", 2),
    "unknown model key": _set("model.cells", "rnn"),
    "unknown cell": _set("model.cell", "transformer"),
    "unknown head": _set("model.head", "tanh"),
    "unknown loss": _set("model.loss", "hinge"),
    "layers 9": _set("model.layers", 9),
    "unknown parameter": _set("params.W_xx", [[1.0]]),
    "text in a matrix": _set("params.W_hh", [["a", "b", "c"]] * 3),
    "a matrix as a string": _set("params.W_xh", "identity"),
    "an empty bias": _set("params.b_h", []),
    "decimals 13": _set("numbers.decimals", 13),
    "decimals -1": _set("numbers.decimals", -1),
    "unknown carry": _set("numbers.carry", "approximate"),
    "learning rate 0": _set("train.learning_rate", 0),
    "unknown train key": _set("train.momentum", 0.9),
    "tokens a mapping": _set("sequences.0.tokens", {"i": 1}),
    "unknown split": _set("sequences.0.split", "letters"),
    "no sequence at all": _set("sequences", []),
    "two input kinds": _set("input.one_hot", ["a", "b"]),
    "notation a list": _set("notation.W_hy", ["W"]),
}


@pytest.mark.parametrize("change", BROKEN.values(), ids=list(BROKEN))
def test_broken_scenarios_fail_the_schema_and_the_loader(validator: Any, change: Any) -> None:
    good = yaml.safe_load((ROOT / "scenarios" / "sentiment.yaml").read_text(encoding="utf-8"))
    assert _errors(validator, good) == []
    broken = copy.deepcopy(good)
    change(broken)
    assert _errors(validator, broken), "the schema accepts it"
    with pytest.raises(ScenarioError):
        parse_scenario(yaml.safe_dump(broken), "broken.yaml")


def test_init_writes_the_schema_modeline_and_the_file_still_validates(
    validator: Any, tmp_path: Path
) -> None:
    target = tmp_path / "review.yaml"
    result = CliRunner().invoke(cli, ["init", str(target), "--example", "hello-attention"])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ("# yaml-language-server: $schema=rnntrace-scenario.schema.json")
    assert _errors(validator, yaml.safe_load(text)) == []
    assert re.search(r"\$schema=rnntrace-scenario\.schema\.json", (ROOT / "README.md").read_text())
