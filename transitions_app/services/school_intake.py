"""Receiving record PDFs: each file is read, checked against what was received before, opened
with the school's secrets, verified under the trusted LA root and CRL, and then accepted (a new
record, a later version replacing the one held, or the other packet of the version held),
quarantined, or refused. What to do at each stage is decided by the pure functions of
:mod:`models.school.intake_decision`; this service gathers the facts and keeps the outcome.
Quarantined files are released (after a phone check) or discarded here too.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from pathlib import Path

from export.encrypt import open_reader, readable_copy
from export.packets import PACKETS
from export.verify import VerifyResult, verify_pdf
from models.errors import (
    EncryptedFileDamaged,
    ImportRefused,
    InputRefused,
    InterchangeError,
    PasswordRequired,
    PermissionDenied,
    RecipientKeyRequired,
    Refusal,
    SignatureInvalid,
    ValidationFailed,
    VaultError,
)
from models.interchange import record_from_bytes, record_to_bytes
from models.record import Record
from models.roles import Role
from models.safe_input import PDF_BYTES, read_file
from models.safe_output import shown_name
from models.school import Encryption, Provenance
from models.school.intake_decision import (
    Opening,
    Placement,
    Quarantine,
    QuarantineKind,
    Refuse,
    Seen,
    check_opening,
    check_record,
    check_seen,
    on_verdict,
    place,
)
from transitions_app.services.school_part import Clock, SchoolPart
from transitions_app.services.school_store import (
    ImportOutcome,
    ImportStatus,
    Opened,
    QuarantineEntry,
    SchoolStore,
    Trust,
    changed_fields,
    child_key,
    packet_of,
)
from transitions_app.services.school_trust import SchoolTrust
from transitions_app.services.vault_service import VaultService


class SchoolIntake(SchoolPart):
    """Import, quarantine and release of received files, over the school's :class:`SchoolStore`."""

    def __init__(
        self, vault: VaultService, store: SchoolStore, trust: SchoolTrust, clock: Clock
    ) -> None:
        super().__init__(vault, store, trust, clock)
        # record id -> how its child is recognised; filled once per import run (see _same_child)
        self._children: dict[str, tuple[str, tuple[str, str, str]]] | None = None

    def _open(self, name: str, data: bytes, password: str | None) -> Opened:
        """Decrypt-check ``data``: which secret opens it, and how it was encrypted.

        :raises ImportRefused: not readable, or encrypted for a key or password we do not have.
        """
        opened, opening, detail = self._try_secrets(data, password)
        refused = check_opening(name, opening, detail)
        if refused is not None:
            raise ImportRefused(refused.reason, refused.refusal)
        assert opened is not None  # check_opening refuses every other opening
        return opened

    def _try_secrets(self, data: bytes, password: str | None) -> tuple[Opened | None, Opening, str]:
        # A file the secret opens but whose integrity code fails was changed after encryption:
        # it is returned as opened so that verification reports it and it goes to quarantine.
        try:
            reader = open_reader(data, password=password)
            return (
                Opened(
                    password=password,
                    encrypted=Encryption.PASSWORD if reader.encrypted else Encryption.NONE,
                ),
                Opening.OPENED,
                "",
            )
        except EncryptedFileDamaged:
            return Opened(password=password, encrypted=Encryption.PASSWORD), Opening.OPENED, ""
        except PasswordRequired as exc:
            return None, Opening.PASSWORD, str(exc)
        except RecipientKeyRequired:
            pass  # try the school's keys
        except SignatureInvalid as exc:
            return None, Opening.DAMAGED, str(exc)
        except Exception:  # a third-party parser failing means the file is not a readable PDF
            return None, Opening.DAMAGED, ""
        recipients = self._trust.recipients()
        for recipient in recipients:
            try:
                open_reader(data, recipient=recipient)
            except EncryptedFileDamaged:
                pass
            except SignatureInvalid:
                continue
            except Exception:
                return None, Opening.DAMAGED, ""
            return Opened(recipient=recipient, encrypted=Encryption.CERTIFICATE), Opening.OPENED, ""
        return None, Opening.OTHER_KEY if recipients else Opening.NO_KEYS, ""

    @staticmethod
    def pdf_files_in(paths: Iterable[Path]) -> list[Path]:
        """The files to import: each file as given, and the PDFs directly inside each folder (in
        name order; sub-folders are not searched)."""
        out: list[Path] = []
        for path in map(Path, paths):
            if path.is_dir():
                out += sorted(
                    q for q in path.iterdir() if q.suffix.lower() == ".pdf" and q.is_file()
                )
            else:
                out.append(path)
        return out

    def import_files(
        self, paths: Iterable[Path], trust: Trust | None = None, password: str | None = None
    ) -> list[ImportOutcome]:
        """Verify and import each file; one outcome per file, in order. Never raises for a bad
        file: a refused file changes nothing, an invalid or unvouched one goes to quarantine."""
        chosen = trust if trust is not None else self._trust.trust()
        self._children = None  # another session may have imported since
        out = []
        for path in paths:
            path = Path(path)
            try:
                out.append(self._import_one(path, chosen, password))
            except ImportRefused as exc:
                out.append(ImportOutcome.refused(shown_name(path.name), str(exc), exc.refusal))
            except InputRefused as exc:
                out.append(
                    ImportOutcome.refused(shown_name(path.name), str(exc), Refusal.UNREADABLE)
                )
        return out

    def _read(self, path: Path) -> bytes:
        data = read_file(path, limit=PDF_BYTES, what="record PDF")  # InputRefused: unreadable
        if not data.lstrip()[:5] == b"%PDF-":
            raise ImportRefused(f"{shown_name(path.name)} is not a PDF.", Refusal.NOT_PDF)
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
        refused = check_seen(name, self._seen(digest))
        if refused is not None:
            raise ImportRefused(refused.reason, refused.refusal)
        opened = self._open(name, data, password)
        result = self._verify(name, data, trust, opened, accept_self_signed=False)
        decision = on_verdict(result.verdict)
        if isinstance(decision, Quarantine):
            return self._quarantine(name, data, digest, result, opened, decision.kind)
        return self._accept(name, data, digest, result, opened)

    def _seen(self, digest: str) -> Seen:
        for prov in self._store.index().values():
            same = [f for _p, f, sha in prov.packet_files if sha == digest]
            if prov.file_sha256 == digest or same:
                return Seen(imported_as=same[0] if same else prov.file_name)
        return Seen(in_quarantine=any(q.file_sha256 == digest for q in self._store.quarantine()))

    def _quarantine(
        self,
        name: str,
        data: bytes,
        digest: str,
        result: VerifyResult,
        opened: Opened,
        kind: QuarantineKind,
    ) -> ImportOutcome:
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
        if kind.releasable:  # kept for the release after a phone check
            self._store.keep_quarantined_file(digest, data, opened.password)
        self._store.put_quarantine([*self._store.quarantine(), entry])
        self._vault.record_event(
            "school_quarantined", None, {"file": name, "reason": result.reason, "kind": kind.value}
        )
        return ImportOutcome(
            name, ImportStatus.QUARANTINED, result.reason, record_id=result.record_id
        )

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
            raise ImportRefused(f"{name}: {exc}", Refusal.BAD_RECORD) from None
        info = self._trust.info()
        index = self._store.index()
        twin = self._same_child(record)
        refused = check_record(
            name,
            record.display_name,
            record_school_urn=str(record.get("child.school_urn") or ""),
            school_urn=info.urn,
            school_name=info.name,
            twin_setting=None
            if twin is None
            else index[twin.id].setting_name
            if twin.id in index
            else "another setting",
        )
        if refused is not None:
            raise ImportRefused(refused.reason, refused.refusal)
        try:
            readable = readable_copy(data, password=opened.password, recipient=opened.recipient)
        except Exception:  # verified a moment ago; a failure here means the file is odd
            raise ImportRefused(
                f"{name} could not be decrypted for reading.", Refusal.DAMAGED
            ) from None
        packet = packet_of(readable)
        old = self._store.get(record.id)
        old_version = index[record.id].export_version if record.id in index else None
        held = index[record.id] if old is not None and old_version is not None else None
        placement = place(
            name,
            record.display_name,
            version=record.export_version,
            held_version=None if held is None else old_version,
            packet=packet,
            packets_held=frozenset()
            if held is None
            else frozenset(p for p, _f, _s in held.packet_files),
            same_record=old is not None and record_to_bytes(record) == record_to_bytes(old),
        )
        if isinstance(placement, Refuse):
            raise ImportRefused(placement.reason, placement.refusal)
        if placement is Placement.OTHER_PACKET and held is not None:
            return self._add_packet(held, record, packet, name, digest, data, readable)
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
            self._store.drop_files(index[record.id])
        self._store.keep_file(record.id, packet, data, readable)
        self._store.put(record, provenance)
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
            status = ImportStatus.IMPORTED
        else:
            reason = (
                f"Version {record.export_version} replaces version {old_version}; "
                f"{len(changed)} field(s) changed."
            )
            status = ImportStatus.UPDATED
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
            self._children = {r.id: child_key(r) for r in self._store.records()}
        upn, names = child_key(record)
        for other_id, (other_upn, other_names) in self._children.items():
            if other_id == record.id:
                continue
            if upn and other_upn:
                if upn == other_upn:
                    return self._store.get(other_id)
            elif all(names) and other_names == names:
                return self._store.get(other_id)
        return None

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
        self._store.keep_file(record.id, packet, data, readable)
        self._store.put_provenance(
            dataclasses.replace(prov, packet_files=(*prov.packet_files, (packet, name, digest)))
        )
        self._vault.record_event(
            "school_packet_kept",
            record.id,
            {"file": name, "packet": packet, "version": record.export_version},
        )
        return ImportOutcome(
            name,
            ImportStatus.IMPORTED,
            f"The {PACKETS[packet].label} of {record.display_name}'s record version "
            f"{record.export_version}, kept with the packet already imported.",
            record_id=record.id,
            child=record.display_name,
            setting=prov.setting_name,
            version=record.export_version,
        )

    # --- quarantine -------------------------------------------------------------------------

    def quarantine(self) -> list[QuarantineEntry]:
        return self._store.quarantine()

    def _quarantined(self, file_sha256: str) -> QuarantineEntry:
        key = file_sha256.strip().lower()
        matches = [q for q in self._store.quarantine() if key and q.file_sha256.startswith(key)]
        if not matches:
            raise VaultError("No file in quarantine has that fingerprint; see “school quarantine”.")
        if len(matches) > 1:
            raise VaultError("More than one file in quarantine starts with that; give more of it.")
        return matches[0]

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
            raise ValidationFailed("Say who at the setting confirmed the fingerprint on the phone.")
        entry = self._quarantined(file_sha256)
        self._children = None
        if not entry.releasable:
            raise ImportRefused(
                f"{entry.file} cannot be released: its signature is broken or the file is damaged "
                "({reason}). Ask the setting to send it again.".format(
                    reason=entry.reason.rstrip(".")
                ),
                Refusal.NOT_RELEASABLE,
            )
        data, kept = self._store.quarantined_file(entry.file_sha256)
        if data is None:
            raise ImportRefused(
                f"{entry.file} is no longer kept in the vault; import the file again, then release it.",
                Refusal.NOT_RELEASABLE,
            )
        if password is None and entry.encrypted is Encryption.PASSWORD:
            password = kept
        opened = self._open(entry.file, data, password)
        result = self._verify(
            entry.file, data, self._trust.trust(), opened, accept_self_signed=True
        )
        if not result.valid or result.fingerprint_sha256 != entry.fingerprint_sha256:
            raise ImportRefused(
                f"{entry.file} cannot be released: {result.reason}", Refusal.NOT_RELEASABLE
            )
        user = self._vault.user
        note = (
            f"Released from quarantine by {user.name} on {self._clock().date().isoformat()} after "
            f"{who} confirmed the signer's certificate fingerprint by phone."
        )
        outcome = self._accept(entry.file, data, entry.file_sha256, result, opened, note)
        self._store.drop_quarantined(entry.file_sha256)
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
        self._store.drop_quarantined(entry.file_sha256)
        self._vault.record_event(
            "school_quarantine_removed", None, {"file": entry.file, "sha256": entry.file_sha256}
        )
        return entry
