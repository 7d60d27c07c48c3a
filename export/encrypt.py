"""Encryption of record PDFs (AES-256) and opening encrypted ones for verification.

A signed PDF cannot be encrypted afterwards: encryption rewrites every string and stream, which
breaks the signed byte ranges. So :func:`export.sign.sign_pdf` takes an :class:`Encryption` and
pyHanko writes the document encrypted and signs it in the same pass: the signature covers the
encrypted bytes, and a reader decrypts first and then validates.

Two handlers are offered, both PDF 2.0 AES-256:

* :class:`PasswordEncryption`: the standard security handler (a password told by phone);
* :class:`RecipientEncryption`: the public-key security handler, to one or more recipient
  certificates (a school's encryption certificate from the charter directory; RSA or EC keys).

PDF encryption is confidentiality only; integrity comes from the signature, which
:func:`export.verify.verify_pdf` checks in full after decrypting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from io import BytesIO
from typing import Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.pdf_utils.crypt import AuthStatus, SimpleEnvelopeKeyDecrypter
from pyhanko.pdf_utils.crypt.api import PdfMacStatus
from pyhanko.pdf_utils.crypt.pubkey import RecipientEncryptionPolicy
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter, copy_into_new_writer

from export.pki import load_p12
from models.errors import (
    EncryptedFileDamaged,
    PasswordRequired,
    RecipientKeyRequired,
    RecipientMismatch,
    SignatureInvalid,
    SigningFailed,
    WrongPassword,
)


@dataclass(frozen=True, slots=True)
class PasswordEncryption:
    """Encrypt with a password (AES-256, standard security handler)."""

    password: str

    def __post_init__(self) -> None:
        if not self.password:
            raise SigningFailed("An encryption password cannot be empty.")


@dataclass(frozen=True, slots=True)
class RecipientEncryption:
    """Encrypt so that only holders of these certificates' private keys can open the file."""

    recipients: tuple[x509.Certificate, ...]

    def __post_init__(self) -> None:
        if not self.recipients:
            raise SigningFailed("Encryption to a recipient needs at least one certificate.")


Encryption = PasswordEncryption | RecipientEncryption


class KeyAndCert(Protocol):
    """A recipient's private key with its certificate (``SignerCredentials``, ``SigningIdentity``)."""

    @property
    def key(self) -> PrivateKeyTypes: ...

    @property
    def cert(self) -> x509.Certificate: ...


@dataclass(frozen=True, slots=True)
class Recipient:
    """A recipient's decryption key and certificate."""

    key: PrivateKeyTypes
    cert: x509.Certificate


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def encrypted_writer(pdf_bytes: bytes, encryption: Encryption) -> PdfFileWriter:
    """A pyHanko writer holding a copy of the (unencrypted) ``pdf_bytes``, set to encrypt on write."""
    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    if reader.encrypted:
        raise SigningFailed("The PDF is already encrypted; encrypt only an unencrypted record.")
    writer = copy_into_new_writer(reader)
    if isinstance(encryption, PasswordEncryption):
        writer.encrypt(encryption.password)  # type: ignore[no-untyped-call]
    else:
        for cert in encryption.recipients:
            _check_recipient(cert)
        # pyHanko asks every recipient for keyEncipherment, which is wrong for EC keys
        # (keyAgreement); the usage is checked per key type above instead.
        writer.encrypt_pubkey(
            [_asn1_cert(c) for c in encryption.recipients],
            policy=RecipientEncryptionPolicy(ignore_key_usage=True),
        )
    return writer


def _check_recipient(cert: x509.Certificate) -> None:
    try:
        usage: x509.KeyUsage | None = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    public = cert.public_key()
    if isinstance(public, ec.EllipticCurvePublicKey):
        fits = usage is None or usage.key_agreement
    elif isinstance(public, rsa.RSAPublicKey):
        fits = usage is None or usage.key_encipherment
    else:
        raise SigningFailed("The recipient's certificate has neither an RSA nor an EC key.")
    if not fits:
        raise SigningFailed(
            "The recipient's certificate is not meant for encryption (check its key usage)."
        )


