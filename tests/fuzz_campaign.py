"""A seeded fuzzing campaign over the whole command line: mutated scenario files through
`run` (every format), `gradflow` and `train`, and mutated answer files through `verify`
as a black box. Every case must end in success (exit 0; 1 for verify's wrong answers) or
in exactly one line on stderr with exit code 2 -- never a traceback, never a warning.

``tests/test_fuzz_cli.py`` runs a small campaign in CI; ``make fuzz`` a long one
(``RNNTRACE_FUZZ_CASES``, ``RNNTRACE_FUZZ_SEED``)."""

from __future__ import annotations

import copy
import random
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from rnntrace._internal.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXTREMES = [0, -0.0, 1e-320, 1e-30, 1e6, 30, 700, 710, 1e154, 1e200, 1e306, 1e308, -1e308,
            2**53 + 1, 10**400, "nan", ".inf", "x", None, True, [], {}, [1, [2]]]  # fmt: skip
CHOICES = {
    "cell": ["rnn", "lstm", "gru", "tree"], "activation": ["tanh", "relu", "sigmoid"],
    "head": ["identity", "sigmoid", "softmax"], "loss": ["bce", "ce", "mse", "none"],
    "output": ["last", "every", "none"], "carry": ["exact", "rounded"],
    "attention": ["none", "self", "dot", "general", "additive"],
    "topology": ["standard", "generate", "encoder_decoder", "bidirectional"],
    "decimals": [0, 1, 2, 3, 6, 12, 13], "round_terms": [True, False],
}  # fmt: skip


@dataclass
class Outcome:
    """What one command did: its arguments, exit code, stderr and any warnings."""

    args: list[str]
    code: int
    stdout: str
    stderr: str
    warnings: list[str]
    exception: BaseException | None

    def problem(self, ok_codes: tuple[int, ...] = (0,)) -> str | None:
        """What is wrong with this outcome, or None."""
        if self.exception is not None and not isinstance(self.exception, SystemExit):
            return f"crash: {type(self.exception).__name__}: {self.exception}"
        if self.warnings:
            return f"warning: {self.warnings[0]}"
        if "Traceback" in self.stderr:
            return "traceback on stderr"
        if self.code == 2:
            lines = self.stderr.splitlines()
            return None if len(lines) == 1 else f"{len(lines)} lines on stderr: {self.stderr!r}"
        return None if self.code in ok_codes else f"exit code {self.code}: {self.stderr!r}"


