"""What the school service keeps and returns: its result types, the encrypted blobs behind the
received records (:class:`ReceivedStore`), and the small pieces of import logic that need no
session (which packet a PDF is, how a child is recognised, which fields a new version changed).

Received records are kept as blobs rather than through ``VaultService.import_record`` because that
call needs the EDIT_RECORDS and SET_SAFEGUARDING permissions, which school roles do not have (a
school must never edit a record, and the DSL-to-DSL flag arrives inside a signed record).
:class:`ReceivedStore` holds that choice.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from enum import StrEnum
from io import BytesIO
from typing import Any

import pikepdf
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from export.encrypt import Recipient
from export.packets import PACKETS
from export.pki import SigningIdentity
from models.errors import (
    InterchangeError,
    Refusal,
    VaultError,
)
from models.framework.registry import get_framework
from models.interchange import record_from_bytes, record_to_bytes
from models.record import Record
from models.school import (
    OverviewCounts,
    OverviewRow,
    Provenance,
    RowError,
)
from models.school.intake_decision import QuarantineKind
from transitions_app.services.vault_json import json_blob, put_json
from transitions_app.services.vault_service import VaultService

INDEX_BLOB = "school/received"
RECORD_BLOB = "school/record/"


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    urn: str
    name: str


@dataclass(frozen=True, slots=True)
class Trust:
    """What a record PDF must chain to: the LA root(s) and their CRLs."""

    roots: tuple[x509.Certificate, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()


class ImportStatus(StrEnum):
    """What happened to one received file (the value is what ``--json`` prints)."""

    IMPORTED = "imported"
    UPDATED = "updated"  # a later version replaced the one held
    QUARANTINED = "quarantined"
    REFUSED = "refused"

    @property
    def received(self) -> bool:
        return self in (ImportStatus.IMPORTED, ImportStatus.UPDATED)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What happened to one file: ``status``, and ``reason`` in words for people; for a refused
    file ``refusal`` says why, for code."""

    file: str
    status: ImportStatus
    reason: str
    record_id: str | None = None
    child: str | None = None
    setting: str | None = None
    version: int | None = None
    changed_fields: tuple[str, ...] = ()
    refusal: Refusal | None = None

    @classmethod
    def refused(cls, file: str, reason: str, refusal: Refusal) -> ImportOutcome:
        return cls(file, ImportStatus.REFUSED, reason, refusal=refusal)

    @property
    def unreadable(self) -> bool:
        """Refused because it could not be read as a file at all (missing, a folder, a pipe or
        device, too large)."""
        return self.refusal is Refusal.UNREADABLE

    @property
    def needs_password(self) -> bool:
        """Refused for want of the right password: typing it may open the file."""
        return self.refusal is Refusal.PASSWORD

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "reason": self.reason,
            "record_id": self.record_id,
            "child": self.child,
            "setting": self.setting,
            "version": self.version,
            "changed_fields": list(self.changed_fields),
        }


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    file: str
    file_sha256: str
    reason: str
    signer: str
    organisation: str
    fingerprint_sha256: str
    record_id: str
    at: str
    kind: QuarantineKind = QuarantineKind.INVALID
    encrypted: str = ""

    @property
    def releasable(self) -> bool:
        return self.kind.releasable

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "file_sha256": self.file_sha256,
            "reason": self.reason,
            "signer": self.signer,
            "organisation": self.organisation,
            "fingerprint_sha256": self.fingerprint_sha256,
            "record_id": self.record_id,
            "at": self.at,
            "kind": self.kind.value,
            "encrypted": self.encrypted,
            "releasable": self.releasable,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuarantineEntry:
        return cls(
            file=str(data.get("file", "")),
            file_sha256=str(data.get("file_sha256", "")),
            reason=str(data.get("reason", "")),
            signer=str(data.get("signer", "")),
            organisation=str(data.get("organisation", "")),
            fingerprint_sha256=str(data.get("fingerprint_sha256", "")),
            record_id=str(data.get("record_id", "")),
            at=str(data.get("at", "")),
            kind=_kind(data.get("kind")),
            encrypted=str(data.get("encrypted", "")),
        )


def _kind(raw: object) -> QuarantineKind:
    """A kept kind; anything unknown is treated as never releasable."""
    try:
        return QuarantineKind(str(raw))
    except ValueError:
        return QuarantineKind.INVALID


@dataclass(frozen=True, slots=True)
class DecryptionKey:
    """A decryption key the school holds, described by its certificate."""

    subject: str
    fingerprint_sha256: str
    not_after: str

    @classmethod
    def of(cls, cert: x509.Certificate) -> DecryptionKey:
        return cls(
            subject=cert.subject.rfc4514_string(),
            fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
            not_after=cert.not_valid_after_utc.date().isoformat(),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "fingerprint_sha256": self.fingerprint_sha256,
            "not_after": self.not_after,
        }


@dataclass(frozen=True, slots=True)
class Opened:
    """The secret that opens a received file, and how it was encrypted ("" if not)."""

    password: str | None = None
    recipient: Recipient | None = None
    encrypted: str = ""


def recipient_to_dict(recipient: Recipient) -> dict[str, str]:
    key = recipient.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "key": base64.b64encode(key).decode(),
        "cert": recipient.cert.public_bytes(serialization.Encoding.PEM).decode(),
    }


