"""Try the bad things for real against export.verify.verify_pdf: flipped bytes, appended updates,
truncation, trailing junk, re-signing, revocation, self-signed signers and wrong passwords."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import warnings
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from export.attach import attach_json
from export.encrypt import PasswordEncryption, RecipientEncryption
from export.sign import sign_pdf
from export.verify import NOT_VOUCHED, VerifyResult, verify_pdf
from models.errors import InterchangeError
from tests.fixtures_pki import SIGNING_TIME, VERIFY_TIME, FixturePki, Identity, build_pki

RECORD = json.dumps(
    {"record": {"id": "rec-0042", "export_version": 3}, "values": {"child.name": "Fictional"}}
).encode()


def make_pdf() -> bytes:
    buf = BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(72, 720, "Fictional transition record for a made-up child")
    pdf.showPage()
    pdf.drawString(72, 720, "Page two")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def sign_with(identity: Identity, data: bytes | None = None, **kwargs: object) -> bytes:
    return sign_pdf(
        data if data is not None else attach_json(make_pdf(), RECORD),
        identity.key,
        identity.cert,
        identity.chain,
        signer_name="Jo Fictional",
        organisation="Little Acorns Nursery",
        signing_time=SIGNING_TIME,
        reason="Transition record approved",
        location="Ambridge",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def pki() -> FixturePki:
    return build_pki()


@pytest.fixture(scope="module")
def good(pki: FixturePki) -> bytes:
    return sign_with(pki.setting)


def check(pki: FixturePki, data: bytes, **kwargs: object) -> VerifyResult:
    kwargs.setdefault("trust_roots", [pki.root.cert])
    kwargs.setdefault("now", VERIFY_TIME)
    return verify_pdf(data, file_name="record.pdf", **kwargs)  # type: ignore[arg-type]


def signed_ranges(data: bytes) -> list[tuple[int, int]]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert match is not None
    a, b, c, d = (int(x) for x in match.groups())
    return [(a, a + b), (c, c + d)]


# --------------------------------------------------------------------------- the good file


def test_good_file_verifies(pki: FixturePki, good: bytes) -> None:
    result = check(pki, good)
    assert result.valid, result.reason
    assert result.vouched
    assert result.signer == "Little Acorns Nursery (URN EY000001)"
    assert result.organisation == "Little Acorns Nursery"
    assert result.signed_at == "2026-06-01T09:30:00+00:00"
    assert result.record_json == RECORD
    assert result.fingerprint_sha256 is not None
    assert len(result.fingerprint_sha256.split(":")) == 32
    summary = result.to_json()
    assert summary["record_id"] == "rec-0042"
    assert summary["record_version"] == 3
    assert summary["valid"] is True
    assert summary["file"] == "record.pdf"
    json.dumps(summary)


def test_pikepdf_opens_good_file_without_warnings(good: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pikepdf.open(BytesIO(good)) as doc:
            assert len(doc.pages) == 2
            assert doc.check_pdf_syntax() == []
            for page in doc.pages:
                assert pikepdf.parse_content_stream(page)  # every page's content parses
            assert doc.get_warnings() == []


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils pdfsig not installed")
def test_pdfsig_agrees(good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "good.pdf"
    path.write_bytes(good)
    out = subprocess.run(
        ["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=30, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "Signature is Valid" in out.stdout
    assert "Total document signed" in out.stdout
    assert "ETSI.CAdES.detached" in out.stdout


def test_json_check_can_reject(pki: FixturePki, good: bytes) -> None:
    def refuse(_: bytes) -> None:
        raise InterchangeError("The record does not match the schema.")

    result = check(pki, good, json_check=refuse)
    assert not result.valid
    assert result.reason == "The record does not match the schema."


def test_record_json_must_parse(pki: FixturePki) -> None:
    data = sign_with(pki.setting, attach_json(make_pdf(), b"{not json"))
    result = check(pki, data)
    assert not result.valid
    assert "not valid JSON" in result.reason


def test_missing_record_json_is_invalid(pki: FixturePki) -> None:
    result = check(pki, sign_with(pki.setting, make_pdf()))
    assert not result.valid
    assert "does not contain the record" in result.reason


def test_unsigned_file_is_invalid(pki: FixturePki) -> None:
    result = check(pki, attach_json(make_pdf(), RECORD))
    assert not result.valid
    assert result.reason == "The file is not signed."


# --------------------------------------------------------------------------- tampering


def test_flipped_bytes_inside_signed_ranges_are_caught(pki: FixturePki, good: bytes) -> None:
    rng = random.Random(20260601)
    positions = [p for start, end in signed_ranges(good) for p in range(start, end)]
    chosen = rng.sample(positions, 200)
    # Always include the /M signing time and the /ByteRange itself.
    chosen += [good.index(b"/M ") + 5, good.index(b"/ByteRange") + 12]
    failures = []
    for pos in chosen:
        tampered = bytearray(good)
        tampered[pos] ^= 1 << rng.randrange(8)
        result = check(pki, bytes(tampered))
        if result.valid or not result.reason:
            failures.append(pos)
    assert failures == []


def test_flipped_bytes_in_the_cms_are_caught(pki: FixturePki, good: bytes) -> None:
    # /Contents sits between the two signed ranges; its signed parts are the signer's
    # certificate, the signed attributes and the signature value (the other certificates in the
    # bag are unsigned by design and the trust roots come from the caller).
    (_, gap_start), _ = signed_ranges(good)
    hex_start = gap_start + 1
    der = bytes.fromhex(good[hex_start : good.index(b">", hex_start)].decode())
    # The zero padding after the DER is ignored (strict=False); rstrip could eat a real last 0x00.
    content = cms.ContentInfo.load(der)
    signer_info = content["content"]["signer_infos"][0]
    parts = [
        signer_info["signature"].contents,
        signer_info["signed_attrs"].dump()[2:],
        pki.setting.cert.public_bytes(serialization.Encoding.DER)[4:],
    ]
    for part in parts:
        offset = der.index(part)
        for delta in (0, len(part) // 2, len(part) - 1):
            pos = hex_start + 2 * (offset + delta)
            tampered = bytearray(good)
            tampered[pos] = ord("0") if tampered[pos] != ord("0") else ord("1")
            result = check(pki, bytes(tampered))
            assert not result.valid, (offset, delta)
            assert result.reason


def test_incremental_update_is_invalid(pki: FixturePki, good: bytes) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(good))
    writer.set_info(
        generic.DictionaryObject({generic.NameObject("/Title"): generic.pdf_string("x")})
    )
    out = BytesIO()
    writer.write(out)
    result = check(pki, out.getvalue())
    assert not result.valid
    assert "after it was signed" in result.reason


def test_pikepdf_rewrite_is_invalid(pki: FixturePki, good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "edited.pdf"
    path.write_bytes(good)
    with pikepdf.open(path, allow_overwriting_input=True) as doc:
        doc.docinfo["/Title"] = "Changed"
        doc.save(path, qdf=False)  # full rewrite keeps nothing of the original layout
    assert not check(pki, path.read_bytes()).valid


def test_record_swapped_by_incremental_update_is_invalid(pki: FixturePki, good: bytes) -> None:
    writer = IncrementalPdfFileWriter(BytesIO(good))
    root = writer.root
    ef = root["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()["/EF"]
    fake = generic.StreamObject(stream_data=b'{"record": {"id": "forged"}}')
    ef["/F"] = ef["/UF"] = writer.add_object(fake)
    writer.update_container(ef)
    out = BytesIO()
    writer.write(out)
    result = check(pki, out.getvalue())
    assert not result.valid


@pytest.mark.parametrize("cut", [1, 10, 100, 1000])
def test_truncated_file_is_invalid(pki: FixturePki, good: bytes, cut: int) -> None:
    result = check(pki, good[:-cut])
    assert not result.valid
    assert result.reason


@pytest.mark.parametrize("junk", [b"\n", b"%%EOF\n", b"\x00" * 32, b"\n1 0 obj\n<<>>\nendobj\n"])
def test_junk_after_eof_is_invalid(pki: FixturePki, good: bytes, junk: bytes) -> None:
    result = check(pki, good + junk)
    assert not result.valid
    assert result.reason


def test_resigned_with_unknown_key_is_invalid(pki: FixturePki, good: bytes) -> None:
    # An attacker strips nothing, just counter-signs with their own key.
    resigned = sign_with(pki.stranger, good, field_name="Countersignature")
    result = check(pki, resigned)
    assert not result.valid
    assert result.reason == NOT_VOUCHED
    # A forged record signed only by the stranger is not vouched for either.
    forged = sign_with(pki.stranger)
    result = check(pki, forged)
    assert not result.valid
    assert result.reason == NOT_VOUCHED


def test_garbage_never_raises(pki: FixturePki) -> None:
    for data in (b"", b"%PDF-1.7\n", b"\x00" * 1000, b"%PDF-1.7\n%%EOF\n"):
        result = check(pki, data)
        assert not result.valid
        assert result.reason
        # one plain sentence: no Python error's name or text ("ValueError: not enough values")
        assert not re.search(r"[A-Z]\w*(Error|Exception)\b", result.reason), result.reason


def test_a_parser_failure_that_is_not_about_the_file_is_not_quoted(
    pki: FixturePki, good: bytes
) -> None:
    data = bytearray(good)
    start = data.index(b"/ByteRange")
    data[start + 12 : start + 13] = b"x"  # the signature's byte range no longer parses
    result = check(pki, bytes(data))
    assert not result.valid
    assert not re.search(r"[A-Z]\w*(Error|Exception)\b|unpack", result.reason), result.reason


# --------------------------------------------------------------------------- trust


def test_revoked_signer_is_invalid(pki: FixturePki, good: bytes) -> None:
    crl = pki.crl((pki.setting.cert,))
    result = check(pki, good, crls=[crl])
    assert not result.valid
    assert "revoked" in result.reason


def test_revoked_after_signing_is_still_invalid(pki: FixturePki, good: bytes) -> None:
    # B-B signatures carry no trusted timestamp, so a backdated /M cannot be ruled out.
    from datetime import timedelta

    crl = pki.crl((pki.setting.cert,), revoked_on=SIGNING_TIME + timedelta(days=10))
    result = check(pki, good, crls=[crl])
    assert not result.valid
    assert "revoked" in result.reason


def test_crl_for_another_setting_does_not_matter(pki: FixturePki, good: bytes) -> None:
    crl = pki.crl((pki.other_setting.cert,))
    result = check(pki, good, crls=[crl])
    assert result.valid, result.reason


def test_forged_crl_is_ignored(pki: FixturePki, good: bytes) -> None:
    # A CRL not signed by the LA root cannot revoke anything (nor can it make a file valid).
    forged_issuer = Identity(pki.stranger.key, pki.root.cert)
    crl = pki.crl((pki.setting.cert,), issuer=forged_issuer)
    result = check(pki, good, crls=[crl])
    assert result.valid, result.reason


def test_self_signed_is_not_vouched(pki: FixturePki) -> None:
    data = sign_with(pki.self_signed)
    result = check(pki, data)
    assert not result.valid
    assert result.reason == NOT_VOUCHED
    assert result.fingerprint_sha256 is not None
    assert result.record_json == RECORD
    accepted = check(pki, data, accept_self_signed=True)
    assert accepted.valid, accepted.reason
    assert not accepted.vouched
    assert accepted.fingerprint_sha256 == result.fingerprint_sha256


def test_accept_self_signed_does_not_excuse_tampering(pki: FixturePki) -> None:
    data = sign_with(pki.self_signed)
    assert not check(pki, data + b"\n", accept_self_signed=True).valid
    start, end = signed_ranges(data)[0]
    tampered = bytearray(data)
    tampered[(start + end) // 2] ^= 0x04
    assert not check(pki, bytes(tampered), accept_self_signed=True).valid


def test_no_trust_roots_means_not_vouched(pki: FixturePki, good: bytes) -> None:
    result = check(pki, good, trust_roots=[])
    assert not result.valid
    assert result.reason == NOT_VOUCHED


def test_signing_time_in_the_future_is_invalid(pki: FixturePki, good: bytes) -> None:
    result = check(pki, good, now=SIGNING_TIME.replace(year=2025))
    assert not result.valid
    assert "future" in result.reason


# --------------------------------------------------------------------------- encryption


def test_password_round_trip_and_wrong_password(pki: FixturePki) -> None:
    data = sign_with(pki.setting, encryption=PasswordEncryption("correct horse"))
    ok = check(pki, data, password="correct horse")
    assert ok.valid, ok.reason
    assert ok.record_json == RECORD
    wrong = check(pki, data, password="wrong")
    assert not wrong.valid
    assert "password is wrong" in wrong.reason
    missing = check(pki, data)
    assert not missing.valid
    assert "password" in missing.reason


def test_encrypted_file_tampering_is_caught(pki: FixturePki) -> None:
    data = sign_with(pki.setting, encryption=PasswordEncryption("pw"))
    rng = random.Random(7)
    positions = [p for start, end in signed_ranges(data) for p in range(start, end)]
    for pos in rng.sample(positions, 40):
        tampered = bytearray(data)
        tampered[pos] ^= 0x10
        assert not check(pki, bytes(tampered), password="pw").valid, pos
    assert not check(pki, data + b"%%EOF\n", password="pw").valid


def test_recipient_round_trip(pki: FixturePki) -> None:
    data = sign_with(pki.setting, encryption=RecipientEncryption((pki.school.cert,)))
    ok = check(pki, data, recipient=pki.school)
    assert ok.valid, ok.reason
    assert ok.record_json == RECORD
    wrong = check(pki, data, recipient=pki.other_setting)
    assert not wrong.valid
    assert "not encrypted for this key" in wrong.reason
    assert not check(pki, data).valid
