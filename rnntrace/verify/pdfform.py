"""Reading the answers typed into a fillable worksheet PDF into the AnswerSheet YAML makes.

Field names (``rnntrace export --fillable --pdf``): the quantity's key with ``:`` for ``.``,
then ``/i`` for entry i of a vector or ``/i/j`` for row i, column j of a matrix (from 1):
``s1:h_2/3``, ``dW_hh/1/3``, ``L``. The field ``student`` names the student; other fields
are ignored. Values are read as in YAML (``answers.read_number``).

The fields are found by a byte scan when the file is plain (no object streams, no
encryption: what pypdf and most viewers write when they save a filled form), else by pypdf.
pypdf (the optional extra ``rnntrace[pdf]``) is imported only when a PDF is read, and its
log messages and warnings are kept off the terminal.
"""

from __future__ import annotations

import io
import logging
import math
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
MAX_DEPTH = 32  # levels of the field tree
MAX_VALUE_BYTES = 10_000  # a field's text; longer is cut (it is unreadable anyway)
_FIELD = re.compile(r"([A-Za-z0-9_:]+)((?:/[1-9][0-9]{0,3}){0,2})")  # key, then /i or /i/j
_OBJECT = re.compile(rb"\s*(\d+)\s+\d+\s+obj\s*<<")
_STRING = re.compile(rb"[^\\()]+|\\([0-7]{1,3}|\r\n|[\s\S])|[()]")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_ESCAPES.update({b"\r\n": b"", b"\n": b"", b"\r": b""})  # a line continued
_REF = re.compile(rb"(\d+)\s+\d+\s+R")
_INDIRECT = re.compile(rb"/[TV]\s*\d+\s+\d+\s+R")  # a name or value held elsewhere
_TEXT_FIELD = re.compile(rb"/FT\s*/Tx\b")
_ANNOTS = re.compile(rb"/Annots\s*\[([^\]]*)\]")
_PAGE = re.compile(rb"/Type\s*/Page\b")
_PAGES = re.compile(rb"/Type\s*/Pages\b[^>]*?/Kids\s*\[([^\]]*)\]")
_NAME = re.compile(rb"/T\s*(\(|<(?!<))")
_VALUE = re.compile(rb"/V\s*(\(|<(?!<))")


class Field(NamedTuple):
    """A text field of the form: its full name, its value (None when empty) and page."""

    name: str
    value: str | None
    page: int | None


