"""Signed JSON documents a school sends back to a setting: receipts and EYFS profile outcomes.

A document is one JSON object (``format`` ``transitions-signed-document``)::

    {"format": "transitions-signed-document", "format_version": 1,
     "kind": "receipt" | "outcomes", "signed_at": "2026-07-01T09:00:00+00:00",
     "algorithm": "ECDSA-P256-SHA256",
     "payload": "<base64 of the payload's UTF-8 JSON>",
     "certificate": "<PEM of the signer's certificate>", "chain": ["<PEM>", ...],
     "signature": "<base64 DER ECDSA signature>"}

The signature covers a fixed prefix, the kind, the signing time and the exact payload bytes, so a
changed byte anywhere that matters is refused. The payload is carried as base64 so no JSON
re-serialisation can change what was signed.

Trust: a signer certificate issued directly by a trust root (the LA root) is *vouched for*, unless
a CRL signed by that root lists it. A school without an LA certificate signs with a self-signed
one (:func:`create_school_identity`); its documents verify with ``vouched=False`` and the
certificate's fingerprint to compare by phone. A certificate that names a trusted root as issuer
but was not signed by it is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from export.pki import SigningIdentity, create_self_signed_setting, fingerprint_sha256
from models.errors import InputRefused, SignatureInvalid
from models.safe_input import load_json

FORMAT = "transitions-signed-document"
FORMAT_VERSION = 1
ALGORITHM = "ECDSA-P256-SHA256"
RECEIPT = "receipt"
OUTCOMES = "outcomes"
KINDS = (RECEIPT, OUTCOMES)
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_PREFIX = b"transitions-signed-document/1\n"
_FUTURE_SKEW = timedelta(minutes=10)


class KeyAndCertificate(Protocol):
    """What signs a document: :class:`export.pki.SigningIdentity` or ``export.sign.SignerCredentials``."""

    @property
    def key(self) -> ec.EllipticCurvePrivateKey: ...

    @property
    def cert(self) -> x509.Certificate: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]: ...


@dataclass(frozen=True, slots=True)
class SignedDocument:
    """A document that passed :func:`verify_document`."""

    kind: str
    payload: dict[str, Any]
    signed_at: datetime
    signer: str
    organisation: str
    fingerprint_sha256: str
    vouched: bool

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "signed_at": self.signed_at.isoformat(),
            "signer": self.signer,
            "organisation": self.organisation,
            "fingerprint_sha256": self.fingerprint_sha256,
            "vouched": self.vouched,
        }


def create_school_identity(name: str, urn: str, *, now: datetime) -> SigningIdentity:
    """A self-signed ECDSA P-256 signing identity for a school the LA has not issued one to."""
    return create_self_signed_setting(name, urn, now=now)


def _message(kind: str, signed_at: str, payload: bytes) -> bytes:
    return _PREFIX + kind.encode() + b"\n" + signed_at.encode() + b"\n" + payload


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def sign_document(
    kind: str, payload: Mapping[str, Any], identity: KeyAndCertificate, *, signed_at: datetime
) -> bytes:
    """The signed document's bytes (UTF-8 JSON)."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    if signed_at.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    key = identity.key
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SignatureInvalid("Receipts and outcome files are signed with ECDSA P-256 keys only.")
    if key.public_key() != identity.cert.public_key():
        raise SignatureInvalid("The private key does not belong to the signing certificate.")
    when = signed_at.astimezone(UTC).isoformat()
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    signature = key.sign(_message(kind, when, body), ec.ECDSA(hashes.SHA256()))
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "signed_at": when,
        "algorithm": ALGORITHM,
        "payload": base64.b64encode(body).decode("ascii"),
        "certificate": _pem(identity.cert),
        "chain": [_pem(c) for c in identity.chain],
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    return json.dumps(document, indent=2).encode()


