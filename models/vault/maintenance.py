"""Maintenance of a whole vault: re-keying, the full check, and backups.

* ``rekey``: a new data key; every record and blob re-encrypted, every slot rewrapped, the old
  key retired (kept sealed under the new one, to verify older audit entries), in one transaction.
* ``check``: authenticate every row of every kind and the whole audit chain, and compare each row
  with what the chain last said of it.
* ``backup``: a consistent in-memory SQLite image written by :mod:`models.vault.backup`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from models.errors import IntegrityError, VaultDamaged, VaultError
from models.vault import anchor, backup, crypto, schema
from models.vault.audit import VaultPart
from models.vault.connection import Progress, _failure_kind, _meta_get, _meta_set
from models.vault.keyring import _record_aad, _safe_digest, _wrap_context

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


class Maintenance(VaultPart):
    """Whole-vault work for one session: re-keying, checking, backing up."""

    def rekey(self) -> int:
        """New data key; re-encrypt every record and blob, rewrap every slot, retire the old key.

        One transaction. Rows that are already damaged are left as they are (they cannot be read).
        Returns how many rows were left because they were damaged.
        """
        return self.keyed_transaction(self.rekey_in)

    def keyed_transaction(self, work: Callable[[Connection], int]) -> int:
        """Run a re-keying transaction; if it does not commit, the session keeps its old keys."""
        saved = (self._ring.data_key, self._ring.key_id, dict(self._ring.by_id))
        try:
            with self._audit.write() as conn:
                return work(conn)
        except BaseException:
            self._ring.data_key, self._ring.key_id, self._ring.by_id = saved
            raise

    def rekey_in(self, conn: Connection) -> int:
        old_key, old_id = self._ring.data_key, self._ring.key_id
        new_key = os.urandom(crypto.KEY_BYTES)
        new_id = crypto.new_key_id()
        left = 0
        for table in (schema.records, schema.blobs):
            id_col = table.c.id if table is schema.records else table.c.name
            for row in list(conn.execute(select(table)).mappings()):
                row_id = row[id_col.name]
                try:
                    plain = self._ring.open_row(table.name, row, row_id)
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
                self._ring.vault_id, slot["kind"], slot["user_name"], slot["role"] or "", new_id
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
        for kid, key in {**self._ring.by_id, old_id: old_key}.items():
            if kid == new_id:
                continue
            nonce, sealed = crypto.seal(
                new_key, key, crypto.aad("retired", self._ring.vault_id, kid, new_id)
            )
            conn.execute(insert(schema.retired_keys).values(key_id=kid, nonce=nonce, sealed=sealed))
        _meta_set(conn, "key_id", new_id)
        head = anchor.parse_head(_meta_get(conn, anchor.HEAD_KEY))
        if head is None or not anchor.head_tag_ok(
            old_key, self._ring.vault_id, head, _meta_get(conn, anchor.HEAD_TAG_KEY)
        ):
            raise VaultDamaged(
                "The audit trail was changed outside the app while this session was open; "
                "log in again so that it is checked."
            )
        _meta_set(conn, anchor.HEAD_TAG_KEY, anchor.head_tag(new_key, self._ring.vault_id, head))
        self._ring.data_key, self._ring.key_id = new_key, new_id
        self._ring.by_id[new_id] = new_key
        self._audit.append(conn, "rekeyed", None, {"left_damaged": left})
        return left

    # --- checking ------------------------------------------------------------------------------

    def check(self) -> list[str]:
        """Authenticate every row of every kind (records, blobs, users and key slots, settings,
        retired keys) and the whole audit trail, and compare each row with what the trail says
        about it. Returns plain problem sentences, one per problem; never raises for damage
        found in rows."""
        with self._conn.read(snapshot=True) as conn:  # rows and chain as of one moment
            if _meta_get(conn, "key_id") != self._ring.key_id:
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
            end_settled, end_staying, _last = self._audit.end_problems(conn, set(users))
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
            if kid not in self._ring.by_id
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
            key = self._ring.by_id.get(row["key_id"])
            try:
                message = self._audit.mac_message(
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
            detail = self._audit.open_detail(row) if intact else None
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
            walk.users[name] = {
                "present": True,
                "role": detail.get("role"),
                "slot": detail.get("slot"),
            }
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
        if meta_rows.get("schema_version") != str(self._conn.schema):
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
                plain = self._ring.open_row(table, row, row_id)
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

    def _check_users(self, users: dict[str, str], slots: list[Any], walk: _Walk) -> list[str]:
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
            if slot["key_id"] != self._ring.key_id:
                problems.append(
                    f"User {name}: their key slot does not hold the vault's current key."
                )
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
            if recovery[0]["key_id"] != self._ring.key_id:
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
            if not self._conn.location.on_server:
                raw = self._conn.engine.raw_connection()
                try:
                    raw.driver_connection.backup(memory)  # type: ignore[union-attr]
                finally:
                    raw.close()
            else:
                image_engine = create_engine(
                    "sqlite://", creator=lambda: memory, poolclass=StaticPool
                )
                try:
                    with self._audit.write() as source, image_engine.begin() as target:
                        schema.copy_vault(source, target)
                    return memory.serialize()
                finally:
                    image_engine.dispose()
            return memory.serialize()
        finally:
            memory.close()

    def backup(self, out: Path, progress: Progress | None = None) -> None:
        """Write one encrypted, authenticated backup file (see :mod:`models.vault.backup`)."""
        image = self._sqlite_image()
        with self._conn.read() as conn:
            slots = [
                dict(r)
                for r in conn.execute(
                    select(schema.key_slots, schema.users.c.role).outerjoin(
                        schema.users, schema.users.c.name == schema.key_slots.c.user_name
                    )
                ).mappings()
            ]
        backup.write_backup(
            Path(out),
            image,
            self._ring.data_key,
            self._ring.key_id,
            self._ring.vault_id,
            slots,
            progress,
        )
        self._audit.append_audit("backup_made", None, {"bytes": len(image)})
