"""The identifiers people type that have a checked shape: a school's DfE URN and a child's UPN.

One place for each rule, used by the record's validation (through the framework's
``TextFormat``), the school picker, the bulk "set the receiving school" and the school's own set-up.
"""

from __future__ import annotations

from models.framework.definition import TextFormat
from models.upn import check_upn

SCHOOL_URN_RULE = "A school URN is six digits."


def is_school_urn(text: str) -> bool:
    """A school's DfE unique reference number: six digits."""
    text = text.strip()
    return len(text) == 6 and text.isascii() and text.isdigit()


def format_problem(kind: TextFormat, text: str) -> str | None:
    """What is wrong with ``text`` as a value of this shape (None: nothing, or nothing typed)."""
    if not text.strip():
        return None
    if kind is TextFormat.UPN:
        result = check_upn(text)
        return None if result.valid else result.message
    if kind is TextFormat.SCHOOL_URN:
        return None if is_school_urn(text) else SCHOOL_URN_RULE
    return None  # pragma: no cover - every TextFormat is handled above
