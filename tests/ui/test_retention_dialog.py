"""Setting > Records due for deletion…: the records the charter says are due, ticked by keyboard,
deleted only after the confirmation and only those ticked, with the deletions in the audit trail;
the calm empty and no-charter states; who gets the action."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.conftest import CHEAP_KDF, PASSWORD, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from transitions_app.services.retention_service import RetentionService
from transitions_app.services.vault_service import VaultService
from ui.main_window import MainWindow
from ui.retention_dialog import DueModel, RetentionDialog

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the example charter is in force
STARTED = date(2022, 9, 5)  # Northshire keeps records 3 years after the child starts school


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("retention") / "vault"
    create_demo_vault(directory, children=5, seed=3, kdf=CHEAP_KDF, today=NOW.date())
    return directory


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(demo_template, copy)
    return copy


def open_as(directory: Path, user: str = "manager") -> VaultService:
    return VaultService.open(directory, user, DEMO_PASSWORD, sleeper=lambda _s: None)


def make_due(session: VaultService, count: int) -> list[str]:
    """Move ``count`` children's school start back to 2022: their keeping period has ended."""
    ids = []
    for record in sorted(session.list_records(), key=lambda r: r.display_name)[:count]:
        record.set("child.school_start_date", STARTED)
        session.save(record)
        ids.append(record.id)
    return ids


def open_dialog(qtbot, session, *, has_charter: bool = True, can_delete: bool = True):
    dialog = RetentionDialog(
        RetentionService(session, clock=lambda: NOW),
        has_charter=has_charter,
        can_delete=can_delete,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def answer(box: QMessageBox, yes: bool) -> None:
    wanted = QMessageBox.ButtonRole.DestructiveRole if yes else QMessageBox.ButtonRole.RejectRole
    next(b for b in box.buttons() if box.buttonRole(b) == wanted).click()


def test_due_model_passes_the_model_tester(qtmodeltester, demo: Path) -> None:
    session = open_as(demo)
    try:
        make_due(session, 3)
        model = DueModel()
        model.set_items(RetentionService(session, clock=lambda: NOW).due())
        qtmodeltester.check(model, force_py=True)
        assert model.rowCount() == 3
        assert model.index(0, DueModel.SINCE).data() == "5 September 2025"
        assert "5 September 2022" in model.index(0, DueModel.WHY).data()
        assert "keeps records for 3 years" in model.index(0, DueModel.WHY).data()
    finally:
        session.close()


def test_deletes_only_the_ticked_records_after_confirmation(qtbot, demo: Path) -> None:
    session = open_as(demo)
    try:
        due_ids = make_due(session, 3)
        total = len(session.list_records())
        dialog = open_dialog(qtbot, session)
        assert dialog.model.rowCount() == 3
        assert "3 records have come" in dialog.state.text()
        assert not dialog.delete_button.isEnabled()  # nothing ticked yet

        # Tick the first and the third by keyboard: Space ticks, Down moves.
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.table)
        qtbot.keyClick(dialog.table, Qt.Key.Key_Space)
        qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.table, Qt.Key.Key_Space)
        items = dialog.model.items()
        ticked = {items[0].record_id, items[2].record_id}
        kept = items[1].record_id
        assert dialog.model.ticked_ids() == ticked
        assert dialog.delete_button.isEnabled()
        assert dialog.delete_button.text() == "&Delete 2 ticked records…"

        # No: nothing is deleted.
        qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
        box = dialog.confirmation
        assert box is not None
        assert box.isVisible()
        assert (
            box.text()
            == "This deletes 2 records for good. Backups you made earlier still hold them."
        )
        assert box.defaultButton() is box.escapeButton()
        answer(box, yes=False)
        assert len(session.list_records()) == total

        # Yes: the two ticked records go, in the background; the third stays.
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        qtbot.keyClick(dialog, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: dialog.confirmation is not None)  # a mnemonic clicks after a moment
        answer(dialog.confirmation, yes=True)
        assert dialog.busy.isVisible()
        qtbot.waitUntil(lambda: not dialog.busy.isVisible(), timeout=10000)
        assert dialog.message.text().startswith("Deleted 2 records for good")
        assert {d.record_id for d in dialog.deleted} == ticked
        left = {r.id for r in session.list_records()}
        assert not ticked & left
        assert kept in left
        assert len(left) == total - 2
        assert [d.record_id for d in dialog.model.items()] == [kept]
        assert set(due_ids) == ticked | {kept}
    finally:
        session.close()

    # The audit trail says which records were deleted under retention.
    again = open_as(demo)
    try:
        entries = [e for e in again.audit_entries() if e.action == "retention_deleted"]
        assert {e.record_id for e in entries} == ticked
    finally:
        again.close()


def test_tick_all_and_none(qtbot, demo: Path) -> None:
    session = open_as(demo)
    try:
        make_due(session, 2)
        dialog = open_dialog(qtbot, session)
        qtbot.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: len(dialog.model.ticked_ids()) == 2)
        qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: dialog.model.ticked_ids() == set())
        assert not dialog.delete_button.isEnabled()
    finally:
        session.close()


def test_nothing_due_is_a_calm_sentence(qtbot, demo: Path) -> None:
    session = open_as(demo)
    try:
        dialog = open_dialog(qtbot, session)
        assert dialog.state.text().startswith("No records are due for deletion.")
        assert dialog.table.isHidden()
        assert dialog.delete_button.isHidden()
        assert dialog.message.isHidden()
    finally:
        session.close()


def test_without_a_charter_it_says_retention_comes_from_the_charter(qtbot, vault_dir: Path) -> None:
    session = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    try:
        dialog = open_dialog(qtbot, session, has_charter=False)
        assert "comes from your local authority's charter" in dialog.state.text()
        assert "No charter has been imported" in dialog.state.text()
        assert dialog.table.isHidden()
        assert dialog.message.isHidden()
    finally:
        session.close()


def test_someone_who_cannot_delete_sees_no_tick_boxes(qtbot, demo: Path) -> None:
    manager = open_as(demo)
    make_due(manager, 1)
    manager.close()
    session = open_as(demo, "keyperson")
    try:
        dialog = open_dialog(qtbot, session, can_delete=False)
        assert dialog.model.rowCount() == 1
        assert dialog.model.index(0, DueModel.CHILD).data(Qt.ItemDataRole.CheckStateRole) is None
        assert dialog.delete_button.isHidden()
        assert "Only a manager" in dialog.only_manager.text()
        assert dialog.only_manager.isVisible()
    finally:
        session.close()


def window_for(qtbot, directory: Path, session) -> MainWindow:
    services = WindowServices(clock=lambda: NOW, workers=1)
    window = MainWindow(CheapVaultAccess, directory, session, services=services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_action_is_in_the_setting_menu_for_managers(qtbot, demo: Path) -> None:
    window = window_for(qtbot, demo, open_as(demo))
    assert window.retention_action in window.setting_menu.actions()
    assert window.retention_action.isEnabled()
    window.close()

    window = window_for(qtbot, demo, open_as(demo, "keyperson"))
    assert not window.retention_action.isEnabled()
    window.close()
