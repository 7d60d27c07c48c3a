"""The family tells its story once: the questions of the form that goes home, and how its answers
come back into the record.

The form asks, in plain words, the "All about me" questions (asked to the child at home), "My
family's voice" and, where the charter asks for it, consent. Each question is a field of the
framework, so an answer lands where the setting would have typed it. The form is pre-filled with
what the record holds, so the family corrects rather than repeats.

Coming back, the rules are:

* an answer the family left as it was pre-filled changes nothing (even if the setting has changed
  that field since the form went home);
* an answer where the record held nothing is taken in;
* an answer that changes the family's own earlier words (provenance "From the family's ...") is
  taken in;
* an answer that differs from what the setting wrote is a *choice*: it is shown beside the
  record's value and taken in only when a person chooses it. Nothing the setting wrote is ever
  overwritten without that choice.

Every answer taken in gets the provenance "From the family's form, returned on DATE" (or "paper
form" when a person typed it in from the printed form), and the record remembers the form's serial
in :attr:`models.record.Record.family_returns`, so the same form cannot be read in twice.

A form carries, in hidden read-only fields, the vault's form-key id, the record id, its serial, the
date it was made and an authentication code: an HMAC-SHA256 under a key only the vault holds. A
form from another vault, or one whose hidden fields were edited, is refused with a plain reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from models.errors import TransitionsError
from models.framework.definition import Kind, is_empty
from models.framework.registry import get_framework
from models.record import FamilyReturn, FamilySource, Record
from models.values import MAX_TEXT, display_value, from_json_value, to_json_value

FORM_FORMAT = "transitions-family-form-1"
FAMILY_PROVENANCE_PREFIX = "From the family's"
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
SERIAL_LENGTH = 8
CODE_HEX = 32  # 128 bits of HMAC-SHA256

# hidden, read-only fields every form carries (names in the PDF)
HIDDEN_FORMAT = "transitions_format"
HIDDEN_VAULT = "transitions_vault"
HIDDEN_RECORD = "transitions_record"
HIDDEN_SERIAL = "transitions_serial"
HIDDEN_ISSUED = "transitions_issued"
HIDDEN_CODE = "transitions_code"
HIDDEN_FIELDS = (
    HIDDEN_FORMAT,
    HIDDEN_VAULT,
    HIDDEN_RECORD,
    HIDDEN_SERIAL,
    HIDDEN_ISSUED,
    HIDDEN_CODE,
)


class FormRefused(TransitionsError):
    """A returned family form was not read in (another vault's, altered, already returned, not a
    form at all); nothing in the record was changed."""

    exit_code = 1


class Part(StrEnum):
    ABOUT_ME = "about_me"
    FAMILY = "family"
    CONSENT = "consent"


class AnswerKind(StrEnum):
    NOTE = "note"  # several lines
    TEXT = "text"  # one line
    DATE = "date"  # one line, a date
    CHECK = "check"  # one tick box: yes / no
    CHOICES = "choices"  # a tick box per option


@dataclass(frozen=True, slots=True)
class Question:
    """One question on the form: the framework field it fills and how it is asked."""

    path: str
    part: Part
    kind: AnswerKind
    label: str  # the question, in plain words
    hint: str = ""
    lines: int = 3  # how many lines the empty box holds
    options: tuple[tuple[str, str], ...] = ()  # CHOICES: (option value, plain label)

    @property
    def name(self) -> str:
        """The field's name in the PDF (no dots: a dot separates field names in a PDF)."""
        return self.path.replace(".", "__")

    def option_name(self, value: str) -> str:
        return f"{self.name}__{value}"


