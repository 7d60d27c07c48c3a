"""The receiving school's service, and the setting's side of the feedback loop.

:class:`SchoolService` (school vault): import a folder of record PDFs (verify each under the
trusted LA root and CRL, quarantine what does not verify, keep provenance, replace an earlier
version and say what changed), the class overview, the SENCO queue, signed receipts per setting
and signed EYFS profile outcome files per setting.

:class:`FeedbackService` (setting vault): import a school's signed receipt or outcome file and
show the setting's cohort figures.

Storage: everything the school keeps lives in the vault's encrypted blobs under ``school/``
(received records, provenance, quarantine, trust, identity); the setting's feedback under
``feedback/``. Received records are kept as blobs rather than through
``VaultService.import_record`` because that call needs the EDIT_RECORDS and SET_SAFEGUARDING
permissions, which school roles do not have (a school must never edit a record, and the
DSL-to-DSL flag arrives inside a signed record). One private class (:class:`_Received`) holds
that choice.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from export.encrypt import open_reader
from export.pki import SigningIdentity, load_crl, load_setting_p12
from export.receipts import (
    OUTCOMES,
    RECEIPT,
    SignedDocument,
    create_school_identity,
    sign_document,
    verify_document,
)
from export.verify import verify_pdf
from models.errors import (
    ImportRefused,
    InterchangeError,
    PermissionDenied,
    SignatureInvalid,
    ValidationFailed,
    VaultError,
)
from models.framework.registry import get_framework
from models.interchange import record_from_bytes, record_to_bytes
from models.record import Record
from models.roles import SCHOOL_ROLES, SETTING_ROLES, Permission, Role, can
from models.school import (
    ChildOutcome,
    CohortStats,
    OverviewCounts,
    OverviewRow,
    Provenance,
    QueueItem,
    RowError,
    cohort_stats,
    count_rows,
    match_outcomes,
    overview_rows,
    parse_outcomes_csv,
    senco_queue,
)
from models.vault import KdfParams
from transitions_app.services.charter_service import CharterService
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]
MAX_PDF_BYTES = 20 * 1024 * 1024

INFO_BLOB = "school/info"
IDENTITY_BLOB = "school/identity"
TRUST_ROOT_BLOB = "school/trust-root"
CRL_BLOB = "school/crl"
INDEX_BLOB = "school/received"
RECORD_BLOB = "school/record/"
QUARANTINE_BLOB = "school/quarantine"
SENCO_REVIEWS_BLOB = "school/senco-reviews"
READS_BLOB = "school/read"
RECEIPTS_BLOB = "feedback/receipts"
OUTCOMES_BLOB = "feedback/outcomes"
FEEDBACK_TRUST_BLOB = "feedback/trust-root"


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _json_blob(vault: VaultService, name: str, default: Any) -> Any:
    data = vault.get_blob(name)
    if data is None:
        return default
    try:
        return json.loads(data)
    except ValueError:
        raise VaultError(f"The vault's {name} data is damaged.") from None


def _put_json(vault: VaultService, name: str, value: Any) -> None:
    vault.put_blob(name, json.dumps(value, ensure_ascii=False, sort_keys=True).encode())


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    urn: str
    name: str


@dataclass(frozen=True, slots=True)
class Trust:
    """What a record PDF must chain to: the LA root(s) and their CRLs."""

    roots: tuple[x509.Certificate, ...] = ()
    crls: tuple[x509.CertificateRevocationList, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What happened to one file. ``status``: imported, updated, quarantined or refused."""

    file: str
    status: str
    reason: str
    record_id: str | None = None
    child: str | None = None
    setting: str | None = None
    version: int | None = None
    changed_fields: tuple[str, ...] = ()

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
        }


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


def _identity_to_blob(identity: SigningIdentity) -> bytes:
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


def _identity_from_blob(data: bytes) -> SigningIdentity:
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


def _crl_signed_by(crl: x509.CertificateRevocationList, root: x509.Certificate) -> bool:
    key = root.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    return crl.issuer == root.subject and crl.is_signature_valid(key)