def invoke(args: list[str]) -> Outcome:
    """Run one rnntrace command in-process, recording every warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(cli, args)
    noted = [f"{w.category.__name__}: {w.message}" for w in caught
             if not issubclass(w.category, DeprecationWarning)]  # fmt: skip
    return Outcome(args, result.exit_code, result.stdout, result.stderr, noted, result.exception)


# -- scenario mutations ------------------------------------------------------------------------
def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path (keys and indices) into nested dicts and lists."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*prefix, i))


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def mutate_data(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    """One to three changes of values: extremes, scalings, other choices, deletions."""
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p in _paths(data) if p]
        numbers = [p for p in paths if isinstance(_get(data, p), (int, float))
                   and not isinstance(_get(data, p), bool)]  # fmt: skip
        kind = rng.random()
        if kind < 0.55 and numbers:
            path = rng.choice(numbers)
            value = float(min(max(_get(data, path), -1e308), 1e308))
            _set(data, path, rng.choice([value * 10.0 ** rng.randint(1, 308), rng.choice(EXTREMES),
                                         -value, value + rng.choice([1e-9, 1e9])]))  # fmt: skip
        elif kind < 0.7:
            section = data.setdefault(rng.choice(["model", "numbers"]), {}) or {}
            if not isinstance(section, dict):
                continue
            key = rng.choice(list(CHOICES))
            section[key] = rng.choice(CHOICES[key])
        elif kind < 0.85:
            path = rng.choice(paths)
            _set(data, path, rng.choice(EXTREMES))
        else:
            path = rng.choice(paths)
            parent = _get(data, path[:-1])
            if isinstance(parent, (dict, list)) and len(parent) > 1:
                del parent[path[-1]]
    return data


def mutate_text(rng: random.Random, text: str) -> str:
    """A change of the characters: a line deleted, doubled or cut, a character inserted."""
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    kind = rng.randrange(4)
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(i, lines[i])
    elif kind == 2:
        lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)] + "\n"
    else:
        where = rng.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:where] + rng.choice(":-[]{}#&*!|>'\"%@`,\t\x00é9e") + lines[i][where:]
    return "".join(lines)


def scenario_case(rng: random.Random) -> str:
    """A mutated bundled scenario, as text."""
    source = rng.choice(SCENARIOS).read_text(encoding="utf-8")
    if rng.random() < 0.2:
        return mutate_text(rng, source)
    data = mutate_data(rng, yaml.safe_load(source))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def scenario_commands(rng: random.Random, path: str, out: str) -> list[list[str]]:
    """The commands one mutated scenario goes through."""
    fmt = rng.choice(["text", "json", "latex", "markdown"])
    commands = [["run", path, "--format", fmt]]
    if rng.random() < 0.3:
        carry = rng.choice(["exact", "rounded"])
        decimals = str(rng.choice([0, 3, 12]))
        commands.append(
            ["run", path, "--carry", carry, "--decimals", decimals, "-o", out, "--force"]
        )
    if rng.random() < 0.25:
        commands.append(["gradflow", path, "--format", rng.choice(["text", "json", "latex"])])
    if rng.random() < 0.15:
        commands.append(["train", path, "--epochs", "3", "--format", "json"])
    return commands


# -- answer-file mutations -----------------------------------------------------------------------
_NUMBER = re.compile(r"-?\d+\.\d+")


def answers_case(rng: random.Random, key_text: str) -> str:
    """A mutated answer key: numbers changed to extremes or text, lines damaged."""
    text = key_text
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        matches = list(_NUMBER.finditer(text))
        if kind < 0.6 and matches:
            m = rng.choice(matches)
            scaled = str(float(m.group()) * 10 ** rng.randint(1, 300))
            new = rng.choice(["1e308", "-1e308", "1e-320", "0", "nan", ".inf", "abc", "[1, 2]",
                              "{a: 1}", "", "1e400", scaled, m.group() + "1"])  # fmt: skip
            text = text[: m.start()] + new + text[m.end() :]
        else:
            text = mutate_text(rng, text)
    return text


def verify_options(rng: random.Random) -> list[str]:
    """Random tolerance options for verify."""
    return rng.choice([[], ["--decimals", str(rng.choice([0, 1, 3, 12]))],
                       ["--sigfigs", str(rng.choice([1, 3, 15]))], ["--rtol", "1e-3"],
                       ["--atol", "0"]])  # fmt: skip


def campaign(
    cases: int, seed: int, tmp: Path, kind: str, report: Callable[[str], None] | None = None
) -> list[str]:
    """Run ``cases`` cases of ``kind`` ('scenario' or 'answers'); the problems found."""
    rng = random.Random(seed)
    problems: list[str] = []
    out = str(tmp / "out.txt")
    keys: dict[Path, str] = {}
    for n in range(cases):
        if kind == "scenario":
            path = tmp / f"case{n % 8}.yaml"
            path.write_text(scenario_case(rng), encoding="utf-8")
            runs = [(c, (0,)) for c in scenario_commands(rng, str(path), out)]
        else:
            scenario = rng.choice(SCENARIOS)
            if scenario not in keys:
                keys[scenario] = invoke(["answers", str(scenario), "--key"]).stdout
            path = tmp / f"answers{n % 8}.yaml"
            path.write_text(answers_case(rng, keys[scenario]), encoding="utf-8")
            runs = [(["verify", str(scenario), str(path), *verify_options(rng)], (0, 1))]
        for args, ok in runs:
            outcome = invoke(args)
            problem = outcome.problem(ok)
            if problem:
                text = path.read_text(encoding="utf-8", errors="replace")
                problems.append(f"case {n} (seed {seed}) {' '.join(args[:1] + args[2:])}: "
                                f"{problem}\n--- file ---\n{text}")  # fmt: skip
                if report:
                    report(problems[-1])
                break
    return problems
