"""A child's transition record: typed values keyed by framework path, plus workflow state."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from models.pictures import Picture
from models.roles import Role


class Status(StrEnum):
    DRAFT = "draft"
    READY_FOR_REVIEW = "ready_for_review"
    SIGNED_OFF = "signed_off"
    EXPORTED = "exported"
    CHANGED_AFTER_EXPORT = "changed_after_export"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.DRAFT: "Draft",
    Status.READY_FOR_REVIEW: "Ready for review",
    Status.SIGNED_OFF: "Signed off",
    Status.EXPORTED: "Exported",
    Status.CHANGED_AFTER_EXPORT: "Changed after export",
}


class SignOffScope(StrEnum):
    RECORD = "record"  # the practitioner signs the whole record
    SEND = "send"  # a SENCO reviews section 8
    MANAGER = "manager"  # a manager, where the charter asks

    @property
    def label(self) -> str:
        return {
            SignOffScope.RECORD: "Practitioner sign-off",
            SignOffScope.SEND: "SENCO review of the SEND section",
            SignOffScope.MANAGER: "Manager sign-off",
        }[self]


@dataclass(frozen=True, slots=True)
class Person:
    name: str = ""
    role: str = ""
    organisation: str = ""
    contact: str = ""

    def is_empty(self) -> bool:
        return not any(s.strip() for s in (self.name, self.role, self.organisation, self.contact))

    def one_line(self) -> str:
        parts = [self.name]
        if self.role:
            parts.append(self.role)
        if self.organisation:
            parts.append(self.organisation)
        text = ", ".join(p for p in parts if p)
        return f"{text} ({self.contact})" if self.contact else text


@dataclass(frozen=True, slots=True)
class SignOff:
    """A person's word on the content of ``scope`` as it was when they signed.

    ``name`` is how the person is named on the record and the PDF (their display name when they
    signed, else their login); ``login`` is who they are in the vault that recorded it.

    ``digest`` is the content digest of the scope at signing (see :mod:`models.signoff`): the
    sign-off is valid exactly while the scope's content still has that digest. ``history`` marks a
    sign-off kept only as a note of the past (brought in from a file and not vouched for by this
    vault): it is shown, but never counts.
    """

    scope: SignOffScope
    name: str
    role: Role
    signed_on: date
    digest: str = ""
    history: bool = False
    login: str = ""  # the vault user who signed, when ``name`` is their display name

    @property
    def user(self) -> str:
        """The login of the person who signed (``name`` for sign-offs that predate logins)."""
        return self.login or self.name


@dataclass(frozen=True, slots=True)
class Unparsed:
    """Text a person typed that is not (yet) a value of its field, such as "31/02/2021" in a date.
    It is kept exactly as typed, so nothing typed is lost, and validation names the problem."""

    text: str


#: A record id: a random UUID in its canonical form (lower-case hex, hyphenated), as the app makes
#: them. Anything else from outside (an imported file, a received PDF, a command line) is refused,
#: so an id can never be a formula, a path or a blob name's suffix.
RECORD_ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_record_id(value: object) -> bool:
    """Whether ``value`` is a record id (see :data:`RECORD_ID_PATTERN`)."""
    return isinstance(value, str) and RECORD_ID_PATTERN.fullmatch(value) is not None


class FamilySource(StrEnum):
    FORM = "form"  # the fillable form, returned as a file
    PAPER = "paper"  # the form printed, written on and entered by a person

    @property
    def provenance(self) -> str:
        return "the family's form" if self is FamilySource.FORM else "the family's paper form"


@dataclass(frozen=True, slots=True)
class FamilyReturn:
    """A family form that came back: which form (its serial), when, how, and the answers it changed."""

    serial: str
    returned_on: date
    source: FamilySource
    fields: tuple[str, ...] = ()
    issued_on: date | None = None
    entered_by: str = ""


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(slots=True)
class Record:
    """One child's record. ``values`` maps "section.field" paths to typed values.

    Value types by field kind: text/note/choice/scale -> str, date -> date, multi -> tuple[str, ...],
    yesno -> bool, number -> int, person -> Person, list -> tuple of dicts (item key -> value).
    Absent paths are empty.
    """

    framework_id: str
    framework_version: int
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    values: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.DRAFT
    export_version: int = 0
    signoffs: list[SignOff] = field(default_factory=list)
    created: datetime = field(default_factory=_now)
    updated: datetime = field(default_factory=_now)
    provenance: dict[str, str] = field(default_factory=dict)  # path -> where an answer came from
    # Text typed that is not a value of its field, by path: "section.field" for a field,
    # "section.field.N.key" for item ``key`` of entry N (from 0) of a list field.
    typed: dict[str, str] = field(default_factory=dict)
    exported_digest: str = ""  # the record's content digest when it was last exported
    exported_on: date | None = None  # the day the last export was made (None: never, or not known)
    pictures: tuple[Picture, ...] = ()  # the child's drawings and photos (All about me)
    family_returns: tuple[FamilyReturn, ...] = ()  # family forms read into this record

    def get(self, path: str) -> Any:
        """The field's value; None when it is empty or holds only text kept as typed."""
        return self.values.get(path)

    def set(self, path: str, value: Any) -> None:
        """Set a field. ``value`` may be :class:`Unparsed` (kept as typed, replacing any value),
        and the entries of a list field may hold Unparsed items."""
        for key in [k for k in self.typed if k == path or k.startswith(path + ".")]:
            del self.typed[key]
        if isinstance(value, Unparsed):
            self.values.pop(path, None)
            self.typed[path] = value.text
            return
        if isinstance(value, tuple) and value and isinstance(value[0], dict):
            clean: list[dict[str, Any]] = []
            for n, item in enumerate(value):
                kept = {}
                for key, sub in item.items():
                    if isinstance(sub, Unparsed):
                        self.typed[f"{path}.{n}.{key}"] = sub.text
                    else:
                        kept[key] = sub
                clean.append(kept)
            value = tuple(clean)
        if value is None or value == "" or value == () or value == []:
            self.values.pop(path, None)
        else:
            self.values[path] = value

    def entered(self, path: str) -> Any:
        """What the person entered in the field: its value, or :class:`Unparsed` text kept as
        typed (also inside list entries). The editor shows this; exports never hold Unparsed."""
        if path in self.typed:
            return Unparsed(self.typed[path])
        value = self.values.get(path)
        prefix = path + "."
        if not any(k.startswith(prefix) for k in self.typed):
            return value
        items = [dict(item) for item in value or ()]
        for key, text in self.typed.items():
            if not key.startswith(prefix):
                continue
            index, _, sub = key[len(prefix) :].partition(".")
            if index.isdigit():
                while len(items) <= int(index):
                    items.append({})
                items[int(index)][sub] = Unparsed(text)
        return tuple(items)

    def copy(self) -> Record:
        """An independent copy. Values are immutable except the entries of list fields (dicts),
        which are copied one level; this is ten times cheaper than a deep copy on every save."""
        values = {
            path: tuple(dict(item) for item in value)
            if isinstance(value, tuple) and value and isinstance(value[0], dict)
            else value
            for path, value in self.values.items()
        }
        return Record(
            framework_id=self.framework_id,
            framework_version=self.framework_version,
            id=self.id,
            values=values,
            status=self.status,
            export_version=self.export_version,
            signoffs=list(self.signoffs),
            created=self.created,
            updated=self.updated,
            provenance=dict(self.provenance),
            typed=dict(self.typed),
            exported_digest=self.exported_digest,
            exported_on=self.exported_on,
            pictures=self.pictures,
            family_returns=self.family_returns,
        )

    @property
    def display_name(self) -> str:
        first = self.get("child.preferred_name") or self.get("child.legal_forenames") or ""
        last = self.get("child.legal_surname") or ""
        name = f"{first} {last}".strip()
        return name or "Unnamed child"

    def signoff(self, scope: SignOffScope) -> SignOff | None:
        """The current sign-off of ``scope`` (valid or not; see :mod:`models.signoff`), never one
        kept only as history."""
        for s in self.signoffs:
            if s.scope == scope and not s.history:
                return s
        return None

    def content_equals(self, other: Record) -> bool:
        return (
            self.values == other.values
            and self.typed == other.typed
            and self.pictures == other.pictures
        )
