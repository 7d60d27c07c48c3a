"""The audit log: an HMAC-SHA256 chain keyed by HKDF(data key), and the write transaction every
change goes through, so a change and its audit entry commit together or not at all.

Each MAC covers the previous MAC; details are sealed; the head is kept (tagged) in ``meta`` so
removing the newest entries is noticed; each user's newest seen entry is kept in the vault
(tagged with that user's own key) and on this PC (:mod:`~models.vault.local_mark`), so an older
copy of the vault put back is noticed too.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from models.errors import IntegrityError, VaultDamaged, VaultError
from models.vault import anchor, crypto, local_mark, schema
from models.vault.anchor import Head
from models.vault.connection import (
    FULL_NOTICE,
    Clock,
    VaultConnection,
    _meta_get,
    _meta_set,
    _storage_error,
    _writing,
)
from models.vault.keyring import KeyRing

# Actions only the store writes; :meth:`VaultStore.append_audit` refuses them, and the key
# "row" in a detail, so no caller can write an entry the check would read as a row's state.
STORE_ACTIONS = frozenset(
    {
        "vault_created",
        "user_added",
        "password_set",
        "user_removed",
        "rekeyed",
        "unlocked",
        "recovery_unlock",
        "login_failures",
        "blob_saved",
        "blob_deleted",
        "deleted",
        "opened",
        "audit_anchored",
        "audit_damage",
    }
)


MARK_EVERY_S = 1.0  # how often, at most, a run of writes is kept in this PC's state file


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    user: str
    action: str
    record_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    intact: bool = True


def _head_mismatch(head: Head, last: Head) -> str:
    if head.seq > last.seq:
        missing = (
            f"entry {head.seq} is missing"
            if head.seq == last.seq + 1
            else f"entries {last.seq + 1} to {head.seq} are missing"
        )
        return f"Audit trail: {missing} (cut off its end)."
    if head.seq < last.seq:
        return (
            f"Audit trail: its head names entry {head.seq}, but the trail goes on to entry "
            f"{last.seq} (the head was set back outside the app)."
        )
    return f"Audit trail: entry {last.seq} is not the one its head names (it was replaced)."


class AuditLog:
    """The session's side of the chain: who writes (``user``, on ``clock``), the key that tags
    what they have seen, and whether this session has checked the head yet (``anchored``)."""

    def __init__(
        self,
        conn: VaultConnection,
        ring: KeyRing,
        *,
        user: str,
        clock: Clock,
        mark_key: bytes | None = None,
        state_dir: Path | None = None,
        local_key: bytes | None = None,
    ) -> None:
        self._conn = conn
        self._ring = ring
        self.user = user
        self.clock = clock
        # tags the newest audit entry this session's user has seen (None: the recovery key)
        self.mark_key = mark_key
        # where this PC keeps, outside the vault, the newest entry this user has seen (None: not
        # kept, as for the recovery key); the key tags that file
        self._state_dir = state_dir if local_key is not None else None
        self._local_key = local_key
        self._local_pending: Head | None = None  # seen in a write not yet committed
        # committed but not yet kept in the state file (see remember_locally), and when it was
        # last written there
        self._local_unwritten: Head | None = None
        self._local_written_at = -math.inf
        self._mark_place = local_mark.place_id(ring.vault_id, conn.location)
        # set once the head has been checked (or made) by this session: from then on every
        # append requires the head's tag to be right, so no write extends a head moved outside
        self.anchored = False

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (writers serialised); refuses to write with keys another
        session has replaced."""
        if self._conn.engine_read_only:
            why = (
                "the disk is full"
                if self._conn.read_only == FULL_NOTICE
                else "it is read-only here"
            )
            raise VaultError(f"The vault cannot be changed: {why}.")
        try:
            with _writing(self._conn.engine) as conn:
                if _meta_get(conn, "key_id") != self._ring.key_id:
                    raise VaultError("The vault was re-keyed by another session; log in again.")
                if not self.anchored:
                    # this session opened without writing (the disk was full); check the end
                    # of the trail before extending it
                    self.settle_head(conn)
                yield conn
        except SQLAlchemyError as exc:
            self._local_pending = None
            raise _storage_error(exc, "written", self._conn.location) from None
        except BaseException:
            self._local_pending = None
            raise
        self.remember_locally()

    # --- audit chain -------------------------------------------------------------------------

    def mac_message(
        self,
        seq: int,
        at: str,
        user: str,
        action: str,
        record_id: str | None,
        key_id: str,
        nonce: bytes,
        detail: bytes,
    ) -> bytes:
        head = crypto.aad(
            "audit-mac", self._ring.vault_id, seq, at, user, action, record_id or "", key_id
        )
        return head + len(nonce).to_bytes(4, "big") + nonce + detail

    def _last_entry(self, conn: Connection) -> Head:
        row = conn.execute(
            select(schema.audit.c.seq, schema.audit.c.mac).order_by(schema.audit.c.seq.desc())
        ).first()
        if row is None:
            return anchor.EMPTY
        mac = row.mac if isinstance(row.mac, bytes | memoryview) else b""
        return Head(int(row.seq), bytes(mac))

    @staticmethod
    def _mac_at(conn: Connection, seq: int) -> bytes | None:
        mac = conn.execute(select(schema.audit.c.mac).where(schema.audit.c.seq == seq)).scalar()
        return bytes(mac) if isinstance(mac, bytes | memoryview) else None

    def _chain_anchored(self, conn: Connection) -> bool:
        """Does the trail hold the entry that started the tagged-head format?"""
        rows = conn.execute(
            select(schema.audit).where(
                schema.audit.c.action.in_(("vault_created", "audit_anchored"))
            )
        ).mappings()
        for row in rows:
            detail = self.open_detail(row)
            if detail is not None and detail.get(anchor.FORMAT_KEY) == anchor.AUDIT_FORMAT:
                return True
        return False

    def _seen_heads(self, conn: Connection) -> list[tuple[str, anchor.SeenHead | None]]:
        """Every ``seen_heads`` row: (user, the row; None if it is garbled)."""
        if self._conn.schema < 4:
            return []
        out: list[tuple[str, anchor.SeenHead | None]] = []
        for row in conn.execute(select(schema.seen_heads).order_by(schema.seen_heads.c.user_name)):
            head = anchor.parse_head(f"{row.seq}:{row.entry_mac}")
            tag = row.tag if isinstance(row.tag, bytes | memoryview) else b""
            out.append(
                (
                    str(row.user_name),
                    None if head is None else anchor.SeenHead(str(row.user_name), head, bytes(tag)),
                )
            )
        return out

    def end_problems(self, conn: Connection, users: set[str]) -> tuple[list[str], list[str], Head]:
        """What is wrong with the end of the trail: (problems this session's opening settles,
        because it points the head at the last entry and raises this user's seen head; problems
        that stay until their user opens the vault; the last entry)."""
        last = self._last_entry(conn)
        tag = _meta_get(conn, anchor.HEAD_TAG_KEY)
        head = anchor.parse_head(_meta_get(conn, anchor.HEAD_KEY))
        settled: list[str] = []
        if head is None:
            settled.append("Audit trail: its head (the record of its newest entry) is garbled.")
        elif head != last:
            settled.append(_head_mismatch(head, last))
        elif (tag is not None or self._chain_anchored(conn)) and not anchor.head_tag_ok(
            self._ring.data_key, self._ring.vault_id, head, tag
        ):
            settled.append(
                "Audit trail: its head failed authentication (it was set outside the app, "
                "for example to hide entries cut off its end)."
            )
        staying: list[str] = []
        for name, seen in self._seen_heads(conn):
            mine = name == self.user and self.mark_key is not None
            if name not in users:
                staying.append(
                    f"Audit trail: it keeps what “{name}” saw, but there is no such user "
                    "(added outside the app)."
                )
                continue
            if seen is None or (
                mine
                and self.mark_key is not None
                and not seen.tag_ok(self.mark_key, self._ring.vault_id)
            ):
                (settled if mine else staying).append(
                    f"Audit trail: the record of the newest entry {name} saw was changed outside "
                    "the app."
                )
                continue
            why = anchor.behind(seen, last, lambda seq: self._mac_at(conn, seq))
            if why is not None:
                (settled if mine else staying).append(why)
        local = self._local_problem(last, lambda seq: self._mac_at(conn, seq))
        if local is not None:
            settled.append(local)
        return settled, staying, last

    def settle_head(self, conn: Connection) -> None:
        """At opening, inside the write transaction: check the end of the trail (its head, the
        head's tag, what each user last saw), write what is wrong into the trail itself (so
        moving the head on cannot hide it), point the head at the last entry that is really
        there and tag it. A vault made before heads were tagged gets its first tag and an
        ``audit_anchored`` entry, which also starts the audit format with row states kept apart
        from the details callers write."""
        users = {str(n) for n in conn.execute(select(schema.users.c.name)).scalars()}
        settled, staying, last = self.end_problems(conn, users)
        anchored = _meta_get(conn, anchor.HEAD_TAG_KEY) is not None or self._chain_anchored(conn)
        self._conn.notices.extend(settled + staying)
        _meta_set(conn, anchor.HEAD_KEY, last.text)
        _meta_set(
            conn,
            anchor.HEAD_TAG_KEY,
            anchor.head_tag(self._ring.data_key, self._ring.vault_id, last),
        )
        self.anchored = True
        if settled:
            self.append(conn, "audit_damage", None, {"problems": settled})
        if not anchored:
            self.append(conn, "audit_anchored", None, {anchor.FORMAT_KEY: anchor.AUDIT_FORMAT})

    def remember_locally(self) -> None:
        """After a commit: keep the newest entry this session wrote in this PC's state file, at
        most once every MARK_EVERY_S while writes follow each other (an fsynced file per keystroke
        save would double what a save costs); the last one is kept when the session closes
        (:meth:`flush_local`). What can be missed is only a copy put back that was taken less
        than a second before a crash, and the vault's own record of what each user saw (the
        anchor) still holds. A state folder that cannot be written is a notice, not a failure."""
        head, self._local_pending = self._local_pending, None
        if head is None or self._state_dir is None or self._local_key is None:
            return
        if time.monotonic() - self._local_written_at < MARK_EVERY_S:
            self._local_unwritten = head
            return
        self._keep_locally(head)

    def flush_local(self) -> None:
        """Keep the newest committed entry not yet in the state file (at close and lock)."""
        head, self._local_unwritten = self._local_unwritten, None
        if head is not None and self._state_dir is not None and self._local_key is not None:
            self._keep_locally(head)

    def _keep_locally(self, head: Head) -> None:
        assert self._state_dir is not None
        assert self._local_key is not None
        self._local_unwritten = None
        self._local_written_at = time.monotonic()
        try:
            local_mark.write(self._state_dir, self._mark_place, self.user, self._local_key, head)
        except OSError as exc:
            notice = (
                f"The newest entry you saw could not be kept on this PC ({exc.strerror or exc}), "
                "so an older copy of the vault put back here would not be noticed."
            )
            if notice not in self._conn.notices:
                self._conn.notices.append(notice)

    def _local_problem(self, last: Head, mac_at: Callable[[int], bytes | None]) -> str | None:
        """What this PC's state file says is missing from the trail ending at ``last``."""
        if self._state_dir is None or self._local_key is None:
            return None
        try:
            kept = local_mark.read(self._state_dir, self._mark_place, self.user, self._local_key)
        except local_mark.LocalMarkTampered:
            return (
                f"Audit trail: the note kept on this PC of the newest entry {self.user} saw was "
                "changed outside the app, so it is not trusted."
            )
        if kept is None or kept.seq == 0:
            return None  # a new PC: nothing was seen here
        if kept.seq > last.seq:
            return (
                f"Audit trail: the audit trail ends at entry {last.seq}, but {self.user} saw "
                f"entry {kept.seq} on this PC: an older copy of the vault was put back."
            )
        found = mac_at(kept.seq)
        if found is None or not crypto.mac_equal(found, kept.mac):
            return (
                f"Audit trail: entry {kept.seq} is not the one {self.user} saw there on this PC: "
                "an older copy of the vault was put back and written to since."
            )
        return None

    def _see(self, conn: Connection, head: Head) -> None:
        """Remember, tagged with this user's own key, that they have seen ``head``."""
        self._local_pending = head
        if self.mark_key is None or self._conn.schema < 4:
            return
        values = {
            "seq": head.seq,
            "entry_mac": head.mac.hex(),
            "tag": anchor.seen_tag(self.mark_key, self._ring.vault_id, self.user, head),
        }
        done = conn.execute(
            update(schema.seen_heads)
            .where(schema.seen_heads.c.user_name == self.user)
            .values(**values)
        )
        if done.rowcount == 0:
            conn.execute(insert(schema.seen_heads).values(user_name=self.user, **values))

    def append(
        self, conn: Connection, action: str, record_id: str | None, detail: dict[str, Any]
    ) -> int:
        """Add one entry to the chain inside the caller's write transaction; returns its seq.

        The head is read ``FOR UPDATE`` (PostgreSQL; a no-op under SQLite's BEGIN IMMEDIATE), so
        two writers can never both extend the same head: the second waits, then sees the first.
        A head whose tag is wrong is never extended (that would make a cut-off end look whole).
        """
        head = anchor.parse_head(
            conn.execute(
                select(schema.meta.c.value)
                .where(schema.meta.c.key == anchor.HEAD_KEY)
                .with_for_update()
            ).scalar()
        )
        if head is None or not anchor.head_tag_ok(
            self._ring.data_key, self._ring.vault_id, head, _meta_get(conn, anchor.HEAD_TAG_KEY)
        ):
            raise VaultDamaged(
                "The audit trail was changed outside the app while this session was open; "
                "log in again so that it is checked."
            )
        seq = head.seq + 1
        at = self.clock().isoformat()
        plaintext = json.dumps(detail, sort_keys=True, default=str).encode("utf-8")
        nonce, sealed = crypto.seal(
            self._ring.data_key, plaintext, crypto.aad("audit", seq, self._ring.key_id)
        )
        message = self.mac_message(
            seq, at, self.user, action, record_id, self._ring.key_id, nonce, sealed
        )
        entry_mac = crypto.mac(crypto.audit_mac_key(self._ring.data_key), head.mac + message)
        conn.execute(
            insert(schema.audit).values(
                seq=seq,
                at=at,
                user_name=self.user,
                action=action,
                record_id=record_id,
                key_id=self._ring.key_id,
                nonce=nonce,
                detail=sealed,
                mac=entry_mac,
            )
        )
        new = Head(seq, entry_mac)
        _meta_set(conn, anchor.HEAD_KEY, new.text)
        _meta_set(
            conn,
            anchor.HEAD_TAG_KEY,
            anchor.head_tag(self._ring.data_key, self._ring.vault_id, new),
        )
        self._see(conn, new)
        return seq

    def append_audit(self, action: str, record_id: str | None, detail: dict[str, Any]) -> None:
        """Write an event to the audit trail. Entries the vault writes itself (saves, users,
        blobs, openings, the trail's own state) cannot be written this way."""
        if action in STORE_ACTIONS or "row" in detail:
            raise VaultError(f"The audit entry “{action}” is written by the vault itself.")
        with self.write() as conn:
            self.append(conn, action, record_id, detail)

    def note_reading(self, record_id: str) -> None:
        """Write that this user opened a record; skipped (the session's notice says so) when the
        vault cannot be written here."""
        if self._conn.read_only is not None:
            return
        with self.write() as conn:
            self.append(conn, "opened", record_id, {})

    def open_detail(self, row: Any) -> dict[str, Any] | None:
        key = self._ring.by_id.get(row["key_id"])
        if key is None:
            return None
        try:
            raw = crypto.open_sealed(
                key, row["nonce"], row["detail"], crypto.aad("audit", row["seq"], row["key_id"])
            )
            value = json.loads(raw)
        except (IntegrityError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def entries(self, record_id: str | None = None) -> list[AuditEntry]:
        query = select(schema.audit).order_by(schema.audit.c.seq)
        if record_id is not None:
            query = query.where(schema.audit.c.record_id == record_id)
        out: list[AuditEntry] = []
        with self._conn.read() as conn:
            for row in conn.execute(query).mappings():
                detail = self.open_detail(row)
                try:
                    at = datetime.fromisoformat(row["at"])
                except ValueError:
                    at = datetime.min.replace(tzinfo=UTC)
                out.append(
                    AuditEntry(
                        seq=row["seq"],
                        at=at,
                        user=row["user_name"],
                        action=row["action"],
                        record_id=row["record_id"],
                        detail=detail or {},
                        intact=detail is not None,
                    )
                )
        return out

    # --- records ------------------------------------------------------------------------------


class VaultPart:
    """A part of the vault (records, blobs, users, maintenance): it reads through the session's
    one connection, opens and seals with its key ring and writes through its audit log."""

    def __init__(self, conn: VaultConnection, ring: KeyRing, audit: AuditLog) -> None:
        self._conn = conn
        self._ring = ring
        self._audit = audit
