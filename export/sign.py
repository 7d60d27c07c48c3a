"""Sign a record PDF: PAdES baseline B-B (``ETSI.CAdES.detached``), ECDSA P-256 with SHA-256.

pyHanko does all of the PDF and CMS work. The signing time is injected (it is written to the
signature dictionary's ``/M``), so output is reproducible apart from the ECDSA nonce and the XMP
modification date pyHanko sets. Optional encryption happens in the same pass as signing (see
:mod:`export.encrypt`): encrypting a PDF after it is signed would rewrite every string and stream
and so break the signature.

Signing is the last step: the renderer has already made the file tagged and PDF/A
(:mod:`export.pdfa`), embedded the record JSON and created the unsigned signature field with its
visible stamp (drawn in the document's embedded font, :mod:`export.stamp`). :func:`sign_pdf` fills
that field in and keeps its appearance, so the signature covers everything, the stamp included.
A PDF without such a field gets an invisible signature.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.stamp import NoOpStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from export.encrypt import Encryption, encrypted_writer
from export.stamp import SIGNATURE_FIELD
from models.errors import AuthenticationFailed, SigningFailed

__all__ = ["SIGNATURE_FIELD", "SignerCredentials", "load_signer", "sign_pdf"]


@dataclass(frozen=True, slots=True)
class SignerCredentials:
    """A private key, its certificate and the chain above it (empty when self-signed).

    Same field names as :class:`export.pki.SigningIdentity`, so either can be passed on.
    """

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


def load_signer(p12_bytes: bytes, passphrase: str | bytes) -> SignerCredentials:
    """The setting's signing key, certificate and chain from its PKCS#12 file.

    :raises AuthenticationFailed: wrong passphrase or damaged file.
    :raises SigningFailed: the file does not hold an ECDSA P-256 key with its certificate.
    """
    secret = passphrase.encode("utf-8") if isinstance(passphrase, str) else passphrase
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(p12_bytes, secret or None)
    except ValueError:
        raise AuthenticationFailed(
            "The certificate file could not be opened: the passphrase is wrong or the file is damaged."
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or cert is None:
        raise SigningFailed("The certificate file does not hold an ECDSA key and its certificate.")
    if not isinstance(key.curve, ec.SECP256R1):
        raise SigningFailed("The certificate file's key is not on the P-256 curve.")
    return SignerCredentials(key=key, cert=cert, chain=tuple(extra))


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: ec.EllipticCurvePrivateKey) -> asn1_keys.PrivateKeyInfo:
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return asn1_keys.PrivateKeyInfo.load(der)


def sign_pdf(
    pdf_bytes: bytes,
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    chain: list[x509.Certificate] | tuple[x509.Certificate, ...] = (),
    *,
    signer_name: str,
    organisation: str,
    signing_time: datetime,
    reason: str = "Transition record approved for sending",
    location: str = "",
    encryption: Encryption | None = None,
    field_name: str = SIGNATURE_FIELD,
) -> bytes:
    """Sign ``pdf_bytes`` and return the signed PDF.

    ``signing_time`` must be timezone-aware. ``signer_name`` goes to the signature's ``/Name``,
    ``reason`` (for a record, the stamp's sentence: :attr:`export.stamp.SignatureLabel.sentence`)
    to ``/Reason`` and ``organisation`` to ``/ContactInfo``: a reader's signature panel shows
    them. An unsigned field ``field_name`` is filled in with its appearance kept; without one the
    signature is invisible. ``encryption`` encrypts the document in the same pass (AES-256,
    password or recipient certificates).

    :raises SigningFailed: the key does not fit, the time is naive or the PDF cannot be signed.
    """
    if signing_time.tzinfo is None or signing_time.utcoffset() is None:
        raise SigningFailed("The signing time must include a time zone.")
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SigningFailed("Record PDFs are signed with ECDSA P-256 keys only.")
    if key.public_key() != cert.public_key():
        raise SigningFailed("The private key does not belong to the signing certificate.")
    if signing_time < cert.not_valid_before_utc:
        raise SigningFailed(
            f"The signing certificate is not valid until {cert.not_valid_before_utc.date()}."
        )
    if signing_time > cert.not_valid_after_utc:
        raise SigningFailed(
            f"The signing certificate expired on {cert.not_valid_after_utc.date()}; "
            "ask your local authority for a new one."
        )
    try:
        writer: BasePdfFileWriter
        if encryption is None:
            writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
        else:
            writer = encrypted_writer(pdf_bytes, encryption)
        return asyncio.run(
            _sign(
                writer,
                key,
                cert,
                list(chain),
                signer_name=signer_name,
                organisation=organisation,
                signing_time=signing_time,
                reason=reason,
                location=location,
                field_name=field_name,
            )
        )
    except SigningFailed:
        raise
    except Exception as exc:  # pyHanko raises many unrelated types for unusable input
        raise SigningFailed(f"The PDF could not be signed: {exc}") from None


async def _sign(
    writer: BasePdfFileWriter,
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
    chain: list[x509.Certificate],
    *,
    signer_name: str,
    organisation: str,
    signing_time: datetime,
    reason: str,
    location: str,
    field_name: str,
) -> bytes:
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call]
    registry.register_multiple([_asn1_cert(c) for c in chain])
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(cert),
        signing_key=_asn1_key(key),
        cert_registry=registry,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signer_name,
        reason=reason or None,
        location=location or None,
        contact_info=organisation or None,
    )
    # An existing field is used as it is; the spec only describes the invisible one made otherwise.
    field_spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=0, box=None)
    pdf_signer = signers.PdfSigner(
        meta, signer, stamp_style=NoOpStampStyle(), new_field_spec=field_spec
    )

    # The steps of PdfSigner.async_sign_pdf, with the session clock set to the injected time.
    session = pdf_signer.init_signing_session(writer)
    session.system_time = signing_time
    validation_info = await session.perform_presign_validation(writer)
    # A fixed reservation instead of pyHanko's estimate, which builds a whole throwaway signature
    # (half the signing time). The CMS holds the signer's certificate and the chain, the signed
    # attributes and a 72-byte ECDSA value: about 5 KB for a setting certificate and the LA root.
    der = serialization.Encoding.DER
    certs = len(cert.public_bytes(der)) + sum(len(c.public_bytes(der)) for c in chain)
    reserved = 4096 + 2 * certs
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserved)
    prepared, output = tbs.digest_tbs_document(in_place=False, output=None)
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=signing_time),
    )
    await post.post_signature_processing(output)
    output.seek(0)
    data = output.read()
    if not isinstance(data, bytes):
        raise SigningFailed("The signed PDF could not be written.")
    return data