def load_certificates(data: bytes) -> tuple[x509.Certificate, ...]:
    """Certificates from PEM (one or more) or DER bytes."""
    try:
        if b"-----BEGIN" in data:
            return tuple(x509.load_pem_x509_certificates(data))
        return (x509.load_der_x509_certificate(data),)
    except ValueError:
        raise SignatureInvalid("The trust file is not a readable certificate.") from None


class _Received:
    """The school's received records and their provenance, in encrypted blobs."""

    def __init__(self, vault: VaultService) -> None:
        self._vault = vault

    def index(self) -> dict[str, Provenance]:
        raw = _json_blob(self._vault, INDEX_BLOB, {})
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
        index = _json_blob(self._vault, INDEX_BLOB, {})
        index[record.id] = provenance.to_dict()
        _put_json(self._vault, INDEX_BLOB, index)


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


class SchoolService:
    """A logged-in session on a school's vault."""

    def __init__(self, vault: VaultService, *, clock: Clock | None = None) -> None:
        if vault.user.role not in SCHOOL_ROLES:
            raise PermissionDenied("This is a school's vault task; log in with a school role.")
        self._vault = vault
        self._clock = clock or _utc_now
        self._received = _Received(vault)

    @property
    def vault(self) -> VaultService:
        return self._vault

    @classmethod
    def create(
        cls,
        directory: Path,
        user: str,
        password: str,
        *,
        urn: str,
        name: str,
        kdf: KdfParams | None = None,
        clock: Clock | None = None,
        identity: SigningIdentity | None = None,
    ) -> tuple[SchoolService, str]:
        """A new school vault whose first user is the headteacher. Returns the session and the
        recovery key. Without an LA-issued ``identity`` the school gets a self-signed one."""
        urn, name = urn.strip(), name.strip()
        if not (urn.isdigit() and len(urn) == 6):
            raise ValidationFailed("A school's DfE URN is six digits.")
        if not name:
            raise ValidationFailed("Give the school's name.")
        now = (clock or _utc_now)()
        vault, recovery = VaultService.create(
            directory, user, password, kdf=kdf, role=Role.HEADTEACHER
        )
        service = cls(vault, clock=clock)
        _put_json(vault, INFO_BLOB, {"urn": urn, "name": name})
        chosen = identity or create_school_identity(name, urn, now=now)
        vault.put_blob(IDENTITY_BLOB, _identity_to_blob(chosen))
        vault.record_event("school_init", None, {"urn": urn})
        return service, recovery

    def close(self) -> None:
        self._vault.close()

    # --- set-up -----------------------------------------------------------------------------

    def info(self) -> SchoolInfo:
        raw = _json_blob(self._vault, INFO_BLOB, None)
        if not isinstance(raw, dict):
            raise VaultError("This vault is not set up for a school; run “school init” first.")
        return SchoolInfo(urn=str(raw["urn"]), name=str(raw["name"]))

    def identity(self) -> SigningIdentity:
        data = self._vault.get_blob(IDENTITY_BLOB)
        if data is None:
            raise VaultError("This school has no signing key; run “school init” first.")
        return _identity_from_blob(data)

    def set_identity_p12(self, p12: bytes, passphrase: str) -> None:
        """Use an LA-issued certificate (PKCS#12) for receipts and outcome files."""
        self._require_head()
        self._vault.put_blob(IDENTITY_BLOB, _identity_to_blob(load_setting_p12(p12, passphrase)))

    def set_trust(self, root: bytes | None = None, crl: bytes | None = None) -> None:
        """Store the LA root certificate (PEM/DER) and/or its CRL; checked before storing."""
        self._require_head()
        if root is not None:
            certs = load_certificates(root)
            self._vault.put_blob(
                TRUST_ROOT_BLOB, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
            )
        if crl is not None:
            parsed = load_crl(crl)
            roots = self.trust().roots
            if not any(_crl_signed_by(parsed, r) for r in roots):
                raise SignatureInvalid(
                    "The revocation list was not signed by the LA root you trust."
                )
            self._vault.put_blob(CRL_BLOB, parsed.public_bytes(serialization.Encoding.PEM))

    def trust(self) -> Trust:
        """The LA root(s) and CRLs records must chain to: those stored with ``set_trust`` plus
        the root and CRL of the charter imported into this vault (``CharterService``)."""
        root = self._vault.get_blob(TRUST_ROOT_BLOB)
        crl = self._vault.get_blob(CRL_BLOB)
        roots = list(load_certificates(root)) if root else []
        crls = [load_crl(crl)] if crl else []
        charter = CharterService(self._vault, clock=self._clock)
        la_root, la_crl = charter.la_root(), charter.crl()
        if la_root is not None and la_root not in roots:
            roots.append(la_root)
        if la_crl is not None:
            crls.append(la_crl)
        return Trust(roots=tuple(roots), crls=tuple(crls))

    def _require_head(self) -> None:
        if not can(self._vault.user.role, Permission.IMPORT_CHARTER):
            raise PermissionDenied("Only the headteacher can change the school's set-up.")

    # --- import -----------------------------------------------------------------------------

    def quarantine(self) -> list[QuarantineEntry]:
        return [QuarantineEntry(**q) for q in _json_blob(self._vault, QUARANTINE_BLOB, [])]

    def import_files(
        self, paths: Iterable[Path], trust: Trust | None = None, password: str | None = None
    ) -> list[ImportOutcome]:
        """Verify and import each file; one outcome per file, in order. Never raises for a bad
        file: a refused file changes nothing, an invalid or unvouched one goes to quarantine."""
        chosen = trust if trust is not None else self.trust()
        out = []
        for path in paths:
            path = Path(path)
            try:
                out.append(self._import_one(path, chosen, password))
            except ImportRefused as exc:
                out.append(ImportOutcome(path.name, "refused", str(exc)))
        return out

    def _read(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
            if size > MAX_PDF_BYTES:
                raise ImportRefused(
                    f"{path.name} is {size // (1024 * 1024)} MB, too large to be a record PDF (the limit is 20 MB)."
                )
            with path.open("rb") as fh:
                data = fh.read(MAX_PDF_BYTES + 1)
        except OSError as exc:
            raise ImportRefused(f"{path.name} cannot be read: {exc.strerror or exc}.") from None
        if len(data) > MAX_PDF_BYTES:
            raise ImportRefused(
                f"{path.name} is too large to be a record PDF (the limit is 20 MB)."
            )
        if not data.lstrip()[:5] == b"%PDF-":
            raise ImportRefused(f"{path.name} is not a PDF.")
        return data

    def _import_one(self, path: Path, trust: Trust, password: str | None) -> ImportOutcome:
        data = self._read(path)
        digest = hashlib.sha256(data).hexdigest()
        index = self._received.index()
        for prov in index.values():
            if prov.file_sha256 == digest:
                raise ImportRefused(
                    f"{path.name} was already imported (it is the same file as {prov.file_name})."
                )
        if any(q.file_sha256 == digest for q in self.quarantine()):
            raise ImportRefused(f"{path.name} is already in quarantine.")
        try:
            open_reader(data, password=password)
        except SignatureInvalid as exc:
            raise ImportRefused(f"{path.name}: {exc}") from None
        except Exception:  # a third-party parser failing means the file is not a readable PDF
            raise ImportRefused(f"{path.name} is damaged and cannot be read as a PDF.") from None
        result = verify_pdf(
            data,
            trust_roots=list(trust.roots),
            crls=list(trust.crls),
            accept_self_signed=False,
            password=password,
            file_name=path.name,
            now=self._clock(),
        )
        if not result.valid:
            entry = QuarantineEntry(
                file=path.name,
                file_sha256=digest,
                reason=result.reason,
                signer=result.signer or "",
                organisation=result.organisation or "",
                fingerprint_sha256=result.fingerprint_sha256 or "",
                record_id=result.record_id or "",
                at=self._clock().isoformat(),
            )
            entries = [*(q.to_dict() for q in self.quarantine()), entry.to_dict()]
            _put_json(self._vault, QUARANTINE_BLOB, entries)
            self._vault.record_event(
                "school_quarantined", None, {"file": path.name, "reason": result.reason}
            )
            return ImportOutcome(
                path.name, "quarantined", result.reason, record_id=result.record_id
            )
        try:
            record = record_from_bytes(result.record_json or b"")
        except InterchangeError as exc:
            raise ImportRefused(f"{path.name}: {exc}") from None
        info = self.info()
        school_urn = str(record.get("child.school_urn") or "")
        if school_urn and school_urn != info.urn:
            raise ImportRefused(
                f"{path.name} is a record for another school (URN {school_urn}), not {info.name}."
            )
        old = self._received.get(record.id)
        old_version = index[record.id].export_version if record.id in index else None
        if old is not None and old_version is not None:
            if record.export_version == old_version:
                raise ImportRefused(
                    f"{path.name} is version {old_version} of {record.display_name}'s record, which was already imported."
                )
            if record.export_version < old_version:
                raise ImportRefused(
                    f"{path.name} is version {record.export_version} of {record.display_name}'s record, "
                    f"older than version {old_version} already imported."
                )
        provenance = Provenance(
            record_id=record.id,
            setting_name=str(record.get("child.setting_name") or result.organisation or ""),
            setting_urn=str(record.get("child.setting_urn") or ""),
            signer=result.signer or "",
            organisation=result.organisation or "",
            fingerprint_sha256=result.fingerprint_sha256 or "",
            signed_at=result.signed_at or "",
            vouched=result.vouched,
            export_version=record.export_version,
            file_name=path.name,
            file_sha256=digest,
            imported_at=self._clock().isoformat(),
        )
        self._received.put(record, provenance)
        changed = changed_fields(old, record) if old is not None else ()
        self._vault.record_event(
            "school_imported",
            record.id,
            {"file": path.name, "version": record.export_version, "replaced": old_version},
        )
        if old is None:
            reason = f"Imported version {record.export_version}; {result.reason}"
            status = "imported"
        else:
            reason = (
                f"Version {record.export_version} replaces version {old_version}; "
                f"{len(changed)} field(s) changed."
            )
            status = "updated"
        return ImportOutcome(
            path.name,
            status,
            reason,
            record_id=record.id,
            child=record.display_name,
            setting=provenance.setting_name,
            version=record.export_version,
            changed_fields=changed,
        )

    # --- views ------------------------------------------------------------------------------

    def records(self) -> list[Record]:
        return self._received.records()

    def overview(self) -> Overview:
        rows = overview_rows(self._received.records(), self._received.index())
        return Overview(rows=rows, counts=count_rows(rows), quarantine=self.quarantine())

    def senco_queue(self, today: date | None = None) -> list[QueueItem]:
        if not can(self._vault.user.role, Permission.REVIEW_SEND_PLANS):
            raise PermissionDenied(
                "Only the school SENCO or the headteacher can see the SENCO queue."
            )
        return senco_queue(self._received.records(), today or self._clock().date())

    def read_record(self, record_id: str) -> Record:
        """A received record, to read; the first reading is recorded (who and when) for the
        setting's receipt."""
        record = self._received.get(record_id)
        if record is None:
            raise VaultError("No received record has that id.")
        reads = self.reads()
        if record_id not in reads:
            user = self._vault.user
            reads[record_id] = {"by": user.name, "role": user.role.value, "on": self._clock().date().isoformat()}
            _put_json(self._vault, READS_BLOB, reads)
            self._vault.record_event("school_read", record_id, {})
        return record

    def reads(self) -> dict[str, dict[str, str]]:
        """Record id -> {"by", "role", "on"}: who first read each received record, and when."""
        reads = _json_blob(self._vault, READS_BLOB, {})
        return reads if isinstance(reads, dict) else {}

    def senco_reviews(self) -> dict[str, dict[str, str]]:
        """Item key -> {"by", "role", "on"} for the queue items a SENCO has marked reviewed."""
        reviews = _json_blob(self._vault, SENCO_REVIEWS_BLOB, {})
        return reviews if isinstance(reviews, dict) else {}

    def mark_reviewed(self, item_key: str, today: date | None = None) -> dict[str, str]:
        """Record that the logged-in SENCO (or headteacher) reviewed this queue item, and when."""
        queue = {item.key for item in self.senco_queue(today)}
        if item_key not in queue:
            raise VaultError("That item is not in the SENCO queue; check its key with “school senco-queue --json”.")
        user = self._vault.user
        entry = {"by": user.name, "role": user.role.value, "on": (today or self._clock().date()).isoformat()}
        reviews = self.senco_reviews()
        reviews[item_key] = entry
        _put_json(self._vault, SENCO_REVIEWS_BLOB, reviews)
        self._vault.record_event("senco_reviewed", item_key.split("|", 1)[0], {"kind": item_key.split("|")[1]})
        return entry

    # --- receipts and outcomes --------------------------------------------------------------

    def receipt(self, setting_urn: str) -> bytes:
        """A signed receipt listing every record received from the setting with this URN."""
        info = self.info()
        index = self._received.index()
        rows = [p for p in index.values() if p.setting_urn == setting_urn]
        if not rows:
            raise VaultError(
                f"No records from a setting with URN {setting_urn} have been imported."
            )
        records = {r.id: r for r in self._received.records()}
        reads = self.reads()
        payload = {
            "school": {"urn": info.urn, "name": info.name},
            "setting_urn": setting_urn,
            "setting_name": rows[0].setting_name,
            "records": [
                {
                    "record_id": p.record_id,
                    "child": records[p.record_id].display_name if p.record_id in records else "",
                    "export_version": p.export_version,
                    "file_sha256": p.file_sha256,
                    "received_at": p.imported_at,
                    "verified": True,  # only files that passed strict verification are received
                    "read_by": reads.get(p.record_id, {}).get("by"),
                    "read_on": reads.get(p.record_id, {}).get("on"),
                }
                for p in sorted(rows, key=lambda p: p.record_id)
            ],
        }
        data = sign_document(RECEIPT, payload, self.identity(), signed_at=self._clock())
        self._vault.record_event(
            "school_receipt", None, {"setting_urn": setting_urn, "records": len(rows)}
        )
        return data

    def outcome_files(self, csv_bytes: bytes) -> OutcomeFiles:
        """Signed outcome files, one per setting, from the school's EYFSP CSV. Any bad row stops
        every file being made (the errors say which rows)."""
        parsed = parse_outcomes_csv(csv_bytes)
        matched, errors = match_outcomes(parsed.rows, self._received.records())
        errors = sorted([*parsed.errors, *errors], key=lambda e: e.line)
        if errors:
            return OutcomeFiles(errors=errors)
        if not matched:
            return OutcomeFiles(errors=[RowError(0, "The outcomes file has no children in it.")])
        info = self.info()
        by_setting: dict[str, list[ChildOutcome]] = {}
        for child in matched:
            by_setting.setdefault(child.setting_urn, []).append(child)
        now = self._clock()
        identity = self.identity()
        files = {}
        for urn, children in sorted(by_setting.items()):
            payload = {
                "school": {"urn": info.urn, "name": info.name},
                "setting_urn": urn,
                "setting_name": children[0].setting_name,
                "returned_on": now.date().isoformat(),
                "children": [c.to_dict() for c in children],
            }
            files[urn] = sign_document(OUTCOMES, payload, identity, signed_at=now)
        self._vault.record_event(
            "school_outcomes", None, {"settings": len(files), "children": len(matched)}
        )
        return OutcomeFiles(files=files)


# --- the setting's side -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedbackImport:
    document: SignedDocument
    school: str
    children: int
    unknown_records: tuple[str, ...]  # ids not in this vault

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.document.summary(),
            "school": self.school,
            "children": self.children,
            "unknown_records": list(self.unknown_records),
        }


