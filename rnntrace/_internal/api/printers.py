"""Each printer as a function of a trace: the same printers as ``rnntrace run --format``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rnntrace._internal.errors import RnntraceError

if TYPE_CHECKING:
    from typing import TypeAlias

    from rnntrace._internal.api.views import Trace
    from rnntrace._internal.render.select import Selection
    from rnntrace._internal.trace import Trace as CoreTrace

    AnyTrace: TypeAlias = Trace | CoreTrace

TEXT_WIDTH = 80  # as `rnntrace run -o FILE` writes


def selection(steps: int | str | tuple[int, int] | None, phases: Any) -> Selection:
    """The filters of ``--steps`` and ``--phase``: ``steps`` is a time step, ``"N-M"`` or
    ``(N, M)``; ``phases`` a phase name or several (forward, loss, backward, gradient,
    update)."""
    from rnntrace._internal.render.select import PHASE_GROUPS, Selection, parse_steps

    chosen = (phases,) if isinstance(phases, str) else tuple(phases or ())
    for phase in chosen:
        if phase not in PHASE_GROUPS:
            raise RnntraceError(
                f"phase: expected one of {', '.join(PHASE_GROUPS)}, found {phase!r}"
            )
    first = last = None
    if isinstance(steps, int):
        first, last = parse_steps(str(steps))
    elif isinstance(steps, str):
        first, last = parse_steps(steps)
    elif steps is not None:
        first, last = parse_steps(f"{steps[0]}-{steps[1]}")
    return Selection(frozenset(chosen), first, last)


def _parts(trace: AnyTrace, steps: Any, phases: Any) -> tuple[CoreTrace, Selection]:
    """The engine's trace and what to show of it: a view's own selection unless given."""
    from rnntrace._internal.trace import Trace as Core

    if isinstance(trace, Core):
        return trace, selection(steps, phases)
    if steps is None and not phases and trace.selection is not None:
        return trace.raw, trace.selection
    return trace.raw, selection(steps, phases)


def plain_text(renderable: Any, width: int = TEXT_WIDTH, soft_wrap: bool = False) -> str:
    """A rich renderable as plain text ``width`` columns wide, no spaces at the ends of lines
    (as ``rnntrace`` writes to a file)."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        highlight=False,
        force_jupyter=False,
    )  # a string, not a Jupyter display
    console.print(renderable, soft_wrap=soft_wrap)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def to_text(
    trace: AnyTrace, *, steps: Any = None, phases: Any = (), decimals: int | None = None,
    full: bool = False, width: int = TEXT_WIDTH,
) -> str:  # fmt: skip
    """The worked solution as plain text, ``width`` columns wide (``rnntrace run``)."""
    from rnntrace._internal.render.text import render_text
    from rnntrace._internal.render.text_base import TextSettings

    raw, chosen = _parts(trace, steps, phases)
    made = render_text(raw, chosen, TextSettings(decimals=decimals, full=full))
    return plain_text(made, width, soft_wrap=True)


def to_latex(
    trace: AnyTrace, *, steps: Any = None, phases: Any = (), decimals: int | None = None,
    full: bool = False, standalone: bool = False, layout: str = "standard",
) -> str:  # fmt: skip
    """The worked solution as LaTeX align* blocks, or a whole document with ``standalone``
    (``rnntrace run --format latex``); ``layout="seed"``: each stage one split block
    (``--layout seed``)."""
    from rnntrace._internal.render.latex import render_latex

    raw, chosen = _parts(trace, steps, phases)
    settings = _latex_settings(decimals, full, layout)
    return "".join(render_latex(raw, chosen, settings, standalone=standalone))


def to_markdown(
    trace: AnyTrace, *, steps: Any = None, phases: Any = (), decimals: int | None = None,
    full: bool = False, layout: str = "standard",
) -> str:  # fmt: skip
    """The worked solution as Markdown with $$ maths (``rnntrace run --format markdown``);
    ``layout="seed"`` as :func:`to_latex`."""
    from rnntrace._internal.render.markdown import render_markdown

    raw, chosen = _parts(trace, steps, phases)
    return "".join(render_markdown(raw, chosen, _latex_settings(decimals, full, layout)))


def _latex_settings(decimals: int | None, full: bool, layout: str) -> Any:
    from rnntrace._internal.render.latex_base import LatexSettings

    if layout not in ("standard", "seed"):
        raise ValueError(f"layout: expected standard or seed, found {layout!r}")
    return LatexSettings(decimals=decimals, full=full, layout=layout)


def to_json(trace: AnyTrace, *, steps: Any = None, phases: Any = (), arrays: str = "auto") -> str:
    """Every step as data (``rnntrace run --format json``); ``arrays="lists"`` writes every
    array as nested lists."""
    from rnntrace._internal.render.json import render_json

    raw, chosen = _parts(trace, steps, phases)
    return "".join(render_json(raw, chosen, arrays))


def to_html(
    trace: AnyTrace, *, steps: Any = None, phases: Any = (), decimals: int | None = None,
    fragment: bool = False,
) -> str:  # fmt: skip
    """The interactive worked solution as one self-contained HTML page (``rnntrace run
    --format html``), or with ``fragment`` a part to embed (no script; as Jupyter shows it).
    The hand-rounded chain beside the exact one needs the scenario: a trace made by
    :func:`rnntrace.trace` carries it."""
    from rnntrace._internal.render.html import HtmlSettings, render_html

    raw, chosen = _parts(trace, steps, phases)
    other = getattr(trace, "other_chain", None)
    chain = other() if other is not None else None
    settings = HtmlSettings(decimals=decimals, fragment=fragment)
    return "".join(render_html(raw, chosen, settings, other=chain))
