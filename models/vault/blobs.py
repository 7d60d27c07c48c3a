"""Blobs: named, sealed values beside the records (settings, pictures, certificates); each save or
deletion has its audit entry, which keeps the blob's name and version."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from models.errors import VaultError
from models.vault import crypto, schema
from models.vault.audit import VaultPart
from models.vault.keyring import _MAX_NAME, _record_aad


class Blobs(VaultPart):
    """The blobs table of one session's vault."""

    def put_blob(self, name: str, data: bytes) -> None:
        if not name or len(name) > _MAX_NAME:
            raise VaultError("A blob name must be 1 to 200 characters.")
        with self._audit.write() as conn:
            current = conn.execute(
                select(schema.blobs.c.version).where(schema.blobs.c.name == name)
            ).scalar()
            version = 1 if current is None else int(current) + 1
            nonce, sealed = crypto.seal(
                self._ring.data_key, data, _record_aad("blobs", name, version, self._ring.key_id)
            )
            values = {
                "version": version,
                "key_id": self._ring.key_id,
                "nonce": nonce,
                "ciphertext": sealed,
            }
            if current is None:
                conn.execute(insert(schema.blobs).values(name=name, **values))
            else:
                conn.execute(
                    update(schema.blobs).where(schema.blobs.c.name == name).values(**values)
                )
            self._audit.append(
                conn,
                "blob_saved",
                None,
                {"name": name, "row": {"version": version, "sha256": crypto.digest(data)}},
            )

    def delete_blob(self, name: str) -> bool:
        """Remove a blob; True if there was one. The audit trail keeps its name and version."""
        with self._audit.write() as conn:
            current = conn.execute(
                select(schema.blobs.c.version).where(schema.blobs.c.name == name)
            ).scalar()
            if current is None:
                return False
            conn.execute(delete(schema.blobs).where(schema.blobs.c.name == name))
            self._audit.append(
                conn,
                "blob_deleted",
                None,
                {"name": name, "row": {"deleted": True, "version": int(current)}},
            )
        return True

    def get_blob(self, name: str) -> bytes | None:
        with self._conn.read() as conn:
            row = (
                conn.execute(select(schema.blobs).where(schema.blobs.c.name == name))
                .mappings()
                .first()
            )
        return None if row is None else self._ring.open_row("blobs", row, name)
