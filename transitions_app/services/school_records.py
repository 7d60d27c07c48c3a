"""Reading what the school received: the records and where each came from, the files as
received (and their readable copies for the screen), the class overview, who read each record
first, and the SENCO queue with its reviews."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from export.packets import PACKETS
from models.errors import PermissionDenied, VaultError
from models.record import Record
from models.roles import Permission, can
from models.school import Provenance, QueueItem, count_rows, overview_rows, senco_queue
from transitions_app.services.preview_service import PageImage, PreviewService
from transitions_app.services.school_store import Overview, SchoolStore, Stamp
from transitions_app.services.vault_json import save_file
from transitions_app.services.vault_service import VaultService

Clock = Callable[[], datetime]


class SchoolRecords:
    """The received records, their files, the overview, reads and SENCO reviews."""

    def __init__(self, vault: VaultService, store: SchoolStore, clock: Clock) -> None:
        self._vault = vault
        self._store = store
        self._clock = clock

    # --- the received files -----------------------------------------------------------------

    def provenance(self, record_id: str) -> Provenance:
        """Where a received record came from: setting, signer, file, and any release note."""
        prov = self._store.index().get(record_id)
        if prov is None:
            raise VaultError("No received record has that id.")
        return prov

    def received_packets(self, record_id: str) -> list[tuple[str, str, str]]:
        """(packet, its label, file name) for each file kept of the record's current version."""
        prov = self.provenance(record_id)
        if not prov.packet_files:  # imported before packets were told apart
            return [("", "Record PDF", prov.file_name)]
        return [(p, PACKETS[p].label if p in PACKETS else p, f) for p, f, _sha in prov.packet_files]

    def _kept(self, record_id: str, packet: str | None) -> tuple[str, bytes, bytes | None]:
        """(file name, the file as received, its readable copy if one is kept)."""
        if record_id not in self._store.index():
            raise VaultError("No received record has that id; its file is not kept in this vault.")
        packets = self.received_packets(record_id)
        chosen = next((p for p in packets if packet is None or p[0] == packet), None)
        if chosen is None:
            raise VaultError(f"No {packet} packet of that record was received.")
        key, _label, file_name = chosen
        data, readable = self._store.file(record_id, key)
        if data is None:
            raise VaultError(
                "The received file for that record is not kept in this vault (it was imported "
                "before files were kept; import it again to keep it)."
            )
        return file_name, data, readable

    def received_file(self, record_id: str, packet: str | None = None) -> tuple[str, bytes]:
        """The file name and bytes exactly as received (signed, and encrypted if it was): the
        proof to keep or pass on. ``packet``: "teacher" or "senco" (default: the first kept)."""
        file_name, data, _readable = self._kept(record_id, packet)
        return file_name, data

    def readable_pdf(self, record_id: str, packet: str | None = None) -> bytes:
        """The received PDF decrypted, for showing inside the app; counts as reading the record."""
        _name, data, readable = self._kept(record_id, packet)
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

    # --- views ------------------------------------------------------------------------------

    def records(self) -> list[Record]:
        return self._store.records()

    def overview(self) -> Overview:
        rows = overview_rows(self._store.records(), self._store.index())
        return Overview(rows=rows, counts=count_rows(rows), quarantine=self._store.quarantine())

    def senco_queue(self, today: date | None = None) -> list[QueueItem]:
        if not can(self._vault.user.role, Permission.REVIEW_SEND_PLANS):
            raise PermissionDenied(
                "Only the school SENCO or the headteacher can see the SENCO queue."
            )
        return senco_queue(self._store.records(), today or self._clock().date())

    def read_record(self, record_id: str) -> Record:
        """A received record, to read; the first reading is recorded (who and when) for the
        setting's receipt."""
        record = self._store.get(record_id)
        if record is None:
            raise VaultError("No received record has that id.")
        reads = self._store.reads()
        if record_id not in reads:
            reads[record_id] = self._stamp(self._clock().date())
            self._store.put_reads(reads)
            self._vault.record_event("school_read", record_id, {})
        return record

    def reads(self) -> dict[str, Stamp]:
        """Record id -> {"by", "role", "on"}: who first read each received record, and when."""
        return self._store.reads()

    def senco_reviews(self) -> dict[str, Stamp]:
        """Item key -> {"by", "role", "on"} for the queue items a SENCO has marked reviewed."""
        return self._store.senco_reviews()

    def mark_reviewed(self, item_key: str, today: date | None = None) -> Stamp:
        """Record that the logged-in SENCO (or headteacher) reviewed this queue item, and when."""
        queue = {item.key for item in self.senco_queue(today)}
        if item_key not in queue:
            raise VaultError(
                "That item is not in the SENCO queue; check its key with "
                "“school senco-queue --json”."
            )
        entry = self._stamp(today or self._clock().date())
        reviews = self._store.senco_reviews()
        reviews[item_key] = entry
        self._store.put_senco_reviews(reviews)
        record_id, kind = item_key.split("|", 1)[0], item_key.split("|")[1]
        self._vault.record_event("senco_reviewed", record_id, {"kind": kind})
        return entry

    def _stamp(self, on: date) -> Stamp:
        user = self._vault.user
        return {"by": user.name, "role": user.role.value, "on": on.isoformat()}
