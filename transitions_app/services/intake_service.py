"""Tell it once: start a child's record from another setting's exported PDF.

For shared care or a move between settings. The PDF is verified strictly against this vault's LA
root and revocation list first (a self-signed sender only when the person accepts it), then its
embedded record becomes a new draft in this vault: a new id, no sign-offs, export version 0, and
for every answer a note of where it came from, so nobody re-asks the family and everyone can see
which answers this setting has not checked yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from export.verify import verify_pdf
from models.errors import SignatureInvalid
from models.interchange import record_from_bytes
from models.record import Record, Status
from transitions_app.services.charter_service import CharterService
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]
MAX_PDF_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Intake:
    record: Record
    source: str  # who it came from, as shown in each answer's provenance
    vouched: bool


def _check_json(data: bytes) -> None:
    record_from_bytes(data)


def start_from_pdf(
    vault: VaultService,
    pdf: bytes,
    *,
    password: str | None = None,
    accept_self_signed: bool = False,
    clock: Clock | None = None,
) -> Intake:
    if len(pdf) > MAX_PDF_BYTES:
        raise SignatureInvalid("The file is too large to be a transition record.")
    now = (clock or (lambda: datetime.now(UTC)))()
    charters = CharterService(vault, clock=clock)
    root, crl = charters.la_root(), charters.crl()
    result = verify_pdf(
        pdf,
        trust_roots=[root] if root is not None else [],
        crls=[crl] if crl is not None else [],
        accept_self_signed=accept_self_signed,
        password=password,
        json_check=_check_json,
        now=now,
    )
    if not result.valid or result.record_json is None:
        raise SignatureInvalid(f"The record was not started from this file: {result.reason}")
    theirs = record_from_bytes(result.record_json)
    setting = theirs.get("child.setting_name") or result.organisation or "another setting"
    signed = (result.signed_at or "")[:10]
    source = f"{setting}, record version {theirs.export_version}, signed {signed}".strip(", ")
    mine = Record(
        framework_id=theirs.framework_id,
        framework_version=theirs.framework_version,
        id=str(uuid.uuid4()),
        values=dict(theirs.values),
        status=Status.DRAFT,
        created=now.replace(microsecond=0),
        updated=now.replace(microsecond=0),
    )
    mine.provenance = {path: f"From {source}" for path in sorted(mine.values)}
    stored = vault.import_record(mine)
    vault.record_event(
        "started_from_pdf",
        stored.id,
        {"vouched": result.vouched, "fingerprint": result.fingerprint_sha256},
    )
    return Intake(stored, source, result.vouched)
