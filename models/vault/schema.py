"""The vault's database schema, its versioned migrations, and the one place the URL is built.

A vault lives in one of two places (a :class:`Location`): a folder holding the SQLite file
``vault.db`` (the default, one setting) or a PostgreSQL database given by a
``postgresql+psycopg://`` URL (several instances of the app on one server). The schema is
SQLAlchemy Core with types that exist on both (``LargeBinary`` is BLOB on SQLite, BYTEA on
PostgreSQL), and the same versioned migrations run on both: a vault is always built as schema
version 1 and then migrated step by step, so every migration runs on every new vault as well as on
old ones. The DDL is written once; :func:`_ddl` swaps the two type names that differ.

SQLite: WAL, synchronous=FULL, secure_delete, temp_store=MEMORY and ``BEGIN IMMEDIATE`` (pragmas
only there). PostgreSQL: READ COMMITTED; every write transaction first takes a row lock on the
audit chain head (``SELECT ... FOR UPDATE`` on ``meta.audit_head``, see :func:`lock_chain_head`),
which serialises writers the way ``BEGIN IMMEDIATE`` does on SQLite. The server only ever holds
ciphertext: all encryption happens in this process.

Several vaults on one server (an LA hosting its childminders): each vault is its own database
(``.../DATABASE``) or its own schema in a shared database (``.../DATABASE?schema=NAME``), each
reached with its own login. The schema is the only query parameter the app reads; it becomes the
connection's ``search_path`` (that schema alone, not ``public``), and a connection whose schema
does not exist, or which the login may not use, is refused before anything is read or made.

Version history:

1. meta, users, key_slots, records, blobs, audit, retired_keys.
2. users gain ``failed_attempts`` and ``last_failure`` (the wrong-password back-off).
3. records gain ``change_seq`` (the audit sequence number of the write that last changed the row)
   and ``tombstones`` remembers deleted record ids the same way, so another instance can ask
   "what changed since N" (:meth:`models.vault.VaultStore.changes_since`).
4. ``seen_heads``: per user, the newest audit entry that user has seen (its sequence number and
   MAC), tagged with a key only that user's password opens (see :mod:`models.vault.anchor`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from models.errors import VaultError

DB_FILE = "vault.db"
CURRENT_SCHEMA = 4
SERVER_DRIVER = "postgresql+psycopg"
_SERVER_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
LOCK_TIMEOUT_MS = 30_000


def database_url(directory: Path) -> str:
    """The only place a folder vault's database URL is made."""
    return f"sqlite:///{(Path(directory) / DB_FILE).as_posix()}"


_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _server_url(db_url: str) -> tuple[URL, str | None]:
    """The connection URL (without ``schema``) and the schema it names, if any."""
    try:
        url = make_url(db_url)
    except (ArgumentError, ValueError):
        raise VaultError(
            f"That is not a database URL; use {SERVER_DRIVER}://USER@HOST/DATABASE."
        ) from None
    if url.drivername not in _SERVER_SCHEMES:
        raise VaultError(
            f"A vault database must be PostgreSQL; the URL must start with {SERVER_DRIVER}://."
        )
    if not url.database:
        raise VaultError("The database URL must name the database: ...@HOST/DATABASE.")
    if "options" in url.query:
        raise VaultError(
            "The database URL may not set server options; name a schema with ?schema=NAME."
        )
    raw = url.query.get("schema")
    name: str | None = None
    if raw is not None:
        name = raw if isinstance(raw, str) else None
        if name is None or not _SCHEMA_NAME.fullmatch(name) or name.startswith("pg_"):
            raise VaultError(
                "The schema in the database URL must be one lower-case name of letters, digits "
                "and _ (for example ?schema=buttercup), not pg_..."
            )
        if name == "public":
            raise VaultError(
                "A hosted vault needs a schema of its own, not public; leave ?schema= out to "
                "use the whole database."
            )
    return url.difference_update_query(["schema"]).set(drivername=SERVER_DRIVER), name


