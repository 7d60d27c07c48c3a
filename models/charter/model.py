"""A transitions charter as typed data, and the rules it asks the app to enforce.

The charter is parsed from its TOML file by :mod:`models.charter.parse`; everything here is frozen
and pure. The clock is always passed in as ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models.completeness import ItemKind, MissingItem, Requirement
from models.errors import CharterViolation
from models.framework.definition import Condition, Framework, SectionDef, is_empty
from models.record import Record, SignOffScope

# Where the record keeps what the consent and retention rules read (framework v1 paths). One
# place, so the charter format does not make local authorities spell out field paths.
CONSENT_GIVEN_PATH = "consent.consent_given"
CONSENT_SCOPE_PATH = "consent.consent_scope"
CONSENT_WITHDRAWN_PATH = "consent.consent_withdrawn"
DEFAULT_LEFT_ON_PATH = "child.school_start_date"
RECORD_STATUS_PATH = "record.status"  # a pseudo-path conditions may use: the record's status
CHARTER_SOURCE = "charter"


class SignatureLevel(StrEnum):
    SELF_SIGNED_ALLOWED = "self_signed_allowed"  # a self-signed setting certificate is accepted
    LA_ISSUED = "la_issued"  # the setting must sign with a certificate the LA issued


class _View:
    """A record seen through the charter: adds the ``record.status`` pseudo-path."""

    __slots__ = ("_record",)

    def __init__(self, record: Record) -> None:
        self._record = record

    def get(self, path: str) -> Any:
        if path == RECORD_STATUS_PATH:
            return self._record.status.value
        return self._record.get(path)


def _holds(condition: Condition | None, record: Record) -> bool:
    return condition is None or condition.holds(_View(record))


def describe_condition(condition: Condition) -> str:
    if condition.is_set:
        return f"when {condition.path} is filled in"
    return f"when {condition.path} is {' or '.join(condition.any_of)}"


# --------------------------------------------------------------------------- the charter's parts


@dataclass(frozen=True, slots=True)
class Identity:
    id: str
    title: str
    issuing_la: str
    version: str
    in_force: dt.date
    expires: dt.date


@dataclass(frozen=True, slots=True)
class FrameworkAcceptance:
    id: str
    versions: tuple[int, ...]

    def accepts(self, framework_id: str, version: int) -> bool:
        return framework_id == self.id and version in self.versions


@dataclass(frozen=True, slots=True)
class RequiredItem:
    """A field ("section.field") or a whole section ("section") that must be filled in."""

    path: str
    reason: str
    when: Condition | None = None

    @property
    def is_section(self) -> bool:
        return "." not in self.path


@dataclass(frozen=True, slots=True)
class Deadline:
    name: str
    month: int
    day: int
    applies_when: Condition | None = None  # only children this holds for (None: every child)
    done_when: Condition | None = None  # the deadline is met for a child when this holds
    note: str = ""

    def due_in_year_of(self, today: dt.date) -> dt.date:
        """The due date in the academic year (1 September to 31 August) holding ``today``."""
        start = today.year if today.month >= 9 else today.year - 1
        return dt.date(start if self.month >= 9 else start + 1, self.month, self.day)


@dataclass(frozen=True, slots=True)
class ConsentPolicy:
    required_before_export: bool
    separate_consent_sections: tuple[str, ...] = ()
    withdrawal_blocks_export: bool = True


@dataclass(frozen=True, slots=True)
class SignOffPolicy:
    scopes: tuple[SignOffScope, ...]
    when: tuple[tuple[SignOffScope, Condition], ...] = ()  # a scope needed only when this holds

    def condition_for(self, scope: SignOffScope) -> Condition | None:
        for s, cond in self.when:
            if s is scope:
                return cond
        return None


@dataclass(frozen=True, slots=True)
class ExportPolicy:
    encrypt_for_recipient: bool
    signature_level: SignatureLevel
    handling_note: str


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    years_after_leaving: int
    left_on_path: str = DEFAULT_LEFT_ON_PATH
    action: str = ""

    def delete_after(self, left_on: dt.date) -> dt.date:
        year = left_on.year + self.years_after_leaving
        try:
            return left_on.replace(year=year)
        except ValueError:  # 29 February into a common year
            return dt.date(year, 3, 1)


@dataclass(frozen=True, slots=True)
class School:
    name: str
    urn: str
    email: str
    encryption_cert_pem: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    email: str
    phone: str = ""


# --------------------------------------------------------------------------- rule answers


@dataclass(frozen=True, slots=True)
class DeadlineStatus:
    name: str
    due: dt.date
    days_left: int  # negative once the date has passed
    overdue: bool
    done: bool = False


@dataclass(frozen=True, slots=True)
class RetentionDue:
    record_id: Any
    left_on: dt.date
    delete_after: dt.date


# --------------------------------------------------------------------------- the charter


@dataclass(frozen=True, slots=True)
class Charter:
    identity: Identity
    framework: FrameworkAcceptance
    required: tuple[RequiredItem, ...]
    deadlines: tuple[Deadline, ...]
    consent: ConsentPolicy
    signoff: SignOffPolicy
    export: ExportPolicy
    retention: RetentionPolicy
    schools: tuple[School, ...]
    la_contact: Contact
    gld_target_percent: float | None = None

    # -- identity

    def in_force_on(self, today: dt.date) -> bool:
        return self.identity.in_force <= today <= self.identity.expires

    def school(self, urn: str) -> School | None:
        for s in self.schools:
            if s.urn == urn:
                return s
        return None

    # -- export rules

    def requirements(self) -> tuple[Requirement, ...]:
        """The charter's required fields as ``models.completeness`` requirements (for the
        editor's completeness bars). Whole-section items are checked by :meth:`missing_for_export`."""
        return tuple(
            Requirement(path=r.path, condition=r.when, reason=r.reason, source=CHARTER_SOURCE)
            for r in self.required
            if not r.is_section
        )

    def missing_for_export(self, record: Record, today: dt.date) -> list[MissingItem]:
        """Everything that still stops this record being exported under the charter: the
        framework's required fields, the charter's required items, field problems, consent and
        sign-offs (missing or changed since given). An empty list means export is allowed.
        This is :func:`models.readiness.blockers`, the one answer every screen and command uses."""
        from models.readiness import blockers

        return blockers(record, self, today)

    def charter_items(self, record: Record, today: dt.date) -> list[MissingItem]:
        """What stops export whatever the record holds: a record of a framework version the
        charter does not accept, or a charter past its expiry date."""
        out: list[MissingItem] = []
        fw = self.framework
        if not fw.accepts(record.framework_id, record.framework_version):
            versions = ", ".join(str(v) for v in fw.versions)
            out.append(
                _charter_item(
                    "",
                    "Framework version",
                    "",
                    f"The charter accepts framework {fw.id} version {versions}, but the record is "
                    f"written under {record.framework_id} version {record.framework_version}.",
                )
            )
            return out
        if today > self.identity.expires:
            out.append(
                _charter_item(
                    "",
                    "Current charter",
                    "",
                    f"The charter expired on {self.identity.expires.isoformat()}; import the "
                    "current one from your local authority.",
                )
            )
        return out

    def required_signoffs(self, record: Record) -> tuple[SignOffScope, ...]:
        """The sign-offs this charter asks for before this record is exported."""
        return tuple(
            scope
            for scope in self.signoff.scopes
            if _holds(self.signoff.condition_for(scope), record)
        )

    def check_export(self, record: Record, today: dt.date) -> None:
        """Raise :class:`CharterViolation` listing what is missing, if anything."""
        missing = self.missing_for_export(record, today)
        if missing:
            raise CharterViolation(
                f"The charter “{self.identity.title}” does not allow this export yet: "
                f"{len(missing)} item(s) missing.",
                tuple(m.label for m in missing),
            )

    def missing_sections(
        self, record: Record, framework: Framework
    ) -> tuple[list[MissingItem], int]:
        """The whole sections the charter requires that are not completed, and how many whole
        sections it requires of this record."""
        out: list[MissingItem] = []
        applicable = 0
        for item in self.required:
            if not item.is_section or not _holds(item.when, record):
                continue
            applicable += 1
            try:
                section = framework.section(item.path)
            except KeyError:
                title = item.path
                filled = False
            else:
                title = section.title
                filled = _section_filled(record, section)
            if not filled:
                out.append(
                    _charter_item(
                        "",
                        f"Section “{title}”",
                        item.path,
                        item.reason or "The charter requires this section to be completed.",
                    )
                )
        return out, applicable

    def missing_consent(self, record: Record, framework: Framework) -> list[MissingItem]:
        """Consent the charter asks for that is not recorded, or a withdrawal that blocks export."""
        policy = self.consent
        view = _View(record)
        if policy.withdrawal_blocks_export and view.get(CONSENT_WITHDRAWN_PATH) is True:
            return [
                _charter_item(
                    CONSENT_WITHDRAWN_PATH,
                    "Consent withdrawn",
                    "consent",
                    "The parent or carer has withdrawn consent, so the record may not be exported.",
                    ItemKind.CONSENT,
                )
            ]
        out: list[MissingItem] = []
        if policy.required_before_export and view.get(CONSENT_GIVEN_PATH) is not True:
            out.append(
                _charter_item(
                    CONSENT_GIVEN_PATH,
                    "Consent given",
                    "consent",
                    "The charter requires the parent or carer's consent to be recorded before export.",
                    ItemKind.CONSENT,
                )
            )
        scope = view.get(CONSENT_SCOPE_PATH)
        scoped = (
            {str(s) for s in scope} if isinstance(scope, (list, tuple, set, frozenset)) else set()
        )
        for key in policy.separate_consent_sections:
            if key in scoped:
                continue
            try:
                section = framework.section(key)
            except KeyError:
                continue
            if _section_has_values(record, section):
                out.append(
                    _charter_item(
                        CONSENT_SCOPE_PATH,
                        f"Separate consent for “{section.title}”",
                        "consent",
                        f"The charter requires separate consent to share the “{section.title}” section.",
                        ItemKind.CONSENT,
                    )
                )
        return out

    # -- deadlines and retention

    def deadlines_for(self, record: Record, today: dt.date) -> list[DeadlineStatus]:
        """The charter's deadlines that apply to this child in the current academic year."""
        out: list[DeadlineStatus] = []
        for d in self.deadlines:
            if d.applies_when is not None and not _holds(d.applies_when, record):
                continue
            due = d.due_in_year_of(today)
            done = d.done_when is not None and _holds(d.done_when, record)
            days_left = (due - today).days
            out.append(
                DeadlineStatus(
                    d.name, due, days_left, overdue=days_left < 0 and not done, done=done
                )
            )
        return sorted(out, key=lambda s: s.due)

    def retention_due(self, records: Iterable[Record], today: dt.date) -> list[RetentionDue]:
        """Records whose retention period has ended on ``today``: due for secure deletion."""
        out: list[RetentionDue] = []
        for record in records:
            left_on = _as_date(_View(record).get(self.retention.left_on_path))
            if left_on is None:
                continue
            delete_after = self.retention.delete_after(left_on)
            if today >= delete_after:
                out.append(RetentionDue(record.id, left_on, delete_after))
        return out

    # -- plain summary for `charter show --json`

    def summary(self) -> dict[str, Any]:
        i = self.identity
        return {
            "id": i.id,
            "title": i.title,
            "issuing_la": i.issuing_la,
            "version": i.version,
            "in_force": i.in_force.isoformat(),
            "expires": i.expires.isoformat(),
            "framework": {"id": self.framework.id, "versions": list(self.framework.versions)},
            "required": [
                {
                    "path": r.path,
                    "reason": r.reason,
                    "when": describe_condition(r.when) if r.when else None,
                }
                for r in self.required
            ],
            "deadlines": [
                {
                    "name": d.name,
                    "month": d.month,
                    "day": d.day,
                    "applies": describe_condition(d.applies_when)
                    if d.applies_when
                    else "every child",
                }
                for d in self.deadlines
            ],
            "consent": {
                "required_before_export": self.consent.required_before_export,
                "separate_consent_sections": list(self.consent.separate_consent_sections),
                "withdrawal_blocks_export": self.consent.withdrawal_blocks_export,
            },
            "signoff": [
                {
                    "scope": s.value,
                    "when": describe_condition(c)
                    if (c := self.signoff.condition_for(s))
                    else "always",
                }
                for s in self.signoff.scopes
            ],
            "export": {
                "encrypt_for_recipient": self.export.encrypt_for_recipient,
                "signature_level": self.export.signature_level.value,
                "handling_note": self.export.handling_note,
            },
            "retention": {
                "years_after_leaving": self.retention.years_after_leaving,
                "left_on": self.retention.left_on_path,
                "action": self.retention.action,
            },
            "schools": [
                {
                    "name": s.name,
                    "urn": s.urn,
                    "email": s.email,
                    "encryption_cert": s.encryption_cert_pem is not None,
                }
                for s in self.schools
            ],
            "la_contact": {
                "name": self.la_contact.name,
                "email": self.la_contact.email,
                "phone": self.la_contact.phone,
            },
            "gld_target_percent": self.gld_target_percent,
        }


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _charter_item(
    path: str, label: str, section_key: str, reason: str, kind: str = ""
) -> MissingItem:
    if not kind:
        kind = ItemKind.CHARTER if not section_key else ItemKind.REQUIRED
    return MissingItem(path, label, section_key, reason, CHARTER_SOURCE, kind)


def _section_has_values(record: Record, section: SectionDef) -> bool:
    return any(not is_empty(record.get(f.path)) for f in section.fields)


def _section_filled(record: Record, section: SectionDef) -> bool:
    """A whole section counts as completed when it holds at least one value and every field the
    framework requires of this record in it (including conditional ones) is filled."""
    if not _section_has_values(record, section):
        return False
    return all(not is_empty(record.get(f.path)) for f in section.fields if f.is_required(record))
