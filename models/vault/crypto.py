"""The vault's cryptography: key derivation, key wrapping, sealed fields, recovery keys.

Only the ``cryptography`` package is used. The layout is the classic envelope:

* one random 256-bit *data key* per vault (rotated by re-keying);
* every user, and the recovery key, has a *key slot*: secret -> Argon2id -> KEK, and the data key
  wrapped with AES-256-GCM under the KEK (the slot's salt and Argon2 parameters are stored with it);
* every personal value is sealed with AES-256-GCM under the data key, with associated data naming
  the table, the row id, the row version and the key id, so a ciphertext moved to another row,
  swapped with another, or replayed at another version fails authentication;
* the audit chain is keyed with HMAC-SHA256 under a key derived from the data key by HKDF.

Passwords are Unicode-normalised (NFC) before they are stretched, so the same password typed on a
keyboard that composes accents differently opens the same slot; :func:`password_forms` also
gives the forms a slot made before normalisation may have been made from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from models.errors import IntegrityError

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
AAD_PREFIX = b"transitions-vault/1"

RandomBytes = Callable[[int], bytes]
# Upper bounds, so a tampered slot or backup header cannot make unlocking exhaust memory or time.
MAX_MEMORY_KIB = 2 * 1024 * 1024
MAX_ITERATIONS = 64


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id parameters. ``memory_kib`` is in KiB; the defaults follow OWASP's guidance."""

    memory_kib: int = 64 * 1024
    iterations: int = 3
    lanes: int = 4

    def __post_init__(self) -> None:
        if not (
            1 <= self.lanes <= 16
            and 8 * self.lanes <= self.memory_kib <= MAX_MEMORY_KIB
            and 1 <= self.iterations <= MAX_ITERATIONS
        ):
            raise ValueError("Argon2id parameters are out of range.")


DEFAULT_KDF = KdfParams()


def derive_kek(secret: str, salt: bytes, params: KdfParams) -> bytes:
    """Stretch a password (or recovery key) into a key-encryption key. ``secret`` is used as
    given: normalise a password first (:func:`normalise_password`)."""
    kdf = Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    # surrogatepass: text that is not valid Unicode still stretches (and then simply fails)
    return kdf.derive(secret.encode("utf-8", "surrogatepass"))


def normalise_password(password: str) -> str:
    """The form every new password slot is made from: Unicode NFC."""
    return unicodedata.normalize("NFC", password)


def password_forms(password: str) -> list[str]:
    """The forms to try against a slot, in order: NFC (every slot made since passwords were
    normalised), then the text exactly as typed and its NFD form (a slot made before, from a
    password typed with decomposed or composed accents). One form for plain ASCII."""
    forms = [normalise_password(password)]
    for other in (password, unicodedata.normalize("NFD", password)):
        if other not in forms:
            forms.append(other)
    return forms


def aad(*parts: str | int) -> bytes:
    """Associated data: an unambiguous encoding of the parts (length-prefixed)."""
    out = bytearray(AAD_PREFIX)
    for part in parts:
        raw = str(part).encode("utf-8")
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def seal(
    key: bytes, plaintext: bytes, associated: bytes, random_bytes: RandomBytes = os.urandom
) -> tuple[bytes, bytes]:
    """Encrypt with AES-256-GCM; returns (nonce, ciphertext-with-tag)."""
    nonce = random_bytes(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, associated)


def open_sealed(key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
    """Decrypt and authenticate; any change to key, nonce, ciphertext or context raises."""
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except (InvalidTag, ValueError, TypeError):
        raise IntegrityError("Stored data failed its integrity check.") from None


def hkdf(key: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(key)


def audit_mac_key(data_key: bytes) -> bytes:
    return hkdf(data_key, b"transitions-vault/audit-mac")


def audit_head_key(data_key: bytes) -> bytes:
    """Authenticates the audit chain's head (its newest entry), which lives in plain ``meta``."""
    return hkdf(data_key, b"transitions-vault/audit-head")


def seen_head_key(slot_private: bytes, vault_id: str, user: str) -> bytes:
    """A key only the user's own password reaches: it tags the newest head that user has seen."""
    return hkdf(slot_private, b"transitions-vault/seen-head|" + aad(vault_id, user))


def local_head_key(slot_private: bytes, vault_id: str, user: str) -> bytes:
    """A key only the user's own password reaches: it tags the copy of their newest seen head that
    is kept on this PC, outside the vault."""
    return hkdf(slot_private, b"transitions-vault/local-seen-head|" + aad(vault_id, user))


def mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def mac_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_RAW = serialization.Encoding.Raw


def new_keypair() -> tuple[bytes, bytes]:
    """A slot's X25519 key pair as raw (private, public) bytes."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    return private.private_bytes(
        _RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    ), public


def _shared_key(private: X25519PrivateKey, peer_public: bytes, info: bytes) -> bytes:
    shared = private.exchange(X25519PublicKey.from_public_bytes(peer_public))
    return hkdf(shared, b"transitions-vault/slot-wrap|" + info)


def seal_to_public(
    public: bytes, plaintext: bytes, associated: bytes
) -> tuple[bytes, bytes, bytes]:
    """Seal to an X25519 public key (ephemeral ECDH + HKDF + AES-256-GCM).

    Returns (ephemeral public key, nonce, ciphertext).
    """
    ephemeral = X25519PrivateKey.generate()
    key = _shared_key(ephemeral, public, associated)
    nonce, ciphertext = seal(key, plaintext, associated)
    eph_public = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    return eph_public, nonce, ciphertext


def open_with_private(
    private: bytes, ephemeral_public: bytes, nonce: bytes, ciphertext: bytes, associated: bytes
) -> bytes:
    try:
        key = _shared_key(
            X25519PrivateKey.from_private_bytes(private), ephemeral_public, associated
        )
    except ValueError:
        raise IntegrityError("Stored data failed its integrity check.") from None
    return open_sealed(key, nonce, ciphertext, associated)


def new_key_id(random_bytes: RandomBytes = os.urandom) -> str:
    return random_bytes(8).hex()


# --- recovery keys -------------------------------------------------------------------------------

_RECOVERY_GROUPS = 8
_RECOVERY_GROUP_LEN = 5  # 8 x 5 base32 characters = 200 bits


def new_recovery_key(random_bytes: RandomBytes = os.urandom) -> str:
    """A random recovery key people can type: base32 in dash-separated groups of five."""
    raw = random_bytes(_RECOVERY_GROUPS * _RECOVERY_GROUP_LEN * 5 // 8)
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    groups = [text[i : i + _RECOVERY_GROUP_LEN] for i in range(0, len(text), _RECOVERY_GROUP_LEN)]
    return "-".join(groups)


def normalise_recovery_key(text: str) -> str:
    """Accept what people type: any case, spaces or dashes, and 0/1 mistyped for O/I."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.replace("0", "O").replace("1", "I").replace("8", "B")
    groups = [
        cleaned[i : i + _RECOVERY_GROUP_LEN] for i in range(0, len(cleaned), _RECOVERY_GROUP_LEN)
    ]
    return "-".join(groups)


def random_token(n: int = 16) -> str:
    return secrets.token_hex(n)