@dataclass(frozen=True, slots=True)
class Location:
    """Where a vault is: a folder (SQLite) or a PostgreSQL database URL. Make it with :func:`locate`."""

    directory: Path | None = None
    db_url: str | None = None

    @property
    def on_server(self) -> bool:
        return self.db_url is not None

    @property
    def url(self) -> str:
        """What to connect to (a server URL without the schema, see :attr:`schema`)."""
        if self.db_url is not None:
            return _server_url(self.db_url)[0].render_as_string(hide_password=False)
        assert self.directory is not None
        return database_url(self.directory)

    @property
    def schema(self) -> str | None:
        """The schema a server URL names (``?schema=NAME``), else None: the whole database."""
        return _server_url(self.db_url)[1] if self.db_url is not None else None

    @property
    def place(self) -> tuple[str, str | None]:
        """Where the vault's tables are: two locations are the same vault when this is equal."""
        return self.url, self.schema

    def __str__(self) -> str:
        """For messages: the folder, or the URL (schema included) with any password hidden."""
        if self.db_url is not None:
            url, name = _server_url(self.db_url)
            shown = url.render_as_string(hide_password=True)
            return shown if name is None else f"{shown}?schema={name}"
        return str(self.directory)

    @property
    def kind(self) -> str:
        return "postgresql" if self.on_server else "sqlite"


def locate(directory: Path | str | None = None, db_url: str | None = None) -> Location:
    """Exactly one of a folder or a database URL; the URL is checked (PostgreSQL only)."""
    if db_url is not None and directory is not None:
        raise VaultError("Give either a vault folder or a database URL, not both.")
    if db_url is not None:
        _server_url(db_url)
        return Location(db_url=db_url)
    if directory is None:
        raise VaultError("Give a vault folder or a database URL.")
    return Location(directory=Path(directory))


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def make_engine(
    where: Path | Location, *, read_only: bool = False, immutable: bool = False
) -> Engine:
    """An engine for a folder vault (pragmas, BEGIN IMMEDIATE) or a PostgreSQL vault.

    SQLite: WAL + synchronous=FULL makes each committed transaction durable; secure_delete
    overwrites freed pages; temp_store=MEMORY keeps sorts and temporary tables out of temp files.
    Transactions start with ``BEGIN IMMEDIATE`` so a read-then-write (the audit chain) cannot
    interleave with another process. ``read_only`` opens the file with ``mode=ro`` (and, when no
    write-ahead log is beside it or ``immutable`` says so, ``immutable=1``, since a read-only
    folder or a full disk cannot hold the shared-memory file WAL needs): nothing is written, not
    even the journal mode.

    PostgreSQL: READ COMMITTED, a lock timeout (a writer waits at most 30 s for another's
    transaction), and connections checked before use so a restarted server is not an error.
    """
    location = where if isinstance(where, Location) else Location(directory=Path(where))
    if location.on_server:
        options = f"-c lock_timeout={LOCK_TIMEOUT_MS}"
        name = location.schema
        if name is not None:  # checked to be a plain identifier: nothing to quote
            options += f" -c search_path={name}"
        server = create_engine(
            location.url,
            pool_pre_ping=True,
            pool_size=2,
            isolation_level="READ COMMITTED",
            connect_args={
                "connect_timeout": 10,
                "application_name": "transitions",
                "options": options,
            },
        )
        if name is not None:

            @event.listens_for(server, "connect")
            def _check_schema(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                try:
                    cursor.execute(
                        "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s"
                        " AND has_schema_privilege(oid, 'USAGE')) AND current_schema() = %s",
                        (name, name),
                    )
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                dbapi_connection.rollback()
                if not row or row[0] is not True:
                    dbapi_connection.close()
                    raise VaultError(
                        f"The schema {name} does not exist in {location}, or this login may not "
                        "use it: ask whoever runs the server to make it and give the login its "
                        "use."
                    )

        return server
    if read_only:
        assert location.directory is not None
        path = (Path(location.directory) / DB_FILE).absolute()
        has_log = all((path.parent / (DB_FILE + suffix)).exists() for suffix in ("-wal", "-shm"))
        flags = "mode=ro" if has_log and not immutable else "mode=ro&immutable=1"
        engine = create_engine(
            f"sqlite:///file:{quote(path.as_posix())}?{flags}&uri=true",
            connect_args={"timeout": 30},
        )
        pragmas: tuple[str, ...] = ("PRAGMA temp_store=MEMORY",)
        begin = "BEGIN"
    else:
        engine = create_engine(location.url, connect_args={"timeout": 30})
        pragmas = (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA secure_delete=ON",
            "PRAGMA temp_store=MEMORY",
            "PRAGMA foreign_keys=ON",
        )
        begin = "BEGIN IMMEDIATE"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        # a tampered row may hold text that is not UTF-8: read it, and let authentication fail
        dbapi_connection.text_factory = _lenient_text
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine


metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(2000), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("role", String(40), nullable=False),
    Column("created", String(40), nullable=False),
    # schema 2
    Column("failed_attempts", Integer, nullable=False, server_default="0"),
    Column("last_failure", String(40), nullable=True),
)