def _field(doc: Mapping[str, Any], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise SignatureInvalid(f"The signed file has no valid “{key}”.")
    return value


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise SignatureInvalid(f"The signed file's {what} is not valid base64.") from None


def _attribute(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _vouched(
    cert: x509.Certificate,
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
) -> bool:
    for root in trust_roots:
        if cert.issuer != root.subject:
            continue
        if not _issued_by(cert, root):
            raise SignatureInvalid(
                "The signer's certificate names your LA as issuer but was not issued by it."
            )
        for crl in crls:
            if crl.issuer != root.subject or not crl.is_signature_valid(root.public_key()):  # type: ignore[arg-type]
                continue
            if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
                raise SignatureInvalid("The signer's certificate has been revoked by your LA.")
        return True
    return False


def verify_document(
    data: bytes,
    *,
    kind: str,
    trust_roots: Sequence[x509.Certificate] = (),
    crls: Sequence[x509.CertificateRevocationList] = (),
    accept_unvouched: bool = True,
    now: datetime | None = None,
) -> SignedDocument:
    """Check a signed document of the expected ``kind``.

    :raises SignatureInvalid: not a signed document, the wrong kind, changed since signing, a bad
        or revoked certificate, signed outside the certificate's validity or in the future, or
        (with ``accept_unvouched=False``) a signer the trust roots do not vouch for.
    """
    if len(data) > MAX_DOCUMENT_BYTES:
        raise SignatureInvalid("The file is too large to be a receipt or outcome file.")
    try:
        doc = load_json(data, what="The file")
    except InputRefused as exc:
        raise SignatureInvalid(f"The file is not a signed receipt or outcome file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SignatureInvalid("The file is not a signed receipt or outcome file.")
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SignatureInvalid("The signed file has no valid format version.")
    if version > FORMAT_VERSION:
        raise SignatureInvalid(
            "The signed file uses a newer format than this app understands; update Transitions."
        )
    if doc.get("kind") != kind:
        raise SignatureInvalid(
            f"The file is not {'a receipt' if kind == RECEIPT else 'an outcome file'}."
        )
    if doc.get("algorithm") != ALGORITHM:
        raise SignatureInvalid(
            "The signed file uses a signature algorithm this app does not accept."
        )
    when = _field(doc, "signed_at")
    try:
        signed_at = datetime.fromisoformat(when)
    except ValueError:
        raise SignatureInvalid("The signed file's signing time is not a valid time.") from None
    if signed_at.tzinfo is None:
        raise SignatureInvalid("The signed file's signing time has no time zone.")
    body = _b64(_field(doc, "payload"), "content")
    signature = _b64(_field(doc, "signature"), "signature")
    try:
        cert = x509.load_pem_x509_certificate(_field(doc, "certificate").encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SignatureInvalid("The signed file's certificate cannot be read.") from None
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(
        public.curve, ec.SECP256R1
    ):
        raise SignatureInvalid("The signed file's certificate does not hold an ECDSA P-256 key.")
    try:
        public.verify(signature, _message(kind, when, body), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureInvalid("The file has been changed since it was signed.") from None
    if not cert.not_valid_before_utc <= signed_at <= cert.not_valid_after_utc:
        raise SignatureInvalid("The signer's certificate was not valid when the file was signed.")
    if now is not None and signed_at > now + _FUTURE_SKEW:
        raise SignatureInvalid("The file claims to have been signed in the future.")
    vouched = _vouched(cert, trust_roots, crls)
    if not vouched and not accept_unvouched:
        raise SignatureInvalid("The signer is not vouched for by your LA.")
    try:
        payload = load_json(body, what="The signed content")
    except InputRefused as exc:
        raise SignatureInvalid(str(exc)) from None
    if not isinstance(payload, dict):
        raise SignatureInvalid("The signed content is not a JSON object.")
    return SignedDocument(
        kind=kind,
        payload=payload,
        signed_at=signed_at.astimezone(UTC),
        signer=_attribute(cert, NameOID.COMMON_NAME),
        organisation=_attribute(cert, NameOID.ORGANIZATION_NAME),
        fingerprint_sha256=fingerprint_sha256(cert),
        vouched=vouched,
    )
