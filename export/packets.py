"""Which parts of a record each printed packet carries.

A packet is a view over the framework: it keeps every section in order and narrows some sections
to a few fields. The Reception teacher's packet carries the whole record except that the SEND
section is cut down to what a class teacher acts on (status, areas of need, strategies, agreed
actions); the SENCO's packet carries the SEND section in full (graduated approach, professionals,
the whole transition plan). Fields under the safeguarding guard never travel in any packet: only
the derived "designated safeguarding leads to speak directly" flag on the front sheet does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from models.errors import RenderError
from models.framework.definition import FieldDef, Framework, SectionDef
from models.framework.registry import current_framework, get_framework
from models.framework.v1 import SEND_SUPPORT_OR_ABOVE
from models.record import Record

TEACHER = "teacher"
SENCO = "senco"


@dataclass(frozen=True, slots=True)
class Packet:
    key: str
    label: str  # shown in the page header
    description: str  # one sentence for the export dialog
    # section key -> the field keys kept in that section; sections not named are kept whole
    narrowed: Mapping[str, tuple[str, ...]]
    # a sentence printed under a narrowed section, telling the reader where the rest is
    narrowed_note: Mapping[str, str]


PACKETS: Mapping[str, Packet] = MappingProxyType(
    {
        TEACHER: Packet(
            key=TEACHER,
            label="Reception teacher packet",
            description="The whole record, with the SEND section cut down to what the class teacher acts on.",
            narrowed=MappingProxyType(
                {"send": ("status", "areas_of_need", "strategies", "meeting_actions")}
            ),
            narrowed_note=MappingProxyType(
                {
                    "send": "The graduated approach, professionals involved and the full SEND transition plan "
                    "are in the SENCO packet.",
                }
            ),
        ),
        SENCO: Packet(
            key=SENCO,
            label="SENCO packet",
            description="The whole record with the full SEND section, graduated approach and transition plan.",
            narrowed=MappingProxyType({}),
            narrowed_note=MappingProxyType({}),
        ),
    }
)


@dataclass(frozen=True, slots=True)
class PacketSection:
    section: SectionDef
    fields: tuple[FieldDef, ...]  # in framework order, without guarded fields
    note: str = ""  # set when the packet narrowed this section


def get_packet(packet: str) -> Packet:
    try:
        return PACKETS[packet]
    except KeyError:
        known = ", ".join(sorted(PACKETS))
        raise RenderError(f"There is no “{packet}” packet; choose one of: {known}.") from None


def packet_sections(packet: str, framework: Framework | None = None) -> tuple[PacketSection, ...]:
    """The sections a packet prints, in framework order, each with the fields it keeps.

    :raises RenderError: the packet name is not one of :data:`PACKETS`.
    """
    spec = get_packet(packet)
    fw = framework if framework is not None else current_framework()
    out: list[PacketSection] = []
    for section in fw.sections:
        keep = spec.narrowed.get(section.key)
        fields = tuple(
            fd for fd in section.fields if fd.guard is None and (keep is None or fd.key in keep)
        )
        note = spec.narrowed_note.get(section.key, "") if keep is not None else ""
        out.append(PacketSection(section=section, fields=fields, note=note))
    return tuple(out)


def needs_senco_packet(record: Record) -> bool:
    """True when the child has SEN support or more, so the school's SENCO gets their own packet."""
    fw = get_framework(record.framework_id, record.framework_version)
    if not fw.has_field("send.status"):
        return False
    return record.get("send.status") in SEND_SUPPORT_OR_ABOVE
