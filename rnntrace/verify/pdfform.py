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
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from rnntrace.errors import ScenarioError
from rnntrace.verify.answers import (
    MAX_FILE_ENTRIES,
    MAX_UNKNOWN_KEYS,
    STUDENT,
    Answer,
    AnswerSheet,
    Unknown,
    canonical,
    plain_numbers,
    read_number,
    student_name,
    unknown_reason,
)

MAX_FIELDS = MAX_FILE_ENTRIES  # fields in one form
MAX_DEPTH = 32  # levels of the field tree
MAX_VALUE_CHARS = 10_000  # a field's text; longer is cut (it is unreadable anyway)
_FIELD = re.compile(r"([A-Za-z0-9_:]+)((?:/[1-9][0-9]{0,3}){0,2})")  # key, then /i or /i/j
INSTALL = "reading PDF answers needs pikepdf: pip install 'rnntrace[pdf]'"


class Field(NamedTuple):
    """A text field of the form: its full name, its value (None when empty) and page."""

    name: str
    value: str | None
    page: int | None  # the page from 1 (None when unknown or not needed)


def parse_pdf_answers(
    data: bytes, file: str, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """Read the answers of a filled form (the bytes of a PDF); ``file`` names it in
    messages. Raises ScenarioError for a PDF that cannot be read (corrupt, encrypted)."""
    pikepdf = _pikepdf()
    with _quiet():
        try:
            fields = _read_fields(data, pikepdf)
            if not fields:
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
    return _sheet(fields, file, checkable, known)


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


def _read_fields(data: bytes, pikepdf: Any) -> list[Field]:
    """The fields of the form and their values, walking the field tree (a field without a
    name of its own is a widget of its parent), each with the page its widget is on when a
    message may need it. Few calls per field: each one into qpdf costs microseconds."""
    with _opened(pikepdf, data) as pdf:
        form = pdf.Root.get("/AcroForm", None)
        tops = form.get("/Fields", None) if isinstance(form, pikepdf.Dictionary) else None
        if not isinstance(tops, pikepdf.Array):
            return []
        stack = [(node, "", 0) for node in reversed(tops.as_list())]
        out: list[Field] = []
        widgets: list[Any] = []  # each field's widget annotation, for its page
        seen: set[tuple[int, int]] = set()  # fields with kids, against loops in the tree
        while stack and len(out) < MAX_FIELDS:
            node, parent, depth = stack.pop()
            try:
                own, kids = node.get("/T", None), node.get("/Kids", None)
            except (AttributeError, TypeError, ValueError):  # not a dictionary
                continue
            name = str(own) if own is not None else parent
            if parent and own is not None:
                name = f"{parent}.{name}"
            if kids is not None and depth < MAX_DEPTH and node.objgen not in seen:
                seen.add(node.objgen)
                named = [kid for kid in kids.as_list() if _has_name(kid)]
                if named:
                    stack.extend((kid, name, depth + 1) for kid in reversed(named))
                    continue
            if own is None:
                continue
            value = node.get("/V", None)  # any kind of field: a checkbox's /Yes is unreadable
            text = None if value is None else str(value)[:MAX_VALUE_CHARS]
            widgets.append(kids.as_list()[0] if kids is not None and len(kids) else node)
            out.append(Field(name, text, None))
        # only a message names a page: wanted when some field is empty or not a number
        if plain_numbers([(f.value or "").strip() for f in out if f.name != STUDENT]) is None:
            pages = _pages(pdf)
            out = [f._replace(page=pages.get(w.objgen)) for f, w in zip(out, widgets)]
        return out


def _has_name(kid: Any) -> bool:
    try:
        return "/T" in kid
    except (AttributeError, TypeError, ValueError):
        return False


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
    (reading through a Python stream costs qpdf three times as long)."""
    if not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            yield pdf
        return
    fd = os.memfd_create("rnntrace-answers", getattr(os, "MFD_CLOEXEC", 0))
    try:
        with open(fd, "wb", closefd=False) as memory:
            memory.write(data)
        with pikepdf.open(f"/proc/self/fd/{fd}") as pdf:
            yield pdf
    finally:
        os.close(fd)


# -- fields into answers ------------------------------------------------------------------------
def _sheet(
    fields: list[Field], file: str, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """The answers the fields hold, by key; an unknown key's fields are reported once."""
    student = None
    cells: dict[str, dict[tuple[int, ...], Field]] = {}
    unknown: dict[str, Unknown] = {}
    for found in fields:
        parts = _field_name(found.name)
        if found.name == STUDENT:
            student = student_name(found.value or "")
        elif parts is not None:
            key, index = parts
            if key in checkable:
                cells.setdefault(canonical(checkable, key), {})[index] = found
            elif (index or ":" in found.name or key in known) and key not in unknown:
                why = unknown_reason(key, checkable, known)
                unknown[key] = Unknown(key, _where(found), why)
                if len(unknown) > MAX_UNKNOWN_KEYS:
                    raise ScenarioError(
                        f"more than {MAX_UNKNOWN_KEYS} form fields named like keys that are "
                        "not answers to this scenario",
                        file=file,
                    )
    answers, blank = {}, []
    for key in (k for k in dict.fromkeys(canonical(checkable, k) for k in checkable) if k in cells):
        if all(not (f.value or "").strip() for f in cells[key].values()):
            blank.append(key)
        else:
            answers[key] = _answer(key, cells[key])
    return AnswerSheet(file, student, answers, tuple(blank), tuple(unknown.values()))


@lru_cache(maxsize=1 << 16)  # the same field names, file after file
def _field_name(name: str) -> tuple[str, tuple[int, ...]] | None:
    """A field's key and entry (``s1:h_2/3`` is ``s1.h_2``, (3,)); None for another field."""
    parts = _FIELD.fullmatch(name)
    if parts is None:
        return None
    return parts.group(1).replace(":", "."), tuple(map(int, parts.group(2).split("/")[1:]))


def _where(found: Field) -> str:
    return f"field {found.name!r}" + (f" on page {found.page}" if found.page else "")


def _answer(key: str, cells: dict[tuple[int, ...], Field]) -> Answer:
    """One quantity from its fields, in row-major order; a field left empty or holding
    something else than a number is an unreadable entry."""
    indices = sorted(cells)  # row-major
    ordered = [cells[index] for index in indices]
    page = ordered[0].page or 0
    shape = tuple(map(max, zip(*indices)))  # the largest index in each dimension
    if len({len(index) for index in indices}) > 1 or math.prod(shape) != len(cells):
        what = f"form fields ({len(cells)}) that do not make a full list or table"
        return Answer(key, page, 0, None, (), (), np.zeros(0), {}, what)
    texts = [(found.value or "").strip() for found in ordered]
    plain = plain_numbers(texts)
    if plain is not None:  # the common case: every field a plain number
        return Answer(key, page, 0, shape, plain[0], tuple(texts), plain[1], {}, None)
    written: list[Decimal | None] = []
    problems: dict[int, str] = {}
    for flat, (found, text) in enumerate(zip(ordered, texts)):
        number, problem = read_number(text, repr(text[:40]))
        if not text:
            problem = "expected a number, found nothing (empty)"
        if problem is not None:
            problems[flat] = f"{_where(found)}: {problem}"
        written.append(number)
    numbers = np.array([np.nan if w is None else float(w) for w in written], dtype=float)
    return Answer(key, page, 0, shape, tuple(written), tuple(texts), numbers, problems, None)