ABOUT_ME_QUESTIONS: tuple[Question, ...] = (
    Question(
        "about_me.likes",
        Part.ABOUT_ME,
        AnswerKind.NOTE,
        "What do you like doing?",
        "Games, toys, places, food, people: in their words.",
    ),
    Question("about_me.dislikes", Part.ABOUT_ME, AnswerKind.NOTE, "What don't you like?", lines=2),
    Question("about_me.friends", Part.ABOUT_ME, AnswerKind.NOTE, "Who are your friends?", lines=2),
    Question(
        "about_me.proud_of", Part.ABOUT_ME, AnswerKind.NOTE, "What are you proud of?", lines=2
    ),
    Question(
        "about_me.looking_forward",
        Part.ABOUT_ME,
        AnswerKind.NOTE,
        "What are you looking forward to at school?",
        lines=2,
    ),
    Question(
        "about_me.when_upset",
        Part.ABOUT_ME,
        AnswerKind.NOTE,
        "What helps you when you feel upset or worried?",
    ),
    Question(
        "about_me.how_i_communicate",
        Part.ABOUT_ME,
        AnswerKind.NOTE,
        "How do you tell grown-ups what you need?",
        "Words, signs, pointing, pictures, another language.",
        lines=2,
    ),
    Question(
        "about_me.captured_how",
        Part.ABOUT_ME,
        AnswerKind.CHOICES,
        "How did you find out?",
        options=(
            ("conversation", "We talked about it"),
            ("drawing", "A drawing"),
            ("photos", "Looking at photos"),
        ),
    ),
    Question(
        "about_me.captured_by",
        Part.ABOUT_ME,
        AnswerKind.TEXT,
        "Who asked the questions?",
        "For example: Mum, at home.",
        lines=1,
    ),
)

FAMILY_QUESTIONS: tuple[Question, ...] = (
    Question(
        "family.want_teacher_to_know",
        Part.FAMILY,
        AnswerKind.NOTE,
        "What would you like the teacher to know about your child?",
        lines=4,
    ),
    Question(
        "family.hopes", Part.FAMILY, AnswerKind.NOTE, "What are your hopes for school?", lines=2
    ),
    Question(
        "family.worries",
        Part.FAMILY,
        AnswerKind.NOTE,
        "Is there anything you are worried about?",
        lines=2,
    ),
    Question(
        "family.routines",
        Part.FAMILY,
        AnswerKind.NOTE,
        "Routines at home",
        "Sleep, meals, the toilet, a comforter.",
        lines=2,
    ),
    Question(
        "family.home_learning",
        Part.FAMILY,
        AnswerKind.NOTE,
        "What do you enjoy doing together?",
        "Books, songs, games, cooking, outings.",
        lines=2,
    ),
    Question(
        "child.home_languages",
        Part.FAMILY,
        AnswerKind.TEXT,
        "Which languages do you speak at home?",
        lines=1,
    ),
    Question(
        "family.lives_with",
        Part.FAMILY,
        AnswerKind.TEXT,
        "Who lives with your child?",
        "You can leave this blank.",
        lines=1,
    ),
    Question("family.contributor", Part.FAMILY, AnswerKind.TEXT, "Your name", lines=1),
    Question(
        "family.relationship",
        Part.FAMILY,
        AnswerKind.TEXT,
        "You are the child's…",
        "Mum, dad, grandma, foster carer…",
        lines=1,
    ),
    Question(
        "family.contributed_on",
        Part.FAMILY,
        AnswerKind.DATE,
        "Today's date",
        "Day / month / year.",
        lines=1,
    ),
)

CONSENT_QUESTIONS: tuple[Question, ...] = (
    Question(
        "consent.parent_informed",
        Part.CONSENT,
        AnswerKind.CHECK,
        "I have read how my child's record is shared, and why.",
    ),
    Question(
        "consent.consent_given",
        Part.CONSENT,
        AnswerKind.CHECK,
        "I agree to the record being shared with my child's new school.",
    ),
    Question(
        "consent.consent_scope",
        Part.CONSENT,
        AnswerKind.CHOICES,
        "I agree to share:",
        options=(
            ("all", "All of it"),
            ("health", "Health, care and independence"),
            ("send", "Special educational needs and disabilities (SEND)"),
        ),
    ),
)

CONTRIBUTED_ON = "family.contributed_on"  # dated on the return when the family leaves it blank

# Filled in from "About you" when the family ticks consent on the form.
_CONSENT_FROM = {
    "consent.consent_by": "family.contributor",
    "consent.consent_relationship": "family.relationship",
    "consent.consent_date": "family.contributed_on",
}


