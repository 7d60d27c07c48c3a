"""What is still missing from a record: the framework's required fields plus any extra
requirements (a charter's), each with the reason, and completeness per section and overall."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.framework.definition import Condition, FieldDef, Framework, is_empty
from models.framework.registry import get_framework
from models.record import Record


@dataclass(frozen=True, slots=True)
class Requirement:
    """An extra required field, optionally only when ``condition`` holds (from a charter)."""

    path: str
    condition: Condition | None = None
    reason: str = ""
    source: str = "charter"


class ItemKind:
    """What sort of thing stops the record (``MissingItem.kind``)."""

    REQUIRED = "required"  # a required field or section not filled in
    PROBLEM = "problem"  # a value that is filled in but wrong (a UPN, a date that does not exist)
    CONSENT = "consent"  # consent not recorded, or withdrawn
    SIGNOFF = "signoff"  # a sign-off not given, or changed since it was given
    CHARTER = "charter"  # the charter itself (expired, another framework version)


@dataclass(frozen=True, slots=True)
class MissingItem:
    path: str  # a field path, "signoff.SCOPE" for a sign-off, or "" for the charter itself
    label: str
    section_key: str
    reason: str
    source: str  # "framework", "charter", or another rule set
    kind: str = ItemKind.REQUIRED

    @property
    def message(self) -> str:
        """One line a person can act on: "Date of birth: February has no 31st."."""
        return f"{self.label}: {self.reason}"


def _filled(record: Record, fd: FieldDef) -> bool:
    return not is_empty(record.get(fd.path))


def _framework_requirements(record: Record, fw: Framework) -> list[FieldDef]:
    return [fd for fd in fw.requirement_fields() if fd.required or fd.is_required(record)]


def _reason(fd: FieldDef, fw: Framework) -> str:
    if fd.required or fd.required_when is None:
        return "Required"
    return f"Required {fd.required_when.describe(fw)}"


def missing_items(record: Record, extra: Iterable[Requirement] = ()) -> list[MissingItem]:
    fw = get_framework(record.framework_id, record.framework_version)
    items: list[MissingItem] = []
    seen: set[str] = set()
    for fd in _framework_requirements(record, fw):
        if not _filled(record, fd):
            items.append(
                MissingItem(fd.path, fd.label, fd.path.split(".")[0], _reason(fd, fw), "framework")
            )
            seen.add(fd.path)
    for req in extra:
        if not fw.has_field(req.path) or req.path in seen:
            continue
        if req.condition is not None and not req.condition.holds(record):
            continue
        fd = fw.field(req.path)
        if not _filled(record, fd):
            reason = req.reason or (
                f"Required by the charter {req.condition.describe(fw)}"
                if req.condition
                else "Required by the charter"
            )
            items.append(MissingItem(fd.path, fd.label, fd.path.split(".")[0], reason, req.source))
            seen.add(fd.path)
    order = {s.key: s.number for s in fw.sections}
    items.sort(key=lambda m: order.get(m.section_key, 99))
    return items


def section_completeness(record: Record, extra: Iterable[Requirement] = ()) -> dict[str, float]:
    """Share of required items filled per section (1.0 when a section requires nothing)."""
    fw = get_framework(record.framework_id, record.framework_version)
    extra = list(extra)
    required: dict[str, set[str]] = {s.key: set() for s in fw.sections}
    for fd in _framework_requirements(record, fw):
        required[fd.path.split(".")[0]].add(fd.path)
    for req in extra:
        if fw.has_field(req.path) and (req.condition is None or req.condition.holds(record)):
            required[req.path.split(".")[0]].add(req.path)
    out: dict[str, float] = {}
    for key, paths in required.items():
        if not paths:
            out[key] = 1.0
        else:
            out[key] = sum(1 for p in paths if _filled(record, fw.field(p))) / len(paths)
    return out


def required_paths(record: Record, extra: Iterable[Requirement] = ()) -> set[str]:
    """Every field path the framework (and ``extra``) requires of this record now."""
    fw = get_framework(record.framework_id, record.framework_version)
    paths = {fd.path for fd in _framework_requirements(record, fw)}
    paths |= {
        r.path
        for r in extra
        if fw.has_field(r.path) and (r.condition is None or r.condition.holds(record))
    }
    return paths


def overall_completeness(record: Record, extra: Iterable[Requirement] = ()) -> float:
    fw = get_framework(record.framework_id, record.framework_version)
    paths = required_paths(record, extra)
    if not paths:
        return 1.0
    return sum(1 for p in paths if _filled(record, fw.field(p))) / len(paths)
