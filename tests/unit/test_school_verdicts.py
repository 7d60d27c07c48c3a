"""The closed codes beside the sentences: :class:`Verdict` on a verified file, the import status
and refusal of each received file, the quarantine kind, and the decryption exceptions. Code
branches on these, never on a message, so each is checked here for real (signed, encrypted PDFs
from the test_school_service fixtures) as well as on its own."""

from __future__ import annotations

import json

import pytest

from export.encrypt import PasswordEncryption, RecipientEncryption, open_reader
from export.verify import NOT_VOUCHED, VerifyResult, verify_pdf
from models.errors import (
    ImportRefused,
    PasswordRequired,
    RecipientKeyRequired,
    RecipientMismatch,
    Refusal,
    SignatureInvalid,
    WrongPassword,
)
from models.school import Encryption
from models.school.intake_decision import QuarantineKind
from models.verdict import Verdict
from tests.fixtures_pki import P12_PASSPHRASE, FixturePki, to_p12
from tests.unit.test_school_service import World, signed_pdf, write
from tests.unit.test_school_service import pki as pki  # noqa: F401  (fixture)
from tests.unit.test_school_service import world as world  # noqa: F401  (fixture)
from transitions_app.services.school_store import ImportOutcome, ImportStatus, QuarantineEntry


def test_only_a_valid_verdict_is_valid() -> None:
    assert [v for v in Verdict if v.valid] == [Verdict.VALID]
    for verdict in Verdict:
        assert VerifyResult(file="a.pdf", verdict=verdict, reason="r").valid is verdict.valid


