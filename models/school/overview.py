"""The receiving school's class overview: one row per child, derived flags as columns.

Rows are built from received records plus where each record came from (:class:`Provenance`).
Every flag is the one :func:`models.flags.derive_flags` works out; nothing is typed twice.

Safeguarding: the school sees only the "DSL to DSL" flag. A row has no other field about it,
and :meth:`OverviewRow.to_dict` lists its keys explicitly so nothing else can slip out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models.flags import Flags, derive_flags
from models.names import listed_names
from models.record import Record


class Encryption(StrEnum):
    """How a file was encrypted when it arrived (the value is what the vault keeps)."""

    NONE = ""
    PASSWORD = "password"  # the standard security handler: a password told by phone
    CERTIFICATE = "certificate"  # to the school's certificate: opened with its decryption key

    @classmethod
    def kept(cls, raw: object) -> Encryption:
        """The value as kept; anything unknown reads as not encrypted."""
        try:
            return cls(str(raw or ""))
        except ValueError:
            return cls.NONE


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a received record came from, as its signature and embedded JSON say."""

    record_id: str
    setting_name: str
    setting_urn: str
    signer: str
    organisation: str
    fingerprint_sha256: str
    signed_at: str
    vouched: bool
    export_version: int
    file_name: str
    file_sha256: str
    imported_at: str
    #: How the file as received was encrypted.
    encrypted: Encryption = Encryption.NONE
    #: Set when a person released the file from quarantine after checking the signer by phone.
    release_note: str = ""
    #: The files kept for this version, one per packet: (packet, file name, SHA-256).
    packet_files: tuple[tuple[str, str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "setting_name": self.setting_name,
            "setting_urn": self.setting_urn,
            "signer": self.signer,
            "organisation": self.organisation,
            "fingerprint_sha256": self.fingerprint_sha256,
            "signed_at": self.signed_at,
            "vouched": self.vouched,
            "export_version": self.export_version,
            "file_name": self.file_name,
            "file_sha256": self.file_sha256,
            "imported_at": self.imported_at,
            "encrypted": self.encrypted,
            "release_note": self.release_note,
            "packet_files": [list(p) for p in self.packet_files],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        return cls(
            record_id=str(data["record_id"]),
            setting_name=str(data.get("setting_name", "")),
            setting_urn=str(data.get("setting_urn", "")),
            signer=str(data.get("signer", "")),
            organisation=str(data.get("organisation", "")),
            fingerprint_sha256=str(data.get("fingerprint_sha256", "")),
            signed_at=str(data.get("signed_at", "")),
            vouched=bool(data.get("vouched", False)),
            export_version=int(data.get("export_version", 0)),
            file_name=str(data.get("file_name", "")),
            file_sha256=str(data.get("file_sha256", "")),
            imported_at=str(data.get("imported_at", "")),
            encrypted=Encryption.kept(data.get("encrypted")),
            release_note=str(data.get("release_note", "")),
            packet_files=tuple(
                (str(p[0]), str(p[1]), str(p[2]))
                for p in data.get("packet_files", []) or []
                if isinstance(p, list | tuple) and len(p) == 3
            ),
        )


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str


# The overview's columns, in display order (the UI's table model uses these keys).
COLUMNS: tuple[Column, ...] = (
    Column("name", "Child"),
    Column("setting", "Setting"),
    Column("signer", "Signed by"),
    Column("version", "Record version"),
    Column("send", "SEND status"),
    Column("eal", "EAL"),
    Column("prime", "Prime areas not on track"),
    Column("asq", "ASQ below cut-off"),
    Column("waiting", "Waiting lists"),
    Column("medical", "Medical"),
    Column("dsl", "DSL to DSL"),
)


@dataclass(frozen=True, slots=True)
class OverviewRow:
    record_id: str
    name: str
    setting: str
    setting_urn: str
    signer: str
    vouched: bool
    version: int
    send_status: str
    send_label: str
    send: bool  # SEN support or above
    eal: bool
    prime_not_on_track: tuple[str, ...]
    asq_below: tuple[str, ...]
    waiting_list: tuple[str, ...]
    medical: bool
    dsl_to_dsl: bool
    boy: bool
    fsm: bool

    def text(self, column: str) -> str:
        """The cell text for a column key of :data:`COLUMNS`."""
        if column == "name":
            return self.name
        if column == "setting":
            return self.setting
        if column == "signer":
            return self.signer if self.vouched else f"{self.signer} (not vouched for by your LA)"
        if column == "version":
            return str(self.version)
        if column == "send":
            return self.send_label
        if column == "eal":
            return "Yes" if self.eal else ""
        if column == "prime":
            return "; ".join(self.prime_not_on_track)
        if column == "asq":
            return "; ".join(self.asq_below)
        if column == "waiting":
            return "; ".join(self.waiting_list)
        if column == "medical":
            return "Yes" if self.medical else ""
        if column == "dsl":
            return "DSLs to speak directly" if self.dsl_to_dsl else ""
        raise KeyError(column)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "name": self.name,
            "setting": self.setting,
            "setting_urn": self.setting_urn,
            "signer": self.signer,
            "vouched": self.vouched,
            "version": self.version,
            "send_status": self.send_status,
            "send_label": self.send_label,
            "eal": self.eal,
            "prime_not_on_track": list(self.prime_not_on_track),
            "asq_below": list(self.asq_below),
            "waiting_list": list(self.waiting_list),
            "medical": self.medical,
            "dsl_to_dsl": self.dsl_to_dsl,
            "boy": self.boy,
            "fsm": self.fsm,
        }


def overview_row(
    record: Record, provenance: Provenance | None = None, name: str = ""
) -> OverviewRow:
    """The record's row; ``name`` as the list shows it (see :func:`models.names.listed_names`)."""
    flags: Flags = derive_flags(record)
    setting = str(record.get("child.setting_name") or "")
    urn = str(record.get("child.setting_urn") or "")
    return OverviewRow(
        record_id=record.id,
        name=name or record.display_name,
        setting=provenance.setting_name if provenance and provenance.setting_name else setting,
        setting_urn=provenance.setting_urn if provenance and provenance.setting_urn else urn,
        signer=provenance.signer if provenance else "",
        vouched=provenance.vouched if provenance else False,
        version=provenance.export_version if provenance else record.export_version,
        send_status=flags.send_status or "",
        send_label=flags.send_label,
        send=flags.send,
        eal=flags.eal,
        prime_not_on_track=flags.prime_not_on_track,
        asq_below=flags.asq_below,
        waiting_list=flags.waiting_list,
        medical=flags.medical,
        dsl_to_dsl=flags.dsl_to_dsl,
        boy=flags.boy,
        fsm=flags.fsm,
    )


def overview_rows(
    records: Iterable[Record], provenance: Mapping[str, Provenance] | None = None
) -> list[OverviewRow]:
    """One row per record, sorted by child's name then id."""
    known = provenance or {}
    records = list(records)
    names = listed_names(records)  # two children of one name told apart by date of birth
    rows = [overview_row(r, known.get(r.id), names[r.id]) for r in records]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.record_id))


