"""One editor widget per field kind, made by :func:`make_field` from a ``FieldDef``.

Every widget has the same small interface: ``value()`` returns the typed value the record holds
(``None`` when empty; :class:`~models.record.Unparsed` for a date typed that is not a real date, kept
exactly as typed), ``set_value(v)`` fills the widget without emitting ``edited`` (it blocks
signals), and ``edited(value, merge_token)`` fires on a change made by a person. Typing in the same
place gives the same non-empty ``merge_token`` so the undo stack can merge keystrokes. ``left``
fires when the person leaves a field whose text is checked only once it is finished (a date).

Text widgets have the editor's right-click menu (:mod:`ui.text_menu`: the record's Undo/Redo,
and, in free-text fields, spelling corrections); an edit made from it is one undo step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QIntValidator, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from models.entry import DateProblem, format_date
from models.entry import parse_typed_date as _parse_date
from models.framework.definition import FieldDef, Kind, is_empty
from models.record import Person, Unparsed
from models.values import PERSON_KEYS
from ui.text_menu import install_text_menu


def tr(text: str) -> str:
    return QCoreApplication.translate("fields", text)


def ftr(text: str) -> str:
    """Framework labels and help: translatable data."""
    return QCoreApplication.translate("framework", text) if text else text


def empty_to_none(value: Any) -> Any:
    if value is None or value == "" or value == () or value == []:
        return None
    if isinstance(value, Person) and value.is_empty():
        return None
    return value


class _UndoPassThrough(QObject):
    """Lets Ctrl+Z / Ctrl+Shift+Z reach the window's undo stack instead of the text widget's own
    undo, so there is one history for the whole record."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            combo = event.keyCombination().toCombined()
            seq = QKeySequence(combo)
            for standard in (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo):
                if any(
                    seq.matches(k) == QKeySequence.SequenceMatch.ExactMatch
                    for k in QKeySequence.keyBindings(standard)
                ):
                    event.ignore()
                    return True
            if seq.matches(QKeySequence("Ctrl+Shift+Z")) == QKeySequence.SequenceMatch.ExactMatch:
                event.ignore()
                return True
        return False


_PASS_THROUGH: _UndoPassThrough | None = None


def _route_undo_to_window(widget: QWidget) -> None:
    global _PASS_THROUGH
    if _PASS_THROUGH is None:
        _PASS_THROUGH = _UndoPassThrough(QCoreApplication.instance())
    widget.installEventFilter(_PASS_THROUGH)


class FieldWidget(QWidget):
    """Base of the per-kind editors."""

    edited = Signal(object, str)  # new value (None when empty), merge token ("" = never merge)
    left = Signal()  # the person finished with the field (its text is now checked)

    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fd = fd
        self._single_step = False
        self.setAccessibleName(ftr(fd.label))

    # Every kind's widget defines these two (tests/ui/test_editor.py round-trips each kind):
    value: Callable[[], Any]  # the current value, None when empty
    set_value: Callable[[Any], None]  # show a value without emitting an edit

    def focus_target(self) -> QWidget:
        """The widget a label is the buddy of, and that gets focus when jumping to the field."""
        return self

    @contextmanager
    def single_step(self) -> Iterator[None]:
        """Edits made inside are an undo step of their own (a spelling correction, a paste from
        the menu): they are emitted with no merge token."""
        self._single_step = True
        try:
            yield
        finally:
            self._single_step = False

    def _emit(self, value: Any, token: str = "") -> None:
        self.edited.emit(empty_to_none(value), "" if self._single_step else token)


class TextField(FieldWidget):
    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(ftr(fd.label))
        _route_undo_to_window(self.edit)
        install_text_menu(self.edit, self, spell=True)
        lay.addWidget(self.edit)
        self.edit.textEdited.connect(lambda text: self._emit(text, "text"))

    def value(self) -> Any:
        return empty_to_none(self.edit.text())

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit


