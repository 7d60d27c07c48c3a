"""Where each child's record stands with the school: sent, received, read (the setting's view).

Built from the setting's own records (the version it last exported) and the signed receipts
schools sent back. One definition, used by the dashboard's column and the feedback page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from models.record import Record


class Stage(IntEnum):
    NOT_SENT = 0
    SENT = 1
    RECEIVED_OLDER = 2  # the school confirmed an earlier version than the newest sent
    RECEIVED = 3
    READ = 4


@dataclass(frozen=True, slots=True)
class Handover:
    sent_version: int
    received_version: int | None = None
    received_on: str = ""
    school: str = ""
    read_by: str = ""
    read_on: str = ""

    @property
    def stage(self) -> Stage:
        if not self.sent_version:
            return Stage.NOT_SENT
        if self.received_version is None:
            return Stage.SENT
        if self.received_version < self.sent_version:
            return Stage.RECEIVED_OLDER
        return Stage.READ if self.read_by else Stage.RECEIVED

    def short(self) -> str:
        """A few words for a table cell."""
        stage = self.stage
        if stage is Stage.NOT_SENT:
            return "Not sent"
        if stage is Stage.SENT:
            return f"Sent (v{self.sent_version}), no receipt yet"
        if stage is Stage.RECEIVED_OLDER:
            return f"Sent v{self.sent_version}; school has v{self.received_version}"
        if stage is Stage.RECEIVED:
            return f"Received (v{self.received_version})"
        return f"Read by {self.read_by}"


@dataclass(frozen=True, slots=True)
class Receipted:
    """What the newest receipts say about one record."""

    received_on: str
    school: str
    version: int | None
    read_by: str = ""
    read_on: str = ""


def receipt_index(receipts: Iterable[Mapping[str, Any]]) -> dict[str, Receipted]:
    """Record id -> what the receipts say; for each record the newest receipt item wins."""
    received: dict[str, tuple[str, str, int | None]] = {}
    read: dict[str, tuple[str, str]] = {}
    for receipt in receipts:
        for item in receipt.get("records", []) or []:
            if not isinstance(item, Mapping):
                continue
            rid = str(item.get("record_id"))
            when = str(item.get("received_at") or receipt.get("signed_at") or "")[:10]
            version = item.get("export_version")
            number = (
                int(version) if isinstance(version, int | str) and str(version).isdigit() else None
            )
            if rid not in received or when > received[rid][0]:
                received[rid] = (when, str(receipt.get("school", "")), number)
            if item.get("read_by"):
                read[rid] = (str(item["read_by"]), str(item.get("read_on") or ""))
    return {
        rid: Receipted(when, school, version, *read.get(rid, ("", "")))
        for rid, (when, school, version) in received.items()
    }


def handover(record: Record, index: Mapping[str, Receipted]) -> Handover:
    got = index.get(record.id)
    if got is None:
        return Handover(record.export_version)
    return Handover(
        record.export_version, got.version, got.received_on, got.school, got.read_by, got.read_on
    )


def handovers(
    records: Iterable[Record], receipts: Iterable[Mapping[str, Any]]
) -> dict[str, Handover]:
    """Record id -> :class:`Handover`."""
    index = receipt_index(receipts)
    return {record.id: handover(record, index) for record in records}