def form_questions(*, consent: bool) -> tuple[Question, ...]:
    return ABOUT_ME_QUESTIONS + FAMILY_QUESTIONS + (CONSENT_QUESTIONS if consent else ())


def question_for(path: str, *, consent: bool = True) -> Question:
    for q in form_questions(consent=consent):
        if q.path == path:
            return q
    raise KeyError(path)


# --- pre-filling ----------------------------------------------------------------------------


def serial_text(serial: str) -> str:
    """A serial as printed, in two groups of four: K7Q2-M9XD."""
    return f"{serial[:4]}-{serial[4:]}" if len(serial) == SERIAL_LENGTH else serial


def date_for_form(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def prefilled_values(record: Record, questions: Iterable[Question]) -> dict[str, Any]:
    """What the form shows for each question: the record's value, except the date (blank: the
    family writes the day they filled it in, or it becomes the day it came back)."""
    out: dict[str, Any] = {}
    for q in questions:
        if q.kind is AnswerKind.DATE:
            continue
        value = record.get(q.path)
        if not is_empty(value):
            out[q.path] = value
    return out


def field_texts(questions: Iterable[Question], values: Mapping[str, Any]) -> dict[str, str | bool]:
    """The PDF field values for typed ``values``: text for text boxes, True/False per tick box."""
    out: dict[str, str | bool] = {}
    for q in questions:
        value = values.get(q.path)
        if q.kind is AnswerKind.CHECK:
            out[q.name] = value is True
        elif q.kind is AnswerKind.CHOICES:
            chosen = set(value or ())
            for option, _label in q.options:
                out[q.option_name(option)] = option in chosen
        elif q.kind is AnswerKind.DATE:
            out[q.name] = date_for_form(value) if isinstance(value, date) else ""
        else:
            out[q.name] = "" if value is None else str(value)
    return out


# --- the register of forms sent home ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedForm:
    """A form that went home: what it showed, so its answers can be told apart from the setting's
    later changes."""

    serial: str
    record_id: str
    issued_on: date
    issued_by: str
    consent: bool
    prefilled: Mapping[str, Any]  # path -> typed value shown on the form


def issued_to_json(form: IssuedForm, record: Record) -> dict[str, Any]:
    fw = get_framework(record.framework_id, record.framework_version)
    return {
        "serial": form.serial,
        "record_id": form.record_id,
        "issued_on": form.issued_on.isoformat(),
        "issued_by": form.issued_by,
        "consent": form.consent,
        "framework": [record.framework_id, record.framework_version],
        "prefilled": {p: to_json_value(fw.field(p), v) for p, v in sorted(form.prefilled.items())},
    }


def issued_from_json(raw: Mapping[str, Any]) -> IssuedForm:
    try:
        fw_id, fw_version = raw["framework"]
        fw = get_framework(str(fw_id), int(fw_version))
        return IssuedForm(
            serial=str(raw["serial"]),
            record_id=str(raw["record_id"]),
            issued_on=date.fromisoformat(raw["issued_on"]),
            issued_by=str(raw.get("issued_by", "")),
            consent=bool(raw.get("consent", False)),
            prefilled={p: from_json_value(fw.field(p), v) for p, v in raw["prefilled"].items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FormRefused(
            "The vault's note of the forms sent home is damaged, so this form cannot be checked."
        ) from exc


# --- the form's ticket: which vault, which record, which form, and its authentication code --------


@dataclass(frozen=True, slots=True)
class FormTicket:
    vault: str
    record_id: str
    serial: str
    issued_on: date
    code: str

    def hidden_fields(self) -> dict[str, str]:
        return {
            HIDDEN_FORMAT: FORM_FORMAT,
            HIDDEN_VAULT: self.vault,
            HIDDEN_RECORD: self.record_id,
            HIDDEN_SERIAL: self.serial,
            HIDDEN_ISSUED: self.issued_on.isoformat(),
            HIDDEN_CODE: self.code,
        }


def form_key_id(key: bytes) -> str:
    """A public name for the vault's form key: tells "another vault's form" from "altered"."""
    return hashlib.sha256(b"transitions family form key id\x00" + key).hexdigest()[:16]


def form_code(key: bytes, vault: str, record_id: str, serial: str, issued_on: date) -> str:
    message = "\x1f".join((FORM_FORMAT, vault, record_id, serial, issued_on.isoformat()))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:CODE_HEX]


def make_ticket(key: bytes, record_id: str, serial: str, issued_on: date) -> FormTicket:
    vault = form_key_id(key)
    return FormTicket(
        vault, record_id, serial, issued_on, form_code(key, vault, record_id, serial, issued_on)
    )


def check_ticket(key: bytes, hidden: Mapping[str, str]) -> FormTicket:
    """The ticket of a returned form, once its code checks out under this vault's key.

    :raises FormRefused: not a family form, another vault's form, or hidden fields changed.
    """
    if not any(name in hidden for name in HIDDEN_FIELDS):
        raise FormRefused("This PDF is not a family form made by Transitions; nothing was changed.")
    if hidden.get(HIDDEN_FORMAT) != FORM_FORMAT:
        raise FormRefused(
            "This family form was made by a different version of Transitions, or its hidden "
            "details were changed; nothing was changed."
        )
    vault = hidden.get(HIDDEN_VAULT, "")
    if vault != form_key_id(key):
        raise FormRefused(
            "This family form was made by another setting's Transitions, not this vault, so it "
            "cannot be read in here; nothing was changed."
        )
    altered = FormRefused(
        "This family form's hidden details (which child, which form, when it was made) were "
        "changed after it was made, so it cannot be trusted; nothing was changed. Send the family "
        "a new form."
    )
    record_id, serial = hidden.get(HIDDEN_RECORD, ""), hidden.get(HIDDEN_SERIAL, "")
    try:
        issued_on = date.fromisoformat(hidden.get(HIDDEN_ISSUED, ""))
    except ValueError:
        raise altered from None
    expected = form_code(key, vault, record_id, serial, issued_on)
    if not hmac.compare_digest(expected, hidden.get(HIDDEN_CODE, "")):
        raise altered
    return FormTicket(vault, record_id, serial, issued_on, expected)


def check_not_returned(record: Record, form: IssuedForm, register: Sequence[IssuedForm]) -> str:
    """Refuse a form that was already read in, or one older than a form already read in
    (``register`` lists the forms in the order they were made). Returns a warning, or "", when a
    newer form went home and has not come back yet."""
    returned = {r.serial: r for r in record.family_returns}
    earlier = returned.get(form.serial)
    if earlier is not None:
        raise FormRefused(
            f"This form was already read in on {long_date(earlier.returned_on)}; a form is read "
            "in once, so nothing was changed. Send a new form if the family has more to add."
        )
    serials = [f.serial for f in register]
    later = list(register[serials.index(form.serial) + 1 :]) if form.serial in serials else []
    for other in later:
        if other.serial in returned:
            raise FormRefused(
                f"A newer form (made on {long_date(other.issued_on)}) was already read in on "
                f"{long_date(returned[other.serial].returned_on)}; this older form was not read "
                "in, so nothing was changed."
            )
    if later:
        return (
            f"A newer form was made on {long_date(later[-1].issued_on)} and has not come back "
            "yet; check this older one is the one the family meant to send."
        )
    return ""


def long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


# --- reading answers --------------------------------------------------------------------------

_DATE_NUMERIC = re.compile(r"^\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{2}|\d{4})\s*$")


def parse_family_date(text: str) -> date | None:
    """A date as families write it: 4/3/2027, 04.03.27, 2027-03-04, 4 March 2027, 4 Mar 2027."""
    cleaned = " ".join(text.replace(",", " ").split())
    if not cleaned:
        return None
    m = _DATE_NUMERIC.match(cleaned)
    if m:
        day, month, year = (int(g) for g in m.groups())
        year = year + 2000 if year < 100 else year
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for pattern in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d %B %y", "%d %b %y"):
        try:
            return datetime.strptime(re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", cleaned), pattern).date()
        except ValueError:
            continue
    return None


def _clean_text(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


@dataclass(frozen=True, slots=True)
class Answers:
    values: dict[str, Any]  # path -> typed answer (None: the box is empty)
    problems: tuple[str, ...]  # answers that could not be read, said plainly


def read_answers(
    fields: Mapping[str, str | bool],
    questions: Iterable[Question],
    *,
    returned_on: date,
) -> Answers:
    """Typed answers from the form's field values (text, or True/False for tick boxes)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for q in questions:
        if q.kind is AnswerKind.CHECK:
            values[q.path] = fields.get(q.name) is True
            continue
        if q.kind is AnswerKind.CHOICES:
            chosen = tuple(v for v, _l in q.options if fields.get(q.option_name(v)) is True)
            values[q.path] = chosen or None
            continue
        raw = fields.get(q.name, "")
        text = _clean_text(raw if isinstance(raw, str) else "")
        if len(text) > MAX_TEXT:
            problems.append(
                f"The answer to “{q.label}” is longer than {MAX_TEXT} characters; it was left out."
            )
            continue
        if q.kind is AnswerKind.DATE:
            if not text:
                values[q.path] = None
                continue
            parsed = parse_family_date(text)
            if parsed is None:
                problems.append(
                    f"“{text[:40]}” under “{q.label}” is not a date we could read; "
                    f"the day the form came back ({long_date(returned_on)}) is used instead."
                )
            values[q.path] = parsed or returned_on
            continue
        if q.kind is AnswerKind.TEXT:
            text = " ".join(text.split())
        values[q.path] = text or None
    return Answers(values, tuple(problems))


# --- what changed ---------------------------------------------------------------------------


class ChangeKind(StrEnum):
    ADDED = "added"  # the record had nothing here: taken in
    FAMILY_UPDATE = "family_update"  # the family changed its own earlier words: taken in
    CHOOSE = "choose"  # differs from what the setting wrote: a person chooses


@dataclass(frozen=True, slots=True)
class FamilyChange:
    path: str
    label: str  # the record's name for the field
    question: str  # as the family was asked
    kind: ChangeKind
    record_value: Any
    family_value: Any

    @property
    def needs_choice(self) -> bool:
        return self.kind is ChangeKind.CHOOSE

    def record_text(self, record: Record) -> str:
        return _display(record, self.path, self.record_value)

    def family_text(self, record: Record) -> str:
        return _display(record, self.path, self.family_value)


def _display(record: Record, path: str, value: Any) -> str:
    if is_empty(value):
        return ""
    fw = get_framework(record.framework_id, record.framework_version)
    return display_value(fw.field(path), value)


def _norm(value: Any) -> Any:
    if is_empty(value):
        return None
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, (tuple, list)):
        return frozenset(value)
    return value


def same_answer(a: Any, b: Any) -> bool:
    return bool(_norm(a) == _norm(b))


def family_wrote(record: Record, path: str) -> bool:
    return record.provenance.get(path, "").startswith(FAMILY_PROVENANCE_PREFIX)


def _with_derived(
    record: Record,
    answers: Mapping[str, Any],
    prefilled: Mapping[str, Any],
    returned_on: date,
    source: FamilySource,
) -> dict[str, Any]:
    """The answers plus what follows from them: the contribution date when the family wrote
    something in their part, and who consented (from "About you") when consent was ticked."""
    out = dict(answers)
    family_paths = [q.path for q in FAMILY_QUESTIONS if q.kind is not AnswerKind.DATE]
    changed_family = any(
        p in out
        and not same_answer(out[p], prefilled.get(p))
        and not same_answer(out[p], record.get(p))
        for p in family_paths
    )
    if CONTRIBUTED_ON in out and out[CONTRIBUTED_ON] is None and changed_family:
        out[CONTRIBUTED_ON] = returned_on
    ticked = out.get("consent.consent_given") is True and not same_answer(
        True, prefilled.get("consent.consent_given")
    )
    if ticked:
        for target, origin in _CONSENT_FROM.items():
            value = out.get(origin) if not is_empty(out.get(origin)) else record.get(origin)
            if target == "consent.consent_date" and is_empty(value):
                value = returned_on
            if not is_empty(value):
                out[target] = value
        out["consent.consent_method"] = "electronic" if source is FamilySource.FORM else "written"
    return out


def compute_changes(
    record: Record,
    answers: Mapping[str, Any],
    prefilled: Mapping[str, Any],
    *,
    returned_on: date,
    source: FamilySource = FamilySource.FORM,
) -> list[FamilyChange]:
    """What the family's answers would change in ``record``, in framework order."""
    fw = get_framework(record.framework_id, record.framework_version)
    full = _with_derived(record, answers, prefilled, returned_on, source)
    asked = {q.path: q.label for q in form_questions(consent=True)}
    out: list[FamilyChange] = []
    for fd in fw.iter_fields():
        if fd.path not in full:
            continue
        answer = full[fd.path]
        if fd.kind is Kind.YESNO and answer is False and is_empty(prefilled.get(fd.path)):
            answer = None  # an unticked box the form showed unticked says nothing
        if (fd.path in prefilled or fd.path in asked) and same_answer(
            answer, prefilled.get(fd.path)
        ):
            continue  # left as the form showed it
        current = record.get(fd.path)
        if same_answer(answer, current):
            continue
        if is_empty(current):
            kind = ChangeKind.ADDED
        elif family_wrote(record, fd.path) and same_answer(current, prefilled.get(fd.path)):
            kind = ChangeKind.FAMILY_UPDATE
        else:
            kind = ChangeKind.CHOOSE
        out.append(
            FamilyChange(
                path=fd.path,
                label=fd.label,
                question=asked.get(fd.path, fd.label),
                kind=kind,
                record_value=current,
                family_value=_norm_typed(answer),
            )
        )
    return _date_follows_the_family(out, answers)


def _date_follows_the_family(
    changes: list[FamilyChange], answers: Mapping[str, Any]
) -> list[FamilyChange]:
    """The contribution date the family left blank (dated on the return) is not a rival answer:
    when their part brings something that goes in without a choice, the date goes with it; when
    everything they wrote needs a choice, so does the date (kept if their words are not taken)."""
    family = {q.path for q in FAMILY_QUESTIONS} - {CONTRIBUTED_ON}
    taken_anyway = any(c.path in family and c.kind is not ChangeKind.CHOOSE for c in changes)
    if not taken_anyway or not is_empty(answers.get(CONTRIBUTED_ON)):
        return changes
    return [
        replace(c, kind=ChangeKind.FAMILY_UPDATE)
        if c.path == CONTRIBUTED_ON and c.kind is ChangeKind.CHOOSE
        else c
        for c in changes
    ]


def _norm_typed(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value


def provenance_text(source: FamilySource, returned_on: date) -> str:
    return f"From {source.provenance}, returned on {long_date(returned_on)}"


def apply_changes(
    record: Record,
    changes: Iterable[FamilyChange],
    take_family: Iterable[str],
    *,
    serial: str,
    source: FamilySource,
    returned_on: date,
    issued_on: date | None = None,
    entered_by: str = "",
) -> tuple[Record, tuple[str, ...]]:
    """A copy of ``record`` with the family's answers taken in: every change that needs no
    choice, and the choices in ``take_family``. Returns the copy and the paths it changed."""
    chosen = set(take_family)
    new = record.copy()
    applied: list[str] = []
    note = provenance_text(source, returned_on)
    for change in changes:
        if change.needs_choice and change.path not in chosen:
            continue
        new.set(change.path, change.family_value)
        if is_empty(change.family_value):
            new.provenance.pop(change.path, None)
        else:
            new.provenance[change.path] = note
        applied.append(change.path)
    new.family_returns = (
        *record.family_returns,
        FamilyReturn(
            serial=serial,
            returned_on=returned_on,
            source=source,
            fields=tuple(applied),
            issued_on=issued_on,
            entered_by=entered_by,
        ),
    )
    return new, tuple(applied)


def paper_serial(record: Record, returned_on: date) -> str:
    """The serial of a paper form entered by a person (it has none of its own that can be read)."""
    n = sum(1 for r in record.family_returns if r.source is FamilySource.PAPER) + 1
    return f"paper-{returned_on.isoformat()}-{n}"


def replace_answers(answers: Answers, **values: Any) -> Answers:
    return dataclasses.replace(answers, values={**answers.values, **values})
