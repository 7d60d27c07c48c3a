"""The encrypted multi-user vault (storage layer: bytes in, bytes out; no role rules, no Qt).

Design in short (details in each module):

* ``store``: :class:`VaultStore` opens or creates a vault and is a facade over its parts, which
  share the session's one ``connection`` (place, engine, reads, the writers' lock, storage
  errors) and ``keyring`` (data key, retired keys, key slots): the ``audit`` log (and the write
  transaction every change goes through), ``records``, ``blobs``, ``users`` and ``maintenance``
  (re-keying, the check, backups); ``unlock`` opens a slot at login, with the back-off. The
  layers are an import-linter contract in pyproject.toml.
* ``schema``: SQLAlchemy Core tables, in a folder's ``vault.db`` (WAL, synchronous=FULL,
  secure_delete, temp_store=MEMORY, BEGIN IMMEDIATE) or in a PostgreSQL database named by a
  ``postgresql+psycopg://`` URL (a :class:`Location`; the server only ever sees ciphertext).
  Every vault is built as schema 1 and migrated step by step on either backend (1 -> 2 adds the
  wrong-password counter, 2 -> 3 the change counter behind ``changes_since``).
* Several instances on one database: every write transaction first locks the audit chain head
  (``SELECT ... FOR UPDATE``; BEGIN IMMEDIATE on SQLite), so the chain never forks, audit
  sequence numbers follow commit order, and a save checks the row version it read
  (``UPDATE ... WHERE version = :v``; a stale one is a ``SaveConflict``).
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
* Moving (``transfer``): ``move_vault`` copies a vault's rows as ciphertext between a folder and
  a database (either way) into an empty target and verifies the copy with ``check``.
* Backup (``backup``): a consistent in-memory SQLite image (a server vault's rows are copied into
  one), chunked AES-256-GCM under
  HKDF(data key, random salt); the header carries copies of the slots, so a backup opens with the
  same passwords or the recovery key. Restore only into a new, empty folder, after checking all.
"""

from __future__ import annotations

from models.vault.backup import read_backup, restore_backup
from models.vault.crypto import DEFAULT_KDF, KdfParams, new_recovery_key, normalise_recovery_key
from models.vault.schema import CURRENT_SCHEMA, Location, database_url, locate
from models.vault.store import (
    LOCKOUT_AFTER,
    RECOVERY_USER,
    AuditEntry,
    StoredRecord,
    UserRow,
    VaultStore,
    lockout_delay,
)
from models.vault.transfer import MoveReport, folder_or_url, move_vault

__all__ = [
    "CURRENT_SCHEMA",
    "DEFAULT_KDF",
    "LOCKOUT_AFTER",
    "RECOVERY_USER",
    "AuditEntry",
    "KdfParams",
    "Location",
    "MoveReport",
    "StoredRecord",
    "UserRow",
    "VaultStore",
    "database_url",
    "folder_or_url",
    "locate",
    "lockout_delay",
    "move_vault",
    "new_recovery_key",
    "normalise_recovery_key",
    "read_backup",
    "restore_backup",
]
