"""Signed receipts back to the settings: one per setting, listing every record received from it
(with when it arrived and who first read it), and the list of settings records came from with the
date each one's last receipt was saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from export.receipts import RECEIPT, sign_document
from models.errors import VaultError
from models.school import Provenance
from transitions_app.services.school_part import SchoolPart
from transitions_app.services.school_store import ReceivedSetting
from transitions_app.services.vault_json import save_file


class SchoolReceipts(SchoolPart):
    """Receipts per setting, signed with the school's identity."""

    def receipt(self, setting_urn: str) -> bytes:
        """A signed receipt listing every record received from the setting with this URN."""
        info = self._trust.info()
        rows = [p for p in self._store.index().values() if p.setting_urn == setting_urn]
        if not rows:
            raise VaultError(
                f"No records from a setting with URN {setting_urn} have been imported."
            )
        records = {r.id: r for r in self._store.records()}
        reads = self._store.reads()
        payload: dict[str, Any] = {
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
        data = sign_document(RECEIPT, payload, self._trust.identity(), signed_at=self._clock())
        self._vault.record_event(
            "school_receipt", None, {"setting_urn": setting_urn, "records": len(rows)}
        )
        return data

    def received_settings(self) -> list[ReceivedSetting]:
        """The settings records came from, by name: received, read so far, last receipt saved."""
        reads = self._store.reads()
        written = self._store.receipts_written()
        by_urn: dict[str, list[Provenance]] = {}
        for prov in self._store.index().values():
            by_urn.setdefault(prov.setting_urn, []).append(prov)
        out = []
        for urn, provs in by_urn.items():
            last = written.get(urn)
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
        written = self._store.receipts_written()
        written[setting_urn] = {"on": self._clock().date().isoformat(), "by": self._vault.user.name}
        self._store.put_receipts_written(written)
        self._vault.record_event("school_receipt_saved", None, {"setting_urn": setting_urn})
