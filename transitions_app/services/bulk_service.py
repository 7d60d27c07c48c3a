"""Changing several children's records at once (the dashboard's selection), and taking it back.

Each change goes through the vault service's ``save`` one record at a time, so every role rule,
audit entry and conflict check applies as for an edit in the editor. A record already signed off
or exported is left alone unless the caller says otherwise (changing it would re-open it and undo
could not give its sign-offs back). The answer, :class:`BulkResult`, says what changed, what was
already so and what was left alone and why; :meth:`BulkService.undo` takes a result back where
nobody has changed those records since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from models.errors import PermissionDenied, TransitionsError
from models.framework.registry import get_framework
from models.record import Record, Status
from models.roles import Permission, can
from models.validation import validate_value
from transitions_app.services.vault_service import UserInfo

__all__ = ["BulkResult", "BulkService", "Skipped"]

_SETTABLE = frozenset(
    {"child.school_name", "child.school_urn", "child.school_class", "child.school_start_date"}
)
_LOCKED = frozenset({Status.SIGNED_OFF, Status.EXPORTED, Status.CHANGED_AFTER_EXPORT})


class _Vault(Protocol):
    @property
    def user(self) -> UserInfo: ...

    def load(self, record_id: str) -> Record: ...

    def save(self, record: Record) -> Record: ...

    def record_event(self, action: str, record_id: str | None, detail: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class Skipped:
    record_id: str
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class _Before:
    record_id: str
    name: str
    values: tuple[tuple[str, Any], ...]  # path -> value before the change
    status: Status


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What one bulk action did. ``changed`` are the records saved (as stored afterwards)."""

    what: str  # "set" or "ready"
    values: tuple[tuple[str, Any], ...]  # what was set (empty for "ready")
    changed: tuple[Record, ...] = ()
    already: tuple[str, ...] = ()  # names of children that already had it
    skipped: tuple[Skipped, ...] = ()
    reopened: tuple[str, ...] = ()  # names of signed-off records the change re-opened
    before: tuple[_Before, ...] = field(default=(), repr=False)

    @property
    def count(self) -> int:
        return len(self.changed)


class BulkService:
    def __init__(self, vault: _Vault) -> None:
        self._vault = vault

    def _require_edit(self) -> None:
        if not can(self._vault.user.role, Permission.EDIT_RECORDS):
            raise PermissionDenied("Your role cannot change records.")

    @staticmethod
    def _check_values(record: Record, values: Mapping[str, Any]) -> None:
        fw = get_framework(record.framework_id, record.framework_version)
        for path, value in values.items():
            if path not in _SETTABLE:
                raise TransitionsError(f"“{path}” cannot be set for several children at once.")
            problem = validate_value(fw.field(path), value)
            if problem:
                raise TransitionsError(f"{fw.field(path).label}: {problem}")

    def set_values(
        self,
        record_ids: Iterable[str],
        values: Mapping[str, Any],
        *,
        include_signed_off: bool = False,
    ) -> BulkResult:
        """Set the receiving school (name and URN), class or start date on each record."""
        self._require_edit()
        if not values:
            raise TransitionsError("Nothing to set.")
        changed: list[Record] = []
        already: list[str] = []
        skipped: list[Skipped] = []
        reopened: list[str] = []
        before: list[_Before] = []
        checked = False
        for record_id in dict.fromkeys(record_ids):
            try:
                record = self._vault.load(record_id)
            except TransitionsError as exc:
                skipped.append(Skipped(record_id, record_id, str(exc)))
                continue
            if not checked:
                self._check_values(record, values)
                checked = True
            if all(record.get(p) == v for p, v in values.items()):
                already.append(record.display_name)
                continue
            if record.status in _LOCKED and not include_signed_off:
                skipped.append(
                    Skipped(
                        record.id,
                        record.display_name,
                        f"{record.status.label}: changing it would re-open it for signing off again.",
                    )
                )
                continue
            old = tuple((p, record.get(p)) for p in values)
            for path, value in values.items():
                record.set(path, value)
            try:
                saved = self._vault.save(record)
            except TransitionsError as exc:
                skipped.append(Skipped(record.id, record.display_name, str(exc)))
                continue
            if record.status == Status.SIGNED_OFF and saved.status == Status.DRAFT:
                reopened.append(saved.display_name)
            before.append(_Before(record.id, record.display_name, old, record.status))
            changed.append(saved)
        result = BulkResult(
            "set",
            tuple(values.items()),
            tuple(changed),
            tuple(already),
            tuple(skipped),
            tuple(reopened),
            tuple(before),
        )
        self._audit("bulk_set", result)
        return result

    def mark_ready(self, record_ids: Iterable[str]) -> BulkResult:
        """Mark each draft ready for review; records further on are left as they are."""
        self._require_edit()
        changed: list[Record] = []
        already: list[str] = []
        skipped: list[Skipped] = []
        before: list[_Before] = []
        for record_id in dict.fromkeys(record_ids):
            try:
                record = self._vault.load(record_id)
            except TransitionsError as exc:
                skipped.append(Skipped(record_id, record_id, str(exc)))
                continue
            if record.status == Status.READY_FOR_REVIEW:
                already.append(record.display_name)
                continue
            if record.status != Status.DRAFT:
                skipped.append(
                    Skipped(
                        record.id, record.display_name, f"Already {record.status.label.lower()}."
                    )
                )
                continue
            record.status = Status.READY_FOR_REVIEW
            try:
                saved = self._vault.save(record)
            except TransitionsError as exc:
                skipped.append(Skipped(record.id, record.display_name, str(exc)))
                continue
            before.append(_Before(record.id, record.display_name, (), Status.DRAFT))
            changed.append(saved)
        result = BulkResult(
            "ready", (), tuple(changed), tuple(already), tuple(skipped), (), tuple(before)
        )
        self._audit("bulk_ready", result)
        return result

    def undo(self, result: BulkResult) -> BulkResult:
        """Put back what ``result`` changed, record by record, where nobody has changed those
        values (or that status) since. Returns what was put back and what was left."""
        self._require_edit()
        set_to = dict(result.values)
        changed: list[Record] = []
        skipped: list[Skipped] = []
        for old in result.before:
            try:
                record = self._vault.load(old.record_id)
            except TransitionsError as exc:
                skipped.append(Skipped(old.record_id, old.name, str(exc)))
                continue
            if result.what == "ready":
                if record.status != Status.READY_FOR_REVIEW:
                    skipped.append(Skipped(record.id, old.name, "Its status has changed since."))
                    continue
                record.status = old.status
            else:
                if any(record.get(p) != set_to.get(p) for p, _v in old.values):
                    skipped.append(Skipped(record.id, old.name, "Someone has changed it since."))
                    continue
                for path, value in old.values:
                    record.set(path, value)
            try:
                changed.append(self._vault.save(record))
            except TransitionsError as exc:
                skipped.append(Skipped(record.id, old.name, str(exc)))
        undone = BulkResult(result.what, result.values, tuple(changed), (), tuple(skipped))
        self._audit("bulk_undone", undone)
        return undone

    def redo(self, result: BulkResult) -> BulkResult:
        """Make the change of ``result`` again on the records it changed."""
        ids = [b.record_id for b in result.before]
        if result.what == "ready":
            return self.mark_ready(ids)
        return self.set_values(ids, dict(result.values), include_signed_off=bool(result.reopened))

    def _audit(self, action: str, result: BulkResult) -> None:
        if result.changed:
            self._vault.record_event(
                action,
                None,
                {
                    "records": [r.id for r in result.changed],
                    "fields": [p for p, _v in result.values],
                },
            )
