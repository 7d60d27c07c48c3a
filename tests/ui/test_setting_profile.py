"""Setting ▸ Setting profile… with real input: a manager types the profile once, then New child
(Ctrl+N) starts with the setting's name, URN and type, the key person and the school's contact;
a key person can read the profile but not change it; empty boxes fill from the LA certificate."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from models.record import Person
from tests.ui.conftest import PASSWORD, CheapVaultAccess, show_active
from transitions_app.app import WindowServices
from transitions_app.services.charter_service import CharterService
from ui.main_window import MainWindow
from ui.setting_profile_dialog import SettingProfileDialog

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def window_for(qtbot, directory: Path, session) -> MainWindow:
    services = WindowServices(clock=lambda: NOW, workers=1)
    window = MainWindow(CheapVaultAccess, directory, session, services=services)
    show_active(qtbot, window)
    return window


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.selectAll() if hasattr(widget, "selectAll") else None
    qtbot.keyClicks(widget, text)


def test_manager_types_the_profile_and_new_child_starts_with_it(qtbot, vault_dir: Path) -> None:
    session = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    window = window_for(qtbot, vault_dir, session)
    assert window.profile_action.isEnabled()
    dialog = SettingProfileDialog(window.services.profile(session), window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: dialog.fill_button.isEnabled())  # the LA look-up finished (nothing)
    type_into(qtbot, dialog.name, "Little Acorns Nursery (fictional)")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.urn
    qtbot.keyClicks(dialog.urn, "EY900001")
    qtbot.keyClick(dialog.urn, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.setting_type
    qtbot.keyClick(dialog.setting_type, Qt.Key.Key_Down)  # Group setting
    type_into(qtbot, dialog.phone, "01632 960000")
    # People: the SENCO, and the manager as the school's named contact.
    dialog.tabs.setCurrentIndex(1)
    type_into(qtbot, dialog.people["manager"][0], "Morgan Oakley")
    type_into(qtbot, dialog.people["manager"][1], "01632 960003")
    dialog.school_contact.setFocus()
    while dialog.school_contact.currentData() != "manager":
        qtbot.keyClick(dialog.school_contact, Qt.Key.Key_Down)
    # Staff names: kim is "Kim Keyworth", typed into the table.
    dialog.tabs.setCurrentIndex(2)
    table = dialog.staff_table
    row = next(n for n in range(table.rowCount()) if table.item(n, dialog.LOGIN).text() == "kim")
    table.setFocus()
    table.setCurrentCell(row, dialog.DISPLAY)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    assert QApplication.focusWidget() is not table  # the cell's editor
    qtbot.keyClicks(QApplication.focusWidget(), "Kim Keyworth")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.item(row, dialog.DISPLAY).text() == "Kim Keyworth")  # queued
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert dialog.result() == SettingProfileDialog.DialogCode.Accepted
    assert dialog.saved is not None
    assert dialog.saved.display_name("kim") == "Kim Keyworth"

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # New child
    editor = window.editor
    assert editor is not None
    assert editor.field_widget("child.setting_name").value() == "Little Acorns Nursery (fictional)"
    assert editor.field_widget("child.setting_urn").value() == "EY900001"
    assert editor.field_widget("child.setting_type").value() == "group"
    assert editor.field_widget("transition.setting_contact").value() == Person(
        "Morgan Oakley", "Manager", "Little Acorns Nursery (fictional)", "01632 960003"
    )
    # The cursor is in the forename box, ready for typing.
    assert QApplication.focusWidget() is editor.row("child.legal_forenames").field.focus_target()
    window.close()


def test_key_person_reads_the_profile_but_cannot_save_it(qtbot, vault_dir: Path) -> None:
    manager = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    services = WindowServices(clock=lambda: NOW, workers=1)
    from models.setting_profile import SettingProfile, StaffMember

    services.profile(manager).save(
        SettingProfile(
            name="Little Acorns Nursery (fictional)",
            urn="EY900001",
            setting_type="group",
            staff=(StaffMember("kim", "Kim Keyworth", "Room leader"),),
        )
    )
    manager.close()
    session = CheapVaultAccess.open(vault_dir, "kim", PASSWORD)
    window = window_for(qtbot, vault_dir, session)
    dialog = SettingProfileDialog(window.services.profile(session), window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.name.text() == "Little Acorns Nursery (fictional)"
    assert dialog.name.isReadOnly()
    assert not dialog.save_button.isVisible()
    assert "Only a manager" in dialog.note.text()
    dialog.reject()

    window.new_child_action.trigger()  # the key person's own new child names them
    editor = window.editor
    assert editor is not None
    assert editor.field_widget("child.key_person").value() == Person(
        "Kim Keyworth", "Room leader", "Little Acorns Nursery (fictional)", ""
    )
    qtbot.keyClicks(QApplication.focusWidget(), "Juno")
    editor.flush()
    assert editor.record().get("child.legal_forenames") == "Juno"
    window.close()


def test_empty_profile_fills_name_and_urn_from_the_certificate(qtbot, vault_dir: Path) -> None:
    session = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    CharterService(session).use_self_signed("Buttercup Pre-school (fictional)", "EY123456")
    window = window_for(qtbot, vault_dir, session)
    dialog = SettingProfileDialog(window.services.profile(session), window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.name.text() == "Buttercup Pre-school (fictional)")
    assert dialog.urn.text() == "EY123456"
    assert "Filled in from the LA" in dialog.note.text()
    dialog.reject()
    window.close()
