"""What stops this record: the one answer for every screen and command.

:func:`readiness` gives, for a record under its charter (or under the framework alone when no
charter is imported), every item that blocks sign-off or export:

* the framework's required items and the charter's required items and sections;
* field problems (a UPN whose check letter is wrong, a five-digit school URN, a date that does not
  exist, a score out of range), which count even though the field is filled in;
* consent the charter asks for, or a withdrawal;
* sign-offs not given yet, or changed since they were given.

The editor's "What's missing" panel and section ticks, the dashboard's status and percentage, the
sign-off buttons, export and ``records show --json`` all read it, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.charter.model import Charter
from models.completeness import ItemKind, MissingItem, missing_items, required_paths
from models.framework.definition import Condition, Framework
from models.framework.registry import get_framework
from models.record import Record, SignOffScope
from models.signoff import SignOffState, short_day, signoff_states, who
from models.validation import Severity, validate_record

SIGNOFF_SECTION = "consent"  # sign-offs are listed under "Consent and sign-off"
SEND_SECTION = "send"
# Without a charter, the framework's own sign-offs: the practitioner always, and a SENCO's review
# of section 8 when SEN support or more is recorded (FRAMEWORK.md, sections 8 and 11).
FRAMEWORK_SEND_REVIEW = Condition(
    "send.status", any_of=("sen_support", "ehc_assessment", "ehc_plan")
)


def signoff_path(scope: SignOffScope) -> str:
    return f"signoff.{scope.value}"


@dataclass(frozen=True, slots=True)
class Readiness:
    """Every item that blocks sign-off or export (empty: the record may be exported), how many
    requirements are already met, and each sign-off with whether it is valid now."""

    items: tuple[MissingItem, ...]
    met: int
    signoffs: tuple[SignOffState, ...]
    required_signoffs: tuple[SignOffScope, ...]

    @property
    def ready(self) -> bool:
        return not self.items

    @property
    def share(self) -> float:
        """Requirements met out of all requirements; below 1.0 while anything blocks export."""
        if not self.items:
            return 1.0
        return min(self.met / (self.met + len(self.items)), 0.99)

    @property
    def percent(self) -> int:
        return min(round(self.share * 100), 100 if self.ready else 99)

    def in_section(self, key: str) -> list[MissingItem]:
        return [m for m in self.items if m.section_key == key]

    def state(self, scope: SignOffScope) -> SignOffState | None:
        for st in self.signoffs:
            if st.scope is scope and not st.signoff.history:
                return st
        return None

    def changed(self) -> list[SignOffState]:
        """Sign-offs whose content has changed since they were given."""
        return [st for st in self.signoffs if not st.valid and not st.signoff.history]

    def stopping(self, scope: SignOffScope) -> list[MissingItem]:
        """What stops a sign-off of ``scope`` now. The practitioner signs a complete, valid record
        (consent included); a SENCO reviews section 8 once section 8 is complete, whatever the other
        sections hold; the manager signs last, once everything else (other sign-offs too) is done."""
        if scope is SignOffScope.SEND:
            return [
                m
                for m in self.items
                if m.section_key == SEND_SECTION and m.kind != ItemKind.SIGNOFF
            ]
        if scope is SignOffScope.RECORD:
            return [m for m in self.items if m.kind not in (ItemKind.SIGNOFF, ItemKind.CHARTER)]
        return [
            m
            for m in self.items
            if m.kind != ItemKind.CHARTER and m.path != signoff_path(SignOffScope.MANAGER)
        ]


def _required_signoffs(
    record: Record, charter: Charter | None, fw: Framework
) -> tuple[SignOffScope, ...]:
    if charter is not None:
        return charter.required_signoffs(record)
    scopes = [SignOffScope.RECORD]
    if fw.has_field(FRAMEWORK_SEND_REVIEW.path) and FRAMEWORK_SEND_REVIEW.holds(record):
        scopes.append(SignOffScope.SEND)
    return tuple(scopes)


def _signoff_items(
    states: list[SignOffState], required: tuple[SignOffScope, ...], charter: Charter | None
) -> tuple[list[MissingItem], int]:
    items: list[MissingItem] = []
    met = 0
    source = "charter" if charter is not None else "framework"
    current = {st.scope: st for st in states if not st.signoff.history}
    for scope in SignOffScope:
        st = current.get(scope)
        needed = scope in required
        if st is not None and st.valid:
            met += needed
            continue
        if st is not None:
            s = st.signoff
            reason = (
                f"Changed since signed off by {who(s)}, {short_day(s.signed_on)}: "
                "it needs signing off again."
            )
        elif needed:
            reason = (
                "Not given yet; the charter asks for it before export."
                if charter is not None
                else "Not given yet."
            )
        else:
            continue
        items.append(
            MissingItem(
                signoff_path(scope), scope.label, SIGNOFF_SECTION, reason, source, ItemKind.SIGNOFF
            )
        )
    return items, met


def readiness(record: Record, charter: Charter | None, today: date) -> Readiness:
    """Everything that stops ``record`` being signed off or exported under ``charter`` (None: no
    charter imported, the framework's rules alone) on ``today``."""
    states = signoff_states(record)
    if charter is not None:
        charter_items = charter.charter_items(record, today)
        if any(m.path == "" and m.label == "Framework version" for m in charter_items):
            return Readiness(tuple(charter_items), 0, tuple(states), ())
    else:
        charter_items = []
    fw = get_framework(record.framework_id, record.framework_version)
    extra = charter.requirements() if charter is not None else ()

    problems: list[MissingItem] = []
    problem_paths: set[str] = set()
    for issue in validate_record(record, today):
        if issue.severity is not Severity.ERROR or issue.path in problem_paths:
            continue
        fd = fw.field(issue.path)
        problems.append(
            MissingItem(
                issue.path,
                fd.label,
                issue.path.split(".")[0],
                issue.message,
                "framework",
                ItemKind.PROBLEM,
            )
        )
        problem_paths.add(issue.path)

    required = [m for m in missing_items(record, extra) if m.path not in problem_paths]
    wanted = required_paths(record, extra)
    met = len(wanted - problem_paths) - sum(1 for m in required if m.path in wanted)

    sections: list[MissingItem] = []
    consent: list[MissingItem] = []
    if charter is not None:
        sections, applicable = charter.missing_sections(record, fw)
        met += applicable - len(sections)
        consent = charter.missing_consent(record, fw)
        if charter.consent.required_before_export and not consent:
            met += 1

    required_scopes = _required_signoffs(record, charter, fw)
    signoffs, signed = _signoff_items(states, required_scopes, charter)
    met += signed

    order = {s.key: s.number for s in fw.sections}
    body = sorted(
        [*required, *problems, *sections, *consent, *signoffs],
        key=lambda m: (order.get(m.section_key, 99), m.kind == ItemKind.SIGNOFF),
    )
    return Readiness(tuple([*charter_items, *body]), max(met, 0), tuple(states), required_scopes)


def blockers(record: Record, charter: Charter | None, today: date) -> list[MissingItem]:
    """:attr:`Readiness.items`: everything that stops export (empty: the record may go)."""
    return list(readiness(record, charter, today).items)


def refusal_sentence(scope: SignOffScope, stopping: list[MissingItem]) -> str:
    """Why a sign-off of ``scope`` cannot be given, in one sentence (the items are listed after
    it): "The practitioner sign-off cannot be given yet: 2 items to see to first."."""
    n = len(stopping)
    return f"The {scope_words(scope)} cannot be given yet: {n} item{'s' if n != 1 else ''} to see to first."


def scope_words(scope: SignOffScope) -> str:
    """A sign-off's name inside a sentence: "practitioner sign-off"; "SENCO review" stays."""
    label = scope.label
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]
