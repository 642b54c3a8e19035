"""Commands about scenario files: `validate`, `init`, `schema`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    drawn = loaded.init
    drawn_words = (
        f"; parameters drawn by params.init ({drawn.scheme}, seed {drawn.seed})" if drawn else ""
    )
    extras = _non_default(model, _NAMED) + _non_default(loaded.train, ("learning_rate", "epochs",
                                                                       "epoch"))  # fmt: skip
    return (
        f"{_count(len(loaded.sequences), 'sequence')} ({_count(steps, 'time step')}), "
        f"D = {sizes['D']}, H = {sizes['H']}, K = {sizes['K']}; "
        f"{cell}, topology {model.topology}, {attention}, output {model.output}, "
        f"head {model.head}, loss {model.loss}"
        + "".join(f", {extra}" for extra in extras)
        + f"; numbers {loaded.numbers.carry}, {_count(loaded.numbers.decimals, 'decimal')}"
        + drawn_words
    )


# the model's keys the summary names in its own words; every other one is named when it
# differs from its default (layout rows, head_steps, attention context, dropout, ...)
_NAMED = ("cell", "activation", "output", "head", "loss", "topology", "layers", "residual",
          "attention")  # fmt: skip
_KEY_WORDS = {"attention_context": "attention context", "layer_skip": "layer skip",
              "scheduled_sampling": "scheduled sampling"}  # fmt: skip


def _non_default(spec: Any, named: tuple[str, ...]) -> list[str]:
    """Each key of ``spec`` (model or train) not in ``named`` whose value is not the
    default, in words: 'layout rows', 'head_steps [3]', 'dropout (input 0.5, seed 7)'."""
    from dataclasses import MISSING, fields

    out = []
    for field in fields(spec):
        default = field.default_factory() if field.default_factory is not MISSING else field.default
        value = getattr(spec, field.name)
        if field.name in named or value == default:
            continue
        name = _KEY_WORDS.get(field.name, field.name)
        out.append(name if value is True else f"{name} {_words(value)}")
    return out


def _words(value: Any) -> str:
    """A key's value in the summary: a number, a word, a list, or a record's keys that are
    set ('(input 0.5, recurrent 0.5, seed 7)'; given masks or coins instead of the draw)."""
    from dataclasses import fields, is_dataclass

    if isinstance(value, tuple):
        return str([_words(v) for v in value]).replace("'", "")
    if isinstance(value, float):
        return f"{value:g}"
    if not is_dataclass(value):
        return str(value)
    given = [k for k in ("masks", "coins") if getattr(value, k, None) is not None]
    drawn = ("seed", "epsilon0", "decay") if given else ()  # the draw's, unused when given
    parts = []
    for field in fields(value):
        v = getattr(value, field.name)
        if field.name in ("epoch", *given, *drawn) or v is None or v is False:
            continue
        if v == 0 and field.name != "seed":
            continue
        parts.append(field.name if v is True else f"{field.name} {_words(v)}")
    return "(" + ", ".join(parts + [f"given {k}" for k in given]) + ")"


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
@click.option(
    "--random",
    "scheme",
    type=click.Choice(["xavier", "orthogonal"]),
    help="Instead of an example, a model whose weights params.init draws when the scenario "
    "is loaded: xavier (N(0, 1/n), n a matrix's columns) or orthogonal (the recurrent "
    "matrices gain x an orthogonal matrix). Needs --hidden.",
)
@click.option(
    "--hidden", type=click.IntRange(1, 1000), metavar="H", help="--random: hidden size H."
)
@click.option(
    "--cell", type=click.Choice(cells.names()), default=cells.default_name(), show_default=True,
    help="--random: the recurrent cell.",
)  # fmt: skip
@click.option(
    "--vocab",
    metavar="TOKENS",
    help="--random: one-hot tokens, space-separated ('h e l o'): the model predicts the next "
    "token at every step (softmax, cross-entropy).",
)
@click.option(
    "--inputs", type=click.IntRange(1, 1000), metavar="D",
    help="--random: input vectors of D numbers (default 2), one sigmoid output at the last "
    "step (binary cross-entropy, label 1).",
)  # fmt: skip
@click.option("--steps", type=click.IntRange(1, 1000), default=3, show_default=True,
              metavar="T", help="--random with --inputs: the number of input vectors.")  # fmt: skip
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True, metavar="S",
              help="--random: the seed of the draws.")  # fmt: skip
@click.option("--gain", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True,
              metavar="G", help="--random: xavier's factor of the standard deviation; "
              "orthogonal's spectral radius.")  # fmt: skip
@click.option("--forget-bias", type=float, metavar="B",
              help="--random, lstm or mgu: the forget-gate bias b_f (seed 001: 1.0).")  # fmt: skip
@click.option(
    "--write-numbers",
    is_flag=True,
    help="--random: write the drawn numbers into params instead of params.init.",
)
@click.pass_context
@fail_cleanly
def init(ctx: click.Context, path: Path, example: str, force: bool, **random: Any) -> None:
    """Write a starter scenario to PATH (default scenario.yaml); never overwrites a file
    unless --force.

    The file starts with a `yaml-language-server` line naming the scenario's JSON Schema,
    so that an editor validates and completes it once the schema is beside it
    (`rnntrace schema > rnntrace-scenario.schema.json`).

    With --random, the starter is a small model whose weights are drawn when the scenario
    is loaded (params.init: scheme, seed, gain, forget_bias, hidden and outputs sizes), so
    that `rnntrace run` shows them and how they were drawn.

    \b
    Examples:
      rnntrace init
      rnntrace init review.yaml --example sentiment-lstm
      rnntrace init attention.yaml --example hello-attention
      rnntrace init drawn.yaml --random xavier --hidden 3 --vocab 'h e l o'
      rnntrace init lstm.yaml --random orthogonal --hidden 4 --cell lstm --inputs 2 --seed 7
    """
    from rnntrace._internal.files import write_atomic

    if random["scheme"] is None:
        used = [name for name in _RANDOM_ONLY if _explicit(ctx, name)]
        if used:
            raise click.UsageError(f"--{used[0].replace('_', '-')} goes with --random")
        text, what = _example_text(example), f"the {example!r} example"
    else:
        if _explicit(ctx, "example"):
            raise click.UsageError("--example and --random are two starters; give one")
        text, what = _random_text(random), f"weights drawn by params.init, {random['scheme']}"
    write_atomic(path, [MODELINE, text], force=force)
    click.echo(f"wrote {path} ({what}); next: rnntrace run {path}")


_RANDOM_ONLY = ("hidden", "cell", "vocab", "inputs", "steps", "seed", "gain", "forget_bias",
                "write_numbers")  # fmt: skip


def _explicit(ctx: click.Context, name: str) -> bool:
    """Whether option ``name`` was given on the command line (not its default)."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _example_text(example: str) -> str:
    from importlib import resources

    return (
        resources.files("rnntrace")
        .joinpath("examples", f"{example}.yaml")
        .read_text(encoding="utf-8")
    )


