"""The phrase bank with real key presses: F3 in a writing box, type to narrow the list, Enter puts
the phrase at the cursor as one undo step that is saved; Esc leaves the text alone; Shift+F3 saves
a sentence (with a word when it names the child); the manager's list changes and removes phrases,
a key person's cannot; a damaged bank is named, not a traceback. The whole window on a real vault
at the end: the menu action, F3, Ctrl+Z and the saved record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import QApplication, QMenu, QPlainTextEdit

from models.phrases import Phrase, starter_bank
from models.record import Record
from models.roles import Role
from tests.ui.conftest import PASSWORD, TODAY, CheapVaultAccess, FakeService, show_active
from tests.ui.menus import action, right_click
from transitions_app.app import WindowServices
from transitions_app.services.phrase_service import PHRASES_BLOB, PhraseService
from transitions_app.services.vault_service import UserInfo
from ui.editor import RecordEditor
from ui.main_window import MainWindow
from ui.phrase_bank_dialog import PhraseBankDialog
from ui.phrases import (
    PhraseListModel,
    PhraseTools,
    install_phrase_tools,
    phrase_menu_actions,
)

STRATEGIES = "summary.strategies"
TIMETABLE = "A picture timetable of the day helps them know what comes next."


@dataclass
class MemoryVault:
    """The blob calls the phrase service makes, in memory."""

    role: Role = Role.MANAGER
    name: str = "sam"
    blobs: dict[str, bytes] = field(default_factory=dict)

    @property
    def user(self) -> UserInfo:
        return UserInfo(self.name, self.role)

    def get_blob(self, name: str) -> bytes | None:
        return self.blobs.get(name)

    def put_blob(self, name: str, data: bytes) -> None:
        self.blobs[name] = data


@dataclass
class Setup:
    editor: RecordEditor
    tools: PhraseTools
    phrases: PhraseService
    service: FakeService
    record: Record


def open_editor(qtbot, service: FakeService, record: Record, vault: MemoryVault) -> Setup:
    editor = RecordEditor(service, record, today=lambda: TODAY)
    phrases = PhraseService(vault)
    tools = install_phrase_tools(editor, lambda: phrases)
    undo = editor.undo_stack.createUndoAction(editor)  # as the window's Edit menu does
    undo.setShortcut(QKeySequence("Ctrl+Z"))
    editor.addAction(undo)
    qtbot.addWidget(editor)
    editor.resize(1366, 700)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    return Setup(editor, tools, phrases, service, record)


@pytest.fixture
def setup(qtbot, fake_service: FakeService) -> Setup:
    return open_editor(qtbot, fake_service, fake_service.new_record(), MemoryVault())


def note_box(setup: Setup, path: str) -> QPlainTextEdit:
    setup.editor.go_to_field(path)
    edit = setup.editor.row(path).field.focus_target()
    assert isinstance(edit, QPlainTextEdit)
    assert QApplication.focusWidget() is edit
    return edit


def press_f3(qtbot, setup: Setup, edit: QPlainTextEdit, shift: bool = False) -> None:
    modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    qtbot.keyClick(edit, Qt.Key.Key_F3, modifiers)


def listed(setup: Setup) -> list[str]:
    popup = setup.tools.popup
    assert popup is not None
    model = popup.model
    return [str(model.index(r, 0).data()) for r in range(model.rowCount())]


def test_f3_type_to_filter_enter_inserts_at_the_cursor_as_one_saved_undo_step(
    qtbot, setup: Setup
) -> None:
    edit = note_box(setup, STRATEGIES)
    qtbot.keyClicks(edit, "Likes the slide.")
    press_f3(qtbot, setup, edit)
    popup = setup.tools.popup
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    assert len(listed(setup)) == 3  # the starter examples for "Strategies that work"
    assert all(text.startswith("Example: ") for text in listed(setup))
    qtbot.keyClicks(popup.search, "timetable")
    assert listed(setup) == [f"Example: {TIMETABLE}"]
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: setup.tools.popup is None)
    assert edit.toPlainText() == f"Likes the slide. {TIMETABLE}"  # a space where they meet
    assert "Example" not in edit.toPlainText()
    assert setup.editor.record().get(STRATEGIES) == edit.toPlainText()
    assert setup.editor.undo_stack.count() == 2  # the typing, then the phrase on its own
    qtbot.waitUntil(lambda: setup.editor.save_state() == "Saved", timeout=3000)
    assert setup.service.records[setup.record.id].get(STRATEGIES) == f"Likes the slide. {TIMETABLE}"

    qtbot.waitUntil(setup.editor.isActiveWindow)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert edit.toPlainText() == "Likes the slide."  # undo takes the phrase away, not the typing
    qtbot.waitUntil(lambda: setup.editor.save_state() == "Saved", timeout=3000)
    assert setup.service.records[setup.record.id].get(STRATEGIES) == "Likes the slide."


def test_down_picks_another_phrase_and_insertion_goes_where_the_cursor_is(
    qtbot, setup: Setup
) -> None:
    path = "learning.cl_next_steps"
    edit = note_box(setup, path)
    qtbot.keyClicks(edit, "First.Last.")
    cursor = edit.textCursor()
    cursor.setPosition(len("First."))
    edit.setTextCursor(cursor)
    press_f3(qtbot, setup, edit)
    popup = setup.tools.popup
    assert popup is not None
    qtbot.keyClick(popup.search, Qt.Key.Key_Down)
    qtbot.keyClick(popup.search, Qt.Key.Key_Down)
    qtbot.keyClick(popup.search, Qt.Key.Key_Up)
    second = starter_bank().for_field(path)[1].text
    assert popup.current_phrase() == Phrase(second, "", True)
    qtbot.keyClick(popup.search, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: setup.tools.popup is None)
    assert edit.toPlainText() == f"First. {second} Last."
    assert setup.editor.record().get(path) == f"First. {second} Last."


def test_esc_closes_without_changing_anything_and_the_cursor_is_back(qtbot, setup: Setup) -> None:
    edit = note_box(setup, "learning.pd_what_helps")
    qtbot.keyClicks(edit, "Sings while tidying.")
    press_f3(qtbot, setup, edit)
    popup = setup.tools.popup
    assert popup is not None
    qtbot.keyClicks(popup.search, "praise")
    qtbot.keyClick(popup.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: setup.tools.popup is None)
    assert edit.toPlainText() == "Sings while tidying."
    assert setup.editor.undo_stack.count() == 1
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)


def test_nothing_matching_says_so_and_enter_inserts_nothing(qtbot, setup: Setup) -> None:
    edit = note_box(setup, STRATEGIES)
    press_f3(qtbot, setup, edit)
    popup = setup.tools.popup
    assert popup is not None
    qtbot.keyClicks(popup.search, "zebra crossing")
    assert listed(setup) == []
    assert "No phrase has all of “zebra crossing”" in popup.note.text()
    assert not popup.insert_button.isEnabled()
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    assert edit.toPlainText() == ""
    qtbot.keyClick(popup.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: setup.tools.popup is None)


def test_the_popup_opens_by_the_cursor_and_stays_on_the_screen(qtbot, setup: Setup) -> None:
    edit = note_box(setup, STRATEGIES)
    press_f3(qtbot, setup, edit)
    popup = setup.tools.popup
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    area = edit.screen().availableGeometry()
    assert area.contains(popup.frameGeometry())
    below = edit.viewport().mapToGlobal(edit.cursorRect().bottomLeft())
    assert abs(popup.y() - below.y()) < 40 or popup.frameGeometry().bottom() < below.y()
    assert popup.search.accessibleName()
    assert popup.list.accessibleName()
    qtbot.keyClick(popup.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: setup.tools.popup is None)


def test_f3_outside_a_writing_box_explains_instead(qtbot, setup: Setup) -> None:
    setup.editor.go_to_field("child.legal_forenames")
    edit = setup.editor.row("child.legal_forenames").field.focus_target()
    qtbot.keyClick(edit, Qt.Key.Key_F3)
    assert setup.tools.popup is None
    assert setup.editor.message_bar.isVisible()
    assert "writing boxes" in setup.editor.message_bar.text.text()


def test_shift_f3_saves_the_sentence_and_warns_about_the_childs_name(
    qtbot, fake_service: FakeService, records: list[Record]
) -> None:
    record = records[0]
    name = str(record.get("child.legal_forenames")).split()[0]
    setup = open_editor(qtbot, fake_service, record, MemoryVault(Role.PRACTITIONER, "kim"))
    edit = note_box(setup, "learning.pd_what_helps")
    edit.selectAll()
    qtbot.keyClicks(edit, f"{name} joins in with a song. Singing helps them tidy up.")
    press_f3(qtbot, setup, edit, shift=True)
    dialog = setup.tools.save_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.text.text() == "Singing helps them tidy up."  # the sentence at the cursor
    assert not dialog.warning.isVisible()
    dialog.text.selectAll()
    qtbot.keyClicks(dialog.text, f"Singing helps {name} tidy up.")
    assert dialog.warning.isVisible()
    assert name in dialog.warning.text()
    dialog.text.selectAll()
    qtbot.keyClicks(dialog.text, "Singing a tidy-up song helps them join in.")
    assert not dialog.warning.isVisible()
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: setup.tools.save_dialog is None)

    saved = setup.phrases.phrases("learning.cl_what_helps", "song")
    assert saved == [Phrase("Singing a tidy-up song helps them join in.", "kim")]
    assert "Saved to the phrase bank" in setup.editor.message_bar.text.text()
    assert edit.toPlainText() == f"{name} joins in with a song. Singing helps them tidy up."

    other = note_box(setup, "learning.cl_what_helps")  # what helps is shared by every area
    press_f3(qtbot, setup, other)
    popup = setup.tools.popup
    assert popup is not None
    qtbot.keyClicks(popup.search, "tidy-up song")
    assert listed(setup) == ["Singing a tidy-up song helps them join in."]  # not an example
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: other.toPlainText() == "Singing a tidy-up song helps them join in.")


def test_selected_words_are_what_is_saved(qtbot, setup: Setup) -> None:
    edit = note_box(setup, STRATEGIES)
    qtbot.keyClicks(edit, "Now and then a hug helps them calm down.")
    cursor = edit.textCursor()
    cursor.setPosition(len("Now and then "))
    cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)
    press_f3(qtbot, setup, edit, shift=True)
    dialog = setup.tools.save_dialog
    assert dialog is not None
    assert dialog.text.text() == "a hug helps them calm down."
    qtbot.keyClick(dialog.text, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: setup.tools.save_dialog is None)
    assert not setup.phrases.has_own_bank()  # cancelled: nothing written


def test_context_menu_actions_insert_and_save(qtbot, setup: Setup) -> None:
    edit = note_box(setup, STRATEGIES)
    menu = QMenu(edit)
    actions = phrase_menu_actions(edit, menu)
    assert [a.text().replace("&", "") for a in actions] == [
        "Insert a phrase…",
        "Save to phrase bank…",
    ]
    assert all(isinstance(a, QAction) for a in actions)
    assert not actions[1].isEnabled()  # nothing written yet to save
    actions[0].trigger()
    assert setup.tools.popup is not None
    qtbot.keyClick(setup.tools.popup.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: edit.toPlainText() == starter_bank().for_field(STRATEGIES)[0].text)
    name_box = setup.editor.row("child.legal_forenames").field.focus_target()
    assert phrase_menu_actions(name_box, QMenu(name_box)) == []  # not a writing box


def test_a_key_person_cannot_curate(qtbot) -> None:
    kim = PhraseService(MemoryVault(Role.PRACTITIONER, "kim"))
    dialog = PhraseBankDialog(kim)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.select_field("next_steps")
    dialog.list.setCurrentIndex(dialog.model.index(0, 0))
    assert not dialog.remove_button.isEnabled()
    assert not dialog.change_button.isEnabled()
    assert not dialog.examples_button.isEnabled()
    assert "Only a manager can change or remove phrases." in dialog.banner.text()
    qtbot.keyClick(dialog.remove_button, Qt.Key.Key_Space)
    assert len(kim.phrases("learning.cl_next_steps")) == 3  # nothing removed


def test_manager_changes_and_removes_a_phrase_in_the_curation_dialog(qtbot, setup: Setup) -> None:
    dialog = PhraseBankDialog(setup.phrases)
    qtbot.addWidget(dialog)
    dialog.resize(1366 - 100, 768 - 100)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert "starter examples" in dialog.banner.text()
    dialog.select_field("next_steps")
    first, second, third = (p.text for p in starter_bank().for_field("next_steps"))
    assert dialog.phrases() == [first, second, third]

    dialog.list.setFocus()
    qtbot.keyClick(dialog.list, Qt.Key.Key_Down)  # the second phrase
    assert dialog.text.text() == second
    dialog.remove_button.setFocus()
    qtbot.keyClick(dialog.remove_button, Qt.Key.Key_Space)
    assert dialog.phrases() == [first, third]
    assert [p.text for p in setup.phrases.phrases("learning.pd_next_steps")] == [first, third]
    assert "Removed" in dialog.status.text()

    dialog.list.setCurrentIndex(dialog.model.index(0, 0))
    dialog.text.selectAll()
    qtbot.keyClicks(dialog.text, "Keep offering turn-taking games with two friends.")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)  # Enter changes the chosen phrase
    assert dialog.phrases() == ["Keep offering turn-taking games with two friends.", third]
    stored = setup.phrases.phrases("learning.cl_next_steps")
    assert not stored[0].example  # the setting's own words now

    dialog.list.clearSelection()
    dialog.list.setCurrentIndex(dialog.model.index(-1, 0))
    dialog.text.clear()
    qtbot.keyClicks(dialog.text, "Try the big climbing frame with an adult nearby.")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)  # nothing chosen: Enter adds
    assert dialog.phrases()[-1] == "Try the big climbing frame with an adult nearby."

    assert dialog.examples_button.isEnabled()
    dialog.examples_button.setFocus()
    qtbot.keyClick(dialog.examples_button, Qt.Key.Key_Space)
    assert second in dialog.phrases()
    assert first in dialog.phrases()
    assert not dialog.examples_button.isEnabled()


def test_a_damaged_bank_is_named_and_a_manager_can_start_again(
    qtbot, fake_service: FakeService
) -> None:
    vault = MemoryVault(blobs={PHRASES_BLOB: b"\x00\xffnot a bank"})
    setup = open_editor(qtbot, fake_service, fake_service.new_record(), vault)
    edit = note_box(setup, STRATEGIES)
    press_f3(qtbot, setup, edit)
    popup = setup.tools.popup
    assert popup is not None
    assert "phrase bank is damaged" in popup.note.text()
    assert listed(setup) == []
    qtbot.keyClick(popup.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: setup.tools.popup is None)

    dialog = PhraseBankDialog(setup.phrases)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert "damaged" in dialog.banner.text()
    assert dialog.start_again_button.isVisible()
    assert not dialog.add_button.isEnabled()
    dialog.start_again_button.setFocus()
    qtbot.keyClick(dialog.start_again_button, Qt.Key.Key_Space)
    assert setup.phrases.bank() == starter_bank()
    assert not dialog.start_again_button.isVisible()


def test_the_list_model_passes_the_model_tester(qtmodeltester) -> None:
    model = PhraseListModel()
    model.set_phrases([Phrase("One.", "kim"), Phrase("Two.", "", True)])
    qtmodeltester.check(model)
    assert model.index(1, 0).data() == "Example: Two."
    assert model.index(1, 0).data(Qt.ItemDataRole.AccessibleTextRole) == "Example to edit: Two."
    assert model.index(0, 0).data(PhraseListModel.PHRASE_ROLE) == Phrase("One.", "kim")


# --------------------------------------------------------------------- the window on a real vault


def window_for(qtbot, directory: Path, user: str) -> MainWindow:
    session = CheapVaultAccess.open(directory, user, PASSWORD)
    window = MainWindow(
        CheapVaultAccess,
        directory,
        session,
        today=lambda: TODAY,
        services=WindowServices(workers=1),
    )
    show_active(qtbot, window)
    return window


def test_in_the_window_f3_inserts_ctrl_z_undoes_and_the_vault_keeps_it(
    qtbot, vault_dir: Path
) -> None:
    window = window_for(qtbot, vault_dir, "sam")
    assert window.phrases_action.isEnabled()
    assert window.phrases_action in window.setting_menu.actions()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.editor is not None, timeout=3000)
    editor = window.editor
    assert editor is not None
    editor.go_to_field(STRATEGIES)
    edit = editor.row(STRATEGIES).field.focus_target()
    qtbot.keyClick(edit, Qt.Key.Key_F3)
    popup = window.phrase_tools.popup
    assert popup is not None
    qtbot.keyClicks(popup.search, "timetable")
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: edit.toPlainText() == TIMETABLE)
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert edit.toPlainText() == ""
    qtbot.keyClick(
        edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert edit.toPlainText() == TIMETABLE
    record_id = editor.record_id
    assert window.close_editor()
    assert window.service.load(record_id).get(STRATEGIES) == TIMETABLE


def test_in_the_window_a_key_person_has_f3_but_not_the_curation_menu(
    qtbot, vault_dir: Path
) -> None:
    window = window_for(qtbot, vault_dir, "kim")
    assert not window.phrases_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.editor is not None, timeout=3000)
    assert window.phrase_tools is not None
    assert window.phrase_tools.service.can_save()
    assert not window.phrase_tools.service.can_curate()


def test_a_phrase_goes_into_a_writing_box_of_a_repeating_group_entry(qtbot, setup: Setup) -> None:
    path = "send.apdr_cycles"
    setup.phrases.save(f"{path}.assessed", "Watched in free play over two weeks.")
    setup.editor.go_to_field(path)
    add = setup.editor.row(path).field.focus_target()
    qtbot.keyClick(add, Qt.Key.Key_Space)  # "Add an entry": the cursor goes to its first box
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QPlainTextEdit))
    edit = QApplication.focusWidget()
    assert isinstance(edit, QPlainTextEdit)
    steps = setup.editor.undo_stack.count()
    press_f3(qtbot, setup, edit)
    popup = setup.tools.popup
    assert popup is not None
    assert listed(setup) == ["Watched in free play over two weeks."]
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: edit.toPlainText() == "Watched in free play over two weeks.")
    assert setup.editor.record().get(path) == (
        {"assessed": "Watched in free play over two weeks."},
    )
    assert setup.editor.undo_stack.count() == steps + 1


def test_signed_off_content_asks_first_as_typing_does(
    qtbot, fake_service: FakeService, records: list[Record]
) -> None:
    from tests.ui.test_editor import answer_next_question, complete

    record = complete(records)
    signed = fake_service.sign_off(record.id, "record")
    setup = open_editor(qtbot, fake_service, signed, MemoryVault())
    edit = note_box(setup, STRATEGIES)
    before = edit.toPlainText()
    press_f3(qtbot, setup, edit)
    popup = setup.tools.popup
    assert popup is not None
    seen: list[str] = []
    answer_next_question(qtbot, "Leave it", seen)
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen))
    assert "signed off" in seen[0]
    assert edit.toPlainText() == before  # left as it was signed
    assert setup.editor.record().get(STRATEGIES) == record.get(STRATEGIES)
    assert setup.editor.undo_stack.count() == 0


def test_in_the_window_the_right_click_menu_offers_the_phrase_bank(qtbot, vault_dir: Path) -> None:
    window = window_for(qtbot, vault_dir, "sam")
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.editor is not None, timeout=3000)
    editor = window.editor
    assert editor is not None
    editor.go_to_field(STRATEGIES)
    edit = editor.row(STRATEGIES).field.focus_target()
    menu = right_click(qtbot, edit, edit.rect().center())
    entry = action(menu, "Insert a phrase…")
    assert entry.isEnabled()
    entry.trigger()
    menu.close()
    popup = window.phrase_tools.popup
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClicks(popup.search, "timetable")
    qtbot.keyClick(popup.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: edit.toPlainText() == TIMETABLE)
