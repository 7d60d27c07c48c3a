"""A revoked certificate must never pass silently as "valid" because the revocation list was
missing or out of date: ``verify`` and the school's import say which list was missing or stale,
and ``verify`` exits 0 only for files checked against a current list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

import transitions_app.cli as cli
from export.verify import verify_pdf
from tests.fixtures_pki import VERIFY_TIME, FixturePki, build_pki
from tests.unit.test_school_service import World, school_records, signed_pdf, world, write  # noqa: F401

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def pki() -> FixturePki:
    return build_pki()


@pytest.fixture(scope="module")
def pdf(pki: FixturePki) -> bytes:
    return signed_pdf(school_records(1)[0], pki.setting)


def test_no_crl_and_a_stale_crl_are_named_not_silently_valid(pki: FixturePki, pdf: bytes) -> None:
    roots = [pki.root.cert]
    missing = verify_pdf(pdf, trust_roots=roots, crls=[], now=NOW)
    assert missing.valid
    assert not missing.fully_checked
    assert "no revocation list (CRL)" in missing.revocation
    assert missing.revocation in missing.reason

    # Issued before the LA revoked the setting's certificate, next update long past.
    stale = pki.crl(issued=VERIFY_TIME - timedelta(days=1))
    old = verify_pdf(pdf, trust_roots=roots, crls=[stale], now=NOW)
    assert old.valid
    assert not old.fully_checked
    due = stale.next_update_utc.date().isoformat()  # type: ignore[union-attr]
    assert f"out of date (its next update was due on {due})" in old.revocation

    current = verify_pdf(
        pdf, trust_roots=roots, crls=[pki.crl(issued=NOW - timedelta(days=1))], now=NOW
    )
    assert current.fully_checked
    assert current.revocation == ""

    revoked = pki.crl((pki.setting.cert,), issued=NOW - timedelta(days=1))
    result = verify_pdf(pdf, trust_roots=roots, crls=[revoked], now=NOW)
    assert not result.valid
    assert "revoked" in result.reason


def test_a_crl_from_another_issuer_does_not_count(pki: FixturePki, pdf: bytes) -> None:
    foreign = pki.crl(issued=NOW - timedelta(days=1), issuer=pki.stranger)
    result = verify_pdf(pdf, trust_roots=[pki.root.cert], crls=[foreign], now=NOW)
    assert result.valid
    assert "no revocation list (CRL)" in result.revocation


def test_self_signed_accepted_files_carry_no_revocation_note(pki: FixturePki) -> None:
    data = signed_pdf(school_records(1)[0], pki.self_signed)
    result = verify_pdf(data, trust_roots=[pki.root.cert], accept_self_signed=True, now=NOW)
    assert result.valid
    assert result.revocation == ""


def _pem(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_verify_command_exits_1_and_names_the_missing_or_stale_list(
    tmp_path: Path, pki: FixturePki, pdf: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = serialization.Encoding.PEM
    record = _pem(tmp_path, "record.pdf", pdf)
    root = _pem(tmp_path, "root.pem", pki.root.cert.public_bytes(pem))
    # The LA has revoked the setting's certificate; the school only has a list from before that.
    stale = _pem(
        tmp_path, "old.crl", pki.crl(issued=VERIFY_TIME - timedelta(days=1)).public_bytes(pem)
    )
    fresh = pki.crl((pki.setting.cert,), issued=NOW - timedelta(days=1))
    current = _pem(tmp_path, "current.crl", fresh.public_bytes(pem))

    assert cli.main(["verify", str(record), "--trust", str(root)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("VALID, NOT FULLY CHECKED")
    assert "no revocation list (CRL)" in out

    assert (
        cli.main(["verify", str(record), "--trust", str(root), "--crl", str(stale), "--json"]) == 1
    )
    [row] = json.loads(capsys.readouterr().out)
    assert row["valid"] is True
    assert row["fully_checked"] is False
    assert "out of date" in row["revocation"]

    assert cli.main(["verify", str(record), "--trust", str(root), "--crl", str(current)]) == 1
    assert "revoked" in capsys.readouterr().out

    unrevoked = _pem(tmp_path, "ok.crl", pki.crl(issued=NOW - timedelta(days=1)).public_bytes(pem))
    assert cli.main(["verify", str(record), "--trust", str(root), "--crl", str(unrevoked)]) == 0
    assert capsys.readouterr().out.startswith("VALID  ")


def test_school_import_with_a_stale_crl_says_so(world: World, pki: FixturePki) -> None:  # noqa: F811
    path = write(world, "r0.pdf", signed_pdf(world.records[0], pki.setting))
    world.clock.now = VERIFY_TIME + timedelta(
        days=60
    )  # the school's CRL is now past its next update
    [outcome] = world.school.import_files([path])
    assert outcome.status == "imported"
    assert "revocation list (CRL) is out of date" in outcome.reason