key_slots = Table(
    "key_slots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # "password" or "recovery"
    Column("user_name", String(200), nullable=True, unique=True),
    # secret -> Argon2id -> KEK, which seals the slot's X25519 private key
    Column("salt", LargeBinary, nullable=False),
    Column("memory_kib", Integer, nullable=False),
    Column("iterations", Integer, nullable=False),
    Column("lanes", Integer, nullable=False),
    Column("private_nonce", LargeBinary, nullable=False),
    Column("sealed_private", LargeBinary, nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    # the data key, sealed to the slot's public key (so re-keying needs no password)
    Column("key_id", String(32), nullable=False),
    Column("ephemeral_public", LargeBinary, nullable=False),
    Column("wrap_nonce", LargeBinary, nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    # schema 3: the audit seq of the write that last changed this row (for changes_since)
    Column("change_seq", Integer, nullable=False, server_default="0", index=True),
)

blobs = Table(
    "blobs",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("user_name", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("record_id", String(64), nullable=True, index=True),
    Column("key_id", String(32), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("detail", LargeBinary, nullable=False),
    Column("mac", LargeBinary, nullable=False),
)

# Data keys retired by re-keying, sealed under the current data key, so audit entries written
# before a re-key stay verifiable. Whoever could read them already held them before the re-key.
retired_keys = Table(
    "retired_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("nonce", LargeBinary, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
)

# schema 3: deleted record ids, with the audit seq of the deletion (for changes_since)
tombstones = Table(
    "tombstones",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("change_seq", Integer, nullable=False),
)

# schema 4: the newest audit entry each user has seen, tagged with a key from their own slot
seen_heads = Table(
    "seen_heads",
    metadata,
    Column("user_name", String(200), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("entry_mac", String(64), nullable=False),
    Column("tag", LargeBinary, nullable=False),
)

# Every table, in the order rows are copied from one vault location to another.
TABLES = (meta, users, key_slots, records, blobs, audit, retired_keys, tombstones, seen_heads)
# The schema version that added each table not in version 1.
TABLE_SINCE = {"tombstones": 3, "seen_heads": 4}

_V1_DDL = (
    "CREATE TABLE meta (key VARCHAR(64) NOT NULL PRIMARY KEY, value VARCHAR(2000) NOT NULL)",
    "CREATE TABLE users (name VARCHAR(200) NOT NULL PRIMARY KEY, role VARCHAR(40) NOT NULL, "
    "created VARCHAR(40) NOT NULL)",
    "CREATE TABLE key_slots (id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, kind VARCHAR(20) NOT NULL, "
    "user_name VARCHAR(200) UNIQUE, salt BLOB NOT NULL, memory_kib INTEGER NOT NULL, "
    "iterations INTEGER NOT NULL, lanes INTEGER NOT NULL, private_nonce BLOB NOT NULL, "
    "sealed_private BLOB NOT NULL, public_key BLOB NOT NULL, key_id VARCHAR(32) NOT NULL, "
    "ephemeral_public BLOB NOT NULL, wrap_nonce BLOB NOT NULL, wrapped_key BLOB NOT NULL)",
    "CREATE TABLE records (id VARCHAR(64) NOT NULL PRIMARY KEY, version INTEGER NOT NULL, "
    "key_id VARCHAR(32) NOT NULL, nonce BLOB NOT NULL, ciphertext BLOB NOT NULL)",
    "CREATE TABLE blobs (name VARCHAR(200) NOT NULL PRIMARY KEY, version INTEGER NOT NULL, "
    "key_id VARCHAR(32) NOT NULL, nonce BLOB NOT NULL, ciphertext BLOB NOT NULL)",
    "CREATE TABLE audit (seq INTEGER NOT NULL PRIMARY KEY, at VARCHAR(40) NOT NULL, "
    "user_name VARCHAR(200) NOT NULL, action VARCHAR(40) NOT NULL, record_id VARCHAR(64), "
    "key_id VARCHAR(32) NOT NULL, nonce BLOB NOT NULL, detail BLOB NOT NULL, mac BLOB NOT NULL)",
    "CREATE INDEX ix_audit_record_id ON audit (record_id)",
    "CREATE TABLE retired_keys (key_id VARCHAR(32) NOT NULL PRIMARY KEY, nonce BLOB NOT NULL, "
    "sealed BLOB NOT NULL)",
)


# The DDL is written once in SQLite's words; these are the only two that PostgreSQL spells
# differently (an auto-numbered key, and bytes). Existing SQLite vaults keep exactly their DDL.
_SERVER_WORDS = (
    ("INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT", "SERIAL PRIMARY KEY"),
    (" BLOB ", " BYTEA "),
)


def _ddl(conn: Connection, statement: str) -> None:
    if conn.dialect.name != "sqlite":
        for sqlite_words, server_words in _SERVER_WORDS:
            statement = statement.replace(sqlite_words, server_words)
    conn.exec_driver_sql(statement)


def _create_v1(conn: Connection) -> None:
    for statement in _V1_DDL:
        _ddl(conn, statement)
    conn.execute(meta.insert().values(key="schema_version", value="1"))


def _v1_to_v2(conn: Connection) -> None:
    _ddl(conn, "ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0")
    _ddl(conn, "ALTER TABLE users ADD COLUMN last_failure VARCHAR(40)")


def _v2_to_v3(conn: Connection) -> None:
    _ddl(conn, "ALTER TABLE records ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0")
    _ddl(conn, "CREATE INDEX ix_records_change_seq ON records (change_seq)")
    _ddl(
        conn,
        "CREATE TABLE tombstones (id VARCHAR(64) NOT NULL PRIMARY KEY, "
        "change_seq INTEGER NOT NULL)",
    )


def _v3_to_v4(conn: Connection) -> None:
    _ddl(
        conn,
        "CREATE TABLE seen_heads (user_name VARCHAR(200) NOT NULL PRIMARY KEY, "
        "seq INTEGER NOT NULL, entry_mac VARCHAR(64) NOT NULL, tag BLOB NOT NULL)",
    )


# MIGRATIONS[n] upgrades schema n to n + 1.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def schema_version(conn: Connection) -> int:
    value = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one()
    return int(value)


def create_schema(conn: Connection, target: int = CURRENT_SCHEMA) -> None:
    """Build a new vault's tables: version 1, then every migration up to ``target``."""
    _create_v1(conn)
    migrate(conn, target)


def migrate(conn: Connection, target: int = CURRENT_SCHEMA) -> int:
    """Upgrade in place, inside the caller's transaction; returns the version found before."""
    found = schema_version(conn)
    version = found
    while version < target:
        MIGRATIONS[version](conn)
        version += 1
        conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(version)))
    return found


def table_exists(conn: Connection, name: str) -> bool:
    return bool(inspect(conn).has_table(name))


def tables_for(version: int) -> tuple[Table, ...]:
    """The tables a vault of this schema version has."""
    return tuple(t for t in TABLES if TABLE_SINCE.get(t.name, 1) <= version)


def vault_tables_present(conn: Connection) -> list[str]:
    """Which of the vault's table names already exist (a new vault needs an empty target)."""
    present = set(inspect(conn).get_table_names())
    return [t.name for t in TABLES if t.name in present]


def lock_chain_head(conn: Connection) -> None:
    """Serialise writers: on PostgreSQL, a row lock on the audit chain head, held to commit.

    Every write transaction takes it first, before touching any other row, so writers queue in
    one order (no deadlocks) and audit sequence numbers are handed out in commit order. On
    SQLite ``BEGIN IMMEDIATE`` already did this for the whole file.
    """
    if conn.dialect.name != "sqlite":
        conn.execute(
            select(meta.c.value).where(meta.c.key == "audit_head").with_for_update()
        ).first()


def copy_rows(
    source: Connection, target: Connection, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Copy every row, as stored (ciphertext stays ciphertext), into a target built at the same
    schema version. Key slots get the target's own row numbers (nothing refers to them)."""
    tables = tables_for(schema_version(source))
    counts = {t.name: 0 for t in tables}
    total = len(tables)
    for done, table in enumerate(tables, 1):
        columns = [c for c in table.columns if table is not key_slots or c.name != "id"]
        for batch in _batches(source.execute(select(*columns)).mappings()):
            target.execute(insert(table), batch)
            counts[table.name] += len(batch)
        if progress is not None:
            progress(done, total)
    return counts


def copy_vault(
    source: Connection, target: Connection, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Build the source's schema version in an empty target and copy every row into it."""
    version = schema_version(source)
    create_schema(target, version)
    target.execute(meta.delete())  # the source's meta rows, schema_version included, follow
    return copy_rows(source, target, progress)


def _batches(rows: Iterator[Any], size: int = 500) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(row))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def drop_vault_tables(conn: Connection) -> None:
    """Undo a half-made server vault (used only on a target this process has just filled)."""
    present = set(vault_tables_present(conn))
    for table in reversed(TABLES):
        if table.name in present:
            conn.exec_driver_sql(f"DROP TABLE {table.name}")
