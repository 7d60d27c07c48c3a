"""The encrypted vault: records and blobs as bytes, users with key slots, a keyed audit chain.

This is the storage layer: bytes in, bytes out, no knowledge of what a record means and no role
rules (the service layer above enforces those). Every write is one transaction that also appends
its audit entry, so a save and its audit entry commit together or not at all. Writers are
serialised: ``BEGIN IMMEDIATE`` on a folder vault; on PostgreSQL each write transaction first
locks the audit chain head row (``SELECT ... FOR UPDATE``), so several app instances on one
database never fork the chain, and a save still checks the version it read
(``UPDATE ... WHERE version = :v``, rowcount 1) before it counts.

What is stored in plaintext: user names and roles (staff logins), row ids (random UUIDs), row
versions, key ids, KDF parameters, audit times and action names. Everything else (record contents,
blob contents, audit details) is AES-256-GCM under the vault's data key.

:class:`VaultStore` opens (or creates) a vault and is a facade over its parts, which share the
session's one connection (:mod:`~models.vault.connection`) and key ring
(:mod:`~models.vault.keyring`): the audit log (:mod:`~models.vault.audit`), records
(:mod:`~models.vault.records`), blobs (:mod:`~models.vault.blobs`), users
(:mod:`~models.vault.users`) and maintenance: re-keying, the check and backups
(:mod:`~models.vault.maintenance`).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, update
from sqlalchemy.exc import SQLAlchemyError

from models.errors import VaultError
from models.vault import anchor, crypto, schema
from models.vault.audit import STORE_ACTIONS, AuditEntry, AuditLog
from models.vault.blobs import Blobs
from models.vault.connection import (
    FULL_NOTICE,
    READ_ONLY_NOTICE,
    Clock,
    Progress,
    Sleeper,
    VaultConnection,
    _disk_full,
    _failure_kind,
    _meta_set,
    _NeedsReadOnly,
    _remove_db_files,
    _storage_error,
    _writing,
    connect_as,
    make_vault_folder,
    utc_now,
    vault_exists,
)
from models.vault.crypto import DEFAULT_KDF, KdfParams
from models.vault.keyring import (
    RECOVERY_USER,
    KeyRing,
    _new_slot,
    _slot_digest,
    _validate_name,
    _validate_password,
    read_retired,
    unlock_backup_slot,
)
from models.vault.maintenance import Maintenance
from models.vault.records import Records, StoredRecord
from models.vault.unlock import (
    LOCKOUT_AFTER,
    lockout_delay,
    unlock_with_password,
    unlock_with_recovery_key,
)
from models.vault.users import UserRow, Users

__all__ = [
    "FULL_NOTICE",
    "LOCKOUT_AFTER",
    "READ_ONLY_NOTICE",
    "RECOVERY_USER",
    "STORE_ACTIONS",
    "AuditEntry",
    "Clock",
    "Progress",
    "Sleeper",
    "StoredRecord",
    "UserRow",
    "VaultStore",
    "lockout_delay",
    "unlock_backup_slot",
    "utc_now",
]


def _folder_writable(directory: Path) -> bool:
    files = [directory / (schema.DB_FILE + suffix) for suffix in ("", "-wal", "-shm")]
    return os.access(directory, os.W_OK) and all(os.access(f, os.W_OK) for f in files if f.exists())


class VaultStore:
    """An unlocked vault. Make one with :meth:`create`, :meth:`open` or :meth:`open_with_recovery_key`.

    Each takes a folder (``directory``) or, as a keyword, a PostgreSQL URL (``db_url``).

    A vault that cannot be written here (a read-only folder or database, or a full disk) still
    opens: :attr:`notices` then says that the opening could not be written to the audit trail,
    :attr:`read_only` is set, and every write fails with a plain sentence.
    """

    def __init__(
        self,
        location: schema.Location,
        engine: Engine,
        *,
        data_key: bytes,
        key_id: str,
        vault_id: str,
        user: str,
        role: str,
        clock: Clock,
        retired: dict[str, bytes],
        kdf: KdfParams,
        schema_version: int = schema.CURRENT_SCHEMA,
        mark_key: bytes | None = None,
        read_only: str | None = None,
        state_dir: Path | None = None,
        local_key: bytes | None = None,
    ) -> None:
        self.location = location
        self.user = user
        self.role = role
        # new slots made in this session get the parameters of the one that opened it
        self._ring = KeyRing(vault_id, data_key, key_id, retired, kdf)
        self._conn = VaultConnection(
            location, engine, schema_version=schema_version, read_only=read_only
        )
        self._audit = AuditLog(
            self._conn,
            self._ring,
            user=user,
            clock=clock,
            mark_key=mark_key,
            state_dir=state_dir,
            local_key=local_key,
        )
        self._records = Records(self._conn, self._ring, self._audit)
        self._blobs = Blobs(self._conn, self._ring, self._audit)
        self._maintenance = Maintenance(self._conn, self._ring, self._audit)
        self._users = Users(self._conn, self._ring, self._audit, self._maintenance)

    @property
    def read_only(self) -> str | None:
        """Why this vault cannot be written here (None when it can)."""
        return self._conn.read_only

    @read_only.setter
    def read_only(self, notice: str | None) -> None:
        self._conn.read_only = notice

    @property
    def notices(self) -> list[str]:
        """What this session found on opening (damage found, why it is read-only)."""
        return self._conn.notices

    @property
    def kdf(self) -> KdfParams:
        """The KDF parameters new slots get: those of the slot that opened this session."""
        return self._ring.kdf

    @kdf.setter
    def kdf(self, params: KdfParams) -> None:
        self._ring.kdf = params

    @property
    def _key_id(self) -> str:
        return self._ring.key_id

    @property
    def _data_key(self) -> bytes:
        return self._ring.data_key

    @property
    def directory(self) -> Path | None:
        """The vault folder, or None for a vault on a database server."""
        return self.location.directory

    # --- opening -------------------------------------------------------------------------------

    @staticmethod
    def exists(directory: Path | None = None, *, db_url: str | None = None) -> bool:
        """Is there a vault here? For a server, raises VaultError if it cannot be reached."""
        return vault_exists(schema.locate(directory, db_url))

    @classmethod
    def create(
        cls,
        directory: Path | None,
        user: str,
        password: str,
        role: str,
        *,
        db_url: str | None = None,
        kdf: KdfParams | None = None,
        clock: Clock | None = None,
        schema_version: int = schema.CURRENT_SCHEMA,
    ) -> tuple[VaultStore, str]:
        """Make a new vault with its first user and a recovery key (returned once, never stored).

        A folder is made if needed; a server database must exist already and hold no vault tables.
        """
        location = schema.locate(directory, db_url)
        user = _validate_name(user)
        password = _validate_password(password)
        kdf = kdf or DEFAULT_KDF
        clock = clock or utc_now
        made_dir = False
        if location.on_server:
            if cls.exists(db_url=location.db_url):
                raise VaultError(f"There is already a vault in {location}.")
        else:
            folder = location.directory
            assert folder is not None
            if cls.exists(folder):
                raise VaultError(f"There is already a vault in {folder}.")
            made_dir = make_vault_folder(folder)
        data_key = os.urandom(crypto.KEY_BYTES)
        key_id = crypto.new_key_id()
        vault_id = uuid.uuid4().hex
        recovery_key = crypto.new_recovery_key()
        user_slot, mark_key = _new_slot(
            vault_id, "password", user, role, password, kdf, data_key, key_id
        )
        recovery_slot, _ = _new_slot(
            vault_id,
            "recovery",
            None,
            "",
            crypto.normalise_recovery_key(recovery_key),
            kdf,
            data_key,
            key_id,
        )
        engine = schema.make_engine(location)
        store = cls(
            location,
            engine,
            data_key=data_key,
            key_id=key_id,
            vault_id=vault_id,
            user=user,
            role=role,
            clock=clock,
            retired={},
            kdf=kdf,
            schema_version=schema_version,
            mark_key=mark_key,
        )
        store._audit.anchored = True
        try:
            with engine.begin() as conn:
                if schema.vault_tables_present(conn):
                    raise VaultError(
                        f"The database {location} already has vault tables; use an empty one."
                    )
                schema.create_schema(conn, schema_version)
                for key, value in (
                    ("vault_id", vault_id),
                    ("key_id", key_id),
                    (anchor.HEAD_KEY, anchor.EMPTY.text),
                    (anchor.HEAD_TAG_KEY, anchor.head_tag(data_key, vault_id, anchor.EMPTY)),
                ):
                    _meta_set(conn, key, value)
                conn.execute(
                    insert(schema.users).values(name=user, role=role, created=clock().isoformat())
                )
                conn.execute(insert(schema.key_slots).values(**user_slot))
                conn.execute(insert(schema.key_slots).values(**recovery_slot))
                store._audit.append(
                    conn,
                    "vault_created",
                    None,
                    {
                        anchor.FORMAT_KEY: anchor.AUDIT_FORMAT,
                        "recovery_slot": _slot_digest(recovery_slot),
                    },
                )
                store._audit.append(
                    conn,
                    "user_added",
                    None,
                    {"name": user, "role": role, "slot": _slot_digest(user_slot)},
                )
        except BaseException as exc:
            engine.dispose()
            if location.directory is not None:  # a server rolls the DDL back with the rest
                _remove_db_files(location.directory, remove_dir=made_dir)
            if isinstance(exc, SQLAlchemyError):
                raise _storage_error(exc, "created", location) from None
            raise
        return store, recovery_key

    @classmethod
    def _connect(cls, location: schema.Location) -> tuple[Engine, dict[str, str], int, str | None]:
        """An engine on the vault, its meta rows, its schema version, and why it cannot be
        written here (None when it can). Upgrades the schema when it can write."""
        if not cls.exists(location.directory, db_url=location.db_url):
            raise VaultError(f"No vault was found in {location}.")
        notice: str | None = None
        if location.directory is not None and not _folder_writable(location.directory):
            notice = READ_ONLY_NOTICE
        if notice is None:
            try:
                return connect_as(location, None)
            except _NeedsReadOnly as exc:  # found out by a failed write
                notice = exc.notice
        try:
            return connect_as(location, notice)
        except _NeedsReadOnly:
            # the write-ahead log's shared-memory file cannot be made here: read the file alone
            return connect_as(location, notice, immutable=True)

    @classmethod
    def open(
        cls,
        directory: Path | None,
        user: str,
        password: str,
        *,
        db_url: str | None = None,
        clock: Clock | None = None,
        sleeper: Sleeper | None = None,
        state_dir: Path | None = None,
    ) -> VaultStore:
        """Unlock with a user's password. Raises AuthenticationFailed (with back-off) or VaultError.

        ``state_dir`` is this PC's state folder: the newest entry this user has seen is kept
        there too, outside the vault, so that an older copy of the vault put back is found."""
        clock = clock or utc_now
        sleeper = sleeper or time.sleep
        location = schema.locate(directory, db_url)
        engine, meta, version, notice = cls._connect(location)
        vault_id, key_id = meta["vault_id"], meta["key_id"]
        try:
            data_key, private, row, failures = unlock_with_password(
                location,
                engine,
                vault_id,
                user,
                password,
                clock=clock,
                sleeper=sleeper,
                notice=notice,
            )
            store = cls._unlocked(
                location,
                engine,
                data_key,
                row,
                key_id,
                vault_id,
                user,
                row["role"],
                clock,
                schema_version=version,
                mark_key=crypto.seen_head_key(private, vault_id, user),
                read_only=notice,
                state_dir=state_dir,
                local_key=crypto.local_head_key(private, vault_id, user) if state_dir else None,
            )

            def before(conn: Connection) -> None:
                if failures:
                    store._audit.append(
                        conn,
                        "login_failures",
                        None,
                        {
                            "user": user,
                            "count": failures,
                            "last_failure": row["last_failure"],
                            "delayed": failures >= LOCKOUT_AFTER,
                        },
                    )
                    conn.execute(
                        update(schema.users)
                        .where(schema.users.c.name == user)
                        .values(failed_attempts=0)
                    )

            store._opened("unlocked", before)
            return store
        except BaseException:
            engine.dispose()
            raise

    @classmethod
    def open_with_recovery_key(
        cls,
        directory: Path | None,
        recovery_key: str,
        *,
        db_url: str | None = None,
        clock: Clock | None = None,
        sleeper: Sleeper | None = None,
    ) -> VaultStore:
        clock = clock or utc_now
        sleeper = sleeper or time.sleep
        location = schema.locate(directory, db_url)
        engine, meta, version, notice = cls._connect(location)
        vault_id, key_id = meta["vault_id"], meta["key_id"]
        try:
            data_key, slot, failures = unlock_with_recovery_key(
                location, engine, meta, vault_id, recovery_key, sleeper=sleeper, notice=notice
            )
            store = cls._unlocked(
                location,
                engine,
                data_key,
                slot,
                key_id,
                vault_id,
                RECOVERY_USER,
                "",
                clock,
                schema_version=version,
                read_only=notice,
            )

            def before(conn: Connection) -> None:
                if failures:
                    store._audit.append(
                        conn, "login_failures", None, {"user": RECOVERY_USER, "count": failures}
                    )
                    _meta_set(conn, "recovery_failures", "0")

            store._opened("recovery_unlock", before)
            return store
        except BaseException:
            engine.dispose()
            raise

    @classmethod
    def _unlocked(
        cls,
        location: schema.Location,
        engine: Engine,
        data_key: bytes,
        slot: Any,
        key_id: str,
        vault_id: str,
        user: str,
        role: str,
        clock: Clock,
        *,
        schema_version: int,
        mark_key: bytes | None = None,
        read_only: str | None = None,
        state_dir: Path | None = None,
        local_key: bytes | None = None,
    ) -> VaultStore:
        if slot["key_id"] != key_id:
            raise VaultError("The vault's keys do not match; restore it from a backup.")
        try:
            with engine.connect() as conn:
                retired = read_retired(conn, data_key, vault_id, key_id)
        except SQLAlchemyError as exc:
            raise _storage_error(exc, "read", location) from None
        return cls(
            location,
            engine,
            data_key=data_key,
            key_id=key_id,
            vault_id=vault_id,
            user=user,
            role=role,
            clock=clock,
            retired=retired,
            kdf=KdfParams(slot["memory_kib"], slot["iterations"], slot["lanes"]),
            schema_version=schema_version,
            mark_key=mark_key,
            read_only=read_only,
            state_dir=state_dir,
            local_key=local_key,
        )

    def _opened(self, action: str, before: Callable[[Connection], None]) -> None:
        """Write the opening to the audit trail: first check the trail's end (and record what is
        wrong with it), then ``before``, then the ``action`` entry. A vault that turns out not to
        be writable here (read-only, full disk) stays open for reading, with a notice."""
        if self.read_only is not None:
            return
        try:
            with _writing(self.engine) as conn:
                self._settle_head(conn)
                before(conn)
                self._audit.append(conn, action, None, {})
            self._audit.remember_locally()
        except SQLAlchemyError as exc:
            kind = _failure_kind(exc)
            if kind == "io" and _disk_full(self.location):
                kind = "full"
            if kind not in ("read_only", "full"):
                raise _storage_error(exc, "opened", self.location) from None
            self._audit.anchored = False
            self.read_only = FULL_NOTICE if kind == "full" else READ_ONLY_NOTICE
            self.notices.append(self.read_only)

    def _settle_head(self, conn: Connection) -> None:
        """Check the end of the trail at opening (see :meth:`AuditLog.settle_head`)."""
        self._audit.settle_head(conn)

    def close(self) -> None:
        self._audit.flush_local()
        self._conn.close()
        self._ring.clear()
        self._audit.mark_key = None

    @property
    def engine(self) -> Engine:
        return self._conn.engine

    def _write(self) -> contextlib.AbstractContextManager[Connection]:
        """One write transaction with the writers' lock (see :meth:`AuditLog.write`)."""
        return self._audit.write()

    # --- the parts -----------------------------------------------------------------------------

    def append_audit(self, action: str, record_id: str | None, detail: dict[str, Any]) -> None:
        """Write an event to the audit trail (not one the vault writes itself)."""
        self._audit.append_audit(action, record_id, detail)

    def note_reading(self, record_id: str) -> None:
        self._audit.note_reading(record_id)

    def audit_entries(self, record_id: str | None = None) -> list[AuditEntry]:
        return self._audit.entries(record_id)

    def record_versions(self) -> dict[str, int]:
        return self._records.record_versions()

    def get_record(self, record_id: str) -> StoredRecord:
        return self._records.get_record(record_id)

    def list_records(self) -> tuple[list[StoredRecord], list[str]]:
        """Every record that opens, and the ids of those that are damaged."""
        return self._records.list_records()

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
        """Save a record with its audit entry; returns the new version (see Records)."""
        return self._records.put_record(
            record_id, data, expected_version, action=action, detail=detail, force=force
        )

    def delete_record(self, record_id: str) -> None:
        self._records.delete_record(record_id)

    def changes_since(self, token: int) -> tuple[list[str], int]:
        """Record ids saved or deleted after ``token``, and the token to pass next."""
        return self._records.changes_since(token)

    def put_blob(self, name: str, data: bytes) -> None:
        self._blobs.put_blob(name, data)

    def delete_blob(self, name: str) -> bool:
        return self._blobs.delete_blob(name)

    def get_blob(self, name: str) -> bytes | None:
        return self._blobs.get_blob(name)

    def list_users(self) -> list[UserRow]:
        return self._users.list_users()

    def add_user(
        self, name: str, role: str, password: str, *, kdf: KdfParams | None = None
    ) -> None:
        self._users.add_user(name, role, password, kdf=kdf)

    def set_user(
        self, name: str, role: str, password: str, *, kdf: KdfParams | None = None
    ) -> None:
        self._users.set_user(name, role, password, kdf=kdf)

    def verify_password(self, name: str, password: str) -> bool:
        return self._users.verify_password(name, password)

    def remove_user(self, name: str) -> None:
        """Delete the user's key slot and re-key, in one transaction."""
        self._users.remove_user(name)

    def rekey(self) -> int:
        """New data key for everything; returns how many damaged rows were left as they were."""
        return self._maintenance.rekey()

    def check(self) -> list[str]:
        """Authenticate every row and the whole audit trail; plain problem sentences."""
        return self._maintenance.check()

    def backup(self, out: Path, progress: Progress | None = None) -> None:
        """Write one encrypted, authenticated backup file."""
        self._maintenance.backup(out, progress)
