"""Verification policy beyond tampering: certificate dates, result fields and checker failures."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from export import sign as sign_module
from export.attach import attach_json
from export.sign import sign_pdf
from export.verify import NOT_VOUCHED, Verdict, VerifyResult, verify_pdf
from models.errors import SigningFailed
from tests.fixtures_pki import SIGNING_TIME, FixturePki, Identity, build_pki, issue_setting

RECORD = json.dumps({"record": {"id": "rec-7"}, "export_version": 5}).encode()


def make_pdf() -> bytes:
    buf = BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(72, 720, "Fictional record")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def pki() -> FixturePki:
    return build_pki()


def sign_unchecked(identity: Identity, when: datetime) -> bytes:
    """Sign bypassing sign_pdf's own date check, as a careless or hostile tool would."""
    writer = IncrementalPdfFileWriter(BytesIO(attach_json(make_pdf(), RECORD)))
    return asyncio.run(
        sign_module._sign(
            writer,
            identity.key,
            identity.cert,
            list(identity.chain),
            signer_name="Jo Fictional",
            organisation="Fictional Nursery",
            signing_time=when,
            reason="r",
            location="",
            field_name="Sig",
        )
    )


def test_signing_with_expired_certificate_is_refused(pki: FixturePki) -> None:
    old = issue_setting(
        pki.root,
        "Old Nursery",
        not_before=datetime(2024, 1, 1, tzinfo=UTC),
        not_after=datetime(2025, 1, 1, tzinfo=UTC),
    )
    with pytest.raises(SigningFailed, match="expired"):
        sign_pdf(
            make_pdf(),
            old.key,
            old.cert,
            old.chain,
            signer_name="x",
            organisation="y",
            signing_time=SIGNING_TIME,
        )


def test_certificate_expired_at_signing_time_is_invalid(pki: FixturePki) -> None:
    old = issue_setting(
        pki.root,
        "Old Nursery",
        not_before=datetime(2024, 1, 1, tzinfo=UTC),
        not_after=datetime(2025, 1, 1, tzinfo=UTC),
    )
    result = verify_pdf(sign_unchecked(old, SIGNING_TIME), trust_roots=[pki.root.cert])
    assert not result.valid
    assert "expired" in result.reason


def test_certificate_not_yet_valid_at_signing_time_is_invalid(pki: FixturePki) -> None:
    future = issue_setting(
        pki.root,
        "Future Nursery",
        not_before=datetime(2027, 1, 1, tzinfo=UTC),
        not_after=datetime(2029, 1, 1, tzinfo=UTC),
    )
    result = verify_pdf(sign_unchecked(future, SIGNING_TIME), trust_roots=[pki.root.cert])
    assert not result.valid
    assert "not yet valid" in result.reason


def test_expired_self_signed_is_invalid_even_when_self_signed_accepted(pki: FixturePki) -> None:
    late = datetime(2030, 1, 1, tzinfo=UTC)  # after the fixture certificates' expiry
    data = sign_unchecked(pki.self_signed, late)
    result = verify_pdf(data, trust_roots=[pki.root.cert], accept_self_signed=True)
    assert not result.valid
    assert "expired" in result.reason


def test_certificate_since_expired_still_verifies(pki: FixturePki) -> None:
    short = issue_setting(
        pki.root,
        "Short Nursery",
        not_before=datetime(2026, 5, 1, tzinfo=UTC),
        not_after=datetime(2026, 7, 1, tzinfo=UTC),
    )
    data = sign_pdf(
        attach_json(make_pdf(), RECORD),
        short.key,
        short.cert,
        short.chain,
        signer_name="x",
        organisation="y",
        signing_time=SIGNING_TIME,
    )
    result = verify_pdf(data, trust_roots=[pki.root.cert], now=datetime(2027, 1, 1, tzinfo=UTC))
    assert result.valid, result.reason


def test_result_fields_and_json(pki: FixturePki) -> None:
    data = sign_pdf(
        attach_json(make_pdf(), RECORD),
        pki.self_signed.key,
        pki.self_signed.cert,
        signer_name="x",
        organisation="y",
        signing_time=SIGNING_TIME,
    )
    result = verify_pdf(data, trust_roots=[pki.root.cert], file_name="a.pdf")
    summary = result.to_json()
    assert summary == {
        "file": "a.pdf",
        "valid": False,
        "reason": NOT_VOUCHED,
        "signer": "Hedgehogs Playgroup",
        "organisation": "Hedgehogs Playgroup",
        "fingerprint_sha256": result.fingerprint_sha256,
        "signed_at": "2026-06-01T09:30:00+00:00",
        "vouched": False,
        "fully_checked": False,
        "revocation": None,
        "record_id": "rec-7",
        "record_version": 5,
    }


def test_result_without_record_has_null_ids() -> None:
    result = VerifyResult(file="x.pdf", verdict=Verdict.INVALID, reason="The file is not signed.")
    assert result.to_json()["record_id"] is None
    assert result.to_json()["record_version"] is None
    odd = VerifyResult(file="", verdict=Verdict.INVALID, reason="r", record_json=b"[1, 2]")
    assert odd.record_id is None


def test_json_check_bug_is_reported_not_raised(pki: FixturePki) -> None:
    data = sign_pdf(
        attach_json(make_pdf(), RECORD),
        pki.setting.key,
        pki.setting.cert,
        pki.setting.chain,
        signer_name="x",
        organisation="y",
        signing_time=SIGNING_TIME,
    )

    def broken(_: bytes) -> None:
        raise KeyError("values")

    result = verify_pdf(data, trust_roots=[pki.root.cert], json_check=broken)
    assert not result.valid
    assert "could not be checked" in result.reason
