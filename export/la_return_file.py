"""The signed return file a setting or school sends its local authority, and its verification.

The file is JSON a person can read: a plain-language ``summary`` (a list of sentences), the
``return`` itself (counts, see :mod:`models.la.returns`), then the signature::

    {"format": "transitions-la-return", "format_version": 1,
     "summary": ["Return from ...", ...],
     "return": {"kind": "setting", "period": "2026-27", ..., "measures": [...]},
     "signed_at": "2027-07-01T09:00:00+00:00", "algorithm": "ECDSA-P256-SHA256",
     "certificate": "<PEM>", "chain": ["<PEM>"], "signature": "<base64 DER ECDSA>"}

The signature (ECDSA P-256, SHA-256, with the certificate the LA issued to the setting or
school) covers a fixed prefix, the signing time and the canonical JSON (sorted keys, no spaces,
UTF-8) of the summary and the return, so changing any figure, word or the kind is refused; the
same canonical form is what is read back, so what is checked is what is used.

The LA accepts a return only when the certificate was issued by its root, was within its validity
when the return was signed, is not revoked, and names the same URN as the return.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from export.pki import SigningIdentity, check_issued_by, fingerprint_sha256, format_serial
from models.errors import SignatureInvalid
from models.la.returns import LaReturn

FORMAT = "transitions-la-return"
FORMAT_VERSION = 1
ALGORITHM = "ECDSA-P256-SHA256"
MAX_RETURN_BYTES = 1024 * 1024
_PREFIX = b"transitions-la-return/1\n"
_FUTURE_SKEW = timedelta(minutes=10)
_URN_IN_NAME = re.compile(r"\(URN ([^()]+)\)\s*$")


@dataclass(frozen=True, slots=True)
class VerifiedReturn:
    """A return that passed :func:`verify_return`."""

    content: LaReturn
    signed_at: datetime
    signer: str
    fingerprint_sha256: str
    serial: str


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _message(signed_at: str, summary: Any, body: Any) -> bytes:
    return _PREFIX + signed_at.encode() + b"\n" + _canonical({"return": body, "summary": summary})


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_urn(cert: x509.Certificate) -> str:
    """The URN a certificate the LA issued names (its common name ends "(URN X)"), or ""."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    match = _URN_IN_NAME.search(str(names[0].value)) if names else None
    return match.group(1).strip() if match else ""


def sign_return(content: LaReturn, identity: SigningIdentity, *, signed_at: datetime) -> bytes:
    """The signed return file's bytes."""
    if signed_at.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    key = identity.key
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SignatureInvalid("Returns are signed with ECDSA P-256 keys only.")
    if key.public_key() != identity.cert.public_key():
        raise SignatureInvalid("The private key does not belong to the signing certificate.")
    when = signed_at.astimezone(UTC).isoformat()
    summary = content.summary_lines()
    body = content.to_dict()
    # read back through the canonical form, so the file holds exactly what was signed
    summary, body = json.loads(_canonical([summary, body]))
    signature = key.sign(_message(when, summary, body), ec.ECDSA(hashes.SHA256()))
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "summary": summary,
        "return": body,
        "signed_at": when,
        "algorithm": ALGORITHM,
        "certificate": _pem(identity.cert),
        "chain": [_pem(c) for c in identity.chain],
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


def _field(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or not value:
        raise SignatureInvalid(f"The return file has no valid “{key}”.")
    return value


def verify_return(
    data: bytes,
    *,
    root: x509.Certificate,
    revoked: Collection[int] = (),
    crl: x509.CertificateRevocationList | None = None,
    now: datetime,
) -> VerifiedReturn:
    """Check a return file against the LA ``root``; ``revoked`` serials (the LA's own register)
    and ``crl`` (signed by the root) list certificates no longer trusted.

    :raises SignatureInvalid: one sentence saying why the return is refused.
    """
    if len(data) > MAX_RETURN_BYTES:
        raise SignatureInvalid("The file is too large to be a return.")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SignatureInvalid("The file is not a return (it is not JSON).") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SignatureInvalid("The file is not a Transitions return.")
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SignatureInvalid("The return has no valid format version.")
    if version > FORMAT_VERSION:
        raise SignatureInvalid(
            "The return uses a newer format than this app understands; update Transitions."
        )
    if doc.get("algorithm") != ALGORITHM:
        raise SignatureInvalid("The return uses a signature algorithm this app does not accept.")
    when = _field(doc, "signed_at")
    try:
        signed_at = datetime.fromisoformat(when)
    except ValueError:
        raise SignatureInvalid("The return's signing time is not a valid time.") from None
    if signed_at.tzinfo is None:
        raise SignatureInvalid("The return's signing time has no time zone.")
    try:
        signature = base64.b64decode(_field(doc, "signature").encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise SignatureInvalid("The return's signature is not valid base64.") from None
    try:
        cert = x509.load_pem_x509_certificate(_field(doc, "certificate").encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise SignatureInvalid("The return's certificate cannot be read.") from None
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(
        public.curve, ec.SECP256R1
    ):
        raise SignatureInvalid("The return's certificate does not hold an ECDSA P-256 key.")
    summary, body = doc.get("summary"), doc.get("return")
    try:
        public.verify(signature, _message(when, summary, body), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureInvalid("The return has been changed since it was signed.") from None
    if cert == root:
        raise SignatureInvalid(
            "The return is signed with the LA's own root, not a setting's or school's certificate."
        )
    try:
        cert.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        raise SignatureInvalid(
            "The return is signed with a certificate your LA's root did not issue (another LA's, or self-signed)."
        ) from None
    serial = format_serial(cert.serial_number)
    if cert.serial_number in revoked:
        raise SignatureInvalid(
            f"The return is signed with certificate {serial}, which your LA has revoked."
        )
    try:
        check_issued_by(cert, root, now=signed_at, crl=crl)
    except SignatureInvalid as exc:
        text = str(exc)
        if "revoked" in text:
            raise SignatureInvalid(
                f"The return is signed with certificate {serial}, which your LA has revoked."
            ) from None
        raise SignatureInvalid(
            f"The return was signed when its certificate was not valid: {text}"
        ) from None
    if signed_at > now + _FUTURE_SKEW:
        raise SignatureInvalid("The return claims to have been signed in the future.")
    try:
        content = LaReturn.from_dict(body)
    except ValueError as exc:
        raise SignatureInvalid(f"The return's content is not readable: {exc}") from None
    urn = certificate_urn(cert)
    if urn != content.urn:
        raise SignatureInvalid(
            f"The return names {content.kind_label} URN {content.urn} but is signed with the certificate "
            f"the LA issued to URN {urn or '(none)'}: it is not that {content.kind_label}'s return."
        )
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return VerifiedReturn(
        content=content,
        signed_at=signed_at.astimezone(UTC),
        signer=str(names[0].value) if names else "",
        fingerprint_sha256=fingerprint_sha256(cert),
        serial=serial,
    )
