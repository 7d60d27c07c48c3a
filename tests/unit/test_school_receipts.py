"""export.receipts: signed receipt and outcome files; tampering and untrusted signers are refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from export.receipts import (
    OUTCOMES,
    RECEIPT,
    create_school_identity,
    sign_document,
    verify_document,
)
from models.errors import SignatureInvalid
from tests.fixtures_pki import SIGNING_TIME, VERIFY_TIME, FixturePki, build_pki

PAYLOAD = {
    "school": {"urn": "900001", "name": "Puddlebrook Primary School (fictional)"},
    "records": [{"id": "r1"}],
}


@pytest.fixture(scope="module")
def pki() -> FixturePki:
    return build_pki()


def test_la_issued_signer_is_vouched(pki: FixturePki) -> None:
    data = sign_document(RECEIPT, PAYLOAD, pki.setting, signed_at=SIGNING_TIME)
    doc = verify_document(
        data, kind=RECEIPT, trust_roots=[pki.root.cert], crls=[pki.crl()], now=VERIFY_TIME
    )
    assert doc.payload == PAYLOAD
    assert doc.vouched
    assert doc.organisation == "Little Acorns Nursery"
    assert doc.signed_at == SIGNING_TIME
    assert doc.fingerprint_sha256.count(":") == 31


def test_self_signed_school_is_accepted_but_not_vouched(pki: FixturePki) -> None:
    school = create_school_identity("Puddlebrook Primary (fictional)", "900001", now=SIGNING_TIME)
    data = sign_document(OUTCOMES, PAYLOAD, school, signed_at=SIGNING_TIME + timedelta(hours=1))
    doc = verify_document(data, kind=OUTCOMES, trust_roots=[pki.root.cert])
    assert not doc.vouched
    assert doc.signer == "Puddlebrook Primary (fictional) (URN 900001)"
    with pytest.raises(SignatureInvalid, match="not vouched"):
        verify_document(data, kind=OUTCOMES, trust_roots=[pki.root.cert], accept_unvouched=False)


def _tamper(data: bytes, key: str, value: object) -> bytes:
    doc = json.loads(data)
    doc[key] = value
    return json.dumps(doc).encode()


def test_tampering_is_refused(pki: FixturePki) -> None:
    data = sign_document(RECEIPT, PAYLOAD, pki.setting, signed_at=SIGNING_TIME)
    doc = json.loads(data)
    body = base64.b64decode(doc["payload"]).replace(b"r1", b"r2")
    changed = [
        _tamper(data, "payload", base64.b64encode(body).decode()),
        _tamper(data, "signed_at", (SIGNING_TIME + timedelta(days=1)).isoformat()),
        _tamper(
            data,
            "certificate",
            json.loads(sign_document(RECEIPT, PAYLOAD, pki.other_setting, signed_at=SIGNING_TIME))[
                "certificate"
            ],
        ),
    ]
    for bad in changed:
        with pytest.raises(SignatureInvalid, match="changed since it was signed"):
            verify_document(bad, kind=RECEIPT, trust_roots=[pki.root.cert])
    # one flipped byte in the raw signature
    sig = bytearray(base64.b64decode(doc["signature"]))
    sig[-1] ^= 0x01
    with pytest.raises(SignatureInvalid):
        verify_document(
            _tamper(data, "signature", base64.b64encode(bytes(sig)).decode()), kind=RECEIPT
        )
    with pytest.raises(SignatureInvalid, match="not a receipt"):
        verify_document(_tamper(data, "kind", OUTCOMES), kind=RECEIPT)
    with pytest.raises(SignatureInvalid, match="not an outcome file"):
        verify_document(data, kind=OUTCOMES)
    for junk in (b"%PDF-1.7", b"{}", data[:-40], b"\xff\xfe"):
        with pytest.raises(SignatureInvalid):
            verify_document(junk, kind=RECEIPT)
    with pytest.raises(SignatureInvalid, match="newer format"):
        verify_document(_tamper(data, "format_version", 9), kind=RECEIPT)


def test_revoked_forged_and_future_are_refused(pki: FixturePki) -> None:
    data = sign_document(RECEIPT, PAYLOAD, pki.setting, signed_at=SIGNING_TIME)
    with pytest.raises(SignatureInvalid, match="revoked"):
        verify_document(
            data, kind=RECEIPT, trust_roots=[pki.root.cert], crls=[pki.crl((pki.setting.cert,))]
        )
    # a CRL not signed by the root is ignored
    forged_crl = pki.crl((pki.setting.cert,), issuer=pki.other_setting)
    assert verify_document(
        data, kind=RECEIPT, trust_roots=[pki.root.cert], crls=[forged_crl]
    ).vouched
    # stranger: issued by a root we do not trust -> unvouched
    stranger = sign_document(RECEIPT, PAYLOAD, pki.stranger, signed_at=SIGNING_TIME)
    assert not verify_document(stranger, kind=RECEIPT, trust_roots=[pki.root.cert]).vouched
    future = sign_document(RECEIPT, PAYLOAD, pki.setting, signed_at=VERIFY_TIME + timedelta(days=2))
    with pytest.raises(SignatureInvalid, match="future"):
        verify_document(future, kind=RECEIPT, trust_roots=[pki.root.cert], now=VERIFY_TIME)
    late = sign_document(RECEIPT, PAYLOAD, pki.setting, signed_at=datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(SignatureInvalid, match="not valid when"):
        verify_document(late, kind=RECEIPT, trust_roots=[pki.root.cert])


def test_issuer_name_claim_without_root_signature_is_refused(pki: FixturePki) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from export.pki import SigningIdentity

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(pki.setting.cert.subject)
        .issuer_name(pki.root.cert.subject)  # claims the LA root
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.setting.cert.not_valid_before_utc)
        .not_valid_after(pki.setting.cert.not_valid_after_utc)
        .sign(key, hashes.SHA256())
    )
    data = sign_document(RECEIPT, PAYLOAD, SigningIdentity(key, cert), signed_at=SIGNING_TIME)
    with pytest.raises(SignatureInvalid, match="not issued by it"):
        verify_document(data, kind=RECEIPT, trust_roots=[pki.root.cert])
