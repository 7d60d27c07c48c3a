"""Spell check and the right-click menu in the real editor, driven as a person would: typing,
right-clicking a word, clicking an entry of the menu."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QPlainTextEdit, QWidget

from models.record import Record
from models.roles import Role
from models.spelling import SHARED, LazyChecker, SettingWords, SpellChecker
from tests.ui.conftest import TODAY, FakeService, FakeUser
from tests.ui.menus import action, click, right_click
from transitions_app.services.spelling_service import DICTIONARY_BLOB, SpellingService
from ui import text_menu
from ui.editor import RecordEditor
from ui.spellcheck import MISSPELT_COLOUR

NOTE = "about_me.likes"
LINE = "family.relationship"


@dataclass
class WordStore:
    """The vault calls the spelling service makes, in memory."""

    user: FakeUser
    blobs: dict[str, bytes] = field(default_factory=dict)
    readers: list[threading.Thread] = field(default_factory=list)  # which threads read a blob

    def get_blob(self, name: str) -> bytes | None:
        self.readers.append(threading.current_thread())
        return self.blobs.get(name)

    def put_blob(self, name: str, data: bytes) -> None:
        self.blobs[name] = data


@pytest.fixture(scope="module")
def dictionary() -> LazyChecker:
    SHARED.get()  # loaded once per test process, before any editor is made
    return SHARED


@pytest.fixture
def store() -> WordStore:
    return WordStore(FakeUser("sam", Role.PRACTITIONER))


@pytest.fixture
def blank(fake_service: FakeService) -> Record:
    return fake_service.new_record()


def make_editor(
    qtbot, service: FakeService, record: Record, spelling: SpellingService
) -> RecordEditor:
    editor = RecordEditor(service, record, today=lambda: TODAY, spelling=spelling)
    qtbot.addWidget(editor)
    editor.resize(1366, 700)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    return editor


@pytest.fixture
def editor(
    qtbot, fake_service: FakeService, blank: Record, store: WordStore, dictionary
) -> RecordEditor:
    return make_editor(qtbot, fake_service, blank, SpellingService(store, dictionary))


def note_edit(editor: RecordEditor, path: str = NOTE) -> QPlainTextEdit:
    editor.go_to_field(path)
    edit = editor.row(path).field.focus_target()
    assert isinstance(edit, QPlainTextEdit)
    return edit


def underlined(edit: QPlainTextEdit) -> list[str]:
    """The words shown with the spell-check underline (red), as a person sees them."""
    block = edit.document().firstBlock()
    out = []
    while block.isValid():
        for r in block.layout().formats():
            fmt = r.format
            if fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.SpellCheckUnderline:
                assert fmt.underlineColor().name() == MISSPELT_COLOUR
                out.append(block.text()[r.start : r.start + r.length])
        block = block.next()
    return out


def red_under(edit: QLineEdit, word: str) -> int:
    """How many reddish pixels are drawn in the columns of ``word`` (a one-line field's
    underline is drawn, not stored anywhere a test could read)."""
    start = edit.text().index(word)
    old = edit.cursorPosition()
    edit.setCursorPosition(start)
    left = edit.cursorRect().center().x()
    edit.setCursorPosition(start + len(word))
    right = edit.cursorRect().center().x()
    edit.setCursorPosition(old)
    image = edit.grab().toImage()
    count = 0
    for x in range(left, right):
        for y in range(image.height()):
            c = image.pixelColor(x, y)
            count += c.red() > 150 and c.red() - c.green() > 50 and abs(c.green() - c.blue()) < 40
    return count


def word_point(edit: QWidget, word: str) -> QPoint:
    """Where ``word`` is drawn (in the widget a mouse click goes to)."""
    if isinstance(edit, QLineEdit):
        at = edit.text().index(word) + 1
        old = edit.cursorPosition()
        edit.setCursorPosition(at)
        rect = edit.cursorRect()
        edit.setCursorPosition(old)
        return rect.center()
    assert isinstance(edit, QPlainTextEdit)
    cursor = QTextCursor(edit.document())
    cursor.setPosition(edit.toPlainText().index(word) + 1)
    return edit.cursorRect(cursor).center()


def test_a_misspelt_word_is_underlined_and_corrected_from_the_context_menu(
    qtbot, editor: RecordEditor
) -> None:
    undo = editor.undo_stack.createUndoAction(editor)
    undo.setShortcut(QKeySequence("Ctrl+Z"))
    undo.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    editor.addAction(undo)
    edit = note_edit(editor)
    qtbot.keyClicks(edit, "Splashing in puddels in her favourite colour")
    qtbot.waitUntil(lambda: underlined(edit) == ["puddels"])
    assert editor.undo_stack.count() == 1

    menu = right_click(qtbot, edit, word_point(edit, "puddels"))
    suggestions = [a.text() for a in menu.actions() if a.objectName() == "suggestion"]
    assert suggestions[0] == "puddles"
    assert action(menu, "Add “puddels” to the setting's dictionary").isEnabled()
    click(qtbot, menu, action(menu, "puddles"))

    corrected = "Splashing in puddles in her favourite colour"
    assert edit.toPlainText() == corrected
    assert editor.record().get(NOTE) == corrected
    assert underlined(edit) == []
    assert editor.undo_stack.count() == 2  # the correction is a step of its own
    assert editor.save_state() == "Saving…"  # autosave saw it like typing

    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert edit.toPlainText() == "Splashing in puddels in her favourite colour"
    assert editor.record().get(NOTE) == "Splashing in puddels in her favourite colour"
    qtbot.waitUntil(lambda: underlined(edit) == ["puddels"])


def test_right_click_undo_and_redo_follow_the_record_history(qtbot, editor: RecordEditor) -> None:
    edit = editor.row(LINE).field.focus_target()
    assert isinstance(edit, QLineEdit)
    editor.go_to_field(LINE)
    menu = right_click(qtbot, edit, edit.rect().center())
    assert not action(menu, "Undo").isEnabled()
    menu.close()

    qtbot.keyClicks(edit, "aunt")
    menu = right_click(qtbot, edit, word_point(edit, "aunt"))
    undo = next(a for a in menu.actions() if a.objectName() == "undo")
    assert undo.isEnabled()
    assert "Relationship to the child" in undo.text()
    click(qtbot, menu, undo)
    assert edit.text() == ""
    assert editor.record().get(LINE) is None

    menu = right_click(qtbot, edit, edit.rect().center())
    redo = next(a for a in menu.actions() if a.objectName() == "redo")
    assert not next(a for a in menu.actions() if a.objectName() == "undo").isEnabled()
    click(qtbot, menu, redo)
    assert edit.text() == "aunt"
    assert editor.record().get(LINE) == "aunt"


def test_a_one_line_field_underlines_and_corrects_as_one_undo_step(
    qtbot, editor: RecordEditor
) -> None:
    edit = editor.row(LINE).field.focus_target()
    assert isinstance(edit, QLineEdit)
    editor.go_to_field(LINE)
    qtbot.keyClicks(edit, "grandmuther and aunt")
    qtbot.waitUntil(lambda: red_under(edit, "grandmuther") > 0)
    assert red_under(edit, "aunt") == 0
    menu = right_click(qtbot, edit, word_point(edit, "grandmuther"))
    click(qtbot, menu, action(menu, "grandmother"))
    assert edit.text() == "grandmother and aunt"
    assert editor.record().get(LINE) == "grandmother and aunt"
    assert red_under(edit, "grandmother") == 0
    editor.undo_stack.undo()
    assert edit.text() == "grandmuther and aunt"
    assert editor.record().get(LINE) == "grandmuther and aunt"
    assert red_under(edit, "grandmuther") > 0  # undone by setting the text: underlined again


def test_names_are_not_marked_in_one_line_fields(qtbot, editor: RecordEditor) -> None:
    edit = editor.row(LINE).field.focus_target()
    assert isinstance(edit, QLineEdit)
    editor.go_to_field(LINE)
    qtbot.keyClicks(edit, "Zorbel")
    assert red_under(edit, "Zorbel") == 0
    menu = right_click(qtbot, edit, word_point(edit, "Zorbel"))
    assert not [a for a in menu.actions() if a.objectName() in ("suggestion", "addWord")]
    menu.close()


def test_a_word_added_to_the_setting_dictionary_is_right_everywhere(
    qtbot, editor: RecordEditor, store: WordStore
) -> None:
    edit = note_edit(editor)
    qtbot.keyClicks(edit, "Loves the snorkelwump song")
    qtbot.waitUntil(lambda: underlined(edit) == ["snorkelwump"])
    menu = right_click(qtbot, edit, word_point(edit, "snorkelwump"))
    click(qtbot, menu, action(menu, "Add “snorkelwump” to the setting's dictionary"))
    qtbot.waitUntil(lambda: underlined(edit) == [])
    assert "snorkelwump" in SettingWords.from_bytes(store.blobs[DICTIONARY_BLOB])
    assert editor.record().get(NOTE) == "Loves the snorkelwump song"  # the text is untouched

    other = note_edit(editor, "about_me.dislikes")
    qtbot.keyClicks(other, "Not the snorkelwump song")
    assert underlined(other) == []


def test_a_role_that_does_not_edit_records_cannot_add_words(
    qtbot, fake_service: FakeService, blank: Record, dictionary
) -> None:
    store = WordStore(FakeUser("rae", Role.HEADTEACHER))
    editor = make_editor(qtbot, fake_service, blank, SpellingService(store, dictionary))
    edit = note_edit(editor)
    qtbot.keyClicks(edit, "A frend")
    menu = right_click(qtbot, edit, word_point(edit, "frend"))
    assert not action(menu, "Add “frend” to the setting's dictionary").isEnabled()
    menu.close()


def test_the_dictionary_loads_in_the_background(
    qtbot, fake_service: FakeService, blank: Record, store: WordStore, dictionary
) -> None:
    threads: list[threading.Thread] = []

    def load() -> SpellChecker:
        threads.append(threading.current_thread())
        return dictionary.get()

    later = LazyChecker(load)  # not loaded until a field asks for it
    editor = RecordEditor(
        fake_service, blank, today=lambda: TODAY, spelling=SpellingService(store, later)
    )
    qtbot.addWidget(editor)
    assert later.loaded() is None  # making the editor does not wait for the dictionary
    editor.show()
    edit = note_edit(editor)
    qtbot.keyClicks(edit, "A litle song")
    qtbot.waitUntil(lambda: underlined(edit) == ["litle"])
    assert len(threads) == 1
    assert threads[0] is not threading.main_thread()
    # The vault session is used only on the thread that opened it.
    assert store.readers
    assert set(store.readers) == {threading.main_thread()}


def test_cut_and_paste_from_the_menu(qtbot, editor: RecordEditor) -> None:
    edit = note_edit(editor)
    qtbot.keyClicks(edit, "Sand and water")
    edit.selectAll()
    menu = right_click(qtbot, edit, word_point(edit, "water"))
    click(qtbot, menu, action(menu, "Cut"))
    assert edit.toPlainText() == ""
    assert editor.record().get(NOTE) is None
    menu = right_click(qtbot, edit, edit.viewport().rect().center())
    click(qtbot, menu, action(menu, "Paste"))
    assert editor.record().get(NOTE) == "Sand and water"
    assert editor.undo_stack.count() == 3  # typing, the cut, the paste
    editor.undo_stack.undo()
    assert editor.record().get(NOTE) is None


@pytest.fixture
def extension() -> Iterator[list[str]]:
    seen: list[str] = []

    def add(widget: QWidget, menu: QMenu) -> None:
        seen.append(widget.accessibleName())
        menu.addSeparator()
        menu.addAction("Insert a phrase…")

    text_menu.register_menu_extension(add)
    try:
        yield seen
    finally:
        text_menu.unregister_menu_extension(add)


def test_other_features_can_add_to_the_menu(
    qtbot, editor: RecordEditor, extension: list[str]
) -> None:
    edit = note_edit(editor)
    menu = right_click(qtbot, edit, edit.viewport().rect().center())
    assert menu.actions()[-1].text() == "Insert a phrase…"
    assert extension == [edit.accessibleName()]
    menu.close()


def test_every_free_text_field_is_spell_checked_and_every_text_widget_has_the_menu(
    qtbot, editor: RecordEditor
) -> None:
    from models.framework.definition import Kind
    from models.framework.registry import current_framework

    kinds: dict[Kind, set[bool]] = {}
    for section in current_framework().sections:
        editor.show_section(section.key)
        for fd in section.fields:
            field_widget = editor.row(fd.path).field
            edits = [
                *field_widget.findChildren(QLineEdit),
                *field_widget.findChildren(QPlainTextEdit),
            ]
            for edit in edits:
                assert edit.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu, fd.path
                kinds.setdefault(fd.kind, set()).add(bool(edit.property("spellChecked")))
    assert kinds[Kind.NOTE] == {True}
    assert kinds[Kind.TEXT] == {True}
    assert kinds[Kind.PERSON] == {True, False}  # role and organisation; not name or contact
    assert kinds[Kind.DATE] == {False}
    assert kinds[Kind.NUMBER] == {False}


def test_corrections_are_worked_out_off_the_ui_thread_and_fill_the_open_menu(
    qtbot, editor: RecordEditor
) -> None:
    edit = note_edit(editor)
    qtbot.keyClicks(edit, "A walk in the enviroment")
    qtbot.waitUntil(lambda: underlined(edit) == ["enviroment"])
    point = word_point(edit, "enviroment")
    target = edit.viewport()
    QApplication.sendEvent(
        target, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, target.mapToGlobal(point))
    )
    menu = edit.findChild(QMenu, text_menu.MENU_NAME)
    assert menu is not None
    # The menu opened at once, before the corrections: they are not known yet.
    assert [a.text() for a in menu.actions() if a.objectName() == "suggestionsPending"] == [
        "Looking for spelling suggestions…"
    ]
    qtbot.waitUntil(lambda: "environment" in [a.text() for a in menu.actions()])
    assert not [a for a in menu.actions() if a.objectName() == "suggestionsPending"]
    click(qtbot, menu, action(menu, "environment"))
    assert editor.record().get(NOTE) == "A walk in the environment"
