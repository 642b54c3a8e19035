"""Commands about scenario files: `validate`, `init`, `schema`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from rnntrace._internal import cells
from rnntrace._internal.cli.base import SCENARIO_ARG, cli, fail_cleanly

if TYPE_CHECKING:
    from rnntrace._internal.scenario.model import Scenario

# The bundled examples, by name (the files of rnntrace/examples without .yaml); `init
# --example NAME`.
EXAMPLES = tuple(
    sorted(path.stem for path in (Path(__file__).parent.parent.parent / "examples").glob("*.yaml"))
)
# The first line `init` writes: editors with the YAML language server (VS Code's YAML
# extension, Neovim, Helix, ...) validate and complete the file against this schema.
SCHEMA_FILE = "rnntrace-scenario.schema.json"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}\n"


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@fail_cleanly
def validate(scenario: Path) -> None:
    """Check SCENARIO and say what it describes; exit 2 with the first problem.

    \b
    Example:
      rnntrace init review.yaml
      rnntrace validate review.yaml
    """
    from rnntrace._internal.scenario import load_scenario

    click.echo(f"{scenario}: valid: {describe_scenario(load_scenario(scenario))}")


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def describe_scenario(loaded: Scenario) -> str:
    """What a scenario describes, in one line: sequences and time steps, sizes, the model
    (cell, topology, layers, attention, output, head, loss) and the number policy."""
    sizes = loaded.sizes
    steps = sum(seq.length for seq in loaded.sequences)
    model = loaded.model
    kind = cells.get(model.cell)
    cell = f"{model.cell} ({model.activation})" if kind.has_activation else model.cell
    if model.layers > 1:
        cell += f", {model.layers} layers" + (", residual" if model.residual else "")
    attention = "no attention" if model.attention == "none" else f"{model.attention} attention"
    return (
        f"{_count(len(loaded.sequences), 'sequence')} ({_count(steps, 'time step')}), "
        f"D = {sizes['D']}, H = {sizes['H']}, K = {sizes['K']}; "
        f"{cell}, topology {model.topology}, {attention}, output {model.output}, "
        f"head {model.head}, loss {model.loss}; "
        f"numbers {loaded.numbers.carry}, {_count(loaded.numbers.decimals, 'decimal')}"
    )


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="scenario.yaml")
@click.option(
    "--example",
    type=click.Choice(EXAMPLES),
    default="sentiment",
    show_default=True,
    help="Which bundled scenario to start from: sentiment (a many-to-one RNN with BPTT), "
    "sentiment-lstm, sentiment-gru, i-love-ai (a forward pass), hello (many-to-many), "
    "hello-attention (self-attention), generate (one-to-many), seq2seq (encoder-decoder "
    "with attention), bidirectional, stacked.",
)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@fail_cleanly
def init(path: Path, example: str, force: bool) -> None:
    """Write a starter scenario to PATH (default scenario.yaml); never overwrites a file
    unless --force.

    The file starts with a `yaml-language-server` line naming the scenario's JSON Schema,
    so that an editor validates and completes it once the schema is beside it
    (`rnntrace schema > rnntrace-scenario.schema.json`).

    \b
    Examples:
      rnntrace init
      rnntrace init review.yaml --example sentiment-lstm
      rnntrace init attention.yaml --example hello-attention
    """
    from importlib import resources

    from rnntrace._internal.files import write_atomic

    text = (
        resources.files("rnntrace")
        .joinpath("examples", f"{example}.yaml")
        .read_text(encoding="utf-8")
    )
    write_atomic(path, [MODELINE, text], force=force)
    click.echo(f"wrote {path} (the {example!r} example); next: rnntrace run {path}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format, for editors that validate YAML.

    \b
    Example:
      rnntrace schema > rnntrace-scenario.schema.json

    A scenario file that starts with the line
    `# yaml-language-server: $schema=rnntrace-scenario.schema.json` (as `rnntrace init`
    writes it) is then checked and completed as you type by editors that use the YAML
    language server (VS Code's YAML extension, Neovim, Helix, Emacs lsp-mode).
    """
    import json

    from rnntrace._internal.scenario.schema import SCHEMA

    click.echo(json.dumps(SCHEMA, indent=2))
