"""What a person types, turned into a field's value, with a plain sentence when it does not fit.

The editor and ``records set`` both read typed text through here, so "31/02/2021" gets the same
answer everywhere: it is kept as typed (an :class:`~models.record.Unparsed` value) and named for
what is wrong with it ("February has no 31st."), never silently dropped or replaced.
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import date, datetime
from typing import Any

from models.errors import InterchangeError
from models.framework.definition import FieldDef, Kind
from models.record import Person, Unparsed
from models.values import PERSON_KEYS, from_json_value

DATE_FORMATS = (
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %m %Y",
    "%Y-%m-%d",
    "%d %B %Y",
    "%d %b %Y",
    "%d/%m/%y",
    "%d-%m-%y",
    "%d.%m.%y",
)
MAX_TYPED = 200  # characters of typed text kept for a value that does not fit its field
HOW_TO_TYPE = "Type the date as day/month/year, for example 15/03/2021."
_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): n for n, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_PARTS = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2}|[A-Za-z]+)[/.\- ](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


class DateProblem(ValueError):
    """Typed text that is not a real date; ``str()`` is one plain sentence saying why."""


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _full_year(year: int, digits: int, today: date) -> int:
    if digits == 4:
        return year
    full = 2000 + year
    return full - 100 if full > today.year + 1 else full  # 15/03/99 is 1999, not 2099


def _explain(day: int, month: int, year: int) -> str:
    """Why day/month/year is not a date, in one sentence."""
    if not 1 <= month <= 12:
        return f"There is no month {month}: the month comes second, from 1 to 12."
    name = calendar.month_name[month]
    if day < 1:
        return f"There is no day {day} in a month."
    if month == 2 and day == 29:
        return f"{year} is not a leap year, so February {year} has no 29th."
    if day > 31:
        return f"No month has a {ordinal(day)} day."
    return f"{name} has no {ordinal(day)}."


def parse_typed_date(text: str, *, today: date | None = None) -> date | None:
    """A date as people type it in England (day first): 15/03/2021, 15.3.21, 15 March 2021,
    or 2021-03-15. None for empty text.

    :raises DateProblem: with one plain sentence naming what is wrong ("February has no 31st.").
    """
    cleaned = " ".join(text.replace(",", " ").split())
    if not cleaned:
        return None
    today = today or date.today()
    for fmt in DATE_FORMATS:
        try:
            parsed = datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
        if fmt.endswith("%y"):
            parsed = parsed.replace(year=_full_year(parsed.year % 100, 2, today))
        return parsed
    iso = _ISO.match(cleaned)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
        raise DateProblem(_explain(day, month, year))
    parts = _PARTS.match(cleaned)
    if parts:
        day = int(parts.group(1))
        raw_month = parts.group(2)
        if raw_month.isdigit():
            month = int(raw_month)
        elif raw_month.lower() in _MONTHS:
            month = _MONTHS[raw_month.lower()]
        else:
            raise DateProblem(f"“{raw_month}” is not a month. {HOW_TO_TYPE}")
        year = _full_year(int(parts.group(3)), len(parts.group(3)), today)
        raise DateProblem(_explain(day, month, year))
    raise DateProblem(HOW_TO_TYPE)


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def unparsed_problem(fd: FieldDef, text: str) -> str:
    """The plain sentence for text kept as typed in ``fd`` because it is not one of its values."""
    if fd.kind is Kind.DATE:
        try:
            parse_typed_date(text)
        except DateProblem as exc:
            return str(exc)
        return HOW_TO_TYPE  # pragma: no cover - a date that parses is never kept as typed
    if fd.kind is Kind.NUMBER:
        return "Enter a whole number."
    return "This is not one of the answers this question takes."


def value_from_text(fd: FieldDef, text: str) -> Any:
    """The value ``text`` gives field ``fd`` (None: clear it), as ``records set`` reads it.

    Dates that are not real dates are kept as typed (:class:`Unparsed`); so are numbers out of
    range (as numbers) and UPNs that fail their check (as text): validation names the problem.

    :raises ValueError: with a plain sentence when the text cannot be an answer at all (a choice
        that is not among the options, a word where a number goes, malformed JSON).
    """
    stripped = text.strip()
    kind = fd.kind
    if kind is Kind.NOTE:
        return text.replace("\\n", "\n") if stripped else None
    if not stripped:
        return None
    if kind is Kind.TEXT:
        return stripped
    if kind is Kind.DATE:
        try:
            return parse_typed_date(stripped)
        except DateProblem:
            return Unparsed(stripped[:MAX_TYPED])
    if kind in (Kind.CHOICE, Kind.SCALE):
        return _choice(fd, stripped)
    if kind is Kind.MULTI:
        return tuple(_choice(fd, part.strip()) for part in stripped.split(",") if part.strip())
    if kind is Kind.YESNO:
        lowered = stripped.lower()
        if lowered in ("yes", "y", "true"):
            return True
        if lowered in ("no", "n", "false"):
            return False
        raise ValueError(f"“{fd.label}” is yes or no, not “{stripped}”.")
    if kind is Kind.NUMBER:
        try:
            return int(stripped)
        except ValueError:
            raise ValueError(f"“{fd.label}” is a whole number, not “{stripped}”.") from None
    if kind is Kind.PERSON and not stripped.startswith("{"):
        parts = [p.strip() for p in stripped.split(",", 3)]
        return Person(**dict(zip(PERSON_KEYS, parts, strict=False)))
    try:
        return from_json_value(fd, json.loads(stripped))
    except ValueError:
        raise ValueError(f"“{fd.label}” takes JSON, as in the record's JSON file.") from None
    except InterchangeError as exc:
        raise ValueError(str(exc)) from None


def _choice(fd: FieldDef, text: str) -> str:
    for opt in fd.options:
        if text == opt.value or text.casefold() == opt.label.casefold():
            return opt.value
    choices = ", ".join(opt.value for opt in fd.options)
    raise ValueError(f"“{text}” is not one of the choices for “{fd.label}” ({choices}).")
