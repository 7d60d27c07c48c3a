"""Every public method of VaultService that writes, called as every role: allowed exactly where
the expectations below (written out here, not read from the rules) say so, and a refused call
writes nothing. A new public method fails this test until it is sorted into WRITES or READS."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from models.errors import PermissionDenied, VaultError
from models.framework.registry import current_framework
from models.readiness import readiness
from models.record import Record, SignOffScope
from models.roles import SCHOOL_ROLES, SETTING_ROLES, Role
from models.synthetic import generate_records
from models.vault import KdfParams
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PW = "walk-manager-password"
ALL = frozenset(Role)
SETTING = frozenset(SETTING_ROLES)
SCHOOL = frozenset(SCHOOL_ROLES)
ADMINS = frozenset({Role.MANAGER, Role.CHILDMINDER, Role.HEADTEACHER})
SETTING_ADMINS = frozenset({Role.MANAGER, Role.CHILDMINDER})
HEAD = frozenset({Role.HEADTEACHER})
NOBODY: frozenset[Role] = frozenset()

_names = itertools.count()


class World:
    """One vault with a user of every role; ``boss`` (manager) prepares what a call needs."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.boss, _ = VaultService.create(directory, "boss", PW, kdf=FAST)
        self.sessions: dict[Role, VaultService] = {Role.MANAGER: self.boss}
        for role in Role:
            if role is not Role.MANAGER:
                self.boss.add_user(role.value, role, f"{role.value}-password")
                self.sessions[role] = VaultService.open(
                    directory, role.value, f"{role.value}-password"
                )

    def fresh_record(self) -> str:
        return self.boss.new_record().id

    def complete_record(self, *, for_manager: bool = False) -> str:
        """A synthetic record complete for the practitioner's and the SENCO's sign-offs; for the
        manager's, with those two given."""
        today = date.today()
        for record in generate_records(24, seed=next(_names), today=today):
            ready = readiness(record, None, today)
            if record.get("send.status") == "sen_support" and not (
                ready.stopping(SignOffScope.RECORD) or ready.stopping(SignOffScope.SEND)
            ):
                record.id = str(uuid.uuid4())
                made = self.boss.import_record(record).id
                if for_manager:
                    self.boss.sign_off(made, "record")
                    self.sessions[Role.SENCO].sign_off(made, "send")
                return made
        raise AssertionError("no complete synthetic record with SEN support")

    def fresh_user(self) -> str:
        name = f"temp{next(_names)}"
        self.boss.add_user(name, Role.PRACTITIONER, "temp-user-password")
        return name

    def reopen(self) -> None:
        """After a re-key every other session must log in again."""
        for role, session in list(self.sessions.items()):
            session.close()
            name = "boss" if role is Role.MANAGER else role.value
            self.sessions[role] = VaultService.open(
                self.directory, name, PW if role is Role.MANAGER else f"{name}-password"
            )
        self.boss = self.sessions[Role.MANAGER]

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()


Call = Callable[[VaultService, World], object]


def _change_own_password(s: VaultService, w: World) -> None:
    me = s.user.name
    old = PW if me == "boss" else f"{me}-password"
    s.change_password(old, "a-new-password-1")
    s.change_password("a-new-password-1", old)


def _import(s: VaultService, _w: World) -> None:
    fw = current_framework()
    s.import_record(Record(framework_id=fw.id, framework_version=fw.version))


def _remove_user(s: VaultService, w: World) -> None:
    s.remove_user(w.fresh_user())
    w.reopen()


# (method, label) -> (call, roles allowed)
CASES: dict[tuple[str, str], tuple[Call, frozenset[Role]]] = {
    ("new_record", ""): (lambda s, w: s.new_record(), SETTING),
    ("save", ""): (lambda s, w: s.save(s.load(w.fresh_record())), SETTING),
    ("import_record", ""): (_import, SETTING),
    ("mark_exported", ""): (lambda s, w: s.mark_exported(w.fresh_record()), SETTING),
    ("sign_off", "record"): (lambda s, w: s.sign_off(w.complete_record(), "record"), SETTING),
    ("sign_off", "send"): (
        lambda s, w: s.sign_off(w.complete_record(), "send"),
        frozenset({Role.SENCO, Role.CHILDMINDER}),
    ),
    ("sign_off", "manager"): (
        lambda s, w: s.sign_off(w.complete_record(for_manager=True), "manager"),
        SETTING_ADMINS,
    ),
    ("delete", ""): (lambda s, w: s.delete(w.fresh_record()), ADMINS),
    ("load", ""): (lambda s, w: s.load(w.fresh_record()), ALL),  # writes "opened"
    ("add_user", ""): (
        lambda s, w: s.add_user(f"new{next(_names)}", Role.PRACTITIONER, "new-user-password"),
        ADMINS,
    ),
    ("remove_user", ""): (_remove_user, ADMINS),
    ("reset_password", ""): (
        lambda s, w: s.reset_password(w.fresh_user(), "reset-password-1"),
        ADMINS,
    ),
    ("change_password", ""): (_change_own_password, ALL),
    ("backup", ""): (
        lambda s, w: s.backup(w.directory.parent / f"b{next(_names)}.tvbak"),
        ALL,
    ),
}

