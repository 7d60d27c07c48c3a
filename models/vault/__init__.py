"""The encrypted multi-user vault (storage layer: bytes in, bytes out; no role rules, no Qt)."""

from __future__ import annotations

from models.vault.backup import read_backup, restore_backup
from models.vault.crypto import DEFAULT_KDF, KdfParams, new_recovery_key, normalise_recovery_key
from models.vault.schema import CURRENT_SCHEMA, database_url
from models.vault.store import (
    LOCKOUT_AFTER,
    RECOVERY_USER,
    AuditEntry,
    StoredRecord,
    UserRow,
    VaultStore,
    lockout_delay,
)

__all__ = [
    "CURRENT_SCHEMA",
    "DEFAULT_KDF",
    "LOCKOUT_AFTER",
    "RECOVERY_USER",
    "AuditEntry",
    "KdfParams",
    "StoredRecord",
    "UserRow",
    "VaultStore",
    "database_url",
    "lockout_delay",
    "new_recovery_key",
    "normalise_recovery_key",
    "read_backup",
    "restore_backup",
]
