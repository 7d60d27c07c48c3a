"""Setting > Records due for deletion…: the records whose keeping period under the charter has
ended, and their secure deletion once a manager ticks them and confirms.

Deletion goes through the retention service, which checks the role, deletes only records that are
still due and writes each deletion to the audit trail; it runs off the UI thread.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs import busy_bar, plain_error
from ui.table_model import RowsModel
from ui.workers import run_in_background

AnyIndex = QModelIndex | QPersistentModelIndex
DueRole = Qt.ItemDataRole.UserRole + 1  # the due record (record_id, child, left_on, delete_after)


def tr(text: str) -> str:
    return QCoreApplication.translate("retention", text)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class Retention(Protocol):
    """``transitions_app.services.retention_service.RetentionService`` fits."""

    def due(self) -> list[Any]: ...

    def delete_due(self, confirmed_ids: set[str]) -> list[Any]: ...


def plural(count: int, one: str, many: str) -> str:
    """``one`` (already translated) for a single record, else ``many`` with ``{n}`` filled in."""
    return one if count == 1 else many.replace("{n}", str(count))


def why_text(item: Any) -> str:
    years = item.delete_after.year - item.left_on.year
    kept = tr("for 1 year") if years == 1 else tr("for {n} years").format(n=years)
    return tr("Left for school on {left}; the charter keeps records {kept} after that.").format(
        left=long_date(item.left_on), kept=kept
    )


class DueModel(RowsModel[Any]):
    """Due records with a tick box each (in the Child column)."""

    CHILD, WHY, SINCE = range(3)
    HEADERS = ("Child", "Why", "Due for deletion since")
    CONTEXT = "retention"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ticked: set[str] = set()
        self.checkable = True

    def set_items(self, items: list[Any]) -> None:
        self._ticked &= {d.record_id for d in items}
        self.set_rows(sorted(items, key=lambda d: (d.delete_after, d.child.casefold())))

    def items(self) -> list[Any]:
        return self.rows()

    def ticked_ids(self) -> set[str]:
        return set(self._ticked)

    def set_all(self, ticked: bool) -> None:
        self._ticked = {d.record_id for d in self._rows} if ticked else set()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, self.CHILD),
                self.index(len(self._rows) - 1, self.CHILD),
                [Qt.ItemDataRole.CheckStateRole],
            )

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.CHILD and self.checkable:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def cell(self, item: Any, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.CHILD:
                return item.child
            if col == self.WHY:
                return why_text(item)
            return long_date(item.delete_after)
        if role == Qt.ItemDataRole.CheckStateRole and col == self.CHILD and self.checkable:
            ticked = item.record_id in self._ticked
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.AccessibleTextRole and col == self.CHILD:
            ticked = item.record_id in self._ticked
            return tr("{child}, ticked").format(child=item.child) if ticked else item.child
        if role == DueRole:
            return item
        return None

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if (
            not index.isValid()
            or role != Qt.ItemDataRole.CheckStateRole
            or index.column() != self.CHILD
            or not self.checkable
            or not 0 <= index.row() < len(self._rows)
        ):
            return False
        record_id = self._rows[index.row()].record_id
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self._ticked.add(record_id)
        else:
            self._ticked.discard(record_id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True


class RetentionDialog(QDialog):
    """``retention`` is the retention service over the session; ``has_charter`` says whether the
    vault has a charter (retention comes from it); ``can_delete`` whether this user may delete."""

    def __init__(
        self,
        retention: Retention,
        *,
        has_charter: bool,
        can_delete: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Records due for deletion"))
        self._retention = retention
        self._has_charter = has_charter
        self._can_delete = can_delete
        self.confirmation: QMessageBox | None = None
        self.deleted: list[Any] = []  # everything deleted while the dialog was open

        title = QLabel(tr("Records due for deletion"), self)
        title.setObjectName("pageTitle")
        self.intro = QLabel(
            tr(
                "Your local authority's charter says how long a child's record is kept after they "
                "leave for school. These records have come to the end of that time, so they "
                "should now be deleted."
            ),
            self,
        )
        self.intro.setWordWrap(True)
        self.state = QLabel(self)
        self.state.setObjectName("statusLine")
        self.state.setWordWrap(True)
        self.state.setAccessibleName(tr("Summary"))

        self.model = DueModel(self)
        self.model.checkable = can_delete
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Records due for deletion"))
        self.table.setAccessibleDescription(tr("Press Space to tick or untick a record."))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(DueModel.CHILD, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(DueModel.WHY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DueModel.SINCE, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(180)
        self.table_label = QLabel(tr("&Tick the records to delete:"), self)
        self.table_label.setBuddy(self.table)

        self.all_button = QPushButton(tr("Tick &all"), self)
        self.none_button = QPushButton(tr("Tick &none"), self)
        self.delete_button = QPushButton(tr("&Delete ticked records…"), self)
        for button in (self.all_button, self.none_button, self.delete_button):
            button.setAutoDefault(False)
        self.all_button.clicked.connect(lambda: self.model.set_all(True))
        self.none_button.clicked.connect(lambda: self.model.set_all(False))
        self.delete_button.clicked.connect(self.ask_delete)
        self.only_manager = QLabel(
            tr("Only a manager can delete records. Ask your manager to do it."), self
        )
        self.only_manager.setObjectName("helpText")
        self.only_manager.setWordWrap(True)
        self.only_manager.setVisible(not can_delete)
        row = QHBoxLayout()
        row.addWidget(self.all_button)
        row.addWidget(self.none_button)
        row.addStretch(1)
        row.addWidget(self.delete_button)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        self.message.hide()
        self.busy = busy_bar(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.intro)
        lay.addWidget(self.state)
        lay.addWidget(self.table_label)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(self.only_manager)
        lay.addWidget(self.message)
        lay.addWidget(self.busy)
        self._filler = lay.count()
        lay.addStretch(0)  # takes the table's room when there is no table
        lay.addWidget(buttons)
        self._layout = lay
        for before, after in (
            (self.table, self.all_button),
            (self.all_button, self.none_button),
            (self.none_button, self.delete_button),
            (self.delete_button, self.close_button),
        ):
            QWidget.setTabOrder(before, after)
        self.setMinimumWidth(560)

        self.model.dataChanged.connect(self._sync)
        self.model.modelReset.connect(self._sync)
        self.refresh()
        if self.model.rowCount():
            self.resize(900, 480)
        else:
            self.resize(600, 220)

    # --- list ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        items: list[Any] = []
        self._set_state_error(False)
        if not self._has_charter:
            self.state.setText(
                tr(
                    "How long records are kept comes from your local authority's charter. No "
                    "charter has been imported into this vault yet, so no record is due for "
                    "deletion. A manager imports it with Charter… in the Setting menu."
                )
            )
        else:
            try:
                items = self._retention.due()
            except Exception as exc:  # noqa: BLE001 - shown as one plain sentence
                self._set_state_error(True)
                self.state.setText(plain_error(exc))
            else:
                if not items:
                    self.state.setText(
                        tr(
                            "No records are due for deletion. Every child's record is still "
                            "within the time the charter says to keep it."
                        )
                    )
                else:
                    self.state.setText(
                        plural(
                            len(items),
                            tr("1 record has come to the end of its keeping period."),
                            tr("{n} records have come to the end of their keeping period."),
                        )
                    )
        self.model.set_items(items)
        has_items = bool(items)
        for widget in (self.intro, self.table_label, self.table):
            widget.setVisible(has_items)
        self._layout.setStretch(self._filler, 0 if has_items else 1)
        for button in (self.all_button, self.none_button, self.delete_button):
            button.setVisible(has_items and self._can_delete)
        self.only_manager.setVisible(has_items and not self._can_delete)
        self.table_label.setText(
            tr("&Tick the records to delete:") if self._can_delete else tr("&Records:")
        )
        if has_items:
            self.table.selectRow(0)
            self.table.setCurrentIndex(self.model.index(0, DueModel.CHILD))
            self.table.setFocus()
        else:
            self.close_button.setFocus()
        self._sync()

    def _set_state_error(self, error: bool) -> None:
        self.state.setObjectName("fieldError" if error else "statusLine")
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)

    def _sync(self, *_args: object) -> None:
        count = len(self.model.ticked_ids())
        working = self.busy.isVisible()
        self.delete_button.setEnabled(self._can_delete and count > 0 and not working)
        self.delete_button.setText(
            plural(count, tr("&Delete 1 ticked record…"), tr("&Delete {n} ticked records…"))
            if count
            else tr("&Delete ticked records…")
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.table, self.all_button, self.none_button, self.close_button):
            widget.setEnabled(not busy)
        self._sync()

    def is_busy(self) -> bool:
        return self.busy.isVisible()

    def reject(self) -> None:
        if self.is_busy():
            return
        super().reject()

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setObjectName("fieldError" if error else "statusLine")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.show()

    # --- delete ---------------------------------------------------------------------------------

    @staticmethod
    def confirmation_text(count: int) -> str:
        return plural(
            count,
            tr("This deletes 1 record for good. Backups you made earlier still hold it."),
            tr("This deletes {n} records for good. Backups you made earlier still hold them."),
        )

    def ask_delete(self) -> None:
        """Ask (window-modal, without blocking) before deleting the ticked records; the answer
        goes to :meth:`answer_delete`."""
        ids = self.model.ticked_ids()
        if not ids or not self._can_delete or self.is_busy():
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Delete records"))
        box.setText(self.confirmation_text(len(ids)))
        box.setInformativeText(tr("The deletion is written in the audit trail."))
        yes = box.addButton(
            plural(len(ids), tr("&Delete 1 record"), tr("&Delete {n} records")),
            QMessageBox.ButtonRole.DestructiveRole,
        )
        no = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.finished.connect(lambda _r: self._confirmed(box, ids, box.clickedButton() is yes))
        self.confirmation = box
        box.open()

    def _confirmed(self, box: QMessageBox, ids: set[str], yes: bool) -> None:
        if self.confirmation is box:
            self.confirmation = None
        box.deleteLater()
        self.answer_delete(ids, yes)

    def answer_delete(self, ids: set[str], yes: bool) -> None:
        """The answer to the confirmation: on yes, delete ``ids`` in the background."""
        if not yes or not ids:
            self.table.setFocus()
            return
        self.show_message(plural(len(ids), tr("Deleting 1 record…"), tr("Deleting {n} records…")))
        self._set_busy(True)
        retention = self._retention
        run_in_background(
            lambda: retention.delete_due(set(ids)), self._deleted, self._failed, owner=self
        )

    def _deleted(self, deleted: list[Any]) -> None:
        self.deleted += deleted
        self._set_busy(False)
        self.refresh()
        names = ", ".join(d.child for d in deleted)
        if deleted:
            done = plural(
                len(deleted),
                tr("Deleted 1 record for good: {names}. It is written in the audit trail."),
                tr("Deleted {n} records for good: {names}. Each is written in the audit trail."),
            )
            self.show_message(done.replace("{names}", names))
        else:
            self.show_message(
                tr("Nothing was deleted: those records are no longer due for deletion.")
            )

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.refresh()
        self.show_message(plain_error(exc), error=True)
