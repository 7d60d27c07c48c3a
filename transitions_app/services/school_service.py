"""The receiving school's service.

:class:`SchoolService` (school vault): import a folder of record PDFs (decrypt with the school's
key or a password, verify each under the trusted LA root and CRL, quarantine what does not verify,
keep provenance and the files as received, replace an earlier version and say what changed), the
class overview, the SENCO queue, signed receipts per setting and signed EYFS profile outcome files
per setting (from a CSV or entered in the app). The setting's side of the loop is
:mod:`transitions_app.services.feedback_service`.

Storage: everything the school keeps lives in the vault's encrypted blobs under ``school/``
(received records, provenance, files, quarantine, trust, identity, keys). Received records are kept as blobs rather than through
``VaultService.import_record`` because that call needs the EDIT_RECORDS and SET_SAFEGUARDING
permissions, which school roles do not have (a school must never edit a record, and the
DSL-to-DSL flag arrives inside a signed record). One private class (:class:`ReceivedStore`) holds
that choice.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from export.encrypt import Recipient, load_recipient_p12, open_reader, readable_copy
from export.packets import PACKETS
from export.pki import SigningIdentity, load_crl, load_setting_p12
from export.receipts import (
    OUTCOMES,
    RECEIPT,
    create_school_identity,
    sign_document,
)
from export.verify import NOT_VOUCHED, VerifyResult, verify_pdf
from models.errors import (
    EncryptedFileDamaged,
    ImportRefused,
    InputRefused,
    InterchangeError,
    PermissionDenied,
    SignatureInvalid,
    ValidationFailed,
    VaultError,
)
from models.interchange import record_from_bytes, record_to_bytes
from models.record import Record
from models.roles import SCHOOL_ROLES, Permission, Role, can
from models.safe_input import PDF_BYTES, read_file
from models.safe_output import shown_name, write_public_file
from models.school import (
    ChildOutcome,
    EnteredOutcomes,
    Provenance,
    QueueItem,
    RowError,
    clean_entered,
    count_rows,
    filled_outcomes_csv,
    is_complete,
    match_outcomes,
    outcomes_template_csv,
    overview_rows,
    parse_outcomes_csv,
    senco_queue,
)
from models.vault import KdfParams
from transitions_app.services.charter_service import CharterService
from transitions_app.services.preview_service import PageImage, PreviewService
from transitions_app.services.school_store import (
    DecryptionKey,
    ImportOutcome,
    Opened,
    OutcomeFiles,
    OutcomeFileSummary,
    Overview,
    QuarantineEntry,
    ReceivedSetting,
    ReceivedStore,
    SchoolInfo,
    Trust,
    changed_fields,
    child_key,
    crl_signed_by,
    identity_from_blob,
    identity_to_blob,
    outcome_file_name,
    packet_of,
    recipient_from_dict,
    recipient_to_dict,
)
from transitions_app.services.vault_json import (
    json_blob,
    load_certificates,
    put_json,
    save_file,
    utc_now,
)
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]

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


class SchoolService:
    """A logged-in session on a school's vault."""

    def __init__(self, vault: VaultService, *, clock: Clock | None = None) -> None:
        if vault.user.role not in SCHOOL_ROLES:
            raise PermissionDenied("This is a school's vault task; log in with a school role.")
        self._vault = vault
        self._clock = clock or utc_now
        self._received = ReceivedStore(vault)
        self._children: dict[str, tuple[str, tuple[str, str, str]]] | None = None

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
        now = (clock or utc_now)()
        vault, recovery = VaultService.create(
            directory, user, password, kdf=kdf, role=Role.HEADTEACHER
        )
        service = cls(vault, clock=clock)
        put_json(vault, INFO_BLOB, {"urn": urn, "name": name})
        chosen = identity or create_school_identity(name, urn, now=now)
        vault.put_blob(IDENTITY_BLOB, identity_to_blob(chosen))
        vault.record_event("school_init", None, {"urn": urn})
        return service, recovery

    def close(self) -> None:
        self._vault.close()

    # --- set-up -----------------------------------------------------------------------------

    def info(self) -> SchoolInfo:
        raw = json_blob(self._vault, INFO_BLOB, None)
        if not isinstance(raw, dict):
            raise VaultError("This vault is not set up for a school; run “school init” first.")
        return SchoolInfo(urn=str(raw["urn"]), name=str(raw["name"]))

    def identity(self) -> SigningIdentity:
        data = self._vault.get_blob(IDENTITY_BLOB)
        if data is None:
            raise VaultError("This school has no signing key; run “school init” first.")
        return identity_from_blob(data)

    def set_identity_p12(self, p12: bytes, passphrase: str) -> None:
        """Use an LA-issued certificate (PKCS#12) for receipts and outcome files."""
        self._require_head()
        self._vault.put_blob(IDENTITY_BLOB, identity_to_blob(load_setting_p12(p12, passphrase)))

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
            if not any(crl_signed_by(parsed, r) for r in roots):
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

    def quarantine(self) -> list[QuarantineEntry]:
        return [
            QuarantineEntry.from_dict(q) for q in json_blob(self._vault, QUARANTINE_BLOB, [])
        ]

    # --- decryption keys ---------------------------------------------------------------------

    def add_decryption_key(self, p12: bytes, passphrase: str) -> DecryptionKey:
        """Keep the school's decryption key (PKCS#12, as the LA issued it for the certificate in
        the charter's school directory) so files encrypted to that certificate can be imported."""
        self._require_head()
        recipient = load_recipient_p12(p12, passphrase)
        keys = [k for k in json_blob(self._vault, DECRYPTION_KEYS_BLOB, []) if isinstance(k, dict)]
        entry = recipient_to_dict(recipient)
        keys = [k for k in keys if k.get("cert") != entry["cert"]] + [entry]
        put_json(self._vault, DECRYPTION_KEYS_BLOB, keys)
        described = DecryptionKey.of(recipient.cert)
        self._vault.record_event(
            "school_decryption_key", None, {"fingerprint": described.fingerprint_sha256}
        )
        return described

    def decryption_keys(self) -> list[DecryptionKey]:
        return [DecryptionKey.of(r.cert) for r in self._recipients()]

    def _recipients(self) -> list[Recipient]:
        return [
            recipient_from_dict(k)
            for k in json_blob(self._vault, DECRYPTION_KEYS_BLOB, [])
            if isinstance(k, dict)
        ]

    def _open(self, name: str, data: bytes, password: str | None) -> Opened:
        """Decrypt-check ``data``: which secret opens it, and how it was encrypted.

        :raises ImportRefused: not readable, or encrypted for a key or password we do not have.
        """
        # A file the secret opens but whose integrity code fails was changed after encryption:
        # it is returned as opened so that verification reports it and it goes to quarantine.
        try:
            reader = open_reader(data, password=password)
            return Opened(password=password, encrypted="password" if reader.encrypted else "")
        except EncryptedFileDamaged:
            return Opened(password=password, encrypted="password")
        except SignatureInvalid as exc:
            if "recipient certificate" not in str(exc):
                raise ImportRefused(f"{name}: {exc}") from None
        except Exception:  # a third-party parser failing means the file is not a readable PDF
            raise ImportRefused(f"{name} is damaged and cannot be read as a PDF.") from None
        for recipient in self._recipients():
            try:
                open_reader(data, recipient=recipient)
            except EncryptedFileDamaged:
                pass
            except SignatureInvalid:
                continue
            except Exception:
                raise ImportRefused(f"{name} is damaged and cannot be read as a PDF.") from None
            return Opened(recipient=recipient, encrypted="certificate")
        raise ImportRefused(
            f"{name} cannot be decrypted with this school's keys: it was encrypted for another "
            "certificate, or it is damaged. Ask the setting to send it again (or add the school's "
            "key with “school key add”)."
            if self._recipients()
            else f"{name} is encrypted for a school certificate and this vault holds no decryption "
            "key yet: add the school's key from the LA (“school key add”)."
        )

    # --- import -----------------------------------------------------------------------------

    @staticmethod
    def pdf_files_in(paths: Iterable[Path]) -> list[Path]:
        """The files to import: each file as given, and the PDFs directly inside each folder (in
        name order; sub-folders are not searched)."""
        out: list[Path] = []
        for path in map(Path, paths):
            if path.is_dir():
                out += sorted(q for q in path.iterdir() if q.suffix.lower() == ".pdf" and q.is_file())
            else:
                out.append(path)
        return out

    def import_files(
        self, paths: Iterable[Path], trust: Trust | None = None, password: str | None = None
    ) -> list[ImportOutcome]:
        """Verify and import each file; one outcome per file, in order. Never raises for a bad
        file: a refused file changes nothing, an invalid or unvouched one goes to quarantine."""
        chosen = trust if trust is not None else self.trust()
        self._children = None  # another session may have imported since
        out = []
        for path in paths:
            path = Path(path)
            try:
                out.append(self._import_one(path, chosen, password))
            except ImportRefused as exc:
                out.append(ImportOutcome(shown_name(path.name), "refused", str(exc)))
            except InputRefused as exc:
                out.append(ImportOutcome(shown_name(path.name), "refused", str(exc), unreadable=True))
        return out

    def _read(self, path: Path) -> bytes:
        data = read_file(path, limit=PDF_BYTES, what="record PDF")  # InputRefused: unreadable
        if not data.lstrip()[:5] == b"%PDF-":
            raise ImportRefused(f"{shown_name(path.name)} is not a PDF.")
        return data

    def _verify(
        self, name: str, data: bytes, trust: Trust, opened: Opened, *, accept_self_signed: bool
    ) -> VerifyResult:
        return verify_pdf(
            data,
            trust_roots=list(trust.roots),
            crls=list(trust.crls),
            accept_self_signed=accept_self_signed,
            password=opened.password,
            recipient=opened.recipient,
            file_name=name,
            now=self._clock(),
        )

    def _import_one(self, path: Path, trust: Trust, password: str | None) -> ImportOutcome:
        # The name as shown and kept: printable, valid UTF-8 (a name is the sender's choice).
        name = shown_name(path.name)
        data = self._read(path)
        digest = hashlib.sha256(data).hexdigest()
        for prov in self._received.index().values():
            same = [f for _p, f, sha in prov.packet_files if sha == digest]
            if prov.file_sha256 == digest or same:
                raise ImportRefused(
                    f"{name} was already imported (it is the same file as "
                    f"{same[0] if same else prov.file_name})."
                )
        if any(q.file_sha256 == digest for q in self.quarantine()):
            raise ImportRefused(f"{name} is already in quarantine.")
        opened = self._open(name, data, password)
        result = self._verify(name, data, trust, opened, accept_self_signed=False)
        if not result.valid:
            return self._quarantine(name, data, digest, result, opened)
        return self._accept(name, data, digest, result, opened)

    def _quarantine(
        self, name: str, data: bytes, digest: str, result: VerifyResult, opened: Opened
    ) -> ImportOutcome:
        # Only an intact signature from a signer the LA does not vouch for can be released after
        # a phone check; a broken signature never can (the file must be sent again).
        kind = "unvouched" if result.reason == NOT_VOUCHED else "invalid"
        entry = QuarantineEntry(
            file=name,
            file_sha256=digest,
            reason=result.reason,
            signer=result.signer or "",
            organisation=result.organisation or "",
            fingerprint_sha256=result.fingerprint_sha256 or "",
            record_id=result.record_id or "",
            at=self._clock().isoformat(),
            kind=kind,
            encrypted=opened.encrypted,
        )
        if kind == "unvouched":
            self._vault.put_blob(QUARANTINE_FILE_BLOB + digest, data)
            if opened.password:  # kept (encrypted, like everything here) for the release
                self._vault.put_blob(QUARANTINE_FILE_BLOB + digest + PASSWORD_SUFFIX, opened.password.encode())
        entries = [*(q.to_dict() for q in self.quarantine()), entry.to_dict()]
        put_json(self._vault, QUARANTINE_BLOB, entries)
        self._vault.record_event(
            "school_quarantined", None, {"file": name, "reason": result.reason, "kind": kind}
        )
        return ImportOutcome(name, "quarantined", result.reason, record_id=result.record_id)

    def _accept(
        self,
        name: str,
        data: bytes,
        digest: str,
        result: VerifyResult,
        opened: Opened,
        release_note: str = "",
    ) -> ImportOutcome:
        try:
            record = record_from_bytes(result.record_json or b"")
        except InterchangeError as exc:
            raise ImportRefused(f"{name}: {exc}") from None
        info = self.info()
        school_urn = str(record.get("child.school_urn") or "")
        if school_urn and school_urn != info.urn:
            raise ImportRefused(
                f"{name} is a record for another school (URN {school_urn}), not {info.name}."
            )
        index = self._received.index()
        twin = self._same_child(record)
        if twin is not None:
            setting = index[twin.id].setting_name if twin.id in index else "another setting"
            raise ImportRefused(
                f"{name} is a second record for {record.display_name}, who is already in the class "
                f"from {setting}: it was not imported. If the child attends two settings, ask them "
                "to agree one record and send it again."
            )
        try:
            readable = readable_copy(data, password=opened.password, recipient=opened.recipient)
        except Exception:  # verified a moment ago; a failure here means the file is odd
            raise ImportRefused(f"{name} could not be decrypted for reading.") from None
        packet = packet_of(readable)
        old = self._received.get(record.id)
        old_version = index[record.id].export_version if record.id in index else None
        if old is not None and old_version is not None:
            if record.export_version == old_version:
                prov = index[record.id]
                held = {p for p, _f, _sha in prov.packet_files}
                if held and packet not in held and record_to_bytes(record) == record_to_bytes(old):
                    return self._add_packet(prov, record, packet, name, digest, data, readable)
                raise ImportRefused(
                    f"{name} is version {old_version} of {record.display_name}'s record, which was already imported."
                )
            if record.export_version < old_version:
                raise ImportRefused(
                    f"{name} is version {record.export_version} of {record.display_name}'s record, "
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
            file_name=name,
            file_sha256=digest,
            imported_at=self._clock().isoformat(),
            encrypted=opened.encrypted,
            release_note=release_note,
            packet_files=((packet, name, digest),),
        )
        if record.id in index:  # a new version: the files of the one it replaces go
            self._drop_files(index[record.id])
        self._keep_file(record.id, packet, data, readable)
        self._received.put(record, provenance)
        if self._children is not None:
            self._children[record.id] = child_key(record)
        changed = changed_fields(old, record) if old is not None else ()
        self._vault.record_event(
            "school_imported",
            record.id,
            {"file": name, "version": record.export_version, "replaced": old_version},
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
            name,
            status,
            reason,
            record_id=record.id,
            child=record.display_name,
            setting=provenance.setting_name,
            version=record.export_version,
            changed_fields=changed,
        )

    def _same_child(self, record: Record) -> Record | None:
        """A received record, under another id, for the same child: the same UPN, or (where
        either has no UPN) the same legal name and date of birth."""
        if self._children is None:  # once per import run: reading every record is not free
            self._children = {r.id: child_key(r) for r in self._received.records()}
        upn, names = child_key(record)
        for other_id, (other_upn, other_names) in self._children.items():
            if other_id == record.id:
                continue
            if upn and other_upn:
                if upn == other_upn:
                    return self._received.get(other_id)
            elif all(names) and other_names == names:
                return self._received.get(other_id)
        return None

    def _keep_file(self, record_id: str, packet: str, data: bytes, readable: bytes) -> None:
        self._vault.put_blob(f"{PDF_BLOB}{record_id}/{packet}", data)
        if readable is not data:
            self._vault.put_blob(f"{READABLE_BLOB}{record_id}/{packet}", readable)

    def _drop_files(self, prov: Provenance) -> None:
        for name in (PDF_BLOB + prov.record_id, READABLE_BLOB + prov.record_id):  # before packets
            self._vault.delete_blob(name)
        for packet, _file, _sha in prov.packet_files:
            self._vault.delete_blob(f"{PDF_BLOB}{prov.record_id}/{packet}")
            self._vault.delete_blob(f"{READABLE_BLOB}{prov.record_id}/{packet}")

    def _add_packet(
        self,
        prov: Provenance,
        record: Record,
        packet: str,
        name: str,
        digest: str,
        data: bytes,
        readable: bytes,
    ) -> ImportOutcome:
        """The other packet of a record version already imported (the SENCO's beside the
        teacher's): kept with it; the record itself is the same."""
        self._keep_file(record.id, packet, data, readable)
        self._received.put_provenance(
            dataclasses.replace(prov, packet_files=(*prov.packet_files, (packet, name, digest)))
        )
        self._vault.record_event(
            "school_packet_kept", record.id, {"file": name, "packet": packet, "version": record.export_version}
        )
        return ImportOutcome(
            name,
            "imported",
            f"The {PACKETS[packet].label} of {record.display_name}'s record version "
            f"{record.export_version}, kept with the packet already imported.",
            record_id=record.id,
            child=record.display_name,
            setting=prov.setting_name,
            version=record.export_version,
        )

    # --- quarantine -------------------------------------------------------------------------

    def _quarantined(self, file_sha256: str) -> QuarantineEntry:
        key = file_sha256.strip().lower()
        matches = [q for q in self.quarantine() if key and q.file_sha256.startswith(key)]
        if not matches:
            raise VaultError("No file in quarantine has that fingerprint; see “school quarantine”.")
        if len(matches) > 1:
            raise VaultError("More than one file in quarantine starts with that; give more of it.")
        return matches[0]

    def _drop_quarantined(self, entry: QuarantineEntry) -> None:
        rest = [q.to_dict() for q in self.quarantine() if q.file_sha256 != entry.file_sha256]
        put_json(self._vault, QUARANTINE_BLOB, rest)
        self._vault.delete_blob(QUARANTINE_FILE_BLOB + entry.file_sha256)
        self._vault.delete_blob(QUARANTINE_FILE_BLOB + entry.file_sha256 + PASSWORD_SUFFIX)

    def release(
        self, file_sha256: str, checked_with: str, *, password: str | None = None
    ) -> ImportOutcome:  # ``password``: only for files quarantined before passwords were kept
        """Import a quarantined file whose signature is intact but whose signer the LA does not
        vouch for, after the headteacher phoned the setting (on a number the school already had)
        and heard the same certificate fingerprint read out. ``checked_with`` says who confirmed
        it; it goes on the record's provenance and in the audit trail.

        :raises PermissionDenied: not the headteacher.
        :raises ImportRefused: a broken signature, the file no longer kept, or the record refused
            for the reasons a normal import gives.
        """
        if self._vault.user.role is not Role.HEADTEACHER:
            raise PermissionDenied("Only the headteacher can release a file from quarantine.")
        who = " ".join(checked_with.split())
        if not who:
            raise ValidationFailed(
                "Say who at the setting confirmed the fingerprint on the phone."
            )
        entry = self._quarantined(file_sha256)
        self._children = None
        if entry.kind != "unvouched":
            raise ImportRefused(
                f"{entry.file} cannot be released: its signature is broken or the file is damaged "
                "({reason}). Ask the setting to send it again.".format(reason=entry.reason.rstrip("."))
            )
        data = self._vault.get_blob(QUARANTINE_FILE_BLOB + entry.file_sha256)
        if data is None:
            raise ImportRefused(
                f"{entry.file} is no longer kept in the vault; import the file again, then release it."
            )
        if password is None and entry.encrypted == "password":
            kept = self._vault.get_blob(QUARANTINE_FILE_BLOB + entry.file_sha256 + PASSWORD_SUFFIX)
            password = kept.decode() if kept is not None else None
        opened = self._open(entry.file, data, password)
        result = self._verify(entry.file, data, self.trust(), opened, accept_self_signed=True)
        if not result.valid or result.fingerprint_sha256 != entry.fingerprint_sha256:
            raise ImportRefused(f"{entry.file} cannot be released: {result.reason}")
        user = self._vault.user
        note = (
            f"Released from quarantine by {user.name} on {self._clock().date().isoformat()} after "
            f"{who} confirmed the signer's certificate fingerprint by phone."
        )
        outcome = self._accept(entry.file, data, entry.file_sha256, result, opened, note)
        self._drop_quarantined(entry)
        self._vault.record_event(
            "school_released",
            outcome.record_id,
            {"file": entry.file, "fingerprint": entry.fingerprint_sha256, "checked_with": who},
        )
        return outcome

    def discard(self, file_sha256: str) -> QuarantineEntry:
        """Remove a file from quarantine (it is not imported); the audit trail keeps its name."""
        if self._vault.user.role not in (Role.HEADTEACHER, Role.SCHOOL_SENCO):
            raise PermissionDenied(
                "Only the headteacher or the school SENCO can remove a file from quarantine."
            )
        entry = self._quarantined(file_sha256)
        self._drop_quarantined(entry)
        self._vault.record_event(
            "school_quarantine_removed", None, {"file": entry.file, "sha256": entry.file_sha256}
        )
        return entry

    # --- the received files -----------------------------------------------------------------

    def provenance(self, record_id: str) -> Provenance:
        """Where a received record came from: setting, signer, file, and any release note."""
        prov = self._received.index().get(record_id)
        if prov is None:
            raise VaultError("No received record has that id.")
        return prov

    def received_packets(self, record_id: str) -> list[tuple[str, str, str]]:
        """(packet, its label, file name) for each file kept of the record's current version."""
        prov = self.provenance(record_id)
        if not prov.packet_files:  # imported before packets were told apart
            return [("", "Record PDF", prov.file_name)]
        return [(p, PACKETS[p].label if p in PACKETS else p, f) for p, f, _sha in prov.packet_files]

    def _blob_names(self, record_id: str, packet: str | None) -> tuple[str, str, str]:
        """(file name, blob of the file as received, blob of its readable copy)."""
        packets = self.received_packets(record_id)
        chosen = next((p for p in packets if packet is None or p[0] == packet), None)
        if chosen is None:
            raise VaultError(f"No {packet} packet of that record was received.")
        key, _label, file_name = chosen
        suffix = f"/{key}" if key else ""
        return file_name, f"{PDF_BLOB}{record_id}{suffix}", f"{READABLE_BLOB}{record_id}{suffix}"

    def received_file(self, record_id: str, packet: str | None = None) -> tuple[str, bytes]:
        """The file name and bytes exactly as received (signed, and encrypted if it was): the
        proof to keep or pass on. ``packet``: "teacher" or "senco" (default: the first kept)."""
        if record_id not in self._received.index():
            raise VaultError("No received record has that id; its file is not kept in this vault.")
        file_name, original, _readable = self._blob_names(record_id, packet)
        data = self._vault.get_blob(original)
        if data is None:
            raise VaultError(
                "The received file for that record is not kept in this vault (it was imported "
                "before files were kept; import it again to keep it)."
            )
        return file_name, data

    def readable_pdf(self, record_id: str, packet: str | None = None) -> bytes:
        """The received PDF decrypted, for showing inside the app; counts as reading the record."""
        _name, data = self.received_file(record_id, packet)
        readable = self._vault.get_blob(self._blob_names(record_id, packet)[2])
        self.read_record(record_id)
        return readable if readable is not None else data

    def received_pages(
        self, record_id: str, scale: float, packet: str | None = None
    ) -> list[PageImage]:
        """The received PDF's pages as pixels, for the window (nothing is written to disk)."""
        return PreviewService().render_pages(self.readable_pdf(record_id, packet), scale)

    def save_received_file(self, record_id: str, path: Path, packet: str | None = None) -> None:
        """Write the file exactly as received (signed, still encrypted if it was) to ``path``,
        where the person chose; the audit trail notes it."""
        _name, data = self.received_file(record_id, packet)
        save_file(path, data)
        self._vault.record_event("school_file_saved", record_id, {"packet": packet or ""})

    @property
    def is_headteacher(self) -> bool:
        """Set-up, decryption keys and releasing files from quarantine are the headteacher's."""
        return self._vault.user.role is Role.HEADTEACHER

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
            put_json(self._vault, READS_BLOB, reads)
            self._vault.record_event("school_read", record_id, {})
        return record

    def reads(self) -> dict[str, dict[str, str]]:
        """Record id -> {"by", "role", "on"}: who first read each received record, and when."""
        reads = json_blob(self._vault, READS_BLOB, {})
        return reads if isinstance(reads, dict) else {}

    def senco_reviews(self) -> dict[str, dict[str, str]]:
        """Item key -> {"by", "role", "on"} for the queue items a SENCO has marked reviewed."""
        reviews = json_blob(self._vault, SENCO_REVIEWS_BLOB, {})
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
        put_json(self._vault, SENCO_REVIEWS_BLOB, reviews)
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

    def received_settings(self) -> list[ReceivedSetting]:
        """The settings records came from, by name: received, read so far, last receipt saved."""
        reads = self.reads()
        written = json_blob(self._vault, RECEIPTS_WRITTEN_BLOB, {})
        by_urn: dict[str, list[Provenance]] = {}
        for prov in self._received.index().values():
            by_urn.setdefault(prov.setting_urn, []).append(prov)
        out = []
        for urn, provs in by_urn.items():
            last = written.get(urn) if isinstance(written, dict) else None
            out.append(
                ReceivedSetting(
                    urn=urn,
                    name=next((p.setting_name for p in provs if p.setting_name), ""),
                    received=len(provs),
                    read=sum(1 for p in provs if p.record_id in reads),
                    last_receipt=str(last.get("on", "")) if isinstance(last, dict) else "",
                )
            )
        return sorted(out, key=lambda s: (s.name.casefold(), s.urn))

    def save_receipt(self, setting_urn: str, path: Path) -> None:
        """Write the setting's signed receipt (:meth:`receipt`) to ``path``; the date is kept for
        :meth:`received_settings` and the audit trail notes it."""
        data = self.receipt(setting_urn)
        save_file(path, data)
        user = self._vault.user
        written = json_blob(self._vault, RECEIPTS_WRITTEN_BLOB, {})
        written = written if isinstance(written, dict) else {}
        written[setting_urn] = {"on": self._clock().date().isoformat(), "by": user.name}
        put_json(self._vault, RECEIPTS_WRITTEN_BLOB, written)
        self._vault.record_event("school_receipt_saved", None, {"setting_urn": setting_urn})

    def outcomes_template_csv(self) -> bytes:
        """A blank EYFSP outcomes sheet with one row per received child, in the columns that
        :meth:`outcome_files` reads (see :func:`models.school.outcomes.outcomes_template_csv`)."""
        return outcomes_template_csv(self._received.records())

    def save_outcomes_template(self, path: Path) -> int:
        """Write the blank outcomes sheet to ``path``; returns how many children are on it. The
        sheet holds names, so the audit trail notes it."""
        records = self._received.records()
        save_file(path, outcomes_template_csv(records))
        self._vault.record_event("school_outcomes_sheet_saved", None, {"children": len(records)})
        return len(records)

    def outcome_summaries(self, files: dict[str, bytes]) -> list[OutcomeFileSummary]:
        """One line per outcome file made by :meth:`outcome_files`, in setting order."""
        out = []
        for urn, body in sorted(files.items()):
            try:
                payload = json.loads(base64.b64decode(json.loads(body)["payload"]))
                children = list(payload["children"])
            except (ValueError, KeyError, TypeError):
                raise InterchangeError("An outcome file made here cannot be read back.") from None
            out.append(
                OutcomeFileSummary(
                    urn=urn,
                    name=str(payload.get("setting_name", "")),
                    children=len(children),
                    gld=sum(1 for c in children if isinstance(c, dict) and c.get("gld") is True),
                    file_name=outcome_file_name(urn),
                )
            )
        return out

    def save_outcome_files(self, files: dict[str, bytes], folder: Path) -> list[Path]:
        """Write each setting's signed outcome file (from :meth:`outcome_files`) into ``folder``
        as ``outcomes-<URN>.json``; returns the paths in setting order."""
        folder = Path(folder)
        written = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for urn, body in sorted(files.items()):
                path = folder / outcome_file_name(urn)
                write_public_file(path, body)
                written.append(path)
        except OSError as exc:
            raise VaultError(f"Cannot write to {folder}: {exc.strerror or exc}.") from None
        self._vault.record_event("school_outcomes_saved", None, {"settings": len(written)})
        return written

    # --- outcomes entered in the app ----------------------------------------------------------

    ENTERED_OUTCOMES_BLOB = "school/outcomes-entered"  # record id -> aspect -> expected/emerging

    def entered_outcomes(self) -> EnteredOutcomes:
        """The EYFS profile outcomes entered so far in the app (record id -> aspect ->
        ``expected``/``emerging``), for children still received; a goal not yet entered is
        absent."""
        raw = json_blob(self._vault, self.ENTERED_OUTCOMES_BLOB, {})
        try:
            entered = clean_entered(raw)
        except ValueError:
            raise VaultError("The vault's entered outcomes are damaged.") from None
        received = set(self._received.index())
        return {rid: elgs for rid, elgs in entered.items() if rid in received}

    def save_entered_outcomes(self, entered: dict[str, dict[str, str]]) -> None:
        """Keep the outcomes entered so far (the whole mapping replaces what was kept). Every
        child must be a received record and every value expected or emerging; the audit trail
        notes how many children have outcomes, never the outcomes."""
        try:
            clean = clean_entered(entered)
        except ValueError as exc:
            raise ValidationFailed(str(exc)) from None
        unknown = set(clean) - set(self._received.index())
        if unknown:
            raise ValidationFailed(
                "Outcomes were entered for a child whose record is not in this vault."
            )
        put_json(self._vault, self.ENTERED_OUTCOMES_BLOB, clean)
        self._vault.record_event(
            "school_outcomes_entered",
            None,
            {"children": len(clean), "complete": sum(1 for e in clean.values() if is_complete(e))},
        )

    def entered_outcomes_csv(self) -> bytes:
        """The entered outcomes as the EYFSP CSV that :meth:`outcome_files` reads (the blank
        sheet filled in, see :func:`models.school.outcomes.filled_outcomes_csv`)."""
        return filled_outcomes_csv(self._received.records(), self.entered_outcomes())
