"""One base for the app's simple tables: a list of rows of one kind, named columns, one method
that answers each cell.

Qt asks every table model the same questions (how many rows and columns, each header, each cell
for each role) and checks the same bounds each time; a subclass here says only what is its own:
its ``HEADERS`` (translated in its ``CONTEXT``) and :meth:`RowsModel.cell`. The rows go in with
:meth:`RowsModel.set_rows` (a reset, so views keep no stale index) and come back with
:meth:`RowsModel.rows` or :meth:`RowsModel.row_at`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QWidget

Row = TypeVar("Row")
AnyIndex = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()


class RowsModel(QAbstractTableModel, Generic[Row]):
    """Rows of one kind in named columns. Subclasses set ``HEADERS`` and ``CONTEXT`` (the
    translation context of their module) and answer :meth:`cell`."""

    HEADERS: ClassVar[tuple[str, ...]] = ()
    CONTEXT: ClassVar[str] = "table"
    COLUMN_COUNT: ClassVar[int] = 0  # len(HEADERS), set for each subclass

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.COLUMN_COUNT = len(cls.HEADERS)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def set_rows(self, rows: Iterable[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def cell(self, row: Row, column: int, role: int) -> Any:
        """What the cell at ``column`` of ``row`` shows for ``role`` (None: nothing). Every table
        says what its cells show by answering this; the base shows the row's text and nothing
        else, so a table that forgot to is visibly wrong rather than crashing the view."""
        return str(row) if role == Qt.ItemDataRole.DisplayRole and column == 0 else None

    def header(self, section: int) -> str:
        return QCoreApplication.translate(self.CONTEXT, self.HEADERS[section])

    # --- Qt's model interface ------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else self.COLUMN_COUNT

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < self.COLUMN_COUNT
        ):
            return self.header(section)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < self.COLUMN_COUNT:
            return None
        return self.cell(self._rows[index.row()], index.column(), role)