BLOBS: dict[str, frozenset[Role]] = {
    "charter": ADMINS,
    "setting/identity": SETTING_ADMINS,
    "school/identity": HEAD,
    "school/info": HEAD,
    "school/trust-root": HEAD,
    "school/crl": HEAD,
    "school/decryption-keys": HEAD,
    "school/senco-reviews": frozenset({Role.SCHOOL_SENCO, Role.HEADTEACHER}),
    "school/received": SCHOOL,
    "school/record/0f0e": SCHOOL,
    "school/pdf/0f0e/teacher": SCHOOL,
    "school/quarantine-file/ab": SCHOOL,
    "feedback/trust-root": SETTING_ADMINS,
    "feedback/receipts": SETTING,
    "feedback/outcomes": SETTING,
    "family/form-key": SETTING,
    "family/forms/0f0e": SETTING,
    "setting_profile": SETTING_ADMINS,
    "setting/phrases": SETTING,
    "setting/dictionary": SETTING,
    "certificate": ADMINS,  # a name no rule covers
}


def _put_blob(s: VaultService, name: str) -> None:
    s.put_blob(name, b"made-up")
    if name == "charter":  # a made-up charter would stop the sign-off cases after this one
        s.delete_blob(name)


for _name, _roles in BLOBS.items():
    CASES[("put_blob", _name)] = (lambda s, w, n=_name: _put_blob(s, n), _roles)
    CASES[("delete_blob", _name)] = (lambda s, w, n=_name: s.delete_blob(n), _roles)

EVENTS: dict[str, frozenset[Role]] = {
    "export_file": SETTING,
    "export_refused": SETTING,
    "started_from_pdf": SETTING,
    "bulk_set": SETTING,
    "bulk_ready": SETTING,
    "bulk_undone": SETTING,
    "family_form_made": SETTING,
    "family_form_read": SETTING,
    "family_copy_made": SETTING,
    "la_return": SETTING_ADMINS,
    "retention_deleted": ADMINS,
    "charter_imported": ADMINS,
    "receipt_received": SETTING,
    "outcomes_received": SETTING,
    "school_init": HEAD,
    "school_decryption_key": HEAD,
    "school_released": HEAD,
    "school_quarantine_removed": frozenset({Role.HEADTEACHER, Role.SCHOOL_SENCO}),
    "senco_reviewed": frozenset({Role.SCHOOL_SENCO, Role.HEADTEACHER}),
    "school_imported": SCHOOL,
    "school_read": SCHOOL,
    "school_receipt_saved": SCHOOL,
    "school_outcomes_entered": SCHOOL,
    # not events a caller writes: made up, or the vault's own
    "made_up_event": NOBODY,
    "user_added": NOBODY,
    "deleted": NOBODY,
    "opened": NOBODY,
    "audit_damage": NOBODY,
    "audit_anchored": NOBODY,
}
for _action, _roles in EVENTS.items():
    CASES[("record_event", _action)] = (
        lambda s, w, a=_action: s.record_event(a, None, {"made_up": True}),
        _roles,
    )

# audit entries written while preparing a call: a fresh record or user, and loading it
PREPARED: dict[str | tuple[str, str], int] = {
    ("sign_off", "manager"): 3,  # imported, signed off by the practitioner and the SENCO
    "save": 2,
    "mark_exported": 1,
    "sign_off": 1,
    "delete": 1,
    "remove_user": 1,
    "reset_password": 1,
}

READS = frozenset(
    {
        "audit_entries",
        "changes_since",
        "charter",
        "check",
        "close",
        "create",
        "damaged_records",
        "describe_location",
        "directory",
        "display_name",
        "exists",
        "get_blob",
        "get_records",
        "list_records",
        "list_users",
        "location",
        "move",
        "notices",
        "on_server",
        "open",
        "open_with_recovery_key",
        "read_only",
        "readiness",
        "refusal",
        "sign_off_refusal",
        "restore",
        "user",
    }
)


def test_every_public_method_is_sorted_into_writes_or_reads() -> None:
    public = {name for name in dir(VaultService) if not name.startswith("_")}
    writes = {method for method, _label in CASES}
    assert public - READS == writes, "sort a new method into CASES (it writes) or READS"
    assert not writes & READS


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    made = World(tmp_path_factory.mktemp("walk") / "vault")
    yield made
    made.close()


def _trail_length(world: World) -> int:
    return len(world.boss.audit_entries())


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("case", sorted(CASES), ids=lambda c: f"{c[0]}:{c[1]}" if c[1] else c[0])
def test_every_write_as_every_role(world: World, role: Role, case: tuple[str, str]) -> None:
    call, allowed = CASES[case]
    session = world.sessions[role]
    if role in allowed:
        call(session, world)
        return
    before = _trail_length(world)
    blob = case[1] if case[0] in ("put_blob", "delete_blob") else None
    kept = world.boss.get_blob(blob) if blob else None
    # a role rule says PermissionDenied; an event no caller may write, VaultError
    refusal = VaultError if allowed is NOBODY else PermissionDenied
    with pytest.raises(refusal):
        call(session, world)
    # nothing was written by the refused call, only what preparing it wrote
    assert _trail_length(world) == before + PREPARED.get(case, PREPARED.get(case[0], 0))
    if blob:
        assert world.boss.get_blob(blob) == kept


def test_the_vault_is_sound_after_the_walk(world: World) -> None:
    report = world.boss.check()
    assert report.ok, report.problems
