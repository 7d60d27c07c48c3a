"""The anonymous return a setting or a school sends its local authority: counts, never children.

A return is made from *facts* a service reads out of the vault (one small, typed fact per child
with no names, dates of birth, ids or free text: only the dates and yes/no answers a count needs)
and is nothing but named counts grouped into measures, each with one line saying how it was
counted. Counts from 1 to 4 are suppressed, with complementary suppression so that no suppressed
count can be worked out from the others (:mod:`models.la.suppression`).

Periods are academic years (1 September to 31 August). A setting's return for 2026-27 counts the
children due to start Reception in the next academic year (records are sent during 2026-27 for
children starting in September 2027), and the EYFS profile outcomes schools returned during
2026-27. A school's return counts the records received, files quarantined and outcomes sent
during the period, and the SENCO queue on the day it is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models.la.suppression import Equation, suppress
from models.school.outcomes import GROUPS

SETTING = "setting"
SCHOOL = "school"
KINDS = (SETTING, SCHOOL)
SUPPRESSED = "suppressed"
SUPPRESSION_NOTE = (
    "Counts from 1 to 4 are shown as “suppressed”, and so is any other figure from which a "
    "suppressed count could be worked out."
)
SEND_STATUSES: tuple[tuple[str, str], ...] = (
    ("none", "No identified need"),
    ("monitoring", "Monitoring an emerging concern"),
    ("sen_support", "SEN support"),
    ("ehc_assessment", "EHC needs assessment requested"),
    ("ehc_plan", "EHC plan in place"),
    ("not_recorded", "SEND status not recorded"),
)
SEND_PLUS = ("sen_support", "ehc_assessment", "ehc_plan")
GLD_GROUPS: tuple[tuple[str, str], ...] = GROUPS
READ_WITHIN_DAYS = 14
QUARANTINE_REASONS: tuple[tuple[str, str], ...] = (
    ("not_vouched", "Signer not vouched for by the LA"),
    ("changed", "Changed or damaged since signing"),
    ("revoked", "Signer's certificate revoked"),
    ("expired", "Signer's certificate not valid at signing"),
    ("other", "Other reasons"),
)
# The totals most figures are read against: suppressed only when nothing else protects a count.
KEEP = ("due", "send.plus", "meeting.due", "gld.all.children", "received.total", "senco.items")
MAX_MEASURES = 60
MAX_CELLS = 400
MAX_TEXT = 300

# ----------------------------------------------------------------------------- periods


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """An academic year, 1 September ``start_year`` to 31 August the year after."""

    start_year: int

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def start(self) -> date:
        return date(self.start_year, 9, 1)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 8, 31)

    @property
    def following(self) -> Period:
        return Period(self.start_year + 1)

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    @classmethod
    def holding(cls, day: date) -> Period:
        return cls(day.year if day.month >= 9 else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-27``, ``2026/27`` or ``2026-2027``; ValueError otherwise."""
        match = re.fullmatch(r"\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*", text)
        if not match:
            raise ValueError(f"“{text}” is not an academic year; write it like 2026-27.")
        first, second = int(match.group(1)), match.group(2)
        following = int(second) if len(second) == 4 else (first + 1) % 100
        if (len(second) == 4 and following != first + 1) or (
            len(second) == 2 and int(second) != (first + 1) % 100
        ):
            raise ValueError(f"“{text}” is not an academic year; write it like 2026-27.")
        if not 2000 <= first <= 2200:
            raise ValueError(f"“{text}” is not an academic year this app can report on.")
        return cls(first)


# ----------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class CharterRef:
    id: str
    version: str
    issuing_la: str


