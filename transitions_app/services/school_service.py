"""The receiving school's service.

:class:`SchoolService` (school vault): import a folder of record PDFs (decrypt with the school's
key or a password, verify each under the trusted LA root and CRL, quarantine what does not verify,
keep provenance and the files as received, replace an earlier version and say what changed), the
class overview, the SENCO queue, signed receipts per setting and signed EYFS profile outcome files
per setting (from a CSV or entered in the app). The setting's side of the loop is
:mod:`transitions_app.services.feedback_service`.

:class:`SchoolService` is the one object the window and the CLI hold; it checks the role once and
hands each call to the part that does it, each over the one repository of the school's blobs
(:class:`~transitions_app.services.school_store.SchoolStore`):

* :mod:`~transitions_app.services.school_trust`: the school's name, identity, trust and keys;
* :mod:`~transitions_app.services.school_intake`: import, quarantine, release (the decisions are
  the pure functions of :mod:`models.school.intake_decision`);
* :mod:`~transitions_app.services.school_records`: the received records, files, overview, reads
  and the SENCO queue;
* :mod:`~transitions_app.services.school_receipts`: signed receipts per setting;
* :mod:`~transitions_app.services.school_outcomes`: EYFS profile outcomes and their signed files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from export.pki import SigningIdentity
from export.receipts import create_school_identity
from export.sign import sign_pdf
from export.stamp import SignatureLabel
from models.errors import PermissionDenied, ValidationFailed
from models.identifiers import is_school_urn
from models.record import Record
from models.roles import SCHOOL_ROLES, Role
from models.school import EnteredOutcomes, Provenance, QueueItem
from models.vault import KdfParams
from transitions_app.services.preview_service import PageImage, PreviewService
from transitions_app.services.school_intake import SchoolIntake
from transitions_app.services.school_outcomes import SchoolOutcomes
from transitions_app.services.school_receipts import SchoolReceipts
from transitions_app.services.school_records import SchoolRecords
from transitions_app.services.school_store import (
    ENTERED_OUTCOMES_BLOB,
    DecryptionKey,
    ImportOutcome,
    OutcomeFiles,
    OutcomeFileSummary,
    Overview,
    QuarantineEntry,
    ReceivedSetting,
    SchoolInfo,
    SchoolStore,
    Stamp,
    Trust,
)
from transitions_app.services.school_trust import SchoolTrust
from transitions_app.services.vault_json import utc_now
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]


class SchoolService:
    """A logged-in session on a school's vault."""

    ENTERED_OUTCOMES_BLOB = ENTERED_OUTCOMES_BLOB  # record id -> aspect -> expected/emerging

    def __init__(self, vault: VaultService, *, clock: Clock | None = None) -> None:
        if vault.user.role not in SCHOOL_ROLES:
            raise PermissionDenied("This is a school's vault task; log in with a school role.")
        self._vault = vault
        self._clock = clock or utc_now
        store = SchoolStore(vault)
        self._store = store
        self._trust = SchoolTrust(vault, store, self._clock)
        self._intake = SchoolIntake(vault, store, self._trust, self._clock)
        self._records = SchoolRecords(vault, store, self._clock)
        self._receipts = SchoolReceipts(vault, store, self._trust, self._clock)
        self._outcomes = SchoolOutcomes(vault, store, self._trust, self._clock)

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
        if not is_school_urn(urn):
            raise ValidationFailed("A school's DfE URN is six digits.")
        if not name:
            raise ValidationFailed("Give the school's name.")
        now = (clock or utc_now)()
        vault, recovery = VaultService.create(
            directory, user, password, kdf=kdf, role=Role.HEADTEACHER
        )
        service = cls(vault, clock=clock)
        chosen = identity or create_school_identity(name, urn, now=now)
        service._trust.initialise(SchoolInfo(urn=urn, name=name), chosen)
        return service, recovery

    def close(self) -> None:
        self._vault.close()

    @property
    def is_headteacher(self) -> bool:
        """Set-up, decryption keys and releasing files from quarantine are the headteacher's."""
        return self._vault.user.role is Role.HEADTEACHER

    # --- set-up, trust and keys (SchoolTrust) ----------------------------------------------

    def info(self) -> SchoolInfo:
        return self._trust.info()

    def identity(self) -> SigningIdentity:
        return self._trust.identity()

    def set_identity_p12(self, p12: bytes, passphrase: str) -> None:
        """Use an LA-issued certificate (PKCS#12) for receipts and outcome files."""
        self._trust.set_identity_p12(p12, passphrase)

    def set_trust(self, root: bytes | None = None, crl: bytes | None = None) -> None:
        """Store the LA root certificate (PEM/DER) and/or its CRL; checked before storing."""
        self._trust.set_trust(root, crl)

    def trust(self) -> Trust:
        """The LA root(s) and CRLs records must chain to (see :meth:`SchoolTrust.trust`)."""
        return self._trust.trust()

    def add_decryption_key(self, p12: bytes, passphrase: str) -> DecryptionKey:
        """Keep the school's decryption key (PKCS#12 from the LA)."""
        return self._trust.add_decryption_key(p12, passphrase)

    def decryption_keys(self) -> list[DecryptionKey]:
        return self._trust.decryption_keys()

    # --- import and quarantine (SchoolIntake) -----------------------------------------------

    @staticmethod
    def pdf_files_in(paths: Iterable[Path]) -> list[Path]:
        """The files to import: each file as given, and the PDFs directly inside each folder."""
        return SchoolIntake.pdf_files_in(paths)

    def import_files(
        self, paths: Iterable[Path], trust: Trust | None = None, password: str | None = None
    ) -> list[ImportOutcome]:
        """Verify and import each file; one outcome per file, in order. Never raises for a bad
        file: a refused file changes nothing, an invalid or unvouched one goes to quarantine."""
        return self._intake.import_files(paths, trust, password)

    def quarantine(self) -> list[QuarantineEntry]:
        return self._intake.quarantine()

    def release(
        self, file_sha256: str, checked_with: str, *, password: str | None = None
    ) -> ImportOutcome:
        """Import a quarantined file after a phone check (see :meth:`SchoolIntake.release`)."""
        return self._intake.release(file_sha256, checked_with, password=password)

    def discard(self, file_sha256: str) -> QuarantineEntry:
        """Remove a file from quarantine (it is not imported); the audit trail keeps its name."""
        return self._intake.discard(file_sha256)

    # --- the received records (SchoolRecords) -----------------------------------------------

    def provenance(self, record_id: str) -> Provenance:
        return self._records.provenance(record_id)

    def received_packets(self, record_id: str) -> list[tuple[str, str, str]]:
        return self._records.received_packets(record_id)

    def received_file(self, record_id: str, packet: str | None = None) -> tuple[str, bytes]:
        return self._records.received_file(record_id, packet)

    def readable_pdf(self, record_id: str, packet: str | None = None) -> bytes:
        return self._records.readable_pdf(record_id, packet)

    def received_pages(
        self, record_id: str, scale: float, packet: str | None = None
    ) -> list[PageImage]:
        return self._records.received_pages(record_id, scale, packet)

    def save_received_file(self, record_id: str, path: Path, packet: str | None = None) -> None:
        self._records.save_received_file(record_id, path, packet)

    def records(self) -> list[Record]:
        return self._records.records()

    def class_summary_pdf(self) -> bytes:
        """The class summary of every received record, signed with the school's signing identity
        (the person's display name and role on the stamp, for the school); unsigned only when the
        school has no identity."""
        info = self.info()
        identity = self._store.identity()
        now = self._clock()
        label = None
        if identity is not None:
            label = SignatureLabel(
                name=self._vault.display_name(),
                role=self._vault.user.role.label,
                organisation=info.name,
                signed_on=now.date(),
            )
        pdf = PreviewService(clock=self._clock).class_summary_pdf(
            self.records(), info.name, signature=label
        )
        if identity is None or label is None:
            return pdf
        return sign_pdf(
            pdf,
            identity.key,
            identity.cert,
            identity.chain,
            signer_name=label.name,
            organisation=info.name,
            signing_time=now,
            reason=label.sentence,
        )

    def overview(self) -> Overview:
        return self._records.overview()

    def senco_queue(self, today: date | None = None) -> list[QueueItem]:
        return self._records.senco_queue(today)

    def read_record(self, record_id: str) -> Record:
        return self._records.read_record(record_id)

    def reads(self) -> dict[str, Stamp]:
        return self._records.reads()

    def senco_reviews(self) -> dict[str, Stamp]:
        return self._records.senco_reviews()

    def mark_reviewed(self, item_key: str, today: date | None = None) -> Stamp:
        return self._records.mark_reviewed(item_key, today)

    # --- receipts (SchoolReceipts) ----------------------------------------------------------

    def receipt(self, setting_urn: str) -> bytes:
        return self._receipts.receipt(setting_urn)

    def received_settings(self) -> list[ReceivedSetting]:
        return self._receipts.received_settings()

    def save_receipt(self, setting_urn: str, path: Path) -> None:
        self._receipts.save_receipt(setting_urn, path)

    # --- outcomes (SchoolOutcomes) ----------------------------------------------------------

    def outcome_files(self, csv_bytes: bytes) -> OutcomeFiles:
        return self._outcomes.outcome_files(csv_bytes)

    def outcomes_template_csv(self) -> bytes:
        return self._outcomes.outcomes_template_csv()

    def save_outcomes_template(self, path: Path) -> int:
        return self._outcomes.save_outcomes_template(path)

    def outcome_summaries(self, files: dict[str, bytes]) -> list[OutcomeFileSummary]:
        return self._outcomes.outcome_summaries(files)

    def save_outcome_files(self, files: dict[str, bytes], folder: Path) -> list[Path]:
        return self._outcomes.save_outcome_files(files, folder)

    def entered_outcomes(self) -> EnteredOutcomes:
        return self._outcomes.entered_outcomes()

    def save_entered_outcomes(self, entered: dict[str, dict[str, str]]) -> None:
        self._outcomes.save_entered_outcomes(entered)

    def entered_outcomes_csv(self) -> bytes:
        return self._outcomes.entered_outcomes_csv()