class NoteField(FieldWidget):
    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QPlainTextEdit(self)
        self.edit.setAccessibleName(ftr(fd.label))
        self.edit.setTabChangesFocus(True)
        self.edit.setUndoRedoEnabled(False)
        self.edit.setMinimumHeight(56)
        self.edit.setMaximumHeight(88)
        self.edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        _route_undo_to_window(self.edit)
        install_text_menu(self.edit, self, spell=True)
        lay.addWidget(self.edit)
        self.edit.textChanged.connect(lambda: self._emit(self.edit.toPlainText(), "text"))

    def value(self) -> Any:
        return empty_to_none(self.edit.toPlainText())

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setPlainText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit


def parse_typed_date(text: str) -> date | None:
    """A date as people type it in England (day first); see :func:`models.entry.parse_typed_date`.

    :raises ValueError: with one plain sentence naming what is wrong ("February has no 31st.").
    """
    try:
        return _parse_date(text)
    except DateProblem as exc:
        raise ValueError(tr(str(exc))) from None


class DateField(FieldWidget):
    """A date typed as day/month/year (taken as you type, tidied when you leave the field), or
    picked from a calendar (the button, or Alt+Down / F4). Text that is not a real date is kept as
    typed (``Unparsed``) and the form names the problem once you leave the field. The calendar is
    made when it is first opened: making seventeen of them up front slows the editor down."""

    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self._value: date | Unparsed | None = None
        self._visit = 0  # typing in one visit to the field is one undo step
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(ftr(fd.label))
        self.edit.setPlaceholderText(tr("dd/mm/yyyy"))
        self.edit.setToolTip(
            tr("Type the date (for example 15/03/2021) or press Alt+Down for a calendar.")
        )
        self.edit.setMaximumWidth(160)
        _route_undo_to_window(self.edit)
        install_text_menu(self.edit, self, spell=False)
        self.calendar_button = QToolButton(self)
        self.calendar_button.setText(tr("Calendar"))
        self.calendar_button.setAccessibleName(
            tr("Pick {label} from a calendar").format(label=ftr(fd.label))
        )
        self.calendar_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._menu = QMenu(self.calendar_button)
        self._menu.aboutToShow.connect(self._prepare_calendar)
        self.calendar_button.setMenu(self._menu)
        self.calendar: QCalendarWidget | None = None
        self.clear_button = QToolButton(self)
        self.clear_button.setText(tr("Clear"))
        self.clear_button.setAccessibleName(tr("Clear {label}").format(label=ftr(fd.label)))
        self.clear_button.setToolTip(tr("Remove this date"))
        lay.addWidget(self.edit)
        lay.addWidget(self.calendar_button)
        lay.addWidget(self.clear_button)
        lay.addStretch(1)
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._tidy)
        self.edit.installEventFilter(self)
        self.clear_button.clicked.connect(self._clear)
        self._sync_clear()

    # --- typing ----------------------------------------------------------------------------

    def _read(self, text: str) -> date | Unparsed | None:
        try:
            return _parse_date(text)
        except DateProblem:
            return Unparsed(text.strip())

    def _typed(self, text: str) -> None:
        """Take what is typed as it is typed: a date once the text is a whole date, otherwise the
        text itself, kept exactly (the problem is named once the person leaves the field)."""
        value = self._read(text)
        if isinstance(value, date) and len(text.strip()) < 8:
            value = Unparsed(text.strip())  # "1/3/2" is not finished yet, whatever it parses as
        if value != self._value:
            self._set(value, f"date.{self._visit}")

    def _tidy(self) -> None:
        value = self._read(self.edit.text())
        if value != self._value:  # finishing what was typed: the same undo step as the typing
            self._set(value, f"date.{self._visit}")
        self._visit += 1
        if isinstance(value, date) or value is None:
            with QSignalBlocker(self.edit):
                self.edit.setText(format_date(value) if value else "")
        self.left.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        opens_calendar = (
            watched is self.edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and (
                event.key() == Qt.Key.Key_F4
                or (
                    event.key() == Qt.Key.Key_Down
                    and bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
                )
            )
        )
        if opens_calendar:
            self.calendar_button.showMenu()
            return True
        return super().eventFilter(watched, event)

    # --- the calendar ----------------------------------------------------------------------

    def _prepare_calendar(self) -> None:
        if self.calendar is None:
            self.calendar = QCalendarWidget(self._menu)
            self.calendar.setGridVisible(True)
            self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
            self.calendar.clicked.connect(self._picked)
            self.calendar.activated.connect(self._picked)
            action = QWidgetAction(self._menu)
            action.setDefaultWidget(self.calendar)
            self._menu.addAction(action)
        shown = self._value if isinstance(self._value, date) else date.today()
        self.calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        self.calendar.setCurrentPage(shown.year, shown.month)
        self.calendar.setFocus()

    def _picked(self, day: QDate) -> None:
        self._menu.hide()
        value = day.toPython()
        if isinstance(value, date):
            self.set_date(value)
        self.edit.setFocus()

    # --- value -----------------------------------------------------------------------------

    def _set(self, value: date | Unparsed | None, token: str) -> None:
        self._value = value
        self._sync_clear()
        self._emit(value, token)

    def _clear(self) -> None:
        """Clearing is an action of its own: it never merges with typing a date."""
        with QSignalBlocker(self.edit):
            self.edit.clear()
        if self._value is not None:
            self._set(None, "")
        self.edit.setFocus()

    def _sync_clear(self) -> None:
        self.clear_button.setEnabled(self._value is not None or bool(self.edit.text()))

    def value(self) -> date | Unparsed | None:
        return self._value

    def set_value(self, value: Any) -> None:
        self._value = value if isinstance(value, (date, Unparsed)) else None
        if isinstance(self._value, Unparsed):
            text = self._value.text
        else:
            text = format_date(self._value) if self._value else ""
        with QSignalBlocker(self.edit):
            self.edit.setText(text)
        self._sync_clear()

    def set_date(self, value: date | None) -> None:
        """Set a date as if a person picked it (tests and the calendar use this path)."""
        with QSignalBlocker(self.edit):
            self.edit.setText(format_date(value) if value else "")
        if value != self._value:
            self._set(value, "")

    def focus_target(self) -> QWidget:
        return self.edit