@dataclass(frozen=True, slots=True)
class SettingChild:
    """What a setting's return needs to know about one child: dates and yes/no answers only."""

    school_start: date | None
    sent_on: date | None = None  # the first export
    refused_items: tuple[str, ...] = ()  # what stopped an export during the period
    missing_now: tuple[str, ...] = ()  # what the charter would refuse today
    send_status: str | None = None
    coproduced: bool = False
    meeting_on: date | None = None
    meeting_applies: bool = False  # the charter's SEND meeting deadline applies to the child
    waiting: bool = False  # on a specialist waiting list
    receipt: bool = False  # a school's receipt lists the record
    read: bool = False  # and says it was read


@dataclass(frozen=True, slots=True)
class OutcomeFact:
    groups: frozenset[str]  # of boys, fsm, send, eal
    gld: bool


@dataclass(frozen=True, slots=True)
class SettingFacts:
    urn: str
    name: str
    charter: CharterRef
    period: Period
    made_on: date
    children: tuple[SettingChild, ...]
    outcomes: tuple[OutcomeFact, ...] = ()  # returned by schools during the period
    sent_deadline: date | None = None
    meeting_deadline: date | None = None
    meeting_statuses: tuple[str, ...] | None = None  # the statuses the meeting deadline covers
    gld_target: float | None = None


@dataclass(frozen=True, slots=True)
class ReceivedFact:
    imported_on: date
    vouched: bool  # False: released from quarantine after a phone check
    read_on: date | None = None


@dataclass(frozen=True, slots=True)
class SchoolFacts:
    urn: str
    name: str
    charter: CharterRef
    period: Period
    made_on: date
    received: tuple[ReceivedFact, ...]  # imported during the period
    quarantined: tuple[str, ...] = ()  # a QUARANTINE_REASONS key per file quarantined
    senco_items: int = 0
    senco_overdue: int = 0
    outcome_children: int = 0
    outcome_settings: int = 0


def quarantine_reason(reason: str) -> str:
    """The QUARANTINE_REASONS key for a verifier's reason sentence."""
    text = reason.casefold()
    if "not vouched" in text:
        return "not_vouched"
    if "revoked" in text:
        return "revoked"
    if "expired" in text or "not yet valid" in text or "not valid" in text:
        return "expired"
    if "changed" in text or "damaged" in text or "not a signed" in text or "not signed" in text:
        return "changed"
    return "other"


# ----------------------------------------------------------------------------- the return


@dataclass(frozen=True, slots=True)
class Cell:
    key: str
    label: str
    value: int | None  # None: suppressed


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    title: str
    how: str
    cells: tuple[Cell, ...]

    def cell(self, key: str) -> Cell | None:
        return next((c for c in self.cells if c.key == key), None)


