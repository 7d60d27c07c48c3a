"""Sign-offs that follow the content, driven through the whole window on a real encrypted demo
vault (the Northshire charter, the demo's users): a person types, clicks and presses Ctrl+Z, and
the header, What's missing, the section ticks, the dashboard and export all say the same thing."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from models.flags import derive_flags
from models.readiness import readiness
from models.record import Record, SignOffScope, Status, Unparsed
from tests.ui.conftest import CHEAP_KDF, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from ui.dashboard import CohortModel
from ui.editor import RecordEditor
from ui.main_window import MainWindow

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the demo's charter is in force
KEY_PERSON = "Sam Keyworth (Practitioner / key person)"
SENCO = "Robin Inclusionworth (SENCO)"
MANAGER = "Morgan Oakley (Manager)"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("signoff-demo") / "vault"
    create_demo_vault(directory, children=8, seed=1, kdf=CHEAP_KDF, today=NOW.date())
    return directory


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(demo_template, copy)
    return copy


def open_window(qtbot, directory: Path, user: str) -> MainWindow:
    session = CheapVaultAccess.open(directory, user, DEMO_PASSWORD)
    window = MainWindow(
        CheapVaultAccess, directory, session, services=WindowServices(clock=lambda: NOW, workers=1)
    )
    qtbot.addWidget(window)
    window.resize(1366, 760)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def answer(qtbot, buttons: list[str], seen: list[str]) -> None:
    """Click ``buttons`` in the message boxes that open next, one box each, noting what they say."""
    queue = list(buttons)

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            QTimer.singleShot(20, click)
            return
        seen.append(f"{box.text()} {box.informativeText()}")
        wanted = queue.pop(0)
        for candidate in box.buttons():
            if candidate.text().replace("&", "") == wanted:
                qtbot.mouseClick(candidate, Qt.MouseButton.LeftButton)
                if queue:
                    QTimer.singleShot(20, click)
                return
        raise AssertionError(f"no button {wanted!r} in {[b.text() for b in box.buttons()]}")

    QTimer.singleShot(0, click)


def signed_record(window: MainWindow, *, send: bool) -> Record:
    """A record every sign-off the charter asks for has been given to, with nothing missing."""
    for record in window.service.list_records():
        ready = readiness(record, window.charter, NOW.date())
        if ready.ready and (ready.state(SignOffScope.SEND) is not None) == send:
            return record
    raise AssertionError("the demo has no such record")


def open_editor(qtbot, window: MainWindow, record: Record) -> RecordEditor:
    window.open_record(record.id)
    editor = window.editor
    assert editor is not None
    assert editor.record_id == record.id
    return editor


def press_undo(qtbot, window: MainWindow) -> None:
    """Ctrl+Z as a person presses it. A desktop gives the window back its activation when a
    message box closes; the offscreen platform does not, so the test does."""
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def dashboard_row(window: MainWindow, record_id: str) -> tuple[str, str]:
    model = window.dashboard.model
    row = model.row_of(record_id)
    return (
        model.index(row, CohortModel.STATUS).data(),
        model.index(row, CohortModel.COMPLETE).data(),
    )


def nav_done(editor: RecordEditor, key: str) -> bool:
    for i in range(editor.nav.count()):
        item = editor.nav.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == key:
            return item.data(Qt.ItemDataRole.UserRole + 1) == 0
    raise AssertionError(key)


def test_editing_signed_content_warns_once_shows_it_changed_everywhere_and_ctrl_z_makes_it_valid(
    qtbot, demo: Path
) -> None:
    window = open_window(qtbot, demo, "keyperson")
    record = signed_record(window, send=True)
    assert dashboard_row(window, record.id) == ("Signed off", "100%")
    editor = open_editor(qtbot, window, record)
    assert "changed since" not in editor.status_label.text()
    assert editor.missing_paths() == []
    assert editor.all_done.isVisible()

    seen: list[str] = []
    editor.go_to_field("send.strategies")
    answer(qtbot, ["Continue editing"], seen)
    strategies = editor.row("send.strategies").field.focus_target()
    qtbot.keyClicks(strategies, " Sand timer.")
    assert len(seen) == 1
    assert seen[0].startswith(
        "This part of the record is signed off. Changing it will need the sign-off of "
        f"{KEY_PERSON}, {SENCO} and {MANAGER} again."
    )
    editor.go_to_field(
        "send.reasonable_adjustments"
    )  # more of the same sign-offs' content: no second notice
    qtbot.keyClicks(
        editor.row("send.reasonable_adjustments").field.focus_target(), " A quiet corner."
    )
    editor.go_to_field("about_me.friends")
    qtbot.keyClicks(editor.row("about_me.friends").field.focus_target(), " And Bram.")
    assert len(seen) == 1

    # Live, before any save: the header, What's missing and the consent section's tick.
    qtbot.waitUntil(lambda: "signoff.send" in editor.missing_paths())
    header = editor.status_label.text()
    assert f"changed since signed off by {SENCO}" in header
    assert f"changed since signed off by {KEY_PERSON}" in header
    assert set(editor.missing_paths()) == {"signoff.record", "signoff.send", "signoff.manager"}
    assert any(f"changed since signed off by {SENCO}" in t for t in editor.missing_labels())
    assert not editor.all_done.isVisible()
    assert not nav_done(editor, "consent")
    qtbot.waitUntil(lambda: editor.save_state() == "Saved", timeout=3000)
    status, percent = dashboard_row(window, record.id)
    assert status == "Draft · changed since signed off"
    assert percent != "100%"
    stored = window.service.load(record.id)
    assert stored.status is Status.DRAFT
    assert len([s for s in stored.signoffs if not s.history]) == 3  # kept, no longer valid

    assert editor.undo_stack.count() == 3  # one step per field typed into
    for _step in range(3):  # Ctrl+Z, by key, back to exactly what was signed
        press_undo(qtbot, window)
    qtbot.waitUntil(lambda: editor.missing_paths() == [])
    assert editor.record().get("about_me.friends") == record.get("about_me.friends")
    assert editor.record().get("send.strategies") == record.get("send.strategies")
    assert "changed since" not in editor.status_label.text()
    assert editor.missing_paths() == []
    assert editor.all_done.isVisible()
    assert nav_done(editor, "consent")
    qtbot.waitUntil(lambda: editor.save_state() == "Saved", timeout=3000)
    assert dashboard_row(window, record.id) == ("Signed off", "100%")
    assert window.service.load(record.id).status is Status.SIGNED_OFF
    assert len(seen) == 1


def test_leave_it_keeps_the_signed_content(qtbot, demo: Path) -> None:
    window = open_window(qtbot, demo, "keyperson")
    record = signed_record(window, send=False)
    editor = open_editor(qtbot, window, record)
    seen: list[str] = []
    editor.go_to_field("summary.day_one")
    answer(qtbot, ["Leave it"], seen)
    field = editor.row("summary.day_one").field
    qtbot.keyClicks(field.focus_target(), "X")
    qtbot.waitUntil(lambda: len(seen) == 1)
    assert field.value() == record.get("summary.day_one")
    assert editor.record().get("summary.day_one") == record.get("summary.day_one")
    assert editor.missing_paths() == []
    assert editor.undo_stack.count() == 0


def test_removing_an_entry_asks_and_undo_brings_it_back(qtbot, demo: Path) -> None:
    window = open_window(qtbot, demo, "keyperson")
    record = signed_record(window, send=True)
    cycles = record.get("send.apdr_cycles")
    assert cycles
    editor = open_editor(qtbot, window, record)
    editor.go_to_field("send.apdr_cycles")
    field = editor.field_widget("send.apdr_cycles")
    seen: list[str] = []
    answer(qtbot, ["Keep it"], seen)
    field.entries[0].remove_button.click()  # a mouse event to it is lost now and then under -n 2
    qtbot.waitUntil(lambda: len(seen) == 1)
    assert seen[0].startswith("Remove entry 1 of “Assess–plan–do–review cycles”?")
    assert editor.record().get("send.apdr_cycles") == cycles
    assert editor.missing_paths() == []

    answer(qtbot, ["Remove entry", "Continue editing"], seen)
    field.entries[0].remove_button.click()  # a mouse event to it is lost now and then under -n 2
    qtbot.waitUntil(lambda: len(seen) == 3)
    assert "will need the sign-off of" in seen[2]
    assert editor.record().get("send.apdr_cycles") == cycles[1:]
    assert len(field.entries) == len(cycles) - 1
    qtbot.waitUntil(lambda: "signoff.send" in editor.missing_paths())
    press_undo(qtbot, window)
    assert editor.record().get("send.apdr_cycles") == cycles
    assert len(field.entries) == len(cycles)
    qtbot.waitUntil(lambda: editor.missing_paths() == [])


def test_sign_off_of_an_incomplete_record_is_refused_with_the_list_and_whats_missing_follows(
    qtbot, demo: Path
) -> None:
    window = open_window(qtbot, demo, "keyperson")
    draft = next(r for r in window.service.list_records() if r.status is Status.DRAFT)
    editor = open_editor(qtbot, window, draft)
    assert set(editor.missing_paths()) == {"signoff.record", "signoff.manager"}
    editor.go_to_field("summary.day_one")
    day_one = editor.row("summary.day_one").field.focus_target()
    qtbot.keyClick(day_one, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(day_one, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "summary.day_one" in editor.missing_paths())
    assert not nav_done(editor, "summary")

    qtbot.mouseClick(editor.signoff_button, Qt.MouseButton.LeftButton)
    said = editor.message_bar.text.text()
    assert said.startswith("The practitioner sign-off cannot be given yet: 1 item to see to first.")
    assert "• One thing to know on day one: Required" in said
    assert window.service.load(draft.id).signoffs == []
    assert editor.signoff_button.toolTip() == (
        "1 item(s) to see to first; they are listed under What's missing."
    )

    qtbot.keyClicks(day_one, "Likes to carry the register to the office.")
    qtbot.waitUntil(lambda: "summary.day_one" not in editor.missing_paths())
    assert nav_done(editor, "summary")
    # The refusal on screen follows the record: it no longer names what was put right.
    assert (
        editor.message_bar.text.text()
        == "Nothing stops the practitioner sign-off now: you can give it."
    )
    qtbot.mouseClick(editor.signoff_button, Qt.MouseButton.LeftButton)
    assert editor.message_bar.text.text() == "Practitioner sign-off recorded."
    assert editor.missing_paths() == ["signoff.manager"]  # live, without reopening
    assert f"Practitioner sign-off: {KEY_PERSON.split(' (')[0]}" in editor.status_label.text()
    assert not editor.manager_button.isEnabled()
    assert editor.manager_button.toolTip() == (
        f"Only a manager can give the manager's sign-off. Ask {MANAGER}."
    )
    assert dashboard_row(window, draft.id)[0] == "Signed off"


def test_a_bad_upn_is_kept_listed_and_blocks_sign_off_and_export(qtbot, demo: Path) -> None:
    window = open_window(qtbot, demo, "manager")
    record = signed_record(window, send=False)
    editor = open_editor(qtbot, window, record)
    editor.go_to_field("child.upn")
    seen: list[str] = []
    answer(qtbot, ["Continue editing"], seen)
    upn = editor.row("child.upn")
    qtbot.keyClicks(upn.field.focus_target(), "A12345678901X")
    problem = "The check letter does not match: for these digits it should be E."
    assert upn.error.text() == problem
    qtbot.waitUntil(lambda: "child.upn" in editor.missing_paths())
    assert f"Unique pupil number (UPN): {problem}" in editor.missing_labels()
    assert not nav_done(editor, "child")
    assert editor.flush()

    dialog = window.make_export_dialog([editor.record()], "Export")
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    assert "0 of 1 ready" in dialog.ready_label.text()
    assert not dialog.export_button.isEnabled()
    head = dialog.missing.topLevelItem(0)
    listed = [head.child(i).text(0) for i in range(head.childCount())]
    assert any(problem in text for text in listed), listed
    dialog.close()

    qtbot.mouseClick(editor.signoff_button, Qt.MouseButton.LeftButton)
    assert problem in editor.message_bar.text.text()
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.service.load(record.id).get("child.upn") == "A12345678901X"  # kept as typed


def test_31_02_2021_is_kept_named_and_survives_closing(qtbot, demo: Path) -> None:
    window = open_window(qtbot, demo, "keyperson")
    draft = next(r for r in window.service.list_records() if r.status is Status.DRAFT)
    assert draft.get("send.ehc_request_date") is None
    editor = open_editor(qtbot, window, draft)

    # Over a valid date, then the editor is closed while the cursor is still in the field.
    editor.go_to_field("child.date_of_birth")
    dob = editor.field_widget("child.date_of_birth")
    qtbot.keyClick(dob.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dob.edit, "31/02/2021")
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.editor is None
    assert window.service.load(draft.id).entered("child.date_of_birth") == Unparsed("31/02/2021")

    # Into an empty date field, then Tab out: named, listed, and kept when the record is reopened.
    editor = open_editor(qtbot, window, draft)
    assert editor.field_widget("child.date_of_birth").edit.text() == "31/02/2021"
    assert editor.row("child.date_of_birth").error.text() == "February has no 31st."
    assert "Date of birth: February has no 31st." in editor.missing_labels()
    editor.go_to_field("send.ehc_request_date")
    request = editor.field_widget("send.ehc_request_date")
    qtbot.keyClicks(request.edit, "30/02/2026")
    qtbot.keyClick(request.edit, Qt.Key.Key_Tab)
    row = editor.row("send.ehc_request_date")
    assert row.error.isVisibleTo(row)
    assert row.error.text() == "February has no 30th."
    qtbot.waitUntil(lambda: "send.ehc_request_date" in editor.missing_paths())
    assert not nav_done(editor, "send")
    qtbot.mouseClick(editor.signoff_button, Qt.MouseButton.LeftButton)
    said = editor.message_bar.text.text()
    assert "February has no 31st." in said
    assert "February has no 30th." in said
    window.close()

    again = CheapVaultAccess.open(demo, "keyperson", DEMO_PASSWORD)
    try:
        stored = again.load(draft.id)
        assert stored.entered("child.date_of_birth") == Unparsed("31/02/2021")
        assert stored.entered("send.ehc_request_date") == Unparsed("30/02/2026")
        assert {"child.date_of_birth", "send.ehc_request_date"} <= {
            m.path for m in again.readiness(stored).items
        }
    finally:
        again.close()


def test_eal_is_derived_from_the_home_languages_unless_someone_chooses(qtbot, demo: Path) -> None:
    window = open_window(qtbot, demo, "keyperson")
    draft = next(
        r
        for r in window.service.list_records()
        if r.status is Status.DRAFT
        and r.get("child.home_languages") == "English"
        and r.get("child.eal") is None
    )
    editor = open_editor(qtbot, window, draft)
    eal = editor.row("child.eal").field.focus_target()
    assert eal.currentText() == "No (from the home languages)"
    editor.go_to_field("child.home_languages")
    qtbot.keyClicks(editor.row("child.home_languages").field.focus_target(), ", Polish")
    assert eal.currentText() == "Yes (from the home languages)"
    assert derive_flags(editor.record()).eal is True
    qtbot.waitUntil(lambda: editor.save_state() == "Saved", timeout=3000)
    model = window.dashboard.model
    assert "EAL" in model.index(model.row_of(draft.id), CohortModel.FLAGS).data()

    eal.setFocus()
    qtbot.keyClick(eal, Qt.Key.Key_Down)  # a person chooses: the choice wins over the languages
    chosen = editor.record().get("child.eal")
    assert chosen is not None
    assert eal.currentText() != "Yes (from the home languages)"
    press_undo(qtbot, window)
    assert editor.record().get("child.eal") is None
    assert eal.currentText() == "Yes (from the home languages)"
