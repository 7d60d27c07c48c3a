"""Revocation and chains: the LA's X.509 CRL, and whether a certificate was issued by the LA root,
is within its validity and is not revoked."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from export.pki.certificates import _aware, format_serial
from models.errors import SignatureInvalid

CRL_VALID_DAYS = 30


def crl_to_pem(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.PEM)


def load_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from PEM or DER bytes."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        raise SignatureInvalid("The file is not a readable certificate revocation list.") from None


def check_crl(
    crl: x509.CertificateRevocationList, root: x509.Certificate, *, now: datetime
) -> None:
    """Raise :class:`SignatureInvalid` unless the CRL was signed by ``root``.

    A CRL past its next-update time is still used (it is the newest the school has); callers
    that need freshness compare ``crl.next_update_utc`` with the clock themselves.
    """
    _aware(now)
    if crl.issuer != root.subject or not crl.is_signature_valid(root.public_key()):  # type: ignore[arg-type]
        raise SignatureInvalid("The revocation list was not signed by your local authority.")


def is_revoked(crl: x509.CertificateRevocationList, serial: int) -> bool:
    """Whether the CRL lists this certificate serial."""
    return crl.get_revoked_certificate_by_serial_number(serial) is not None


def check_issued_by(
    cert: x509.Certificate,
    root: x509.Certificate,
    *,
    now: datetime,
    crl: x509.CertificateRevocationList | None = None,
) -> None:
    """Raise :class:`SignatureInvalid` unless ``cert`` is ``root`` or was issued by it, is within
    its validity at ``now`` and is not revoked by ``crl`` (which must itself be signed by root)."""
    now = _aware(now)
    if cert != root:
        try:
            cert.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature):
            raise SignatureInvalid(
                "The certificate was not issued by the local authority you trust."
            ) from None
    if now < cert.not_valid_before_utc:
        raise SignatureInvalid(
            f"The certificate is not valid until {cert.not_valid_before_utc.date().isoformat()}."
        )
    if now > cert.not_valid_after_utc:
        raise SignatureInvalid(
            f"The certificate expired on {cert.not_valid_after_utc.date().isoformat()}."
        )
    if crl is not None:
        check_crl(crl, root, now=now)
        if is_revoked(crl, cert.serial_number):
            raise SignatureInvalid(
                f"The certificate {format_serial(cert.serial_number)} has been revoked by the local authority."
            )