@dataclass(frozen=True, slots=True)
class LaReturn:
    kind: str
    period: Period
    made_on: date
    charter: CharterRef
    urn: str
    name: str
    measures: tuple[Measure, ...]
    deadlines: Mapping[str, date] = field(default_factory=dict)
    gld_target: float | None = None

    def value(self, key: str) -> int | None:
        """A cell's count; None when it is suppressed; KeyError when the return has no such cell."""
        for m in self.measures:
            c = m.cell(key)
            if c is not None:
                return c.value
        raise KeyError(key)

    def get(self, key: str) -> int | None:
        try:
            return self.value(key)
        except KeyError:
            return None

    def has(self, key: str) -> bool:
        return any(m.cell(key) is not None for m in self.measures)

    def measure(self, key: str) -> Measure | None:
        return next((m for m in self.measures if m.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "period": self.period.label,
            "period_start": self.period.start.isoformat(),
            "period_end": self.period.end.isoformat(),
            "made_on": self.made_on.isoformat(),
            "charter": {
                "id": self.charter.id,
                "version": self.charter.version,
                "issuing_la": self.charter.issuing_la,
            },
            "organisation": {"urn": self.urn, "name": self.name},
            "deadlines": {k: v.isoformat() for k, v in sorted(self.deadlines.items())},
            "gld_target_percent": None if self.gld_target is None else f"{self.gld_target:g}",
            "suppression": SUPPRESSION_NOTE,
            "measures": [
                {
                    "key": m.key,
                    "title": m.title,
                    "how": m.how,
                    "cells": [
                        {
                            "key": c.key,
                            "label": c.label,
                            "value": SUPPRESSED if c.value is None else c.value,
                        }
                        for c in m.cells
                    ],
                }
                for m in self.measures
            ],
        }

    @classmethod
    def from_dict(cls, data: Any) -> LaReturn:
        """Read a return's body; ValueError (one sentence) when it is not the expected shape."""
        if not isinstance(data, dict):
            raise ValueError("The return's content is not a JSON object.")
        kind = data.get("kind")
        if kind not in KINDS:
            raise ValueError("The return does not say whether it is a setting's or a school's.")
        try:
            period = Period.parse(_text(data, "period"))
            made_on = date.fromisoformat(_text(data, "made_on"))
            charter_raw = data.get("charter")
            org = data.get("organisation")
            if not isinstance(charter_raw, dict) or not isinstance(org, dict):
                raise ValueError("The return does not name its charter and organisation.")
            charter = CharterRef(
                _text(charter_raw, "id"),
                _text(charter_raw, "version"),
                _text(charter_raw, "issuing_la", empty=True),
            )
            deadlines_raw = data.get("deadlines", {})
            if not isinstance(deadlines_raw, dict):
                raise ValueError("The return's deadlines are not readable.")
            deadlines = {
                str(k): date.fromisoformat(_plain(v, "deadline")) for k, v in deadlines_raw.items()
            }
            target_raw = data.get("gld_target_percent")
            target = None if target_raw is None else float(_plain(target_raw, "GLD target"))
        except ValueError as exc:
            raise ValueError(
                str(exc) if str(exc).endswith(".") else "The return is damaged."
            ) from None
        measures_raw = data.get("measures")
        if not isinstance(measures_raw, list) or len(measures_raw) > MAX_MEASURES:
            raise ValueError("The return's measures are not readable.")
        measures: list[Measure] = []
        seen: dict[str, int | None] = {}
        total_cells = 0
        for raw in measures_raw:
            if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
                raise ValueError("A measure in the return is not readable.")
            cells: list[Cell] = []
            for c in raw["cells"]:
                total_cells += 1
                if not isinstance(c, dict) or total_cells > MAX_CELLS:
                    raise ValueError("A measure in the return is not readable.")
                value = c.get("value")
                if value == SUPPRESSED:
                    count: int | None = None
                elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**7:
                    count = value
                else:
                    raise ValueError("A count in the return is neither a number nor “suppressed”.")
                key = _text(c, "key")
                if key in seen and seen[key] != count:
                    raise ValueError(f"The return gives two different figures for {key}.")
                seen[key] = count
                cells.append(Cell(key, _text(c, "label"), count))
            measures.append(
                Measure(_text(raw, "key"), _text(raw, "title"), _text(raw, "how"), tuple(cells))
            )
        if target is not None and not 0 <= target <= 100:
            raise ValueError("The return's GLD target is not a percentage.")
        return cls(
            kind=str(kind),
            period=period,
            made_on=made_on,
            charter=charter,
            urn=_text(org, "urn"),
            name=_text(org, "name"),
            measures=tuple(measures),
            deadlines=deadlines,
            gld_target=target,
        )

    # -- words

    @property
    def kind_label(self) -> str:
        return "setting" if self.kind == SETTING else "school"

    def summary_lines(self) -> list[str]:
        """The return in plain language, one line per measure after an opening paragraph."""
        who = "Ofsted URN" if self.kind == SETTING else "DfE URN"
        lines = [
            f"Return from {self.name} ({who} {self.urn}) to "
            f"{self.charter.issuing_la or 'the local authority'} for the academic year "
            f"{self.period.label} ({_long(self.period.start)} to {_long(self.period.end)}), under the "
            f"charter {self.charter.id} version {self.charter.version}; made on {_long(self.made_on)}.",
            "Counts only: no child is named and nothing is said about any one child. "
            + SUPPRESSION_NOTE,
        ]
        for m in self.measures:
            if len(m.cells) == 1 and m.cells[0].label == m.title:
                lines.append(f"{m.title}: {_shown(m.cells[0].value)}.")
                continue
            parts = "; ".join(f"{c.label} {_shown(c.value)}" for c in m.cells)
            lines.append(f"{m.title}: {parts}.")
        return lines


def _shown(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _plain(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"The return's {what} is not readable.")
    return value


def _text(data: Mapping[str, Any], key: str, *, empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not value.strip() and not empty) or len(value) > MAX_TEXT:
        if key == "how":
            raise ValueError("A measure in the return does not say how it was counted.")
        raise ValueError(f"The return has no readable “{key}”.")
    return value


# ----------------------------------------------------------------------------- building


class _Builder:
    """Collects measures, every cell's raw count, the equations between cells and which cells are
    shown; :meth:`build` suppresses and freezes them."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}
        self.labels: dict[str, str] = {}
        self.equations: list[Equation] = []
        self.measures: list[tuple[str, str, str, list[str]]] = []
        self.insensitive: set[str] = set()

    def cell(self, key: str, label: str, value: int) -> str:
        if key in self.values and self.values[key] != value:
            raise AssertionError(f"cell {key} counted twice with different values")
        self.values[key] = value
        self.labels.setdefault(key, label)
        return key

    def hidden(self, key: str, value: int) -> str:
        return self.cell(key, key, value)

    def equation(self, total: str, parts: Iterable[str]) -> None:
        self.equations.append(Equation(total, tuple(parts)))

    def measure(self, key: str, title: str, how: str, cells: Sequence[str]) -> None:
        self.measures.append((key, title, how, list(cells)))

    def build(self) -> tuple[Measure, ...]:
        shown = {c for _k, _t, _h, cells in self.measures for c in cells}
        hidden_cells = set(self.values) - shown
        suppressed = suppress(
            self.values,
            self.equations,
            shown=shown,
            sensitive=set(self.values) - self.insensitive,
            keep=KEEP,
        )
        assert not suppressed & hidden_cells
        return tuple(
            Measure(
                key,
                title,
                how,
                tuple(
                    Cell(c, self.labels[c], None if c in suppressed else self.values[c])
                    for c in cells
                ),
            )
            for key, title, how, cells in self.measures
        )


def _slug(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")[:40] or "item"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    taken.add(slug)
    return slug


def _items(b: _Builder, prefix: str, children: Sequence[tuple[str, ...]]) -> list[str]:
    """One cell per item named in ``children`` (how many children it stopped), largest first."""
    counts: dict[str, int] = {}
    for items in children:
        for item in set(items):
            counts[item] = counts.get(item, 0) + 1
    taken: set[str] = set()
    keys = []
    for label, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        keys.append(b.cell(f"{prefix}.item.{_slug(label, taken)}", label, count))
    return keys


def _date_words(day: date | None) -> str:
    return _long(day) if day is not None else ""


def build_setting_return(facts: SettingFacts) -> LaReturn:
    """A setting's return from its facts (see the module docstring for who is counted)."""
    b = _Builder()
    entry = facts.period.following
    due = [c for c in facts.children if entry.contains(c.school_start)]
    n = len(due)
    b.cell("due", "Children due to start Reception", n)
    b.measure(
        "children_due",
        "Children due to start Reception",
        f"Records whose school start date falls in {entry.label}, the year after the return's "
        f"(their records are sent during {facts.period.label}).",
        ["due"],
    )

    deadline = facts.sent_deadline
    sent = [c for c in due if c.sent_on is not None]
    on_time = [c for c in sent if deadline is None or c.sent_on <= deadline]  # type: ignore[operator]
    b.cell("sent.on_time", "Sent by the charter's deadline", len(on_time))
    b.cell("sent.late", "Sent after the deadline", len(sent) - len(on_time))
    b.cell("sent.not_sent", "Not sent yet", n - len(sent))
    b.equation("due", ["sent.on_time", "sent.late", "sent.not_sent"])
    b.measure(
        "records_sent",
        "Records sent to schools",
        (
            f"Children due, by the date of their record's first export against the charter's "
            f"deadline for sending records ({_date_words(deadline)})."
            if deadline
            else "Children due, by whether their record has been exported; the charter sets no "
            "deadline for sending records, so every record sent counts as on time."
        ),
        ["due", "sent.on_time", "sent.late", "sent.not_sent"],
    )

    refused = [c for c in due if c.refused_items]
    b.cell("refused.yes", "Export refused at least once", len(refused))
    b.cell("refused.no", "Never refused", n - len(refused))
    b.equation("due", ["refused.yes", "refused.no"])
    items = _items(b, "refused", [c.refused_items for c in refused])
    b.measure(
        "key_information_missing",
        "Key information missing at export",
        "Children due whose export the charter refused during the period, and how many were "
        "refused for each missing item (a child may miss several).",
        ["due", "refused.yes", "refused.no", *items],
    )

    not_sent = [c for c in due if c.sent_on is None]
    missing = [c for c in not_sent if c.missing_now]
    b.cell("missing_now.yes", "Would be refused today", len(missing))
    b.cell("missing_now.no", "Ready to send", len(not_sent) - len(missing))
    b.equation("sent.not_sent", ["missing_now.yes", "missing_now.no"])
    items = _items(b, "missing_now", [c.missing_now for c in missing])
    b.measure(
        "missing_now",
        "Records not sent yet: what is still missing",
        f"Children due whose record has not been sent, checked against the charter on "
        f"{_long(facts.made_on)}, and how many miss each item.",
        ["sent.not_sent", "missing_now.yes", "missing_now.no", *items],
    )

    status_keys = []
    for key, label in SEND_STATUSES:
        count = sum(
            1
            for c in due
            if (c.send_status or "not_recorded") == key
            or (key == "not_recorded" and c.send_status not in dict(SEND_STATUSES))
        )
        status_keys.append(b.cell(f"send.{key}", label, count))
    b.equation("due", status_keys)
    b.measure(
        "send_status",
        "Children with SEND, by status",
        "Children due, by the SEND status in their record.",
        ["due", *status_keys],
    )

    send_plus = [c for c in due if c.send_status in SEND_PLUS]
    b.cell("send.plus", "SEN support or above", len(send_plus))
    b.equation("send.plus", [f"send.{s}" for s in SEND_PLUS])
    co = sum(1 for c in send_plus if c.coproduced)
    b.cell("coproduced.yes", "Transition plan co-produced with the parent", co)
    b.cell("coproduced.no", "Not co-produced (yet)", len(send_plus) - co)
    b.equation("send.plus", ["coproduced.yes", "coproduced.no"])
    b.measure(
        "send_coproduced",
        "SEND transition plans co-produced with the parent",
        "Children due with SEN support, an EHC needs assessment or an EHC plan, by whether the "
        "record says the transition plan was co-produced with the parent.",
        ["send.plus", "coproduced.yes", "coproduced.no"],
    )

    statuses = facts.meeting_statuses
    if statuses is not None:
        meeting_due = [c for c in due if (c.send_status or "not_recorded") in statuses]
    else:
        meeting_due = [c for c in due if c.meeting_applies]
    mdl = facts.meeting_deadline
    held = [c for c in meeting_due if c.meeting_on is not None]
    held_on_time = [c for c in held if mdl is None or c.meeting_on <= mdl]  # type: ignore[operator]
    b.cell("meeting.due", "Children the meeting deadline applies to", len(meeting_due))
    b.cell("meeting.on_time", "Meeting held by the deadline", len(held_on_time))
    b.cell("meeting.late", "Held after the deadline", len(held) - len(held_on_time))
    b.cell("meeting.none", "No meeting recorded", len(meeting_due) - len(held))
    b.equation("meeting.due", ["meeting.on_time", "meeting.late", "meeting.none"])
    if statuses is not None:
        b.equation("meeting.due", [f"send.{s}" for s in statuses if s in dict(SEND_STATUSES)])
    b.measure(
        "send_meetings",
        "SEND transition meetings",
        (
            f"Children due whom the charter's meeting deadline ({_date_words(mdl)}) applies to, "
            "by the transition meeting date in their record."
            if mdl
            else "Children due with SEN support or above, by whether their record gives a "
            "transition meeting date; the charter sets no meeting deadline."
        ),
        ["meeting.due", "meeting.on_time", "meeting.late", "meeting.none"],
    )

    waiting = sum(1 for c in due if c.waiting)
    b.cell("waiting.yes", "On a specialist waiting list", waiting)
    b.cell("waiting.no", "Not waiting", n - waiting)
    b.equation("due", ["waiting.yes", "waiting.no"])
    b.measure(
        "waiting_lists",
        "Children waiting for a specialist service at school entry",
        "Children due whose record lists a professional service with the status “on a waiting "
        "list”.",
        ["due", "waiting.yes", "waiting.no"],
    )

    b.cell("sent.total", "Records sent", len(sent))
    b.equation("sent.total", ["sent.on_time", "sent.late"])
    receipted = [c for c in sent if c.receipt]
    read = sum(1 for c in receipted if c.read)
    b.cell("receipt.yes", "A school's receipt received", len(receipted))
    b.cell("receipt.no", "No receipt yet", len(sent) - len(receipted))
    b.cell("read.yes", "Read at the school", read)
    b.cell("read.no", "Received, not read yet", len(receipted) - read)
    b.equation("sent.total", ["receipt.yes", "receipt.no"])
    b.equation("receipt.yes", ["read.yes", "read.no"])
    b.measure(
        "receipts",
        "Receipts from schools and records read",
        "Records of children due that were sent, by whether a signed receipt from the school "
        "lists them and says someone there has read them.",
        ["sent.total", "receipt.yes", "receipt.no", "read.yes", "read.no"],
    )

    _gld(b, facts.outcomes, facts.period, facts.gld_target)
    deadlines = {
        k: v
        for k, v in (
            ("records_sent", facts.sent_deadline),
            ("send_meetings", facts.meeting_deadline),
        )
        if v is not None
    }
    return LaReturn(
        kind=SETTING,
        period=facts.period,
        made_on=facts.made_on,
        charter=facts.charter,
        urn=facts.urn,
        name=facts.name,
        measures=b.build(),
        deadlines=deadlines,
        gld_target=facts.gld_target,
    )


def _gld(
    b: _Builder, outcomes: Sequence[OutcomeFact], period: Period, target: float | None
) -> None:
    shown: list[str] = []
    everyone = len(outcomes)
    all_gld = sum(1 for o in outcomes if o.gld)
    for group, label in GLD_GROUPS:
        members = [o for o in outcomes if group == "all" or group in o.groups]
        yes = sum(1 for o in members if o.gld)
        total = b.cell(f"gld.{group}.children", f"{label}: children", len(members))
        got = b.cell(f"gld.{group}.yes", f"{label}: good level of development", yes)
        not_got = b.cell(f"gld.{group}.no", f"{label}: not yet", len(members) - yes)
        b.equation(total, [got, not_got])
        shown += [total, got, not_got]
        if group == "all":
            continue
        # the children outside the group follow from "all" less the group: check them too
        rest = b.hidden(f"gld.not_{group}.children", everyone - len(members))
        rest_yes = b.hidden(f"gld.not_{group}.yes", all_gld - yes)
        rest_no = b.hidden(f"gld.not_{group}.no", everyone - len(members) - (all_gld - yes))
        b.equation("gld.all.children", [total, rest])
        b.equation("gld.all.yes", [got, rest_yes])
        b.equation("gld.all.no", [not_got, rest_no])
        b.equation(rest, [rest_yes, rest_no])
    b.measure(
        "gld",
        "Good level of development at the end of Reception, by group",
        f"EYFS profile outcomes that schools returned (signed) during {period.label}, by the "
        "groups in each child's record"
        + (f", against the LA's target of {target:g}%." if target is not None else "."),
        shown,
    )


def build_school_return(facts: SchoolFacts) -> LaReturn:
    """A school's return from its facts."""
    b = _Builder()
    received = facts.received
    vouched = sum(1 for r in received if r.vouched)
    b.cell("received.total", "Records received and verified", len(received))
    b.cell("received.vouched", "Signed by a setting the LA vouches for", vouched)
    b.cell("received.released", "Released after a phone check", len(received) - vouched)
    b.equation("received.total", ["received.vouched", "received.released"])
    b.measure(
        "received",
        "Records received",
        f"Records imported during {facts.period.label} after strict verification (a new "
        "version of a record counts once).",
        ["received.total", "received.vouched", "received.released"],
    )

    reason_keys = []
    for key, label in QUARANTINE_REASONS:
        reason_keys.append(
            b.cell(f"quarantined.{key}", label, sum(1 for q in facts.quarantined if q == key))
        )
    b.cell("quarantined.total", "Files quarantined", len(facts.quarantined))
    b.equation("quarantined.total", reason_keys)
    b.measure(
        "quarantined",
        "Files quarantined, by reason",
        f"Files that did not verify and were quarantined during {facts.period.label}, by the "
        "verifier's reason.",
        ["quarantined.total", *reason_keys],
    )

    soon = sum(
        1
        for r in received
        if r.read_on is not None and (r.read_on - r.imported_on).days <= READ_WITHIN_DAYS
    )
    read = sum(1 for r in received if r.read_on is not None)
    b.cell("read.within_two_weeks", "Read within two weeks of arriving", soon)
    b.cell("read.later", "Read later", read - soon)
    b.cell("read.not_yet", "Not read yet", len(received) - read)
    b.equation("received.total", ["read.within_two_weeks", "read.later", "read.not_yet"])
    b.measure(
        "read",
        "Records read at the school",
        f"Records received, by when someone at the school first opened them (within "
        f"{READ_WITHIN_DAYS} days of import, later, or not yet).",
        ["received.total", "read.within_two_weeks", "read.later", "read.not_yet"],
    )

    b.cell("senco.items", "Items in the SENCO queue", facts.senco_items)
    b.cell("senco.overdue", "Overdue", facts.senco_overdue)
    b.cell("senco.not_overdue", "Not overdue", facts.senco_items - facts.senco_overdue)
    b.equation("senco.items", ["senco.overdue", "senco.not_overdue"])
    b.measure(
        "senco_queue",
        "SENCO queue",
        f"SEND plan actions, EHC reviews, section 23 notices and waiting lists in the SENCO "
        f"queue on {_long(facts.made_on)}, by whether they are overdue.",
        ["senco.items", "senco.overdue", "senco.not_overdue"],
    )

    b.cell("outcomes.children", "Children whose outcomes were sent", facts.outcome_children)
    b.cell("outcomes.settings", "Settings sent outcome files", facts.outcome_settings)
    b.insensitive.add("outcomes.settings")
    b.measure(
        "outcomes_sent",
        "EYFS profile outcomes sent to settings",
        f"Signed outcome files made during {facts.period.label}: the children in them and the "
        "settings they went to (a count of settings is not suppressed).",
        ["outcomes.children", "outcomes.settings"],
    )
    return LaReturn(
        kind=SCHOOL,
        period=facts.period,
        made_on=facts.made_on,
        charter=facts.charter,
        urn=facts.urn,
        name=facts.name,
        measures=b.build(),
    )
