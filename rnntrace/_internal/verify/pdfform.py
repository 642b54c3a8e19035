"""Reading the answers typed into a fillable worksheet PDF into the AnswerSheet YAML makes.

Field names (``rnntrace export --fillable --pdf``): the quantity's key with ``:`` for ``.``,
then ``/i`` for entry i of a vector or ``/i/j`` for row i, column j of a matrix (from 1):
``s1:h_2/3``, ``dW_hh/1/3``, ``L``. The field ``student`` names the student; other fields
are ignored. Values are read as in YAML (``answers.read_number``).

The form is read with pikepdf (qpdf), the optional extra ``rnntrace[pdf]``, imported only
when a PDF is read; its warnings about a damaged file are kept off the terminal. Only the
form's field tree and the pages' annotation lists are read, never page content.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import warnings
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.verify.answers import (
    MAX_FILE_ENTRIES,
    MAX_UNKNOWN_KEYS,
    STUDENT,
    Answer,
    AnswerSheet,
    Unknown,
    plain_numbers,
    read_number,
    student_name,
    unknown_reason,
)

MAX_FIELDS = MAX_FILE_ENTRIES  # fields in one form
MAX_VALUE_CHARS = 10_000  # a field's text; longer is cut (it is unreadable anyway)
_FIELD = re.compile(r"([A-Za-z0-9_:]+)((?:/[1-9][0-9]{0,3}){0,2})")  # key, then /i or /i/j
INSTALL = "reading PDF answers needs pikepdf: pip install 'rnntrace[pdf]'"


class Plain(NamedTuple):
    """Every field's text but the student's, when each is a plain number, and the numbers
    read exactly and as floats (``answers.plain_numbers``), in field order."""

    texts: list[str]
    written: tuple[Decimal, ...]
    numbers: np.ndarray


class Form(NamedTuple):
    """The fields of a form, in the same order: full names, values (None when there is
    none), and the page of each (from 1; None when unknown) when a message may need it."""

    names: tuple[str, ...]
    values: list[str | None]
    pages: list[int | None] | None = None  # only when some field is not a plain number
    plain: Plain | None = None  # when every field but the student's is a plain number


def parse_pdf_answers(
    data: bytes, file: str, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """Read the answers of a filled form (the bytes of a PDF); ``file`` names it in
    messages. Raises ScenarioError for a PDF that cannot be read (corrupt, encrypted)."""
    pikepdf = _pikepdf()
    with _quiet():
        try:
            form = _read_fields(data, pikepdf)
            if not form.names:
                raise ScenarioError(
                    "the PDF has no form fields: damaged or cut short, not the fillable "
                    "worksheet, or printed or flattened (submit the form as saved after typing)"
                )
        except ScenarioError as exc:
            raise ScenarioError(exc.message, file=file) from None
        except pikepdf.PasswordError:
            raise ScenarioError(
                "the PDF is encrypted with a password; submit it without one", file=file
            ) from None
        except Exception as exc:  # noqa: BLE001 - any failure of a hostile file is its row
            why = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise ScenarioError(f"not a readable PDF form ({why})", file=file) from None
    return _sheet(form, file, checkable, known)


def _pikepdf() -> Any:
    try:
        import pikepdf
    except ImportError:
        raise ScenarioError(INSTALL) from None
    return pikepdf


@contextmanager
def _quiet() -> Iterator[None]:
    """pikepdf's log messages and warnings about a damaged file, kept off the terminal."""
    logger = logging.getLogger("pikepdf")
    handler, propagate = logging.NullHandler(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _read_fields(data: bytes, pikepdf: Any) -> Form:
    """The form's fields: qpdf's AcroForm helper walks the field tree in one call (the
    terminal fields that have a widget, in object order; their names joined with dots from
    the root; loops, direct objects and depths over 100 left out), then two calls a field
    (a call into qpdf costs about a microsecond): its name and its value, both decoded by
    qpdf. Pages are looked up only when a message may name one."""
    with _opened(pikepdf, data) as pdf:
        helper = pdf.acroform  # one helper: each new one walks the tree again
        fields = helper.fields[:MAX_FIELDS]
        names = tuple(field.fully_qualified_name for field in fields)
        values: list[str | None] = [field.value_as_string[:MAX_VALUE_CHARS] for field in fields]
        for at, value in enumerate(values):
            if not value:  # empty, or not text: a checkbox's /Yes is unreadable
                other = fields[at].value
                values[at] = None if other is None else str(other)[:MAX_VALUE_CHARS]
        texts = [(v or "").strip() for name, v in zip(names, values) if name != STUDENT]
        numbers = plain_numbers(texts)
        if numbers is not None:
            return Form(names, values, None, Plain(texts, *numbers))
        pages = _pages(pdf)
        return Form(names, values, [_page_of(helper, field, pages) for field in fields])


def _page_of(helper: Any, field: Any, pages: dict[Any, int]) -> int | None:
    """The page of a field's (first) widget annotation."""
    page = pages.get(field.obj.objgen)  # the field is its widget, as hyperref writes it
    if page is None:
        widgets = helper.get_annotations_for_field(field)
        page = pages.get(widgets[0].obj.objgen) if widgets else None
    return page


def _pages(pdf: Any) -> dict[Any, int]:
    """Annotation (object number) -> the page it is on, from 1."""
    page_of: dict[Any, int] = {}
    for number, page in enumerate(pdf.pages, 1):
        annots = page.obj.get("/Annots", None)
        for annot in annots.as_list() if hasattr(annots, "as_list") else []:
            page_of.setdefault(annot.objgen, number)
    return page_of


@contextmanager
def _opened(pikepdf: Any, data: bytes) -> Iterator[Any]:
    """The PDF in ``data``, opened by qpdf from an in-memory file where the system has them
    (reading through a Python stream costs qpdf three times as long); page attributes are
    not pushed down the page tree (nothing here reads them)."""
    options = {"inherit_page_attributes": False}
    if not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"):
        with pikepdf.open(io.BytesIO(data), **options) as pdf:
            yield pdf
        return
    fd = os.memfd_create("rnntrace-answers", getattr(os, "MFD_CLOEXEC", 0))
    try:
        with open(fd, "wb", closefd=False) as memory:
            memory.write(data)
        with pikepdf.open(f"/proc/self/fd/{fd}", **options) as pdf:
            yield pdf
    finally:
        os.close(fd)


# -- fields into answers ------------------------------------------------------------------------
class Group(NamedTuple):
    """The fields of one quantity: where they are among the form's fields, row-major."""

    key: str
    shape: tuple[int, ...] | None  # None when the fields do not make a full list or table
    at: tuple[int, ...]  # positions among all fields
    plain_at: slice | list[int]  # positions among the fields but the student's (a slice: in order)


class Layout(NamedTuple):
    """What a form's field names say, the same file after file: the student's field, the
    quantities' fields and the fields named like a key that is not a quantity to answer."""

    student: int | None
    groups: tuple[Group, ...]  # in the order of the keys
    others: tuple[int, ...]


def _sheet(
    form: Form, file: str, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """The answers the fields hold, by key; an unknown key's fields are reported once."""
    layout = _layout(form.names, checkable)
    student = None if layout.student is None else form.values[layout.student]
    unknown = _unknown(form, layout.others, file, checkable, known)
    answers, blank = {}, []
    for group in layout.groups:
        if form.plain is not None and group.shape is not None:  # the common case: read in one go
            answers[group.key] = _plain_answer(group, form.plain)
        elif all(not (form.values[at] or "").strip() for at in group.at):
            blank.append(group.key)
        else:
            answers[group.key] = _answer(group, form)
    name = student_name(student or "")
    return AnswerSheet(file, name, answers, tuple(blank), tuple(unknown))


_LAYOUTS: dict[tuple[str, ...], tuple[Collection[str], Layout]] = {}  # of the last few forms


def _layout(names: tuple[str, ...], checkable: Collection[str]) -> Layout:
    """The layout of a form with these field names, for these keys (kept for the next file of
    the same form; ``checkable`` is the grader's, which does not change)."""
    kept = _LAYOUTS.get(names)
    if kept is not None and kept[0] is checkable:
        return kept[1]
    layout = _new_layout(names, checkable)
    if len(_LAYOUTS) >= 8:
        _LAYOUTS.clear()
    if len(names) <= 20_000:
        _LAYOUTS[names] = (checkable, layout)
    return layout


def _new_layout(names: tuple[str, ...], checkable: Collection[str]) -> Layout:
    """Which field holds what: the student's name, each entry of each quantity to answer
    (the last field of a name counts), and the others named like a key."""
    canonical = checkable if isinstance(checkable, Mapping) else {k: k for k in checkable}
    student, others, skipped = None, [], 0
    cells: dict[str, dict[tuple[int, ...], tuple[int, int]]] = {}
    for at, name in enumerate(names):
        if name == STUDENT:
            student, skipped = at, skipped + 1
        elif (parts := _field_name(name)) is not None:
            if parts[0] in canonical:
                cells.setdefault(canonical[parts[0]], {})[parts[1]] = (at, at - skipped)
            else:
                others.append(at)
    keys = (key for key in dict.fromkeys(canonical.values()) if key in cells)
    return Layout(student, tuple(_group(key, cells[key]) for key in keys), tuple(others))


def _group(key: str, cells: dict[tuple[int, ...], tuple[int, int]]) -> Group:
    """A quantity's fields in row-major order, from (entry) -> (position, plain position)."""
    indices = sorted(cells)  # row-major
    largest = tuple(map(max, zip(*indices)))  # in each dimension: the shape of a full table
    full = len({len(index) for index in indices}) == 1 and math.prod(largest) == len(indices)
    at = tuple(cells[index][0] for index in indices)
    plain_at = [cells[index][1] for index in indices]
    start, stop = plain_at[0], plain_at[-1] + 1
    in_order = plain_at == list(range(start, stop))
    return Group(key, largest if full else None, at, slice(start, stop) if in_order else plain_at)


def _unknown(
    form: Form,
    others: tuple[int, ...],
    file: str,
    checkable: Collection[str],
    known: Collection[str],
) -> list[Unknown]:
    """The fields named like a key that is not a quantity to answer, once a key."""
    unknown: dict[str, Unknown] = {}
    for at in others:
        name = form.names[at]
        key, index = _field_name(name) or ("", ())
        if (index or ":" in name or key in known) and key not in unknown:
            unknown[key] = Unknown(key, _where(form, at), unknown_reason(key, checkable, known))
            if len(unknown) > MAX_UNKNOWN_KEYS:
                raise ScenarioError(
                    f"more than {MAX_UNKNOWN_KEYS} form fields named like keys that are "
                    "not answers to this scenario",
                    file=file,
                )
    return list(unknown.values())


@lru_cache(maxsize=1 << 16)  # the same field names, file after file
def _field_name(name: str) -> tuple[str, tuple[int, ...]] | None:
    """A field's key and entry (``s1:h_2/3`` is ``s1.h_2``, (3,)); None for another field."""
    parts = _FIELD.fullmatch(name)
    if parts is None:
        return None
    return parts.group(1).replace(":", "."), tuple(map(int, parts.group(2).split("/")[1:]))


def _where(form: Form, at: int) -> str:
    page = form.pages[at] if form.pages else None
    return f"field {form.names[at]!r}" + (f" on page {page}" if page else "")


def _plain_answer(group: Group, plain: Plain) -> Answer:
    """One quantity whose fields all hold plain numbers, read with the others."""
    at = group.plain_at
    if isinstance(at, slice):  # its fields one after the other, as the worksheet has them
        texts, written = tuple(plain.texts[at]), plain.written[at]
        numbers = plain.numbers[at].copy()
    else:
        texts = tuple(map(plain.texts.__getitem__, at))
        written, numbers = tuple(map(plain.written.__getitem__, at)), plain.numbers[at]
    return Answer(group.key, 0, 0, group.shape, written, texts, numbers)


def _answer(group: Group, form: Form) -> Answer:
    """One quantity from its fields, in row-major order; a field left empty or holding
    something else than a number is an unreadable entry."""
    page = (form.pages[group.at[0]] if form.pages else None) or 0
    if group.shape is None:
        what = f"form fields ({len(group.at)}) that do not make a full list or table"
        return Answer(group.key, page, 0, None, (), (), np.zeros(0), {}, what)
    texts = tuple((form.values[at] or "").strip() for at in group.at)
    plain = plain_numbers(list(texts))
    if plain is not None:
        return Answer(group.key, page, 0, group.shape, plain[0], texts, plain[1])
    written: list[Decimal | None] = []
    problems: dict[int, str] = {}
    for flat, (at, text) in enumerate(zip(group.at, texts)):
        number, problem = read_number(text, repr(text[:40]))
        if not text:
            problem = "expected a number, found nothing (empty)"
        if problem is not None:
            problems[flat] = f"{_where(form, at)}: {problem}"
        written.append(number)
    numbers = np.array([np.nan if w is None else float(w) for w in written], dtype=float)
    return Answer(group.key, page, 0, group.shape, tuple(written), texts, numbers, problems)
