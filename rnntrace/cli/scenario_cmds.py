"""Commands about scenario files: `validate`, `init`, `schema`."""

from __future__ import annotations

from pathlib import Path

import click

from rnntrace.cli.base import SCENARIO_ARG, cli, fail_cleanly

EXAMPLES = {
    "sentiment": "sentiment.yaml",
    "sentiment-lstm": "sentiment-lstm.yaml",
    "sentiment-gru": "sentiment-gru.yaml",
    "i-love-ai": "i-love-ai.yaml",
}


@cli.command()
@click.argument("scenario", type=SCENARIO_ARG)
@fail_cleanly
def validate(scenario: Path) -> None:
    """Check SCENARIO and say what it describes; exit 2 with the first problem.

    \b
    Example:
      rnntrace validate scenarios/sentiment.yaml
    """
    from rnntrace.scenario import load_scenario

    loaded = load_scenario(scenario)
    sizes = loaded.sizes
    steps = sum(seq.length for seq in loaded.sequences)
    n = len(loaded.sequences)
    model = loaded.model
    click.echo(
        f"{scenario}: valid: {n} sequence{'s' if n > 1 else ''} ({steps} time steps), "
        f"D = {sizes['D']}, H = {sizes['H']}, K = {sizes['K']}; "
        f"{model.cell} ({model.activation}), output {model.output}, head {model.head}, "
        f"loss {model.loss}; numbers {loaded.numbers.carry}, {loaded.numbers.decimals} decimals"
    )


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="scenario.yaml")
@click.option(
    "--example",
    type=click.Choice(sorted(EXAMPLES)),
    default="sentiment",
    show_default=True,
    help="Which bundled scenario to start from.",
)
@fail_cleanly
def init(path: Path, example: str) -> None:
    """Write a starter scenario to PATH (default scenario.yaml); never overwrites a file.

    \b
    Examples:
      rnntrace init
      rnntrace init hello.yaml --example i-love-ai
    """
    from importlib import resources

    from rnntrace.files import write_atomic

    text = (
        resources.files("rnntrace")
        .joinpath("examples", EXAMPLES[example])
        .read_text(encoding="utf-8")
    )
    write_atomic(path, [text])
    click.echo(f"wrote {path} (the {example!r} example); next: rnntrace run {path}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format, for editors that validate YAML.

    \b
    Example:
      rnntrace schema > rnntrace-scenario.schema.json
    """
    import json

    from rnntrace.scenario.schema import SCHEMA

    click.echo(json.dumps(SCHEMA, indent=2))
