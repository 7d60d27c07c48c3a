"""The LA certificate authority: root, setting certificates, PKCS#12, revocation, self-signed."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from export import pki
from models.errors import AuthenticationFailed, SignatureInvalid, ValidationFailed, VaultError
from models.vault import KdfParams

CHEAP_ROOT_KDF = KdfParams(memory_kib=64, iterations=1, lanes=1)  # the real cost is tested once

NOW = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
LA_PASS = "test-la-passphrase-fictional"
P12_PASS = "test-setting-passphrase"
SETTING = "Little Acorns Nursery (fictional)"


@pytest.fixture
def ca(tmp_path: Path) -> pki.CertificateAuthority:
    return pki.init_ca(
        tmp_path / "ca", "Testshire Council (fictional)", LA_PASS, now=NOW, kdf=CHEAP_ROOT_KDF
    )


def _private_scalar(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_numbers().private_value.to_bytes(32, "big")


def test_root_is_a_p256_ca_that_signs_certificates_and_crls(ca: pki.CertificateAuthority) -> None:
    cert = pki.load_root_cert(ca.folder)
    assert cert == ca.cert
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical
    assert bc.value.ca
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign
    assert ku.crl_sign
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)


def test_root_key_is_written_sealed_and_needs_the_passphrase(
    ca: pki.CertificateAuthority,
) -> None:
    key_file = ca.folder / pki.ROOT_KEY_FILE
    raw = json.loads(key_file.read_bytes())
    assert key_file.stat().st_mode & 0o077 == 0
    assert raw["format"] == pki.ROOT_KEY_FORMAT
    assert raw["kdf"]["name"] == "argon2id"
    assert raw["aead"] == "aes-256-gcm"
    der = ca.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert der not in key_file.read_bytes()
    with pytest.raises(AuthenticationFailed):
        pki.load_ca(ca.folder, "not-the-passphrase")
    assert pki.load_ca(ca.folder, LA_PASS).cert == ca.cert


def test_root_key_file_attacks(ca: pki.CertificateAuthority, tmp_path: Path) -> None:
    key_file = ca.folder / pki.ROOT_KEY_FILE
    good = key_file.read_bytes()
    raw = json.loads(good)
    sealed = bytearray(base64.b64decode(raw["ciphertext"]))
    for at in (0, len(sealed) // 2, len(sealed) - 1):  # any flipped bit: refused, not a wrong key
        flipped = bytearray(sealed)
        flipped[at] ^= 0x01
        key_file.write_text(
            json.dumps({**raw, "ciphertext": base64.b64encode(bytes(flipped)).decode()})
        )
        with pytest.raises(AuthenticationFailed):
            pki.load_ca(ca.folder, LA_PASS)
    key_file.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(VaultError, match="damaged"):
        pki.load_ca(ca.folder, LA_PASS)
    # the sealed key is bound to its root certificate: another root's certificate does not open it
    other = pki.init_ca(
        tmp_path / "other", "Elsewhere (fictional)", LA_PASS, now=NOW, kdf=CHEAP_ROOT_KDF
    )
    key_file.write_bytes(good)
    (ca.folder / pki.ROOT_CERT_FILE).write_bytes((other.folder / pki.ROOT_CERT_FILE).read_bytes())
    with pytest.raises(AuthenticationFailed):
        pki.load_ca(ca.folder, LA_PASS)


def test_the_default_root_key_cost_is_memory_hard() -> None:
    assert pki.ROOT_KEY_KDF.memory_kib >= 256 * 1024
    assert pki.ROOT_KEY_KDF.iterations >= 3


def test_a_legacy_pem_root_key_is_read_and_upgraded(
    tmp_path: Path, ca: pki.CertificateAuthority
) -> None:
    folder = tmp_path / "old-ca"
    folder.mkdir()
    for name in (pki.ROOT_CERT_FILE, pki.INDEX_FILE):
        (folder / name).write_bytes((ca.folder / name).read_bytes())
    legacy = ca.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(LA_PASS.encode()),
    )
    (folder / pki.LEGACY_ROOT_KEY_FILE).write_bytes(legacy)
    assert pki.load_ca(folder, LA_PASS).cert == ca.cert
    with pytest.raises(AuthenticationFailed):
        pki.upgrade_root_key(folder, "not-the-passphrase")
    assert (folder / pki.LEGACY_ROOT_KEY_FILE).exists()
    assert pki.upgrade_root_key(folder, LA_PASS)
    assert not (folder / pki.LEGACY_ROOT_KEY_FILE).exists()
    assert (folder / pki.ROOT_KEY_FILE).stat().st_mode & 0o077 == 0
    assert json.loads((folder / pki.ROOT_KEY_FILE).read_bytes())["kdf"]["name"] == "argon2id"
    assert pki.load_ca(folder, LA_PASS).key.public_key() == ca.key.public_key()
    assert not pki.upgrade_root_key(folder, LA_PASS)  # nothing left to upgrade


def test_no_file_ever_holds_a_private_key_in_the_clear(
    ca: pki.CertificateAuthority, tmp_path: Path
) -> None:
    identity = ca.issue_setting(SETTING, "EY999001", now=NOW)
    p12 = tmp_path / "setting.p12"
    pki.write_private_file(p12, pki.identity_to_p12(identity, P12_PASS))
    ca.revoke(identity.cert.serial_number, now=NOW)
    (tmp_path / "crl.pem").write_bytes(pki.crl_to_pem(ca.make_crl(now=NOW)))
    secrets = [_private_scalar(ca.key), _private_scalar(identity.key)]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 5
    for path in files:
        data = path.read_bytes()
        assert b"BEGIN PRIVATE KEY" not in data
        assert b"BEGIN EC PRIVATE KEY" not in data
        for secret in secrets:
            assert secret not in data, path
            assert secret.hex().encode() not in data, path


def test_issued_setting_certificate(ca: pki.CertificateAuthority) -> None:
    identity = ca.issue_setting(SETTING, "EY999001", now=NOW, valid_days=365)
    cert = identity.cert
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == SETTING
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature
    assert ku.content_commitment
    assert not ku.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(ca.cert)
    assert cert.not_valid_after_utc == NOW + timedelta(days=365)
    pki.check_issued_by(cert, ca.cert, now=NOW + timedelta(days=1))
    index = json.loads((ca.folder / pki.INDEX_FILE).read_text())
    assert index["issued"][0]["serial"] == pki.format_serial(cert.serial_number)
    assert [r.setting for r in pki.list_issued(ca.folder)] == [SETTING]


def test_setting_p12_round_trip_and_wrong_passphrase(ca: pki.CertificateAuthority) -> None:
    identity = ca.issue_setting(SETTING, "EY999001", now=NOW)
    data = pki.identity_to_p12(identity, P12_PASS)
    loaded = pki.load_setting_p12(data, P12_PASS)
    assert loaded.cert == identity.cert
    assert loaded.chain == (ca.cert,)
    assert _private_scalar(loaded.key) == _private_scalar(identity.key)
    with pytest.raises(AuthenticationFailed):
        pki.load_setting_p12(data, "wrong-passphrase")
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0x01
    with pytest.raises(AuthenticationFailed):
        pki.load_setting_p12(bytes(damaged), P12_PASS)


def test_revoked_serial_is_in_the_crl_and_refused(ca: pki.CertificateAuthority) -> None:
    revoked = ca.issue_setting("Old Oak Pre-school (fictional)", "EY999002", now=NOW)
    kept = ca.issue_setting(SETTING, "EY999001", now=NOW)
    row = ca.revoke(revoked.cert.serial_number, now=NOW + timedelta(days=2))
    assert row.revoked_on == NOW + timedelta(days=2)
    crl = pki.load_crl(pki.crl_to_pem(ca.make_crl(now=NOW + timedelta(days=3))))
    assert crl.is_signature_valid(ca.cert.public_key())  # type: ignore[arg-type]
    assert pki.is_revoked(crl, revoked.cert.serial_number)
    assert not pki.is_revoked(crl, kept.cert.serial_number)
    assert [r.serial_number for r in crl] == [revoked.cert.serial_number]
    later = NOW + timedelta(days=4)
    with pytest.raises(SignatureInvalid, match="revoked"):
        pki.check_issued_by(revoked.cert, ca.cert, now=later, crl=crl)
    pki.check_issued_by(kept.cert, ca.cert, now=later, crl=crl)
    second = ca.make_crl(now=later)
    assert second.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2


def test_revoking_an_unknown_serial_is_refused(ca: pki.CertificateAuthority) -> None:
    with pytest.raises(ValidationFailed, match="No certificate with serial"):
        ca.revoke(12345, now=NOW)


def test_a_crl_from_another_root_is_refused(ca: pki.CertificateAuthority, tmp_path: Path) -> None:
    other = pki.init_ca(
        tmp_path / "other", "Elsewhere (fictional)", LA_PASS, now=NOW, kdf=CHEAP_ROOT_KDF
    )
    identity = ca.issue_setting(SETTING, "EY999001", now=NOW)
    foreign = other.make_crl(now=NOW)
    with pytest.raises(SignatureInvalid, match="not signed by your local authority"):
        pki.check_issued_by(identity.cert, ca.cert, now=NOW, crl=foreign)


def test_certificate_from_another_root_or_expired_is_refused(
    ca: pki.CertificateAuthority, tmp_path: Path
) -> None:
    other = pki.init_ca(
        tmp_path / "other", "Elsewhere (fictional)", LA_PASS, now=NOW, kdf=CHEAP_ROOT_KDF
    )
    stranger = other.issue_setting(SETTING, "EY999001", now=NOW)
    with pytest.raises(SignatureInvalid, match="not issued by"):
        pki.check_issued_by(stranger.cert, ca.cert, now=NOW)
    short = ca.issue_setting(SETTING, "EY999001", now=NOW, valid_days=10)
    with pytest.raises(SignatureInvalid, match="expired"):
        pki.check_issued_by(short.cert, ca.cert, now=NOW + timedelta(days=11))
    with pytest.raises(SignatureInvalid, match="not valid until"):
        pki.check_issued_by(short.cert, ca.cert, now=NOW - timedelta(days=1))


def test_self_signed_setting_certificate_and_fingerprint(ca: pki.CertificateAuthority) -> None:
    identity = pki.create_self_signed_setting(SETTING, "EY999003", now=NOW)
    cert = identity.cert
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    assert identity.chain == ()
    fp = pki.fingerprint_sha256(cert)
    assert len(fp.split(":")) == 32
    assert fp == fp.upper()
    assert bytes.fromhex(fp.replace(":", "")) == cert.fingerprint(hashes.SHA256())
    with pytest.raises(SignatureInvalid, match="not issued by"):
        pki.check_issued_by(cert, ca.cert, now=NOW)
    pem = pki.identity_key_pem(identity, P12_PASS)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_init_refuses_an_existing_root_and_empty_inputs(
    ca: pki.CertificateAuthority, tmp_path: Path
) -> None:
    with pytest.raises(VaultError):
        pki.init_ca(ca.folder, "Again (fictional)", LA_PASS, now=NOW, kdf=CHEAP_ROOT_KDF)
    with pytest.raises(ValidationFailed):
        pki.init_ca(tmp_path / "x", "  ", LA_PASS, now=NOW, kdf=CHEAP_ROOT_KDF)
    with pytest.raises(AuthenticationFailed):
        pki.init_ca(tmp_path / "y", "Somewhere (fictional)", "", now=NOW, kdf=CHEAP_ROOT_KDF)
    with pytest.raises(ValueError, match="timezone"):
        pki.init_ca(
            tmp_path / "z",
            "Somewhere (fictional)",
            LA_PASS,
            now=datetime(2026, 1, 1),
            kdf=CHEAP_ROOT_KDF,
        )


@pytest.mark.parametrize(
    ("text", "value"),
    [("1A2B", 0x1A2B), ("1a:2b", 0x1A2B), ("0x1A2B", 0x1A2B), (" 1A 2B ", 0x1A2B)],
)
def test_parse_serial(text: str, value: int) -> None:
    assert pki.parse_serial(text) == value
    assert pki.parse_serial(pki.format_serial(value)) == value


@pytest.mark.parametrize("text", ["", "xyz", "12-34", "0x"])
def test_parse_serial_refuses_garbage(text: str) -> None:
    with pytest.raises(ValidationFailed):
        pki.parse_serial(text)
