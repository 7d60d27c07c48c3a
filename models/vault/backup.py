"""One-file encrypted backups of a vault, and restoring them into a new folder.

Format (all integers big-endian)::

    b"TRVBAK01" | header length (4) | header (JSON) | chunks...
    chunk = ciphertext length (4) | AES-256-GCM(ciphertext + tag)

The payload is a consistent image of the SQLite database taken with the sqlite3 backup API into
memory (never a temp file). The header holds the vault id, the data key id and a copy of the key
slots (which are themselves only password- or recovery-key-openable), so the backup opens with the
same passwords or recovery key as the vault it came from.

The backup key is HKDF-SHA256(data key, salt = a random per-file salt, info = "backup" + vault id).
Chunk ``i`` uses the nonce ``i`` (safe: the key is fresh for every file) and associated data
SHA-256(magic + header) + i + a final-chunk flag, so a changed header, a reordered, dropped or
changed chunk, and a truncated file all fail authentication. Restore decrypts and checks the whole
file in memory before it creates anything.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from models.errors import AuthenticationFailed, InputRefused, IntegrityError, VaultError
from models.safe_input import BACKUP_BYTES, load_json, read_file
from models.safe_output import write_atomically
from models.vault import crypto, schema
from models.vault.connection import Progress
from models.vault.keyring import unlock_backup_slot

MAGIC = b"TRVBAK01"
CHUNK = 1 << 20
_BYTES_FIELDS = (
    "salt",
    "private_nonce",
    "sealed_private",
    "public_key",
    "ephemeral_public",
    "wrap_nonce",
    "wrapped_key",
)
_SLOT_FIELDS = (
    "kind",
    "user_name",
    "role",
    "memory_kib",
    "iterations",
    "lanes",
    "key_id",
    *_BYTES_FIELDS,
)
_DAMAGED = "The backup file is damaged or incomplete; nothing was restored."


def _chunk_aad(header_hash: bytes, index: int, final: bool) -> bytes:
    return header_hash + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def _nonce(index: int) -> bytes:
    return index.to_bytes(crypto.NONCE_BYTES, "big")


def _backup_key(data_key: bytes, salt: bytes, vault_id: str) -> bytes:
    return crypto.hkdf(data_key, b"transitions-vault/backup|" + vault_id.encode(), salt=salt)


def write_backup(
    out: Path,
    image: bytes,
    data_key: bytes,
    key_id: str,
    vault_id: str,
    slots: list[dict[str, Any]],
    progress: Progress | None = None,
) -> None:
    salt = os.urandom(crypto.SALT_BYTES)
    chunks = max(1, -(-len(image) // CHUNK))
    header = json.dumps(
        {
            "format": 1,
            "vault_id": vault_id,
            "key_id": key_id,
            "salt": salt.hex(),
            "size": len(image),
            "chunks": chunks,
            "slots": [
                {k: (bytes(s[k]).hex() if k in _BYTES_FIELDS else s.get(k)) for k in _SLOT_FIELDS}
                for s in slots
            ],
        },
        sort_keys=True,
    ).encode("utf-8")
    header_hash = hashlib.sha256(MAGIC + header).digest()
    key = _backup_key(data_key, salt, vault_id)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)

    def pieces() -> Iterator[bytes]:
        yield MAGIC + len(header).to_bytes(4, "big") + header
        for index in range(chunks):
            piece = image[index * CHUNK : (index + 1) * CHUNK]
            sealed = aead.encrypt(
                _nonce(index), piece, _chunk_aad(header_hash, index, index == chunks - 1)
            )
            yield len(sealed).to_bytes(4, "big") + sealed
            if progress is not None:
                progress(min((index + 1) * CHUNK, len(image)), len(image))

    try:
        write_atomically(out, pieces(), prefix=".backup-", mode=0o666)
    except OSError as exc:
        raise VaultError(
            f"The backup could not be written to {out}: {exc.strerror or exc}."
        ) from None


def _parse(data: bytes) -> tuple[dict[str, Any], bytes, int]:
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise IntegrityError("This file is not a Transitions vault backup.")
    length = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 4], "big")
    start = len(MAGIC) + 4
    raw = data[start : start + length]
    if len(raw) != length:
        raise IntegrityError(_DAMAGED)
    try:
        header = load_json(raw)
        if header["format"] != 1 or not isinstance(header["slots"], list):
            raise ValueError
        for slot in header["slots"]:
            if set(slot) != set(_SLOT_FIELDS):
                raise ValueError
            for name in _BYTES_FIELDS:
                slot[name] = bytes.fromhex(slot[name])
        header["salt"] = bytes.fromhex(header["salt"])
        for name, kind in (("size", int), ("chunks", int), ("vault_id", str), ("key_id", str)):
            if not isinstance(header[name], kind):
                raise ValueError
    except (InputRefused, ValueError, KeyError, TypeError, AttributeError):
        raise IntegrityError(_DAMAGED) from None
    return header, raw, start + length


def backup_identity(backup_file: Path) -> tuple[str, list[str]]:
    """The vault id and user names a backup's header names (authenticated by ``read_backup``,
    so only to be trusted after a restore of the same file succeeded)."""
    try:
        data = read_file(backup_file, limit=BACKUP_BYTES, what="backup file")
    except InputRefused as exc:
        raise VaultError(str(exc)) from None
    header, _, _ = _parse(data)
    names = sorted({str(s["user_name"]) for s in header["slots"] if s["kind"] != "recovery"})
    return str(header["vault_id"]), names


def _check_destination(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise VaultError(f"Restore into a new, empty folder; {directory} is not empty.")


def read_backup(
    backup_file: Path,
    *,
    user: str | None = None,
    password: str | None = None,
    recovery_key: str | None = None,
    progress: Progress | None = None,
) -> bytes:
    """Authenticate and decrypt a backup; returns the database image. Creates nothing."""
    try:
        data = read_file(backup_file, limit=BACKUP_BYTES, what="backup file")
    except InputRefused as exc:
        raise VaultError(str(exc)) from None
    header, raw_header, offset = _parse(data)
    if recovery_key is not None:
        slots = [s for s in header["slots"] if s["kind"] == "recovery"]
        secret = crypto.normalise_recovery_key(recovery_key)
    elif user is not None and password is not None:
        slots = [s for s in header["slots"] if s["kind"] == "password" and s["user_name"] == user]
        secret = password
    else:
        raise VaultError("Give a user name and password, or the recovery key, to restore a backup.")
    if not slots:
        raise AuthenticationFailed("Wrong user name or password for this backup.")
    try:
        data_key = unlock_backup_slot(slots[0], header["vault_id"], secret)
    except IntegrityError:
        raise AuthenticationFailed("Wrong user name or password for this backup.") from None
    if slots[0]["key_id"] != header["key_id"]:
        raise IntegrityError(_DAMAGED)
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(_backup_key(data_key, header["salt"], header["vault_id"]))
    header_hash = hashlib.sha256(MAGIC + raw_header).digest()
    chunks: list[bytes] = []
    total = int(header["chunks"])
    for index in range(total):
        if offset + 4 > len(data):
            raise IntegrityError(_DAMAGED)
        length = int.from_bytes(data[offset : offset + 4], "big")
        sealed = data[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if len(sealed) != length:
            raise IntegrityError(_DAMAGED)
        try:
            chunks.append(
                aead.decrypt(
                    _nonce(index), sealed, _chunk_aad(header_hash, index, index == total - 1)
                )
            )
        except (InvalidTag, ValueError):
            raise IntegrityError(_DAMAGED) from None
        if progress is not None:
            progress(index + 1, total)
    image = b"".join(chunks)
    if offset != len(data) or len(image) != int(header["size"]):
        raise IntegrityError(_DAMAGED)
    return image


def _restore_to_server(image: bytes, db_url: str) -> None:
    """Copy the backup's rows (ciphertext as it is) into an empty PostgreSQL database."""
    location = schema.locate(db_url=db_url)
    memory = sqlite3.connect(":memory:")
    source = create_engine("sqlite://", creator=lambda: memory, poolclass=StaticPool)
    target = schema.make_engine(location)
    try:
        memory.deserialize(image)
        with source.connect() as src, target.begin() as dst:
            if schema.vault_tables_present(dst):
                raise VaultError(f"Restore into an empty database; {location} holds a vault.")
            schema.copy_vault(src, dst)
    except (sqlite3.Error, SQLAlchemyError):
        raise VaultError(f"The backup could not be restored into {location}.") from None
    finally:
        source.dispose()
        target.dispose()
        memory.close()


