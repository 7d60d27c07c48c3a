"""File > Users…: adding a user by keyboard (who can then log in), refusing a bad password inline,
removing a user (the vault is re-keyed and they are locked out), and who gets the action."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox

from models.errors import AuthenticationFailed
from models.roles import SCHOOL_ROLES, SETTING_ROLES, Role
from tests.ui.conftest import CHEAP_KDF, PASSWORD, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.vault_service import VaultService
from ui.main_window import MainWindow
from ui.users_dialog import UsersDialog, UsersModel

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "blue-teapot-harbour"


def open_dialog(qtbot, session) -> UsersDialog:
    dialog = UsersDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.name)
    return dialog


def type_into(qtbot, dialog: UsersDialog, mnemonic: Qt.Key, text: str) -> QLineEdit:
    """Alt+letter moves to the field (its label's buddy); then type."""
    qtbot.keyClick(dialog, mnemonic, Qt.KeyboardModifier.AltModifier)
    field = QApplication.focusWidget()
    assert isinstance(field, QLineEdit)
    qtbot.keyClicks(field, text)
    return field


def names(dialog: UsersDialog) -> list[str]:
    return [u.name for u in dialog.model.users()]


@pytest.fixture
def session(vault_dir: Path):
    service = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    yield service
    service.close()


def test_the_users_model_passes_the_model_tester(qtmodeltester, session) -> None:
    model = UsersModel("sam")
    model.set_users(session.list_users())
    qtmodeltester.check(model, force_py=True)
    assert model.index(0, UsersModel.ROLE).data() == "Practitioner / key person"  # kim
    assert model.index(1, UsersModel.NAME).data() == "sam (you)"


def test_lists_users_with_plain_roles_and_the_setting_roles(qtbot, session) -> None:
    dialog = open_dialog(qtbot, session)
    rows = [
        (dialog.model.index(r, 0).data(), dialog.model.index(r, 1).data())
        for r in range(dialog.model.rowCount())
    ]
    assert rows == [("kim", "Practitioner / key person"), ("sam (you)", "Manager")]
    offered = [dialog.role.itemData(i) for i in range(dialog.role.count())]
    assert set(offered) == SETTING_ROLES
    assert dialog.role.currentData() == Role.PRACTITIONER
    # Every field has a label with a mnemonic as its buddy, and an accessible name.
    buddies = {
        label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy()
    }
    for widget in (dialog.table, dialog.name, dialog.role, dialog.password, dialog.again):
        assert "&" in buddies[widget]
        assert widget.accessibleName()
    assert "in person" in dialog.add_box.findChildren(QLabel)[-1].text()
    assert any("recovery key" in label.text() for label in dialog.findChildren(QLabel))


def test_add_a_user_by_keyboard_who_can_then_log_in(qtbot, session, vault_dir: Path) -> None:
    dialog = open_dialog(qtbot, session)
    type_into(qtbot, dialog, Qt.Key.Key_N, "jo")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.role
    qtbot.keyClick(dialog.role, Qt.Key.Key_Down)  # Practitioner -> SENCO
    assert dialog.role.currentData() == Role.SENCO
    qtbot.keyClick(dialog.role, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.password
    qtbot.keyClicks(dialog.password, NEW_PASSWORD)
    type_into(qtbot, dialog, Qt.Key.Key_G, NEW_PASSWORD)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: "Added jo" in dialog.message.text(), timeout=10000)
    assert "as SENCO" in dialog.message.text()
    assert not dialog.busy.isVisible()
    assert names(dialog) == ["jo", "kim", "sam"]
    assert dialog.selected_name() == "jo"
    assert dialog.name.text() == dialog.password.text() == dialog.again.text() == ""

    jo = VaultService.open(vault_dir, "jo", NEW_PASSWORD, sleeper=lambda _s: None)
    try:
        assert jo.user.role == Role.SENCO
    finally:
        jo.close()


def test_a_short_or_mismatched_password_is_refused_inline(qtbot, session) -> None:
    dialog = open_dialog(qtbot, session)
    qtbot.keyClicks(dialog.name, "jo")
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.again, "short")
    qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
    assert dialog.message.text() == "Choose a first password of at least 8 characters."
    assert dialog.message.objectName() == "fieldError"
    assert QApplication.focusWidget() is dialog.password

    dialog.password.setText(NEW_PASSWORD)
    dialog.again.setText(NEW_PASSWORD + "x")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "not the same" in dialog.message.text()
    assert dialog.password.text() == dialog.again.text() == ""
    assert QApplication.focusWidget() is dialog.password
    assert not dialog.busy.isVisible()
    assert [u.name for u in session.list_users()] == ["kim", "sam"]