def parse_pdf_answers(
    data: bytes, file: str, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """Read the answers of a filled form (the bytes of a PDF); ``file`` names it in
    messages. Raises ScenarioError for a PDF that cannot be read (corrupt, encrypted)."""
    pypdf = _pypdf()
    with _quiet():
        try:
            fields = _scan(data, pypdf) or _read_with_pypdf(data, pypdf)
            if not fields:
                raise ScenarioError(
                    "the PDF has no form fields: not the fillable worksheet, or printed or "
                    "flattened (submit the form as saved after typing)"
                )
        except ScenarioError as exc:
            raise ScenarioError(exc.message, file=file) from None
        except Exception as exc:  # noqa: BLE001 - any failure of a hostile file is its row
            why = " ".join(str(exc).split())[:160] or type(exc).__name__
            raise ScenarioError(f"not a readable PDF form ({why})", file=file) from None
    return _sheet(fields, file, checkable, known)


def _pypdf() -> Any:
    try:
        import pypdf
    except ImportError:
        raise ScenarioError(
            "reading PDF answers needs pypdf: pip install 'rnntrace[pdf]'"
        ) from None
    return pypdf


@contextmanager
def _quiet() -> Iterator[None]:
    """pypdf's log messages and warnings about a damaged file, kept off the terminal."""
    logger = logging.getLogger("pypdf")  # its modules log to children of this logger
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


# -- the fast way: a plain file, scanned ----------------------------------------------------
def _scan(data: bytes, pypdf: Any) -> list[Field] | None:
    """The text fields of a plain PDF (objects one by one, the last version of each), or
    None when the file needs a real parser: object streams, encryption, a field tree."""
    if b"/ObjStm" in data or b"/Encrypt" in data or b"/XRefStm" in data:
        return None
    fields: dict[int, bytes] = {}
    pages: dict[int, list[int]] = {}  # page object -> its annotations
    for chunk in data.split(b"endobj"):
        if b"/FT" not in chunk and b"/Annots" not in chunk:
            continue
        head = _OBJECT.search(chunk, 0, 4096)  # the object's number, then its dictionary
        if head is None:
            continue
        number, body = int(head.group(1)), chunk[head.end() :]
        if b"/FT" in body and (b"/Kids" in body or b"/Parent" in body):
            return None  # a field tree: pypdf follows it
        if b"/Tx" in body and _TEXT_FIELD.search(body):
            fields[number] = body
        annots = _ANNOTS.search(body) if b"/Annots" in body else None
        if annots and _PAGE.search(body):
            pages[number] = [int(ref) for ref in _REF.findall(annots.group(1))]
    page_of = {annot: n for n, page in enumerate(_page_order(data, pages), 1) for annot in page}
    out = []
    for number, body in fields.items():
        name, value = _string(body, _NAME, pypdf), _string(body, _VALUE, pypdf)
        if name is None or (value is None and _INDIRECT.search(body)):
            return None  # held in another object: pypdf finds it
        out.append(Field(name, value, page_of.get(number)))
    return out


def _page_order(data: bytes, pages: dict[int, list[int]]) -> list[list[int]]:
    """The pages' annotations in page order, when the page objects appear in the order of
    the page tree's /Kids (as they do in files pypdf writes); else in file order."""
    kids = _PAGES.search(data)
    order = [int(ref) for ref in _REF.findall(kids.group(1))] if kids else []
    if sorted(order) == sorted(pages):
        return [pages[n] for n in order]
    return list(pages.values())


def _string(body: bytes, key: re.Pattern[bytes], pypdf: Any) -> str | None:
    """The text string of ``key`` (a pattern ending at its opening bracket) in an object's
    dictionary, or None."""
    found = key.search(body)
    if found is None:
        return None
    start = found.end()
    if found.group(1) == b"<":
        hexa = re.sub(rb"\s", b"", body[start : body.find(b">", start)])
        return _text(bytes.fromhex(hexa.decode("ascii") + "0" * (len(hexa) % 2)), pypdf)
    raw = body[start : body.find(b")", start)]
    if b"(" in raw or raw.endswith(b"\\"):  # brackets inside: read it bracket by bracket
        return _text(_literal(body, start), pypdf)
    return _text(_unescaped(raw) if b"\\" in raw else raw, pypdf)


@lru_cache(maxsize=1 << 16)  # the same field names, file after file
def _text(raw: bytes, pypdf: Any) -> str:
    """A PDF text string's bytes as text (UTF-16 with its mark, else PDFDocEncoding)."""
    text = pypdf.generic.create_string_object(raw[:MAX_VALUE_BYTES])
    return str(text) if isinstance(text, str) else raw.decode("latin-1")


@lru_cache(maxsize=1 << 16)
def _unescaped(raw: bytes) -> bytes:
    """A literal string's bytes (without brackets inside) with its escapes undone."""
    return _literal(raw + b")", 0)


def _literal(body: bytes, start: int) -> bytes:
    """A literal string's bytes, from just after its '(' (escapes undone, nested brackets)."""
    out, depth = bytearray(), 1
    for part in _STRING.finditer(body, start):
        token = part.group()
        if token == b"(":
            depth += 1
        elif token == b")":
            depth -= 1
            if depth == 0:
                break
        elif part.group(1) is not None:
            escape = part.group(1)
            if escape[:1].isdigit():
                token = bytes([int(escape, 8) & 0xFF])
            else:
                token = _ESCAPES.get(escape, escape)
        out += token
        if len(out) > MAX_VALUE_BYTES:
            break
    return bytes(out)


# -- the sure way: pypdf ----------------------------------------------------------------------
def _read_with_pypdf(data: bytes, pypdf: Any) -> list[Field]:
    """The text fields of any PDF pypdf can read, walking the field tree (a field without a
    name of its own is a widget of its parent)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise ScenarioError("the PDF is encrypted with a password; submit it without one")
    page_of: dict[int, int] = {}
    for number, page in enumerate(reader.pages, 1):
        for ref in page.get("/Annots", None) or []:
            page_of.setdefault(getattr(ref, "idnum", -1), number)
    form = reader.trailer["/Root"].get_object().get("/AcroForm")
    tops = form.get_object().get("/Fields") if form is not None else None
    stack = [(ref, "", 0) for ref in reversed(tops.get_object())] if tops is not None else []
    out: list[Field] = []
    seen: set[int] = set()
    while stack and len(out) < MAX_FIELDS:
        ref, parent, depth = stack.pop()
        node = ref.get_object()
        if getattr(ref, "idnum", None) in seen or depth > MAX_DEPTH or not hasattr(node, "get"):
            continue
        seen.add(getattr(ref, "idnum", -1))
        own = node.get("/T")
        name = f"{parent}.{own}" if parent and own is not None else str(own or parent)
        kids = list(node.get("/Kids", None) or [])
        named = [kid for kid in kids if "/T" in kid.get_object()]
        if named:
            stack.extend((kid, name, depth + 1) for kid in reversed(named))
        elif own is not None and node.get("/FT") == "/Tx":
            widget = kids[0] if kids else ref
            page = page_of.get(getattr(widget, "idnum", -1))
            value = node.get("/V")
            text = None if value is None else str(value)[:MAX_VALUE_BYTES]
            out.append(Field(name, text, page))
    return out


# -- fields into answers ------------------------------------------------------------------------
def _sheet(
    fields: list[Field], file: str, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """The answers the fields hold, by key; an unknown key's fields are reported once."""
    student = None
    wanted = set(checkable)
    cells: dict[str, dict[tuple[int, ...], Field]] = {}
    unknown: dict[str, Unknown] = {}
    for found in fields:
        parts = _field_name(found.name)
        if found.name == STUDENT:
            student = student_name(found.value or "")
        elif parts is not None:
            key, index = parts
            if key in wanted:
                cells.setdefault(key, {})[index] = found
            elif (index or ":" in found.name or key in known) and key not in unknown:
                why = unknown_reason(key, checkable, known)
                unknown[key] = Unknown(key, _where(found), why)
    answers, blank = {}, []
    for key in (k for k in checkable if k in cells):
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
