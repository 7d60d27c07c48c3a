"""Doing one thing to several children: the dashboard's selection (Shift/Ctrl-click, Ctrl+A).

"With selected" (a button under the table, the table's right-click menu and Ctrl+Shift+B) sets the
receiving school (picked from the charter's directory), the class or the school start date, marks
the selection ready for review, or exports it. Each change is one undo step on the dashboard's own
undo stack (Edit ▸ Undo, Ctrl+Z, or the Undo button on the summary line) and ends with a summary of
what changed, what already was so, and what was left alone and why. The service applies the role
rules; actions a role cannot take are disabled here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models.entry import format_date
from models.errors import TransitionsError
from models.identifiers import SCHOOL_URN_RULE, is_school_urn
from models.names import listed_names
from models.record import Record, Status
from models.roles import Permission, Role, can
from ui.dialogs import plain_error
from ui.fields import parse_typed_date
from ui.school_picker import DirectorySchool, SchoolFinder, describe

SCHOOL, CLASS, START = "school", "class", "start"
NAMES_SHOWN = 6
_LOCKED = frozenset({Status.SIGNED_OFF, Status.EXPORTED, Status.CHANGED_AFTER_EXPORT})


def tr(text: str) -> str:
    return QCoreApplication.translate("bulk", text)


class BulkChanger(Protocol):
    """What the dashboard needs (``transitions_app.services.bulk_service.BulkService`` fits)."""

    def set_values(
        self, record_ids: Any, values: Any, *, include_signed_off: bool = False
    ) -> Any: ...

    def mark_ready(self, record_ids: Any) -> Any: ...

    def undo(self, result: Any) -> Any: ...

    def redo(self, result: Any) -> Any: ...


def children_phrase(n: int) -> str:
    return tr("1 child") if n == 1 else tr("{n} children").format(n=n)


def names_line(records: Sequence[Record]) -> str:
    names = list(listed_names(records).values())
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += tr(" and {n} more").format(n=len(names) - NAMES_SHOWN)
    return shown


class BulkValuesDialog(QDialog):
    """Asks for the one value to set on every selected child."""

    def __init__(
        self,
        kind: str,
        records: Sequence[Record],
        schools: Sequence[DirectorySchool] = (),
        *,
        encrypts: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kind = kind
        self._schools = tuple(schools)
        self._encrypts = encrypts
        titles = {
            SCHOOL: tr("Set the receiving school"),
            CLASS: tr("Set the class or teacher"),
            START: tr("Set the school start date"),
        }
        self.setWindowTitle(titles[kind])
        who = QLabel(
            tr("For {children}: {names}.").format(
                children=children_phrase(len(records)), names=names_line(records)
            ),
            self,
        )
        who.setTextFormat(Qt.TextFormat.PlainText)
        who.setWordWrap(True)
        who.setAccessibleName(tr("Children"))
        form = QFormLayout()
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.note = QLabel(self)
        self.note.setObjectName("helpText")
        self.note.setWordWrap(True)
        self.note.hide()
        self.name = QLineEdit(self)
        self.urn = QLineEdit(self)
        self.value = QLineEdit(self)
        if kind == SCHOOL:
            self.name.setAccessibleName(tr("Receiving school"))
            self.name.setPlaceholderText(tr("Type part of the name or URN"))
            self.urn.setAccessibleName(tr("School DfE URN"))
            self.urn.setMaxLength(6)
            self.finder = SchoolFinder(self._schools, self)
            self.finder.attach(self.name)
            self.finder.attach(self.urn)
            self.finder.chosen.connect(self._chosen)
            for edit in (self.name, self.urn):
                edit.editingFinished.connect(self._describe)
            form.addRow(tr("Receiving &school:"), self.name)
            form.addRow(tr("School DfE &URN:"), self.urn)
            form.addRow("", self.note)
            self.value.hide()
        else:
            self.name.hide()
            self.urn.hide()
            if kind == CLASS:
                self.value.setAccessibleName(tr("Class or teacher"))
                form.addRow(tr("&Class or teacher:"), self.value)
            else:
                self.value.setAccessibleName(tr("School start date"))
                self.value.setPlaceholderText(tr("dd/mm/yyyy"))
                form.addRow(tr("School &start date:"), self.value)
        locked = sum(1 for r in records if r.status in _LOCKED)
        self.include_locked = QCheckBox(
            tr(
                "Also change the {n} already signed off or exported (they will need signing off again)"
            ).format(n=locked),
            self,
        )
        self.include_locked.setVisible(locked > 0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(
            tr("Set for {children}").format(children=children_phrase(len(records)))
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(who)
        lay.addLayout(form)
        lay.addWidget(self.include_locked)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
        (self.name if kind == SCHOOL else self.value).setFocus()
        self.values: dict[str, Any] = {}

    def _chosen(self, school: DirectorySchool) -> None:
        self.name.setText(school.name)
        self.urn.setText(school.urn)
        self._describe()

    def _describe(self) -> None:
        text = describe(self._schools, self.name.text(), self.urn.text(), encrypts=self._encrypts)
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _accept(self) -> None:
        if self.kind == SCHOOL:
            name, urn = self.name.text().strip(), self.urn.text().strip()
            if not name or not urn:
                self._fail(tr("Give the school's name and its six-digit URN."))
                return
            if not is_school_urn(urn):
                self._fail(tr(SCHOOL_URN_RULE))
                return
            self.values = {"child.school_name": name, "child.school_urn": urn}
        elif self.kind == CLASS:
            text = self.value.text().strip()
            if not text:
                self._fail(tr("Write the class or the teacher's name."))
                return
            self.values = {"child.school_class": text}
        else:
            try:
                day = parse_typed_date(self.value.text())
            except ValueError as exc:
                self._fail(str(exc))
                return
            if day is None:
                self._fail(tr("Type the date the children start school."))
                return
            self.values = {"child.school_start_date": day}
        self.accept()


class SummaryBar(QFrame):
    """The line under the filters saying what the last bulk action did, with Undo."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 6, 6, 6)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setAccessibleName(tr("What the last change did"))
        self.undo_button = QPushButton(tr("&Undo"), self)
        self.close_button = QToolButton(self)
        self.close_button.setText(tr("Dismiss"))
        self.close_button.clicked.connect(self.hide)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.undo_button)
        lay.addWidget(self.close_button)
        self.hide()

    def show_text(self, text: str, *, can_undo: bool) -> None:
        self.text.setText(text)
        self.undo_button.setVisible(can_undo)
        self.show()


