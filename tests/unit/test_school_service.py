"""The school import service and the setting's feedback loop, end to end with real signed PDFs:
synthetic setting records -> rendered, attached, signed PDFs -> school import (a tampered and an
unvouched file quarantined, bad inputs refused) -> overview, SENCO queue -> signed receipt and
outcome files -> the setting imports them and its cohort figures match ones counted by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from export.attach import attach_json
from export.encrypt import PasswordEncryption
from export.receipts import RECEIPT, sign_document
from export.render import RenderOptions, render_record_pdf
from export.sign import sign_pdf
from models.errors import PermissionDenied, SignatureInvalid
from models.flags import derive_flags
from models.interchange import record_to_dict
from models.record import Record
from models.roles import Role
from models.school.outcomes import ELG_COLUMNS, GLD_ASPECTS
from models.synthetic import generate_records
from models.vault import KdfParams
from tests.fixtures_pki import SIGNING_TIME, VERIFY_TIME, FixturePki, Identity, build_pki
from transitions_app.services.feedback_service import FeedbackService
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "headteacher-password"
SCHOOL_URN = "900001"
SETTING_URN = "EY900001"


class Clock:
    def __init__(self, now: datetime = VERIFY_TIME) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def school_records(n: int = 12) -> list[Record]:
    records = generate_records(n, seed=11, today=date(2026, 3, 2))
    for i, record in enumerate(records):
        record.set("child.school_urn", SCHOOL_URN)
        record.set("child.school_name", "Puddlebrook Primary School (fictional)")
        record.set("child.upn", f"T{i:012d}")
        record.export_version = 1
    return records


def signed_pdf(
    record: Record, who: Identity, *, json_bytes: bytes | None = None, **kw: object
) -> bytes:
    pdf = render_record_pdf(record, RenderOptions(generated_on=SIGNING_TIME))
    body = json_bytes if json_bytes is not None else json.dumps(record_to_dict(record)).encode()
    return sign_pdf(
        attach_json(pdf, body),
        who.key,
        who.cert,
        who.chain,
        signer_name="Sam Keyworth",
        organisation="Little Acorns Nursery (fictional)",
        signing_time=SIGNING_TIME,
        **kw,  # type: ignore[arg-type]
    )


@dataclass
class World:
    pki: FixturePki
    records: list[Record]
    folder: Path
    school: SchoolService
    clock: Clock


@pytest.fixture(scope="module")
def pki() -> FixturePki:
    return build_pki()


@pytest.fixture
def world(tmp_path: Path, pki: FixturePki) -> Iterator[World]:
    clock = Clock()
    school, recovery = SchoolService.create(
        tmp_path / "school",
        "head",
        PW,
        urn=SCHOOL_URN,
        name="Puddlebrook Primary School (fictional)",
        kdf=FAST,
        clock=clock,
    )
    assert recovery
    school.set_trust(
        pki.root.cert.public_bytes(serialization.Encoding.PEM),
        pki.crl().public_bytes(serialization.Encoding.PEM),
    )
    folder = tmp_path / "inbox"
    folder.mkdir()
    yield World(pki, school_records(), folder, school, clock)
    school.close()


def write(world: World, name: str, data: bytes) -> Path:
    path = world.folder / name
    path.write_bytes(data)
    return path


def test_good_files_import_with_provenance(world: World) -> None:
    paths = [
        write(world, f"r{i}.pdf", signed_pdf(r, world.pki.setting))
        for i, r in enumerate(world.records[:3])
    ]
    outcomes = world.school.import_files(paths)
    assert [o.status for o in outcomes] == ["imported"] * 3
    assert outcomes[0].child == world.records[0].display_name
    assert outcomes[0].version == 1
    overview = world.school.overview()
    assert {r.record_id for r in overview.rows} == {r.id for r in world.records[:3]}
    row = next(r for r in overview.rows if r.record_id == world.records[0].id)
    assert row.signer == "Little Acorns Nursery (URN EY000001)"
    assert row.vouched
    assert row.setting == "Little Acorns Nursery (fictional)"
    assert overview.counts.total == 3
    assert overview.quarantine == []


def test_tampered_and_unvouched_files_are_quarantined(world: World) -> None:
    good = signed_pdf(world.records[0], world.pki.setting)
    at = good.index(b"/Contents") - 200  # a byte inside the signed range
    tampered = bytearray(good)
    tampered[at] = ord("X") if tampered[at] != ord("X") else ord("Y")
    paths = [
        write(world, "tampered.pdf", bytes(tampered)),
        write(world, "selfsigned.pdf", signed_pdf(world.records[1], world.pki.self_signed)),
        write(world, "stranger.pdf", signed_pdf(world.records[2], world.pki.stranger)),
    ]
    outcomes = world.school.import_files(paths)
    assert [o.status for o in outcomes] == ["quarantined"] * 3, [o.reason for o in outcomes]
    assert "not vouched" in outcomes[1].reason
    overview = world.school.overview()
    assert overview.rows == []  # never mixed in
    assert [q.file for q in overview.quarantine] == [
        "tampered.pdf",
        "selfsigned.pdf",
        "stranger.pdf",
    ]
    assert all(q.reason for q in overview.quarantine)
    assert overview.quarantine[1].fingerprint_sha256
    again = world.school.import_files([paths[0]])
    assert again[0].status == "refused"
    assert "already in quarantine" in again[0].reason
    assert len(world.school.quarantine()) == 3


def test_revoked_setting_is_quarantined(world: World) -> None:
    world.school.set_trust(
        crl=world.pki.crl((world.pki.setting.cert,)).public_bytes(serialization.Encoding.PEM)
    )
    outcome = world.school.import_files(
        [write(world, "r.pdf", signed_pdf(world.records[0], world.pki.setting))]
    )[0]
    assert outcome.status == "quarantined"
    assert "revoked" in outcome.reason


def test_bad_inputs_are_refused_and_change_nothing(world: World, pki: FixturePki) -> None:
    first = write(world, "r0.pdf", signed_pdf(world.records[0], pki.setting))
    world.school.import_files([first])
    before = world.school.overview().to_dict()
    huge = world.folder / "huge.pdf"
    with huge.open("wb") as fh:
        fh.write(b"%PDF-1.7\n")
        fh.truncate(21 * 1024 * 1024)
    future = dict(record_to_dict(world.records[3]))
    future["framework"] = {"id": future["framework"]["id"], "version": 99}
    other_school = world.records[4].copy()
    other_school.set("child.school_urn", "900002")
    paths = [
        write(world, "notes.pdf", b"Dear school, here are the records."),
        huge,
        write(
            world,
            "locked.pdf",
            signed_pdf(world.records[5], pki.setting, encryption=PasswordEncryption("s3cret")),
        ),
        write(
            world,
            "future.pdf",
            signed_pdf(world.records[3], pki.setting, json_bytes=json.dumps(future).encode()),
        ),
        write(world, "copy.pdf", first.read_bytes()),
        write(world, "same-version.pdf", signed_pdf(world.records[0], pki.setting)),
        write(world, "other.pdf", signed_pdf(other_school, pki.setting)),
        world.folder / "missing.pdf",
    ]
    outcomes = world.school.import_files(paths)
    reasons = {o.file: o.reason for o in outcomes}
    assert {o.status for o in outcomes} == {"refused"}, reasons
    assert "not a PDF" in reasons["notes.pdf"]
    assert "too large" in reasons["huge.pdf"]
    assert "password" in reasons["locked.pdf"]
    assert "version 99" in reasons["future.pdf"]
    assert "already imported" in reasons["copy.pdf"]
    assert "already imported" in reasons["same-version.pdf"]
    assert "another school" in reasons["other.pdf"]
    assert "Cannot read the record PDF" in reasons["missing.pdf"]
    assert [o.file for o in outcomes if o.unreadable] == ["huge.pdf", "missing.pdf"]
    after = world.school.overview().to_dict()
    assert after == before
    # with the password, the encrypted file imports
    ok = world.school.import_files([world.folder / "locked.pdf"], password="s3cret")[0]
    assert ok.status == "imported"


def test_later_version_replaces_and_reports_changes(world: World, pki: FixturePki) -> None:
    record = world.records[6]
    world.school.import_files([write(world, "v1.pdf", signed_pdf(record, pki.setting))])
    newer = record.copy()
    newer.export_version = 2
    newer.set("summary.day_one", "Bring the blue blanket on the first morning.")
    newer.set("send.status", "ehc_assessment")
    outcome = world.school.import_files([write(world, "v2.pdf", signed_pdf(newer, pki.setting))])[0]
    assert outcome.status == "updated"
    assert set(outcome.changed_fields) == {
        "Summary for the Reception teacher: One thing to know on day one",
        "Special educational needs and disabilities: SEND status",
    }
    rows = world.school.overview().rows
    assert len(rows) == 1
    assert rows[0].version == 2
    assert rows[0].send_label == "EHC needs assessment requested"
    older = world.school.import_files(
        [write(world, "v1-again.pdf", signed_pdf(record, pki.setting, reason="again"))]
    )[0]
    assert older.status == "refused"
    assert "older than version 2" in older.reason


def test_roles(world: World, tmp_path: Path) -> None:
    world.school.vault.add_user("teach", Role.RECEPTION_TEACHER, "teacher-password")
    teacher = SchoolService(
        VaultService.open(world.school.vault.directory, "teach", "teacher-password"),
        clock=world.clock,
    )
    teacher.overview()
    with pytest.raises(PermissionDenied):
        teacher.senco_queue()
    with pytest.raises(PermissionDenied):
        teacher.set_trust(crl=b"")
    teacher.close()
    setting, _ = VaultService.create(tmp_path / "setting", "manager", "pw-setting-1", kdf=FAST)
    with pytest.raises(PermissionDenied):
        SchoolService(setting)
    setting.close()


def _csv(rows: list[tuple[Record, bool, set[str]]]) -> bytes:
    """One row per child: GLD, and the aspects that are emerging (the rest expected)."""
    header = "UPN,RecordID,Forename,Surname,GLD," + ",".join(c for c, *_ in ELG_COLUMNS)
    lines = [header]
    for record, gld, emerging in rows:
        elgs = ["emerging" if aspect in emerging else "expected" for _c, aspect, *_ in ELG_COLUMNS]
        lines.append(
            ",".join(
                [str(record.get("child.upn")), "", "Fictional", "Child", "Y" if gld else "N", *elgs]
            )
        )
    return ("\n".join(lines) + "\n").encode()


def test_round_trip_receipts_and_outcomes(world: World, pki: FixturePki, tmp_path: Path) -> None:
    records = world.records
    # the setting's own vault holds its records
    setting, _ = VaultService.create(tmp_path / "setting", "manager", "pw-setting-1", kdf=FAST)
    for record in records:
        setting.import_record(record)
    # school imports every record, plus one tampered copy
    paths = [
        write(world, f"child-{i:02d}.pdf", signed_pdf(r, pki.setting))
        for i, r in enumerate(records)
    ]
    tampered = bytearray(paths[0].read_bytes())
    at = bytes(tampered).index(b"/Contents") - 150
    tampered[at] ^= 0x01
    paths.append(write(world, "child-00-copy.pdf", bytes(tampered)))
    outcomes = world.school.import_files(paths)
    assert [o.status for o in outcomes] == ["imported"] * len(records) + ["quarantined"]
    overview = world.school.overview()
    assert overview.counts.total == len(records)
    assert [q.file for q in overview.quarantine] == ["child-00-copy.pdf"]
    flags = [derive_flags(r) for r in records]
    assert overview.counts.groups["boys"] == sum(f.boy for f in flags)
    queue = world.school.senco_queue(today=date(2026, 9, 20))
    assert queue
    assert queue[0].overdue

    # receipt back to the setting
    receipt = world.school.receipt(SETTING_URN)
    feedback = FeedbackService(setting, clock=Clock(VERIFY_TIME + timedelta(days=1)))
    feedback.set_trust(pki.root.cert.public_bytes(serialization.Encoding.PEM))
    got = feedback.import_receipt(receipt)
    assert got.children == len(records)
    assert got.unknown_records == ()
    assert not got.document.vouched  # the school signs with its self-signed certificate
    assert got.document.organisation == "Puddlebrook Primary School (fictional)"
    # tampering with the receipt is refused and stores nothing
    doc = json.loads(receipt)
    doc["signed_at"] = (VERIFY_TIME - timedelta(days=3)).isoformat()
    with pytest.raises(SignatureInvalid):
        feedback.import_receipt(json.dumps(doc).encode())
    assert len(feedback.receipts()) == 1

    # outcomes: GLD for some, with a few emerging goals chosen by hand
    plan: list[tuple[Record, bool, set[str]]] = []
    for i, record in enumerate(records):
        if i % 3 == 0:
            plan.append((record, False, {"cl_speaking", "lit_writing"}))
        elif i % 3 == 1:
            plan.append((record, True, {"ead_creating"}))  # ELG16 does not count towards GLD
        else:
            plan.append((record, True, set()))
    result = world.school.outcome_files(_csv(plan))
    assert result.errors == []
    assert list(result.files) == [SETTING_URN]
    imported = feedback.import_outcomes(result.files[SETTING_URN])
    assert imported.children == len(records)
    stats = feedback.cohort()

    def pct(part: int, whole: int) -> float | None:
        return None if whole == 0 else round(100 * part / whole, 1)

    gld = {r.id: g for r, g, _e in plan}
    for key, test in (
        ("all", lambda f: True),
        ("boys", lambda f: f.boy),
        ("fsm", lambda f: f.fsm),
        ("send", lambda f: f.send),
        ("eal", lambda f: f.eal),
    ):
        members = [r for r, f in zip(records, flags, strict=True) if test(f)]
        figure = stats.group(key)
        assert figure.children == len(members), key
        assert figure.gld == sum(gld[r.id] for r in members), key
        assert figure.gld_percent == pct(sum(gld[r.id] for r in members), len(members)), key
    speaking = next(e for e in stats.elgs if e.aspect == "cl_speaking")
    assert speaking.expected == len(records) - len(range(0, len(records), 3))
    agreement = next(a for a in stats.agreement if a.aspect == "cl_speaking")
    on_track_expected = sum(
        1
        for r, _g, e in plan
        if r.get("learning.cl_speaking") == "on_track" and "cl_speaking" not in e
    )
    assert agreement.on_track_expected == on_track_expected
    assert agreement.compared + agreement.not_judged == len(records)


def test_outcome_file_errors_per_row(world: World, pki: FixturePki) -> None:
    world.school.import_files([write(world, "a.pdf", signed_pdf(world.records[0], pki.setting))])
    good = _csv([(world.records[0], True, set())])
    bad = good + b"T999999999999,,Nobody,Known,Y," + b",".join([b"expected"] * 17) + b"\n"
    bad += b"T000000000000,,Dup,Row,N," + b",".join([b"expected"] * 17) + b"\n"
    result = world.school.outcome_files(bad)
    assert result.files == {}
    assert [e.line for e in result.errors] == [3, 4]
    assert "no received record" in str(result.errors[0])
    assert len(GLD_ASPECTS) == 12


def test_feedback_refuses_wrong_kind_and_keeps_unknown_ids(
    world: World, pki: FixturePki, tmp_path: Path
) -> None:
    setting, _ = VaultService.create(tmp_path / "setting", "manager", "pw-setting-1", kdf=FAST)
    feedback = FeedbackService(setting, clock=Clock())
    payload = {"school": {"urn": "900001", "name": "X"}, "records": [{"record_id": "not-here"}]}
    data = sign_document(
        RECEIPT,
        payload,
        pki.other_setting,
        signed_at=SIGNING_TIME,
    )
    with pytest.raises(SignatureInvalid):
        feedback.import_outcomes(data)
    got = feedback.import_receipt(data)
    assert got.unknown_records == ("not-here",)
    with pytest.raises(PermissionDenied):
        FeedbackService(world.school.vault)


def test_charter_root_and_crl_are_trusted(tmp_path: Path, pki: FixturePki) -> None:
    from export.pki import SigningIdentity, sign_charter
    from transitions_app.services.charter_service import CharterService

    clock = Clock(datetime(2026, 9, 10, 9, 0, tzinfo=UTC))  # the example charter is in force
    school, _ = SchoolService.create(
        tmp_path / "school",
        "head",
        PW,
        urn=SCHOOL_URN,
        name="Puddlebrook (fictional)",
        kdf=FAST,
        clock=clock,
    )
    assert school.trust().roots == ()
    toml = (Path(__file__).parents[2] / "charters" / "northshire" / "charter.toml").read_bytes()
    signed = sign_charter(toml, SigningIdentity(pki.root.key, pki.root.cert))
    CharterService(school.vault, clock=clock).import_charter(
        signed,
        root_pem=pki.root.cert.public_bytes(serialization.Encoding.PEM),
        crl=pki.crl((pki.other_setting.cert,)).public_bytes(serialization.Encoding.PEM),
    )
    trust = school.trust()
    assert trust.roots == (pki.root.cert,)
    assert len(trust.crls) == 1
    records = school_records(2)
    good = tmp_path / "good.pdf"
    good.write_bytes(signed_pdf(records[0], pki.setting))
    revoked = tmp_path / "revoked.pdf"
    revoked.write_bytes(signed_pdf(records[1], pki.other_setting))
    outcomes = school.import_files([good, revoked])
    assert [o.status for o in outcomes] == ["imported", "quarantined"]
    assert "revoked" in outcomes[1].reason
    school.close()


def test_la_issued_school_certificate_is_vouched(
    world: World, pki: FixturePki, tmp_path: Path
) -> None:
    from tests.fixtures_pki import P12_PASSPHRASE, to_p12

    world.school.set_identity_p12(to_p12(pki.other_setting), P12_PASSPHRASE.decode())
    world.school.import_files([write(world, "a.pdf", signed_pdf(world.records[0], pki.setting))])
    receipt = world.school.receipt(SETTING_URN)
    setting, _ = VaultService.create(tmp_path / "setting", "manager", "pw-setting-1", kdf=FAST)
    feedback = FeedbackService(setting, clock=Clock())
    assert not feedback.import_receipt(receipt).document.vouched  # no LA root trusted yet
    feedback.set_trust(pki.root.cert.public_bytes(serialization.Encoding.PEM))
    assert feedback.import_receipt(receipt).document.vouched
    assert [r["vouched"] for r in feedback.receipts()] == [True]  # the same receipt, kept once
    feedback.close()


@pytest.mark.parametrize(
    ("urn", "name"), [("12345", "A school"), ("ABCDEF", "A school"), ("900001", " ")]
)
def test_create_checks_urn_and_name_before_making_a_vault(
    tmp_path: Path, urn: str, name: str
) -> None:
    from models.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        SchoolService.create(tmp_path / "s", "head", PW, urn=urn, name=name, kdf=FAST)
    assert not VaultService.exists(tmp_path / "s")
