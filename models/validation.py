"""Validation of values and whole records, with messages a practitioner can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from models.entry import unparsed_problem
from models.framework.definition import FieldDef, Kind, TextFormat
from models.framework.registry import get_framework
from models.identifiers import format_problem
from models.record import Person, Record, Unparsed
from models.upn import check_upn
from models.values import MAX_TEXT


class Severity(StrEnum):
    ERROR = "error"  # the value is wrong and must be fixed before export
    WARNING = "warning"  # worth a second look, but may be right


@dataclass(frozen=True, slots=True)
class Issue:
    path: str
    severity: Severity
    message: str


def _number_message(fd: FieldDef, value: int) -> str | None:
    if (
        fd.minimum is not None
        and value < fd.minimum
        or fd.maximum is not None
        and value > fd.maximum
    ):
        span = f"{fd.minimum} to {fd.maximum}"
        if fd.step:
            return f"Enter a score from {span}, in steps of {fd.step}."
        return f"Enter a number from {span}."
    if fd.step and value % fd.step:
        return f"Scores go in steps of {fd.step} (for example 0, {fd.step}, {2 * fd.step})."
    return None


def validate_value(fd: FieldDef, value: Any, *, today: date | None = None) -> str | None:
    """Return a plain-language problem with ``value`` for field ``fd``, or None when it fits."""
    if value is None:
        return None
    if isinstance(value, Unparsed):
        return unparsed_problem(fd, value.text)
    kind = fd.kind
    if kind in (Kind.TEXT, Kind.NOTE):
        if not isinstance(value, str):
            return "This should be text."
        if len(value) > MAX_TEXT:
            return f"This is too long: keep it under {MAX_TEXT} characters."
        if kind is Kind.TEXT and "\n" in value:
            return "This should fit on one line."
        return format_problem(fd.text_format, value) if fd.text_format is not None else None
    if kind in (Kind.CHOICE, Kind.SCALE):
        return None if value in fd.option_values() else "Choose one of the options."
    if kind is Kind.MULTI:
        if not isinstance(value, tuple) or any(v not in fd.option_values() for v in value):
            return "Choose from the options."
        return None
    if kind is Kind.YESNO:
        return None if isinstance(value, bool) else "Choose yes or no."
    if kind is Kind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int):
            return "Enter a whole number."
        return _number_message(fd, value)
    if kind is Kind.DATE:
        if not isinstance(value, date):
            return "Enter a date."
        if today is not None and fd.past_only and value > today:
            return "This date is in the future."
        if value.year < 2000:
            return "This date is too far in the past to be right."
        return None
    if kind is Kind.PERSON:
        if not isinstance(value, Person):
            return "Enter a person's details."
        if not value.is_empty() and not value.name.strip():
            return "Add the person's name."
        return None
    if kind is Kind.LIST:
        if not isinstance(value, tuple):
            return "This should be a list."
        for n, item in enumerate(value, start=1):
            for sub in fd.item_fields:
                problem = validate_value(sub, item.get(sub.key), today=today)
                if problem:
                    return f"Entry {n}, {sub.label}: {problem}"
        return None
    return None  # pragma: no cover


def reception_birth_window(school_start: date) -> tuple[date, date]:
    """Children start Reception in the September after they turn four.

    For a school year starting in September of year Y, the child is born between
    1 September Y-5 and 31 August Y-4.
    """
    year = school_start.year if school_start.month >= 8 else school_start.year - 1
    return date(year - 5, 9, 1), date(year - 4, 8, 31)


def validate_record(record: Record, today: date) -> list[Issue]:
    fw = get_framework(record.framework_id, record.framework_version)
    issues: list[Issue] = []
    typed_fields = {".".join(key.split(".")[:2]) for key in record.typed}
    for fd in fw.iter_fields():
        if fd.path not in record.values and fd.path not in typed_fields:
            continue  # nothing entered: nothing can be wrong with it
        problem = validate_value(fd, record.entered(fd.path), today=today)
        if problem:
            issues.append(Issue(fd.path, Severity.ERROR, problem))
    dob = record.get("child.date_of_birth")
    start = record.get("child.school_start_date")
    if isinstance(dob, date) and isinstance(start, date):
        earliest, latest = reception_birth_window(start)
        if not earliest <= dob <= latest:
            issues.append(
                Issue(
                    "child.date_of_birth",
                    Severity.WARNING,
                    f"For Reception starting in {start:%B %Y} a child is usually born between "
                    f"{earliest.day} {earliest:%B %Y} and {latest.day} {latest:%B %Y}. Check the date of birth "
                    "and the school start date.",
                )
            )
    for fd in fw.iter_fields():
        upn = record.get(fd.path) if fd.text_format is TextFormat.UPN else None
        if isinstance(upn, str) and upn.strip():
            result = check_upn(upn)
            if result.valid and result.temporary:
                issues.append(
                    Issue(
                        fd.path,
                        Severity.WARNING,
                        "This is a temporary UPN; replace it when the permanent one is known.",
                    )
                )
    if (
        record.get("consent.consent_withdrawn") is True
        and record.get("consent.consent_given") is not True
    ):
        issues.append(
            Issue(
                "consent.consent_withdrawn",
                Severity.WARNING,
                "Consent is marked withdrawn but was never recorded as given.",
            )
        )
    return issues
