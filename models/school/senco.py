"""The school SENCO's review queue, from the SEND sections of received records.

Items: each agreed action of a personalised SEND transition plan (owner and due date), the next
annual review of an EHC plan, section 23 notifications, and children on a specialist waiting list
("waiting well": the school picks up the referral so the family does not fall through the gap).

Order: overdue items first (the longest overdue first), then dated items soonest first, then
undated items (longest waiting first). ``today`` is injected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from models.record import Record


class QueueKind(StrEnum):
    ACTION = "action"
    EHC_REVIEW = "ehc_review"
    SECTION_23 = "section23"
    WAITING = "waiting"

    @property
    def label(self) -> str:
        return {
            QueueKind.ACTION: "Transition plan action",
            QueueKind.EHC_REVIEW: "EHC plan annual review",
            QueueKind.SECTION_23: "Section 23 notification",
            QueueKind.WAITING: "Waiting well",
        }[self]


@dataclass(frozen=True, slots=True)
class QueueItem:
    kind: QueueKind
    record_id: str
    child: str
    what: str
    owner: str
    due: date | None  # the date it is due (actions, reviews); None for undated items
    since: date | None  # when a notice arrived or a wait began
    overdue: bool
    days: int  # days overdue (>0), days left (<=0 as negative) for dated; days waiting for undated

    @property
    def key(self) -> str:
        """A stable name for this item, under which a SENCO's review is recorded."""
        return f"{self.record_id}|{self.kind.value}|{self.what}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind.value,
            "kind_label": self.kind.label,
            "record_id": self.record_id,
            "child": self.child,
            "what": self.what,
            "owner": self.owner,
            "due": self.due.isoformat() if self.due else None,
            "since": self.since.isoformat() if self.since else None,
            "overdue": self.overdue,
            "days": self.days,
        }


def _date(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def _items(record: Record, today: date) -> list[QueueItem]:
    child = record.display_name
    out: list[QueueItem] = []

    def dated(
        kind: QueueKind, what: str, owner: str, due: date | None, since: date | None = None
    ) -> None:
        overdue = due is not None and due < today
        days = (today - due).days if due is not None else ((today - since).days if since else 0)
        out.append(QueueItem(kind, record.id, child, what, owner, due, since, overdue, days))

    for item in record.get("send.meeting_actions") or ():
        what = str(item.get("action") or "An agreed action")
        dated(
            QueueKind.ACTION,
            what,
            str(item.get("owner") or "No owner named"),
            _date(item.get("due")),
        )
    review = _date(record.get("send.ehc_next_review"))
    if review is not None:
        la = record.get("send.ehc_la") or "the local authority"
        dated(
            QueueKind.EHC_REVIEW,
            f"Next annual review of the EHC plan ({la})",
            "School SENCO",
            review,
        )
    if record.get("send.section23") is True:
        since = _date(record.get("send.section23_date"))
        dated(
            QueueKind.SECTION_23,
            "Section 23 notification received: plan for the child's special educational needs",
            "School SENCO",
            None,
            since,
        )
    for prof in record.get("send.professionals") or ():
        if prof.get("status") == "waiting":
            since = _date(prof.get("waiting_since"))
            service = prof.get("service") or "a specialist service"
            dated(
                QueueKind.WAITING,
                f"Waiting for {service}: keep the referral moving",
                "School SENCO",
                None,
                since,
            )
    return out


def _sort_key(item: QueueItem) -> tuple[int, int, str, str]:
    if item.overdue:
        return (0, -item.days, item.child.casefold(), item.what)
    if item.due is not None:
        return (1, item.due.toordinal(), item.child.casefold(), item.what)
    return (2, -item.days, item.child.casefold(), item.what)


def senco_queue(records: Iterable[Record], today: date) -> list[QueueItem]:
    items = [i for r in records for i in _items(r, today)]
    return sorted(items, key=_sort_key)
