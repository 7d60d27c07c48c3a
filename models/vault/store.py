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
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, insert, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from models.errors import AuthenticationFailed, IntegrityError, SaveConflict, VaultError
from models.vault import crypto, schema
from models.vault.crypto import DEFAULT_KDF, KdfParams

Clock = Callable[[], datetime]
Sleeper = Callable[[float], None]
Progress = Callable[[int, int], None]

LOCKOUT_AFTER = 5
LOCKOUT_BASE_SECONDS = 1.0
LOCKOUT_MAX_SECONDS = 300.0
RECOVERY_USER = "(recovery key)"
_MAX_NAME = 200
_AUTH_MESSAGE = "Wrong user name or password."


def utc_now() -> datetime:
    return datetime.now(UTC)


def lockout_delay(failures: int) -> float:
    """Seconds to wait before the next attempt: none for the first five, then doubling."""
    if failures < LOCKOUT_AFTER:
        return 0.0
    return float(min(LOCKOUT_BASE_SECONDS * 2 ** (failures - LOCKOUT_AFTER), LOCKOUT_MAX_SECONDS))


@dataclass(frozen=True, slots=True)
class StoredRecord:
    id: str
    version: int
    data: bytes


@dataclass(frozen=True, slots=True)
class UserRow:
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    user: str
    action: str
    record_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    intact: bool = True


def _validate_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > _MAX_NAME or any(ord(ch) < 32 for ch in cleaned):
        raise VaultError("A user name must be 1 to 200 printable characters.")
    return cleaned


def _validate_password(password: str) -> None:
    if len(password) < 8:
        raise VaultError("A password must be at least 8 characters long.")


def _slot_context(vault_id: str, kind: str, name: str | None, role: str) -> bytes:
    return crypto.aad("slot", vault_id, kind, name or "", role)


def _wrap_context(vault_id: str, kind: str, name: str | None, role: str, key_id: str) -> bytes:
    return crypto.aad("slot-key", vault_id, kind, name or "", role, key_id)


def _new_slot(
    vault_id: str,
    kind: str,
    name: str | None,
    role: str,
    secret: str,
    kdf: KdfParams,
    data_key: bytes,
    key_id: str,
) -> dict[str, Any]:
    salt = os.urandom(crypto.SALT_BYTES)
    kek = crypto.derive_kek(secret, salt, kdf)
    private, public = crypto.new_keypair()
    private_nonce, sealed_private = crypto.seal(
        kek, private, _slot_context(vault_id, kind, name, role)
    )
    eph, wrap_nonce, wrapped = crypto.seal_to_public(
        public, data_key, _wrap_context(vault_id, kind, name, role, key_id)
    )
    return {
        "kind": kind,
        "user_name": name,
        "salt": salt,
        "memory_kib": kdf.memory_kib,
        "iterations": kdf.iterations,
        "lanes": kdf.lanes,
        "private_nonce": private_nonce,
        "sealed_private": sealed_private,
        "public_key": public,
        "key_id": key_id,
        "ephemeral_public": eph,
        "wrap_nonce": wrap_nonce,
        "wrapped_key": wrapped,
    }


def _unlock_slot(slot: Any, vault_id: str, role: str, secret: str) -> bytes:
    """Derive the KEK, open the private key, then the data key. Raises IntegrityError if wrong."""
    try:
        params = KdfParams(slot["memory_kib"], slot["iterations"], slot["lanes"])
        kek = crypto.derive_kek(secret, slot["salt"], params)
    except (ValueError, TypeError, OverflowError):
        raise IntegrityError("A key slot's parameters are damaged.") from None
    name = slot["user_name"]
    private = crypto.open_sealed(
        kek,
        slot["private_nonce"],
        slot["sealed_private"],
        _slot_context(vault_id, slot["kind"], name, role),
    )
    return crypto.open_with_private(
        private,
        slot["ephemeral_public"],
        slot["wrap_nonce"],
        slot["wrapped_key"],
        _wrap_context(vault_id, slot["kind"], name, role, slot["key_id"]),
    )


def _record_aad(table: str, row_id: str, version: int, key_id: str) -> bytes:
    return crypto.aad(table, row_id, version, key_id)


