"""Bulk changes on several records: what changes, what is left alone and why, undo that refuses
to overwrite someone else's later change, and the role rules of a single save."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.errors import PermissionDenied, TransitionsError
from models.record import SignOffScope, Status
from models.roles import Role
from models.synthetic import generate_records
from models.vault import KdfParams
from transitions_app.services.bulk_service import BulkService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "correct horse battery"
ACORN = {"child.school_name": "Acorn Lane Primary School (fictional)", "child.school_urn": "990101"}


@pytest.fixture
def vault(tmp_path: Path) -> tuple[Path, list[str]]:
    directory = tmp_path / "vault"
    service, _key = VaultService.create(directory, "sam", PASSWORD, kdf=FAST)
    service.add_user("kim", Role.PRACTITIONER, PASSWORD)
    service.add_user("rae", Role.RECEPTION_TEACHER, PASSWORD)
    ids = []
    for record in generate_records(5, seed=11, today=date(2026, 3, 2)):
        record.status = Status.DRAFT
        record.signoffs = []
        ids.append(service.import_record(record).id)
    service.close()
    return directory, ids


def login(directory: Path, name: str) -> VaultService:
    return VaultService.open(directory, name, PASSWORD, sleeper=lambda _s: None)


def test_set_school_on_three_then_undo(vault: tuple[Path, list[str]]) -> None:
    directory, ids = vault
    kim = login(directory, "kim")
    try:
        kim.sign_off(ids[2], SignOffScope.RECORD.value)  # signed off: left alone
        first = kim.load(ids[0])
        first.set("child.school_name", ACORN["child.school_name"])
        first.set("child.school_urn", ACORN["child.school_urn"])
        kim.save(first)  # already there: nothing to do
        bulk = BulkService(kim)
        result = bulk.set_values(ids[:4], ACORN)
        assert sorted(r.id for r in result.changed) == sorted([ids[1], ids[3]])
        assert len(result.already) == 1
        assert [s.record_id for s in result.skipped] == [ids[2]]
        assert "re-open" in result.skipped[0].reason
        for rid in (ids[1], ids[3]):
            assert kim.load(rid).get("child.school_urn") == "990101"
        before = {rid: kim.load(rid).get("child.school_name") for rid in ids}
        undone = bulk.undo(result)
        assert undone.count == 2
        assert not undone.skipped
        for rid in (ids[1], ids[3]):
            assert kim.load(rid).get("child.school_urn") != "990101"
        assert kim.load(ids[0]).get("child.school_urn") == "990101"  # it already had it
        assert before[ids[2]] == kim.load(ids[2]).get("child.school_name")
        assert kim.load(ids[2]).status == Status.SIGNED_OFF
        redone = bulk.redo(result)
        assert redone.count == 2
        assert any(e.action == "bulk_set" for e in kim.audit_entries())
    finally:
        kim.close()


def test_undo_leaves_a_record_someone_changed_since(vault: tuple[Path, list[str]]) -> None:
    directory, ids = vault
    kim = login(directory, "kim")
    try:
        result = BulkService(kim).set_values(ids[:2], {"child.school_class": "Hedgehogs"})
        record = kim.load(ids[0])
        record.set("child.school_class", "Owls")  # someone's later change
        kim.save(record)
        undone = BulkService(kim).undo(result)
        assert [r.id for r in undone.changed] == [ids[1]]
        assert undone.skipped[0].record_id == ids[0]
        assert kim.load(ids[0]).get("child.school_class") == "Owls"
    finally:
        kim.close()


def test_including_signed_off_reopens_and_says_so(vault: tuple[Path, list[str]]) -> None:
    directory, ids = vault
    kim = login(directory, "kim")
    try:
        kim.sign_off(ids[0], SignOffScope.RECORD.value)
        result = BulkService(kim).set_values(
            [ids[0]], {"child.school_start_date": date(2027, 9, 6)}, include_signed_off=True
        )
        assert result.reopened == (kim.load(ids[0]).display_name,)
        assert kim.load(ids[0]).status == Status.DRAFT
    finally:
        kim.close()


def test_mark_ready_and_undo(vault: tuple[Path, list[str]]) -> None:
    directory, ids = vault
    kim = login(directory, "kim")
    try:
        kim.sign_off(ids[1], SignOffScope.RECORD.value)
        result = BulkService(kim).mark_ready(ids[:3])
        assert sorted(r.id for r in result.changed) == sorted([ids[0], ids[2]])
        assert "signed off" in result.skipped[0].reason.lower()
        assert kim.load(ids[0]).status == Status.READY_FOR_REVIEW
        BulkService(kim).undo(result)
        assert kim.load(ids[0]).status == Status.DRAFT
        assert kim.load(ids[1]).status == Status.SIGNED_OFF
    finally:
        kim.close()


def test_roles_and_bad_values_are_refused(vault: tuple[Path, list[str]]) -> None:
    directory, ids = vault
    rae = login(directory, "rae")  # a Reception teacher changes no setting's records
    try:
        with pytest.raises(PermissionDenied):
            BulkService(rae).set_values(ids, ACORN)
        with pytest.raises(PermissionDenied):
            BulkService(rae).mark_ready(ids)
    finally:
        rae.close()
    kim = login(directory, "kim")
    try:
        with pytest.raises(TransitionsError, match="six digits"):
            BulkService(kim).set_values(ids, {"child.school_urn": "99A"})
        with pytest.raises(TransitionsError, match="cannot be set"):
            BulkService(kim).set_values(ids, {"child.cin_cp": "yes"})  # never the safeguarding flag
        assert kim.load(ids[0]).get("child.school_urn") != "99A"
    finally:
        kim.close()
