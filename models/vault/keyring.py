"""The key ring: the vault's data key (and the keys re-keying retired), and the key slots that
wrap it, one per user and one for the recovery key.

A slot: secret -> Argon2id -> KEK, which seals the slot's X25519 private key with AES-256-GCM;
the data key is sealed to the slot's public key (ECDH + HKDF + AES-256-GCM). Slot contexts bind
vault id, user name and role. Rows are sealed under the data key with associated data binding
table, row id, row version and key id.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from sqlalchemy import Connection, select

from models.errors import IntegrityError, VaultError
from models.vault import crypto, schema
from models.vault.crypto import KdfParams

RECOVERY_USER = "(recovery key)"
_MAX_NAME = 200


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


def _safe_digest(slot: Any) -> str | None:
    try:
        return _slot_digest(slot)
    except (TypeError, ValueError):
        return None


def unlock_backup_slot(slot: dict[str, Any], vault_id: str, secret: str) -> bytes:
    """Used by restore: open a slot copied into a backup's header (a password in each of its
    forms, see :func:`crypto.password_forms`; a recovery key as given)."""
    forms = crypto.password_forms(secret) if slot.get("kind") == "password" else [secret]
    return _unlock_slot(slot, vault_id, slot.get("role") or "", forms)[0]


def read_retired(conn: Connection, data_key: bytes, vault_id: str, key_id: str) -> dict[str, bytes]:
    """The data keys re-keying retired, opened with the current one (a damaged one is left out:
    the check reports it)."""
    retired: dict[str, bytes] = {}
    for row in conn.execute(select(schema.retired_keys)).mappings():
        with contextlib.suppress(IntegrityError):
            retired[row["key_id"]] = crypto.open_sealed(
                data_key,
                row["nonce"],
                row["sealed"],
                crypto.aad("retired", vault_id, row["key_id"], key_id),
            )
    return retired


class KeyRing:
    """This session's keys: the current data key and its id, every key by id (the retired ones
    too, to open rows and audit entries written under them), and the KDF parameters for new
    slots (those of the slot that opened the vault)."""

    def __init__(
        self,
        vault_id: str,
        data_key: bytes,
        key_id: str,
        retired: dict[str, bytes],
        kdf: KdfParams,
    ) -> None:
        self.vault_id = vault_id
        self.data_key = data_key
        self.key_id = key_id
        self.by_id: dict[str, bytes] = {**retired, key_id: data_key}
        self.kdf = kdf

    def clear(self) -> None:
        self.by_id = {}
        self.data_key = b""

    def open_row(self, table: str, row: Any, row_id: str) -> bytes:
        key = self.by_id.get(row["key_id"])
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