def _storage_message(exc: SQLAlchemyError, verb: str, location: object = None) -> str:
    """A plain sentence that names the kind of failure but never echoes SQL, parameters or a
    database password (``location`` prints with the password hidden)."""
    orig = getattr(exc, "orig", None)
    text = str(orig).lower() if isinstance(orig, sqlite3.Error) else ""
    sqlstate = str(getattr(orig, "sqlstate", "") or "")
    if "locked" in text or "busy" in text or sqlstate in _BUSY_STATES:
        return f"The vault could not be {verb}: another program is using it; try again."
    if "disk" in text or "full" in text or sqlstate in _FULL_STATES:
        return f"The vault could not be {verb}: the disk is full or failing."
    if isinstance(exc, OperationalError | InterfaceError) and not isinstance(orig, sqlite3.Error):
        # a refused connection carries no SQLSTATE; read libpq's words, never repeat them
        said = str(orig).lower()
        if sqlstate.startswith("28") or "authentication failed" in said or "no pg_hba" in said:
            return f"The vault could not be {verb}: the database server refused the login."
        if sqlstate == "3D000" or ("database" in said and "does not exist" in said):
            return f"The vault could not be {verb}: the database {location} does not exist."
        return (
            f"The vault could not be {verb}: the database server for {location} "
            "could not be reached."
        )
    return f"The vault could not be {verb} ({type(exc).__name__})."


# PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available, query cancelled
_BUSY_STATES = frozenset({"40001", "40P01", "55P03", "57014"})
# disk full, out of memory, program limit
_FULL_STATES = frozenset({"53100", "53200", "54000"})


@contextlib.contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction that first takes the writers' lock (see schema.lock_chain_head)."""
    with engine.begin() as conn:
        schema.lock_chain_head(conn)
        yield conn


def _remove_db_files(directory: Path, *, remove_dir: bool) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            (directory / (schema.DB_FILE + suffix)).unlink()
    if remove_dir:
        with contextlib.suppress(OSError):
            directory.rmdir()


