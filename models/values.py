"""Converting field values to and from their JSON form, driven by the field's kind."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.errors import InterchangeError
from models.framework.definition import FieldDef, Kind
from models.record import Person

PERSON_KEYS = ("name", "role", "organisation", "contact")
MAX_TEXT = 20_000  # characters in one note; a runaway paste is refused, not stored


def to_json_value(fd: FieldDef, value: Any) -> Any:
    kind = fd.kind
    if kind is Kind.DATE:
        return value.isoformat()
    if kind is Kind.MULTI:
        return list(value)
    if kind is Kind.PERSON:
        return {k: getattr(value, k) for k in PERSON_KEYS if getattr(value, k)}
    if kind is Kind.LIST:
        items = []
        for item in value:
            items.append(
                {
                    sub.key: to_json_value(sub, item[sub.key])
                    for sub in fd.item_fields
                    if sub.key in item
                }
            )
        return items
    return value


def _fail(fd: FieldDef, what: str) -> InterchangeError:
    return InterchangeError(f"“{fd.label}” ({fd.path}) {what}.")


def from_json_value(fd: FieldDef, raw: Any) -> Any:
    """Turn a JSON value into the field's typed value, or raise InterchangeError naming the field."""
    kind = fd.kind
    if kind in (Kind.TEXT, Kind.NOTE):
        if not isinstance(raw, str):
            raise _fail(fd, "must be text")
        if len(raw) > MAX_TEXT:
            raise _fail(fd, f"is longer than {MAX_TEXT} characters")
        return raw
    if kind in (Kind.CHOICE, Kind.SCALE):
        if not isinstance(raw, str) or raw not in fd.option_values():
            raise _fail(fd, f"has a value that is not one of its choices ({raw!r})")
        return raw
    if kind is Kind.MULTI:
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise _fail(fd, "must be a list of choices")
        bad = [v for v in raw if v not in fd.option_values()]
        if bad:
            raise _fail(fd, f"has values that are not among its choices ({', '.join(bad)})")
        return tuple(raw)
    if kind is Kind.YESNO:
        if not isinstance(raw, bool):
            raise _fail(fd, "must be true or false")
        return raw
    if kind is Kind.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise _fail(fd, "must be a whole number")
        if (fd.minimum is not None and raw < fd.minimum) or (
            fd.maximum is not None and raw > fd.maximum
        ):
            low = "" if fd.minimum is None else f" from {fd.minimum}"
            high = "" if fd.maximum is None else f" up to {fd.maximum}"
            raise _fail(fd, f"must be a number{low}{high}, not {raw}")
        return raw
    if kind is Kind.DATE:
        if not isinstance(raw, str):
            raise _fail(fd, "must be a date written as YYYY-MM-DD")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise _fail(fd, f"is not a real date ({raw[:20]!r})") from None
    if kind is Kind.PERSON:
        if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
            raise _fail(fd, "must be a person with name, role, organisation and contact")
        unknown = set(raw) - set(PERSON_KEYS)
        if unknown:
            raise _fail(fd, f"has unknown person details ({', '.join(sorted(unknown))})")
        return Person(**{k: raw.get(k, "") for k in PERSON_KEYS})
    if kind is Kind.LIST:
        if not isinstance(raw, list):
            raise _fail(fd, "must be a list")
        items: list[dict[str, Any]] = []
        keys = {sub.key: sub for sub in fd.item_fields}
        for entry in raw:
            if not isinstance(entry, dict):
                raise _fail(fd, "must be a list of entries")
            unknown = set(entry) - set(keys)
            if unknown:
                raise _fail(fd, f"has entries with unknown items ({', '.join(sorted(unknown))})")
            items.append({k: from_json_value(keys[k], v) for k, v in entry.items()})
        return tuple(items)
    raise _fail(fd, "has an unknown kind")  # pragma: no cover - every Kind is handled above


def display_value(fd: FieldDef, value: Any) -> str:
    """A value as a person reads it (PDF, front sheet, overview)."""
    if value is None:
        return ""
    kind = fd.kind
    if kind in (Kind.CHOICE, Kind.SCALE):
        return fd.option_label(str(value))
    if kind is Kind.MULTI:
        return "; ".join(fd.option_label(v) for v in value)
    if kind is Kind.YESNO:
        return "Yes" if value else "No"
    if kind is Kind.DATE:
        return f"{value.day} {value:%B %Y}"
    if kind is Kind.PERSON:
        return str(value.one_line())
    if kind is Kind.LIST:
        return f"{len(value)} entr{'y' if len(value) == 1 else 'ies'}"
    return str(value)
