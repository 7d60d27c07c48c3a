"""Retention: the records whose keeping period under the charter has ended, and their secure
deletion once a manager confirms (each deletion is written to the audit trail)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from models.errors import PermissionDenied
from models.names import listed_names
from models.roles import Permission, can
from transitions_app.services.charter_service import CharterService
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class DueRecord:
    record_id: str
    child: str
    left_on: date
    delete_after: date


class RetentionService:
    def __init__(self, vault: VaultService, *, clock: Clock | None = None) -> None:
        self._vault = vault
        self._clock = clock or (lambda: datetime.now(UTC))
        self._charters = CharterService(vault, clock=self._clock)

    def due(self) -> list[DueRecord]:
        charter = self._charters.require_charter()
        records = {r.id: r for r in self._vault.list_records()}
        names = listed_names(records.values())  # two children of one name told apart
        today = self._clock().astimezone(UTC).date()
        return [
            DueRecord(d.record_id, names[d.record_id], d.left_on, d.delete_after)
            for d in charter.retention_due(records.values(), today)
        ]

    def delete_due(self, confirmed_ids: set[str]) -> list[DueRecord]:
        """Delete the due records the manager confirmed (ids not due are left alone)."""
        if not can(self._vault.user.role, Permission.DELETE_RECORDS):
            raise PermissionDenied("Only a manager can delete records.")
        deleted = []
        for item in self.due():
            if item.record_id in confirmed_ids:
                self._vault.delete(item.record_id)
                self._vault.record_event(
                    "retention_deleted",
                    item.record_id,
                    {"delete_after": item.delete_after.isoformat()},
                )
                deleted.append(item)
        return deleted
