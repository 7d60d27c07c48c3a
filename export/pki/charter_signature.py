"""Signed charters: the charter's TOML text, byte for byte, followed by a signature block written
as TOML comments, so the file stays readable and is still valid TOML (see
docs/charter-format.md). Only the LA root signs charters."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from export.pki.certificates import SigningIdentity, _end_of_day, fingerprint_sha256
from export.pki.crl import check_issued_by
from models.charter import Charter, parse_charter
from models.errors import CharterInvalid, SignatureInvalid

SIGNATURE_BEGIN = "# ===== BEGIN TRANSITIONS CHARTER SIGNATURE (do not edit below this line) ====="
SIGNATURE_END = "# ===== END TRANSITIONS CHARTER SIGNATURE ====="
SIGNATURE_ALGORITHM = "ECDSA-P256-SHA256"


@dataclass(frozen=True, slots=True)
class SignedCharter:
    """A verified charter with the exact bytes that were signed and who signed them."""

    charter: Charter
    toml_bytes: bytes
    signer: x509.Certificate


def sign_charter(toml_bytes: bytes, signer: SigningIdentity) -> bytes:
    """The human-readable signed charter: the TOML bytes then a comment signature block."""
    if SIGNATURE_BEGIN.encode("utf-8") in toml_bytes:
        raise CharterInvalid("The charter is already signed; sign the unsigned TOML file.")
    parse_charter(toml_bytes)  # refuse to sign something that does not parse
    if not toml_bytes.endswith(b"\n"):
        toml_bytes += b"\n"
    signature = signer.key.sign(toml_bytes, ec.ECDSA(hashes.SHA256()))
    cert_pem = signer.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    sig_b64 = base64.b64encode(signature).decode("ascii")
    lines = [
        SIGNATURE_BEGIN,
        f"# algorithm: {SIGNATURE_ALGORITHM}",
        f"# signed-by: {signer.cert.subject.rfc4514_string()}",
        f"# certificate-sha256: {fingerprint_sha256(signer.cert)}",
        f"# signature: {sig_b64}",
        *(f"# {line}" for line in cert_pem.strip().splitlines()),
        SIGNATURE_END,
    ]
    return toml_bytes + ("\n".join(lines) + "\n").encode("ascii")


def split_signed_charter(data: bytes) -> tuple[bytes, bytes, x509.Certificate]:
    """The signed TOML bytes, the signature and the embedded certificate of a signed charter."""
    marker = b"\n" + SIGNATURE_BEGIN.encode("utf-8")
    at = data.rfind(marker)
    if at < 0:
        raise CharterInvalid("The charter file is not signed by a local authority.")
    toml_bytes = data[: at + 1]
    block = data[at + 1 :].decode("ascii", errors="replace").splitlines()
    damaged = CharterInvalid("The charter's signature block is damaged.")
    if not block or block[0] != SIGNATURE_BEGIN:
        raise damaged
    try:
        end = block.index(SIGNATURE_END)
    except ValueError:
        raise damaged from None
    if any(line.strip() for line in block[end + 1 :]):
        raise CharterInvalid("The charter file has text after its signature block.")
    fields: dict[str, str] = {}
    pem_lines: list[str] = []
    for line in block[1:end]:
        if not line.startswith("# "):
            raise damaged
        body = line[2:]
        if pem_lines or body.startswith("-----BEGIN CERTIFICATE-----"):
            pem_lines.append(body)
            continue
        key, sep, value = body.partition(": ")
        if not sep:
            raise damaged
        fields[key] = value.strip()
    if fields.get("algorithm") != SIGNATURE_ALGORITHM or "signature" not in fields or not pem_lines:
        raise damaged
    try:
        signature = base64.b64decode(fields["signature"], validate=True)
        cert = x509.load_pem_x509_certificate(("\n".join(pem_lines) + "\n").encode("ascii"))
    except (binascii.Error, ValueError):
        raise damaged from None
    return toml_bytes, signature, cert


def verify_charter(data: bytes, root: x509.Certificate, *, today: date) -> SignedCharter:
    """Check a signed charter against the LA root and return it parsed.

    Only the LA root itself signs charters: a certificate the LA issued to a setting (or anyone
    else) cannot. Refused with :class:`CharterInvalid` (the reason in one sentence) when the file
    is not signed or its signature block is damaged, was changed after signing, was signed by
    another key, the root is outside its validity, or the charter has expired on ``today`` or is
    not yet in force.
    """
    toml_bytes, signature, cert = split_signed_charter(data)
    if cert != root:
        try:
            cert.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature):
            raise CharterInvalid(
                "The charter was signed by a key your local authority's root certificate does not vouch for."
            ) from None
        raise CharterInvalid(
            "The charter was signed with a certificate issued for another purpose; only the "
            "local authority's root signs charters."
        )
    public_key = root.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise CharterInvalid("The LA root certificate does not hold an ECDSA key.")
    try:
        public_key.verify(signature, toml_bytes, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise CharterInvalid(
            "The charter has been changed since it was signed, or was signed by a different key."
        ) from None
    try:
        check_issued_by(root, root, now=_end_of_day(today))
    except SignatureInvalid as exc:
        raise CharterInvalid(f"The LA root certificate is not acceptable: {exc}") from None
    charter = parse_charter(toml_bytes)
    if today > charter.identity.expires:
        raise CharterInvalid(
            f"The charter “{charter.identity.title}” expired on {charter.identity.expires.isoformat()}."
        )
    if today < charter.identity.in_force:
        raise CharterInvalid(
            f"The charter “{charter.identity.title}” is not in force until "
            f"{charter.identity.in_force.isoformat()}; use it from that day."
        )
    return SignedCharter(charter=charter, toml_bytes=toml_bytes, signer=cert)
