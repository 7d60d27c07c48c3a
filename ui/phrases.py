"""The phrase bank in the window: insert a saved sentence, save one, and the manager's curation.

* In any free-text (note) box of the record editor, **F3** opens a small searchable list of the
  setting's phrases for that kind of field, next to the cursor: type to narrow it, Up/Down to
  choose, Enter to insert at the cursor, Esc to close. Nothing is ever inserted by itself.
  Starter examples are marked "Example" and are there to be changed to fit the child.
* **Shift+F3** (or the list's Save button) saves the selected words, or the sentence the cursor is
  in, to the bank; anyone who may edit records may do it. The dialog shows the sentence to tidy
  first and says when it holds the child's name, since a phrase is offered for every child.
* Setting ▸ Phrase bank… is the manager's list per kind of field: change, remove, add, put the
  examples back, or start again when the stored bank is damaged.

An insertion is one edit of the field through its own ``edited`` signal, so the editor records it
as one step on its undo stack (never merged with typing) and saves it like any other change.
:func:`phrase_menu_actions` gives a text box's context menu the same two actions. F4 (a date's
calendar) and Ctrl+Shift+P (change password) were taken; F3 is Word's key for inserting AutoText.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QGuiApplication, QHideEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.phrases import (
    MAX_PHRASE,
    Phrase,
    PhraseBank,
    names_in,
    sentence_at,
    takes_phrases,
)
from ui.dialogs import plain_error
from ui.fields import FieldWidget, ftr
from ui.text_menu import register_menu_extension

INSERT_SHORTCUT = "F3"
SAVE_SHORTCUT = "Shift+F3"
NAME_PATHS = ("child.legal_forenames", "child.preferred_name", "child.legal_surname")
POPUP_SIZE = (520, 340)


def tr(text: str) -> str:
    return QCoreApplication.translate("phrases", text)


def shortcut_text(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


class PhraseSource(Protocol):
    """What these widgets need (``transitions_app.services.phrase_service.PhraseService`` fits)."""

    def bank(self) -> PhraseBank: ...

    def has_own_bank(self) -> bool: ...

    def can_save(self) -> bool: ...

    def can_curate(self) -> bool: ...

    def save(self, path: str, text: str) -> PhraseBank: ...

    def replace(self, path: str, old: str, text: str) -> PhraseBank: ...

    def remove(self, path: str, text: str) -> PhraseBank: ...

    def add_examples(self) -> PhraseBank: ...

    def start_again(self) -> PhraseBank: ...


# ------------------------------------------------------------------------------ the list model


class PhraseListModel(QAbstractListModel):
    """A list of phrases; examples read "Example: ..." and say they are there to be changed."""

    TEXT = 0  # the one column
    PHRASE_ROLE = Qt.ItemDataRole.UserRole + 1  # the Phrase itself

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._phrases: list[Phrase] = []

    def set_phrases(self, phrases: Iterable[Phrase]) -> None:
        self.beginResetModel()
        self._phrases = list(phrases)
        self.endResetModel()

    def phrases(self) -> list[Phrase]:
        return list(self._phrases)

    def rowCount(  # noqa: N802 - Qt override
        self,
        parent: QModelIndex | QPersistentModelIndex = QModelIndex(),  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self._phrases)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._phrases):
            return None
        phrase = self._phrases[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if phrase.example:
                return tr("Example: {text}").format(text=phrase.text)
            return phrase.text
        if role == Qt.ItemDataRole.ToolTipRole:
            if phrase.example:
                return tr("An example to start from: change the words to fit the child.")
            return tr("Saved by {who}").format(who=phrase.author) if phrase.author else None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            if phrase.example:
                return tr("Example to edit: {text}").format(text=phrase.text)
            return phrase.text
        if role == self.PHRASE_ROLE:
            return phrase
        return None


def list_view(model: PhraseListModel, name: str, parent: QWidget) -> QListView:
    view = QListView(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.setWordWrap(True)
    view.setUniformItemSizes(False)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setSpacing(2)
    return view


# ----------------------------------------------------------------------- the field under the cursor


def note_target(widget: QWidget | None) -> tuple[FieldWidget, QPlainTextEdit] | None:
    """The free-text field ``widget`` is (or is inside: a text box's viewport), with its text
    box; None for any other widget, or a field this person may not change."""
    edit: QWidget | None = widget
    if edit is not None and not isinstance(edit, QPlainTextEdit):
        edit = edit.parentWidget()
    if not isinstance(edit, QPlainTextEdit):
        return None
    owner = edit.parentWidget()
    while owner is not None and not isinstance(owner, FieldWidget):
        owner = owner.parentWidget()
    if owner is None or not takes_phrases(owner.fd) or not owner.isEnabled() or edit.isReadOnly():
        return None
    return owner, edit


def field_path(field: FieldWidget) -> str:
    return field.fd.path or field.fd.key


def chosen_sentence(edit: QPlainTextEdit) -> str:
    """The selected words, or else the sentence the cursor is in."""
    cursor = edit.textCursor()
    if cursor.hasSelection():
        return " ".join(cursor.selectedText().split())  # a selection's line breaks are U+2029
    return sentence_at(edit.toPlainText(), cursor.position())


def insert_phrase(field: FieldWidget, edit: QPlainTextEdit, text: str) -> None:
    """Put ``text`` at the cursor (in place of any selection), with a space either side where it
    meets other words, as one edit of the field: its own step on the editor's undo stack."""
    cursor = edit.textCursor()
    whole = edit.toPlainText()
    before, after = whole[: cursor.selectionStart()], whole[cursor.selectionEnd() :]
    piece = text
    if before and not before[-1].isspace():
        piece = " " + piece
    if after and not after[0].isspace():
        piece += " "
    with QSignalBlocker(edit):
        cursor.insertText(piece)
        edit.setTextCursor(cursor)
    field.edited.emit(field.value(), "")  # "": an action of its own, never merged with typing
    edit.ensureCursorVisible()


def _near(edit: QPlainTextEdit, size: tuple[int, int]) -> QPoint:
    """Where a popup of ``size`` goes: just under the cursor, kept on the screen."""
    rect = edit.cursorRect()
    at = edit.viewport().mapToGlobal(rect.bottomLeft() + QPoint(0, 4))
    screen = QGuiApplication.screenAt(at) or edit.screen()
    area = screen.availableGeometry()
    width, height = size
    x = max(area.left(), min(at.x(), area.right() - width))
    y = at.y()
    if y + height > area.bottom():
        y = max(area.top(), edit.viewport().mapToGlobal(rect.topLeft()).y() - height - 4)
    return QPoint(x, y)


def _keep_on_screen(popup: QWidget, edit: QPlainTextEdit) -> None:
    """Move a shown popup back inside the screen's free area if its frame sticks out."""
    area = (QGuiApplication.screenAt(popup.pos()) or edit.screen()).availableGeometry()
    frame = popup.frameGeometry()
    dx = min(0, area.right() - frame.right()) or max(0, area.left() - frame.left())
    dy = min(0, area.bottom() - frame.bottom()) or max(0, area.top() - frame.top())
    if dx or dy:
        popup.move(popup.pos() + QPoint(dx, dy))


# ------------------------------------------------------------------------------------ the popup


class PhrasePopup(QFrame):
    """The searchable list next to the cursor. Emits ``chosen(text)`` for the phrase to insert,
    ``save_requested`` for the Save button; closes itself on Esc or a click elsewhere."""

    chosen = Signal(str)
    save_requested = Signal()
    closed = Signal()

    def __init__(
        self,
        bank: PhraseBank | None,
        path: str,
        label: str,
        *,
        problem: str = "",
        can_save: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("phrasePopup")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(tr("Phrase bank"))
        self._bank = bank
        self._path = path
        self.title = QLabel(tr("Phrases for “{label}”").format(label=label), self)
        self.title.setObjectName("panelTitle")
        self.title.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setAccessibleName(tr("Search the phrases"))
        self.search.setPlaceholderText(tr("Type words to find a phrase"))
        self.search.setClearButtonEnabled(True)
        self.model = PhraseListModel(self)
        self.list = list_view(self.model, tr("Phrases"), self)
        self.note = QLabel(self)
        self.note.setObjectName("helpText")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(tr("About these phrases"))
        self.insert_button = QPushButton(tr("&Insert"), self)
        self.insert_button.setToolTip(tr("Put the chosen phrase at the cursor (Enter)"))
        self.save_button = QPushButton(tr("&Save a sentence to the bank…"), self)
        self.save_button.setToolTip(
            tr("Save the words you selected, or the sentence the cursor is in ({keys})").format(
                keys=shortcut_text(SAVE_SHORTCUT)
            )
        )
        self.save_button.setVisible(can_save)
        self.close_button = QPushButton(tr("Close"), self)
        self.close_button.setToolTip(tr("Close without inserting (Esc)"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.insert_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(6)
        lay.addWidget(self.title)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.note)
        lay.addLayout(buttons)
        self.resize(*POPUP_SIZE)

        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.list.activated.connect(lambda _i: self.insert_current())
        self.insert_button.clicked.connect(self.insert_current)
        self.save_button.clicked.connect(self._save)
        self.close_button.clicked.connect(self.close)
        self._problem = problem
        self._filter("")
        self.setFocusProxy(self.search)

    def _filter(self, words: str) -> None:
        found = self._bank.search(self._path, words) if self._bank is not None else []
        self.model.set_phrases(found)
        if found:
            self.list.setCurrentIndex(self.model.index(0, 0))
        self.insert_button.setEnabled(bool(found))
        if self._problem:
            text = self._problem
        elif not found and words.strip():
            text = tr("No phrase has all of “{words}”.").format(words=words.strip())
        elif not found:
            text = tr(
                "No phrases for this kind of box yet. Write a sentence, then press {keys} to save "
                "it here for everyone in the setting."
            ).format(keys=shortcut_text(SAVE_SHORTCUT))
        elif any(p.example for p in found):
            text = tr(
                "Examples are starting points: after inserting one, change the words to fit the child."
            )
        else:
            text = tr("Enter puts the phrase at the cursor; you can change it after.")
        self.note.setText(text)

    def current_phrase(self) -> Phrase | None:
        index = self.list.currentIndex()
        value = index.data(PhraseListModel.PHRASE_ROLE) if index.isValid() else None
        return value if isinstance(value, Phrase) else None

    def insert_current(self) -> None:
        phrase = self.current_phrase()
        if phrase is None:
            return
        self.close()
        self.chosen.emit(phrase.text)

    def _save(self) -> None:
        self.close()
        self.save_requested.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self._step(key)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.insert_current()
                return True
            if key == Qt.Key.Key_Escape:
                self.close()
                return True
        return super().eventFilter(watched, event)

    def _step(self, key: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        row = self.list.currentIndex().row()
        step = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -5,
            Qt.Key.Key_PageDown: 5,
        }
        row = max(0, min(rows - 1, (row if row >= 0 else -1) + step[Qt.Key(key)]))
        self.list.setCurrentIndex(self.model.index(row, 0))

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self.closed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)


# ---------------------------------------------------------------------------- saving a sentence


class SavePhraseDialog(QDialog):
    """ "Save to the phrase bank": the sentence to tidy first, with a word when it names the child.
    Saves through the service on accept; a refusal is shown in the dialog, which stays open."""

    def __init__(
        self,
        service: PhraseSource,
        path: str,
        label: str,
        text: str,
        names: Iterable[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("savePhraseDialog")
        self.setWindowTitle(tr("Save to the phrase bank"))
        self._service = service
        self._path = path
        self._names = [n for n in names if n]
        self.saved_text = ""
        intro = QLabel(
            tr(
                "Save this sentence for “{label}”. Everyone in the setting will be offered it in "
                "every child's record, so leave out names and anything private."
            ).format(label=label),
            self,
        )
        intro.setWordWrap(True)
        self.text = QLineEdit(text, self)
        self.text.setMaxLength(MAX_PHRASE)
        self.text.setAccessibleName(tr("Sentence to save"))
        self.text.setMinimumWidth(460)
        text_label = QLabel(tr("&Sentence:"), self)
        text_label.setBuddy(self.text)
        self.warning = QLabel(self)
        self.warning.setObjectName("fieldError")
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName(tr("Check before saving"))
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(
            tr("&Save to phrase bank"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        form = QGridLayout()
        form.addWidget(text_label, 0, 0)
        form.addWidget(self.text, 0, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.warning)
        lay.addWidget(self.buttons)
        self.text.textChanged.connect(self._check)
        self._check(text)

    def _check(self, text: str) -> None:
        found = names_in(text, self._names)
        self.save_button.setEnabled(bool(text.strip()))
        if found:
            self.warning.setText(
                tr(
                    "This has “{names}” in it. Change it to “they” or “the child” so it fits any child."
                ).format(names="”, “".join(found))
            )
        else:
            self.warning.clear()
        self.warning.setVisible(bool(found))

    def _save(self) -> None:
        try:
            self._service.save(self._path, self.text.text())
        except TransitionsError as exc:
            self.warning.setText(plain_error(exc))
            self.warning.setVisible(True)
            return
        self.saved_text = " ".join(self.text.text().split())
        self.accept()


# ------------------------------------------------------------------------ in the record editor


class PhraseTools(QObject):
    """The phrase bank's keys and actions on one record editor (see :func:`install_phrase_tools`)."""

    def __init__(self, editor: Any, phrases: Callable[[], PhraseSource]) -> None:
        """``phrases()`` gives the phrase service of the session logged in now."""
        super().__init__(editor)
        self.setObjectName("phraseTools")
        self._editor = editor
        self._phrases = phrases
        self.popup: PhrasePopup | None = None
        self.save_dialog: SavePhraseDialog | None = None
        self.insert_shortcut = QShortcut(QKeySequence(INSERT_SHORTCUT), editor)
        self.insert_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.insert_shortcut.activated.connect(lambda: self.open_for(QApplication.focusWidget()))
        self.save_shortcut = QShortcut(QKeySequence(SAVE_SHORTCUT), editor)
        self.save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_shortcut.activated.connect(lambda: self.save_from(QApplication.focusWidget()))

    @property
    def service(self) -> PhraseSource:
        return self._phrases()

    def _label(self, field: FieldWidget) -> str:
        return ftr(field.fd.label)

    def _not_here(self) -> None:
        self._editor.message_bar.show_message(
            tr(
                "Phrases go into the writing boxes: put the cursor in one, then press {keys}."
            ).format(keys=shortcut_text(INSERT_SHORTCUT)),
            "info",
        )

    def open_for(self, widget: QWidget | None) -> PhrasePopup | None:
        """Open the list of phrases for the text box ``widget`` (the one with the cursor)."""
        target = note_target(widget)
        if target is None:
            self._not_here()
            return None
        field, edit = target
        service = self.service
        try:
            bank: PhraseBank | None = service.bank()
            problem = ""
        except TransitionsError as exc:
            bank, problem = None, plain_error(exc)
        popup = PhrasePopup(
            bank,
            field_path(field),
            self._label(field),
            problem=problem,
            can_save=service.can_save(),
            parent=edit,
        )
        popup.chosen.connect(lambda text: self._insert(field, edit, text))
        popup.save_requested.connect(lambda: self.save_from(edit))
        popup.closed.connect(lambda: self._popup_gone(popup, edit))
        popup.move(_near(edit, POPUP_SIZE))
        self.popup = popup
        popup.show()
        _keep_on_screen(popup, edit)
        popup.search.setFocus(Qt.FocusReason.PopupFocusReason)
        return popup

    def _popup_gone(self, popup: PhrasePopup, edit: QPlainTextEdit) -> None:
        if self.popup is popup:
            self.popup = None
        self._back_to(edit)

    def _back_to(self, edit: QPlainTextEdit) -> None:
        """The cursor back in the text box, its window active (some platforms leave no window
        active when a popup closes)."""
        if shiboken6.isValid(edit) and edit.isVisible():
            edit.window().activateWindow()
            edit.setFocus(Qt.FocusReason.PopupFocusReason)

    def _insert(self, field: FieldWidget, edit: QPlainTextEdit, text: str) -> None:
        if not (shiboken6.isValid(field) and shiboken6.isValid(edit)):
            return
        self._back_to(edit)
        insert_phrase(field, edit, text)

    def save_from(self, widget: QWidget | None) -> SavePhraseDialog | None:
        """Offer to save the selected words (or the sentence at the cursor) of ``widget``."""
        target = note_target(widget)
        if target is None:
            self._not_here()
            return None
        field, edit = target
        service = self.service
        if not service.can_save():
            self._editor.message_bar.show_message(tr("Your role cannot save phrases."), "warning")
            return None
        record = self._editor.record()
        names = [str(record.get(p) or "") for p in NAME_PATHS]
        dialog = SavePhraseDialog(
            service,
            field_path(field),
            self._label(field),
            chosen_sentence(edit),
            names,
            self._editor,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._saved(dialog.saved_text, field))
        dialog.finished.connect(lambda _r: self._dialog_gone(edit))
        self.save_dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, text: str, field: FieldWidget) -> None:
        self._editor.message_bar.show_message(
            tr(
                "Saved to the phrase bank for “{label}”: press {keys} in that kind of box to use it."
            ).format(label=self._label(field), keys=shortcut_text(INSERT_SHORTCUT)),
            "info",
        )

    def _dialog_gone(self, edit: QPlainTextEdit) -> None:
        self.save_dialog = None
        self._back_to(edit)


def install_phrase_tools(editor: Any, phrases: Callable[[], PhraseSource]) -> PhraseTools:
    """Give the record editor F3 (insert a phrase) and Shift+F3 (save a sentence); ``phrases()``
    gives the phrase service of the session logged in now. The text boxes' right-click menu
    offers the same two (ui.text_menu)."""
    register_menu_extension(phrase_menu_actions)
    return PhraseTools(editor, phrases)


def phrase_tools_for(widget: QWidget | None) -> PhraseTools | None:
    """The phrase tools of the record editor ``widget`` is in, if it has them."""
    while widget is not None:
        tools = widget.findChild(
            PhraseTools, "phraseTools", Qt.FindChildOption.FindDirectChildrenOnly
        )
        if tools is not None:
            return tools
        widget = widget.parentWidget()
    return None


def phrase_menu_actions(widget: QWidget, menu: QMenu) -> list[QAction]:
    """Add "Insert a phrase…" and "Save to phrase bank…" to the context menu of a text box
    (for ``ui.text_menu.register_menu_extension``); adds nothing outside the record editor's
    free-text boxes. Returns the actions added."""
    tools = phrase_tools_for(widget)
    target = note_target(widget)
    if tools is None or target is None:
        return []
    _field, edit = target
    menu.addSeparator()
    insert = menu.addAction(tr("Insert a &phrase…"))
    insert.setShortcut(QKeySequence(INSERT_SHORTCUT))
    insert.triggered.connect(lambda _c=False: tools.open_for(edit))
    save = menu.addAction(tr("Save to phrase &bank…"))
    save.setShortcut(QKeySequence(SAVE_SHORTCUT))
    save.setEnabled(tools.service.can_save() and bool(chosen_sentence(edit)))
    save.triggered.connect(lambda _c=False: tools.save_from(edit))
    return [insert, save]


# ----------------------------------------------------------------------- the manager's curation
