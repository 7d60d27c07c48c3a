"""The receiving school, picked from the charter's directory instead of typed.

Typing a few letters of the name, or of the URN, in the record's "Receiving school" box lists the
matching schools of the LA's directory; choosing one fills the school's name and URN in one undo
step and says whether the school has an encryption certificate in the directory. A school the
directory does not list can still be typed: a gentle note says so, so the practitioner checks the
name and URN with the school. The same finder serves the dashboard's bulk "Set receiving school".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLabel, QLineEdit

from ui.editor import SetValueCommand

NameRole = Qt.ItemDataRole.UserRole + 1
UrnRole = Qt.ItemDataRole.UserRole + 2
CertRole = Qt.ItemDataRole.UserRole + 3

NAME_PATH = "child.school_name"
URN_PATH = "child.school_urn"


def tr(text: str) -> str:
    return QCoreApplication.translate("school_picker", text)


def _popup(completer: QCompleter) -> QAbstractItemView:
    popup = completer.popup()
    assert popup is not None  # a QCompleter makes its own list view when none was set
    return popup


@dataclass(frozen=True, slots=True)
class DirectorySchool:
    """One school of the charter's directory, as the picker shows it."""

    name: str
    urn: str
    has_certificate: bool

    @property
    def label(self) -> str:
        return f"{self.name} — URN {self.urn}"


def directory_from(charter: Any) -> tuple[DirectorySchool, ...]:
    """The directory of a ``models.charter.Charter`` (empty without a charter)."""
    if charter is None:
        return ()
    return tuple(
        DirectorySchool(s.name, s.urn, bool(s.encryption_cert_pem))
        for s in sorted(charter.schools, key=lambda s: s.name.casefold())
    )


def find_school(
    schools: Iterable[DirectorySchool], *, urn: str = "", name: str = ""
) -> DirectorySchool | None:
    """The directory's school with this URN, else with exactly this name (any case)."""
    urn, name = urn.strip(), name.strip().casefold()
    found = [s for s in schools if urn and s.urn == urn]
    if not found and name:
        found = [s for s in schools if s.name.casefold() == name]
    return found[0] if found else None


def describe(
    schools: Sequence[DirectorySchool], name: str, urn: str, *, encrypts: bool = False
) -> str:
    """One calm sentence about the school written in a record ("" when nothing is written)."""
    if not name.strip() and not urn.strip():
        return ""
    found = find_school(schools, urn=urn, name=name)
    if found is None:
        return tr(
            "The LA's directory does not list this school. You can still write it in: check the "
            "name and the six-digit URN with the school."
        )
    if found.urn != urn.strip() or found.name.casefold() != name.strip().casefold():
        return tr(
            "The LA's directory has {name} with URN {urn}; choose it from the list to use both."
        ).format(name=found.name, urn=found.urn)
    if found.has_certificate:
        return tr(
            "In the LA's directory. The school has a certificate: exported records are encrypted to it."
        )
    if encrypts:
        return tr(
            "In the LA's directory. The school has no certificate there, so export asks for a "
            "password to tell the school by phone."
        )
    return tr("In the LA's directory.")


def school_model(
    schools: Sequence[DirectorySchool], parent: QObject | None = None
) -> QStandardItemModel:
    model = QStandardItemModel(parent)
    for school in schools:
        item = QStandardItem(school.label)
        item.setData(school.name, NameRole)
        item.setData(school.urn, UrnRole)
        item.setData(school.has_certificate, CertRole)
        item.setToolTip(
            tr("Has an encryption certificate") if school.has_certificate else tr("No certificate")
        )
        model.appendRow(item)
    return model


