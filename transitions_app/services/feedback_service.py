"""The setting's side of the feedback loop: a school's signed receipts and EYFS profile outcome
files, imported into the setting's vault (under ``feedback/``), and the cohort figures from them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from export.receipts import OUTCOMES, RECEIPT, SignedDocument, verify_document
from models.errors import InterchangeError, PermissionDenied
from models.roles import SETTING_ROLES
from models.school import ChildOutcome, CohortStats, cohort_csv, cohort_stats
from transitions_app.services.charter_service import CharterService
from transitions_app.services.vault_json import (
    json_blob,
    load_certificates,
    put_json,
    save_file,
    utc_now,
)
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]
RECEIPTS_BLOB = "feedback/receipts"
OUTCOMES_BLOB = "feedback/outcomes"
FEEDBACK_TRUST_BLOB = "feedback/trust-root"


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
        self._clock = clock or utc_now

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
        receipts = json_blob(self._vault, RECEIPTS_BLOB, [])
        entry = {**doc.summary(), "school": school, "records": items}
        same = (entry["signed_at"], entry["fingerprint_sha256"])
        # the same receipt again replaces the earlier copy (its vouched verdict may have changed)
        receipts = [
            r for r in receipts if (r.get("signed_at"), r.get("fingerprint_sha256")) != same
        ]
        receipts.append(entry)
        put_json(self._vault, RECEIPTS_BLOB, receipts)
        for item in items:
            if item.get("record_id") not in unknown:
                self._vault.record_event(
                    "receipt_received",
                    str(item["record_id"]),
                    {"school": school, "export_version": item.get("export_version")},
                )
        return FeedbackImport(doc, school, len(items), unknown)

    def receipts(self) -> list[dict[str, Any]]:
        return list(json_blob(self._vault, RECEIPTS_BLOB, []))

    def import_outcomes(self, data: bytes) -> FeedbackImport:
        doc, school, items, unknown = self._verify(data, OUTCOMES)
        children = [ChildOutcome.from_dict(i) for i in items]
        stored = json_blob(self._vault, OUTCOMES_BLOB, {})
        for child in children:
            stored[child.record_id] = {
                **child.to_dict(),
                "school": school,
                "signed_at": doc.signed_at.isoformat(),
            }
        put_json(self._vault, OUTCOMES_BLOB, stored)
        self._vault.record_event(
            "outcomes_received", None, {"school": school, "children": len(children)}
        )
        return FeedbackImport(doc, school, len(children), unknown)

    def outcomes(self) -> list[ChildOutcome]:
        stored = json_blob(self._vault, OUTCOMES_BLOB, {})
        return [ChildOutcome.from_dict(v) for _k, v in sorted(stored.items())]

    def cohort(self) -> CohortStats:
        return cohort_stats(self.outcomes())

    def gld_target_percent(self) -> float | None:
        """The LA's GLD target from the setting's charter (None without a charter or target)."""
        charter = CharterService(self._vault, clock=self._clock).charter()
        return charter.gld_target_percent if charter is not None else None

    def cohort_csv(self) -> bytes:
        """The cohort figures as CSV (see :func:`models.school.outcomes.cohort_csv`)."""
        return cohort_csv(self.cohort(), self.gld_target_percent())

    def save_cohort_csv(self, path: Path) -> None:
        save_file(path, self.cohort_csv())
