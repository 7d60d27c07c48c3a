"""Signed charter files: readable, and refused when tampered with, foreign, revoked or expired."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from export import pki
from models.errors import CharterInvalid
from models.vault import KdfParams

CHEAP_ROOT_KDF = KdfParams(memory_kib=64, iterations=1, lanes=1)  # the real cost is tested once

NOW = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
TODAY = date(2026, 10, 1)
LA_PASS = "test-la-passphrase-fictional"
EXAMPLES = Path(__file__).resolve().parents[2] / "charters"
CHARTER_TOML = (EXAMPLES / "riverbend" / "charter.toml").read_bytes()


@pytest.fixture
def ca(tmp_path: Path) -> pki.CertificateAuthority:
    return pki.init_ca(
        tmp_path / "ca",
        "Riverbend Borough Council (fictional)",
        LA_PASS,
        now=NOW,
        kdf=CHEAP_ROOT_KDF,
    )


@pytest.fixture
def signed(ca: pki.CertificateAuthority) -> bytes:
    return ca.sign_charter(CHARTER_TOML)


def test_signed_charter_stays_readable_toml_and_verifies(
    ca: pki.CertificateAuthority, signed: bytes
) -> None:
    assert signed.startswith(CHARTER_TOML)
    assert tomllib.loads(signed.decode("utf-8")) == tomllib.loads(CHARTER_TOML.decode("utf-8"))
    result = pki.verify_charter(signed, ca.cert, today=TODAY)
    assert result.toml_bytes == CHARTER_TOML
    assert result.signer == ca.cert
    assert result.charter.identity.issuing_la == "Riverbend Borough Council (fictional)"


def _flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x01
    return bytes(out)


@pytest.mark.parametrize("where", ["first", "middle", "years", "last"])
def test_one_changed_byte_in_the_charter_is_refused(
    ca: pki.CertificateAuthority, signed: bytes, where: str
) -> None:
    positions = {
        "first": 0,
        "middle": len(CHARTER_TOML) // 2,
        "years": CHARTER_TOML.index(b"years_after_leaving = 1") + len(b"years_after_leaving = "),
        "last": len(CHARTER_TOML) - 2,
    }
    tampered = _flip(signed, positions[where])
    with pytest.raises(CharterInvalid, match="changed since it was signed"):
        pki.verify_charter(tampered, ca.cert, today=TODAY)


def test_every_single_byte_change_in_the_charter_text_is_refused(
    ca: pki.CertificateAuthority, signed: bytes
) -> None:
    for at in range(0, len(CHARTER_TOML), 97):
        with pytest.raises(CharterInvalid):
            pki.verify_charter(_flip(signed, at), ca.cert, today=TODAY)


def test_a_changed_signature_block_is_refused(ca: pki.CertificateAuthority, signed: bytes) -> None:
    text = signed.decode("ascii" if signed.isascii() else "utf-8")
    sig_line = next(line for line in text.splitlines() if line.startswith("# signature: "))
    at = signed.index(sig_line.encode()) + len("# signature: ") + 10
    with pytest.raises(CharterInvalid):
        pki.verify_charter(_flip(signed, at), ca.cert, today=TODAY)
    with pytest.raises(CharterInvalid, match="text after its signature block"):
        pki.verify_charter(signed + b'extra = "smuggled"\n', ca.cert, today=TODAY)
    with pytest.raises(CharterInvalid, match="not signed"):
        pki.verify_charter(CHARTER_TOML, ca.cert, today=TODAY)
    truncated = signed[: signed.index(pki.SIGNATURE_END.encode())]
    with pytest.raises(CharterInvalid, match="damaged"):
        pki.verify_charter(truncated, ca.cert, today=TODAY)


def test_a_charter_signed_by_another_key_is_refused(
    ca: pki.CertificateAuthority, tmp_path: Path
) -> None:
    impostor = pki.init_ca(
        tmp_path / "impostor",
        "Riverbend Borough Council (fictional)",
        LA_PASS,
        now=NOW,
        kdf=CHEAP_ROOT_KDF,
    )
    forged = impostor.sign_charter(CHARTER_TOML)
    with pytest.raises(CharterInvalid, match="does not vouch for"):
        pki.verify_charter(forged, ca.cert, today=TODAY)
    # The forger embeds the real root's certificate: the signature no longer matches it.
    real_pem = "".join(
        f"# {line}\n"
        for line in ca.cert.public_bytes(serialization.Encoding.PEM).decode().strip().splitlines()
    )
    fake_pem = "".join(
        f"# {line}\n"
        for line in impostor.cert.public_bytes(serialization.Encoding.PEM)
        .decode()
        .strip()
        .splitlines()
    )
    swapped = forged.replace(fake_pem.encode(), real_pem.encode())
    assert swapped != forged
    with pytest.raises(CharterInvalid, match="different key"):
        pki.verify_charter(swapped, ca.cert, today=TODAY)


def test_an_expired_charter_is_refused(ca: pki.CertificateAuthority, signed: bytes) -> None:
    expires = pki.verify_charter(signed, ca.cert, today=TODAY).charter.identity.expires
    pki.verify_charter(signed, ca.cert, today=expires)
    with pytest.raises(CharterInvalid, match=f"expired on {expires.isoformat()}"):
        pki.verify_charter(signed, ca.cert, today=expires + timedelta(days=1))


def test_a_charter_signed_with_an_expired_root_is_refused(tmp_path: Path) -> None:
    short = pki.init_ca(
        tmp_path / "short",
        "Riverbend (fictional)",
        LA_PASS,
        now=NOW,
        valid_days=5,
        kdf=CHEAP_ROOT_KDF,
    )
    signed = short.sign_charter(CHARTER_TOML)
    with pytest.raises(CharterInvalid, match="certificate expired"):
        pki.verify_charter(signed, short.cert, today=(NOW + timedelta(days=6)).date())


def test_a_charter_signed_by_an_la_issued_setting_certificate_is_refused(
    ca: pki.CertificateAuthority,
) -> None:
    # A setting holds a certificate the LA vouches for; it must still not be able to issue rules.
    setting = ca.issue_setting("Little Acorns Nursery (fictional)", "EY999001", now=NOW)
    forged = pki.sign_charter(CHARTER_TOML, setting)
    with pytest.raises(CharterInvalid, match="only the local authority's root signs charters"):
        pki.verify_charter(forged, ca.cert, today=TODAY)


def test_signing_refuses_an_invalid_or_already_signed_charter(
    ca: pki.CertificateAuthority, signed: bytes
) -> None:
    with pytest.raises(CharterInvalid, match="already signed"):
        ca.sign_charter(signed)
    with pytest.raises(CharterInvalid, match="unknown key"):
        ca.sign_charter(CHARTER_TOML + b"\n[surprise]\nx = 1\n")


@pytest.mark.parametrize("name", ["northshire", "riverbend"])
def test_shipped_examples_verify_against_their_own_root_only(name: str) -> None:
    folder = EXAMPLES / name
    signed = (folder / "charter.signed.toml").read_bytes()
    root = pki.load_root_cert(folder / "la-ca")
    crl = pki.load_crl((folder / "crl.pem").read_bytes())
    pki.check_crl(crl, root, now=NOW)
    result = pki.verify_charter(signed, root, today=TODAY)
    assert result.toml_bytes == (folder / "charter.toml").read_bytes()
    other = "riverbend" if name == "northshire" else "northshire"
    with pytest.raises(CharterInvalid):
        pki.verify_charter(signed, pki.load_root_cert(EXAMPLES / other / "la-ca"), today=TODAY)
    identity = pki.load_setting_p12(
        (folder / "little-acorns-nursery.p12").read_bytes(), "demo-setting-passphrase"
    )
    pki.check_issued_by(identity.cert, root, now=NOW, crl=crl)
    assert pki.load_ca(folder / "la-ca", "demo-la-passphrase").cert == root
