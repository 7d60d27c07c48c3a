"""A child's transition record: typed values keyed by framework path, plus workflow state."""

from __future__ import annotations

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
    scope: SignOffScope
    name: str
    role: Role
    signed_on: date


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
    pictures: tuple[Picture, ...] = ()  # the child's drawings and photos (All about me)
    family_returns: tuple[FamilyReturn, ...] = ()  # family forms read into this record

    def get(self, path: str) -> Any:
        return self.values.get(path)

    def set(self, path: str, value: Any) -> None:
        if value is None or value == "" or value == () or value == []:
            self.values.pop(path, None)
        else:
            self.values[path] = value

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
        for s in self.signoffs:
            if s.scope == scope:
                return s
        return None

    def content_equals(self, other: Record) -> bool:
        return self.values == other.values and self.pictures == other.pictures
