"""The whole window on a real vault: create a child by keyboard and mouse, undo, close without
saving explicitly, reopen the vault and find the values; lock and unlock; idle lock."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from models.record import Person
from tests.ui.conftest import (
    PASSWORD,
    TODAY,
    CheapVaultAccess,
    FakeAccess,
    FakeService,
    show_active,
)
from transitions_app.services.vault_service import VaultService
from ui.main_window import MainWindow


def open_window(qtbot, access, directory: Path, service, **kw) -> MainWindow:
    window = MainWindow(access, directory, service, today=lambda: TODAY, **kw)
    show_active(qtbot, window)
    return window


def focused():
    return QApplication.focusWidget()


def test_create_child_edit_undo_close_and_reopen(qtbot, vault_dir: Path) -> None:
    service = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    window = open_window(qtbot, CheapVaultAccess, vault_dir, service)
    assert window.dashboard.model.rowCount() == 0

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # New child
    editor = window.editor
    assert editor is not None
    assert focused() is editor.row("child.legal_forenames").field.focus_target()

    # Section 1 by keyboard: forename, Tab, surname, Tab, preferred name (then undone).
    qtbot.keyClicks(focused(), "Juno")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "Testwhistle")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is editor.row("child.preferred_name").field.focus_target()
    qtbot.keyClicks(focused(), "Joojoo")
    qtbot.keyClick(
        focused(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
    )  # undo the preferred name
    assert editor.row("child.preferred_name").field.value() is None
    editor.field_widget("child.date_of_birth").set_date(
        date(2021, 11, 5)
    )  # as the calendar popup does
    sex = editor.row("child.sex").field.focus_target()
    sex.setFocus()
    qtbot.keyClick(sex, Qt.Key.Key_Down)  # Female

    # Section 2 with the mouse on the navigation list, then typing.
    nav = editor.nav
    qtbot.mouseClick(
        nav.viewport(), Qt.MouseButton.LeftButton, pos=nav.visualItemRect(nav.item(1)).center()
    )
    assert editor.current_section() == "about_me"
    likes = editor.row("about_me.likes").field.focus_target()
    qtbot.mouseClick(likes.viewport(), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(likes, "I like the mud kitchen.")
    conversation = editor.field_widget("about_me.captured_how").boxes[0][1]
    qtbot.mouseClick(
        conversation, Qt.MouseButton.LeftButton, pos=QPoint(8, conversation.height() // 2)
    )

    # Section 8: a person and a repeating group.
    window.next_section_action.trigger()
    assert editor.current_section() == "family"
    editor.go_to_field("send.setting_senco")
    qtbot.keyClicks(focused(), "Robin Example")
    list_field = editor.field_widget("send.meeting_actions")
    qtbot.mouseClick(list_field.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(focused(), "Share the visual timetable")

    # Section 4: a yes/no field by keyboard.
    editor.go_to_field("health.healthcare_plan")
    qtbot.keyClick(focused(), Qt.Key.Key_Down)
    qtbot.keyClick(focused(), Qt.Key.Key_Down)  # blank -> Yes -> No
    record_id = editor.record_id

    # Close the editor and the window without ever pressing Save.
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.editor is None
    assert window.dashboard.model.rowCount() == 1
    assert window.dashboard.model.index(0, 0).data() == "Juno Testwhistle"
    window.close()

    reopened = VaultService.open(vault_dir, "sam", PASSWORD)
    try:
        record = reopened.load(record_id)
    finally:
        reopened.close()
    assert record.get("child.legal_forenames") == "Juno"
    assert record.get("child.legal_surname") == "Testwhistle"
    assert record.get("child.preferred_name") is None
    assert record.get("child.date_of_birth") == date(2021, 11, 5)
    assert record.get("child.sex") == "female"
    assert record.get("about_me.likes") == "I like the mud kitchen."
    assert record.get("about_me.captured_how") == ("conversation",)
    assert record.get("send.setting_senco") == Person(name="Robin Example")
    assert record.get("send.meeting_actions") == ({"action": "Share the visual timetable"},)
    assert record.get("health.healthcare_plan") is False


def test_lock_hides_records_and_unlock_restores_the_place(qtbot, vault_dir: Path) -> None:
    service = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    window = open_window(qtbot, CheapVaultAccess, vault_dir, service)
    window.new_record()
    editor = window.editor
    editor.go_to_field("family.hopes")
    qtbot.keyClicks(focused(), "To make friends")
    hopes = focused()

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked()
    assert window.stack.currentWidget() is window.lock_screen
    assert not editor.isVisible()
    assert not window.undo_action.isEnabled()

    form = window.lock_screen.form
    assert form.user.text() == "sam"
    qtbot.keyClicks(form.password, "wrong password")
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.error.isVisible(), timeout=5000)
    assert window.is_locked()

    form.password.clear()
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.is_locked(), timeout=5000)
    assert window.editor is editor
    assert editor.isVisible()
    assert editor.current_section() == "family"
    assert focused() is hopes
    qtbot.keyClicks(focused(), " at school")
    assert editor.flush()
    window.close()

    check = VaultService.open(vault_dir, "sam", PASSWORD)
    try:
        assert check.load(editor.record_id).get("family.hopes") == "To make friends at school"
    finally:
        check.close()


def test_idle_lock(qtbot, fake_service: FakeService) -> None:
    window = open_window(
        qtbot, FakeAccess(fake_service), Path("unused"), fake_service, idle_minutes=0.005
    )
    qtbot.waitUntil(window.is_locked, timeout=3000)
    assert fake_service.closed
    assert window.stack.currentWidget() is window.lock_screen


def test_switch_user_logs_in_someone_else(qtbot, fake_service: FakeService) -> None:
    access = FakeAccess(fake_service)
    window = open_window(qtbot, access, Path("unused"), fake_service)
    window.switch_user_action.trigger()
    form = window.lock_screen.form
    assert form.user.text() == ""
    qtbot.keyClicks(form.user, "kim")
    qtbot.keyClick(form.user, Qt.Key.Key_Return)
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.is_locked(), timeout=3000)
    assert window.service.user.name == "kim"
    assert "kim" in window.windowTitle()
    assert window.stack.currentWidget() is window.dashboard


def test_locked_title_hides_the_child(qtbot, fake_service: FakeService, records) -> None:
    window = open_window(qtbot, FakeAccess(fake_service), Path("unused"), fake_service)
    window.open_record(records[0].id)
    assert records[0].display_name in window.windowTitle()
    window.lock_action.trigger()
    assert records[0].display_name not in window.windowTitle()
    assert "locked" in window.windowTitle()


def test_someone_else_at_the_lock_screen_starts_at_the_dashboard(
    qtbot, fake_service: FakeService, records
) -> None:
    access = FakeAccess(fake_service)
    window = open_window(qtbot, access, Path("unused"), fake_service)
    window.open_record(records[0].id)
    window.lock()
    qtbot.mouseClick(window.lock_screen.other_user, Qt.MouseButton.LeftButton)
    form = window.lock_screen.form
    assert form.user.isEnabled()
    qtbot.keyClicks(form.user, "kim")
    qtbot.keyClicks(form.password, PASSWORD)
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.is_locked(), timeout=3000)
    assert window.editor is None
    assert window.stack.currentWidget() is window.dashboard
    assert window.service.user.name == "kim"


def test_undo_and_redo_shortcuts_in_a_text_field(qtbot, fake_service: FakeService, records) -> None:
    window = open_window(qtbot, FakeAccess(fake_service), Path("unused"), fake_service)
    window.open_record(records[0].id)
    window.editor.go_to_field("about_me.friends")
    edit = focused()
    before = edit.toPlainText()
    qtbot.keyClicks(edit, " And Wren.")
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert edit.toPlainText() == before
    qtbot.keyClick(
        edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert edit.toPlainText() == before + " And Wren."
    assert window.editor.record().get("about_me.friends") == before + " And Wren."


def test_the_next_record_opens_in_the_editor_last_closed_as_if_new(
    qtbot, fake_service: FakeService, records
) -> None:
    """Closing an editor keeps it, hidden, for the next record (its pages are not built again):
    the next child shows only their own values, problems, history and state, and edits go to them."""
    window = open_window(qtbot, FakeAccess(fake_service), Path("unused"), fake_service)
    first, second = records[0], records[1]
    window.open_record(first.id)
    editor = window.editor
    editor.go_to_field("about_me.friends")
    qtbot.keyClicks(focused(), " And Wren.")
    editor.apply_value("child.upn", "not a upn", reveal=True)  # a problem under the field
    assert editor.row("child.upn").error.isVisibleTo(editor)
    editor.show_section("learning")
    assert window.close_editor()
    assert fake_service.load(first.id).get("about_me.friends").endswith(" And Wren.")

    window.open_record(second.id)
    assert window.editor is editor  # the same widgets, filled with the second child
    assert editor.record_id == second.id
    assert editor.current_section() == "child"
    assert not editor.undo_stack.canUndo()
    assert not editor.is_dirty()
    assert editor.save_state() == "Saved"
    assert editor.name_label.text() == second.display_name
    for path in list(editor.rows):  # each page as it is shown
        assert editor.row(path).field.value() == second.entered(path), path
    assert not editor.row("child.upn").error.isVisibleTo(editor)
    assert editor.front_sheet.page_count() == 0

    editor.go_to_field("about_me.friends")
    qtbot.keyClicks(focused(), " And Ash.")
    assert editor.flush()
    assert fake_service.load(second.id).get("about_me.friends") == (
        (second.get("about_me.friends") or "") + " And Ash."
    )
    assert fake_service.load(first.id).get("about_me.friends").endswith(" And Wren.")


def test_no_hidden_editor_keeps_a_child_while_locked(
    qtbot, fake_service: FakeService, records
) -> None:
    window = open_window(qtbot, FakeAccess(fake_service), Path("unused"), fake_service)
    window.open_record(records[0].id)
    editor = window.editor
    assert window.close_editor()
    window.lock()
    qtbot.waitUntil(lambda: not shiboken6.isValid(editor))