def describe_result(result: Any, *, undone: bool = False) -> str:
    """One short paragraph: what changed, for whom, and what was left alone and why."""
    n = result.count
    if undone:
        parts = [tr("Undone: {children} back as they were.").format(children=children_phrase(n))]
    elif result.what == "ready":
        parts = [tr("Marked {children} ready for review.").format(children=children_phrase(n))]
    else:
        values = dict(result.values)
        if "child.school_name" in values:
            what = tr("Receiving school set to {school} (URN {urn})").format(
                school=values["child.school_name"], urn=values.get("child.school_urn", "")
            )
        elif "child.school_class" in values:
            what = tr("Class set to {text}").format(text=values["child.school_class"])
        else:
            day = values.get("child.school_start_date")
            what = tr("School start date set to {day}").format(
                day=format_date(day) if isinstance(day, date) else day
            )
        parts = [tr("{what} for {children}.").format(what=what, children=children_phrase(n))]
    if result.already:
        parts.append(tr("{n} already had it.").format(n=len(result.already)))
    if result.reopened:
        parts.append(
            tr("Re-opened for signing off again: {names}.").format(names=", ".join(result.reopened))
        )
    if result.skipped:
        left = "; ".join(f"{s.name} ({s.reason.rstrip('.')})" for s in result.skipped)
        parts.append(tr("Left as they were: {left}.").format(left=left))
    return " ".join(parts)


class BulkCommand(QUndoCommand):
    """One bulk change on the dashboard's undo stack. It was done before being pushed."""

    def __init__(self, actions: BulkActions, result: Any, text: str) -> None:
        super().__init__(text)
        self.actions = actions
        self.result = result
        self._done = True

    def redo(self) -> None:
        if self._done:  # pushed after the change was made
            self._done = False
            return
        self.result = self.actions.run(lambda bulk: bulk.redo(self.result))

    def undo(self) -> None:
        self.actions.run(lambda bulk: bulk.undo(self.result), undone=True)


