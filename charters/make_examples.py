"""Regenerate the example charters' demo PKI and signed charter files.

    .venv/bin/python charters/make_examples.py

For each fictional local authority folder (northshire/, riverbend/) this

1. creates a fresh demo LA CA folder ``la-ca/`` (root key encrypted with DEMO_LA_PASSPHRASE),
2. issues ``little-acorns-nursery.p12`` to "Little Acorns Nursery (fictional)"
   (passphrase DEMO_SETTING_PASSPHRASE),
3. for each school in the charter whose ``encryption_cert`` is present, makes an RSA key and an
   LA-issued encryption certificate, writes the certificate into ``charter.toml`` and the key to
   ``schools/URN.p12`` (passphrase DEMO_SCHOOL_PASSPHRASE),
4. in Northshire, issues and revokes a second setting certificate so the CRL is not empty,
5. writes ``crl.pem`` and signs ``charter.toml`` into ``charter.signed.toml``.

THE PASSPHRASES BELOW ARE FOR DEMONSTRATION ONLY. Everything here is fictional; never use these
keys or passphrases for real children's records.
"""

from __future__ import annotations

import re
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from export import pki

DEMO_LA_PASSPHRASE = "demo-la-passphrase"
DEMO_SETTING_PASSPHRASE = "demo-setting-passphrase"
DEMO_SCHOOL_PASSPHRASE = "demo-school-passphrase"

DEMO_SETTING = "Little Acorns Nursery (fictional)"
DEMO_SETTING_URN = "EY999001"
SETTING_P12 = "little-acorns-nursery.p12"

# A fixed issue time before the charters come into force (1 September 2026), so every certificate
# covers the whole charter year whenever the examples are regenerated.
EXAMPLE_NOW = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
CRL_DAYS = 400

HERE = Path(__file__).resolve().parent
AUTHORITIES: tuple[tuple[str, str], ...] = (
    ("northshire", "Northshire County Council (fictional)"),
    ("riverbend", "Riverbend Borough Council (fictional)"),
)

_CERT_SLOT = re.compile(
    r'(\[\[schools\]\]\s*\n(?:(?!\[).*\n)*?urn = "(\d+)"\s*\n(?:(?!\[).*\n)*?encryption_cert = """)'
    r'.*?(""")',
    re.DOTALL,
)


def make(folder: Path, la_name: str, now: datetime) -> None:
    ca_dir = folder / "la-ca"
    if ca_dir.exists():
        shutil.rmtree(ca_dir)
    schools_dir = folder / "schools"
    if schools_dir.exists():
        shutil.rmtree(schools_dir)
    ca = pki.init_ca(ca_dir, la_name, DEMO_LA_PASSPHRASE, now=now)

    setting = ca.issue_setting(DEMO_SETTING, DEMO_SETTING_URN, now=now)
    pki.write_private_file(
        folder / SETTING_P12, pki.identity_to_p12(setting, DEMO_SETTING_PASSPHRASE, DEMO_SETTING)
    )

    if folder.name == "northshire":
        old = ca.issue_setting("Old Oak Pre-school (fictional)", "EY999002", now=now)
        ca.revoke(old.cert.serial_number, now=now)

    source = (folder / "charter.toml").read_text(encoding="utf-8")

    def fill(match: re.Match[str]) -> str:
        urn = match.group(2)
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        name = _school_name(source, urn)
        cert = ca.issue_encryption_certificate(name, urn, key.public_key(), now=now)
        schools_dir.mkdir(exist_ok=True)
        pki.write_private_file(
            schools_dir / f"{urn}.p12",
            pki.key_to_p12(key, cert, (ca.cert,), DEMO_SCHOOL_PASSPHRASE, name),
        )
        pem = cert.public_bytes(Encoding.PEM).decode("ascii")
        return f"{match.group(1)}\n{pem}{match.group(3)}"

    source = _CERT_SLOT.sub(fill, source)
    (folder / "charter.toml").write_text(source, encoding="utf-8")
    pki.write_public_file(
        folder / "crl.pem", pki.crl_to_pem(ca.make_crl(now=now, valid_days=CRL_DAYS))
    )
    pki.write_public_file(folder / "charter.signed.toml", ca.sign_charter(source.encode("utf-8")))
    print(f"{folder.name}: root {pki.fingerprint_sha256(ca.cert)}")


def _school_name(source: str, urn: str) -> str:
    for block in source.split("[[schools]]")[1:]:
        if f'urn = "{urn}"' in block:
            found = re.search(r'name = "([^"]+)"', block)
            if found:
                return found.group(1)
    return f"School {urn}"


def main() -> int:
    now = EXAMPLE_NOW
    for key, name in AUTHORITIES:
        make(HERE / key, name, now)
    return 0


if __name__ == "__main__":
    sys.exit(main())
