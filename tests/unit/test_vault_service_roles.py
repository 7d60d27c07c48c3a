"""VaultService: role rules, the status workflow, optimistic concurrency, audit and check.

Every test runs twice, on a folder (SQLite) and on a PostgreSQL database (the ``backend`` fixture).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from models.errors import (
    AuthenticationFailed,
    PermissionDenied,
    SaveConflict,
    SignOffRefused,
    VaultError,
)
from models.interchange import record_from_bytes, record_to_bytes
from models.readiness import readiness
from models.record import Record, SignOff, SignOffScope, Status
from models.roles import Role
from models.signoff import content_digest
from models.synthetic import generate_records
from models.vault import KdfParams
from tests.pg import Backend
from transitions_app.services.vault_service import UserInfo, VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "manager-password"
STAFF = {
    "pat": Role.PRACTITIONER,
    "sen": Role.SENCO,
    "dee": Role.DSL,
    "cam": Role.CHILDMINDER,
}


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2031, 6, 3, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def vault_dir(backend: Backend) -> Backend:
    service, _ = VaultService.create(
        backend.directory, "boss", PW, db_url=backend.db_url, kdf=FAST, clock=FakeClock()
    )
    for name, role in STAFF.items():
        service.add_user(name, role, f"{name}-password")
    service.close()
    return backend


def login(where: Backend, name: str, password: str | None = None) -> VaultService:
    password = password or (PW if name == "boss" else f"{name}-password")
    return VaultService.open(
        where.directory, name, password, db_url=where.db_url, clock=FakeClock()
    )


def test_users_and_roles(vault_dir: Backend) -> None:
    boss = login(vault_dir, "boss")
    assert boss.user == UserInfo("boss", Role.MANAGER)
    assert {u.name: u.role for u in boss.list_users()} == {"boss": Role.MANAGER, **STAFF}
    pat = login(vault_dir, "pat")
    with pytest.raises(PermissionDenied):
        pat.add_user("eve", Role.MANAGER, "eve-password")
    with pytest.raises(PermissionDenied):
        pat.remove_user("sen")
    boss.remove_user("pat")
    with pytest.raises(AuthenticationFailed):
        login(vault_dir, "pat")
    with pytest.raises(VaultError):
        boss.remove_user("boss")
    boss.close()
    pat.close()


def test_manager_resets_a_forgotten_password(vault_dir: Backend) -> None:
    boss = login(vault_dir, "boss")
    pat = login(vault_dir, "pat")
    with pytest.raises(PermissionDenied):
        pat.reset_password("sen", "taken-over-password")
    with pytest.raises(VaultError, match="Change your own password"):
        boss.reset_password("boss", "another-password")
    with pytest.raises(VaultError, match="no user called"):
        boss.reset_password("nobody", "another-password")
    boss.reset_password("sen", "sen-new-password")
    with pytest.raises(AuthenticationFailed):
        login(vault_dir, "sen")  # the old password opens nothing any more
    sen = login(vault_dir, "sen", "sen-new-password")
    assert sen.user == UserInfo("sen", STAFF["sen"])  # the role stays
    assert [e.action for e in boss.audit_entries()].count("password_set") == 1
    for session in (boss, pat, sen):
        session.close()


def test_change_password(vault_dir: Backend) -> None:
    sen = login(vault_dir, "sen")
    with pytest.raises(AuthenticationFailed):
        sen.change_password("not-it", "brand-new-password")
    sen.change_password("sen-password", "brand-new-password")
    sen.close()
    with pytest.raises(AuthenticationFailed):
        login(vault_dir, "sen")
    login(vault_dir, "sen", "brand-new-password").close()


def _complete(where: Backend, session: VaultService, send_status: str = "sen_support") -> Record:
    """A synthetic record complete under the framework's rules, stored in the vault (by the
    manager: it carries a safeguarding flag) and opened in ``session``."""
    for record in generate_records(24, seed=3, today=date(2031, 6, 1)):
        if record.get("send.status") == send_status and not readiness(
            record, None, date(2031, 6, 3)
        ).stopping(SignOffScope.RECORD):
            boss = login(where, "boss")
            boss.import_record(record)
            boss.close()
            return session.load(record.id)
    raise AssertionError(f"no complete synthetic record with SEND status {send_status}")


def test_practitioner_cannot_sign_off_send_but_senco_can(vault_dir: Backend) -> None:
    pat = login(vault_dir, "pat")
    record = _complete(vault_dir, pat)
    with pytest.raises(PermissionDenied) as refused:
        pat.sign_off(record.id, "send")
    assert str(refused.value) == (
        "Only a SENCO can review the SEND section. Ask sen (SENCO) or the manager."
    )
    assert pat.sign_off_refusal("send") == str(refused.value)
    with pytest.raises(
        PermissionDenied,
        match=r"Only a manager can give the manager's sign-off\. Ask boss \(Manager\)\.",
    ):
        pat.sign_off(record.id, "manager")
    assert pat.sign_off_refusal("record") is None
    pat.sign_off(record.id, "record")
    pat.close()
    sen = login(vault_dir, "sen")
    signed = sen.sign_off(record.id, "send")
    scopes = {s.scope: (s.name, s.role) for s in signed.signoffs}
    assert scopes == {
        SignOffScope.RECORD: ("pat", Role.PRACTITIONER),
        SignOffScope.SEND: ("sen", Role.SENCO),
    }
    assert signed.signoff(SignOffScope.SEND).signed_on == date(2031, 6, 3)  # type: ignore[union-attr]
    assert sen.load(record.id).status == Status.SIGNED_OFF
    sen.close()
    cam = login(vault_dir, "cam")
    cam.sign_off(record.id, "send")
    cam.close()


def test_sign_off_refuses_an_incomplete_record_but_the_senco_signs_a_complete_section_8(
    vault_dir: Backend,
) -> None:
    pat = login(vault_dir, "pat")
    record = _complete(vault_dir, pat)
    record.set("summary.day_one", None)
    record.set("child.upn", "A12345678901X")  # the check letter should be E
    pat.save(record)
    with pytest.raises(SignOffRefused) as refused:
        pat.sign_off(record.id, "record")
    listed = {m.path: m.message for m in refused.value.items}  # type: ignore[attr-defined]
    assert listed == {
        "summary.day_one": "One thing to know on day one: Required",
        "child.upn": "Unique pupil number (UPN): The check letter does not match: for these digits it should be E.",
    }
    assert pat.load(record.id).signoffs == []
    pat.close()
    sen = login(vault_dir, "sen")
    assert sen.sign_off(record.id, "send").signoff(SignOffScope.SEND) is not None
    record = sen.load(record.id)
    record.set("send.strategies", None)  # required for SEN support
    sen.save(record)
    with pytest.raises(
        SignOffRefused, match="SENCO review of the SEND section cannot be given yet: 1 item"
    ):
        sen.sign_off(record.id, "send")
    sen.close()


def test_a_sign_off_follows_the_content_it_signed(vault_dir: Backend) -> None:
    pat = login(vault_dir, "pat")
    record = _complete(vault_dir, pat)
    signed = pat.sign_off(record.id, "record")
    assert signed.status == Status.SIGNED_OFF
    record = pat.load(record.id)
    likes = record.get("about_me.likes")
    record.set("about_me.likes", "Counting imaginary snails")
    changed = pat.save(record)
    assert changed.status == Status.DRAFT
    assert readiness(changed, None, date(2031, 6, 3)).state(SignOffScope.RECORD).valid is False  # type: ignore[union-attr]
    record.set("about_me.likes", likes)  # back to exactly what was signed
    again = pat.save(record)
    assert again.status == Status.SIGNED_OFF
    assert readiness(again, None, date(2031, 6, 3)).state(SignOffScope.RECORD).valid is True  # type: ignore[union-attr]
    details = [e.detail for e in pat.audit_entries(record.id) if e.action == "saved"]
    assert details[-2]["signoffs_changed"] == ["record"]
    assert details[-2]["reopened"] is True
    assert details[-1]["signoffs_valid_again"] == ["record"]
    pat.close()


@pytest.mark.parametrize("who", ["pat", "sen"])
def test_only_safeguarding_roles_set_the_safeguarding_field(vault_dir: Backend, who: str) -> None:
    staff = login(vault_dir, who)
    record = staff.new_record()
    record.set("child.legal_forenames", "Testchild")
    staff.save(record)
    record = staff.load(record.id)
    record.set("child.cin_cp", "yes")
    with pytest.raises(PermissionDenied):
        staff.save(record)
    assert staff.load(record.id).get("child.cin_cp") is None
    fresh = record.copy()
    fresh.id = "00000000-0000-4000-8000-0000000000a1"
    with pytest.raises(PermissionDenied):
        staff.import_record(fresh)
    staff.close()
    for allowed in ("dee", "boss", "cam"):
        session = login(vault_dir, allowed)
        rec = session.load(record.id)
        rec.set("child.cin_cp", "yes" if rec.get("child.cin_cp") != "yes" else "no")
        session.save(rec)
        session.close()
    # a practitioner may still change other fields of a record whose flag is set
    staff = login(vault_dir, who)
    rec = staff.load(record.id)
    rec.set("about_me.likes", "Drawing made-up planets")
    assert staff.save(rec).get("child.cin_cp") == rec.get("child.cin_cp")
    staff.close()


def test_only_manager_deletes_and_imports_charter(vault_dir: Backend) -> None:
    pat = login(vault_dir, "pat")
    record = pat.new_record()
    with pytest.raises(PermissionDenied):
        pat.delete(record.id)
    with pytest.raises(PermissionDenied):
        pat.put_blob("charter", b"{}")
    with pytest.raises(PermissionDenied):
        pat.put_blob("setting/identity", b"cert")  # the signing identity is the manager's
    pat.put_blob("feedback/receipts", b"[]")  # the setting's feedback is everyone's
    pat.close()
    boss = login(vault_dir, "boss")
    boss.put_blob("charter", b"{}")
    boss.delete(record.id)
    assert boss.list_records() == []
    assert [e.action for e in boss.audit_entries(record.id)][-1] == "deleted"
    boss.close()


def test_status_workflow(vault_dir: Backend) -> None:
    pat = login(vault_dir, "pat")
    record = pat.new_record()
    assert record.status == Status.DRAFT
    record.set("about_me.likes", "Counting imaginary snails")
    record.status = Status.SIGNED_OFF  # a caller cannot sign off by saving
    record = pat.save(record)
    assert record.status == Status.DRAFT
    assert record.signoffs == []
    with pytest.raises(SignOffRefused):
        pat.sign_off(record.id, "record")  # far from complete
    record.status = Status.READY_FOR_REVIEW
    assert pat.save(record).status == Status.READY_FOR_REVIEW
    record = _complete(vault_dir, pat, "none")
    record = pat.sign_off(record.id, "record")
    assert record.status == Status.SIGNED_OFF
    exported = pat.mark_exported(record.id)
    assert exported.status == Status.EXPORTED
    assert exported.export_version == 1
    record = pat.load(record.id)
    record.status = Status.DRAFT
    assert pat.save(record).status == Status.EXPORTED  # nothing changed: stays exported
    record = pat.load(record.id)
    friends = record.get("about_me.friends")
    record.set("about_me.friends", "A toy giraffe called Fictional")
    assert pat.save(record).status == Status.CHANGED_AFTER_EXPORT
    record.set("about_me.friends", friends)
    assert pat.save(record).status == Status.EXPORTED  # undone: it is what was exported again
    pat.close()


def test_stale_save_is_a_conflict(vault_dir: Backend) -> None:
    one = login(vault_dir, "pat")
    two = login(vault_dir, "sen")
    record = one.new_record()
    mine = one.load(record.id)
    theirs = two.load(record.id)
    theirs.set("about_me.likes", "Sen's edit")
    two.save(theirs)
    mine.set("about_me.likes", "Pat's edit")
    with pytest.raises(SaveConflict):
        one.save(mine)
    assert one.load(record.id).get("about_me.likes") == "Sen's edit"
    mine = one.load(record.id)
    mine.set("about_me.likes", "Pat's edit, after reopening")
    one.save(mine)
    one.close()
    two.close()


def test_import_keeps_id_and_takes_a_new_version(vault_dir: Backend) -> None:
    boss = login(vault_dir, "boss")
    record = boss.new_record()
    incoming = record.copy()
    incoming.set("about_me.likes", "From the other setting")
    boss.import_record(incoming)
    boss.import_record(incoming)
    assert boss.load(record.id).get("about_me.likes") == "From the other setting"
    actions = [e.action for e in boss.audit_entries(record.id)]
    assert actions.count("imported") == 2
    boss.close()


def test_audit_names_who_did_what(vault_dir: Backend) -> None:
    pat = login(vault_dir, "pat")
    record = pat.new_record()
    pat.load(record.id)
    pat.record_event("export_file", record.id, {"pages": 7})
    with pytest.raises(VaultError):
        pat.record_event("Bad Action!", record.id, {})
    entries = pat.audit_entries(record.id)
    assert [(e.user, e.action) for e in entries] == [
        ("pat", "created"),
        ("pat", "opened"),
        ("pat", "export_file"),
    ]
    assert entries[-1].detail == {"pages": 7}
    assert all(e.intact for e in entries)
    pat.close()


def test_damaged_record_does_not_stop_others(vault_dir: Backend) -> None:
    boss = login(vault_dir, "boss")
    ids = [boss.new_record().id for _ in range(3)]
    (sealed,) = vault_dir.sql("SELECT ciphertext FROM records WHERE id = :i", {"i": ids[1]})[0]
    vault_dir.sql(
        "UPDATE records SET ciphertext = :c WHERE id = :i",
        {"c": bytes(sealed)[1:] + b"\x00", "i": ids[1]},
    )
    assert sorted(r.id for r in boss.list_records()) == sorted([ids[0], ids[2]])
    assert boss.damaged_records() == [ids[1]]
    report = boss.check()
    assert not report.ok
    assert any(ids[1] in p for p in report.problems)
    assert all(ids[0] not in p and ids[2] not in p for p in report.problems)
    boss.close()


def test_recovery_key_makes_a_new_manager(backend: Backend) -> None:
    service, recovery = VaultService.create(**backend.where, user="boss", password=PW, kdf=FAST)
    record = service.new_record()
    service.close()
    rescued = VaultService.open_with_recovery_key(
        **backend.where, recovery_key=recovery, new_manager="boss", new_password="new-boss-pass"
    )
    assert rescued.user == UserInfo("boss", Role.MANAGER)
    assert rescued.load(record.id).id == record.id
    rescued.close()
    login(backend, "boss", "new-boss-pass").close()
    with pytest.raises(AuthenticationFailed):
        login(backend, "boss", PW)


def test_import_cannot_smuggle_in_a_send_sign_off(vault_dir: Backend) -> None:
    pat = login(vault_dir, "pat")
    record = _complete(vault_dir, pat)
    forged = pat.load(record.id)
    forged.signoffs.append(
        SignOff(
            SignOffScope.SEND,
            "sen",
            Role.SENCO,
            date(2031, 6, 3),
            content_digest(forged, SignOffScope.SEND),
        )
    )
    forged.status = Status.EXPORTED
    forged.export_version = 4
    stored = pat.import_record(forged)
    assert stored.signoff(SignOffScope.SEND) is None  # kept only as history
    assert [s.history for s in stored.signoffs] == [True]
    assert (stored.status, stored.export_version) == (Status.DRAFT, 0)  # derived, not from the file
    pat.close()
    boss = login(
        vault_dir, "boss"
    )  # not even a manager vouches for a sign-off this vault never saw
    assert boss.import_record(forged).signoff(SignOffScope.SEND) is None
    boss.close()


def test_import_keeps_a_sign_off_this_vault_recorded_only_while_the_content_matches(
    vault_dir: Backend,
) -> None:
    sen = login(vault_dir, "sen")
    record = _complete(vault_dir, sen)
    sen.sign_off(record.id, "send")
    file = record_from_bytes(record_to_bytes(sen.load(record.id)))  # its JSON file, read back
    sen.close()
    pat = login(vault_dir, "pat")
    same = pat.import_record(file)
    assert readiness(same, None, date(2031, 6, 3)).state(SignOffScope.SEND).valid is True  # type: ignore[union-attr]
    file.set("send.strategies", "Changed in the file before importing")
    changed = pat.import_record(file)
    state = readiness(changed, None, date(2031, 6, 3)).state(SignOffScope.SEND)
    assert state is not None
    assert state.valid is False
    assert state.describe() == "Changed since signed off by sen (SENCO), 3 June"
    pat.close()
