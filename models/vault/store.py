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
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, insert, inspect, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from models.errors import (
    AuthenticationFailed,
    IntegrityError,
    SaveConflict,
    VaultDamaged,
    VaultError,
)
from models.vault import anchor, crypto, local_mark, schema
from models.vault.anchor import Head
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


def _validate_password(password: str) -> str:
    """The password as its slot is made from (NFC), if it is long enough and valid text."""
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise VaultError("A password must be text (it holds an invalid character).") from None
    normal = crypto.normalise_password(password)
    if len(normal) < 8:
        raise VaultError("A password must be at least 8 characters long.")
    return normal


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
) -> tuple[dict[str, Any], bytes | None]:
    """A new slot's row, and (for a password slot) the key that tags what its user has seen."""
    salt = os.urandom(crypto.SALT_BYTES)
    kek = crypto.derive_kek(secret, salt, kdf)
    private, public = crypto.new_keypair()
    private_nonce, sealed_private = crypto.seal(
        kek, private, _slot_context(vault_id, kind, name, role)
    )
    eph, wrap_nonce, wrapped = crypto.seal_to_public(
        public, data_key, _wrap_context(vault_id, kind, name, role, key_id)
    )
    row = {
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
    mark_key = crypto.seen_head_key(private, vault_id, name) if name is not None else None
    return row, mark_key


def _slot_digest(slot: Any) -> str:
    """What never changes in a slot (re-keying only rewraps the data key): the audit trail keeps
    it, so a slot swapped for another is noticed."""
    return crypto.digest(
        crypto.aad(
            "slot-digest",
            slot["kind"],
            slot["user_name"] or "",
            bytes(slot["salt"]).hex(),
            slot["memory_kib"],
            slot["iterations"],
            slot["lanes"],
            bytes(slot["private_nonce"]).hex(),
            bytes(slot["sealed_private"]).hex(),
            bytes(slot["public_key"]).hex(),
        )
    )


def _unlock_slot(slot: Any, vault_id: str, role: str, secrets: list[str]) -> tuple[bytes, bytes]:
    """Derive the KEK from each form of the secret in turn, open the private key, then the data
    key. Returns (data key, the slot's private key). Raises IntegrityError if none opens it."""
    try:
        params = KdfParams(slot["memory_kib"], slot["iterations"], slot["lanes"])
    except (ValueError, TypeError, OverflowError):
        raise IntegrityError("A key slot's parameters are damaged.") from None
    name = slot["user_name"]
    for secret in secrets:
        try:
            kek = crypto.derive_kek(secret, slot["salt"], params)
            private = crypto.open_sealed(
                kek,
                slot["private_nonce"],
                slot["sealed_private"],
                _slot_context(vault_id, slot["kind"], name, role),
            )
        except (IntegrityError, ValueError, TypeError, OverflowError):
            continue
        data_key = crypto.open_with_private(
            private,
            slot["ephemeral_public"],
            slot["wrap_nonce"],
            slot["wrapped_key"],
            _wrap_context(vault_id, slot["kind"], name, role, slot["key_id"]),
        )
        return data_key, private
    raise IntegrityError("Stored data failed its integrity check.")


def _record_aad(table: str, row_id: str, version: int, key_id: str) -> bytes:
    return crypto.aad(table, row_id, version, key_id)


def _failure_kind(exc: BaseException) -> str:
    """What kind of storage failure this is: "read_only", "full", "damaged", "busy", "io",
    "cant_open", "server" (could not reach or log in to a server) or "" (something else)."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.Error):
        name = str(getattr(orig, "sqlite_errorname", "") or "")
        text = str(orig).lower()
        if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
            return "read_only"
        if name == "SQLITE_FULL" or "is full" in text:
            return "full"
        if (
            name.startswith("SQLITE_CORRUPT")
            or name == "SQLITE_NOTADB"
            or "malformed" in text
            or "not a database" in text
            or "no such table" in text
            or "no such column" in text
        ):
            return "damaged"
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
            return "busy"
        if name.startswith("SQLITE_IOERR") or "disk i/o" in text:
            return "io"
        if name == "SQLITE_CANTOPEN" or "unable to open" in text:
            return "cant_open"
        return ""
    sqlstate = str(getattr(orig, "sqlstate", "") or "")
    if sqlstate == "25006":
        return "read_only"
    if sqlstate in _FULL_STATES:
        return "full"
    if sqlstate in _BUSY_STATES:
        return "busy"
    if sqlstate in _DAMAGED_STATES:
        return "damaged"
    if isinstance(exc, OperationalError | InterfaceError) and sqlstate[:2] not in ("22", "23"):
        return "server"
    return ""


def _storage_error(exc: SQLAlchemyError, verb: str, location: object = None) -> VaultError:
    """A plain sentence that names the kind of failure but never echoes SQL, parameters or a
    database password (``location`` prints with the password hidden). A damaged file or a
    missing table is :class:`VaultDamaged` (exit 1)."""
    kind = _failure_kind(exc)
    orig = getattr(exc, "orig", None)
    if kind == "io" and isinstance(location, schema.Location) and _disk_full(location):
        kind = "full"
    if kind == "damaged":
        said = str(orig)
        table = next((t.name for t in schema.TABLES if f"table: {t.name}" in said
                      or f'"{t.name}" does not exist' in said), None)
        what = (
            f"its {table} table is missing"
            if table is not None and "column" not in said
            else "its file is not a complete database"
        )
        return VaultDamaged(
            f"The vault could not be {verb}: it is damaged ({what}); restore it from a backup."
        )
    if kind == "busy":
        return VaultError(f"The vault could not be {verb}: another program is using it; try again.")
    if kind == "full":
        return VaultError(f"The vault could not be {verb}: the disk is full.")
    if kind == "read_only":
        return VaultError(f"The vault could not be {verb}: it is read-only here.")
    if kind == "io":
        return VaultError(f"The vault could not be {verb}: the disk reported an input/output error.")
    if kind == "cant_open":
        return VaultError(f"The vault could not be {verb}: its file could not be opened.")
    if kind == "server":
        # a refused connection carries no SQLSTATE; read libpq's words, never repeat them
        sqlstate = str(getattr(orig, "sqlstate", "") or "")
        said = str(orig).lower()
        if sqlstate.startswith("28") or "authentication failed" in said or "no pg_hba" in said:
            return VaultError(f"The vault could not be {verb}: the database server refused the login.")
        if sqlstate == "3D000" or ("database" in said and "does not exist" in said):
            return VaultError(f"The vault could not be {verb}: the database {location} does not exist.")
        return VaultError(
            f"The vault could not be {verb}: the database server for {location} "
            "could not be reached."
        )
    return VaultError(f"The vault could not be {verb} ({type(exc).__name__}).")


def _storage_message(exc: SQLAlchemyError, verb: str, location: object = None) -> str:
    return str(_storage_error(exc, verb, location))


# PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available, query cancelled
_BUSY_STATES = frozenset({"40001", "40P01", "55P03", "57014"})
# disk full, out of memory, program limit
_FULL_STATES = frozenset({"53100", "53200", "54000"})
# data corrupted, index corrupted, a table or column that should be there is not
_DAMAGED_STATES = frozenset({"XX001", "XX002", "42P01", "42703"})

READ_ONLY_NOTICE = (
    "The vault is read-only here, so this opening could not be written to the audit trail; "
    "nothing can be changed in this session."
)
FULL_NOTICE = (
    "The disk is full, so this opening could not be written to the audit trail; "
    "nothing can be changed until there is space."
)
# Actions only the store writes; :meth:`VaultStore.append_audit` refuses them, and the key
# "row" in a detail, so no caller can write an entry the check would read as a row's state.
STORE_ACTIONS = frozenset(
    {
        "vault_created",
        "user_added",
        "password_set",
        "user_removed",
        "rekeyed",
        "unlocked",
        "recovery_unlock",
        "login_failures",
        "blob_saved",
        "blob_deleted",
        "deleted",
        "opened",
        "audit_anchored",
        "audit_damage",
    }
)
# The actions the app gave ``put_record`` before row states moved under "row" (audit format 2).
_LEGACY_ROW_ACTIONS = frozenset({"created", "saved", "exported", "signed_off", "imported"})
_KNOWN_META = frozenset(
    {
        "schema_version",
        "vault_id",
        "key_id",
        anchor.HEAD_KEY,
        anchor.HEAD_TAG_KEY,
        "recovery_failures",
    }
)


@dataclass(slots=True)
class _Walk:
    """What following the audit chain found: problems, and the latest state of every record,
    blob and user as the intact entries tell it."""

    problems: list[str] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    blobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    recovery_slot: str | None = None
    damage: list[str] = field(default_factory=list)


def _safe_digest(slot: Any) -> str | None:
    try:
        return _slot_digest(slot)
    except (TypeError, ValueError):
        return None


def _head_mismatch(head: Head, last: Head) -> str:
    if head.seq > last.seq:
        missing = (
            f"entry {head.seq} is missing"
            if head.seq == last.seq + 1
            else f"entries {last.seq + 1} to {head.seq} are missing"
        )
        return f"Audit trail: {missing} (cut off its end)."
    if head.seq < last.seq:
        return (
            f"Audit trail: its head names entry {head.seq}, but the trail goes on to entry "
            f"{last.seq} (the head was set back outside the app)."
        )
    return f"Audit trail: entry {last.seq} is not the one its head names (it was replaced)."


class _NeedsReadOnly(Exception):
    """Opening for writing failed because the vault cannot be written here (or the disk is full)."""

    def __init__(self, notice: str) -> None:
        super().__init__(notice)
        self.notice = notice


def _disk_full(location: schema.Location) -> bool:
    """An input/output error on a disk with no space left is a full disk (SQLite reports a
    shared-memory file it cannot grow as an I/O error)."""
    if location.directory is None:
        return False
    try:
        return shutil.disk_usage(location.directory).free < 64 * 1024
    except OSError:
        return False


def _folder_writable(directory: Path) -> bool:
    files = [directory / (schema.DB_FILE + suffix) for suffix in ("", "-wal", "-shm")]
    return os.access(directory, os.W_OK) and all(
        os.access(f, os.W_OK) for f in files if f.exists()
    )


def _file_damage(conn: Connection) -> list[str]:
    """SQLite's own check of every page of the file (a folder vault): damage in a page that no
    row of the check above is read from (a table's index, the tombstones, a free page's list) is
    damage too, and the next write there could fail or lose rows. A server checks its own."""
    if conn.dialect.name != "sqlite":
        return []
    try:
        found = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check(20)")]
    except SQLAlchemyError as exc:
        if _failure_kind(exc) != "damaged":
            raise
        found = ["a page SQLite cannot read"]
    if found == ["ok"]:
        return []
    return [
        "The vault's database file: damaged (SQLite's own check of its pages found "
        f"{len(found)} problem{'s' if len(found) > 1 else ''}); restore it from a backup."
    ]


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
        # tags the newest audit entry this session's user has seen (None: the recovery key)
        self._mark_key = mark_key
        # where this PC keeps, outside the vault, the newest entry this user has seen (None: not
        # kept, as for the recovery key); the key tags that file
        self._state_dir = state_dir if local_key is not None else None
        self._local_key = local_key
        self._local_pending: Head | None = None  # seen in a write not yet committed
        self._mark_place = local_mark.place_id(vault_id, location)
        # set once the head has been checked (or made) by this session: from then on every
        # append requires the head's tag to be right, so no write extends a head moved outside
        self._anchored = False
        self.read_only: str | None = read_only
        self.notices: list[str] = [read_only] if read_only else []
        self._engine_read_only = read_only is not None  # opened with mode=ro

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
            raise _storage_error(exc, "reached", location) from None
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
        store._anchored = True
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
                store._append(
                    conn,
                    "vault_created",
                    None,
                    {
                        anchor.FORMAT_KEY: anchor.AUDIT_FORMAT,
                        "recovery_slot": _slot_digest(recovery_slot),
                    },
                )
                store._append(
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
                return cls._connect_as(location, None)
            except _NeedsReadOnly as exc:  # found out by a failed write
                notice = exc.notice
        try:
            return cls._connect_as(location, notice)
        except _NeedsReadOnly:
            # the write-ahead log's shared-memory file cannot be made here: read the file alone
            return cls._connect_as(location, notice, immutable=True)

    @classmethod
    def _connect_as(
        cls, location: schema.Location, notice: str | None, *, immutable: bool = False
    ) -> tuple[Engine, dict[str, str], int, str | None]:
        engine = schema.make_engine(
            location, read_only=notice is not None, immutable=immutable
        )
        try:
            with engine.begin() as conn:
                if not schema.table_exists(conn, "meta"):
                    raise VaultError(f"The file in {location} is not a Transitions vault.")
                found = cls._schema_found(conn, location)
                if found > schema.CURRENT_SCHEMA:
                    raise VaultError(
                        "This vault was made by a newer version of Transitions; update the app."
                    )
                version = found
                if found < schema.CURRENT_SCHEMA:
                    if notice is None:
                        schema.lock_chain_head(conn)  # two instances must not upgrade at once
                        schema.migrate(conn)
                        version = schema.CURRENT_SCHEMA
                    elif found < 3:
                        raise VaultError(
                            "This vault was made by an older version of Transitions and must be "
                            "upgraded first; open it once where it can be written."
                        )
                present = set(inspect(conn).get_table_names())
                missing = [t.name for t in schema.tables_for(version) if t.name not in present]
                if missing:
                    which = " and ".join(missing)
                    raise VaultDamaged(
                        f"The vault in {location} is damaged: its {which} "
                        f"table{'s are' if len(missing) > 1 else ' is'} missing; "
                        "restore it from a backup."
                    )
                meta = {
                    str(k): str(v)
                    for k, v in conn.execute(select(schema.meta.c.key, schema.meta.c.value))
                }
                if not meta.get("vault_id") or not meta.get("key_id"):
                    raise VaultDamaged(
                        f"The vault in {location} is damaged: its settings table is incomplete; "
                        "restore it from a backup."
                    )
        except VaultError:
            engine.dispose()
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            kind = _failure_kind(exc)
            if kind == "io" and _disk_full(location):
                kind = "full"
            if location.directory is not None and not immutable:
                if notice is None and kind in ("read_only", "cant_open", "full"):
                    raise _NeedsReadOnly(
                        FULL_NOTICE if kind == "full" else READ_ONLY_NOTICE
                    ) from None
                if notice is not None and kind in ("read_only", "cant_open", "full", "io"):
                    raise _NeedsReadOnly(notice) from None
            elif location.on_server and notice is None and kind == "read_only":
                raise _NeedsReadOnly(READ_ONLY_NOTICE) from None
            raise _storage_error(exc, "opened", location) from None
        return engine, meta, version, notice

    @staticmethod
    def _schema_found(conn: Connection, location: schema.Location) -> int:
        value = _meta_get(conn, "schema_version")
        try:
            return int(value or "")
        except ValueError:
            raise VaultDamaged(
                f"The vault in {location} is damaged: its schema version is garbled; "
                "restore it from a backup."
            ) from None

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
        forms = crypto.password_forms(password)
        try:
            try:
                with engine.connect() as conn:
                    row = (
                        conn.execute(
                            select(schema.users, schema.key_slots)
                            .join(
                                schema.key_slots,
                                schema.key_slots.c.user_name == schema.users.c.name,
                            )
                            .where(schema.users.c.name == user)
                        )
                        .mappings()
                        .first()
                    )
            except SQLAlchemyError as exc:
                raise _storage_error(exc, "read", location) from None
            if row is None:
                # As slow as a wrong password, so the answer's timing does not say which user
                # names exist.
                for form in forms:
                    crypto.derive_kek(form, b"\0" * crypto.SALT_BYTES, crypto.DEFAULT_KDF)
                raise AuthenticationFailed(_AUTH_MESSAGE)
            failures = int(row["failed_attempts"] or 0)
            delay = lockout_delay(failures)
            if delay:
                sleeper(delay)
            try:
                data_key, private = _unlock_slot(row, vault_id, row["role"], forms)
            except IntegrityError:
                if notice is None:
                    cls._note_failure(
                        engine,
                        lambda conn: conn.execute(
                            update(schema.users)
                            .where(schema.users.c.name == user)
                            .values(
                                failed_attempts=schema.users.c.failed_attempts + 1,
                                last_failure=clock().isoformat(),
                            )
                        ),
                    )
                raise AuthenticationFailed(_AUTH_MESSAGE) from None
            store = cls._unlocked(
                location, engine, data_key, row, key_id, vault_id, user, row["role"], clock,
                schema_version=version,
                mark_key=crypto.seen_head_key(private, vault_id, user),
                read_only=notice,
                state_dir=state_dir,
                local_key=crypto.local_head_key(private, vault_id, user) if state_dir else None,
            )

            def before(conn: Connection) -> None:
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

            store._opened("unlocked", before)
            return store
        except BaseException:
            engine.dispose()
            raise

    @staticmethod
    def _note_failure(engine: Engine, write: Callable[[Connection], object]) -> None:
        """Count a wrong secret; if that cannot be written, the answer is still "wrong"."""
        with contextlib.suppress(SQLAlchemyError), _writing(engine) as conn:
            write(conn)

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
            try:
                failures = max(0, int(meta.get("recovery_failures", "0")))
            except ValueError:
                failures = LOCKOUT_AFTER  # a garbled count is no reason to wait less
            delay = lockout_delay(failures)
            if delay:
                sleeper(delay)
            try:
                with engine.connect() as conn:
                    slot = (
                        conn.execute(
                            select(schema.key_slots).where(schema.key_slots.c.kind == "recovery")
                        )
                        .mappings()
                        .first()
                    )
            except SQLAlchemyError as exc:
                raise _storage_error(exc, "read", location) from None
            if slot is None:
                raise VaultError("This vault has no recovery key.")
            try:
                data_key, _private = _unlock_slot(
                    slot, vault_id, "", [crypto.normalise_recovery_key(recovery_key)]
                )
            except IntegrityError:
                if notice is None:
                    cls._note_failure(
                        engine, lambda conn: _meta_set(conn, "recovery_failures", str(failures + 1))
                    )
                raise AuthenticationFailed("That recovery key does not open this vault.") from None
            store = cls._unlocked(
                location, engine, data_key, slot, key_id, vault_id, RECOVERY_USER, "", clock,
                schema_version=version,
                read_only=notice,
            )

            def before(conn: Connection) -> None:
                if failures:
                    store._append(
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
        retired: dict[str, bytes] = {}
        try:
            with engine.connect() as conn:
                for row in conn.execute(select(schema.retired_keys)).mappings():
                    with contextlib.suppress(IntegrityError):
                        retired[row["key_id"]] = crypto.open_sealed(
                            data_key,
                            row["nonce"],
                            row["sealed"],
                            crypto.aad("retired", vault_id, row["key_id"], key_id),
                        )
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
                self._append(conn, action, None, {})
            self._remember_locally()
        except SQLAlchemyError as exc:
            kind = _failure_kind(exc)
            if kind == "io" and _disk_full(self.location):
                kind = "full"
            if kind not in ("read_only", "full"):
                raise _storage_error(exc, "opened", self.location) from None
            self._anchored = False
            self.read_only = FULL_NOTICE if kind == "full" else READ_ONLY_NOTICE
            self.notices.append(self.read_only)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._keys = {}
        self._data_key = b""
        self._mark_key = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise VaultError("The vault is locked.")
        return self._engine

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (writers serialised); refuses to write with keys another
        session has replaced."""
        if self._engine_read_only:
            why = "the disk is full" if self.read_only == FULL_NOTICE else "it is read-only here"
            raise VaultError(f"The vault cannot be changed: {why}.")
        try:
            with _writing(self.engine) as conn:
                if _meta_get(conn, "key_id") != self._key_id:
                    raise VaultError("The vault was re-keyed by another session; log in again.")
                if not self._anchored:
                    # this session opened without writing (the disk was full); check the end
                    # of the trail before extending it
                    self._settle_head(conn)
                yield conn
        except SQLAlchemyError as exc:
            self._local_pending = None
            raise _storage_error(exc, "written", self.location) from None
        except BaseException:
            self._local_pending = None
            raise
        self._remember_locally()

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
            raise _storage_error(exc, "read", self.location) from None

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

    def _last_entry(self, conn: Connection) -> Head:
        row = conn.execute(
            select(schema.audit.c.seq, schema.audit.c.mac).order_by(schema.audit.c.seq.desc())
        ).first()
        if row is None:
            return anchor.EMPTY
        mac = row.mac if isinstance(row.mac, bytes | memoryview) else b""
        return Head(int(row.seq), bytes(mac))

    @staticmethod
    def _mac_at(conn: Connection, seq: int) -> bytes | None:
        mac = conn.execute(select(schema.audit.c.mac).where(schema.audit.c.seq == seq)).scalar()
        return bytes(mac) if isinstance(mac, bytes | memoryview) else None

    def _chain_anchored(self, conn: Connection) -> bool:
        """Does the trail hold the entry that started the tagged-head format?"""
        rows = conn.execute(
            select(schema.audit).where(schema.audit.c.action.in_(("vault_created", "audit_anchored")))
        ).mappings()
        for row in rows:
            detail = self._open_detail(row)
            if detail is not None and detail.get(anchor.FORMAT_KEY) == anchor.AUDIT_FORMAT:
                return True
        return False

    def _seen_heads(self, conn: Connection) -> list[tuple[str, anchor.SeenHead | None]]:
        """Every ``seen_heads`` row: (user, the row; None if it is garbled)."""
        if self._schema < 4:
            return []
        out: list[tuple[str, anchor.SeenHead | None]] = []
        for row in conn.execute(select(schema.seen_heads).order_by(schema.seen_heads.c.user_name)):
            head = anchor.parse_head(f"{row.seq}:{row.entry_mac}")
            tag = row.tag if isinstance(row.tag, bytes | memoryview) else b""
            out.append(
                (str(row.user_name), None if head is None else anchor.SeenHead(str(row.user_name), head, bytes(tag)))
            )
        return out

    def _end_problems(
        self, conn: Connection, users: set[str]
    ) -> tuple[list[str], list[str], Head]:
        """What is wrong with the end of the trail: (problems this session's opening settles,
        because it points the head at the last entry and raises this user's seen head; problems
        that stay until their user opens the vault; the last entry)."""
        last = self._last_entry(conn)
        tag = _meta_get(conn, anchor.HEAD_TAG_KEY)
        head = anchor.parse_head(_meta_get(conn, anchor.HEAD_KEY))
        settled: list[str] = []
        if head is None:
            settled.append(
                "Audit trail: its head (the record of its newest entry) is garbled."
            )
        elif head != last:
            settled.append(_head_mismatch(head, last))
        elif (tag is not None or self._chain_anchored(conn)) and not anchor.head_tag_ok(
            self._data_key, self._vault_id, head, tag
        ):
            settled.append(
                "Audit trail: its head failed authentication (it was set outside the app, "
                "for example to hide entries cut off its end)."
            )
        staying: list[str] = []
        for name, seen in self._seen_heads(conn):
            mine = name == self.user and self._mark_key is not None
            if name not in users:
                staying.append(
                    f"Audit trail: it keeps what “{name}” saw, but there is no such user "
                    "(added outside the app)."
                )
                continue
            if seen is None or (
                mine and self._mark_key is not None and not seen.tag_ok(self._mark_key, self._vault_id)
            ):
                (settled if mine else staying).append(
                    f"Audit trail: the record of the newest entry {name} saw was changed outside "
                    "the app."
                )
                continue
            why = anchor.behind(seen, last, lambda seq: self._mac_at(conn, seq))
            if why is not None:
                (settled if mine else staying).append(why)
        local = self._local_problem(last, lambda seq: self._mac_at(conn, seq))
        if local is not None:
            settled.append(local)
        return settled, staying, last

    def _settle_head(self, conn: Connection) -> None:
        """At opening, inside the write transaction: check the end of the trail (its head, the
        head's tag, what each user last saw), write what is wrong into the trail itself (so
        moving the head on cannot hide it), point the head at the last entry that is really
        there and tag it. A vault made before heads were tagged gets its first tag and an
        ``audit_anchored`` entry, which also starts the audit format with row states kept apart
        from the details callers write."""
        users = {str(n) for n in conn.execute(select(schema.users.c.name)).scalars()}
        settled, staying, last = self._end_problems(conn, users)
        anchored = _meta_get(conn, anchor.HEAD_TAG_KEY) is not None or self._chain_anchored(conn)
        self.notices.extend(settled + staying)
        _meta_set(conn, anchor.HEAD_KEY, last.text)
        _meta_set(conn, anchor.HEAD_TAG_KEY, anchor.head_tag(self._data_key, self._vault_id, last))
        self._anchored = True
        if settled:
            self._append(conn, "audit_damage", None, {"problems": settled})
        if not anchored:
            self._append(conn, "audit_anchored", None, {anchor.FORMAT_KEY: anchor.AUDIT_FORMAT})

    def _remember_locally(self) -> None:
        """After a commit: keep the newest entry this session wrote in this PC's state file.
        A state folder that cannot be written is a notice, not a failure: the vault is fine."""
        head, self._local_pending = self._local_pending, None
        if head is None or self._state_dir is None or self._local_key is None:
            return
        try:
            local_mark.write(self._state_dir, self._mark_place, self.user, self._local_key, head)
        except OSError as exc:
            notice = (
                f"The newest entry you saw could not be kept on this PC ({exc.strerror or exc}), "
                "so an older copy of the vault put back here would not be noticed."
            )
            if notice not in self.notices:
                self.notices.append(notice)

    def _local_problem(self, last: Head, mac_at: Callable[[int], bytes | None]) -> str | None:
        """What this PC's state file says is missing from the trail ending at ``last``."""
        if self._state_dir is None or self._local_key is None:
            return None
        try:
            kept = local_mark.read(self._state_dir, self._mark_place, self.user, self._local_key)
        except local_mark.LocalMarkTampered:
            return (
                f"Audit trail: the note kept on this PC of the newest entry {self.user} saw was "
                "changed outside the app, so it is not trusted."
            )
        if kept is None or kept.seq == 0:
            return None  # a new PC: nothing was seen here
        if kept.seq > last.seq:
            return (
                f"Audit trail: the audit trail ends at entry {last.seq}, but {self.user} saw "
                f"entry {kept.seq} on this PC: an older copy of the vault was put back."
            )
        found = mac_at(kept.seq)
        if found is None or not crypto.mac_equal(found, kept.mac):
            return (
                f"Audit trail: entry {kept.seq} is not the one {self.user} saw there on this PC: "
                "an older copy of the vault was put back and written to since."
            )
        return None

    def _see(self, conn: Connection, head: Head) -> None:
        """Remember, tagged with this user's own key, that they have seen ``head``."""
        self._local_pending = head
        if self._mark_key is None or self._schema < 4:
            return
        values = {
            "seq": head.seq,
            "entry_mac": head.mac.hex(),
            "tag": anchor.seen_tag(self._mark_key, self._vault_id, self.user, head),
        }
        done = conn.execute(
            update(schema.seen_heads)
            .where(schema.seen_heads.c.user_name == self.user)
            .values(**values)
        )
        if done.rowcount == 0:
            conn.execute(insert(schema.seen_heads).values(user_name=self.user, **values))

    def _append(
        self, conn: Connection, action: str, record_id: str | None, detail: dict[str, Any]
    ) -> int:
        """Add one entry to the chain inside the caller's write transaction; returns its seq.

        The head is read ``FOR UPDATE`` (PostgreSQL; a no-op under SQLite's BEGIN IMMEDIATE), so
        two writers can never both extend the same head: the second waits, then sees the first.
        A head whose tag is wrong is never extended (that would make a cut-off end look whole).
        """
        head = anchor.parse_head(
            conn.execute(
                select(schema.meta.c.value)
                .where(schema.meta.c.key == anchor.HEAD_KEY)
                .with_for_update()
            ).scalar()
        )
        if head is None or not anchor.head_tag_ok(
            self._data_key, self._vault_id, head, _meta_get(conn, anchor.HEAD_TAG_KEY)
        ):
            raise VaultDamaged(
                "The audit trail was changed outside the app while this session was open; "
                "log in again so that it is checked."
            )
        seq = head.seq + 1
        at = self._clock().isoformat()
        plaintext = json.dumps(detail, sort_keys=True, default=str).encode("utf-8")
        nonce, sealed = crypto.seal(
            self._data_key, plaintext, crypto.aad("audit", seq, self._key_id)
        )
        message = self._mac_message(
            seq, at, self.user, action, record_id, self._key_id, nonce, sealed
        )
        entry_mac = crypto.mac(crypto.audit_mac_key(self._data_key), head.mac + message)
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
        new = Head(seq, entry_mac)
        _meta_set(conn, anchor.HEAD_KEY, new.text)
        _meta_set(conn, anchor.HEAD_TAG_KEY, anchor.head_tag(self._data_key, self._vault_id, new))
        self._see(conn, new)
        return seq

    def append_audit(self, action: str, record_id: str | None, detail: dict[str, Any]) -> None:
        """Write an event to the audit trail. Entries the vault writes itself (saves, users,
        blobs, openings, the trail's own state) cannot be written this way."""
        if action in STORE_ACTIONS or "row" in detail:
            raise VaultError(f"The audit entry “{action}” is written by the vault itself.")
        with self._write() as conn:
            self._append(conn, action, record_id, detail)

    def note_reading(self, record_id: str) -> None:
        """Write that this user opened a record; skipped (the session's notice says so) when the
        vault cannot be written here."""
        if self.read_only is not None:
            return
        with self._write() as conn:
            self._append(conn, "opened", record_id, {})

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
                {**(detail or {}), "row": {"version": version, "sha256": crypto.digest(data)}},
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
            seq = self._append(conn, "deleted", record_id, {"row": {"deleted": True}})
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
                {"name": name, "row": {"version": version, "sha256": crypto.digest(data)}},
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
            self._append(
                conn,
                "blob_deleted",
                None,
                {"name": name, "row": {"deleted": True, "version": int(current)}},
            )
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
    ) -> tuple[str, dict[str, Any], bytes | None]:
        """A checked user name, a new password key slot wrapping this vault's data key, and the
        key that tags what that user has seen."""
        name = _validate_name(name)
        password = _validate_password(password)
        slot, mark_key = _new_slot(
            self._vault_id, "password", name, role, password, kdf or self.kdf, self._data_key, self._key_id
        )
        return name, slot, mark_key

    def add_user(
        self, name: str, role: str, password: str, *, kdf: KdfParams | None = None
    ) -> None:
        name, slot, _mark_key = self._password_slot(name, role, password, kdf)
        with self._write() as conn:
            if conn.execute(select(schema.users.c.name).where(schema.users.c.name == name)).first():
                raise VaultError(f"A user called {name} already exists.")
            conn.execute(
                insert(schema.users).values(name=name, role=role, created=self._clock().isoformat())
            )
            conn.execute(insert(schema.key_slots).values(**slot))
            if self._schema >= 4:  # a seen head left by an earlier user of that name
                conn.execute(delete(schema.seen_heads).where(schema.seen_heads.c.user_name == name))
            self._append(
                conn, "user_added", None, {"name": name, "role": role, "slot": _slot_digest(slot)}
            )

    def set_user(
        self, name: str, role: str, password: str, *, kdf: KdfParams | None = None
    ) -> None:
        """Give a user a new password (and role), replacing the key slot; adds the user if new.

        What they last saw in the audit trail is kept, tagged with their new slot's key."""
        name, slot, mark_key = self._password_slot(name, role, password, kdf)
        mine = name == self.user
        previous_key = self._mark_key
        if mine:
            self._mark_key = mark_key
        try:
            self._set_user(name, role, slot, mark_key)
        except BaseException:
            self._mark_key = previous_key
            raise

    def _set_user(
        self, name: str, role: str, slot: dict[str, Any], mark_key: bytes | None
    ) -> None:
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
            if self._schema >= 4 and mark_key is not None:
                seen = conn.execute(
                    select(schema.seen_heads).where(schema.seen_heads.c.user_name == name)
                ).first()
                head = None if seen is None else anchor.parse_head(f"{seen.seq}:{seen.entry_mac}")
                if head is not None:
                    conn.execute(
                        update(schema.seen_heads)
                        .where(schema.seen_heads.c.user_name == name)
                        .values(tag=anchor.seen_tag(mark_key, self._vault_id, name, head))
                    )
            self._append(
                conn,
                "user_added" if done.rowcount == 0 else "password_set",
                None,
                {"name": name, "role": role, "slot": _slot_digest(slot)},
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
            data_key, _private = _unlock_slot(
                row, self._vault_id, row["role"], crypto.password_forms(password)
            )
        except IntegrityError:
            return False
        return data_key == self._data_key

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
            if self._schema >= 4:
                conn.execute(delete(schema.seen_heads).where(schema.seen_heads.c.user_name == name))
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
        head = anchor.parse_head(_meta_get(conn, anchor.HEAD_KEY))
        if head is None or not anchor.head_tag_ok(
            old_key, self._vault_id, head, _meta_get(conn, anchor.HEAD_TAG_KEY)
        ):
            raise VaultDamaged(
                "The audit trail was changed outside the app while this session was open; "
                "log in again so that it is checked."
            )
        _meta_set(conn, anchor.HEAD_TAG_KEY, anchor.head_tag(new_key, self._vault_id, head))
        self._data_key, self._key_id = new_key, new_id
        self._keys[new_id] = new_key
        self._append(conn, "rekeyed", None, {"left_damaged": left})
        return left

    # --- checking ------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Authenticate every row of every kind (records, blobs, users and key slots, settings,
        retired keys) and the whole audit trail, and compare each row with what the trail says
        about it. Returns plain problem sentences, one per problem; never raises for damage
        found in rows."""
        with self._read(snapshot=True) as conn:  # rows and chain as of one moment
            if _meta_get(conn, "key_id") != self._key_id:
                raise VaultError("The vault was re-keyed by another session; log in again.")
            meta_rows = {
                str(k): str(v)
                for k, v in conn.execute(select(schema.meta.c.key, schema.meta.c.value))
            }
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
            slots = list(conn.execute(select(schema.key_slots)).mappings())
            retired = [str(k) for k in conn.execute(select(schema.retired_keys.c.key_id)).scalars()]
            end_settled, end_staying, _last = self._end_problems(conn, set(users))
            file_damage = _file_damage(conn)
        walk = self._walk(entries)
        problems = [*file_damage, *walk.problems, *walk.damage, *end_settled, *end_staying]
        problems += self._check_meta(meta_rows)
        problems += self._check_rows("Record", "records", records, walk.records)
        problems += self._check_rows("Blob", "blobs", blobs, walk.blobs)
        problems += self._check_users(users, slots, walk)
        problems += [
            f"Retired key {kid}: damaged (it failed authentication), so entries written "
            "under it cannot be checked."
            for kid in retired
            if kid not in self._keys
        ]
        return problems

    def _walk(self, entries: list[Any]) -> _Walk:
        """Follow the chain: check every link and gap, and collect what the intact entries say
        about each record, blob and user (the latest entry wins)."""
        walk = _Walk()
        fmt = 1
        prev_mac = b""
        prev_seq = 0
        for row in entries:
            try:
                seq = int(row["seq"])
            except (TypeError, ValueError):
                walk.problems.append("Audit trail: an entry's number is garbled.")
                continue
            if seq != prev_seq + 1:
                missing = (
                    f"Audit entry {prev_seq + 1}: missing"
                    if seq == prev_seq + 2
                    else f"Audit entries {prev_seq + 1} to {seq - 1}: missing"
                )
                walk.problems.append(f"{missing} (removed from the audit trail).")
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
                walk.problems.append(
                    f"Audit entry {seq}: broken link (the entry or the one before it was changed)."
                )
            elif detail is None:
                walk.problems.append(f"Audit entry {seq}: its details are damaged.")
            else:
                self._take(walk, row, seq, detail, fmt)
                if (
                    row["action"] in ("vault_created", "audit_anchored")
                    and detail.get(anchor.FORMAT_KEY) == anchor.AUDIT_FORMAT
                ):
                    fmt = anchor.AUDIT_FORMAT
            prev_mac = row["mac"] if isinstance(row["mac"], bytes) else b""
            prev_seq = seq
        return walk

    @staticmethod
    def _take(walk: _Walk, row: Any, seq: int, detail: dict[str, Any], fmt: int) -> None:
        """Note what one intact entry says about a row's state."""
        action = str(row["action"])
        record_id = row["record_id"]
        name = detail.get("name")
        if fmt >= anchor.AUDIT_FORMAT:
            # row states are kept under "row", which only the store writes (export entries,
            # for example, carry an export version that is not the row's version)
            state = detail.get("row")
            if isinstance(state, dict):
                if record_id is not None:
                    walk.records[str(record_id)] = state
                elif action in ("blob_saved", "blob_deleted") and isinstance(name, str):
                    walk.blobs[name] = state
        elif record_id is not None:
            if action == "deleted" and detail.get("deleted") is True:
                walk.records[str(record_id)] = {"deleted": True}
            elif action in _LEGACY_ROW_ACTIONS and "version" in detail and "sha256" in detail:
                walk.records[str(record_id)] = {
                    "version": detail["version"],
                    "sha256": detail["sha256"],
                }
        elif action == "blob_saved" and isinstance(name, str):
            walk.blobs[name] = {"version": detail.get("version"), "sha256": detail.get("sha256")}
        elif action == "blob_deleted" and isinstance(name, str):
            walk.blobs[name] = {"deleted": True}
        if action in ("user_added", "password_set") and isinstance(name, str):
            walk.users[name] = {"present": True, "role": detail.get("role"), "slot": detail.get("slot")}
        elif action == "user_removed" and isinstance(name, str):
            walk.users[name] = {"present": False}
        elif action == "vault_created":
            walk.recovery_slot = detail.get("recovery_slot")
        elif action == "audit_damage":
            found = detail.get("problems")
            for problem in found if isinstance(found, list) else []:
                walk.damage.append(
                    f"{str(problem).rstrip('.')}; found when {row['user_name']} opened the vault "
                    f"on {str(row['at'])[:10]} (audit entry {seq})."
                )

    def _check_meta(self, meta_rows: dict[str, str]) -> list[str]:
        problems = [
            f"Vault settings: an unexpected entry “{key}” (added outside the app)."
            for key in sorted(meta_rows)
            if key not in _KNOWN_META
        ]
        failures = meta_rows.get("recovery_failures")
        if failures is not None and not failures.isdigit():
            problems.append("Vault settings: the count of wrong recovery keys is garbled.")
        if meta_rows.get("schema_version") != str(self._schema):
            problems.append("Vault settings: the schema version does not match the vault's tables.")
        return problems

    def _check_rows(
        self, label: str, table: str, rows: list[Any], states: dict[str, dict[str, Any]]
    ) -> list[str]:
        """Records or blobs: each row authenticates and is what the trail last said of it, and
        every row the trail says is there is there."""
        problems: list[str] = []
        id_col = "id" if table == "records" else "name"
        present: set[str] = set()
        for row in rows:
            row_id = str(row[id_col])
            present.add(row_id)
            try:
                plain = self._open_row(table, row, row_id)
            except (IntegrityError, ValueError, TypeError):
                problems.append(
                    f"{label} {row_id}: damaged or tampered with (it failed authentication)."
                )
                continue
            state = states.get(row_id)
            if state is None:
                problems.append(
                    f"{label} {row_id}: not in the audit trail (added outside the app, or the "
                    "entries about it were removed)."
                )
            elif state.get("deleted"):
                problems.append(
                    f"{label} {row_id}: the audit trail says it was deleted, yet it is there "
                    "(an older copy was put back)."
                )
            elif state.get("version") != row["version"] or state.get("sha256") != crypto.digest(
                plain
            ):
                problems.append(
                    f"{label} {row_id}: does not match the audit trail (an older copy was put back)."
                )
        for row_id, state in sorted(states.items()):
            if not state.get("deleted") and row_id not in present:
                problems.append(
                    f"{label} {row_id}: missing; the audit trail's last entry for it is version "
                    f"{state.get('version')}, so it was deleted outside the app."
                )
        return problems

    def _check_users(
        self, users: dict[str, str], slots: list[Any], walk: _Walk
    ) -> list[str]:
        problems: list[str] = []
        by_user: dict[str, Any] = {}
        recovery: list[Any] = []
        for slot in slots:
            if slot["kind"] == "recovery" and slot["user_name"] is None:
                recovery.append(slot)
            elif slot["kind"] == "password" and slot["user_name"] in users:
                by_user[str(slot["user_name"])] = slot
            else:
                problems.append(
                    f"Key slot for “{slot['user_name']}”: it belongs to no user (added outside "
                    "the app)."
                )
        for name, role in sorted(users.items()):
            state = walk.users.get(name)
            if state is None:
                problems.append(f"User {name}: not in the audit trail (added outside the app).")
            elif not state["present"]:
                problems.append(
                    f"User {name}: the audit trail says they were removed, yet they are there "
                    "(added back outside the app)."
                )
            elif state.get("role") != role:
                problems.append(f"User {name}: role or presence does not match the audit trail.")
            slot = by_user.get(name)
            if slot is None:
                problems.append(f"User {name}: has no key slot (it was removed outside the app).")
                continue
            named = state.get("slot") if state is not None else None
            if named is not None and named != _safe_digest(slot):
                problems.append(
                    f"User {name}: their key slot is not the one the audit trail names (it was "
                    "replaced outside the app)."
                )
            if slot["key_id"] != self._key_id:
                problems.append(f"User {name}: their key slot does not hold the vault's current key.")
        for name, state in sorted(walk.users.items()):
            if state["present"] and name not in users:
                problems.append(f"User {name}: missing (removed outside the app).")
        if not recovery:
            problems.append("Recovery key: its key slot is missing (removed outside the app).")
        elif len(recovery) > 1:
            problems.append(
                "Recovery key: there is more than one recovery key slot (one was added outside "
                "the app)."
            )
        else:
            if walk.recovery_slot is not None and walk.recovery_slot != _safe_digest(recovery[0]):
                problems.append(
                    "Recovery key: its key slot is not the one the vault was made with (it was "
                    "replaced outside the app)."
                )
            if recovery[0]["key_id"] != self._key_id:
                problems.append("Recovery key: its key slot does not hold the vault's current key.")
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
    """Used by restore: open a slot copied into a backup's header (a password in each of its
    forms, see :func:`crypto.password_forms`; a recovery key as given)."""
    forms = crypto.password_forms(secret) if slot.get("kind") == "password" else [secret]
    return _unlock_slot(slot, vault_id, slot.get("role") or "", forms)[0]
