"""Unlocking a key slot at login, with the back-off for wrong secrets.

Wrong passwords are counted per user in plaintext (no personal data); from the fifth in a row
each attempt waits 1 s, 2 s, 4 s ... (max 300 s) through an injected sleeper; the count is sealed
into the audit chain at that user's next successful login (the chain needs the key to be
written). Wrong recovery keys are counted the same way, in ``meta``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import SQLAlchemyError

from models.errors import AuthenticationFailed, IntegrityError, VaultError
from models.vault import crypto, schema
from models.vault.connection import Clock, Sleeper, _meta_set, _storage_error, _writing
from models.vault.keyring import _unlock_slot

LOCKOUT_AFTER = 5
LOCKOUT_BASE_SECONDS = 1.0
LOCKOUT_MAX_SECONDS = 300.0
_AUTH_MESSAGE = "Wrong user name or password."


def lockout_delay(failures: int) -> float:
    """Seconds to wait before the next attempt: none for the first five, then doubling."""
    if failures < LOCKOUT_AFTER:
        return 0.0
    return float(min(LOCKOUT_BASE_SECONDS * 2 ** (failures - LOCKOUT_AFTER), LOCKOUT_MAX_SECONDS))


def note_failure(engine: Engine, write: Callable[[Connection], object]) -> None:
    """Count a wrong secret; if that cannot be written, the answer is still "wrong"."""
    with contextlib.suppress(SQLAlchemyError), _writing(engine) as conn:
        write(conn)


def unlock_with_password(
    location: schema.Location,
    engine: Engine,
    vault_id: str,
    user: str,
    password: str,
    *,
    clock: Clock,
    sleeper: Sleeper,
    notice: str | None,
) -> tuple[bytes, bytes, Any, int]:
    """Open ``user``'s slot: (the data key, the slot's private key, the user's row joined with
    their slot, the wrong passwords counted before this one). Waits first if that count says
    so; a wrong password is counted (unless the vault is read-only here) and raises
    :class:`AuthenticationFailed`."""
    forms = crypto.password_forms(password)
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
            note_failure(
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
    return data_key, private, row, failures


def unlock_with_recovery_key(
    location: schema.Location,
    engine: Engine,
    meta: dict[str, str],
    vault_id: str,
    recovery_key: str,
    *,
    sleeper: Sleeper,
    notice: str | None,
) -> tuple[bytes, Any, int]:
    """Open the recovery slot: (the data key, the slot, the wrong recovery keys counted before
    this one); waits and counts as :func:`unlock_with_password` does."""
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
                conn.execute(select(schema.key_slots).where(schema.key_slots.c.kind == "recovery"))
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
            note_failure(
                engine, lambda conn: _meta_set(conn, "recovery_failures", str(failures + 1))
            )
        raise AuthenticationFailed("That recovery key does not open this vault.") from None
    return data_key, slot, failures
