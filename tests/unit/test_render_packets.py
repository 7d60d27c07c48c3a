"""Which sections and fields each printed packet carries (export.packets)."""

from __future__ import annotations

from datetime import date

import pytest

from export.packets import PACKETS, SENCO, TEACHER, needs_senco_packet, packet_sections
from models.errors import RenderError
from models.framework.definition import Guard
from models.framework.registry import current_framework
from models.record import Record
from models.synthetic import generate_records


def _fields(packet: str, section_key: str) -> list[str]:
    for part in packet_sections(packet):
        if part.section.key == section_key:
            return [fd.key for fd in part.fields]
    raise AssertionError(f"no section {section_key}")


def test_both_packets_keep_every_section_in_framework_order() -> None:
    fw = current_framework()
    for packet in PACKETS:
        assert [p.section.key for p in packet_sections(packet)] == [s.key for s in fw.sections]


def test_teacher_packet_narrows_send_to_what_the_class_teacher_acts_on() -> None:
    assert _fields(TEACHER, "send") == ["status", "areas_of_need", "meeting_actions", "strategies"]
    note = next(p.note for p in packet_sections(TEACHER) if p.section.key == "send")
    assert "SENCO packet" in note


def test_senco_packet_keeps_the_whole_send_section() -> None:
    fw = current_framework()
    assert _fields(SENCO, "send") == [fd.key for fd in fw.section("send").fields]
    assert all(not p.note for p in packet_sections(SENCO))


@pytest.mark.parametrize("packet", sorted(PACKETS))
def test_safeguarding_fields_never_travel(packet: str) -> None:
    guarded = {
        fd.path for fd in current_framework().iter_fields() if fd.guard is Guard.SAFEGUARDING
    }
    assert guarded, "the framework should guard at least the child in need / CP flag"
    printed = {fd.path for part in packet_sections(packet) for fd in part.fields}
    assert not guarded & printed


def test_unknown_packet_is_refused_with_the_choices() -> None:
    with pytest.raises(RenderError, match="senco, teacher"):
        packet_sections("headteacher")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, False),
        ("none", False),
        ("monitoring", False),
        ("sen_support", True),
        ("ehc_assessment", True),
        ("ehc_plan", True),
    ],
)
def test_needs_senco_packet_from_sen_support_upwards(status: str | None, expected: bool) -> None:
    fw = current_framework()
    record = Record(framework_id=fw.id, framework_version=fw.version)
    record.set("send.status", status)
    assert needs_senco_packet(record) is expected


def test_needs_senco_packet_on_demo_children() -> None:
    records = generate_records(12, seed=3, today=date(2026, 3, 2))
    assert needs_senco_packet(records[6])  # SEN support
    assert needs_senco_packet(records[8])  # EHC plan
    assert not needs_senco_packet(records[0])