def _random_text(options: dict[str, Any]) -> str:
    """The --random starter (drawn numbers written out with --write-numbers)."""
    from rnntrace._internal.scenario import parse_scenario
    from rnntrace._internal.scenario.random_init import RandomStart, random_scenario, with_numbers

    if options["hidden"] is None:
        raise click.UsageError("--random needs --hidden H, the hidden size")
    if options["vocab"] is not None and options["inputs"] is not None:
        raise click.UsageError("--vocab and --inputs are two kinds of input; give one")
    vocab = tuple(dict.fromkeys((options["vocab"] or "").split()))
    if options["vocab"] is not None and len(vocab) < 2:
        raise click.UsageError("--vocab needs two or more different tokens ('h e l o')")
    forget = options["forget_bias"]
    if forget is not None and "b_f" not in cells.get(options["cell"]).param_specs():
        raise click.UsageError(f"--forget-bias applies to lstm and mgu, not {options['cell']}")
    start = RandomStart(
        scheme=options["scheme"], hidden=options["hidden"], cell=options["cell"], vocab=vocab,
        inputs=options["inputs"] or 2, steps=options["steps"], seed=options["seed"],
        gain=options["gain"], forget_bias=forget,
    )  # fmt: skip
    text = random_scenario(start)
    if options["write_numbers"]:
        loaded = parse_scenario(text, "init --random")
        text = with_numbers(text, dict(loaded.params), loaded.given)
    return text


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