class ChoiceField(FieldWidget):
    """Choice and scale fields: a combo with an empty first item."""

    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox(self)
        self.combo.setAccessibleName(ftr(fd.label))
        self.combo.addItem("", None)
        for opt in self._options():
            self.combo.addItem(opt[1], opt[0])
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMinimumWidth(200)
        lay.addWidget(self.combo)
        lay.addStretch(1)
        self.combo.currentIndexChanged.connect(lambda _i: self._emit(self.value()))

    def _options(self) -> list[tuple[Any, str]]:
        return [(o.value, ftr(o.label)) for o in self.fd.options]

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.combo):
            index = 0
            for i in range(1, self.combo.count()):
                if self.combo.itemData(i) == value:
                    index = i
                    break
            self.combo.setCurrentIndex(index)

    def set_empty_text(self, text: str) -> None:
        """What the empty choice says: for a value worked out from other answers until a person
        chooses one ("Yes, from the home languages")."""
        self.combo.setItemText(0, text)
        self.combo.setItemData(0, text or None, Qt.ItemDataRole.ToolTipRole)
        self.combo.adjustSize()

    def empty_text(self) -> str:
        return self.combo.itemText(0)

    def focus_target(self) -> QWidget:
        return self.combo


class YesNoField(ChoiceField):
    def _options(self) -> list[tuple[Any, str]]:
        return [(True, tr("Yes")), (False, tr("No"))]

    def value(self) -> Any:
        data = self.combo.currentData()
        return bool(data) if data is not None else None


class MultiField(FieldWidget):
    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.boxes: list[tuple[str, QCheckBox]] = []
        for opt in fd.options:
            box = QCheckBox(ftr(opt.label), self)
            box.setAccessibleName(f"{ftr(fd.label)}: {ftr(opt.label)}")
            box.toggled.connect(lambda _on: self._emit(self.value()))
            lay.addWidget(box)
            self.boxes.append((opt.value, box))

    def value(self) -> Any:
        return empty_to_none(tuple(v for v, box in self.boxes if box.isChecked()))

    def set_value(self, value: Any) -> None:
        chosen = set(value or ())
        for v, box in self.boxes:
            with QSignalBlocker(box):
                box.setChecked(v in chosen)

    def focus_target(self) -> QWidget:
        return self.boxes[0][1] if self.boxes else self


