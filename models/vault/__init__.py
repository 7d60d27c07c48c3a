"""The encrypted multi-user vault (storage layer: bytes in, bytes out; no role rules, no Qt).

Design in short (details in each module):

* ``schema``: SQLAlchemy Core tables in ``vault.db`` (WAL, synchronous=FULL, secure_delete,
  temp_store=MEMORY, BEGIN IMMEDIATE); the URL is made only in ``database_url``. Every vault is
  built as schema 1 and migrated step by step (1 -> 2 adds the wrong-password counter).
* ``crypto``: a random 256-bit data key per vault. Each user and the recovery key has a slot:
  secret -> Argon2id (default 64 MiB, 3 passes, 4 lanes; parameters stored per slot) -> KEK, which
  seals the slot's X25519 private key with AES-256-GCM; the data key is sealed to the slot's public
  key (ECDH + HKDF + AES-256-GCM). That indirection is what lets removing a user re-key the vault
  (new data key, everything re-encrypted, every remaining slot rewrapped) without anyone else's
  password. Slot contexts bind vault id, user name and role, so editing a role locks that login.
* Rows: AES-256-GCM with associated data (table, row id, row version, key id).
* Audit: HMAC-SHA256 chain keyed by HKDF(data key); each MAC covers the previous MAC; details are
  sealed; the head is kept in ``meta`` so removing the newest entries is noticed; each save's entry
  carries the row version and a digest of the plaintext, so putting back an older row is noticed.
  Data keys retired by re-keying are kept sealed under the current key to verify older entries.
* Wrong passwords: counted per user in plaintext (no personal data); from the fifth in a row each
  attempt waits 1 s, 2 s, 4 s ... (max 300 s) through an injected sleeper; the count is sealed into
  the audit chain at that user's next successful login (the chain needs the key to be written).
* Backup (``backup``): a consistent in-memory SQLite image, chunked AES-256-GCM under
  HKDF(data key, random salt); the header carries copies of the slots, so a backup opens with the
  same passwords or the recovery key. Restore only into a new, empty folder, after checking all.
"""

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
