"""PKCS#12 bundles (what a setting imports: its key, certificate and the LA root) and encrypted
PKCS#8 keys. Private keys are never written unencrypted."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from export.pki.certificates import SigningIdentity, _passphrase
from models.errors import AuthenticationFailed, SignatureInvalid

P12_KDF_ROUNDS = 200_000  # PBKDF2-SHA256 rounds for PKCS#12 files (AES-256-CBC)


def identity_to_p12(
    identity: SigningIdentity, passphrase: str | bytes, friendly_name: str = ""
) -> bytes:
    """A passphrase-protected PKCS#12 bundle of the key, certificate and chain."""
    return key_to_p12(identity.key, identity.cert, identity.chain, passphrase, friendly_name)


def key_to_p12(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    passphrase: str | bytes,
    friendly_name: str = "",
) -> bytes:
    """PKCS#12 with AES-256-CBC, PBKDF2-SHA256 (``P12_KDF_ROUNDS``) and a SHA-256 MAC."""
    label = (friendly_name or cert.subject.rfc4514_string()).encode("utf-8")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(P12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(_passphrase(passphrase))
    )
    return pkcs12.serialize_key_and_certificates(label, key, cert, list(chain) or None, encryption)


def load_p12(
    data: bytes, passphrase: str | bytes
) -> tuple[PrivateKeyTypes, x509.Certificate, tuple[x509.Certificate, ...]]:
    """Key, certificate and chain of any PKCS#12 file (for example a school's decryption key)."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _passphrase(passphrase))
    except ValueError:
        raise AuthenticationFailed(
            "The certificate file could not be opened: the passphrase is wrong or the file is damaged."
        ) from None
    if key is None or cert is None:
        raise SignatureInvalid("The certificate file does not hold a key and certificate.")
    return key, cert, tuple(extra)


def load_setting_p12(data: bytes, passphrase: str | bytes) -> SigningIdentity:
    """The signing key, certificate and chain (LA root first) from a setting's PKCS#12 file."""
    key, cert, chain = load_p12(data, passphrase)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SignatureInvalid("The certificate file does not hold an ECDSA signing key.")
    return SigningIdentity(key=key, cert=cert, chain=chain)


def identity_key_pem(identity: SigningIdentity, passphrase: str | bytes) -> bytes:
    """The identity's private key as encrypted PKCS#8 PEM (never unencrypted)."""
    return identity.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase(passphrase)),
    )
