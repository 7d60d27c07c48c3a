"""Retention under the charter: list what is due, delete only on a manager's confirmation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from models.errors import PermissionDenied
from models.vault import KdfParams
from transitions_app.cli import main
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.retention_service import RetentionService
from transitions_app.services.vault_service import VaultService

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "vault"
    create_demo_vault(directory, children=4, seed=3, kdf=FAST)
    return directory


def test_nothing_due_now_everything_due_years_later(vault_dir: Path) -> None:
    service = VaultService.open(vault_dir, "manager", "demo-password")
    try:
        assert RetentionService(service).due() == []
        # Northshire keeps records 3 years after school start: children who started in 2022
        for record in service.list_records():
            record.set("child.school_start_date", datetime(2022, 9, 5).date())
            service.save(record)
        due = RetentionService(service).due()
        assert len(due) == 4
        deleted = RetentionService(service).delete_due({due[0].record_id})
        assert [d.record_id for d in deleted] == [due[0].record_id]
        assert len(service.list_records()) == 3
        assert "retention_deleted" in [e.action for e in service.audit_entries()]
    finally:
        service.close()


def test_only_a_manager_deletes(vault_dir: Path) -> None:
    service = VaultService.open(vault_dir, "keyperson", "demo-password")
    try:
        with pytest.raises(PermissionDenied):
            RetentionService(service).delete_due({"anything"})
    finally:
        service.close()


def test_cli_needs_confirmation(
    vault_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRANSITIONS_PASSWORD", "demo-password")
    service = VaultService.open(vault_dir, "manager", "demo-password")
    for record in service.list_records():
        record.set("child.school_start_date", datetime(2022, 9, 5, tzinfo=UTC).date())
        service.save(record)
    service.close()
    assert main(["records", "retention", "--vault", str(vault_dir), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["due"]) == 4
    assert main(["records", "retention", "--vault", str(vault_dir), "--delete"]) == 2
    assert "confirm with --yes" in capsys.readouterr().err
    assert (
        main(["records", "retention", "--vault", str(vault_dir), "--delete", "--yes", "--json"])
        == 0
    )
    assert len(json.loads(capsys.readouterr().out)["deleted"]) == 4
