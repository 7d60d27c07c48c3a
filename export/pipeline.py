"""One exported packet, from record JSON to a signed (and optionally encrypted) PDF.

Everything here is plain data in, bytes out, so a batch can run in worker processes. The steps are
always in this order: render (a tagged PDF/A file with the record JSON embedded and the unsigned
signature field with its stamp), then sign (encrypting in the same pass when the charter asks), so
the signature covers the pages, the data and the stamp, and any appended change breaks it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from export.encrypt import PasswordEncryption, RecipientEncryption
from export.render import RenderOptions, render_record_pdf
from export.sign import sign_pdf
from export.stamp import SignatureLabel
from models.errors import SigningFailed
from models.interchange import record_from_bytes

Encryption = PasswordEncryption | RecipientEncryption


@dataclass(frozen=True, slots=True)
class PacketJob:
    record_json: bytes
    packet: str  # "teacher" or "senco"
    generated_on: datetime
    key_der: bytes  # PKCS#8; held in memory only, passed to worker processes through a pipe
    cert_der: bytes
    chain_der: tuple[bytes, ...]
    signer_name: str  # the person's display name (their login name when they have none)
    organisation: str
    signer_role: str = ""  # the person's role, as the stamp and the signature say it
    handling_note: str = ""
    setting_dsl_contact: str = ""
    supersedes_version: int | None = None
    supersedes_sent_on: date | None = None  # when the version this one replaces was exported
    encrypt_password: str | None = None
    recipient_cert_pem: bytes | None = None
    file_code: str = ""  # printed on the front sheet; the file's name carries it too


def signer_material(
    key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, chain: tuple[x509.Certificate, ...]
) -> tuple[bytes, bytes, tuple[bytes, ...]]:
    """The signer's key and certificates as DER bytes for :class:`PacketJob`."""
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    der = serialization.Encoding.DER
    return key_der, cert.public_bytes(der), tuple(c.public_bytes(der) for c in chain)


@dataclass(frozen=True, slots=True)
class PacketResult:
    packet: str
    pdf: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def _encryption(job: PacketJob) -> Encryption | None:
    if job.recipient_cert_pem:
        return RecipientEncryption((x509.load_pem_x509_certificate(job.recipient_cert_pem),))
    if job.encrypt_password:
        return PasswordEncryption(job.encrypt_password)
    return None


def build_packet(job: PacketJob) -> PacketResult:
    record = record_from_bytes(job.record_json)
    label = SignatureLabel(
        name=job.signer_name,
        role=job.signer_role,
        organisation=job.organisation,
        signed_on=job.generated_on.date(),
    )
    options = RenderOptions(
        handling_note=job.handling_note,
        packet=job.packet,
        generated_on=job.generated_on,
        setting_dsl_contact=job.setting_dsl_contact,
        supersedes_version=job.supersedes_version,
        supersedes_sent_on=job.supersedes_sent_on,
        record_json=job.record_json,
        signature=label,
        file_code=job.file_code,
    )
    pdf = render_record_pdf(record, options)
    key = serialization.load_der_private_key(job.key_der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SigningFailed("The setting's signing key is not an ECDSA key.")
    signed = sign_pdf(
        pdf,
        key,
        x509.load_der_x509_certificate(job.cert_der),
        tuple(x509.load_der_x509_certificate(c) for c in job.chain_der),
        signer_name=job.signer_name,
        organisation=job.organisation,
        signing_time=job.generated_on,
        reason=label.sentence,
        encryption=_encryption(job),
    )
    return PacketResult(job.packet, signed)
