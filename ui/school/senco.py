"""The school SENCO's review queue: overdue items first, marked in words as well as colour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.school import QueueItem
from ui.school.service import SchoolViews

AnyIndex = QModelIndex | QPersistentModelIndex
ItemRole = Qt.ItemDataRole.UserRole + 1  # the QueueItem of a row
OVERDUE_BACKGROUND = QColor("#FBE3E0")


def tr(text: str) -> str:
    return QCoreApplication.translate("school", text)


class SencoQueueModel(QAbstractTableModel):
    WHEN, CHILD, KIND, WHAT, OWNER = range(5)
    COLUMN_COUNT = 5
    HEADERS = ("When", "Child", "Kind", "What", "Owner")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QueueItem] = []

    def set_items(self, items: list[QueueItem]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self.COLUMN_COUNT

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < self.COLUMN_COUNT
        ):
            return tr(self.HEADERS[section])
        return None

    @staticmethod
    def when_text(item: QueueItem) -> str:
        if item.overdue:
            return tr("Overdue by %n day(s)").replace("%n", str(item.days))
        if item.due is not None:
            return tr("Due %1").replace("%1", item.due.strftime("%d %b %Y"))
        if item.since is not None:
            return tr("Since %1").replace("%1", item.since.strftime("%d %b %Y"))
        return ""

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._items)):
            return None
        if not 0 <= index.column() < self.COLUMN_COUNT:
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            col = index.column()
            texts: dict[int, Callable[[], str]] = {
                self.WHEN: lambda: self.when_text(item),
                self.CHILD: lambda: item.child,
                self.KIND: lambda: tr(item.kind.label),
                self.WHAT: lambda: item.what,
                self.OWNER: lambda: item.owner,
            }
            return texts[col]()
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.BackgroundRole and item.overdue:
            return QBrush(OVERDUE_BACKGROUND)
        return None


class SencoQueueWidget(QWidget):
    def __init__(
        self, service: SchoolViews, today: date | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._today = today
        self.model = SencoQueueModel(self)
        title = QLabel(self.tr("SENCO review queue"), self)
        title.setObjectName("pageTitle")
        self.summary = QLabel(self)
        self.summary.setAccessibleName(self.tr("Summary"))
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Review queue"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            SencoQueueModel.WHAT, QHeaderView.ResizeMode.Stretch
        )
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        self.refresh()

    def set_service(self, service: SchoolViews) -> None:
        """Use a new session (after unlocking)."""
        self._service = service
        self.refresh()

    def refresh(self) -> None:
        try:
            items = self._service.senco_queue(self._today)
        except TransitionsError as exc:
            self.model.set_items([])
            self.summary.setText(str(exc))
            return
        self.model.set_items(items)
        overdue = sum(i.overdue for i in items)
        self.summary.setText(
            self.tr("%1 item(s), %2 overdue")
            .replace("%1", str(len(items)))
            .replace("%2", str(overdue))
        )
