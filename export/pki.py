"""The local authority's trust tooling: root CA, setting certificates, revocation and signed charters.

Everything cryptographic is done by ``cryptography``: ECDSA P-256 with SHA-256 for every key and
signature, the LA root key sealed with AES-256-GCM under an Argon2id key from the LA's passphrase
(the vault's own KDF and AEAD, :mod:`models.vault.crypto`), PKCS#12 for the bundle a setting
imports, an X.509 CRL for revocation. Private keys are never written unencrypted.

A CA folder (made by :func:`init_ca`) holds::

    root-key.json   the root private key (PKCS#8), sealed with AES-256-GCM under an Argon2id key
                    from the LA's passphrase (folders made before 2026-11 have root-key.pem,
                    PKCS#8 with PBKDF2 at 2,048 rounds: still read, and rewritten on next use)
    root-cert.pem   the self-signed root certificate (what settings and schools trust)
    index.json      every certificate issued: serial, setting, URN, validity, revocation date

A signed charter is the charter's TOML text, byte for byte, followed by a signature block written
as TOML comments, so the file stays readable and is still valid TOML (see docs/charter-format.md).

The clock is always passed in (``now`` or ``today``); nothing here reads the system time.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from models.charter import Charter, parse_charter
from models.errors import (
    AuthenticationFailed,
    CharterInvalid,
    InputRefused,
    IntegrityError,
    SignatureInvalid,
    ValidationFailed,
    VaultError,
)
from models.safe_input import DOCUMENT_BYTES, load_json, read_file
from models.vault import crypto

ROOT_KEY_FILE = "root-key.json"
LEGACY_ROOT_KEY_FILE = "root-key.pem"  # PKCS#8 PEM, PBKDF2 with 2,048 rounds: read, never written
ROOT_KEY_FORMAT = "transitions-la-root-key/1"
# Argon2id for the LA root key: memory-hard, 256 MiB and 3 passes (unlocking takes about a second;
# the root key is used a few times a year). PKCS#8 and PKCS#12 as `cryptography` writes them only
# offer PBKDF2 (and PKCS#12's MAC stays at 2,048 rounds), a far cheaper target for guessing.
ROOT_KEY_KDF = crypto.KdfParams(memory_kib=256 * 1024, iterations=3, lanes=4)
ROOT_CERT_FILE = "root-cert.pem"
INDEX_FILE = "index.json"

ROOT_VALID_DAYS = 10 * 365
SETTING_VALID_DAYS = 3 * 365
CRL_VALID_DAYS = 30
P12_KDF_ROUNDS = 200_000  # PBKDF2-SHA256 rounds for PKCS#12 files (AES-256-CBC)
_SKEW = timedelta(minutes=5)

SIGNATURE_BEGIN = "# ===== BEGIN TRANSITIONS CHARTER SIGNATURE (do not edit below this line) ====="
SIGNATURE_END = "# ===== END TRANSITIONS CHARTER SIGNATURE ====="
SIGNATURE_ALGORITHM = "ECDSA-P256-SHA256"


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


@dataclass(frozen=True, slots=True)
class SignedCharter:
    """A verified charter with the exact bytes that were signed and who signed them."""

    charter: Charter
    toml_bytes: bytes
    signer: x509.Certificate


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


def write_private_file(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, atomically."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_public_file(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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


def _setting_cert_builder(
    setting: str, urn: str, public_key: ec.EllipticCurvePublicKey, now: datetime, valid_days: int
) -> x509.CertificateBuilder:
    if not setting.strip():
        raise ValidationFailed("A setting certificate needs the setting's name.")
    subject = _name(f"{setting} (URN {urn})" if urn else setting, setting)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _SKEW)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


# --------------------------------------------------------------------------- the CA folder


class CertificateAuthority:
    """An unlocked CA folder: the root key and certificate plus the issue index."""

    def __init__(
        self, folder: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
    ) -> None:
        self.folder = folder
        self.key = key
        self.cert = cert

    @property
    def name(self) -> str:
        attrs = self.cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        return str(attrs[0].value) if attrs else self.cert.subject.rfc4514_string()

    # -- index

    def _read_index(self) -> dict[str, Any]:
        return _read_index(self.folder)

    def _write_index(self, index: dict[str, Any]) -> None:
        write_public_file(self.folder / INDEX_FILE, json.dumps(index, indent=2).encode("utf-8"))

    def issued(self) -> list[IssuedCertificate]:
        return list_issued(self.folder)

    # -- operations

    def issue_setting(
        self,
        setting: str,
        urn: str,
        *,
        now: datetime,
        valid_days: int = SETTING_VALID_DAYS,
        kind: str = "setting",
    ) -> SigningIdentity:
        """Issue a signing certificate to a setting (or, with ``kind="school"``, a school) and
        record its serial and kind in the index."""
        now = _aware(now)
        key = _new_key()
        builder = _setting_cert_builder(setting, urn, key.public_key(), now, valid_days)
        ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (
            builder.issuer_name(self.cert.subject)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self._record(cert, setting, urn, kind)
        return SigningIdentity(key=key, cert=cert, chain=(self.cert,))

    def _record(self, cert: x509.Certificate, holder: str, urn: str, kind: str) -> None:
        index = self._read_index()
        index["issued"].append(
            {
                "serial": format_serial(cert.serial_number),
                "setting": holder,
                "urn": urn,
                "not_before": cert.not_valid_before_utc.isoformat(),
                "not_after": cert.not_valid_after_utc.isoformat(),
                "fingerprint": fingerprint_sha256(cert),
                "revoked_on": None,
                "kind": kind,
            }
        )
        self._write_index(index)

    def revoke(self, serial: int, *, now: datetime) -> IssuedCertificate:
        """Mark an issued certificate revoked; the next CRL lists it."""
        now = _aware(now)
        index = self._read_index()
        wanted = format_serial(serial)
        for row in index["issued"]:
            if row["serial"] == wanted:
                if row["revoked_on"] is None:
                    row["revoked_on"] = now.isoformat()
                    self._write_index(index)
                return _row(row)
        raise ValidationFailed(
            f"No certificate with serial {wanted} was issued from this CA folder."
        )

    def make_crl(
        self, *, now: datetime, valid_days: int = CRL_VALID_DAYS
    ) -> x509.CertificateRevocationList:
        """A CRL signed by the root listing every revoked serial; bumps the CRL number."""
        now = _aware(now)
        index = self._read_index()
        number = int(index.get("crl_number", 0)) + 1
        index["crl_number"] = number
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(now)
            .next_update(now + timedelta(days=valid_days))
            .add_extension(x509.CRLNumber(number), critical=False)
        )
        for row in index["issued"]:
            if row["revoked_on"] is None:
                continue
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(row["serial"], 16))
                .revocation_date(datetime.fromisoformat(row["revoked_on"]))
                .build()
            )
        crl = builder.sign(self.key, hashes.SHA256())
        self._write_index(index)
        return crl

    def issue_encryption_certificate(
        self,
        holder: str,
        urn: str,
        public_key: rsa.RSAPublicKey,
        *,
        now: datetime,
        valid_days: int = SETTING_VALID_DAYS,
    ) -> x509.Certificate:
        """Vouch for a receiving school's RSA encryption key (records are encrypted to it)."""
        now = _aware(now)
        if not holder.strip():
            raise ValidationFailed("An encryption certificate needs the school's name.")
        ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{holder} (URN {urn})", holder))
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _SKEW)
            .not_valid_after(now + timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=True,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        self._record(cert, holder, urn, "encryption")
        return cert

    def sign_charter(self, toml_bytes: bytes) -> bytes:
        """The signed charter file for these TOML bytes (checked to parse first)."""
        return sign_charter(toml_bytes, SigningIdentity(key=self.key, cert=self.cert))


def init_ca(
    folder: Path,
    name: str,
    passphrase: str | bytes,
    *,
    now: datetime,
    valid_days: int = ROOT_VALID_DAYS,
    kdf: crypto.KdfParams | None = None,
) -> CertificateAuthority:
    """Create a new LA root: an encrypted ECDSA P-256 key and a self-signed CA certificate.
    ``kdf``: the Argon2id cost for the key file (default :data:`ROOT_KEY_KDF`; tests use less)."""
    if not name.strip():
        raise ValidationFailed("The local authority’s name is needed to create a root certificate.")
    now = _aware(now)
    secret = _passphrase(passphrase)
    if (folder / ROOT_KEY_FILE).exists() or (folder / LEGACY_ROOT_KEY_FILE).exists():
        raise VaultError(f"{folder} already holds a root key; choose an empty folder.")
    folder.mkdir(parents=True, exist_ok=True)
    key = _new_key()
    subject = _name(f"{name} transitions root", name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _SKEW)
        .not_valid_after(now + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,  # the root signs charter files directly
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_private_file(folder / ROOT_KEY_FILE, _seal_root_key(key, cert, secret, kdf or ROOT_KEY_KDF))
    write_public_file(folder / ROOT_CERT_FILE, cert.public_bytes(serialization.Encoding.PEM))
    write_public_file(
        folder / INDEX_FILE,
        json.dumps({"name": name, "crl_number": 0, "issued": []}, indent=2).encode("utf-8"),
    )
    return CertificateAuthority(folder, key, cert)


def _root_key_aad(cert: x509.Certificate) -> bytes:
    return crypto.aad(ROOT_KEY_FORMAT, cert.fingerprint(hashes.SHA256()).hex())


def _seal_root_key(
    key: ec.EllipticCurvePrivateKey, cert: x509.Certificate, secret: bytes, params: crypto.KdfParams
) -> bytes:
    """The root key as JSON: Argon2id parameters and salt, and the PKCS#8 key sealed with
    AES-256-GCM, bound to the root certificate's fingerprint."""
    salt = os.urandom(crypto.SALT_BYTES)
    kek = crypto.derive_kek(secret.decode("utf-8"), salt, params)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    nonce, sealed = crypto.seal(kek, der, _root_key_aad(cert))
    b64 = base64.b64encode
    return json.dumps(
        {
            "format": ROOT_KEY_FORMAT,
            "kdf": {
                "name": "argon2id",
                "memory_kib": params.memory_kib,
                "iterations": params.iterations,
                "lanes": params.lanes,
                "salt": b64(salt).decode(),
            },
            "aead": "aes-256-gcm",
            "nonce": b64(nonce).decode(),
            "ciphertext": b64(sealed).decode(),
        },
        indent=2,
    ).encode("utf-8")


def _open_root_key(data: bytes, secret: bytes, cert: x509.Certificate, folder: Path) -> PrivateKeyTypes:
    try:
        raw = load_json(data)
        if raw.get("format") != ROOT_KEY_FORMAT or raw["kdf"]["name"] != "argon2id":
            raise ValueError("format")
        params = crypto.KdfParams(
            memory_kib=int(raw["kdf"]["memory_kib"]),
            iterations=int(raw["kdf"]["iterations"]),
            lanes=int(raw["kdf"]["lanes"]),
        )
        salt = base64.b64decode(raw["kdf"]["salt"], validate=True)
        nonce = base64.b64decode(raw["nonce"], validate=True)
        sealed = base64.b64decode(raw["ciphertext"], validate=True)
    except (InputRefused, ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        raise VaultError(f"The root key file in {folder} is damaged or not a root key.") from None
    kek = crypto.derive_kek(secret.decode("utf-8"), salt, params)
    try:
        der = crypto.open_sealed(kek, nonce, sealed, _root_key_aad(cert))
    except IntegrityError:
        raise AuthenticationFailed("The passphrase for the LA root key is wrong.") from None
    return serialization.load_der_private_key(der, None)


def _read_root_key(folder: Path, passphrase: str | bytes) -> PrivateKeyTypes:
    secret = _passphrase(passphrase)
    key_file = folder / ROOT_KEY_FILE
    data = None
    if key_file.exists():
        try:
            data = read_file(key_file, limit=DOCUMENT_BYTES, what="LA root key")
        except InputRefused as exc:
            raise VaultError(str(exc)) from None
    if data is not None:
        return _open_root_key(data, secret, load_root_cert(folder), folder)
    try:
        legacy = read_file(folder / LEGACY_ROOT_KEY_FILE, limit=DOCUMENT_BYTES, what="LA root key")
    except InputRefused:
        raise VaultError(f"{folder} is not an LA CA folder (no {ROOT_KEY_FILE}).") from None
    try:
        return serialization.load_pem_private_key(legacy, password=secret)
    except (ValueError, TypeError):
        raise AuthenticationFailed("The passphrase for the LA root key is wrong.") from None


def upgrade_root_key(folder: Path, passphrase: str | bytes) -> bool:
    """Rewrite a legacy ``root-key.pem`` as ``root-key.json`` (Argon2id instead of 2,048 PBKDF2
    rounds) and remove the old file. False if there was nothing to upgrade."""
    if (folder / ROOT_KEY_FILE).exists() or not (folder / LEGACY_ROOT_KEY_FILE).exists():
        return False
    ca = load_ca(folder, passphrase)
    write_private_file(
        folder / ROOT_KEY_FILE, _seal_root_key(ca.key, ca.cert, _passphrase(passphrase), ROOT_KEY_KDF)
    )
    if load_ca(folder, passphrase).cert != ca.cert:  # read back before the old file goes
        raise VaultError("The upgraded root key could not be read back; the old file is kept.")
    (folder / LEGACY_ROOT_KEY_FILE).unlink()
    return True


def load_ca(folder: Path, passphrase: str | bytes) -> CertificateAuthority:
    """Unlock a CA folder with its passphrase."""
    key = _read_root_key(folder, passphrase)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise VaultError(f"The root key in {folder} is not an ECDSA key.")
    cert = load_root_cert(folder)
    if cert.public_key() != key.public_key():
        raise VaultError(f"The root key and certificate in {folder} do not belong together.")
    return CertificateAuthority(folder, key, cert)


def load_root_cert(folder_or_file: Path) -> x509.Certificate:
    """The LA root certificate from a CA folder or a PEM/DER file."""
    path = folder_or_file / ROOT_CERT_FILE if folder_or_file.is_dir() else folder_or_file
    try:
        data = read_file(path, limit=DOCUMENT_BYTES, what="LA root certificate")
    except InputRefused as exc:
        raise VaultError(str(exc)) from None
    return load_certificate(data)


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise SignatureInvalid("The file is not a readable certificate.") from None


def _read_index(folder: Path) -> dict[str, Any]:
    try:
        index = load_json(read_file(folder / INDEX_FILE, limit=DOCUMENT_BYTES, what="certificate index"))
    except InputRefused:
        raise VaultError(f"The certificate index in {folder} is missing or damaged.") from None
    if not isinstance(index, dict) or not isinstance(index.get("issued"), list):
        raise VaultError(f"The certificate index in {folder} is missing or damaged.")
    return index


def _row(row: dict[str, Any]) -> IssuedCertificate:
    revoked = row.get("revoked_on")
    return IssuedCertificate(
        serial=int(row["serial"], 16),
        setting=str(row["setting"]),
        urn=str(row["urn"]),
        not_before=datetime.fromisoformat(row["not_before"]),
        not_after=datetime.fromisoformat(row["not_after"]),
        fingerprint=str(row["fingerprint"]),
        revoked_on=datetime.fromisoformat(revoked) if revoked else None,
        kind=str(row.get("kind") or ""),
    )


def list_issued(folder: Path) -> list[IssuedCertificate]:
    """Every certificate issued from a CA folder (no passphrase needed)."""
    return [_row(r) for r in _read_index(folder)["issued"]]


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


# --------------------------------------------------------------------------- revocation and chains


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


# --------------------------------------------------------------------------- signed charters


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