class SchoolFinder(QObject):
    """Type-to-find over the directory on one or more line edits: matching by any part of the
    name or the URN, case-insensitive. Emits ``chosen(DirectorySchool)``."""

    chosen = Signal(object)

    def __init__(self, schools: Sequence[DirectorySchool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.schools = tuple(schools)
        self.model = school_model(self.schools, self)
        self.completers: list[QCompleter] = []

    def attach(self, edit: QLineEdit) -> QCompleter:
        """List matches under ``edit`` as the person types. The completer is driven here rather
        than through ``QLineEdit.setCompleter``, so choosing a school never writes the list's
        label ("name — URN …") into the box: the ``chosen`` handler fills the boxes."""
        completer = QCompleter(self.model, edit)
        completer.setWidget(edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(8)
        _popup(completer).setAccessibleName(tr("Schools in the LA's directory"))
        edit.textEdited.connect(lambda text, c=completer: self._typed(c, text))
        edit.installEventFilter(self)
        # QCompleter.activated is overloaded (str, QModelIndex); the stubs type the signal as
        # one SignalInstance, which has no overload subscript.
        completer.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self.completers.append(completer)
        return completer

    def completer_for(self, edit: QLineEdit) -> QCompleter | None:
        for completer in self.completers:
            if completer.widget() is edit:
                return completer
        return None

    @staticmethod
    def _typed(completer: QCompleter, text: str) -> None:
        if not text.strip():
            _popup(completer).hide()
            return
        completer.setCompletionPrefix(text.strip())
        if completer.completionCount() > 0:
            completer.complete()
        else:
            _popup(completer).hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Down in a box with no list showing lists the whole directory."""
        if (
            isinstance(watched, QLineEdit)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            completer = self.completer_for(watched)
            if completer is not None and not _popup(completer).isVisible():
                completer.setCompletionPrefix("")
                completer.complete()
                return True
        return super().eventFilter(watched, event)

    def _activated(self, index: QModelIndex) -> None:
        school = DirectorySchool(
            str(index.data(NameRole)), str(index.data(UrnRole)), bool(index.data(CertRole))
        )
        self.chosen.emit(school)


class RecordSchoolPicker(QObject):
    """Puts the finder on a record editor's "Receiving school" and "School DfE URN" boxes and a
    note under them. Choosing a school sets both fields as one undo step on the editor's stack."""

    def __init__(
        self,
        editor: Any,  # ui.editor.RecordEditor (typed loosely: the editor imports nothing from here)
        schools: Sequence[DirectorySchool],
        *,
        encrypts: bool = False,
    ) -> None:
        super().__init__(editor)
        self.editor = editor
        self.schools = tuple(schools)
        self.encrypts = encrypts
        self.finder = SchoolFinder(self.schools, self)
        name_row = editor.row(NAME_PATH)
        urn_row = editor.row(URN_PATH)
        self.name_edit: QLineEdit = name_row.field.focus_target()
        self.urn_edit: QLineEdit = urn_row.field.focus_target()
        self.name_edit.setPlaceholderText(
            tr("Type part of the name or URN to choose from the LA's directory")
        )
        self.finder.attach(self.name_edit)
        self.finder.attach(self.urn_edit)
        self.finder.chosen.connect(self.choose)
        self.note = QLabel(name_row)
        self.note.setObjectName("helpText")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(tr("About the receiving school"))
        layout = name_row.layout()
        layout.insertWidget(layout.indexOf(name_row.field) + 1, self.note)
        # The note changes when a box is left or a school chosen, not on every key press: a
        # note appearing while someone types would move the box under its own popup list.
        for edit in (self.name_edit, self.urn_edit):
            edit.editingFinished.connect(self.refresh)
        editor.undo_stack.indexChanged.connect(self._stack_changed)
        self.refresh()

    def _stack_changed(self, _index: int) -> None:
        if not (self.name_edit.hasFocus() or self.urn_edit.hasFocus()):
            self.refresh()  # an undo, redo or bulk change from elsewhere

    def choose(self, school: DirectorySchool) -> None:
        """Fill name and URN from the directory, one undo step ("Choose receiving school")."""
        record = self.editor.record()
        changes = [
            (path, record.get(path), value)
            for path, value in ((NAME_PATH, school.name), (URN_PATH, school.urn))
            if record.get(path) != value
        ]
        stack = self.editor.undo_stack
        if changes:
            stack.beginMacro(tr("Choose receiving school {name}").format(name=school.name))
            for path, old, new in changes:
                fd = self.editor.row(path).fd
                stack.push(SetValueCommand(self.editor, fd, old, new, ""))
            stack.endMacro()
        self.refresh()

    def refresh(self) -> None:
        record = self.editor.record()
        text = describe(
            self.schools,
            str(record.get(NAME_PATH) or ""),
            str(record.get(URN_PATH) or ""),
            encrypts=self.encrypts,
        )
        self.note.setText(text)
        self.note.setVisible(bool(text))


def attach_school_picker(editor: Any, charter: Any) -> RecordSchoolPicker | None:
    """The picker on ``editor`` for ``charter``'s directory (None when there is no directory)."""
    schools = directory_from(charter)
    if not schools:
        return None
    encrypts = bool(charter.export.encrypt_for_recipient)
    return RecordSchoolPicker(editor, schools, encrypts=encrypts)


__all__ = [
    "DirectorySchool",
    "RecordSchoolPicker",
    "SchoolFinder",
    "attach_school_picker",
    "describe",
    "directory_from",
    "find_school",
]
