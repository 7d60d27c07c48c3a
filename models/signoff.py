"""Sign-offs bound to the content they signed, and the status that follows from them.

A sign-off records who signed, in which role, when, and the *content digest* of its scope: the
whole record for the practitioner and the manager, section 8 for the SENCO. It is valid exactly
while the current content of that scope has the same digest, so an edit makes it "changed since
signed off by …", and undoing the edit makes it valid again, with no special case anywhere.

The record's status is worked out from the same facts (:func:`derive_status`), never typed or
taken from a file: exported (unchanged since the last export), changed after export, signed off
(a valid practitioner sign-off), ready for review (asked for by a person) or draft.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from models.framework.definition import Framework
from models.framework.registry import get_framework
from models.pictures import PICTURE_SECTION
from models.record import Record, SignOff, SignOffScope, Status
from models.roles import Role
from models.values import to_json_value

SEND_SECTION = "send"
# Filled in from the school's end-of-Reception return after export: not what the setting signs.
NOT_SIGNED_SECTIONS = frozenset({"outcome"})


def scope_sections(framework: Framework, scope: SignOffScope) -> tuple[str, ...]:
    """The sections whose content a sign-off of ``scope`` covers."""
    if scope is SignOffScope.SEND:
        return tuple(s.key for s in framework.sections if s.key == SEND_SECTION)
    return tuple(s.key for s in framework.sections if s.key not in NOT_SIGNED_SECTIONS)


def covers(scope: SignOffScope, path: str) -> bool:
    """Whether changing the field at ``path`` changes the content a ``scope`` sign-off covers."""
    section = path.split(".", 1)[0]
    if scope is SignOffScope.SEND:
        return section == SEND_SECTION
    return section not in NOT_SIGNED_SECTIONS


def content_digest(record: Record, scope: SignOffScope) -> str:
    """SHA-256 (hex) of the record's content in ``scope``: its id, framework, every value of the
    scope's sections in their JSON form, any text kept as typed there, and the pictures (each
    image and caption) when the scope shows them."""
    fw = get_framework(record.framework_id, record.framework_version)
    sections = scope_sections(fw, scope)
    values: dict[str, Any] = {}
    for key in sections:
        for fd in fw.section(key).fields:
            value = record.get(fd.path)
            if value is not None:
                values[fd.path] = to_json_value(fd, value)
    typed = {path: text for path, text in record.typed.items() if path.split(".", 1)[0] in sections}
    payload: dict[str, Any] = {
        "record": record.id,
        "framework": [record.framework_id, record.framework_version],
        "sections": list(sections),
        "values": values,
        "typed": typed,
    }
    if record.pictures and PICTURE_SECTION in sections:  # absent when none: older digests hold
        payload["pictures"] = [
            [p.id, hashlib.sha256(p.data).hexdigest(), p.caption] for p in record.pictures
        ]
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_digest(record: Record) -> str:
    """The digest of the whole record's content (what an export and the practitioner sign)."""
    return content_digest(record, SignOffScope.RECORD)


class _Digests:
    """Digests of one record, each worked out at most once."""

    __slots__ = ("_done", "_record")

    def __init__(self, record: Record) -> None:
        self._record = record
        self._done: dict[bool, str] = {}

    def of(self, scope: SignOffScope) -> str:
        send = scope is SignOffScope.SEND
        if send not in self._done:
            self._done[send] = content_digest(self._record, scope)
        return self._done[send]


def is_valid(record: Record, signoff: SignOff, digests: _Digests | None = None) -> bool:
    """A sign-off counts while its scope's content is exactly what was signed."""
    if signoff.history or not signoff.digest:
        return False
    return (digests or _Digests(record)).of(signoff.scope) == signoff.digest


def short_day(day: date) -> str:
    return f"{day.day} {day:%B}"


def who(signoff: SignOff) -> str:
    """ "Sam Okafor (SENCO)"."""
    return f"{signoff.name} ({signoff.role.label})"


@dataclass(frozen=True, slots=True)
class SignOffState:
    signoff: SignOff
    valid: bool

    @property
    def scope(self) -> SignOffScope:
        return self.signoff.scope

    def describe(self) -> str:
        """ "Signed off by …, 12 May" or "Changed since signed off by …, 12 May"."""
        s = self.signoff
        when = short_day(s.signed_on)
        if s.history:
            return f"Signed off elsewhere by {who(s)}, {when} (kept as history only)"
        if self.valid:
            return f"Signed off by {who(s)}, {when}"
        return f"Changed since signed off by {who(s)}, {when}"


