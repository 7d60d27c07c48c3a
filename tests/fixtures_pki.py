"""Throwaway PKI for signing tests: a fictional LA root, a setting certificate it issued, a
self-signed setting certificate, a school's encryption certificate and CRLs.

Everything is built with ``cryptography`` in memory (ECDSA P-256, SHA-256), with the same
certificate profile as ``export.pki`` issues (digitalSignature + contentCommitment, CN and O).
Times are fixed so tests are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)
NOT_AFTER = datetime(2029, 1, 1, tzinfo=UTC)
SIGNING_TIME = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
VERIFY_TIME = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
P12_PASSPHRASE = b"fictional-passphrase"


@dataclass(frozen=True)
class Identity:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


@dataclass(frozen=True)
class FixturePki:
    root: Identity
    setting: Identity
    other_setting: Identity
    self_signed: Identity
    stranger: Identity
    school: Identity

    def crl(
        self,
        revoked: tuple[x509.Certificate, ...] = (),
        *,
        revoked_on: datetime = SIGNING_TIME - timedelta(days=1),
        issued: datetime = VERIFY_TIME - timedelta(days=1),
        issuer: Identity | None = None,
    ) -> x509.CertificateRevocationList:
        """A CRL from the LA root (or ``issuer``) listing ``revoked``."""
        signer = issuer or self.root
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(signer.cert.subject)
            .last_update(issued)
            .next_update(issued + timedelta(days=30))
            .add_extension(x509.CRLNumber(1), critical=False)
        )
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(revoked_on)
                .build()
            )
        return builder.sign(signer.key, hashes.SHA256())


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _key_usage(*, sign: bool = False, ca: bool = False, agree: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign or ca,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=agree,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _cert(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: Identity | None,
    usage: x509.KeyUsage,
    *,
    ca: bool = False,
) -> x509.Certificate:
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if issuer is not None:
        ski = issuer.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    return builder.sign(issuer.key if issuer else key, hashes.SHA256())


def _root(name: str) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert(_name(f"{name} Transitions Root", name), key, None, _key_usage(ca=True), ca=True)
    return Identity(key, cert)


def _issued(root: Identity, setting: str, *, usage: x509.KeyUsage | None = None) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(f"{setting} (URN EY000001)", setting)
    cert = _cert(subject, key, root, usage or _key_usage(sign=True))
    return Identity(key, cert, (root.cert,))


def issue_setting(
    root: Identity, setting: str, *, not_before: datetime, not_after: datetime
) -> Identity:
    """A setting certificate from ``root`` with the given validity (for expiry tests)."""
    key = ec.generate_private_key(ec.SECP256R1())
    ski = root.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(setting, setting))
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .sign(root.key, hashes.SHA256())
    )
    return Identity(key, cert, (root.cert,))


def _self_signed(setting: str) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert(_name(setting, setting), key, None, _key_usage(sign=True))
    return Identity(key, cert)


def build_pki() -> FixturePki:
    """A fresh fictional PKI (new keys every call)."""
    root = _root("Borsetshire County Council")
    foreign_root = _root("Elsewhere Unitary Authority")
    return FixturePki(
        root=root,
        setting=_issued(root, "Little Acorns Nursery"),
        other_setting=_issued(root, "Puddle Ducks Pre-school"),
        self_signed=_self_signed("Hedgehogs Playgroup"),
        stranger=_issued(foreign_root, "Unknown Nursery"),
        school=_issued(root, "Ambridge Primary School", usage=_key_usage(agree=True)),
    )


def to_p12(identity: Identity, passphrase: bytes = P12_PASSPHRASE) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        b"setting",
        identity.key,
        identity.cert,
        list(identity.chain) or None,
        serialization.BestAvailableEncryption(passphrase),
    )
