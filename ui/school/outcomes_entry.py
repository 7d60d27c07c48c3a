"""Entering each child's EYFS profile outcome in the app, instead of in a spreadsheet.

One row per received child (in the blank sheet's order), one column per early learning goal.
Arrow keys move; E sets expected and M emerging (then the next goal is selected), Space switches
between them, Delete clears. GLD is worked out, never typed. What is entered is kept in the school
vault a moment after the last change and when the dialog closes, so nothing is lost; the panel
then checks the entries through the same path as an imported CSV.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QKeyEvent, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.framework.v1 import AREAS
from models.record import Record
from models.school.outcomes import (
    ASPECTS,
    ELG_COLUMNS,
    EMERGING,
    EXPECTED,
    EntryChild,
    derived_gld,
    entry_children,
    is_complete,
)
from ui.dialogs import plain_error
from ui.style import color

AnyIndex = QModelIndex | QPersistentModelIndex
RecordIdRole = Qt.ItemDataRole.UserRole + 1  # the record id of a row
ValueRole = Qt.ItemDataRole.UserRole + 2  # an ELG cell's "expected" / "emerging" / None
AUTOSAVE_MS = 800  # as the editor: saved this long after the last change

_AREA_TITLES = {
    f"{area}_{key}": title for area, title, _prime, aspects in AREAS for key, _l, _d in aspects
}


def tr(text: str) -> str:
    return QCoreApplication.translate("outcomes_entry", text)


class OutcomesEntryService(Protocol):
    """What the dialog needs from the school session (``SchoolService`` satisfies it)."""

    def records(self) -> list[Record]: ...

    def entered_outcomes(self) -> dict[str, dict[str, str]]: ...

    def save_entered_outcomes(self, entered: dict[str, dict[str, str]]) -> None: ...


def value_text(value: str | None) -> str:
    return {EXPECTED: tr("expected"), EMERGING: tr("emerging")}.get(value or "", tr("not entered"))


def elg_tooltip(column: int) -> str:
    code, aspect, label, gld = ELG_COLUMNS[column]
    counts = tr("Counts toward GLD.") if gld else tr("Does not count toward GLD.")
    return f"{code} {label} ({_AREA_TITLES.get(aspect, '')}). {counts}"


def legend_text() -> str:
    """The goals by area, e.g. "Physical development: 03 Gross motor skills, 04 Fine motor …"."""
    parts: list[str] = []
    by_area: dict[str, list[str]] = {}
    for code, aspect, label, _g in ELG_COLUMNS:
        by_area.setdefault(_AREA_TITLES.get(aspect, ""), []).append(f"{code[3:]}&nbsp;{label}")
    for title, goals in by_area.items():
        parts.append(f"<b>{title.replace(' ', '&nbsp;')}</b>: {', '.join(goals)}")
    return " · ".join(parts)


class OutcomesEntryModel(QAbstractTableModel):
    """One row per child; ``RecordIdRole`` gives its record id, ``ValueRole`` an ELG's value.

    ELG cells change through :meth:`setData` (``EditRole``, a value or ``None`` to clear), which
    the dialog calls from its undo commands; the GLD column follows the goals.
    """

    CHILD, SETTING, GLD = range(3)
    FIRST_ELG = 3
    COLUMN_COUNT = FIRST_ELG + len(ELG_COLUMNS)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._children: list[EntryChild] = []
        self._values: dict[str, dict[str, str]] = {}

    # --- data in and out ---------------------------------------------------------------------

    def set_children(
        self, children: Iterable[EntryChild], entered: dict[str, dict[str, str]]
    ) -> None:
        self.beginResetModel()
        self._children = list(children)
        ids = {c.record_id for c in self._children}
        self._values = {rid: dict(v) for rid, v in entered.items() if rid in ids}
        self.endResetModel()

    def entered(self) -> dict[str, dict[str, str]]:
        """What is entered, record id -> aspect -> value (children with nothing are left out)."""
        return {rid: dict(v) for rid, v in self._values.items() if v}

    def child(self, row: int) -> EntryChild:
        return self._children[row]

    def value(self, row: int, aspect: str) -> str | None:
        return self._values.get(self._children[row].record_id, {}).get(aspect)

    def aspect(self, column: int) -> str | None:
        i = column - self.FIRST_ELG
        return ELG_COLUMNS[i][1] if 0 <= i < len(ELG_COLUMNS) else None

    def column_of(self, aspect: str) -> int:
        return self.FIRST_ELG + ASPECTS.index(aspect)

    def is_row_complete(self, row: int) -> bool:
        return is_complete(self._values.get(self._children[row].record_id, {}))

    def incomplete(self) -> list[EntryChild]:
        return [c for r, c in enumerate(self._children) if not self.is_row_complete(r)]

    def complete_count(self) -> int:
        return len(self._children) - len(self.incomplete())

    # --- Qt model --------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self.COLUMN_COUNT

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < self.COLUMN_COUNT:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == self.CHILD:
                return tr("Child")
            if section == self.SETTING:
                return tr("Setting")
            if section == self.GLD:
                return tr("GLD")
            return ELG_COLUMNS[section - self.FIRST_ELG][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == self.GLD:
                return tr(
                    "Good level of development, worked out for you: Y when every early "
                    "learning goal that counts toward GLD (ELG01 to ELG12: the prime areas, "
                    "literacy and mathematics) is expected, N when any of them is emerging. "
                    "That is exactly the DfE rule, so it cannot be typed."
                )
            if section >= self.FIRST_ELG:
                return elg_tooltip(section - self.FIRST_ELG)
            return None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._children):
            return None
        col = index.column()
        if not 0 <= col < self.COLUMN_COUNT:
            return None
        child = self._children[index.row()]
        if role == RecordIdRole:
            return child.record_id
        elgs = self._values.get(child.record_id, {})
        aspect = self.aspect(col)
        if aspect is not None:
            return self._elg_data(child, aspect, elgs.get(aspect), role)
        if col == self.GLD:
            gld = derived_gld(elgs)
            shown = "" if gld is None else (tr("Y") if gld else tr("N"))
            if role == Qt.ItemDataRole.DisplayRole:
                return shown
            if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
                if gld is None:
                    return tr("GLD: not worked out yet (goals ELG01 to ELG12 still to enter)")
                return tr("GLD: reached") if gld else tr("GLD: not reached")
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(color("neutral_bg"))
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
            return None
        text = child.name if col == self.CHILD else (child.setting_name or child.setting_urn)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text
        return None

    def _elg_data(self, child: EntryChild, aspect: str, value: str | None, role: int) -> Any:
        if role == ValueRole:
            return value
        if role == Qt.ItemDataRole.DisplayRole:
            return {EXPECTED: tr("Exp"), EMERGING: tr("Emg")}.get(value or "", "")
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            code, _a, label, _g = ELG_COLUMNS[ASPECTS.index(aspect)]
            return f"{child.name}, {code} {label}: {value_text(value)}"
        if role == Qt.ItemDataRole.BackgroundRole and value is not None:
            return QBrush(color("expected_bg" if value == EXPECTED else "emerging_bg"))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def setData(  # noqa: N802
        self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        aspect = self.aspect(index.column())
        if aspect is None or value not in (EXPECTED, EMERGING, None):
            return False
        rid = self._children[index.row()].record_id
        elgs = self._values.setdefault(rid, {})
        if elgs.get(aspect) == value:
            return True
        if value is None:
            elgs.pop(aspect, None)
        else:
            elgs[aspect] = value
        self.dataChanged.emit(index, index)
        gld = self.index(index.row(), self.GLD)
        self.dataChanged.emit(gld, gld)
        return True


class SetCells(QUndoCommand):
    """One action (a key press, a "mark the rest" button): cells from their old to new values."""

    def __init__(
        self,
        model: OutcomesEntryModel,
        changes: list[tuple[int, int, str | None, str | None]],  # row, column, old, new
        text: str,
    ) -> None:
        super().__init__(text)
        self._model = model
        self._changes = changes

    def _apply(self, new: bool) -> None:
        for row, col, old, value in self._changes:
            self._model.setData(self._model.index(row, col), value if new else old)

    def redo(self) -> None:
        self._apply(True)

    def undo(self) -> None:
        self._apply(False)


class OutcomesTable(QTableView):
    """The grid: arrow keys move; E, M, Space, Delete and Enter are turned into requests."""

    key_set = Signal(str)  # "expected", "emerging", "toggle" or "clear"

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)
            return
        key = event.key()
        wanted = {
            Qt.Key.Key_E: "expected",
            Qt.Key.Key_M: "emerging",
            Qt.Key.Key_Space: "toggle",
            Qt.Key.Key_Delete: "clear",
            Qt.Key.Key_Backspace: "clear",
        }.get(Qt.Key(key))
        if wanted is not None:
            self.key_set.emit(wanted)
            event.accept()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # down a row, as in a spreadsheet
            current = self.currentIndex()
            below = current.sibling(current.row() + 1, current.column())
            if below.isValid():
                self.setCurrentIndex(below)
            event.accept()
            return
        super().keyPressEvent(event)


class OutcomesEntryDialog(QDialog):
    """Enter every received child's EYFS profile outcome; saved as it is entered."""

    def __init__(self, school: OutcomesEntryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._school = school
        self._dirty = False
        self._warned_unsaved = False
        self.setWindowTitle(tr("Enter EYFS profile outcomes"))
        self.setAccessibleName(tr("Enter EYFS profile outcomes"))

        self.model = OutcomesEntryModel(self)
        self.model.set_children(entry_children(school.records()), school.entered_outcomes())
        self.undo_stack = QUndoStack(self)

        intro = QLabel(
            tr(
                "One row per child received. Move with the arrow keys, then press <b>E</b> for "
                "expected or <b>M</b> for emerging (the next goal is selected for you); "
                "<b>Space</b> switches a goal between the two and <b>Delete</b> clears it. "
                "Shift with the arrow keys selects several cells to set at once. GLD is worked "
                "out from ELG01 to ELG12. Everything is saved as you go."
            ),
            self,
        )
        intro.setWordWrap(True)
        intro.setObjectName("helpText")
        self.legend = QLabel(legend_text(), self)
        self.legend.setWordWrap(True)
        self.legend.setObjectName("helpText")
        self.legend.setAccessibleName(tr("Early learning goals"))
        self.legend.setTextFormat(Qt.TextFormat.RichText)

        self.table = OutcomesTable(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Children and their outcomes"))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(OutcomesEntryModel.CHILD, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(OutcomesEntryModel.SETTING, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(30)
        self.table.setColumnWidth(OutcomesEntryModel.CHILD, 170)
        self.table.setColumnWidth(OutcomesEntryModel.GLD, 42)
        for col in range(OutcomesEntryModel.FIRST_ELG, OutcomesEntryModel.COLUMN_COUNT):
            self.table.setColumnWidth(col, 52)
        table_label = QLabel(tr("C&hildren:"), self)
        table_label.setBuddy(self.table)

        self.current_line = QLabel(self)
        self.current_line.setAccessibleName(tr("Selected goal"))
        self.count_line = QLabel(self)
        self.count_line.setAccessibleName(tr("Children complete"))
        self.save_state = QLabel(self)
        self.save_state.setAccessibleName(tr("Save state"))
        self.save_state.setWordWrap(True)
        self.save_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.child_button = QPushButton(tr("Mark the rest expected for this &child"), self)
        self.child_button.setToolTip(
            tr("Every goal not yet entered for the selected child becomes expected.")
        )
        self.column_button = QPushButton(tr("Mark the rest of this co&lumn expected"), self)
        self.column_button.setToolTip(
            tr("Every child not yet entered for the selected goal becomes expected.")
        )
        self.undo_button = QPushButton(tr("&Undo"), self)
        self.redo_button = QPushButton(tr("&Redo"), self)
        self.done_button = QPushButton(tr("&Done"), self)
        self.done_button.setToolTip(tr("Save and close; the outcomes are then checked."))
        for button in (
            self.child_button,
            self.column_button,
            self.undo_button,
            self.redo_button,
            self.done_button,
        ):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)

        undo = QAction(tr("Undo"), self)
        undo.setShortcuts(QKeySequence.StandardKey.Undo)
        undo.triggered.connect(self.undo_stack.undo)
        redo = QAction(tr("Redo"), self)
        redo.setShortcuts(QKeySequence.StandardKey.Redo)
        redo.triggered.connect(self.undo_stack.redo)
        self.addActions([undo, redo])

        status_row = QHBoxLayout()
        status_row.addWidget(self.count_line)
        status_row.addStretch(1)
        status_row.addWidget(self.save_state)
        buttons = QHBoxLayout()
        buttons.addWidget(self.child_button)
        buttons.addWidget(self.column_button)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.redo_button)
        buttons.addStretch(1)
        buttons.addWidget(self.done_button)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.legend)
        lay.addWidget(table_label)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.current_line)
        lay.addLayout(status_row)
        lay.addLayout(buttons)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(AUTOSAVE_MS)
        self._save_timer.timeout.connect(self.flush)

        self.table.key_set.connect(self._key_set)
        self.child_button.clicked.connect(self.mark_child_expected)
        self.column_button.clicked.connect(self.mark_column_expected)
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.done_button.clicked.connect(self.accept)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.model.dataChanged.connect(lambda *_a: self._changed())
        self.table.selectionModel().currentChanged.connect(lambda *_a: self._show_current())

        screen = self.screen().availableGeometry()
        self.resize(min(1320, screen.width() - 40), min(680, screen.height() - 60))
        if self.model.rowCount():
            first = self._first_empty()
            self.table.setCurrentIndex(first)
            self.table.scrollTo(first)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_counts()
        self._show_current()

    # --- what is shown ---------------------------------------------------------------------------

    def _first_empty(self) -> QModelIndex:
        """The first goal not yet entered (so reopening carries on where the teacher stopped)."""
        for row in range(self.model.rowCount()):
            for aspect in ASPECTS:
                if self.model.value(row, aspect) is None:
                    return self.model.index(row, self.model.column_of(aspect))
        return self.model.index(0, OutcomesEntryModel.FIRST_ELG)

    def _show_counts(self) -> None:
        total = self.model.rowCount()
        self.count_line.setText(
            tr("{done} of {total} children complete").format(
                done=self.model.complete_count(), total=total
            )
        )

    def _show_current(self) -> None:
        current = self.table.currentIndex()
        aspect = self.model.aspect(current.column()) if current.isValid() else None
        self.child_button.setEnabled(current.isValid())
        self.column_button.setEnabled(aspect is not None)
        if not current.isValid():
            self.current_line.setText("")
            return
        child = self.model.child(current.row())
        where = f"{child.name} · {child.setting_name or child.setting_urn}"
        if aspect is None:
            self.current_line.setText(where)
            return
        code, _a, label, gld = ELG_COLUMNS[ASPECTS.index(aspect)]
        self.current_line.setText(
            tr("{child} · {code} {label}: {value}{gld}").format(
                child=where,
                code=code,
                label=label,
                value=value_text(self.model.value(current.row(), aspect)),
                gld=tr(" (counts toward GLD)") if gld else "",
            )
        )

    # --- editing ---------------------------------------------------------------------------------

    def _push(self, changes: list[tuple[int, int, str | None, str | None]], text: str) -> None:
        changes = [c for c in changes if c[2] != c[3]]
        if changes:
            self.undo_stack.push(SetCells(self.model, changes, text))

    def _key_set(self, what: str) -> None:
        current = self.table.currentIndex()
        cells = [
            i
            for i in self.table.selectionModel().selectedIndexes()
            if self.model.aspect(i.column()) is not None
        ]
        on_goal = current.isValid() and self.model.aspect(current.column()) is not None
        if on_goal and current not in cells:
            cells.append(current)
        if not cells:
            return
        changes = []
        for index in cells:
            old = index.data(ValueRole)
            if what == "toggle":
                new = EMERGING if old == EXPECTED else EXPECTED
            elif what == "clear":
                new = None
            else:
                new = what
            changes.append((index.row(), index.column(), old, new))
        self._push(changes, tr("Set outcome"))
        if what in (EXPECTED, EMERGING) and len(cells) == 1:
            self._advance(cells[0])

    def _advance(self, index: QModelIndex) -> None:
        """After E or M, the next goal: along the row, then the next child's ELG01."""
        row, col = index.row(), index.column() + 1
        if col >= OutcomesEntryModel.COLUMN_COUNT:
            row, col = row + 1, OutcomesEntryModel.FIRST_ELG
        if row >= self.model.rowCount():
            return
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, col), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def mark_child_expected(self) -> None:
        """Every goal not yet entered for the current child becomes expected (one undo step)."""
        current = self.table.currentIndex()
        if current.isValid():
            row = current.row()
            self._push(
                [
                    (row, self.model.column_of(a), None, EXPECTED)
                    for a in ASPECTS
                    if self.model.value(row, a) is None
                ],
                tr("Mark the rest expected for this child"),
            )
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def mark_column_expected(self) -> None:
        """Every child not yet entered for the current goal becomes expected (one undo step)."""
        current = self.table.currentIndex()
        aspect = self.model.aspect(current.column()) if current.isValid() else None
        if aspect is not None:
            self._push(
                [
                    (row, current.column(), None, EXPECTED)
                    for row in range(self.model.rowCount())
                    if self.model.value(row, aspect) is None
                ],
                tr("Mark the rest of this column expected"),
            )
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _changed(self) -> None:
        self._dirty = True
        self._warned_unsaved = False
        self.save_state.setText(tr("Saving…"))
        self._save_timer.start()
        self._show_counts()
        self._show_current()

    # --- saving ----------------------------------------------------------------------------------

    def flush(self) -> bool:
        """Save now if anything changed. Returns False when the save failed (said inline)."""
        self._save_timer.stop()
        if not self._dirty:
            return True
        try:
            self._school.save_entered_outcomes(self.model.entered())
        except TransitionsError as exc:
            self.save_state.setText(tr("Not saved: {why}").format(why=plain_error(exc)))
            return False
        self._dirty = False
        self.save_state.setText(tr("All changes saved"))
        return True

    def close_now(self) -> bool:
        """Save and close without waiting (the window is locking). False if the save failed."""
        saved = self.flush()
        super().done(QDialog.DialogCode.Rejected)
        return saved

    def done(self, result: int) -> None:
        """Closing (Done, Esc or the window's close button) saves first. If that fails, the
        dialog stays open once with the reason; closing again closes without saving."""
        if not self.flush() and not self._warned_unsaved:
            self._warned_unsaved = True
            self.save_state.setText(
                self.save_state.text() + " " + tr("Close again to leave without saving.")
            )
            return
        super().done(result)