def test_verify_gives_each_verdict(world: World, pki: FixturePki) -> None:  # noqa: F811
    roots = [pki.root.cert]
    vouched = signed_pdf(world.records[0], pki.setting)
    assert verify_pdf(vouched, trust_roots=roots).verdict is Verdict.VALID
    unknown = signed_pdf(world.records[1], pki.self_signed)
    result = verify_pdf(unknown, trust_roots=roots)
    assert result.verdict is Verdict.UNVOUCHED
    assert result.reason == NOT_VOUCHED
    accepted = verify_pdf(unknown, trust_roots=roots, accept_self_signed=True)
    assert accepted.verdict is Verdict.VALID
    assert not accepted.vouched
    damaged = bytearray(vouched)
    damaged[len(damaged) // 2] ^= 0x20
    assert verify_pdf(bytes(damaged), trust_roots=roots).verdict is Verdict.INVALID
    assert verify_pdf(b"%PDF-1.7 nothing", trust_roots=roots).verdict is Verdict.INVALID


def test_each_decryption_failure_has_its_own_type(world: World, pki: FixturePki) -> None:  # noqa: F811
    locked = signed_pdf(world.records[2], pki.setting, encryption=PasswordEncryption("pw-1"))
    with pytest.raises(PasswordRequired) as missing:
        open_reader(locked)
    assert not isinstance(missing.value, WrongPassword)
    with pytest.raises(WrongPassword):
        open_reader(locked, password="not it")
    for_school = signed_pdf(
        world.records[3], pki.setting, encryption=RecipientEncryption((pki.school.cert,))
    )
    with pytest.raises(RecipientKeyRequired):
        open_reader(for_school)
    with pytest.raises(RecipientMismatch):
        open_reader(for_school, recipient=pki.other_setting)
    for exc in (PasswordRequired, WrongPassword, RecipientKeyRequired, RecipientMismatch):
        assert issubclass(exc, SignatureInvalid)  # callers catching the general error still do
        assert exc("x").exit_code == 1


def test_a_file_needing_its_password_is_refused_with_that_code(world: World) -> None:
    data = signed_pdf(world.records[4], world.pki.setting, encryption=PasswordEncryption("pw-2"))
    path = write(world, "locked.pdf", data)
    for given in (None, "wrong"):
        outcome = world.school.import_files([path], password=given)[0]
        assert outcome.status is ImportStatus.REFUSED
        assert outcome.refusal is Refusal.PASSWORD
        assert outcome.needs_password
        assert not outcome.unreadable
    imported = world.school.import_files([path], password="pw-2")[0]
    assert imported.status is ImportStatus.IMPORTED
    assert imported.record_id is not None
    assert world.school.provenance(imported.record_id).encrypted is Encryption.PASSWORD


def test_refusals_carry_their_codes(world: World, pki: FixturePki) -> None:  # noqa: F811
    for_school = signed_pdf(
        world.records[5], pki.setting, encryption=RecipientEncryption((pki.school.cert,))
    )
    no_key = world.school.import_files([write(world, "for-school.pdf", for_school)])[0]
    assert no_key.refusal is Refusal.NO_KEY
    assert not no_key.needs_password
    missing = world.school.import_files([world.folder / "not-there.pdf"])[0]
    assert missing.refusal is Refusal.UNREADABLE
    assert missing.unreadable
    not_pdf = world.school.import_files([write(world, "notes.pdf", b"just some notes")])[0]
    assert not_pdf.refusal is Refusal.NOT_PDF
    good = write(world, "good.pdf", signed_pdf(world.records[6], pki.setting))
    assert world.school.import_files([good])[0].refusal is None
    assert world.school.import_files([good])[0].refusal is Refusal.DUPLICATE
    unvouched = write(world, "unknown.pdf", signed_pdf(world.records[7], pki.self_signed))
    assert world.school.import_files([unvouched])[0].status is ImportStatus.QUARANTINED
    assert world.school.import_files([unvouched])[0].refusal is Refusal.IN_QUARANTINE
    world.school.add_decryption_key(to_p12(pki.school), P12_PASSPHRASE.decode())
    again = world.school.import_files([write(world, "again.pdf", for_school)])[0]
    assert again.refusal is None
    assert again.record_id is not None
    assert world.school.provenance(again.record_id).encrypted is Encryption.CERTIFICATE
    plain = world.school.provenance(world.records[6].id)
    assert plain.encrypted is Encryption.NONE


def test_release_of_an_invalid_file_is_refused_with_its_code(world: World, pki: FixturePki) -> None:  # noqa: F811
    data = bytearray(signed_pdf(world.records[8], pki.setting))
    data[len(data) // 2] ^= 0x20
    world.school.import_files([write(world, "broken.pdf", bytes(data))])
    entry = world.school.quarantine()[0]
    assert entry.kind is QuarantineKind.INVALID
    assert not entry.releasable
    with pytest.raises(ImportRefused) as refused:
        world.school.release(entry.file_sha256, "Sam Keyworth, manager")
    assert refused.value.refusal is Refusal.NOT_RELEASABLE


def test_status_prints_and_serialises_as_before() -> None:
    outcome = ImportOutcome("a.pdf", ImportStatus.UPDATED, "Version 2 replaces version 1.")
    assert f"{outcome.status}" == "updated"
    assert outcome.status == "updated"
    assert json.loads(json.dumps(outcome.to_dict()))["status"] == "updated"
    assert [s.value for s in ImportStatus] == ["imported", "updated", "quarantined", "refused"]
    refused = ImportOutcome.refused("b.pdf", "b.pdf is not a PDF.", Refusal.NOT_PDF)
    assert (refused.status, refused.refusal, refused.reason) == (
        ImportStatus.REFUSED,
        Refusal.NOT_PDF,
        "b.pdf is not a PDF.",
    )


def test_quarantine_kind_is_kept_as_before_and_unknown_is_never_releasable() -> None:
    entry = QuarantineEntry(
        "a.pdf", "ab" * 32, "r", "s", "o", "f", "id", "t", QuarantineKind.UNVOUCHED
    )
    kept = entry.to_dict()
    assert kept["kind"] == "unvouched"
    assert kept["releasable"] is True
    assert QuarantineEntry.from_dict(json.loads(json.dumps(kept))) == entry
    assert QuarantineEntry.from_dict({**kept, "kind": "invalid"}).kind is QuarantineKind.INVALID
    for odd in ("", "UNVOUCHED", None, 3):
        assert QuarantineEntry.from_dict({**kept, "kind": odd}).kind is QuarantineKind.INVALID
    assert QuarantineEntry.from_dict({"file": "old.pdf"}).kind is QuarantineKind.INVALID


def test_encryption_is_kept_as_before_and_unknown_reads_as_none() -> None:
    assert [e.value for e in Encryption] == ["", "password", "certificate"]
    assert Encryption.kept("password") is Encryption.PASSWORD
    assert Encryption.kept("certificate") is Encryption.CERTIFICATE
    for odd in ("", None, "rot13", 7):
        assert Encryption.kept(odd) is Encryption.NONE
    entry = QuarantineEntry.from_dict({"file": "a.pdf", "encrypted": "password"})
    assert entry.encrypted is Encryption.PASSWORD
    assert json.loads(json.dumps(entry.to_dict()))["encrypted"] == "password"