# Flag counts and priority groups, in display order: (key, label, test).
FLAG_COUNTS: tuple[tuple[str, str], ...] = (
    ("send", "SEN support or above"),
    ("send_any", "Any SEND status recorded"),
    ("eal", "EAL"),
    ("prime", "Prime areas not on track"),
    ("asq", "ASQ below cut-off"),
    ("waiting", "On a waiting list"),
    ("medical", "Medical"),
    ("dsl", "DSL to DSL"),
)
GROUPS: tuple[tuple[str, str], ...] = (
    ("boys", "Boys"),
    ("fsm", "FSM / EYPP"),
    ("send", "SEND (SEN support or above)"),
    ("eal", "EAL"),
)


def _flag(row: OverviewRow, key: str) -> bool:
    return {
        "send": row.send,
        "send_any": row.send_status not in ("", "none"),
        "eal": row.eal,
        "prime": bool(row.prime_not_on_track),
        "asq": bool(row.asq_below),
        "waiting": bool(row.waiting_list),
        "medical": row.medical,
        "dsl": row.dsl_to_dsl,
        "boys": row.boy,
        "fsm": row.fsm,
    }[key]


@dataclass(frozen=True, slots=True)
class OverviewCounts:
    total: int
    flags: dict[str, int]
    groups: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "flags": dict(self.flags), "groups": dict(self.groups)}


def count_rows(rows: Sequence[OverviewRow]) -> OverviewCounts:
    return OverviewCounts(
        total=len(rows),
        flags={key: sum(_flag(r, key) for r in rows) for key, _ in FLAG_COUNTS},
        groups={key: sum(_flag(r, key) for r in rows) for key, _ in GROUPS},
    )
