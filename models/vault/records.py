"""Records: bytes in, bytes out, each sealed under the data key and saved in one transaction with
its audit entry (which carries the row version and a digest of the plaintext). A save checks the
version it read (``UPDATE ... WHERE version = :v``); a stale one is a ``SaveConflict``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update

from models.errors import IntegrityError, SaveConflict, VaultError
from models.vault import crypto, schema
from models.vault.audit import VaultPart
from models.vault.connection import _meta_get
from models.vault.keyring import _record_aad


@dataclass(frozen=True, slots=True)
class StoredRecord:
    id: str
    version: int
    data: bytes


class Records(VaultPart):
    """The records table of one session's vault."""

    def record_versions(self) -> dict[str, int]:
        with self._conn.read() as conn:
            return {
                str(r.id): int(r.version)
                for r in conn.execute(select(schema.records.c.id, schema.records.c.version))
            }

    def get_record(self, record_id: str) -> StoredRecord:
        with self._conn.read() as conn:
            row = (
                conn.execute(select(schema.records).where(schema.records.c.id == record_id))
                .mappings()
                .first()
            )
        if row is None:
            raise VaultError("That record is not in the vault.")
        return StoredRecord(
            record_id, int(row["version"]), self._ring.open_row("records", row, record_id)
        )

    def list_records(self) -> tuple[list[StoredRecord], list[str]]:
        """Every record that opens, and the ids of those that are damaged (never raises for one)."""
        good: list[StoredRecord] = []
        damaged: list[str] = []
        with self._conn.read() as conn:
            rows = list(
                conn.execute(select(schema.records).order_by(schema.records.c.id)).mappings()
            )
        for row in rows:
            try:
                good.append(
                    StoredRecord(
                        row["id"],
                        int(row["version"]),
                        self._ring.open_row("records", row, row["id"]),
                    )
                )
            except (IntegrityError, ValueError, TypeError):
                damaged.append(str(row["id"]))
        return good, damaged

    def put_record(
        self,
        record_id: str,
        data: bytes,
        expected_version: int | None,
        *,
        action: str = "saved",
        detail: dict[str, Any] | None = None,
        force: bool = False,
    ) -> int:
        """Write a record in one transaction with its audit entry; returns the new version.

        ``expected_version`` None means "must be new". A different stored version raises
        SaveConflict unless ``force`` (import: keep the id, take the next version).
        """
        with self._audit.write() as conn:
            current = conn.execute(
                select(schema.records.c.version).where(schema.records.c.id == record_id)
            ).scalar()
            if force:
                expected_version = None if current is None else int(current)
            if current is None and expected_version is not None:
                raise SaveConflict(
                    "This record was deleted by someone else; it could not be saved."
                )
            if current is not None and expected_version != int(current):
                raise SaveConflict(
                    "Someone else saved this record after it was opened here; reopen it and make the change again."
                )
            version = 1 if current is None else int(current) + 1
            nonce, sealed = crypto.seal(
                self._ring.data_key,
                data,
                _record_aad("records", record_id, version, self._ring.key_id),
            )
            seq = self._audit.append(
                conn,
                action,
                record_id,
                {**(detail or {}), "row": {"version": version, "sha256": crypto.digest(data)}},
            )
            values: dict[str, Any] = {
                "version": version,
                "key_id": self._ring.key_id,
                "nonce": nonce,
                "ciphertext": sealed,
            }
            if self._conn.schema >= 3:
                values["change_seq"] = seq
            if current is None:
                conn.execute(insert(schema.records).values(id=record_id, **values))
            else:
                # conditional on the version read above: with the writers' lock this cannot
                # miss, but it is the check that makes a lost update impossible on any backend
                done = conn.execute(
                    update(schema.records)
                    .where(schema.records.c.id == record_id, schema.records.c.version == current)
                    .values(**values)
                )
                if done.rowcount != 1:
                    raise SaveConflict(
                        "Someone else saved this record at the same time; reopen it and try again."
                    )
        return version

    def delete_record(self, record_id: str) -> None:
        with self._audit.write() as conn:
            done = conn.execute(delete(schema.records).where(schema.records.c.id == record_id))
            if done.rowcount == 0:
                raise VaultError("That record is not in the vault.")
            seq = self._audit.append(conn, "deleted", record_id, {"row": {"deleted": True}})
            if self._conn.schema >= 3:
                conn.execute(delete(schema.tombstones).where(schema.tombstones.c.id == record_id))
                conn.execute(insert(schema.tombstones).values(id=record_id, change_seq=seq))

    def changes_since(self, token: int) -> tuple[list[str], int]:
        """Record ids saved or deleted (by anyone) after ``token``, and the token to pass next.

        The token is the audit sequence number of the newest write seen. Writers are serialised,
        so sequence numbers are handed out in commit order and nothing committed at or below the
        returned token can appear later. ``0`` (or a token from another vault, e.g. after a
        restore) returns every id present and every deleted id. An id may come back twice.
        """
        with self._conn.read() as conn:
            head = _meta_get(conn, "audit_head") or "0:"
            new_token = int(head.split(":", 1)[0])
            since = token if 0 < token <= new_token else -1
            ids = {
                str(r)
                for r in conn.execute(
                    select(schema.records.c.id).where(schema.records.c.change_seq > since)
                ).scalars()
            }
            ids.update(
                str(r)
                for r in conn.execute(
                    select(schema.tombstones.c.id).where(schema.tombstones.c.change_seq > since)
                ).scalars()
            )
        return sorted(ids), new_token