def recipient_from_dict(raw: dict[str, Any]) -> Recipient:
    try:
        key = serialization.load_der_private_key(base64.b64decode(raw["key"]), None)
        cert = x509.load_pem_x509_certificate(str(raw["cert"]).encode())
    except (ValueError, KeyError, TypeError):
        raise VaultError("A decryption key in the vault is damaged.") from None
    return Recipient(key, cert)


@dataclass(frozen=True, slots=True)
class Overview:
    rows: list[OverviewRow]
    counts: OverviewCounts
    quarantine: list[QuarantineEntry]

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts.to_dict(),
            "rows": [r.to_dict() for r in self.rows],
            "quarantine": [q.to_dict() for q in self.quarantine],
        }


@dataclass(frozen=True, slots=True)
class OutcomeFiles:
    """Signed outcome files by setting URN, or the rows that stopped them being made."""

    files: dict[str, bytes] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ReceivedSetting:
    """A setting records came from: how many arrived, how many have been read, and the date the
    last receipt for it was saved ("" if none yet)."""

    urn: str
    name: str
    received: int
    read: int
    last_receipt: str = ""


@dataclass(frozen=True, slots=True)
class OutcomeFileSummary:
    """What one signed outcome file holds, to show before it is written: the setting, how many
    children, how many reached a good level of development, and the file's name."""

    urn: str
    name: str
    children: int
    gld: int
    file_name: str


def outcome_file_name(setting_urn: str) -> str:
    """The outcome file's name for one setting (as the CLI writes it): ``outcomes-<URN>.json``."""
    return f"outcomes-{''.join(c for c in setting_urn if c.isalnum()) or 'setting'}.json"


def identity_to_blob(identity: SigningIdentity) -> bytes:
    key = identity.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pem = serialization.Encoding.PEM
    return json.dumps(
        {
            "key": base64.b64encode(key).decode(),
            "cert": identity.cert.public_bytes(pem).decode(),
            "chain": [c.public_bytes(pem).decode() for c in identity.chain],
        }
    ).encode()


def identity_from_blob(data: bytes) -> SigningIdentity:
    try:
        raw = json.loads(data)
        key = serialization.load_der_private_key(base64.b64decode(raw["key"]), None)
        cert = x509.load_pem_x509_certificate(raw["cert"].encode())
        chain = tuple(x509.load_pem_x509_certificate(c.encode()) for c in raw["chain"])
    except (ValueError, KeyError, TypeError):
        raise VaultError("The school's signing key in the vault is damaged.") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise VaultError("The school's signing key in the vault is not an ECDSA key.")
    return SigningIdentity(key=key, cert=cert, chain=chain)


def crl_signed_by(crl: x509.CertificateRevocationList, root: x509.Certificate) -> bool:
    key = root.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    return crl.issuer == root.subject and crl.is_signature_valid(key)


class ReceivedStore:
    """The school's received records and their provenance, in encrypted blobs."""

    def __init__(self, vault: VaultService) -> None:
        self._vault = vault

    def index(self) -> dict[str, Provenance]:
        raw = json_blob(self._vault, INDEX_BLOB, {})
        return {rid: Provenance.from_dict(p) for rid, p in raw.items()}

    def get(self, record_id: str) -> Record | None:
        data = self._vault.get_blob(RECORD_BLOB + record_id)
        if data is None:
            return None
        try:
            return record_from_bytes(data)
        except InterchangeError:
            raise VaultError(f"The received record {record_id} is damaged in the vault.") from None

    def records(self) -> list[Record]:
        out = []
        for rid in sorted(self.index()):
            record = self.get(rid)
            if record is not None:
                out.append(record)
        return out

    def put(self, record: Record, provenance: Provenance) -> None:
        self._vault.put_blob(RECORD_BLOB + record.id, record_to_bytes(record))
        self.put_provenance(provenance)

    def put_provenance(self, provenance: Provenance) -> None:
        index = json_blob(self._vault, INDEX_BLOB, {})
        index[provenance.record_id] = provenance.to_dict()
        put_json(self._vault, INDEX_BLOB, index)


def child_key(record: Record) -> tuple[str, tuple[str, str, str]]:
    """What identifies a child across records: the UPN, and the legal name with date of birth."""

    def norm(path: str) -> str:
        return " ".join(str(record.get(path) or "").split()).casefold()

    upn = str(record.get("child.upn") or "").strip().upper()
    return upn, (norm("child.legal_forenames"), norm("child.legal_surname"), norm("child.date_of_birth"))


def packet_of(readable: bytes) -> str:
    """Which packet a received (decrypted) PDF is, from the document's subject line."""
    try:
        with pikepdf.open(BytesIO(readable)) as pdf:
            subject = str(pdf.docinfo.get("/Subject", ""))
            if not subject:  # PDF 2.0 (PDF/A-4) keeps it in the XMP metadata only
                subject = str(pdf.open_metadata().get("dc:description", "") or "")
    except Exception:  # noqa: BLE001 - verified already; an odd subject means the usual packet
        subject = ""
    return next((key for key, packet in PACKETS.items() if packet.label == subject), "teacher")


def changed_fields(old: Record, new: Record) -> tuple[str, ...]:
    """Labels of the fields whose values differ, in framework order ("Section: field")."""
    fw = get_framework(new.framework_id, new.framework_version)
    paths = {p for p in set(old.values) | set(new.values) if old.get(p) != new.get(p)}
    out = []
    for section in fw.sections:
        for fd in section.fields:
            if fd.path in paths:
                out.append(f"{section.title}: {fd.label}")
                paths.discard(fd.path)
    return (*out, *sorted(paths))


