"""The interactive worked solution: one self-contained HTML page (no network), maths as
MathML, readable without JavaScript.

Every number is a ``<span class=n data-k=STEP data-i=ENTRY>``: the script finds the step
that made it (provenance: that step, its operands and the given data and earlier results of
its equation are highlighted, and its formula shown), and swaps every number between the
exact chain and the hand-rounded one (both embedded as data). Keys j/n and k/p go to the
next and previous step. All user text (title, tokens, labels, notation) is escaped.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

from rnntrace._internal.ops import Product, function_of, product_of
from rnntrace._internal.render import numfmt
from rnntrace._internal.render.drawn import drawn_sentences
from rnntrace._internal.render.html_math import (
    formula_items,
    math,
    operator_mathml,
    symbol_mathml,
)
from rnntrace._internal.render.html_page import LARGE_NOTE, document
from rnntrace._internal.render.prose import Math, Prose, Word, model_sentences
from rnntrace._internal.render.select import Selection
from rnntrace._internal.render.structure import Heading, outline
from rnntrace._internal.symbol import text
from rnntrace._internal.symbol.label import label_text
from rnntrace._internal.symbol.mathml import mathml
from rnntrace._internal.symbol.tree import Symbol
from rnntrace._internal.trace import Step, Trace

MAX_ROW_TERMS = 12  # a mat-vec row longer than this is not written out term by term
BLOCK_STEPS = 40  # steps in a block of a large page, shown when needed
STATIC_BYTES = 1_500_000  # a larger page shows its blocks with its script (opens fast)
MAX_SUBSTITUTED = 36  # a matrix operand larger than this is named, not written out, in a formula


@dataclass(frozen=True)
class HtmlSettings:
    """``decimals`` shown (default: the trace's); ``fragment``: a part to embed (no script,
    no document head), as Jupyter shows a trace."""

    decimals: int | None = None
    fragment: bool = False


def prose_html(prose: Prose) -> str:
    """A sentence: text escaped, words as code, formula trees as MathML. LaTeX (``Math``)
    is refused: nothing converts LaTeX to MathML."""
    return "".join(_html_part(part) for part in prose.parts)


def _html_part(part: str | Symbol) -> str:
    if isinstance(part, Symbol):
        return math(mathml(part))
    if isinstance(part, Math):
        raise TypeError(f"LaTeX has no MathML form; give the page a formula tree: {part!r}")
    return f"<code>{escape(part)}</code>" if isinstance(part, Word) else escape(part)


class HtmlPrinter:
    """Writes a trace as the page's body, step after step, under the one structure of
    headings (part, pass, time step) that every printer uses."""

    def __init__(self, trace: Trace, selection: Selection | None, settings: HtmlSettings,
                 other: Trace | None) -> None:  # fmt: skip
        self.trace, self.settings = trace, settings
        self.selection = selection or Selection()
        self.d = trace.meta.decimals if settings.decimals is None else settings.decimals
        self.index = {step.key: i for i, step in enumerate(trace.steps)}
        rounded = trace.meta.carry == "rounded"
        self.exact = other if rounded else trace
        self.hand = trace if rounded else other
        self.chain = "r" if rounded else "x"
        self.shown_text: dict[int, list[str]] = {}
        self.toc: list[tuple[int, str, str]] = []  # (level, anchor, title)
        self.block_of: dict[int, int] = {}  # step index -> its block, on a large page
        self.anchor_block: dict[str, int] = {}  # heading anchor -> its block

    # -- numbers --------------------------------------------------------------------------
    def texts(self, step: Step, chain: str) -> list[str] | None:
        """The entries of a step as written in one chain (exact: 3 more decimals)."""
        source = self.exact if chain == "x" else self.hand
        if source is None or step.key not in source:
            return None
        other = source[step.key]
        flat = other.carried.ravel().tolist()
        if chain == "x" or other.op in numfmt.AS_WRITTEN_OPS:
            return [numfmt.number(v, self.d + 3) for v in flat]
        return [numfmt.fixed(v, self.d) for v in flat]

    def shown(self, k: int) -> list[str]:
        if k not in self.shown_text:
            step = self.trace.steps[k]
            texts = self.texts(step, self.chain)
            self.shown_text[k] = texts or [numfmt.number(v, self.d) for v in step.carried.ravel()]
        return self.shown_text[k]

    def num(self, k: int, i: int) -> str:
        return f"<span class=n data-k={k} data-i={i}>{self.shown(k)[i]}</span>"

    def value(self, k: int) -> str:
        """A step's value: a number, a row of numbers in brackets, or a matrix."""
        step = self.trace.steps[k]
        shape = step.shape
        if len(shape) == 2 and shape[0] > 1:
            cells = "".join(self.num(k, i) for i in range(step.value.size))
            grid = f"grid-template-columns:repeat({shape[1]},auto)"
            return f'<span class="rt-m" style="{grid}">{cells}</span>'
        if step.value.size == 1:
            return self.num(k, 0)
        return "[" + ", ".join(self.num(k, i) for i in range(step.value.size)) + "]"

    # -- steps ----------------------------------------------------------------------------
    def sources(self, step: Step) -> list[int]:
        """The given data and earlier results the step's equation starts from: its operands,
        with those made at the same time step and phase (z_t for h_t) replaced by theirs."""
        found: list[int] = []
        todo = list(step.operands)
        while todo:
            key = todo.pop(0)
            part = self.trace[key]
            inner = (part.time == step.time and part.sequence == step.sequence
                     and part.phase == step.phase and part.operands)  # fmt: skip
            if inner and part.op not in numfmt.AS_WRITTEN_OPS:
                todo[:0] = list(part.operands)
            elif self.index[key] not in found:
                found.append(self.index[key])
        return found

    def formula(self, step: Step) -> str:
        parts = []
        for item in formula_items(step):
            if isinstance(item, int):
                parts.append(symbol_mathml(self.trace[step.operands[item]]))
            elif isinstance(item, tuple):
                parts.append(f"<msup><mrow>{symbol_mathml(self.trace[step.operands[item[1]]])}"
                             "</mrow><mo>⊤</mo></msup>")  # fmt: skip
            else:
                parts.append(operator_mathml(item))
        lhs, rhs = symbol_mathml(step), "".join(parts)
        if not parts or lhs in (rhs, f"<mrow>{rhs}</mrow>"):  # W_xh x_1 is its own formula
            return math(lhs)
        return math(f"<mrow>{lhs}<mo>=</mo>{rhs}</mrow>")

    def substituted(self, step: Step) -> str:
        out = []
        for item in formula_items(step):
            if isinstance(item, str):
                out.append(escape(item))
                continue
            operand = self.trace[step.operands[item if isinstance(item, int) else item[1]]]
            if operand.value.ndim == 2 and operand.value.size > MAX_SUBSTITUTED:
                shown = math(symbol_mathml(operand))  # its numbers are where it is given
            else:
                shown = self.value(self.index[operand.key])
            out.append(shown if isinstance(item, int) else shown + "ᵀ")
        return " ".join(out)

    def work(self, step: Step, k: int) -> str:
        """Row by row for a matrix times a vector; entry by entry for a function."""
        product = product_of(step.op)
        if product is not None and len(step.operands) == 2 and step.value.ndim == 1:
            return self._work_product(step, k, product)
        function = function_of(step.op, step.info)
        if function is not None and step.value.ndim == 1:
            name = text(function)
            a = self.index[step.operands[0]]
            entries = ", ".join(f"{name}({self.num(a, i)}) = {self.num(k, i)}"
                                for i in range(step.value.size))  # fmt: skip
            return f'<div class="rt-work">{entries}</div>'
        return ""

    def _work_product(self, step: Step, k: int, product: Product) -> str:
        """W v row by row, x W column by column: each entry's terms in the written order."""
        a, b = (self.index[key] for key in step.operands)
        height, width = self.trace[step.operands[product.matrix]].shape
        lo, hi = step.info.get("cols", (0, width))  # the columns of a concatenated W used
        flip = bool(step.info.get("transpose"))  # row r of Aᵀ is column r of A
        rows, cols = (hi - lo, height) if flip else (height, hi - lo)
        if product.entry == "column":  # entry r of x W: column r of W
            rows, cols = cols, rows
        if cols > MAX_ROW_TERMS:
            return ""
        lines = []
        for r in range(rows):
            if product.entry == "row":
                at = [c * width + lo + r if flip else r * width + lo + c for c in range(cols)]
                pairs = [(self.num(a, at[c]), self.num(b, c)) for c in range(cols)]
            else:  # x_c × W[c, r] (x Wᵀ: W[r, c])
                at = [r * width + c if flip else c * width + r for c in range(cols)]
                pairs = [(self.num(a, c), self.num(b, at[c])) for c in range(cols)]
            terms = " + ".join(f"{x}×{y}" for x, y in pairs)
            lines.append(f"{product.entry} {r + 1}: {terms} = {self.num(k, r)}")
        return '<div class="rt-work">' + "<br>".join(lines) + "</div>"

    def step_html(self, step: Step) -> str:
        k = self.index[step.key]
        given = step.op in ("given", "input")
        summary = (f"<summary>{math(symbol_mathml(step))}<span class=\"rt-label\">"
                   f"{escape(label_text(step))}</span></summary>")  # fmt: skip
        body = ""
        if not given:
            body = f'<div class="rt-formula">{self.formula(step)}</div>'
            work = self.work(step, k)  # row by row: the substituted values are in it
            sub = "" if work and product_of(step.op) else self.substituted(step)
            body += (f'<div class="rt-work">= {sub}</div>' if sub else "") + work
        value = f'<div class="rt-value">= {self.value(k)}</div>'
        key = escape(step.key)
        return (f'<details class="rt-step" id="s{k}" data-key="{key}" open>'
                f"{summary}{body}{value}</details>\n")  # fmt: skip

    # -- the page -------------------------------------------------------------------------
    def heading(self, item: Heading) -> str:
        anchor = f"h{len(self.toc)}"
        title = prose_html(item.title)
        self.toc.append((item.level, anchor, title))
        level = item.level + 2
        return f'<h{level} id="{anchor}">{title}</h{level}>\n'

    def blocks(self) -> list[tuple[str, list[int], list[str]]]:
        """The steps under their headings (the one structure of every printer), in blocks of
        about BLOCK_STEPS steps, each ending before a heading: each its HTML, its steps
        (indices) and the anchors of its headings."""
        out: list[tuple[str, list[int], list[str]]] = []
        chunk: list[str] = []
        ks: list[int] = []
        anchors: list[str] = []
        for item in outline(self.trace, self.selection):
            if isinstance(item, Heading):
                if len(ks) >= BLOCK_STEPS:
                    out.append(("".join(chunk), ks, anchors))
                    chunk, ks, anchors = [], [], []
                chunk.append(self.heading(item))
                anchors.append(self.toc[-1][1])
            else:
                chunk.append(self.step_html(item))
                ks.append(self.index[item.key])
        out.append(("".join(chunk), ks, anchors))
        return out

    def deferred(self, blocks: list[tuple[str, list[int], list[str]]]) -> Iterator[str]:
        """A large page: the first block as it is, every other compressed (zlib, base64) in
        a script element: a tenth of the bytes to read, nothing to lay out until the script
        inflates it (the browser's DecompressionStream) when it scrolls near, a number's
        provenance needs it, or the contents or keys go there."""
        yield blocks[0][0]
        for n, (html, ks, anchors) in enumerate(blocks[1:], start=1):
            self.block_of.update(dict.fromkeys(ks, n))
            self.anchor_block.update(dict.fromkeys(anchors, n))
            packed = base64.b64encode(zlib.compress(html.encode("utf-8"), 6)).decode("ascii")
            room = f"min-height:{3 * len(ks)}rem"
            yield (f'<div class="rt-lazy" id="b{n}" style="{room}"></div><script '
                   f'type="application/octet-stream" id="t{n}">{packed}</script>\n')  # fmt: skip

    def header(self) -> str:
        meta = self.trace.meta
        out = [f"<h1>{escape(meta.title)}</h1>"]
        if meta.description:
            out.append(f"<p>{escape(meta.description)}</p>")
        out.extend(f"<p>{prose_html(p)}</p>" for p in model_sentences(self.trace))
        out.extend(f"<p>{prose_html(p)}</p>" for p in drawn_sentences(meta))  # params.init
        chain = ("every intermediate result rounded to "
                 f"{meta.decimals} decimals before it is used again, as by hand"
                 if meta.carry == "rounded" else "exact (float64) arithmetic")  # fmt: skip
        out.append(f'<p class="rt-note">Numbers: {escape(chain)}. Click a number to see the '
                   "step that made it and what it was made from.</p>")  # fmt: skip
        return "\n".join(out) + "\n"

    def contents(self) -> str:
        items = "".join(f'<li class="rt-l{level}"><a href="#{anchor}">{title}</a></li>'
                        for level, anchor, title in self.toc)  # fmt: skip
        return f'<nav class="rt-toc" aria-label="Contents"><ol>{items}</ol></nav>\n'

    def data(self) -> str:
        """The numbers of both chains and each step's operands and sources, as JSON."""
        steps = self.trace.steps
        shown = [i for i, s in enumerate(steps) if self.selection.shows(s)]
        used = sorted({*shown, *(self.index[o] for i in shown for o in steps[i].operands)})
        doc: dict[str, Any] = {
            "chain": self.chain,
            "k": {},
            "o": {},
            "s": {},
            "order": shown,
            "b": self.block_of,
            "a": self.anchor_block,
        }
        for which in ("x", "r"):
            table = {i: self.texts(steps[i], which) for i in used}
            if all(v is not None for v in table.values()):
                doc[which] = table
        for i in used:
            doc["k"][i] = steps[i].key
            doc["o"][i] = [self.index[o] for o in steps[i].operands]
            doc["s"][i] = self.sources(steps[i])
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        # inside <script>: no "</script>" or "<!--" can close or confuse it
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(
    trace: Trace,
    selection: Selection | None = None,
    settings: HtmlSettings | None = None,
    other: Trace | None = None,
) -> Iterator[str]:
    """The page in chunks. ``other`` is the same calculation with the other carry (the
    hand-rounded chain of an exact trace, or the exact one of a rounded trace): with it the
    page can show either."""
    settings = settings or HtmlSettings()
    printer = HtmlPrinter(trace, selection, settings, other)
    blocks = printer.blocks()
    if settings.fragment or sum(len(block[0]) for block in blocks) <= STATIC_BYTES:
        body = [block[0] for block in blocks]
    else:
        body = [LARGE_NOTE, *printer.deferred(blocks)]
    content = [printer.header(), printer.contents(), *body]
    return document(printer, trace.meta.title, content, fragment=settings.fragment)