def restore_backup(
    backup_file: Path,
    directory: Path | None,
    *,
    db_url: str | None = None,
    user: str | None = None,
    password: str | None = None,
    recovery_key: str | None = None,
    progress: Progress | None = None,
) -> None:
    """Restore into a new folder (or an empty PostgreSQL database, with ``db_url``). On any
    failure nothing is created or changed."""
    if db_url is not None:
        schema.locate(db_url=db_url)  # a bad URL is refused before the slow part
        image = read_backup(
            backup_file, user=user, password=password, recovery_key=recovery_key, progress=progress
        )
        _restore_to_server(image, db_url)
        return
    if directory is None:
        raise VaultError("Give a new folder (or an empty database) to restore into.")
    directory = Path(directory)
    _check_destination(directory)
    image = read_backup(
        backup_file, user=user, password=password, recovery_key=recovery_key, progress=progress
    )
    _check_destination(directory)
    made = not directory.exists()
    target = directory / schema.DB_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            directory.chmod(0o700)
        write_atomically(target, image, prefix=".restore-", mode=0o666)
    except OSError as exc:
        with contextlib.suppress(OSError):  # (write_atomically removes its temporary file)
            target.unlink()
        if made:
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise VaultError(
            f"The backup could not be restored into {directory}: {exc.strerror or exc}."
        ) from None