def _meta_get(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()
    return None if value is None else str(value)


def _meta_set(conn: Connection, key: str, value: str) -> None:
    done = conn.execute(update(schema.meta).where(schema.meta.c.key == key).values(value=value))
    if done.rowcount == 0:
        conn.execute(insert(schema.meta).values(key=key, value=value))


class VaultStore:
    """An unlocked vault. Make one with :meth:`create`, :meth:`open` or :meth:`open_with_recovery_key`.

    Each takes a folder (``directory``) or, as a keyword, a PostgreSQL URL (``db_url``).
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
    ) -> None:
        self.location = location
        self._engine: Engine | None = engine
        self._data_key = data_key
        self._key_id = key_id
        self._vault_id = vault_id
        self.user = user
        self.role = role
        self._clock = clock
        self.kdf = (
            kdf  # new slots made in this session get the parameters of the one that opened it
        )
        self._keys: dict[str, bytes] = {**retired, key_id: data_key}
        self._schema = schema_version

    @property
    def directory(self) -> Path | None:
        """The vault folder, or None for a vault on a database server."""
        return self.location.directory

    # --- opening -------------------------------------------------------------------------------

    @staticmethod
    def exists(directory: Path | None = None, *, db_url: str | None = None) -> bool:
        """Is there a vault here? For a server, raises VaultError if it cannot be reached."""
        location = schema.locate(directory, db_url)
        if not location.on_server:
            assert location.directory is not None
            return (location.directory / schema.DB_FILE).is_file()
        engine = schema.make_engine(location)
        try:
            with engine.connect() as conn:
                return schema.table_exists(conn, "meta")
        except SQLAlchemyError as exc:
            raise VaultError(_storage_message(exc, "reached", location)) from None
        finally:
            engine.dispose()

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
        _validate_password(password)
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
            made_dir = not folder.exists()
            try:
                folder.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(OSError):
                    folder.chmod(0o700)
            except OSError as exc:
                raise VaultError(
                    f"Cannot create the vault folder {folder}: {exc.strerror}."
                ) from None
        data_key = os.urandom(crypto.KEY_BYTES)
        key_id = crypto.new_key_id()
        vault_id = uuid.uuid4().hex
        recovery_key = crypto.new_recovery_key()
        user_slot = _new_slot(vault_id, "password", user, role, password, kdf, data_key, key_id)
        recovery_slot = _new_slot(
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
        )
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
                    ("audit_head", "0:"),
                ):
                    _meta_set(conn, key, value)
                conn.execute(
                    insert(schema.users).values(name=user, role=role, created=clock().isoformat())
                )
                conn.execute(insert(schema.key_slots).values(**user_slot))
                conn.execute(insert(schema.key_slots).values(**recovery_slot))
                store._append(conn, "vault_created", None, {})
                store._append(conn, "user_added", None, {"name": user, "role": role})
        except BaseException as exc:
            engine.dispose()
            if location.directory is not None:  # a server rolls the DDL back with the rest
                _remove_db_files(location.directory, remove_dir=made_dir)
            if isinstance(exc, SQLAlchemyError):
                raise VaultError(_storage_message(exc, "created", location)) from None
            raise
        return store, recovery_key

    @classmethod
    def _connect(cls, location: schema.Location) -> tuple[Engine, str, str, dict[str, str]]:
        if not cls.exists(location.directory, db_url=location.db_url):
            raise VaultError(f"No vault was found in {location}.")
        engine = schema.make_engine(location)
        try:
            with engine.begin() as conn:
                if not schema.table_exists(conn, "meta"):
                    raise VaultError(f"The file in {location} is not a Transitions vault.")
                found = schema.schema_version(conn)
                if found > schema.CURRENT_SCHEMA:
                    raise VaultError(
                        "This vault was made by a newer version of Transitions; update the app."
                    )
                if found < schema.CURRENT_SCHEMA:
                    schema.lock_chain_head(conn)  # two instances must not upgrade at once
                    schema.migrate(conn)
                meta = {
                    str(k): str(v)
                    for k, v in conn.execute(select(schema.meta.c.key, schema.meta.c.value))
                }
        except VaultError:
            engine.dispose()
            raise
        except Exception:
            engine.dispose()
            raise VaultError(f"The vault in {location} could not be read.") from None
        return engine, meta["vault_id"], meta["key_id"], meta

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
    ) -> VaultStore:
        """Unlock with a user's password. Raises AuthenticationFailed (with back-off) or VaultError."""
        clock = clock or utc_now
        sleeper = sleeper or time.sleep
        location = schema.locate(directory, db_url)
        engine, vault_id, key_id, _meta = cls._connect(location)
        try:
            with engine.connect() as conn:
                row = (
                    conn.execute(
                        select(schema.users, schema.key_slots)
                        .join(schema.key_slots, schema.key_slots.c.user_name == schema.users.c.name)
                        .where(schema.users.c.name == user)
                    )
                    .mappings()
                    .first()
                )
            if row is None:
                # As slow as a wrong password, so the answer's timing does not say which user
                # names exist.
                crypto.derive_kek(password, b"\0" * crypto.SALT_BYTES, crypto.DEFAULT_KDF)
                raise AuthenticationFailed(_AUTH_MESSAGE)
            failures = int(row["failed_attempts"])
            delay = lockout_delay(failures)
            if delay:
                sleeper(delay)
            try:
                data_key = _unlock_slot(row, vault_id, row["role"], password)
            except IntegrityError:
                with _writing(engine) as conn:
                    conn.execute(
                        update(schema.users)
                        .where(schema.users.c.name == user)
                        .values(
                            failed_attempts=schema.users.c.failed_attempts + 1,
                            last_failure=clock().isoformat(),
                        )
                    )
                raise AuthenticationFailed(_AUTH_MESSAGE) from None
            store = cls._unlocked(
                location, engine, data_key, row, key_id, vault_id, user, row["role"], clock
            )
            with _writing(engine) as conn:
                if failures:
                    store._append(
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
                store._append(conn, "unlocked", None, {})
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
        engine, vault_id, key_id, meta = cls._connect(location)
        try:
            failures = int(meta.get("recovery_failures", "0"))
            delay = lockout_delay(failures)
            if delay:
                sleeper(delay)
            with engine.connect() as conn:
                slot = (
                    conn.execute(
                        select(schema.key_slots).where(schema.key_slots.c.kind == "recovery")
                    )
                    .mappings()
                    .first()
                )
            if slot is None:
                raise VaultError("This vault has no recovery key.")
            try:
                data_key = _unlock_slot(
                    slot, vault_id, "", crypto.normalise_recovery_key(recovery_key)
                )
            except IntegrityError:
                with _writing(engine) as conn:
                    _meta_set(conn, "recovery_failures", str(failures + 1))
                raise AuthenticationFailed("That recovery key does not open this vault.") from None
            store = cls._unlocked(
                location, engine, data_key, slot, key_id, vault_id, RECOVERY_USER, "", clock
            )
            with _writing(engine) as conn:
                if failures:
                    store._append(
                        conn, "login_failures", None, {"user": RECOVERY_USER, "count": failures}
                    )
                    _meta_set(conn, "recovery_failures", "0")
                store._append(conn, "recovery_unlock", None, {})
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
    ) -> VaultStore:
        if slot["key_id"] != key_id:
            raise VaultError("The vault's keys do not match; restore it from a backup.")
        retired: dict[str, bytes] = {}
        with engine.connect() as conn:
            for row in conn.execute(select(schema.retired_keys)).mappings():
                with contextlib.suppress(IntegrityError):
                    retired[row["key_id"]] = crypto.open_sealed(
                        data_key,
                        row["nonce"],
                        row["sealed"],
                        crypto.aad("retired", vault_id, row["key_id"], key_id),
                    )
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
        )

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._keys = {}
        self._data_key = b""

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise VaultError("The vault is locked.")
        return self._engine

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (writers serialised); refuses to write with keys another
        session has replaced."""
        try:
            with _writing(self.engine) as conn:
                if _meta_get(conn, "key_id") != self._key_id:
                    raise VaultError("The vault was re-keyed by another session; log in again.")
                yield conn
        except SQLAlchemyError as exc:
            raise VaultError(_storage_message(exc, "written", self.location)) from None

    @contextlib.contextmanager
    def _read(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read; ``snapshot`` makes several statements see one state on PostgreSQL (REPEATABLE
        READ), as they already do inside SQLite's transaction."""
        try:
            with self.engine.connect() as conn:
                if snapshot and conn.dialect.name != "sqlite":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                yield conn
        except SQLAlchemyError as exc:
            raise VaultError(_storage_message(exc, "read", self.location)) from None

    # --- audit chain -------------------------------------------------------------------------

    def _mac_message(
        self,
        seq: int,
        at: str,
        user: str,
        action: str,
        record_id: str | None,
        key_id: str,
        nonce: bytes,
        detail: bytes,
    ) -> bytes:
        head = crypto.aad(
            "audit-mac", self._vault_id, seq, at, user, action, record_id or "", key_id
        )
        return head + len(nonce).to_bytes(4, "big") + nonce + detail

    def _append(
        self, conn: Connection, action: str, record_id: str | None, detail: dict[str, Any]
    ) -> int:
        """Add one entry to the chain inside the caller's write transaction; returns its seq.

        The head is read ``FOR UPDATE`` (PostgreSQL; a no-op under SQLite's BEGIN IMMEDIATE), so
        two writers can never both extend the same head: the second waits, then sees the first.
        """
        head = (
            conn.execute(
                select(schema.meta.c.value)
                .where(schema.meta.c.key == "audit_head")
                .with_for_update()
            ).scalar()
            or "0:"
        )
        last_seq_text, last_mac_hex = head.split(":", 1)
        seq = int(last_seq_text) + 1
        prev_mac = bytes.fromhex(last_mac_hex)
        at = self._clock().isoformat()
        plaintext = json.dumps(detail, sort_keys=True, default=str).encode("utf-8")
        nonce, sealed = crypto.seal(
            self._data_key, plaintext, crypto.aad("audit", seq, self._key_id)
        )
        message = self._mac_message(
            seq, at, self.user, action, record_id, self._key_id, nonce, sealed
        )
        entry_mac = crypto.mac(crypto.audit_mac_key(self._data_key), prev_mac + message)
        conn.execute(
            insert(schema.audit).values(
                seq=seq,
                at=at,
                user_name=self.user,
                action=action,
                record_id=record_id,
                key_id=self._key_id,
                nonce=nonce,
                detail=sealed,
                mac=entry_mac,
            )
        )
        _meta_set(conn, "audit_head", f"{seq}:{entry_mac.hex()}")
        return seq

    def append_audit(self, action: str, record_id: str | None, detail: dict[str, Any]) -> None:
        with self._write() as conn:
            self._append(conn, action, record_id, detail)

    def _open_detail(self, row: Any) -> dict[str, Any] | None:
        key = self._keys.get(row["key_id"])
        if key is None:
            return None
        try:
            raw = crypto.open_sealed(
                key, row["nonce"], row["detail"], crypto.aad("audit", row["seq"], row["key_id"])
            )
            value = json.loads(raw)
        except (IntegrityError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def audit_entries(self, record_id: str | None = None) -> list[AuditEntry]:
        query = select(schema.audit).order_by(schema.audit.c.seq)
        if record_id is not None:
            query = query.where(schema.audit.c.record_id == record_id)
        out: list[AuditEntry] = []
        with self._read() as conn:
            for row in conn.execute(query).mappings():
                detail = self._open_detail(row)
                try:
                    at = datetime.fromisoformat(row["at"])
                except ValueError:
                    at = datetime.min.replace(tzinfo=UTC)
                out.append(
                    AuditEntry(
                        seq=row["seq"],
                        at=at,
                        user=row["user_name"],
                        action=row["action"],
                        record_id=row["record_id"],
                        detail=detail or {},
                        intact=detail is not None,
                    )
                )
        return out

    # --- records ------------------------------------------------------------------------------

    def _open_row(self, table: str, row: Any, row_id: str) -> bytes:
        key = self._keys.get(row["key_id"])
        if key is None:
            raise IntegrityError(f"The {table[:-1]} {row_id} is damaged and cannot be opened.")
        try:
            return crypto.open_sealed(
                key,
                row["nonce"],
                row["ciphertext"],
                _record_aad(table, row_id, row["version"], row["key_id"]),
            )
        except IntegrityError:
            raise IntegrityError(
                f"The {table[:-1]} {row_id} is damaged and cannot be opened."
            ) from None

    def record_versions(self) -> dict[str, int]:
        with self._read() as conn:
            return {
                str(r.id): int(r.version)
                for r in conn.execute(select(schema.records.c.id, schema.records.c.version))
            }

    def get_record(self, record_id: str) -> StoredRecord:
        with self._read() as conn:
            row = (
                conn.execute(select(schema.records).where(schema.records.c.id == record_id))
                .mappings()
                .first()
            )
        if row is None:
            raise VaultError("That record is not in the vault.")
        return StoredRecord(
            record_id, int(row["version"]), self._open_row("records", row, record_id)
        )

    def list_records(self) -> tuple[list[StoredRecord], list[str]]:
        """Every record that opens, and the ids of those that are damaged (never raises for one)."""
        good: list[StoredRecord] = []
        damaged: list[str] = []
        with self._read() as conn:
            rows = list(
                conn.execute(select(schema.records).order_by(schema.records.c.id)).mappings()
            )
        for row in rows:
            try:
                good.append(
                    StoredRecord(
                        row["id"], int(row["version"]), self._open_row("records", row, row["id"])
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
        with self._write() as conn:
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
                self._data_key, data, _record_aad("records", record_id, version, self._key_id)
            )
            seq = self._append(
                conn,
                action,
                record_id,
                {**(detail or {}), "version": version, "sha256": crypto.digest(data)},
            )
            values: dict[str, Any] = {
                "version": version,
                "key_id": self._key_id,
                "nonce": nonce,
                "ciphertext": sealed,
            }
            if self._schema >= 3:
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
        with self._write() as conn:
            done = conn.execute(delete(schema.records).where(schema.records.c.id == record_id))
            if done.rowcount == 0:
                raise VaultError("That record is not in the vault.")
            seq = self._append(conn, "deleted", record_id, {"deleted": True})
            if self._schema >= 3:
                conn.execute(delete(schema.tombstones).where(schema.tombstones.c.id == record_id))
                conn.execute(insert(schema.tombstones).values(id=record_id, change_seq=seq))

    def changes_since(self, token: int) -> tuple[list[str], int]:
        """Record ids saved or deleted (by anyone) after ``token``, and the token to pass next.

        The token is the audit sequence number of the newest write seen. Writers are serialised,
        so sequence numbers are handed out in commit order and nothing committed at or below the
        returned token can appear later. ``0`` (or a token from another vault, e.g. after a
        restore) returns every id present and every deleted id. An id may come back twice.
        """
        with self._read() as conn:
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

    # --- blobs ---------------------------------------------------------------------------------

    def put_blob(self, name: str, data: bytes) -> None:
        if not name or len(name) > _MAX_NAME:
            raise VaultError("A blob name must be 1 to 200 characters.")
        with self._write() as conn:
            current = conn.execute(
                select(schema.blobs.c.version).where(schema.blobs.c.name == name)
            ).scalar()
            version = 1 if current is None else int(current) + 1
            nonce, sealed = crypto.seal(
                self._data_key, data, _record_aad("blobs", name, version, self._key_id)
            )
            values = {
                "version": version,
                "key_id": self._key_id,
                "nonce": nonce,
                "ciphertext": sealed,
            }
            if current is None:
                conn.execute(insert(schema.blobs).values(name=name, **values))
            else:
                conn.execute(
                    update(schema.blobs).where(schema.blobs.c.name == name).values(**values)
                )
            self._append(
                conn,
                "blob_saved",
                None,
                {"name": name, "version": version, "sha256": crypto.digest(data)},
            )

    def delete_blob(self, name: str) -> bool:
        """Remove a blob; True if there was one. The audit trail keeps its name and version."""
        with self._write() as conn:
            current = conn.execute(
                select(schema.blobs.c.version).where(schema.blobs.c.name == name)
            ).scalar()
            if current is None:
                return False
            conn.execute(delete(schema.blobs).where(schema.blobs.c.name == name))
            self._append(conn, "blob_deleted", None, {"name": name, "version": int(current)})
        return True

    def get_blob(self, name: str) -> bytes | None:
        with self._read() as conn:
            row = (
                conn.execute(select(schema.blobs).where(schema.blobs.c.name == name))
                .mappings()
                .first()
            )
        return None if row is None else self._open_row("blobs", row, name)

    # --- users ---------------------------------------------------------------------------------

    def list_users(self) -> list[UserRow]:
        with self._read() as conn:
            rows = conn.execute(
                select(schema.users.c.name, schema.users.c.role).order_by(schema.users.c.name)
            )
            return [UserRow(str(r.name), str(r.role)) for r in rows]

    def _password_slot(
        self, name: str, role: str, password: str, kdf: KdfParams | None
    ) -> tuple[str, dict[str, Any]]:
        """A checked user name and a new password key slot wrapping this vault's data key."""
        name = _validate_name(name)
        _validate_password(password)
        slot = _new_slot(
            self._vault_id, "password", name, role, password, kdf or self.kdf, self._data_key, self._key_id
        )
        return name, slot

    def add_user(
        self, name: str, role: str, password: str, *, kdf: KdfParams | None = None
    ) -> None:
        name, slot = self._password_slot(name, role, password, kdf)
        with self._write() as conn:
            if conn.execute(select(schema.users.c.name).where(schema.users.c.name == name)).first():
                raise VaultError(f"A user called {name} already exists.")
            conn.execute(
                insert(schema.users).values(name=name, role=role, created=self._clock().isoformat())
            )
            conn.execute(insert(schema.key_slots).values(**slot))
            self._append(conn, "user_added", None, {"name": name, "role": role})

    def set_user(
        self, name: str, role: str, password: str, *, kdf: KdfParams | None = None
    ) -> None:
        """Give a user a new password (and role), replacing the key slot; adds the user if new."""
        name, slot = self._password_slot(name, role, password, kdf)
        with self._write() as conn:
            conn.execute(delete(schema.key_slots).where(schema.key_slots.c.user_name == name))
            done = conn.execute(
                update(schema.users)
                .where(schema.users.c.name == name)
                .values(role=role, failed_attempts=0)
            )
            if done.rowcount == 0:
                conn.execute(
                    insert(schema.users).values(
                        name=name, role=role, created=self._clock().isoformat()
                    )
                )
            conn.execute(insert(schema.key_slots).values(**slot))
            self._append(
                conn,
                "user_added" if done.rowcount == 0 else "password_set",
                None,
                {"name": name, "role": role},
            )

    def verify_password(self, name: str, password: str) -> bool:
        with self._read() as conn:
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
            return _unlock_slot(row, self._vault_id, row["role"], password) == self._data_key
        except IntegrityError:
            return False

    def remove_user(self, name: str) -> None:
        """Delete the user's key slot and re-key, in one transaction, so an old copy of their slot
        opens nothing written afterwards."""
        if name == self.user:
            raise VaultError("You cannot remove the user you are logged in as.")

        def remove(conn: Connection) -> int:
            conn.execute(delete(schema.key_slots).where(schema.key_slots.c.user_name == name))
            done = conn.execute(delete(schema.users).where(schema.users.c.name == name))
            if done.rowcount == 0:
                raise VaultError(f"There is no user called {name}.")
            self._append(conn, "user_removed", None, {"name": name})
            return self._rekey(conn)

        self._keyed_transaction(remove)

    def rekey(self) -> int:
        """New data key; re-encrypt every record and blob, rewrap every slot, retire the old key.

        One transaction. Rows that are already damaged are left as they are (they cannot be read).
        Returns how many rows were left because they were damaged.
        """
        return self._keyed_transaction(self._rekey)

    def _keyed_transaction(self, work: Callable[[Connection], int]) -> int:
        """Run a re-keying transaction; if it does not commit, the session keeps its old keys."""
        saved = (self._data_key, self._key_id, dict(self._keys))
        try:
            with self._write() as conn:
                return work(conn)
        except BaseException:
            self._data_key, self._key_id, self._keys = saved
            raise

    def _rekey(self, conn: Connection) -> int:
        old_key, old_id = self._data_key, self._key_id
        new_key = os.urandom(crypto.KEY_BYTES)
        new_id = crypto.new_key_id()
        left = 0
        for table in (schema.records, schema.blobs):
            id_col = table.c.id if table is schema.records else table.c.name
            for row in list(conn.execute(select(table)).mappings()):
                row_id = row[id_col.name]
                try:
                    plain = self._open_row(table.name, row, row_id)
                except IntegrityError:
                    left += 1
                    continue
                nonce, sealed = crypto.seal(
                    new_key, plain, _record_aad(table.name, row_id, row["version"], new_id)
                )
                conn.execute(
                    update(table)
                    .where(id_col == row_id)
                    .values(key_id=new_id, nonce=nonce, ciphertext=sealed)
                )
        slots = conn.execute(
            select(schema.key_slots, schema.users.c.role).outerjoin(
                schema.users, schema.users.c.name == schema.key_slots.c.user_name
            )
        ).mappings()
        for slot in list(slots):
            context = _wrap_context(
                self._vault_id, slot["kind"], slot["user_name"], slot["role"] or "", new_id
            )
            eph, wrap_nonce, wrapped = crypto.seal_to_public(slot["public_key"], new_key, context)
            conn.execute(
                update(schema.key_slots)
                .where(schema.key_slots.c.id == slot["id"])
                .values(
                    key_id=new_id, ephemeral_public=eph, wrap_nonce=wrap_nonce, wrapped_key=wrapped
                )
            )
        conn.execute(delete(schema.retired_keys))
        for kid, key in {**self._keys, old_id: old_key}.items():
            if kid == new_id:
                continue
            nonce, sealed = crypto.seal(
                new_key, key, crypto.aad("retired", self._vault_id, kid, new_id)
            )
            conn.execute(insert(schema.retired_keys).values(key_id=kid, nonce=nonce, sealed=sealed))
        _meta_set(conn, "key_id", new_id)
        self._data_key, self._key_id = new_key, new_id
        self._keys[new_id] = new_key
        self._append(conn, "rekeyed", None, {"left_damaged": left})
        return left

    # --- checking ------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Authenticate every record, blob, audit entry and link. Returns plain problem sentences."""
        problems: list[str] = []
        with self._read(snapshot=True) as conn:  # rows and chain as of one moment
            records = list(
                conn.execute(select(schema.records).order_by(schema.records.c.id)).mappings()
            )
            blobs = list(
                conn.execute(select(schema.blobs).order_by(schema.blobs.c.name)).mappings()
            )
            entries = list(
                conn.execute(select(schema.audit).order_by(schema.audit.c.seq)).mappings()
            )
            users = {
                str(r.name): str(r.role)
                for r in conn.execute(select(schema.users.c.name, schema.users.c.role))
            }
            head = _meta_get(conn, "audit_head") or "0:"
        # the audit chain first: later checks trust only intact entries
        latest: dict[str, dict[str, Any]] = {}
        latest_user: dict[str, dict[str, Any]] = {}
        prev_mac = b""
        prev_seq = 0
        for row in entries:
            seq = int(row["seq"])
            if seq != prev_seq + 1:
                problems.append(
                    f"Audit entry {prev_seq + 1}: missing (removed from the audit trail)."
                )
            key = self._keys.get(row["key_id"])
            try:
                message = self._mac_message(
                    seq,
                    row["at"],
                    row["user_name"],
                    row["action"],
                    row["record_id"],
                    row["key_id"],
                    row["nonce"],
                    row["detail"],
                )
                intact = key is not None and crypto.mac_equal(
                    crypto.mac(crypto.audit_mac_key(key), prev_mac + message), row["mac"]
                )
            except (TypeError, ValueError):
                intact = False
            detail = self._open_detail(row) if intact else None
            if not intact:
                problems.append(
                    f"Audit entry {seq}: broken link (the entry or the one before it was changed)."
                )
            elif detail is None:
                problems.append(f"Audit entry {seq}: its details are damaged.")
            else:
                if row["record_id"] is not None and ("version" in detail or detail.get("deleted")):
                    latest[row["record_id"]] = detail
                if row["action"] in ("user_added", "password_set", "user_removed"):
                    latest_user[str(detail.get("name"))] = {"action": row["action"], **detail}
            prev_mac = row["mac"] if isinstance(row["mac"], bytes) else b""
            prev_seq = seq
        head_seq, _, head_mac = head.partition(":")
        if head_seq != str(prev_seq) or (entries and head_mac != prev_mac.hex()):
            problems.append(
                f"Audit trail: it ends at entry {prev_seq}, not where its last recorded entry was."
            )
        for row in records:
            record_id = str(row["id"])
            try:
                plain = self._open_row("records", row, record_id)
            except IntegrityError:
                problems.append(
                    f"Record {record_id}: damaged or tampered with (it failed authentication)."
                )
                continue
            last = latest.get(record_id)
            if last is not None and (
                last.get("deleted")
                or last.get("version") != row["version"]
                or last.get("sha256") != crypto.digest(plain)
            ):
                problems.append(
                    f"Record {record_id}: does not match the audit trail (an older copy was put back)."
                )
        for row in blobs:
            try:
                self._open_row("blobs", row, row["name"])
            except IntegrityError:
                problems.append(
                    f"Blob {row['name']}: damaged or tampered with (it failed authentication)."
                )
        for name, role in sorted(users.items()):
            last = latest_user.get(name)
            if last is not None and (last["action"] == "user_removed" or last.get("role") != role):
                problems.append(f"User {name}: role or presence does not match the audit trail.")
        return problems

    # --- backup and restore --------------------------------------------------------------------

    def _sqlite_image(self) -> bytes:
        """A consistent SQLite image of the vault, made in memory (never a temp file).

        A folder vault is copied with SQLite's backup API. A server vault's rows are copied, as
        ciphertext, into an in-memory SQLite vault of the same schema while the writers' lock is
        held, so a backup of either kind restores into a folder (and can be moved back).
        """
        memory = sqlite3.connect(":memory:")
        try:
            if not self.location.on_server:
                raw = self.engine.raw_connection()
                try:
                    raw.driver_connection.backup(memory)  # type: ignore[union-attr]
                finally:
                    raw.close()
            else:
                image_engine = create_engine(
                    "sqlite://", creator=lambda: memory, poolclass=StaticPool
                )
                try:
                    with self._write() as source, image_engine.begin() as target:
                        schema.copy_vault(source, target)
                    return memory.serialize()
                finally:
                    image_engine.dispose()
            return memory.serialize()
        finally:
            memory.close()

    def backup(self, out: Path, progress: Progress | None = None) -> None:
        """Write one encrypted, authenticated backup file (see :mod:`models.vault.backup`)."""
        from models.vault import backup

        image = self._sqlite_image()
        with self._read() as conn:
            slots = [
                dict(r)
                for r in conn.execute(
                    select(schema.key_slots, schema.users.c.role).outerjoin(
                        schema.users, schema.users.c.name == schema.key_slots.c.user_name
                    )
                ).mappings()
            ]
        backup.write_backup(
            Path(out), image, self._data_key, self._key_id, self._vault_id, slots, progress
        )
        self.append_audit("backup_made", None, {"bytes": len(image)})


def unlock_backup_slot(slot: dict[str, Any], vault_id: str, secret: str) -> bytes:
    """Used by restore: open a slot copied into a backup's header."""
    return _unlock_slot(slot, vault_id, slot.get("role") or "", secret)
