"""The end of the audit trail: an authenticated head, and the newest entry each user has seen.

The chain of audit entries (HMAC-SHA256, each MAC covering the one before) already shows an entry
changed or removed in the middle. Its *end* is protected here:

* The head (``meta.audit_head`` = ``"seq:mac"``) is tagged (``meta.audit_head_tag``) with a key
  derived from the data key, so only the vault's users can move it. Cutting entries off the end
  and pointing the head back at an earlier one fails that tag, unless an older (head, tag) pair
  is put back with it.
* That replay is what the *seen heads* catch: each user's ``seen_heads`` row holds the newest
  entry that user has seen (its seq and MAC), tagged with a key derived from the private key in
  that user's own slot, so only their password can write it (not even another user of the
  vault). A chain that no longer reaches an entry someone saw, or holds a different entry at that
  place, was cut back or rewritten; opening and checking say so, naming the entries.

* A whole copy of the vault put back carries its own older seen heads, so each user's newest seen
  entry is also kept outside the vault, on this PC (``models.vault.local_mark``); a trail behind
  it is reported the same way.

What stays undetectable is a whole copy put back before anyone on this PC saw the newer state (or
opened where no state file remembers it). The README says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.vault import crypto

HEAD_KEY = "audit_head"
HEAD_TAG_KEY = "audit_head_tag"
# The detail an entry carries when it starts the audit format with row states under "row" and an
# authenticated head: "vault_created" in new vaults, "audit_anchored" in vaults made before.
FORMAT_KEY = "audit_format"
AUDIT_FORMAT = 2


@dataclass(frozen=True, slots=True)
class Head:
    """An audit chain position: the newest entry's seq and MAC (seq 0, no MAC: empty chain)."""

    seq: int
    mac: bytes

    @property
    def text(self) -> str:
        return f"{self.seq}:{self.mac.hex()}"


EMPTY = Head(0, b"")


def parse_head(text: str | None) -> Head | None:
    """The head as stored, or None if it is garbled."""
    if text is None:
        return EMPTY
    seq_text, sep, mac_hex = text.partition(":")
    try:
        seq = int(seq_text)
        mac = bytes.fromhex(mac_hex)
    except ValueError:
        return None
    if not sep or seq < 0 or (seq > 0 and len(mac) != 32) or (seq == 0 and mac):
        return None
    return Head(seq, mac)


def head_tag(data_key: bytes, vault_id: str, head: Head) -> str:
    return crypto.mac(
        crypto.audit_head_key(data_key), crypto.aad("head", vault_id, head.text)
    ).hex()


def head_tag_ok(data_key: bytes, vault_id: str, head: Head, tag: str | None) -> bool:
    return tag is not None and crypto.mac_equal(
        head_tag(data_key, vault_id, head).encode(), tag.encode("utf-8", "replace")
    )


def seen_tag(mark_key: bytes, vault_id: str, user: str, head: Head) -> bytes:
    return crypto.mac(mark_key, crypto.aad("seen", vault_id, user, head.text))


@dataclass(frozen=True, slots=True)
class SeenHead:
    """A ``seen_heads`` row: the newest entry ``user`` has seen, and its tag."""

    user: str
    head: Head
    tag: bytes

    def tag_ok(self, mark_key: bytes, vault_id: str) -> bool:
        return crypto.mac_equal(seen_tag(mark_key, vault_id, self.user, self.head), self.tag)


def behind(seen: SeenHead, last: Head, mac_at: Callable[[int], bytes | None]) -> str | None:
    """Why the chain (ending at ``last``; ``mac_at(seq)`` gives an entry's stored MAC) does not
    hold what ``seen.user`` saw, as one sentence; None when it does."""
    want = seen.head
    if want.seq == 0:
        return None
    if want.seq > last.seq:
        missing = (
            f"entry {want.seq} is missing"
            if want.seq == last.seq + 1
            else f"entries {last.seq + 1} to {want.seq} are missing"
        )
        return (
            f"Audit trail: it was cut back: {seen.user} saw it reach entry {want.seq}, but it "
            f"ends at entry {last.seq}, so {missing} (and any it was cut back past)."
        )
    found = mac_at(want.seq)
    if found is None or not crypto.mac_equal(found, want.mac):
        return (
            f"Audit trail: entry {want.seq} is not the one {seen.user} saw there "
            "(the trail was cut back and written again)."
        )
    return None