def test_the_services_refusal_is_shown_inline(qtbot, vault_dir: Path) -> None:
    """A practitioner never gets the menu entry; if the dialog were opened anyway, the service's
    own sentence is what they see."""
    kim = CheapVaultAccess.open(vault_dir, "kim", PASSWORD)
    try:
        dialog = open_dialog(qtbot, kim)
        qtbot.keyClicks(dialog.name, "jo")
        qtbot.keyClicks(dialog.password, NEW_PASSWORD)
        qtbot.keyClicks(dialog.again, NEW_PASSWORD)
        qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not dialog.busy.isVisible(), timeout=10000)
        assert dialog.message.text() == "Only a manager can add users."
        assert dialog.message.objectName() == "fieldError"
        assert [u.name for u in kim.list_users()] == ["kim", "sam"]
    finally:
        kim.close()


def confirm(box: QMessageBox, yes: bool) -> None:
    wanted = QMessageBox.ButtonRole.AcceptRole if yes else QMessageBox.ButtonRole.RejectRole
    button = next(b for b in box.buttons() if box.buttonRole(b) == wanted)
    button.click()


def test_remove_a_user_locks_them_out(qtbot, session, vault_dir: Path) -> None:
    records_before = {r.id for r in session.list_records()}
    session.new_record()
    dialog = open_dialog(qtbot, session)

    # You cannot remove yourself.
    dialog.select("sam")
    assert not dialog.remove_button.isEnabled()
    assert "cannot remove yourself" in dialog.remove_note.text()

    # Cancel leaves kim alone.
    dialog.select("kim")
    assert dialog.remove_button.isEnabled()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    box = dialog.confirmation
    assert box is not None
    assert box.isVisible()
    assert box.text() == "Remove kim?"
    assert box.defaultButton() is box.escapeButton()  # the safe answer is the default
    confirm(box, yes=False)
    assert dialog.confirmation is None
    assert names(dialog) == ["kim", "sam"]

    # Yes: removed in the background with a busy bar, then kim cannot open the vault.
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.confirmation is not None
    confirm(dialog.confirmation, yes=True)
    assert dialog.busy.isVisible()
    assert not dialog.close_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy.isVisible(), timeout=10000)
    assert dialog.message.text().startswith("Removed kim.")
    assert names(dialog) == ["sam"]
    with pytest.raises(AuthenticationFailed):
        VaultService.open(vault_dir, "kim", PASSWORD, sleeper=lambda _s: None)
    # The session goes on with the new key and the records are all still there.
    assert {r.id for r in session.list_records()} >= records_before
    again = VaultService.open(vault_dir, "sam", PASSWORD, sleeper=lambda _s: None)
    try:
        assert len(again.list_records()) == len(records_before) + 1
        assert "user_removed" in [e.action for e in again.audit_entries()]
    finally:
        again.close()


def test_a_school_vault_offers_the_schools_roles(qtbot, tmp_path: Path) -> None:
    head, _key = VaultService.create(
        tmp_path / "school", "head", PASSWORD, kdf=CHEAP_KDF, role=Role.HEADTEACHER
    )
    try:
        dialog = open_dialog(qtbot, head)
        offered = [dialog.role.itemData(i) for i in range(dialog.role.count())]
        assert set(offered) == SCHOOL_ROLES
        assert dialog.role.currentText() == "Reception teacher"
    finally:
        head.close()


def window_for(qtbot, directory: Path, session) -> MainWindow:
    window = MainWindow(
        CheapVaultAccess, directory, session, services=WindowServices(clock=lambda: NOW)
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_only_a_manager_gets_the_users_action(qtbot, vault_dir: Path) -> None:
    kim = CheapVaultAccess.open(vault_dir, "kim", PASSWORD)
    window = window_for(qtbot, vault_dir, kim)
    assert not window.users_action.isVisible()
    assert not window.users_action.isEnabled()
    window.close()

    sam = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    window = window_for(qtbot, vault_dir, sam)
    file_menu = window.menuBar().actions()[0].menu()
    assert window.users_action in file_menu.actions()
    assert window.users_action.isVisible()
    assert window.users_action.isEnabled()
    window.lock()
    assert not window.users_action.isEnabled()
    window.close()


def test_a_manager_sets_a_new_password_for_someone_who_forgot(
    qtbot, session, vault_dir: Path
) -> None:
    dialog = open_dialog(qtbot, session)
    dialog.select(session.user.name)
    assert not dialog.reset_button.isEnabled()  # your own: File > Change password
    dialog.select("kim")
    assert dialog.reset_button.isEnabled()
    ask = dialog.ask_reset()
    assert ask is not None
    qtbot.keyClicks(ask.password, "short")
    qtbot.keyClicks(ask.again, "short")
    qtbot.mouseClick(ask.set_button, Qt.MouseButton.LeftButton)
    assert ask.isVisible()
    assert "at least" in ask.error.text()
    qtbot.keyClicks(ask.password, NEW_PASSWORD)
    qtbot.keyClicks(ask.again, NEW_PASSWORD)
    qtbot.mouseClick(ask.set_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "has a new password" in dialog.message.text(), timeout=20000)
    with pytest.raises(AuthenticationFailed):
        VaultService.open(vault_dir, "kim", PASSWORD)
    kim = VaultService.open(vault_dir, "kim", NEW_PASSWORD)
    assert kim.user.role is Role.PRACTITIONER
    kim.close()
