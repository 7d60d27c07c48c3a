"""The school's received files: PDFs encrypted to the school's certificate, the file kept as
received (and a readable copy for the screen), and releasing a quarantined file after a phone
check. Real signed PDFs throughout (fixtures from test_school_service)."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest

from export.encrypt import PasswordEncryption, RecipientEncryption
from export.verify import verify_pdf
from models.errors import (
    AuthenticationFailed,
    ImportRefused,
    PermissionDenied,
    SignatureInvalid,
    ValidationFailed,
    VaultError,
)
from models.roles import Role
from tests.fixtures_pki import P12_PASSPHRASE, FixturePki, build_pki, to_p12
from tests.unit.test_school_service import FAST, PW, World, signed_pdf, write
from tests.unit.test_school_service import pki as pki  # noqa: F401  (fixture)
from tests.unit.test_school_service import world as world  # noqa: F401  (fixture)
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService

PASSPHRASE = P12_PASSPHRASE.decode()


def _for_school(world: World, i: int) -> bytes:
    return signed_pdf(
        world.records[i],
        world.pki.setting,
        encryption=RecipientEncryption((world.pki.school.cert,)),
    )


def test_file_encrypted_to_the_school_imports_with_its_key(world: World) -> None:
    path = write(world, "for-school.pdf", _for_school(world, 0))
    refused = world.school.import_files([path])[0]
    assert refused.status == "refused"
    assert "no decryption key" in refused.reason
    assert world.school.overview().rows == []
    assert world.school.quarantine() == []

    key = world.school.add_decryption_key(to_p12(world.pki.school), PASSPHRASE)
    assert "Ambridge" in key.subject
    assert [k.fingerprint_sha256 for k in world.school.decryption_keys()] == [
        key.fingerprint_sha256
    ]
    outcome = world.school.import_files([path])[0]
    assert outcome.status == "imported", outcome.reason
    assert outcome.record_id == world.records[0].id

    name, original = world.school.received_file(outcome.record_id)
    assert (name, original) == ("for-school.pdf", path.read_bytes())
    readable = world.school.readable_pdf(outcome.record_id)
    assert readable != original
    with pikepdf.open(io.BytesIO(readable)) as pdf:  # opens in any reader: not encrypted
        assert not pdf.is_encrypted
        assert len(pdf.pages) >= 2
    assert outcome.record_id in world.school.reads()  # showing the PDF counts as reading it
    row = next(r for r in world.school.overview().rows if r.record_id == outcome.record_id)
    assert row is not None


def test_file_for_another_certificate_is_refused_and_changes_nothing(world: World) -> None:
    world.school.add_decryption_key(to_p12(world.pki.school), PASSPHRASE)
    other = build_pki()
    data = signed_pdf(
        world.records[1], world.pki.setting, encryption=RecipientEncryption((other.school.cert,))
    )
    before = world.school.overview().to_dict()
    outcome = world.school.import_files([write(world, "elsewhere.pdf", data)])[0]
    assert outcome.status == "refused"
    assert "cannot be decrypted with this school's keys" in outcome.reason
    assert world.school.overview().to_dict() == before


def test_decryption_key_checks(world: World, pki: FixturePki) -> None:
    with pytest.raises(AuthenticationFailed):
        world.school.add_decryption_key(to_p12(pki.school), "wrong passphrase")
    with pytest.raises(SignatureInvalid, match="not meant for encryption"):
        world.school.add_decryption_key(to_p12(pki.setting), PASSPHRASE)  # a signing certificate
    world.school.vault.add_user("teacher", Role.RECEPTION_TEACHER, "teacher-password")
    teacher = SchoolService(
        VaultService.open(world.school.vault.directory, "teacher", "teacher-password")
    )
    try:
        with pytest.raises(PermissionDenied):
            teacher.add_decryption_key(to_p12(pki.school), PASSPHRASE)
    finally:
        teacher.close()


def test_password_encrypted_file_is_kept_and_readable(world: World) -> None:
    data = signed_pdf(world.records[2], world.pki.setting, encryption=PasswordEncryption("s3cret"))
    outcome = world.school.import_files([write(world, "locked.pdf", data)], password="s3cret")[0]
    assert outcome.status == "imported"
    assert world.school.received_file(outcome.record_id)[1] == data
    with pikepdf.open(io.BytesIO(world.school.readable_pdf(outcome.record_id))) as pdf:
        assert not pdf.is_encrypted
    # the file as received still verifies on its own: it is the proof to pass on
    result = verify_pdf(data, trust_roots=[world.pki.root.cert], password="s3cret")
    assert result.valid, result.reason


def test_unencrypted_file_is_shown_as_received(world: World) -> None:
    data = signed_pdf(world.records[3], world.pki.setting)
    outcome = world.school.import_files([write(world, "plain.pdf", data)])[0]
    assert world.school.readable_pdf(outcome.record_id) == data
    with pytest.raises(VaultError):
        world.school.received_file("no-such-record")


def test_release_after_phone_check(world: World) -> None:
    path = write(world, "selfsigned.pdf", signed_pdf(world.records[4], world.pki.self_signed))
    quarantined = world.school.import_files([path])[0]
    assert quarantined.status == "quarantined"
    entry = world.school.quarantine()[0]
    assert entry.releasable
    assert entry.fingerprint_sha256

    with pytest.raises(ValidationFailed, match="who at the setting"):
        world.school.release(entry.file_sha256[:12], "  ")
    outcome = world.school.release(entry.file_sha256[:12], "Sam Keyworth, manager")
    assert outcome.status == "imported"
    assert world.school.quarantine() == []
    row = next(r for r in world.school.overview().rows if r.record_id == world.records[4].id)
    assert row is not None
    prov = world.school.provenance(world.records[4].id)
    assert not prov.vouched
    assert "Sam Keyworth, manager" in prov.release_note
    assert "head" in prov.release_note
    events = [e for e in world.school.vault.audit_entries() if e.action == "school_released"]
    assert len(events) == 1
    with pytest.raises(VaultError, match="No file in quarantine"):
        world.school.release(entry.file_sha256[:12], "Sam")


def test_broken_signature_is_never_released(world: World) -> None:
    good = signed_pdf(world.records[5], world.pki.setting)
    at = good.index(b"/Contents") - 200
    tampered = bytearray(good)
    tampered[at] = ord("X") if tampered[at] != ord("X") else ord("Y")
    world.school.import_files([write(world, "tampered.pdf", bytes(tampered))])
    entry = world.school.quarantine()[0]
    assert not entry.releasable
    with pytest.raises(ImportRefused, match="cannot be released"):
        world.school.release(entry.file_sha256, "Sam Keyworth")
    assert len(world.school.quarantine()) == 1
    removed = world.school.discard(entry.file_sha256)
    assert removed.file == "tampered.pdf"
    assert world.school.quarantine() == []
    assert world.school.overview().rows == []


def test_only_the_headteacher_releases(world: World, tmp_path: Path) -> None:
    world.school.import_files(
        [write(world, "selfsigned.pdf", signed_pdf(world.records[6], world.pki.self_signed))]
    )
    sha = world.school.quarantine()[0].file_sha256
    world.school.vault.add_user("dsl", Role.SCHOOL_DSL, "dsl-password-1")
    dsl = SchoolService(VaultService.open(world.school.vault.directory, "dsl", "dsl-password-1"))
    try:
        with pytest.raises(PermissionDenied):
            dsl.release(sha, "Sam Keyworth")
        with pytest.raises(PermissionDenied):
            dsl.discard(sha)
    finally:
        dsl.close()
    assert len(world.school.quarantine()) == 1
    assert FAST
    assert PW


def test_tampered_file_encrypted_to_the_school_is_quarantined(world: World) -> None:
    world.school.add_decryption_key(to_p12(world.pki.school), PASSPHRASE)
    data = bytearray(_for_school(world, 7))
    data[bytes(data).index(b"/Contents") - 200] ^= 0x20  # inside the signed, encrypted range
    outcome = world.school.import_files([write(world, "changed.pdf", bytes(data))])[0]
    assert outcome.status == "quarantined"
    assert "changed after it was encrypted" in outcome.reason
    [entry] = world.school.quarantine()
    assert not entry.releasable
    assert entry.encrypted == "certificate"
    assert world.school.overview().rows == []


def test_second_record_for_the_same_child_is_refused(world: World) -> None:
    first = world.records[8]
    world.school.import_files([write(world, "first.pdf", signed_pdf(first, world.pki.setting))])
    before = world.school.overview().to_dict()
    twin = first.copy()
    twin.id = "00000000-0000-4000-8000-00000000beef"
    twin.values.pop("child.upn", None)  # no UPN: matched by legal name and date of birth
    twin.set("child.legal_surname", f"  {str(first.get('child.legal_surname')).upper()} ")
    same_upn = world.records[9].copy()
    same_upn.set("child.upn", first.get("child.upn"))
    outcomes = world.school.import_files(
        [
            write(world, "twin.pdf", signed_pdf(twin, world.pki.other_setting)),
            write(world, "same-upn.pdf", signed_pdf(same_upn, world.pki.setting)),
        ]
    )
    assert [o.status for o in outcomes] == ["refused", "refused"]
    assert "second record for" in outcomes[0].reason
    assert "already in the class" in outcomes[1].reason
    assert world.school.overview().to_dict() == before


def test_school_vault_holds_no_readable_personal_data(world: World, tmp_path: Path) -> None:
    """A received file (unencrypted, so its text is in the clear in the PDF itself), imported and
    shown: the school's vault folder holds none of the child's words, in any encoding."""
    record = world.records[10].copy()
    record.set("child.legal_forenames", "Quillonia")
    record.set("family.worries", "Worried about the imaginary volcano near Fictionshire")
    outcome = world.school.import_files(
        [write(world, "q.pdf", signed_pdf(record, world.pki.setting))]
    )[0]
    assert outcome.status == "imported"
    world.school.readable_pdf(outcome.record_id)
    world.school.read_record(outcome.record_id)
    folder = world.school.vault.directory
    assert folder is not None
    words = ["Quillonia", "Fictionshire", "imaginary volcano"]

    def search() -> list[str]:
        hits = []
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes().lower()
                for word in words:
                    for enc in ("utf-8", "utf-16-le", "utf-16-be"):
                        if word.lower().encode(enc) in data:
                            hits.append(f"{path.name}: {word}")
        return hits

    assert search() == []
    control = folder / "control.txt"  # the search does find a planted word
    control.write_bytes("note: QUILLONIA".encode("utf-16-le"))
    assert set(search()) == {"control.txt: Quillonia"}
    control.unlink()


def _senco_pdf(world: World, record) -> bytes:  # type: ignore[no-untyped-def]
    from export.attach import attach_json
    from export.render import RenderOptions, render_record_pdf
    from export.sign import sign_pdf
    from models.interchange import record_to_bytes
    from tests.fixtures_pki import SIGNING_TIME

    pdf = render_record_pdf(record, RenderOptions(generated_on=SIGNING_TIME, packet="senco"))
    who = world.pki.setting
    return sign_pdf(
        attach_json(pdf, record_to_bytes(record)),
        who.key,
        who.cert,
        who.chain,
        signer_name="Sam Keyworth",
        organisation="Little Acorns Nursery (fictional)",
        signing_time=SIGNING_TIME,
    )


def test_the_senco_packet_is_kept_beside_the_teacher_packet(world: World) -> None:
    record = world.records[11]
    teacher = write(world, "teacher.pdf", signed_pdf(record, world.pki.setting))
    senco = write(world, "senco.pdf", _senco_pdf(world, record))
    outcomes = world.school.import_files([teacher, senco])
    assert [o.status for o in outcomes] == ["imported", "imported"], [o.reason for o in outcomes]
    assert "SENCO packet" in outcomes[1].reason
    packets = world.school.received_packets(record.id)
    assert [(p, f) for p, _label, f in packets] == [
        ("teacher", "teacher.pdf"),
        ("senco", "senco.pdf"),
    ]
    assert world.school.received_file(record.id, "senco")[1] == senco.read_bytes()
    assert world.school.received_file(record.id)[1] == teacher.read_bytes()
    assert world.school.overview().counts.total == 1
    again = world.school.import_files([senco])[0]
    assert again.status == "refused"
    assert "already imported" in again.reason
    # a new version replaces both packets with its own
    newer = record.copy()
    newer.export_version = 2
    newer.set("about_me.likes", "Stacking cups")
    v2 = write(world, "teacher-v2.pdf", signed_pdf(newer, world.pki.setting))
    assert world.school.import_files([v2])[0].status == "updated"
    assert [p for p, _l, _f in world.school.received_packets(record.id)] == ["teacher"]
    with pytest.raises(VaultError, match="No senco packet"):
        world.school.received_file(record.id, "senco")


def test_a_password_encrypted_file_is_released_without_retyping_the_password(world: World) -> None:
    data = signed_pdf(
        world.records[10], world.pki.self_signed, encryption=PasswordEncryption("s3cret-pw")
    )
    outcome = world.school.import_files([write(world, "locked.pdf", data)], password="s3cret-pw")[0]
    assert outcome.status == "quarantined"
    entry = world.school.quarantine()[0]
    assert entry.encrypted == "password"
    released = world.school.release(entry.file_sha256, "Sam Keyworth, manager")
    assert released.status == "imported"
    assert (
        world.school.vault.get_blob(f"school/quarantine-file/{entry.file_sha256}/password") is None
    )