class BulkActions(QObject):
    """The dashboard's bulk actions. ``bulk()`` gives a BulkChanger on the current session,
    ``records()`` the selected records, ``schools()`` the charter's directory; ``export``
    opens the export dialog for some records. Emits ``changed(list[Record])`` after a change."""

    changed = Signal(object)

    def __init__(
        self,
        parent: QWidget,
        *,
        bulk: Callable[[], BulkChanger],
        records: Callable[[], list[Record]],
        role: Callable[[], Role],
        schools: Callable[[], Sequence[DirectorySchool]],
        encrypts: Callable[[], bool],
        export: Callable[[list[Record]], None],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._bulk, self._records, self._role = bulk, records, role
        self._schools, self._encrypts, self._export = schools, encrypts, export
        self.undo_stack = QUndoStack(self)
        self.bar = SummaryBar(parent)
        self.bar.undo_button.clicked.connect(self.undo_stack.undo)

        def action(text: str, slot: Callable[[], None]) -> QAction:
            a = QAction(text, self)
            a.triggered.connect(lambda _c=False: slot())
            return a

        self.set_school_action = action(tr("Set receiving &school…"), lambda: self.ask(SCHOOL))
        self.set_class_action = action(tr("Set &class or teacher…"), lambda: self.ask(CLASS))
        self.set_start_action = action(tr("Set school start &date…"), lambda: self.ask(START))
        self.ready_action = action(tr("Mark &ready for review"), self.mark_ready)
        self.export_action = action(tr("&Export…"), self.export)
        self.menu = QMenu(tr("With selected"), parent)
        for a in (self.set_school_action, self.set_class_action, self.set_start_action):
            self.menu.addAction(a)
        self.menu.addSeparator()
        self.menu.addAction(self.ready_action)
        self.menu.addAction(self.export_action)
        self.button = QPushButton(tr("With &selected…"), parent)
        self.button.setToolTip(
            tr(
                "Do one thing to every selected child (Ctrl+Shift+B). Select several with Shift or Ctrl."
            )
        )
        self.button.setMenu(self.menu)
        self.menu_action = QAction(tr("With selected…"), self)
        self.menu_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.menu_action.triggered.connect(lambda _c=False: self.popup())
        parent.addAction(self.menu_action)
        self.sync()

    # --- state -----------------------------------------------------------------------------------

    def sync(self) -> None:
        records = self._records()
        role = self._role()
        edit = bool(records) and can(role, Permission.EDIT_RECORDS)
        for a in (
            self.set_school_action,
            self.set_class_action,
            self.set_start_action,
            self.ready_action,
        ):
            a.setEnabled(edit)
        self.export_action.setEnabled(bool(records) and can(role, Permission.EXPORT))
        self.button.setEnabled(bool(records))
        self.button.setText(
            tr("With &selected ({n})…").format(n=len(records)) if records else tr("With &selected…")
        )

    def popup(self, at: QPoint | None = None) -> None:
        self.sync()
        if not self.button.isEnabled():
            return
        if at is None:  # under the button, or above it when the screen ends first
            at = self.button.mapToGlobal(QPoint(0, self.button.height()))
            screen = self.button.screen().availableGeometry()
            height = self.menu.sizeHint().height()
            if at.y() + height > screen.bottom():
                at = self.button.mapToGlobal(QPoint(0, -height))
        self.menu.popup(at)

    def clear(self) -> None:
        """Forget the undo history and the summary (another person has logged in)."""
        self.undo_stack.clear()
        self.bar.hide()

    # --- actions ---------------------------------------------------------------------------------

    def run(self, work: Callable[[BulkChanger], Any], *, undone: bool = False) -> Any:
        try:
            result = work(self._bulk())
        except TransitionsError as exc:
            self.bar.show_text(plain_error(exc), can_undo=False)
            return None
        self.bar.show_text(
            describe_result(result, undone=undone), can_undo=not undone and result.count > 0
        )
        if result.changed:
            self.changed.emit(list(result.changed))
        return result

    def _push(self, result: Any, text: str) -> None:
        if result is not None and result.count:
            self.undo_stack.push(BulkCommand(self, result, text))

    def ask(self, kind: str) -> None:
        records = self._records()
        if not records:
            return
        dialog = BulkValuesDialog(
            kind, records, self._schools(), encrypts=self._encrypts(), parent=self._parent
        )
        if not dialog.exec():
            return
        ids = [r.id for r in records]
        include = dialog.include_locked.isChecked()
        result = self.run(
            lambda bulk: bulk.set_values(ids, dialog.values, include_signed_off=include)
        )
        self._push(result, dialog.windowTitle())

    def mark_ready(self) -> None:
        records = self._records()
        if not records:
            return
        ids = [r.id for r in records]
        self._push(self.run(lambda bulk: bulk.mark_ready(ids)), tr("Mark ready for review"))

    def export(self) -> None:
        records = self._records()
        if records:
            self._export(records)