def open_reader(
    pdf_bytes: bytes,
    *,
    password: str | None = None,
    recipient: KeyAndCert | None = None,
) -> PdfFileReader:
    """Open a PDF for verification, decrypting it with ``password`` or ``recipient`` if encrypted.

    :raises PasswordRequired: password-encrypted and no password given (:class:`WrongPassword`:
        the wrong one).
    :raises RecipientKeyRequired: encrypted to a certificate and no key given
        (:class:`RecipientMismatch`: not encrypted for the key given).
    :raises EncryptedFileDamaged: the secret opens it but its integrity code does not match.
    """
    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    if not reader.encrypted:
        return reader
    filter_name = str(reader.trailer["/Encrypt"].get_object().get("/Filter", ""))
    if filter_name == "/Standard":
        if password is None:
            raise PasswordRequired("The file is encrypted with a password; enter it to verify.")
        result = reader.decrypt(password)
    else:
        if recipient is None:
            raise RecipientKeyRequired(
                "The file is encrypted to a recipient certificate; open it with that key to verify."
            )
        key_der = recipient.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        decrypter = SimpleEnvelopeKeyDecrypter(
            _asn1_cert(recipient.cert), asn1_keys.PrivateKeyInfo.load(key_der)
        )
        result = reader.decrypt_pubkey(decrypter)
    if result.status == AuthStatus.FAILED:
        if result.mac_status == PdfMacStatus.FAILED:
            raise EncryptedFileDamaged(
                "The file was changed after it was encrypted (its integrity code does not match), "
                "so it cannot be trusted."
            )
        if filter_name == "/Standard":
            raise WrongPassword("The password is wrong: the file could not be decrypted.")
        raise RecipientMismatch("The file was not encrypted for this key, so it cannot be opened.")
    return reader


def decrypt_for_verify(
    pdf_bytes: bytes,
    password: str | None = None,
    recipient_key: PrivateKeyTypes | None = None,
    recipient_cert: x509.Certificate | None = None,
) -> PdfFileReader:
    """:func:`open_reader` with the recipient given as a separate key and certificate."""
    recipient = (
        Recipient(recipient_key, recipient_cert)
        if recipient_key is not None and recipient_cert is not None
        else None
    )
    return open_reader(pdf_bytes, password=password, recipient=recipient)


def readable_copy(
    pdf_bytes: bytes,
    *,
    password: str | None = None,
    recipient: KeyAndCert | None = None,
) -> bytes:
    """An unencrypted copy of ``pdf_bytes`` for showing on screen; the bytes unchanged when the
    file is not encrypted.

    Decrypting rewrites the file, so the copy's signature no longer verifies: keep the original as
    received as the proof, and show this copy only inside the app (never write it to disk).

    :raises SignatureInvalid: as :func:`open_reader`.
    """
    reader = open_reader(pdf_bytes, password=password, recipient=recipient)
    if not reader.encrypted:
        return pdf_bytes
    pyhanko_log = logging.getLogger("pyhanko.pdf_utils.writer")
    level = pyhanko_log.level
    pyhanko_log.setLevel(logging.ERROR)  # "the copy operation will invalidate them": we know
    try:
        writer = copy_into_new_writer(reader)
        out = BytesIO()
        writer.write(out)  # type: ignore[no-untyped-call]
    finally:
        pyhanko_log.setLevel(level)
    return out.getvalue()


def load_recipient_p12(data: bytes, passphrase: str | bytes) -> Recipient:
    """A recipient's decryption key and certificate from a PKCS#12 file (a school's key, as the
    LA issued it for its certificate in the charter's school directory).

    :raises AuthenticationFailed: wrong passphrase or damaged file.
    :raises SignatureInvalid: the file holds no key, or a certificate not meant for encryption.
    """
    key, cert, _chain = load_p12(data, passphrase)
    try:
        _check_recipient(cert)
    except SigningFailed as exc:
        raise SignatureInvalid(str(exc)) from None
    return Recipient(key, cert)