def signoff_states(record: Record) -> list[SignOffState]:
    """Every sign-off on the record with whether it is valid now, in the record's order."""
    digests = _Digests(record)
    return [SignOffState(s, is_valid(record, s, digests)) for s in record.signoffs]


def valid_scopes(record: Record) -> set[SignOffScope]:
    return {state.scope for state in signoff_states(record) if state.valid}


def changed_signoffs(record: Record) -> list[SignOff]:
    """Current sign-offs (not history) whose content has changed since they were given."""
    return [st.signoff for st in signoff_states(record) if not st.valid and not st.signoff.history]


def signoffs_covering(record: Record, path: str) -> list[SignOff]:
    """The valid sign-offs an edit of ``path`` would need again."""
    return [st.signoff for st in signoff_states(record) if st.valid and covers(st.scope, path)]


def derive_status(record: Record, *, ready: bool | None = None) -> Status:
    """The record's status from its content, sign-offs and last export. ``ready`` is whether a
    person asked for review (default: the status the record holds says so)."""
    if ready is None:
        ready = record.status is Status.READY_FOR_REVIEW
    digests = _Digests(record)
    practitioner = record.signoff(SignOffScope.RECORD)
    signed = practitioner is not None and is_valid(record, practitioner, digests)
    if record.export_version > 0:
        if record.exported_digest and record.exported_digest == digests.of(SignOffScope.RECORD):
            return Status.EXPORTED
        return Status.SIGNED_OFF if signed else Status.CHANGED_AFTER_EXPORT
    if signed:
        return Status.SIGNED_OFF
    return Status.READY_FOR_REVIEW if ready else Status.DRAFT


def with_signoff(
    record: Record, scope: SignOffScope, name: str, role: Role, day: date, login: str = ""
) -> Record:
    """A copy of ``record`` signed off for ``scope`` by ``name`` (the user ``login``) in ``role``
    on ``day``, bound to the scope's content now; it replaces the scope's previous sign-off
    (history is kept)."""
    signed = record.copy()
    signed.signoffs = [s for s in record.signoffs if s.scope != scope or s.history]
    signed.signoffs.append(
        SignOff(
            scope,
            name,
            role,
            day,
            content_digest(record, scope),
            login=login if login != name else "",
        )
    )
    signed.status = derive_status(signed)
    return signed


def bind_legacy_signoffs(record: Record) -> bool:
    """Give a stored record written before sign-offs carried digests its digests. Back then any
    change removed every sign-off, so a stored sign-off was valid for the stored content. Returns
    whether anything changed."""
    legacy = [s for s in record.signoffs if not s.digest and not s.history]
    exported = (
        record.status is Status.EXPORTED
        and record.export_version > 0
        and not record.exported_digest
    )
    if not legacy and not exported:
        return False
    digests = _Digests(record)
    record.signoffs = [
        SignOff(s.scope, s.name, s.role, s.signed_on, digests.of(s.scope), login=s.login)
        if (not s.digest and not s.history)
        else s
        for s in record.signoffs
    ]
    if exported:
        record.exported_digest = digests.of(SignOffScope.RECORD)
    return True


def as_history(signoffs: Iterable[SignOff]) -> list[SignOff]:
    return [
        SignOff(s.scope, s.name, s.role, s.signed_on, s.digest, True, s.login) for s in signoffs
    ]


def next_export_words(record: Record) -> str:
    """How the record's next export is described before it is sent: "" for a first export, else
    "version 2 (changed since version 1 was sent on 3 November 2026)" or "(… unchanged since …)"."""
    if record.export_version <= 0:
        return ""
    sent = record.export_version
    when = (
        f" was sent on {record.exported_on.day} {record.exported_on:%B %Y}"
        if record.exported_on is not None
        else " was sent"
    )
    changed = not record.exported_digest or record.exported_digest != record_digest(record)
    how = "changed" if changed else "unchanged"
    return f"version {sent + 1} ({how} since version {sent}{when})"