class NumberField(FieldWidget):
    """A whole number, blank when not set. Out-of-range values are typed freely and explained by
    the inline validation message rather than silently refused."""

    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(ftr(fd.label))
        self.edit.setValidator(QIntValidator(0, 99999, self.edit))
        self.edit.setMaximumWidth(120)
        if fd.minimum is not None and fd.maximum is not None:
            self.edit.setPlaceholderText(f"{fd.minimum}–{fd.maximum}")
        _route_undo_to_window(self.edit)
        install_text_menu(self.edit, self, spell=False)
        lay.addWidget(self.edit)
        lay.addStretch(1)
        self.edit.textEdited.connect(lambda _t: self._emit(self.value(), "number"))

    def value(self) -> int | None:
        text = self.edit.text().strip()
        try:
            return int(text) if text else None
        except ValueError:
            return None

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit


PERSON_LABELS = {
    "name": "Name",
    "role": "Role",
    "organisation": "Organisation",
    "contact": "Contact",
}

SPELL_CHECKED_PERSON_KEYS = frozenset({"role", "organisation"})  # not names, phone or e-mail


class PersonField(FieldWidget):
    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.edits: dict[str, QLineEdit] = {}
        for n, key in enumerate(PERSON_KEYS):
            edit = QLineEdit(self)
            edit.setAccessibleName(f"{ftr(fd.label)}: {tr(PERSON_LABELS[key])}")
            _route_undo_to_window(edit)
            install_text_menu(edit, self, spell=key in SPELL_CHECKED_PERSON_KEYS)
            edit.textEdited.connect(lambda _t, k=key: self._emit(self.value(), f"person.{k}"))
            label = QLabel(tr(PERSON_LABELS[key]), self)
            label.setObjectName("subLabel")
            label.setBuddy(edit)
            grid.addWidget(label, n // 2, (n % 2) * 2)
            grid.addWidget(edit, n // 2, (n % 2) * 2 + 1)
            self.edits[key] = edit

    def value(self) -> Person | None:
        person = Person(**{k: e.text() for k, e in self.edits.items()})
        return None if person.is_empty() else person

    def set_value(self, value: Any) -> None:
        for key, edit in self.edits.items():
            with QSignalBlocker(edit):
                edit.setText(getattr(value, key) if isinstance(value, Person) else "")

    def focus_target(self) -> QWidget:
        return self.edits["name"]


class _Entry(QFrame):
    """One entry of a repeating group: a heading, a remove button and a sub-form."""

    def __init__(self, owner: ListField, index: int) -> None:
        super().__init__(owner)
        self.setObjectName("listEntry")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 6, 10, 8)
        top = QHBoxLayout()
        title = QLabel(tr("Entry {n}").format(n=index + 1), self)
        title.setObjectName("entryTitle")
        self.remove_button = QPushButton(tr("Remove entry {n}").format(n=index + 1), self)
        self.remove_button.setAccessibleName(
            tr("Remove entry {n} of {label}").format(n=index + 1, label=ftr(owner.fd.label))
        )
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.remove_button)
        outer.addLayout(top)
        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        form.setColumnStretch(1, 1)
        self.fields: dict[str, FieldWidget] = {}
        for row, sub in enumerate(owner.fd.item_fields):
            widget = make_field(sub, self)
            label = QLabel(ftr(sub.label), self)
            label.setBuddy(widget.focus_target())
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            label.setMinimumWidth(150)
            label.setWordWrap(True)
            widget.setAccessibleName(f"{ftr(owner.fd.label)} {index + 1}: {ftr(sub.label)}")
            form.addWidget(label, row, 0)
            form.addWidget(widget, row, 1)
            widget.edited.connect(
                lambda _v, token, key=sub.key, i=index: owner._entry_edited(i, key, token)
            )
            widget.left.connect(owner.left)
            self.fields[sub.key] = widget
        outer.addLayout(form)

    def value(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in self.fields.items():
            v = widget.value()
            if v is not None:
                out[key] = v
        return out

    def set_value(self, item: dict[str, Any]) -> None:
        for key, widget in self.fields.items():
            widget.set_value(item.get(key))


class ListField(FieldWidget):
    """A repeating group: add and remove entries, each with a small sub-form."""

    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        self.entries_box = QVBoxLayout()
        self.entries_box.setSpacing(6)
        lay.addLayout(self.entries_box)
        self.empty_label = QLabel(tr("No entries yet."), self)
        self.empty_label.setObjectName("helpText")
        lay.addWidget(self.empty_label)
        self.add_button = QPushButton(tr("Add an entry"), self)
        self.add_button.setAccessibleName(tr("Add an entry to {label}").format(label=ftr(fd.label)))
        self.add_button.clicked.connect(self._add)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.entries: list[_Entry] = []

    def value(self) -> Any:
        return empty_to_none(tuple(e.value() for e in self.entries))

    def set_value(self, value: Any) -> None:
        items = list(value or ())
        if len(items) != len(self.entries):
            self._rebuild(len(items))
        for entry, item in zip(self.entries, items, strict=True):
            entry.set_value(item)

    def _rebuild(self, count: int) -> None:
        for entry in self.entries:
            entry.setParent(None)
            entry.deleteLater()
        self.entries = []
        for i in range(count):
            entry = _Entry(self, i)
            entry.remove_button.clicked.connect(lambda _c=False, n=i: self._remove(n))
            self.entries_box.addWidget(entry)
            self.entries.append(entry)
        self.empty_label.setVisible(count == 0)

    def _add(self) -> None:
        items = [e.value() for e in self.entries] + [{}]
        self._rebuild(len(items))
        for entry, item in zip(self.entries, items, strict=True):
            entry.set_value(item)
        self.edited.emit(tuple(items), "")
        first = next(iter(self.entries[-1].fields.values()), None)
        if first is not None:
            first.focus_target().setFocus()

    def _remove(self, index: int) -> None:
        """Remove an entry, asking first when it holds anything (the removal can be undone)."""
        items = [e.value() for e in self.entries]
        if not is_empty(items[index]) and not self._confirm_remove(index):
            return
        del items[index]
        self.set_value(tuple(items))
        self._emit(tuple(items))
        self.add_button.setFocus()

    def _confirm_remove(self, index: int) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Remove entry"))
        box.setText(
            tr("Remove entry {n} of “{label}”?").format(n=index + 1, label=ftr(self.fd.label))
        )
        box.setInformativeText(
            tr("What it holds goes with it. You can bring it back with Edit > Undo (Ctrl+Z).")
        )
        remove = box.addButton(tr("&Remove entry"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(tr("&Keep it"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is remove

    def _entry_edited(self, index: int, key: str, token: str) -> None:
        self.edited.emit(
            tuple(e.value() for e in self.entries), f"{index}.{key}.{token}" if token else ""
        )

    def focus_target(self) -> QWidget:
        if self.entries:
            first = next(iter(self.entries[0].fields.values()), None)
            if first is not None:
                return first.focus_target()
        return self.add_button


FIELD_FACTORIES: dict[Kind, type[FieldWidget]] = {
    Kind.TEXT: TextField,
    Kind.NOTE: NoteField,
    Kind.DATE: DateField,
    Kind.CHOICE: ChoiceField,
    Kind.SCALE: ChoiceField,
    Kind.YESNO: YesNoField,
    Kind.MULTI: MultiField,
    Kind.NUMBER: NumberField,
    Kind.PERSON: PersonField,
    Kind.LIST: ListField,
}


def make_field(fd: FieldDef, parent: QWidget | None = None) -> FieldWidget:
    """The editor widget for a field, chosen by its kind."""
    return FIELD_FACTORIES[fd.kind](fd, parent)
