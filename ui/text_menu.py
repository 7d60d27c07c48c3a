"""The right-click menu of the editor's text fields, one for every kind of text widget.

Undo and Redo are the record's (the editor's ``QUndoStack``, the same history as Ctrl+Z), not
the widget's own. On a misspelt word the menu offers corrections (worked out on the thread pool
the first time for a word, and added to the open menu when they arrive) and "Add to the
setting's dictionary"; then the usual Cut, Copy, Paste, Delete and Select all. A correction, a cut, a paste
or a delete made from the menu is one step in the record's history, through the field's normal
``edited`` signal, so autosave sees it like typing.

Other features add their own entries with :func:`register_menu_extension`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QTextCursor, QUndoStack
from PySide6.QtWidgets import QLineEdit, QMenu, QMessageBox, QPlainTextEdit, QWidget

from models.errors import TransitionsError
from models.spelling import Span
from ui.spellcheck import LineUnderliner, SpellHighlighter, SpellingSupport, from_qt, to_qt

TextEdit = QLineEdit | QPlainTextEdit
MenuExtension = Callable[[QWidget, QMenu], object]  # what it returns is not used
MENU_NAME = "textMenu"
MAX_SUGGESTIONS = 5

_EXTENSIONS: list[MenuExtension] = []


def tr(text: str) -> str:
    return QCoreApplication.translate("text_menu", text)


def register_menu_extension(fn: MenuExtension) -> None:
    """Call ``fn(widget, menu)`` each time a text field's menu is built, after the standard
    entries; ``fn`` may add actions (a separator first keeps the groups apart)."""
    if fn not in _EXTENSIONS:
        _EXTENSIONS.append(fn)


def unregister_menu_extension(fn: MenuExtension) -> None:
    if fn in _EXTENSIONS:
        _EXTENSIONS.remove(fn)


class TextTools:
    """What an editor offers its text fields: its undo stack and its spell check. The editor
    holds one as ``text_tools``; a field finds the one of the editor it is in."""

    def __init__(self, undo_stack: QUndoStack, spelling: SpellingSupport | None) -> None:
        self.undo_stack = undo_stack
        self.spelling = spelling


def find_text_tools(widget: QWidget) -> TextTools | None:
    w: QWidget | None = widget
    while w is not None:
        tools = getattr(w, "text_tools", None)
        if isinstance(tools, TextTools):
            return tools
        w = w.parentWidget()
    return None


class TextOwner(Protocol):
    """The field a text widget belongs to: edits made inside ``single_step()`` are one undo
    step of their own (they never merge with typing)."""

    def single_step(self) -> AbstractContextManager[None]: ...


def install_text_menu(edit: TextEdit, owner: TextOwner, *, spell: bool) -> None:
    """Give ``edit`` this module's context menu and, with ``spell``, the spell check."""
    edit.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    edit.customContextMenuRequested.connect(
        lambda pos: show_text_menu(edit, owner, pos, spell=spell)
    )
    edit.setProperty("spellChecked", spell)
    if spell and isinstance(edit, QPlainTextEdit):
        SpellHighlighter(edit, lambda: _spelling(edit))
    elif spell and isinstance(edit, QLineEdit):
        LineUnderliner(edit, lambda: _spelling(edit))


def _spelling(edit: QWidget) -> SpellingSupport | None:
    tools = find_text_tools(edit)
    return tools.spelling if tools is not None else None


def show_text_menu(edit: TextEdit, owner: TextOwner, pos: QPoint, *, spell: bool) -> QMenu:
    """Build the menu for the point ``pos`` of ``edit`` (of its viewport, for a note field) and
    pop it up there."""
    old = edit.findChild(QMenu, MENU_NAME)
    if old is not None:
        old.close()
        old.setObjectName("")
    menu = build_text_menu(edit, owner, pos, spell=spell)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # A scroll area's (the note field's) menu position is in its viewport's coordinates.
    where = edit.viewport() if isinstance(edit, QPlainTextEdit) else edit
    menu.popup(where.mapToGlobal(pos))
    return menu


