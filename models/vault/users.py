"""Users and their key slots: adding one, a new password (and role), checking a password, and
removing one, which re-keys the vault in the same transaction so an old copy of their slot opens
nothing written afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from models.errors import IntegrityError, VaultError
from models.vault import anchor, crypto, schema
from models.vault.audit import AuditLog, VaultPart
from models.vault.connection import VaultConnection
from models.vault.crypto import KdfParams
from models.vault.keyring import (
    KeyRing,
    _new_slot,
    _slot_digest,
    _unlock_slot,
    _validate_name,
    _validate_password,
)
from models.vault.maintenance import Maintenance


@dataclass(frozen=True, slots=True)
class UserRow:
    name: str
    role: str


class Users(VaultPart):
    """The users and key_slots tables of one session's vault."""

    def __init__(
        self, conn: VaultConnection, ring: KeyRing, audit: AuditLog, maintenance: Maintenance
    ) -> None:
        super().__init__(conn, ring, audit)
        self._maintenance = maintenance

    def list_users(self) -> list[UserRow]:
        with self._conn.read() as conn:
            rows = conn.execute(
                select(schema.users.c.name, schema.users.c.role).order_by(schema.users.c.name)
            )
            return [UserRow(str(r.name), str(r.role)) for r in rows]

    def _password_slot(
        self, name: str, role: str, password: str, kdf: KdfParams | None
    ) -> tuple[str, dict[str, Any], bytes | None]:
        """A checked user name, a new password key slot wrapping this vault's data key, and the
        key that tags what that user has seen."""
        name = _validate_name(name)
        password = _validate_password(password)
        ring = self._ring
        slot, mark_key = _new_slot(
            ring.vault_id,
            "password",
            name,
            role,
            password,
            kdf or ring.kdf,
            ring.data_key,
            ring.key_id,
        )
        return name, slot, mark_key

    def add_user(
        self, name: str, role: str, password: str, *, kdf: KdfParams | None = None
    ) -> None:
        name, slot, _mark_key = self._password_slot(name, role, password, kdf)
        with self._audit.write() as conn:
            if conn.execute(select(schema.users.c.name).where(schema.users.c.name == name)).first():
                raise VaultError(f"A user called {name} already exists.")
            conn.execute(
                insert(schema.users).values(
                    name=name, role=role, created=self._audit.clock().isoformat()
                )
            )
            conn.execute(insert(schema.key_slots).values(**slot))
            if self._conn.schema >= 4:  # a seen head left by an earlier user of that name
                conn.execute(delete(schema.seen_heads).where(schema.seen_heads.c.user_name == name))
            self._audit.append(
                conn, "user_added", None, {"name": name, "role": role, "slot": _slot_digest(slot)}
            )

    def set_user(
        self, name: str, role: str, password: str, *, kdf: KdfParams | None = None
    ) -> None:
        """Give a user a new password (and role), replacing the key slot; adds the user if new.

        What they last saw in the audit trail is kept, tagged with their new slot's key."""
        name, slot, mark_key = self._password_slot(name, role, password, kdf)
        mine = name == self._audit.user
        previous_key = self._audit.mark_key
        if mine:
            self._audit.mark_key = mark_key
        try:
            self._set_user(name, role, slot, mark_key)
        except BaseException:
            self._audit.mark_key = previous_key
            raise

    def _set_user(self, name: str, role: str, slot: dict[str, Any], mark_key: bytes | None) -> None:
        with self._audit.write() as conn:
            conn.execute(delete(schema.key_slots).where(schema.key_slots.c.user_name == name))
            done = conn.execute(
                update(schema.users)
                .where(schema.users.c.name == name)
                .values(role=role, failed_attempts=0)
            )
            if done.rowcount == 0:
                conn.execute(
                    insert(schema.users).values(
                        name=name, role=role, created=self._audit.clock().isoformat()
                    )
                )
            conn.execute(insert(schema.key_slots).values(**slot))
            if self._conn.schema >= 4 and mark_key is not None:
                seen = conn.execute(
                    select(schema.seen_heads).where(schema.seen_heads.c.user_name == name)
                ).first()
                head = None if seen is None else anchor.parse_head(f"{seen.seq}:{seen.entry_mac}")
                if head is not None:
                    conn.execute(
                        update(schema.seen_heads)
                        .where(schema.seen_heads.c.user_name == name)
                        .values(tag=anchor.seen_tag(mark_key, self._ring.vault_id, name, head))
                    )
            self._audit.append(
                conn,
                "user_added" if done.rowcount == 0 else "password_set",
                None,
                {"name": name, "role": role, "slot": _slot_digest(slot)},
            )

    def verify_password(self, name: str, password: str) -> bool:
        with self._conn.read() as conn:
            row = (
                conn.execute(
                    select(schema.users.c.role, schema.key_slots)
                    .join(schema.key_slots, schema.key_slots.c.user_name == schema.users.c.name)
                    .where(schema.users.c.name == name)
                )
                .mappings()
                .first()
            )
        if row is None:
            return False
        try:
            data_key, _private = _unlock_slot(
                row, self._ring.vault_id, row["role"], crypto.password_forms(password)
            )
        except IntegrityError:
            return False
        return data_key == self._ring.data_key

    def remove_user(self, name: str) -> None:
        """Delete the user's key slot and re-key, in one transaction, so an old copy of their slot
        opens nothing written afterwards."""
        if name == self._audit.user:
            raise VaultError("You cannot remove the user you are logged in as.")

        def remove(conn: Connection) -> int:
            conn.execute(delete(schema.key_slots).where(schema.key_slots.c.user_name == name))
            done = conn.execute(delete(schema.users).where(schema.users.c.name == name))
            if done.rowcount == 0:
                raise VaultError(f"There is no user called {name}.")
            if self._conn.schema >= 4:
                conn.execute(delete(schema.seen_heads).where(schema.seen_heads.c.user_name == name))
            self._audit.append(conn, "user_removed", None, {"name": name})
            return self._maintenance.rekey_in(conn)

        self._maintenance.keyed_transaction(remove)