class FeedbackService:
    """A setting's receipts and outcome files from schools."""

    def __init__(self, vault: VaultService, *, clock: Clock | None = None) -> None:
        if vault.user.role not in SETTING_ROLES:
            raise PermissionDenied("Receipts and outcomes are imported into a setting's vault.")
        self._vault = vault
        self._clock = clock or _utc_now

    def close(self) -> None:
        self._vault.close()

    def set_trust(self, root: bytes) -> None:
        certs = load_certificates(root)
        self._vault.put_blob(
            FEEDBACK_TRUST_BLOB, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
        )

    def _roots(self) -> Sequence[x509.Certificate]:
        """Roots stored with ``set_trust`` plus the LA root of the setting's charter."""
        data = self._vault.get_blob(FEEDBACK_TRUST_BLOB)
        roots = list(load_certificates(data)) if data else []
        la_root = CharterService(self._vault, clock=self._clock).la_root()
        if la_root is not None and la_root not in roots:
            roots.append(la_root)
        return roots

    def _verify(
        self, data: bytes, kind: str
    ) -> tuple[SignedDocument, str, list[dict[str, Any]], tuple[str, ...]]:
        doc = verify_document(data, kind=kind, trust_roots=self._roots(), now=self._clock())
        school = doc.payload.get("school")
        items = doc.payload.get("records" if kind == RECEIPT else "children")
        if (
            not isinstance(school, dict)
            or not isinstance(items, list)
            or not all(isinstance(i, dict) for i in items)
        ):
            raise InterchangeError("The signed file's content is not in the expected shape.")
        known = {r.id for r in self._vault.list_records()}
        unknown = tuple(
            sorted(str(i.get("record_id")) for i in items if i.get("record_id") not in known)
        )
        return doc, f"{school.get('name', '')} (URN {school.get('urn', '')})", items, unknown

    def import_receipt(self, data: bytes) -> FeedbackImport:
        doc, school, items, unknown = self._verify(data, RECEIPT)
        receipts = _json_blob(self._vault, RECEIPTS_BLOB, [])
        entry = {**doc.summary(), "school": school, "records": items}
        same = (entry["signed_at"], entry["fingerprint_sha256"])
        # the same receipt again replaces the earlier copy (its vouched verdict may have changed)
        receipts = [
            r for r in receipts if (r.get("signed_at"), r.get("fingerprint_sha256")) != same
        ]
        receipts.append(entry)
        _put_json(self._vault, RECEIPTS_BLOB, receipts)
        for item in items:
            if item.get("record_id") not in unknown:
                self._vault.record_event(
                    "receipt_received",
                    str(item["record_id"]),
                    {"school": school, "export_version": item.get("export_version")},
                )
        return FeedbackImport(doc, school, len(items), unknown)

    def receipts(self) -> list[dict[str, Any]]:
        return list(_json_blob(self._vault, RECEIPTS_BLOB, []))

    def import_outcomes(self, data: bytes) -> FeedbackImport:
        doc, school, items, unknown = self._verify(data, OUTCOMES)
        children = [ChildOutcome.from_dict(i) for i in items]
        stored = _json_blob(self._vault, OUTCOMES_BLOB, {})
        for child in children:
            stored[child.record_id] = {
                **child.to_dict(),
                "school": school,
                "signed_at": doc.signed_at.isoformat(),
            }
        _put_json(self._vault, OUTCOMES_BLOB, stored)
        self._vault.record_event(
            "outcomes_received", None, {"school": school, "children": len(children)}
        )
        return FeedbackImport(doc, school, len(children), unknown)

    def outcomes(self) -> list[ChildOutcome]:
        stored = _json_blob(self._vault, OUTCOMES_BLOB, {})
        return [ChildOutcome.from_dict(v) for _k, v in sorted(stored.items())]

    def cohort(self) -> CohortStats:
        return cohort_stats(self.outcomes())