def build_text_menu(edit: TextEdit, owner: TextOwner, pos: QPoint, *, spell: bool) -> QMenu:
    menu = QMenu(edit)
    menu.setObjectName(MENU_NAME)
    menu.setAccessibleName(tr("Text menu"))
    tools = find_text_tools(edit)
    _add_undo(menu, edit, tools)
    if spell and tools is not None and tools.spelling is not None:
        _add_spelling(menu, edit, owner, tools.spelling, pos)
    menu.addSeparator()
    _add_standard(menu, edit, owner)
    for extend in list(_EXTENSIONS):
        extend(edit, menu)
    return menu


# --- undo ------------------------------------------------------------------------------------


def _add_undo(menu: QMenu, edit: TextEdit, tools: TextTools | None) -> None:
    if tools is None:  # not in an editor: the widget's own history
        undo = menu.addAction(tr("&Undo"), edit.undo)
        redo = menu.addAction(tr("&Redo"), edit.redo)
        if isinstance(edit, QLineEdit):
            undo.setEnabled(edit.isUndoAvailable() and not edit.isReadOnly())
            redo.setEnabled(edit.isRedoAvailable() and not edit.isReadOnly())
        else:
            undo.setEnabled(edit.document().isUndoAvailable() and not edit.isReadOnly())
            redo.setEnabled(edit.document().isRedoAvailable() and not edit.isReadOnly())
    else:
        stack = tools.undo_stack
        undo_text = stack.undoText().replace("&", "&&")  # a label's "&" is not a shortcut key
        redo_text = stack.redoText().replace("&", "&&")
        undo = menu.addAction(
            tr("&Undo {what}").format(what=undo_text) if undo_text else tr("&Undo")
        )
        redo = menu.addAction(
            tr("&Redo {what}").format(what=redo_text) if redo_text else tr("&Redo")
        )
        undo.triggered.connect(stack.undo)
        redo.triggered.connect(stack.redo)
        undo.setEnabled(stack.canUndo())
        redo.setEnabled(stack.canRedo())
    undo.setObjectName("undo")
    redo.setObjectName("redo")
    undo.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
    redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))


# --- spelling --------------------------------------------------------------------------------


def _word_at(edit: TextEdit, spelling: SpellingSupport, pos: QPoint) -> tuple[Span, int] | None:
    """The misspelt word at ``pos`` and where its paragraph starts (Qt position)."""
    if isinstance(edit, QLineEdit):
        text = edit.text()
        at = from_qt(text, edit.cursorPositionAt(pos))
        span = spelling.misspelt_at(text, at, prose=False)
        return None if span is None else (span, 0)
    cursor = edit.cursorForPosition(pos)
    block = cursor.block()
    text = block.text()
    span = spelling.misspelt_at(text, from_qt(text, cursor.positionInBlock()))
    return None if span is None else (span, block.position())


def _add_spelling(
    menu: QMenu, edit: TextEdit, owner: TextOwner, spelling: SpellingSupport, pos: QPoint
) -> None:
    if not spelling.is_ready():
        spelling.request()
        return
    found = _word_at(edit, spelling, pos)
    if found is None:
        return
    span, block_start = found
    menu.addSeparator()
    placeholder = menu.addAction(tr("Looking for spelling suggestions…"))
    placeholder.setObjectName("suggestionsPending")
    placeholder.setEnabled(False)

    def show(suggestions: list[str]) -> None:
        if placeholder not in menu.actions():
            return
        for word in suggestions[:MAX_SUGGESTIONS]:
            action = QAction(word, menu)
            font = action.font()
            font.setBold(True)
            action.setFont(font)
            action.setObjectName("suggestion")
            action.triggered.connect(
                lambda _c=False, w=word: replace_word(edit, owner, span, block_start, w)
            )
            menu.insertAction(placeholder, action)
        if suggestions:
            menu.removeAction(placeholder)
        else:
            placeholder.setText(tr("No spelling suggestions"))
            placeholder.setObjectName("noSuggestions")

    known = spelling.suggestions(span.word, show, menu)
    if known is not None:
        show(known)
    add = menu.addAction(tr("Add “{word}” to the setting's &dictionary").format(word=span.word))
    add.setObjectName("addWord")
    add.setEnabled(spelling.service.can_add() and not edit.isReadOnly())
    add.triggered.connect(lambda _c=False: _add_word(edit, spelling, span.word))


