"""The vault's database schema, its versioned migrations, and the one place the URL is built.

The schema is SQLAlchemy Core, so PostgreSQL can be added later by changing :func:`database_url`
and :func:`make_engine` only. A vault is always built as schema version 1 and then migrated step by
step, so every migration runs on every new vault as well as on old ones.

Version history:

1. meta, users, key_slots, records, blobs, audit, retired_keys.
2. users gain ``failed_attempts`` and ``last_failure`` (the wrong-password back-off).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    select,
    text,
)

DB_FILE = "vault.db"
CURRENT_SCHEMA = 2


def database_url(directory: Path) -> str:
    """The only place a vault's database URL is made."""
    return f"sqlite:///{(Path(directory) / DB_FILE).as_posix()}"


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def make_engine(directory: Path) -> Engine:
    """An engine with the durability and privacy pragmas set on every connection.

    WAL + synchronous=FULL makes each committed transaction durable; secure_delete overwrites freed
    pages; temp_store=MEMORY keeps sorts and temporary tables out of temp files. Transactions start
    with ``BEGIN IMMEDIATE`` so a read-then-write (the audit chain) cannot interleave with another
    process.
    """
    engine = create_engine(database_url(directory), connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        # a tampered row may hold text that is not UTF-8: read it, and let authentication fail
        dbapi_connection.text_factory = _lenient_text
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA secure_delete=ON",
            "PRAGMA temp_store=MEMORY",
            "PRAGMA foreign_keys=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

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


def _create_v1(conn: Connection) -> None:
    for statement in _V1_DDL:
        conn.exec_driver_sql(statement)
    conn.execute(meta.insert().values(key="schema_version", value="1"))


def _v1_to_v2(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0")
    conn.exec_driver_sql("ALTER TABLE users ADD COLUMN last_failure VARCHAR(40)")


# MIGRATIONS[n] upgrades schema n to n + 1.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2}


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
        conn.execute(
            meta.update().where(meta.c.key == "schema_version").values(value=str(version))
        )
    return found


def table_exists(conn: Connection, name: str) -> bool:
    row = conn.execute(
        text("SELECT name FROM sqlite_master WHERE type='table' AND name=:n"), {"n": name}
    ).first()
    return row is not None
