"""Certificates and the identities that hold them: the fields every PKI module shares.

A :class:`SigningIdentity` is a private key with its certificate and chain; an
:class:`IssuedCertificate` is a row of a CA folder's index. The certificate profile of a setting
(ECDSA P-256, digitalSignature and contentCommitment, CN and O) is built here, for the LA's CA
(:mod:`export.pki.ca`) and for a self-signed setting alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID

from models.errors import AuthenticationFailed, SignatureInvalid, ValidationFailed

SETTING_VALID_DAYS = 3 * 365
_SKEW = timedelta(minutes=5)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """A private key with its certificate and the chain above it (empty for a self-signed one)."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def fingerprint(self) -> str:
        return fingerprint_sha256(self.cert)


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """One row of a CA folder's index."""

    serial: int
    setting: str
    urn: str
    not_before: datetime
    not_after: datetime
    fingerprint: str
    revoked_on: datetime | None = None
    kind: str = ""  # "setting", "school" or "encryption"; "" in folders from before 2026-12

    @property
    def serial_hex(self) -> str:
        return format_serial(self.serial)


# --------------------------------------------------------------------------- helpers


def fingerprint_sha256(cert: x509.Certificate) -> str:
    """The certificate's SHA-256 fingerprint as colon-separated upper-case hex, for reading aloud."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def format_serial(serial: int) -> str:
    """A serial number as upper-case hex, the form the CLI prints and accepts."""
    return format(serial, "X")


def parse_serial(text: str) -> int:
    """Read a serial printed by :func:`format_serial` (colons, spaces and a 0x prefix allowed)."""
    cleaned = text.strip().replace(":", "").replace(" ", "")
    if cleaned.lower().startswith("0x"):
        cleaned = cleaned[2:]
    if not cleaned or not re.fullmatch(r"[0-9A-Fa-f]+", cleaned):
        raise ValidationFailed(
            f"“{text}” is not a certificate serial number (expected hex digits)."
        )
    return int(cleaned, 16)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times passed to the PKI must be timezone-aware")
    return moment.astimezone(UTC)


def _end_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def _passphrase(passphrase: str | bytes) -> bytes:
    raw = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    if not raw:
        raise AuthenticationFailed("A passphrase is needed and none was given.")
    return raw


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    """A KeyUsage extension allowing only the uses named (never data encipherment or key
    agreement)."""
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_cert_builder(
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    now: datetime,
    valid_days: int,
    usage: x509.KeyUsage,
) -> x509.CertificateBuilder:
    """An end-entity certificate (not a CA) for ``public_key``, valid from a little before
    ``now``, for ``usage`` only; the caller adds the issuer and signs it."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _SKEW)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _setting_cert_builder(
    setting: str, urn: str, public_key: ec.EllipticCurvePublicKey, now: datetime, valid_days: int
) -> x509.CertificateBuilder:
    if not setting.strip():
        raise ValidationFailed("A setting certificate needs the setting's name.")
    subject = _name(f"{setting} (URN {urn})" if urn else setting, setting)
    return _leaf_cert_builder(
        subject,
        public_key,
        now,
        valid_days,
        _key_usage(digital_signature=True, content_commitment=True),
    )


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise SignatureInvalid("The file is not a readable certificate.") from None


# --------------------------------------------------------------------------- setting identities


def create_self_signed_setting(
    setting: str, urn: str = "", *, now: datetime, valid_days: int = SETTING_VALID_DAYS
) -> SigningIdentity:
    """A self-signed signing certificate for a setting the LA has not issued one to.

    Receivers see "signature valid; signer not vouched for by your LA" and compare
    :func:`fingerprint_sha256` of the certificate by phone.
    """
    now = _aware(now)
    key = _new_key()
    builder = _setting_cert_builder(setting, urn, key.public_key(), now, valid_days)
    cert = builder.issuer_name(_name(f"{setting} (URN {urn})" if urn else setting, setting)).sign(
        key, hashes.SHA256()
    )
    return SigningIdentity(key=key, cert=cert)