def replace_word(edit: TextEdit, owner: TextOwner, span: Span, block_start: int, word: str) -> None:
    """Put ``word`` in place of ``span`` (a word of the paragraph that starts at ``block_start``)
    as one edit of the record."""
    if edit.isReadOnly():
        return
    if isinstance(edit, QLineEdit):
        text = edit.text()
        if text[span.start : span.end] != span.word:
            return  # the text changed under the menu
        start = to_qt(text, span.start)
        with owner.single_step():
            edit.setSelection(start, to_qt(text, span.end) - start)
            edit.insert(word)
        return
    block = edit.document().findBlock(block_start)
    text = block.text()
    if block.position() != block_start or text[span.start : span.end] != span.word:
        return
    cursor = QTextCursor(block)
    cursor.setPosition(block_start + to_qt(text, span.start))
    cursor.setPosition(block_start + to_qt(text, span.end), QTextCursor.MoveMode.KeepAnchor)
    with owner.single_step():
        cursor.insertText(word)
    edit.setTextCursor(cursor)


def _add_word(edit: QWidget, spelling: SpellingSupport, word: str) -> None:
    try:
        spelling.add(word)
    except TransitionsError as exc:
        QMessageBox.warning(edit.window(), tr("Setting's dictionary"), str(exc))


# --- cut, copy, paste ------------------------------------------------------------------------


def _clipboard_has_text() -> bool:
    data = QGuiApplication.clipboard().mimeData()
    return data is not None and data.hasText()


def _add_standard(menu: QMenu, edit: TextEdit, owner: TextOwner) -> None:
    if isinstance(edit, QLineEdit):
        selected = edit.hasSelectedText()
        has_text = bool(edit.text())
        delete: Callable[[], None] = edit.del_
    else:
        selected = edit.textCursor().hasSelection()
        has_text = not edit.document().isEmpty()

        def delete() -> None:
            cursor = edit.textCursor()
            cursor.removeSelectedText()
            edit.setTextCursor(cursor)

    writable = not edit.isReadOnly()
    entries: list[tuple[str, str, Callable[[], None], bool, QKeySequence.StandardKey | None]] = [
        (
            "cut",
            tr("Cu&t"),
            _step(owner, edit.cut),
            selected and writable,
            QKeySequence.StandardKey.Cut,
        ),
        ("copy", tr("&Copy"), edit.copy, selected, QKeySequence.StandardKey.Copy),
        (
            "paste",
            tr("&Paste"),
            _step(owner, edit.paste),
            writable and _clipboard_has_text(),
            QKeySequence.StandardKey.Paste,
        ),
        ("delete", tr("Delete"), _step(owner, delete), selected and writable, None),
    ]
    for name, text, slot, enabled, key in entries:
        action = _action(menu, name, text, slot, enabled)
        if key is not None:
            action.setShortcut(QKeySequence(key))
    menu.addSeparator()
    select_all = _action(menu, "selectAll", tr("Select &all"), edit.selectAll, has_text)
    select_all.setShortcut(QKeySequence(QKeySequence.StandardKey.SelectAll))


def _action(menu: QMenu, name: str, text: str, slot: Callable[[], None], enabled: bool) -> QAction:
    action = menu.addAction(text)
    action.setObjectName(name)
    action.triggered.connect(lambda _c=False: slot())
    action.setEnabled(enabled)
    return action


def _step(owner: TextOwner, fn: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        with owner.single_step():
            fn()

    return run
