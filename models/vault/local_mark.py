"""Each user's newest seen head, kept on this PC outside the vault.

The ``seen_heads`` rows live inside the vault, so a whole older copy of the vault put back (or a
trail cut back with a user's row deleted) takes them away too. This file does not go with the
vault: one per user and vault under the state folder, holding only a hash of the vault id and user
name, the entry's seq, its MAC and a tag made with a key derived from that user's own slot secret.
No personal data: the name of the file and its content are digests and numbers.

A missing file (a new PC, or a state folder cleared) is not damage: nothing was seen here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from sqlalchemy.engine import make_url

from models.safe_output import write_atomically
from models.vault import crypto
from models.vault.anchor import Head, parse_head
from models.vault.schema import Location

STATE_VERSION = 1


class LocalMarkTampered(Exception):
    """The file on this PC does not authenticate: it is not trusted."""


def place_id(vault_id: str, location: Location) -> str:
    """What a mark is kept for: this vault at this place (its folder, or its server database and
    schema). A copy restored or moved to another place starts with no memory, so two copies of one
    vault in two places never take each other for an older copy put back."""
    if location.db_url is not None:
        url = make_url(location.url)
        place = f"{url.host}:{url.port}/{url.database}?{location.schema or ''}"
    else:
        assert location.directory is not None
        place = str(Path(location.directory).resolve())
    return f"{vault_id}|{place}"


def _file(state_dir: Path, vault_id: str, user: str) -> Path:
    digest = hashlib.sha256(crypto.aad("local-seen-file", vault_id, user)).hexdigest()
    return state_dir / "seen" / f"{digest}.json"


def _tag(key: bytes, vault_id: str, user: str, head: Head) -> str:
    return crypto.mac(key, crypto.aad("local-seen", vault_id, user, head.text)).hex()


def read(state_dir: Path, vault_id: str, user: str, key: bytes) -> Head | None:
    """The head this user last saw on this PC; None if there is no file. Raises
    LocalMarkTampered when the file is garbled or its tag is wrong."""
    path = _file(state_dir, vault_id, user)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LocalMarkTampered(str(exc)) from None
    try:
        data = json.loads(raw)
        head = parse_head(f"{int(data['seq'])}:{str(data['head'])}")
        tag = str(data["tag"])
    except (ValueError, KeyError, TypeError):
        raise LocalMarkTampered("garbled") from None
    if head is None or not crypto.mac_equal(
        _tag(key, vault_id, user, head).encode(), tag.encode("utf-8", "replace")
    ):
        raise LocalMarkTampered("tag")
    return head


def write(state_dir: Path, vault_id: str, user: str, key: bytes, head: Head) -> None:
    """Remember ``head`` atomically (temporary file, fsync, rename)."""
    path = _file(state_dir, vault_id, user)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(
        {
            "version": STATE_VERSION,
            "vault": hashlib.sha256(crypto.aad("local-seen-vault", vault_id)).hexdigest(),
            "seq": head.seq,
            "head": head.mac.hex(),
            "tag": _tag(key, vault_id, user, head),
        },
        sort_keys=True,
    ).encode("utf-8")
    write_atomically(path, body, prefix=".seen-", sync_folder=True)


def forget(state_dir: Path, vault_id: str, users: list[str]) -> None:
    """Forget what these users saw of this vault on this PC: after a restore from a backup, a
    deliberate step back that the audit trail of the restored vault records."""
    for user in users:
        with contextlib.suppress(FileNotFoundError):
            _file(state_dir, vault_id, user).unlink()
