"""Children's names as lists show them: two children with the same name are told apart by their
date of birth ("Bea Quillfeather (born 2 Oct 2021)") wherever they are listed together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from models.record import Record


def born(value: object) -> str:
    return (
        f"born {value.day} {value:%b %Y}" if isinstance(value, date) else "date of birth not given"
    )


def listed_names(records: Iterable[Record]) -> dict[str, str]:
    """Record id -> the name to list: the display name, with the date of birth added for every
    child whose name another child in the same list shares (case and spacing ignored)."""
    records = list(records)
    counts = Counter(" ".join(r.display_name.casefold().split()) for r in records)
    out: dict[str, str] = {}
    for r in records:
        name = r.display_name
        if counts[" ".join(name.casefold().split())] > 1:
            name = f"{name} ({born(r.get('child.date_of_birth'))})"
        out[r.id] = name
    return out
