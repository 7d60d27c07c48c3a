"""The vault's one connection: where it is, its engine, reads and the writers' lock, and the
plain sentences every storage failure is told in.

Every part of the vault (:mod:`~models.vault.keyring`, :mod:`~models.vault.audit`,
:mod:`~models.vault.records`, :mod:`~models.vault.blobs`, :mod:`~models.vault.users`,
:mod:`~models.vault.maintenance`) reads and writes through the one :class:`VaultConnection` of the
session that :class:`~models.vault.store.VaultStore` opened.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, inspect, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from models.errors import VaultDamaged, VaultError
from models.vault import schema

Clock = Callable[[], datetime]
Sleeper = Callable[[float], None]
Progress = Callable[[int, int], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


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
        table = next(
            (
                t.name
                for t in schema.TABLES
                if f"table: {t.name}" in said or f'"{t.name}" does not exist' in said
            ),
            None,
        )
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
        return VaultError(
            f"The vault could not be {verb}: the disk reported an input/output error."
        )
    if kind == "cant_open":
        return VaultError(f"The vault could not be {verb}: its file could not be opened.")
    if kind == "server":
        # a refused connection carries no SQLSTATE; read libpq's words, never repeat them
        sqlstate = str(getattr(orig, "sqlstate", "") or "")
        said = str(orig).lower()
        if sqlstate.startswith("28") or "authentication failed" in said or "no pg_hba" in said:
            return VaultError(
                f"The vault could not be {verb}: the database server refused the login."
            )
        if sqlstate == "3D000" or ("database" in said and "does not exist" in said):
            return VaultError(
                f"The vault could not be {verb}: the database {location} does not exist."
            )
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


class VaultConnection:
    """The session's place, engine and schema version, and whether it can be written here."""

    def __init__(
        self,
        location: schema.Location,
        engine: Engine,
        *,
        schema_version: int,
        read_only: str | None,
    ) -> None:
        self.location = location
        self._engine: Engine | None = engine
        self.schema = schema_version
        self.read_only: str | None = read_only
        self.notices: list[str] = [read_only] if read_only else []
        self.engine_read_only = read_only is not None  # opened with mode=ro

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise VaultError("The vault is locked.")
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None

    @contextlib.contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read; ``snapshot`` makes several statements see one state on PostgreSQL (REPEATABLE
        READ), as they already do inside SQLite's transaction."""
        try:
            with self.engine.connect() as conn:
                if snapshot and conn.dialect.name != "sqlite":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                yield conn
        except SQLAlchemyError as exc:
            raise _storage_error(exc, "read", self.location) from None


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


def schema_found(conn: Connection, location: schema.Location) -> int:
    value = _meta_get(conn, "schema_version")
    try:
        return int(value or "")
    except ValueError:
        raise VaultDamaged(
            f"The vault in {location} is damaged: its schema version is garbled; "
            "restore it from a backup."
        ) from None


def make_vault_folder(folder: Path) -> bool:
    """Make a vault's folder (only its owner may enter it); returns whether it was made."""
    made = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            folder.chmod(0o700)
    except OSError as exc:
        raise VaultError(f"Cannot create the vault folder {folder}: {exc.strerror}.") from None
    return made


def vault_exists(location: schema.Location) -> bool:
    """Is there a vault at ``location``? For a server, raises VaultError if it cannot be reached."""
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


def connect_as(
    location: schema.Location, notice: str | None, *, immutable: bool = False
) -> tuple[Engine, dict[str, str], int, str | None]:
    """An engine on the vault (read-only when there is a ``notice``), its meta rows, its schema
    version (upgraded when it can write) and the notice; a vault that turns out not to be
    writable raises :class:`_NeedsReadOnly`."""
    engine = schema.make_engine(location, read_only=notice is not None, immutable=immutable)
    try:
        with engine.begin() as conn:
            if not schema.table_exists(conn, "meta"):
                raise VaultError(f"The file in {location} is not a Transitions vault.")
            found = schema_found(conn, location)
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
                raise _NeedsReadOnly(FULL_NOTICE if kind == "full" else READ_ONLY_NOTICE) from None
            if notice is not None and kind in ("read_only", "cant_open", "full", "io"):
                raise _NeedsReadOnly(notice) from None
        elif location.on_server and notice is None and kind == "read_only":
            raise _NeedsReadOnly(READ_ONLY_NOTICE) from None
        raise _storage_error(exc, "opened", location) from None
    return engine, meta, version, notice
