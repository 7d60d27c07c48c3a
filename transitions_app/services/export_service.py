"""Export: from a record in the vault to signed PDF packets on disk, under the charter's rules.

The rules are enforced here, whoever calls: a record is refused (with exactly what is missing)
until the charter's required content, consent and sign-offs are there; withdrawn consent blocks
export; the charter's export policy decides encryption. Each export makes version n+1 of the
record, writes the files atomically, records version, hash and recipient in the audit trail and
writes a manifest (JSON and CSV) with each file's SHA-256. A batch renders and signs in worker
processes (both cores) while the vault stays in this process.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from export.file_names import export_file_name, file_code
from export.packets import PACKETS, SENCO, TEACHER, needs_senco_packet
from export.pipeline import PacketJob, PacketResult, build_packet, signer_material
from export.pki import SigningIdentity
from models.completeness import MissingItem
from models.errors import CharterInvalid, CharterViolation, TransitionsError
from models.interchange import record_to_bytes
from models.record import Record, Status
from models.roles import Role
from models.safe_output import csv_row, write_atomically
from transitions_app.services.charter_service import CharterService, TrustMaterial
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]
Progress = Callable[[int, int, str], None]
PACKET_CHOICES = ("teacher", "senco", "all")


@dataclass(frozen=True)
class ExportedFile:
    record_id: str
    child: str
    packet: str
    path: Path
    sha256: str
    version: int
    supersedes: int | None
    recipient_urn: str
    encrypted: str  # "", "password" or "certificate"
    code: str = ""  # the file code in the name and on the front sheet (export.file_names)

    def describe(self) -> str:
        """For the person exporting (never in the folder): whose file this is, and which."""
        again = (
            f", version {self.version} (replaces version {self.supersedes})"
            if self.supersedes
            else ""
        )
        return f"{self.child}, {PACKETS[self.packet].label}{again}: {self.path.name}"


@dataclass(frozen=True)
class Refusal:
    record_id: str
    child: str
    missing: tuple[MissingItem, ...] = ()
    reason: str = ""

    def message(self) -> str:
        if self.missing:
            items = "; ".join(f"{m.label} ({m.reason})" for m in self.missing)
            return f"{self.child} cannot be exported yet. Missing: {items}"
        return f"{self.child} cannot be exported: {self.reason}"


@dataclass
class ExportReport:
    files: list[ExportedFile] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    manifest_json: Path | None = None
    manifest_csv: Path | None = None
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.refused and not self.cancelled


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _profile_dsl(vault: VaultService) -> str:
    """The DSL named in the setting profile with their phone, or "" when none is named."""
    from models.errors import ValidationFailed
    from transitions_app.services.profile_service import ProfileService

    try:
        dsl = ProfileService(vault).profile().dsl
    except ValidationFailed:
        return ""
    return ", ".join(p for p in (dsl.name.strip(), dsl.phone.strip()) if p)


@dataclass
class _Plan:
    record: Record
    exported: Record
    jobs: list[PacketJob]
    recipient_urn: str
    encrypted: str


class ExportService:
    def __init__(
        self, vault: VaultService, *, clock: Clock | None = None, workers: int | None = None
    ) -> None:
        self._vault = vault
        self._clock = clock or _utc_now
        self._charters = CharterService(vault, clock=self._clock)
        self._workers = workers if workers is not None else min(2, os.cpu_count() or 1)

    # --- rules ---------------------------------------------------------------------------------

    def _today(self) -> date:
        return self._clock().astimezone(UTC).date()

    def _trust(self) -> TrustMaterial:
        trust = self._charters.trust()
        if trust is None:
            raise CharterInvalid(
                "No charter has been imported; a manager imports the LA's charter before export."
            )
        return trust

    def missing_for_export(self, record: Record) -> list[MissingItem]:
        """Everything that stops this record being exported today (empty: it may go)."""
        return self._trust().charter.missing_for_export(record, self._today())

    def check_export(self, record: Record) -> None:
        missing = self.missing_for_export(record)
        if missing:
            refusal = Refusal(record.id, record.display_name, tuple(missing))
            raise CharterViolation(refusal.message(), tuple(m.label for m in missing))

    def _dsl_contact(self, record: Record) -> str:
        setting = record.get("child.setting_name") or "the setting"
        named = _profile_dsl(self._vault)
        if named:
            return f"Contact the designated safeguarding lead ({named}) at {setting}."
        dsls = [
            self._vault.display_name(u.name)
            for u in self._vault.list_users()
            if u.role in (Role.DSL, Role.CHILDMINDER)
        ]
        who = (
            f"the designated safeguarding lead ({', '.join(dsls)})"
            if dsls
            else "the designated safeguarding lead"
        )
        return f"Contact {who} at {setting}."

    # --- planning ------------------------------------------------------------------------------

    def _plan(
        self,
        record: Record,
        packets: str,
        password: str | None,
        trust: TrustMaterial,
        identity: SigningIdentity,
    ) -> _Plan:
        if packets not in PACKET_CHOICES:
            raise TransitionsError(f"Choose the packet: {', '.join(PACKET_CHOICES)}.")
        charter = trust.charter
        now = self._clock()
        exported = record.copy()
        exported.export_version = record.export_version + 1
        exported.status = Status.EXPORTED
        exported.updated = now
        exported.exported_on = now.date()
        supersedes = record.export_version or None
        urn = str(record.get("child.school_urn") or "")
        recipient_pem: bytes | None = None
        encrypted = ""
        if charter.export.encrypt_for_recipient:
            school = charter.school(urn)
            if school is not None and school.encryption_cert_pem:
                recipient_pem = school.encryption_cert_pem.encode("ascii")
                encrypted = "certificate"
            elif password:
                encrypted = "password"
            else:
                raise CharterViolation(
                    f"The charter asks for encrypted export and {record.get('child.school_name') or 'this school'} "
                    "has no certificate in the directory: give a password to encrypt with (entered twice)."
                )
        elif password:
            encrypted = "password"
        key_der, cert_der, chain_der = signer_material(identity.key, identity.cert, identity.chain)
        organisation = record.get("child.setting_name") or ""
        base = {
            "record_json": record_to_bytes(exported),
            "generated_on": now,
            "key_der": key_der,
            "cert_der": cert_der,
            "chain_der": chain_der,
            "signer_name": self._vault.display_name(),
            "signer_role": self._vault.user.role.label,
            "organisation": organisation,
            "handling_note": charter.export.handling_note,
            "setting_dsl_contact": self._dsl_contact(record),
            "supersedes_version": supersedes,
            "supersedes_sent_on": record.exported_on if supersedes else None,
            "encrypt_password": password if encrypted == "password" else None,
            "recipient_cert_pem": recipient_pem,
        }
        jobs = []
        if packets in ("teacher", "all"):
            jobs.append(PacketJob(packet=TEACHER, file_code=file_code(record.id), **base))  # type: ignore[arg-type]
        if packets == "senco" or (packets == "all" and needs_senco_packet(record)):
            if not needs_senco_packet(record):
                raise TransitionsError(
                    f"{record.display_name} has no SEND support recorded, so there is no SENCO packet."
                )
            # Keyed with the signing key: nobody can pair it with the child's teacher packet.
            code = file_code(record.id, key=key_der)
            jobs.append(PacketJob(packet=SENCO, file_code=code, **base))  # type: ignore[arg-type]
        return _Plan(record, exported, jobs, urn, encrypted)

    def export(
        self,
        record_ids: Iterable[str],
        out_dir: Path,
        *,
        packets: str = "all",
        password: str | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> ExportReport:
        out_dir.mkdir(parents=True, exist_ok=True)
        trust = self._trust()
        identity = self._charters.signing_identity_for_export()
        report = ExportReport()
        plans: list[_Plan] = []
        for record_id in record_ids:
            record = self._vault.load(record_id)
            missing = trust.charter.missing_for_export(record, self._today())
            if missing:
                report.refused.append(Refusal(record.id, record.display_name, tuple(missing)))
                # counted (by item, never by child) in the setting's return to the LA
                self._vault.record_event(
                    "export_refused", record.id, {"items": sorted({m.label for m in missing})}
                )
                continue
            try:
                plans.append(self._plan(record, packets, password, trust, identity))
            except TransitionsError as exc:
                report.refused.append(Refusal(record.id, record.display_name, reason=str(exc)))
        jobs = [(plan, job) for plan in plans for job in plan.jobs]
        results: dict[int, PacketResult] = {}
        total = len(jobs)
        if progress:
            progress(0, total, "")

        def note(index: int, result: PacketResult) -> None:
            results[index] = result
            if progress:
                progress(len(results), total, jobs[index][0].record.display_name)

        if self._workers > 1 and total > 2:
            # "spawn": never fork a process that runs Qt threads (a forked child can deadlock).
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=self._workers, mp_context=context) as pool:
                pending: dict[Future[PacketResult], int] = {
                    pool.submit(build_packet, job): i for i, (_, job) in enumerate(jobs)
                }
                while pending:
                    done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    for fut in done:
                        note(pending.pop(fut), fut.result())
                    if cancel is not None and cancel.is_set():
                        for fut in pending:
                            fut.cancel()
                        report.cancelled = True
                        break
        else:
            for i, (_, job) in enumerate(jobs):
                if cancel is not None and cancel.is_set():
                    report.cancelled = True
                    break
                note(i, build_packet(job))
        # Write and record only records whose every packet was built.
        index = 0
        for plan in plans:
            indices = list(range(index, index + len(plan.jobs)))
            index += len(plan.jobs)
            if not all(i in results for i in indices):
                continue
            report.files.extend(self._commit(plan, [results[i] for i in indices], out_dir))
        if report.files:
            report.manifest_json, report.manifest_csv = self._write_manifest(report, out_dir)
        return report

    def _commit(
        self, plan: _Plan, results: list[PacketResult], out_dir: Path
    ) -> list[ExportedFile]:
        record, exported = plan.record, plan.exported
        files: list[ExportedFile] = []
        codes = {job.packet: job.file_code for job in plan.jobs}
        for result in results:
            code = codes[result.packet]
            path = out_dir / export_file_name(
                school_urn=plan.recipient_urn, code=code, version=exported.export_version
            )
            write_atomically(path, result.pdf)
            files.append(
                ExportedFile(
                    record.id,
                    record.display_name,
                    result.packet,
                    path,
                    result.sha256,
                    exported.export_version,
                    record.export_version or None,
                    plan.recipient_urn,
                    plan.encrypted,
                    code,
                )
            )
        stored = self._vault.mark_exported(record.id, exported.exported_on)
        if stored.export_version != exported.export_version:  # someone exported it meanwhile
            raise CharterViolation(
                f"{record.display_name} was exported by someone else at the same time; export again."
            )
        for f in files:
            self._vault.record_event(
                "export_file",
                record.id,
                {
                    "version": f.version,
                    "packet": f.packet,
                    "sha256": f.sha256,
                    "recipient": f.recipient_urn,
                    "encrypted": f.encrypted,
                    "supersedes": f.supersedes,
                },
            )
        return files

    def _write_manifest(self, report: ExportReport, out_dir: Path) -> tuple[Path, Path]:
        stamp = self._clock().strftime("%Y%m%d-%H%M%S")
        # Beside the files, so nothing a file's name keeps back: no name, record id or packet.
        rows: list[dict[str, Any]] = [
            {
                "file": f.path.name,
                "file_code": f.code,
                "sha256": f.sha256,
                "record_version": f.version,
                "supersedes_version": f.supersedes,
                "recipient_urn": f.recipient_urn,
                "encrypted": f.encrypted or "no",
            }
            for f in sorted(report.files, key=lambda f: f.path.name)
        ]
        manifest = {
            "format": "transitions-export-manifest",
            "created": self._clock().isoformat(),
            "exported_by": self._vault.user.name,
            "files": rows,
        }
        json_path = out_dir / f"manifest-{stamp}.json"
        write_atomically(json_path, (json.dumps(manifest, indent=2) + "\n").encode())
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(csv_row(rows[0]))
        writer.writerows(csv_row(row.values()) for row in rows)
        csv_path = out_dir / f"manifest-{stamp}.csv"
        write_atomically(csv_path, buf.getvalue().encode())
        return json_path, csv_path

    def record_ids_for(
        self, *, school_urn: str | None = None, all_records: bool = False
    ) -> list[str]:
        records = self._vault.list_records()
        if school_urn is not None:
            records = [r for r in records if r.get("child.school_urn") == school_urn]
        elif not all_records:
            return []
        return [r.id for r in sorted(records, key=lambda r: r.display_name.lower())]
