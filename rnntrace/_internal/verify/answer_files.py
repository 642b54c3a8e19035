"""Reading an answers file of either kind: a filled PDF form (``pdfform``) or YAML
(``answers``)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from rnntrace._internal.errors import ScenarioError
from rnntrace._internal.verify.answers import AnswerSheet, parse_answers, read_submission
from rnntrace._internal.verify.pdfform import parse_pdf_answers


def read_answers(
    path: str | Path, checkable: Collection[str], known: Collection[str]
) -> AnswerSheet:
    """Read an answers file: a filled PDF form (its first bytes are ``%PDF-``) or YAML;
    ``checkable`` keys may be answered (a mapping also takes other names for them: the
    sheet's display names, ``dW_ho`` for ``dW_hy``), ``known`` are all the trace's keys (a
    known key that is not checkable is given data). Raises ScenarioError."""
    data = read_submission(path)
    if data.startswith(b"%PDF-"):
        return parse_pdf_answers(data, str(path), checkable, known)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        why = f"not UTF-8 text (byte {exc.start}); expected YAML or a PDF form"
        raise ScenarioError(why, file=str(path)) from None
    return parse_answers(text, str(path), checkable, known)
