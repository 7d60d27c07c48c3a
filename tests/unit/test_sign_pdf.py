"""Signing, attaching and encrypting record PDFs (export.sign, export.attach, export.encrypt)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from reportlab.pdfgen import canvas

from export.attach import attach_json, extract_json
from export.encrypt import PasswordEncryption, RecipientEncryption, decrypt_for_verify
from export.sign import SIGNATURE_FIELD, load_signer, sign_pdf
from export.verify import verify_pdf
from models.errors import (
    AttachmentMissing,
    AuthenticationFailed,
    InterchangeError,
    SignatureInvalid,
    SigningFailed,
)
from tests.fixtures_pki import (
    P12_PASSPHRASE,
    SIGNING_TIME,
    VERIFY_TIME,
    FixturePki,
    build_pki,
    to_p12,
)

RECORD = json.dumps({"record": {"id": "rec-0001", "export_version": 2}, "values": {}}).encode()


def make_pdf(pages: int = 2) -> bytes:
    buf = BytesIO()
    pdf = canvas.Canvas(buf)
    for page in range(pages):
        pdf.drawString(72, 720, f"Fictional transition record, page {page + 1}")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def pki() -> FixturePki:
    return build_pki()


def _sign(pki: FixturePki, data: bytes, **kwargs: object) -> bytes:
    return sign_pdf(
        data,
        pki.setting.key,
        pki.setting.cert,
        pki.setting.chain,
        signer_name="Jo Fictional",
        organisation="Little Acorns Nursery",
        signing_time=SIGNING_TIME,
        reason="Transition record approved",
        location="Ambridge",
        **kwargs,  # type: ignore[arg-type]
    )


def test_attach_and_extract_round_trip() -> None:
    pdf = attach_json(make_pdf(), RECORD)
    assert extract_json(pdf) == RECORD
    with pikepdf.open(BytesIO(pdf)) as doc:
        assert "transition-record.json" in doc.attachments
        af = doc.Root.AF
        assert len(af) == 1
        assert af[0].AFRelationship == pikepdf.Name.Data


def test_attach_replaces_an_earlier_record() -> None:
    first = attach_json(make_pdf(), b'{"v": 1}')
    second = attach_json(first, b'{"v": 2}')
    assert extract_json(second) == b'{"v": 2}'
    with pikepdf.open(BytesIO(second)) as doc:
        assert len(doc.Root.AF) == 1


def test_extract_without_attachment_raises_domain_error() -> None:
    with pytest.raises(AttachmentMissing):
        extract_json(make_pdf())
    with pytest.raises(InterchangeError):
        extract_json(b"not a pdf at all")


def test_signed_pdf_has_pades_signature_with_signer_details(pki: FixturePki) -> None:
    signed = _sign(pki, attach_json(make_pdf(), RECORD))
    with pikepdf.open(BytesIO(signed)) as doc:
        field = next(f for f in doc.Root.AcroForm.Fields if f.T == SIGNATURE_FIELD)
        sig = field.V
        assert sig.SubFilter == pikepdf.Name("/ETSI.CAdES.detached")
        assert str(sig.Name) == "Jo Fictional"
        assert str(sig.Reason) == "Transition record approved"
        assert str(sig.ContactInfo) == "Little Acorns Nursery"
        assert str(sig.Location) == "Ambridge"
        assert str(sig.M).startswith("D:20260601093000")
    assert extract_json(signed) == RECORD


def test_a_pdf_without_a_prepared_field_gets_an_invisible_signature(pki: FixturePki) -> None:
    signed = _sign(pki, attach_json(make_pdf(), RECORD))
    with pikepdf.open(BytesIO(signed)) as doc:
        field = next(f for f in doc.Root.AcroForm.Fields if f.T == SIGNATURE_FIELD)
        assert [float(v) for v in field.Rect] == [0, 0, 0, 0]
    result = verify_pdf(signed, trust_roots=[pki.root.cert], now=VERIFY_TIME)
    assert result.valid, result.reason


def test_load_signer_from_pkcs12(pki: FixturePki) -> None:
    creds = load_signer(to_p12(pki.setting), P12_PASSPHRASE.decode())
    assert creds.cert == pki.setting.cert
    assert creds.chain == (pki.root.cert,)
    signed = sign_pdf(
        attach_json(make_pdf(), RECORD),
        creds.key,
        creds.cert,
        creds.chain,
        signer_name="Jo Fictional",
        organisation="Little Acorns Nursery",
        signing_time=SIGNING_TIME,
        reason="Approved",
        location="Ambridge",
    )
    assert verify_pdf(signed, trust_roots=[pki.root.cert]).valid


def test_load_signer_wrong_passphrase(pki: FixturePki) -> None:
    with pytest.raises(AuthenticationFailed):
        load_signer(to_p12(pki.setting), "wrong passphrase")


def test_sign_refuses_naive_time_and_mismatched_key(pki: FixturePki) -> None:
    data = attach_json(make_pdf(), RECORD)
    with pytest.raises(SigningFailed):
        sign_pdf(
            data,
            pki.setting.key,
            pki.setting.cert,
            signer_name="x",
            organisation="y",
            signing_time=datetime(2026, 6, 1, 9, 30),  # naive on purpose
        )
    with pytest.raises(SigningFailed):
        sign_pdf(
            data,
            pki.other_setting.key,
            pki.setting.cert,
            signer_name="x",
            organisation="y",
            signing_time=SIGNING_TIME,
        )
    with pytest.raises(SigningFailed):
        _sign(pki, b"%PDF-1.7 this is not really a PDF")


def test_password_encryption_opens_in_pikepdf_only_with_password(pki: FixturePki) -> None:
    signed = _sign(pki, attach_json(make_pdf(), RECORD), encryption=PasswordEncryption("s3cret"))
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(BytesIO(signed))
    with pikepdf.open(BytesIO(signed), password="s3cret") as doc:
        assert doc.encryption.bits == 256
        assert len(doc.pages) == 2
    assert RECORD not in signed
    reader = decrypt_for_verify(signed, password="s3cret")
    assert len(reader.embedded_signatures) == 1
    with pytest.raises(SignatureInvalid):
        decrypt_for_verify(signed, password="wrong")


def test_recipient_encryption_needs_the_recipient_key(pki: FixturePki) -> None:
    signed = _sign(
        pki, attach_json(make_pdf(), RECORD), encryption=RecipientEncryption((pki.school.cert,))
    )
    assert RECORD not in signed
    reader = decrypt_for_verify(
        signed, recipient_key=pki.school.key, recipient_cert=pki.school.cert
    )
    assert len(reader.embedded_signatures) == 1
    with pytest.raises(SignatureInvalid):
        decrypt_for_verify(signed, recipient_key=pki.setting.key, recipient_cert=pki.setting.cert)


def test_recipient_certificate_must_allow_encryption(pki: FixturePki) -> None:
    # The setting's certificate is for signing only (no keyAgreement).
    with pytest.raises(SigningFailed):
        _sign(pki, make_pdf(), encryption=RecipientEncryption((pki.setting.cert,)))


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils pdfsig not installed")
def test_password_encrypted_signature_valid_in_pdfsig(pki: FixturePki, tmp_path: Path) -> None:
    signed = _sign(pki, attach_json(make_pdf(), RECORD), encryption=PasswordEncryption("s3cret"))
    path = tmp_path / "encrypted.pdf"
    path.write_bytes(signed)
    out = subprocess.run(
        ["pdfsig", "-nocert", "-upw", "s3cret", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr


def test_unicode_signer_name_is_kept_in_the_signature(pki: FixturePki) -> None:
    signed = sign_pdf(
        attach_json(make_pdf(), RECORD),
        pki.setting.key,
        pki.setting.cert,
        pki.setting.chain,
        signer_name="Łukasz 李雷",
        organisation="Little Acorns Nursery",
        signing_time=SIGNING_TIME,
    )
    with pikepdf.open(BytesIO(signed)) as doc:
        field = next(f for f in doc.Root.AcroForm.Fields if f.T == SIGNATURE_FIELD)
        assert str(field.V.Name) == "Łukasz 李雷"
    assert verify_pdf(signed, trust_roots=[pki.root.cert]).valid
