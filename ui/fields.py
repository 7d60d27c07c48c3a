"""One editor widget per field kind, made by :func:`make_field` from a ``FieldDef``.

Every widget has the same small interface: ``value()`` returns the typed value the record holds
(``None`` when empty), ``set_value(v)`` fills the widget without emitting ``edited`` (it blocks
signals), and ``edited(value, merge_token)`` fires on a change made by a person. Typing in the same
place gives the same non-empty ``merge_token`` so the undo stack can merge keystrokes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QEvent, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QIntValidator, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models.framework.definition import FieldDef, Kind
from models.record import Person
from models.values import PERSON_KEYS

NOT_SET = QDate(1900, 1, 1)  # the date edit's minimum: shown as "Not set"


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

    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fd = fd
        self.setAccessibleName(ftr(fd.label))

    # Every kind's widget defines these two (tests/ui/test_editor.py round-trips each kind):
    value: Callable[[], Any]  # the current value, None when empty
    set_value: Callable[[Any], None]  # show a value without emitting an edit

    def focus_target(self) -> QWidget:
        """The widget a label is the buddy of, and that gets focus when jumping to the field."""
        return self

    def _emit(self, value: Any, token: str = "") -> None:
        self.edited.emit(empty_to_none(value), token)


class TextField(FieldWidget):
    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName(ftr(fd.label))
        _route_undo_to_window(self.edit)
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
        lay.addWidget(self.edit)
        self.edit.textChanged.connect(lambda: self._emit(self.edit.toPlainText(), "text"))

    def value(self) -> Any:
        return empty_to_none(self.edit.toPlainText())

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.edit):
            self.edit.setPlainText("" if value is None else str(value))

    def focus_target(self) -> QWidget:
        return self.edit


class _DateEdit(QDateEdit):
    """Opens its calendar on today's month when no date is set yet. (The calendar is made only
    when it is first opened: making seventeen of them up front slows the editor down.)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("dd/MM/yyyy")
        self.setMinimumDate(NOT_SET)
        self.setSpecialValueText(tr("Not set"))
        self.setDate(NOT_SET)

    def _prepare_calendar(self) -> None:
        if self.date() == NOT_SET:
            today = QDate.currentDate()
            self.calendarWidget().setCurrentPage(today.year(), today.month())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        self._prepare_calendar()
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_F4, Qt.Key.Key_Down) and (
            event.key() == Qt.Key.Key_F4 or event.modifiers() & Qt.KeyboardModifier.AltModifier
        ):
            self._prepare_calendar()
        super().keyPressEvent(event)


class DateField(FieldWidget):
    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(fd, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self._clearing = False
        self.edit = _DateEdit(self)
        self.edit.setAccessibleName(ftr(fd.label))
        self.edit.setMinimumWidth(140)
        self.clear_button = QToolButton(self)
        self.clear_button.setText(tr("Clear"))
        self.clear_button.setAccessibleName(tr("Clear {label}").format(label=ftr(fd.label)))
        self.clear_button.setToolTip(tr("Remove this date"))
        lay.addWidget(self.edit)
        lay.addWidget(self.clear_button)
        lay.addStretch(1)
        self.edit.dateChanged.connect(lambda _d: self._changed())
        self.clear_button.clicked.connect(self._clear)
        self._sync_clear()

    def _changed(self) -> None:
        self._sync_clear()
        self._emit(self.value(), "" if self._clearing else "date")

    def _clear(self) -> None:
        """Clearing is an action of its own: it never merges with typing a date."""
        self._clearing = True
        try:
            if self.edit.date() != NOT_SET:
                self.edit.setDate(NOT_SET)  # emits dateChanged -> edited(None)
        finally:
            self._clearing = False
        self.edit.setFocus()

    def _sync_clear(self) -> None:
        self.clear_button.setEnabled(self.edit.date() != NOT_SET)

    def value(self) -> date | None:
        d = self.edit.date()
        if d == NOT_SET:
            return None
        value = d.toPython()
        return value if isinstance(value, date) else None

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self.edit):
            if isinstance(value, date):
                self.edit.setDate(QDate(value.year, value.month, value.day))
            else:
                self.edit.setDate(NOT_SET)
        self._sync_clear()

    def set_date(self, value: date | None) -> None:
        """Set a date as if a person picked it (tests and the calendar popup use this path)."""
        self.edit.setDate(QDate(value.year, value.month, value.day) if value else NOT_SET)

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
        items = [e.value() for e in self.entries]
        del items[index]
        self.set_value(tuple(items))
        self._emit(tuple(items))
        self.add_button.setFocus()

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
