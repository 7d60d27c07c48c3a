"""What the school's services keep and return: their result types, the one repository of the
school's encrypted blobs (:class:`SchoolStore`), and the small pieces of import logic that need no
session (which packet a PDF is, how a child is recognised, which fields a new version changed).

Everything the school keeps lives in the vault's encrypted blobs under ``school/`` (received
records, provenance, files, quarantine, trust, identity, keys, reads, reviews, receipts,
outcomes); only :class:`SchoolStore` knows their names. Received records are kept as blobs rather
than through ``VaultService.import_record`` because that call needs the EDIT_RECORDS and
SET_SAFEGUARDING permissions, which school roles do not have (a school must never edit a record,
and the DSL-to-DSL flag arrives inside a signed record).
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
    Encryption,
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
INFO_BLOB = "school/info"
IDENTITY_BLOB = "school/identity"
TRUST_ROOT_BLOB = "school/trust-root"
CRL_BLOB = "school/crl"
QUARANTINE_BLOB = "school/quarantine"
SENCO_REVIEWS_BLOB = "school/senco-reviews"
READS_BLOB = "school/read"
DECRYPTION_KEYS_BLOB = "school/decryption-keys"
PDF_BLOB = "school/pdf/"  # each record's file exactly as received
READABLE_BLOB = "school/pdf-readable/"  # its decrypted copy, only for encrypted files
QUARANTINE_FILE_BLOB = "school/quarantine-file/"  # quarantined files that could be released
PASSWORD_SUFFIX = "/password"  # and the password that opened one, so release needs no retyping
RECEIPTS_WRITTEN_BLOB = "school/receipts-written"  # setting URN -> the last receipt saved for it
ENTERED_OUTCOMES_BLOB = "school/outcomes-entered"  # record id -> aspect -> expected/emerging

#: Who did something to a record, and on which day: {"by", "role", "on"}.
Stamp = dict[str, str]


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
    encrypted: Encryption = Encryption.NONE

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
            encrypted=Encryption.kept(data.get("encrypted")),
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
    """The secret that opens a received file, and how it was encrypted."""

    password: str | None = None
    recipient: Recipient | None = None
    encrypted: Encryption = Encryption.NONE


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


class SchoolStore:
    """The one repository of the school's blobs: each method reads or writes one kind of thing
    and nothing else (no permission checks, no audit events: the services do those)."""

    def __init__(self, vault: VaultService) -> None:
        self._vault = vault

    # --- received records and their provenance --------------------------------------------

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

    # --- the files as received ----------------------------------------------------------------

    def keep_file(self, record_id: str, packet: str, data: bytes, readable: bytes) -> None:
        """The file as received, and its decrypted copy when it was encrypted."""
        self._vault.put_blob(f"{PDF_BLOB}{record_id}/{packet}", data)
        if readable is not data:
            self._vault.put_blob(f"{READABLE_BLOB}{record_id}/{packet}", readable)

    def drop_files(self, prov: Provenance) -> None:
        for name in (PDF_BLOB + prov.record_id, READABLE_BLOB + prov.record_id):  # before packets
            self._vault.delete_blob(name)
        for packet, _file, _sha in prov.packet_files:
            self._vault.delete_blob(f"{PDF_BLOB}{prov.record_id}/{packet}")
            self._vault.delete_blob(f"{READABLE_BLOB}{prov.record_id}/{packet}")

    def file(self, record_id: str, packet: str) -> tuple[bytes | None, bytes | None]:
        """(the file as received, its readable copy) of one packet; ``packet`` "" for a file kept
        before packets were told apart. Either is ``None`` when not kept."""
        suffix = f"/{packet}" if packet else ""
        return (
            self._vault.get_blob(f"{PDF_BLOB}{record_id}{suffix}"),
            self._vault.get_blob(f"{READABLE_BLOB}{record_id}{suffix}"),
        )

    # --- quarantine ---------------------------------------------------------------------------

    def quarantine(self) -> list[QuarantineEntry]:
        return [QuarantineEntry.from_dict(q) for q in json_blob(self._vault, QUARANTINE_BLOB, [])]

    def put_quarantine(self, entries: list[QuarantineEntry]) -> None:
        put_json(self._vault, QUARANTINE_BLOB, [q.to_dict() for q in entries])

    def keep_quarantined_file(self, digest: str, data: bytes, password: str | None) -> None:
        """A releasable file, and the password that opened it (encrypted, like everything here)."""
        self._vault.put_blob(QUARANTINE_FILE_BLOB + digest, data)
        if password:
            self._vault.put_blob(QUARANTINE_FILE_BLOB + digest + PASSWORD_SUFFIX, password.encode())

    def quarantined_file(self, digest: str) -> tuple[bytes | None, str | None]:
        """(the quarantined file, the password kept with it); ``None`` where not kept."""
        password = self._vault.get_blob(QUARANTINE_FILE_BLOB + digest + PASSWORD_SUFFIX)
        return (
            self._vault.get_blob(QUARANTINE_FILE_BLOB + digest),
            password.decode() if password is not None else None,
        )

    def drop_quarantined(self, digest: str) -> None:
        self.put_quarantine([q for q in self.quarantine() if q.file_sha256 != digest])
        self._vault.delete_blob(QUARANTINE_FILE_BLOB + digest)
        self._vault.delete_blob(QUARANTINE_FILE_BLOB + digest + PASSWORD_SUFFIX)

    # --- set-up: who the school is, whom it trusts, its keys -------------------------------------

    def info(self) -> SchoolInfo | None:
        raw = json_blob(self._vault, INFO_BLOB, None)
        return (
            SchoolInfo(urn=str(raw["urn"]), name=str(raw["name"]))
            if isinstance(raw, dict)
            else None
        )

    def put_info(self, info: SchoolInfo) -> None:
        put_json(self._vault, INFO_BLOB, {"urn": info.urn, "name": info.name})

    def identity(self) -> SigningIdentity | None:
        data = self._vault.get_blob(IDENTITY_BLOB)
        return identity_from_blob(data) if data is not None else None

    def put_identity(self, identity: SigningIdentity) -> None:
        self._vault.put_blob(IDENTITY_BLOB, identity_to_blob(identity))

    def trust_pem(self) -> tuple[bytes | None, bytes | None]:
        """(the LA root certificate(s), the CRL) stored for this school, as PEM."""
        return self._vault.get_blob(TRUST_ROOT_BLOB), self._vault.get_blob(CRL_BLOB)

    def put_trust_root(self, pem: bytes) -> None:
        self._vault.put_blob(TRUST_ROOT_BLOB, pem)

    def put_crl(self, pem: bytes) -> None:
        self._vault.put_blob(CRL_BLOB, pem)

    def recipients(self) -> list[Recipient]:
        return [recipient_from_dict(k) for k in self._decryption_keys()]

    def add_recipient(self, recipient: Recipient) -> None:
        """Keep a decryption key, replacing any kept for the same certificate."""
        entry = recipient_to_dict(recipient)
        keys = [k for k in self._decryption_keys() if k.get("cert") != entry["cert"]] + [entry]
        put_json(self._vault, DECRYPTION_KEYS_BLOB, keys)

    def _decryption_keys(self) -> list[dict[str, Any]]:
        return [k for k in json_blob(self._vault, DECRYPTION_KEYS_BLOB, []) if isinstance(k, dict)]

    # --- who read, who reviewed, what was sent back -----------------------------------------

    def reads(self) -> dict[str, Stamp]:
        return self._mapping(READS_BLOB)

    def put_reads(self, reads: dict[str, Stamp]) -> None:
        put_json(self._vault, READS_BLOB, reads)

    def senco_reviews(self) -> dict[str, Stamp]:
        return self._mapping(SENCO_REVIEWS_BLOB)

    def put_senco_reviews(self, reviews: dict[str, Stamp]) -> None:
        put_json(self._vault, SENCO_REVIEWS_BLOB, reviews)

    def receipts_written(self) -> dict[str, Any]:
        return self._mapping(RECEIPTS_WRITTEN_BLOB)

    def put_receipts_written(self, written: dict[str, Any]) -> None:
        put_json(self._vault, RECEIPTS_WRITTEN_BLOB, written)

    def entered_outcomes(self) -> Any:
        """The outcomes entered in the app as kept (to be checked by the caller)."""
        return json_blob(self._vault, ENTERED_OUTCOMES_BLOB, {})

    def put_entered_outcomes(self, entered: dict[str, dict[str, str]]) -> None:
        put_json(self._vault, ENTERED_OUTCOMES_BLOB, entered)

    def _mapping(self, name: str) -> dict[str, Any]:
        raw = json_blob(self._vault, name, {})
        return raw if isinstance(raw, dict) else {}


def child_key(record: Record) -> tuple[str, tuple[str, str, str]]:
    """What identifies a child across records: the UPN, and the legal name with date of birth."""

    def norm(path: str) -> str:
        return " ".join(str(record.get(path) or "").split()).casefold()

    upn = str(record.get("child.upn") or "").strip().upper()
    return upn, (
        norm("child.legal_forenames"),
        norm("child.legal_surname"),
        norm("child.date_of_birth"),
    )


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
