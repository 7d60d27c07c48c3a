"""The LA's CA folder: the root key (sealed under the LA's passphrase), the root certificate and
the index of every certificate issued from it.

A CA folder (made by :func:`init_ca`) holds::

    root-key.json   the root private key (PKCS#8), sealed with AES-256-GCM under an Argon2id key
                    from the LA's passphrase (folders made before 2026-11 have root-key.pem,
                    PKCS#8 with PBKDF2 at 2,048 rounds: still read, and rewritten on next use)
    root-cert.pem   the self-signed root certificate (what settings and schools trust)
    index.json      every certificate issued: serial, setting, URN, validity, revocation date
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID

from export.pki.certificates import (
    _SKEW,
    SETTING_VALID_DAYS,
    IssuedCertificate,
    SigningIdentity,
    _aware,
    _key_usage,
    _leaf_cert_builder,
    _name,
    _new_key,
    _passphrase,
    _setting_cert_builder,
    fingerprint_sha256,
    format_serial,
    load_certificate,
)
from export.pki.charter_signature import sign_charter
from export.pki.crl import CRL_VALID_DAYS
from models.errors import (
    AuthenticationFailed,
    InputRefused,
    IntegrityError,
    ValidationFailed,
    VaultError,
)
from models.safe_input import DOCUMENT_BYTES, load_json, read_file
from models.safe_output import write_private_file, write_public_file
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
            _leaf_cert_builder(
                _name(f"{holder} (URN {urn})", holder),
                public_key,
                now,
                valid_days,
                _key_usage(key_encipherment=True),
            )
            .issuer_name(self.cert.subject)
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
            # the root signs charter files directly, as well as certificates and CRLs
            _key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_private_file(
        folder / ROOT_KEY_FILE, _seal_root_key(key, cert, secret, kdf or ROOT_KEY_KDF)
    )
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


def _open_root_key(
    data: bytes, secret: bytes, cert: x509.Certificate, folder: Path
) -> PrivateKeyTypes:
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
        folder / ROOT_KEY_FILE,
        _seal_root_key(ca.key, ca.cert, _passphrase(passphrase), ROOT_KEY_KDF),
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


def _read_index(folder: Path) -> dict[str, Any]:
    try:
        index = load_json(
            read_file(folder / INDEX_FILE, limit=DOCUMENT_BYTES, what="certificate index")
        )
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
