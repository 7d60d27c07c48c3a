"""The school SENCO's review queue: overdue items first, marked in words as well as colour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    Qt,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.school import QueueItem
from ui.school.service import SchoolViews
from ui.style import color
from ui.table_model import RowsModel

ItemRole = Qt.ItemDataRole.UserRole + 1  # the QueueItem of a row


def tr(text: str) -> str:
    return QCoreApplication.translate("school", text)


class SencoQueueModel(RowsModel[QueueItem]):
    WHEN, CHILD, KIND, WHAT, OWNER, REVIEWED = range(6)
    HEADERS = ("When", "Child", "Kind", "What", "Owner", "Reviewed")
    CONTEXT = "school"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reviews: dict[str, dict[str, str]] = {}

    def set_items(
        self, items: list[QueueItem], reviews: dict[str, dict[str, str]] | None = None
    ) -> None:
        self._reviews = dict(reviews or {})
        self.set_rows(items)

    def reviewed_text(self, item: QueueItem) -> str:
        review = self._reviews.get(item.key)
        return (
            tr("%1 on %2").replace("%1", review["by"]).replace("%2", review["on"]) if review else ""
        )

    @staticmethod
    def when_text(item: QueueItem) -> str:
        if item.overdue:
            return tr("Overdue by %n day(s)").replace("%n", str(item.days))
        if item.due is not None:
            return tr("Due %1").replace("%1", item.due.strftime("%d %b %Y"))
        if item.since is not None:
            return tr("Since %1").replace("%1", item.since.strftime("%d %b %Y"))
        return ""

    def cell(self, item: QueueItem, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            texts: dict[int, Callable[[], str]] = {
                self.WHEN: lambda: self.when_text(item),
                self.CHILD: lambda: item.child,
                self.KIND: lambda: tr(item.kind.label),
                self.WHAT: lambda: item.what,
                self.OWNER: lambda: item.owner,
                self.REVIEWED: lambda: self.reviewed_text(item),
            }
            return texts[col]()
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.BackgroundRole and item.overdue:
            return QBrush(color("overdue_bg"))
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
        self.review_button = QPushButton(self.tr("&Mark reviewed"), self)
        self.review_button.setAccessibleName(self.tr("Mark the selected item reviewed"))
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(self.mark_selected_reviewed)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.message = QLabel(self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.review_button)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        self.refresh()

    def _selected_item(self) -> QueueItem | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.model.data(rows[0], ItemRole)
        return item if isinstance(item, QueueItem) else None

    def _selection_changed(self, *_args: object) -> None:
        can_mark = hasattr(self._service, "mark_reviewed")
        self.review_button.setEnabled(can_mark and self._selected_item() is not None)

    def mark_selected_reviewed(self) -> None:
        item = self._selected_item()
        if item is None or not hasattr(self._service, "mark_reviewed"):
            return
        try:
            entry = self._service.mark_reviewed(item.key, self._today)
        except TransitionsError as exc:
            self.message.setText(str(exc))
            return
        self.refresh()
        self.message.setText(
            self.tr("Marked reviewed by %1 on %2.")
            .replace("%1", entry["by"])
            .replace("%2", entry["on"])
        )

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
        reviews = self._service.senco_reviews() if hasattr(self._service, "senco_reviews") else {}
        self.model.set_items(items, reviews)
        self.review_button.setEnabled(False)
        overdue = sum(i.overdue for i in items)
        self.summary.setText(
            self.tr("%1 item(s), %2 overdue")
            .replace("%1", str(len(items)))
            .replace("%2", str(overdue))
        )
