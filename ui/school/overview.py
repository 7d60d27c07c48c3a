"""The class overview: one row per child received, derived flags as columns, counts at the top."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.school.overview import COLUMNS, FLAG_COUNTS, GROUPS, OverviewCounts, OverviewRow
from ui.school.record_view import RecordViewDialog
from ui.school.service import SchoolViews
from ui.table_model import RowsModel

AnyIndex = QModelIndex | QPersistentModelIndex

RowRole = Qt.ItemDataRole.UserRole + 1  # the OverviewRow of a row
SortRole = Qt.ItemDataRole.UserRole + 2  # a value that sorts naturally


def tr(text: str) -> str:
    return QCoreApplication.translate("school", text)


_KEYS = tuple(c.key for c in COLUMNS)


def _has(row: OverviewRow, key: str) -> bool:
    """Whether a row has a flag of FLAG_COUNTS or a group of GROUPS."""
    return {
        "send": row.send,
        "send_any": row.send_status not in ("", "none"),
        "eal": row.eal,
        "prime": bool(row.prime_not_on_track),
        "asq": bool(row.asq_below),
        "waiting": bool(row.waiting_list),
        "medical": row.medical,
        "dsl": row.dsl_to_dsl,
        "boys": row.boy,
        "fsm": row.fsm,
    }[key]


class ClassOverviewModel(RowsModel[OverviewRow]):
    """Column constants name the columns (same order as ``models.school.overview.COLUMNS``);
    ``RowRole`` gives the row's :class:`OverviewRow`."""

    (NAME, SETTING, SIGNER, VERSION, SEND, EAL, PRIME, ASQ, WAITING, MEDICAL, DSL) = range(11)
    HEADERS = tuple(column.label for column in COLUMNS)
    CONTEXT = "school"

    def cell(self, row: OverviewRow, col: int, role: int) -> Any:
        key = _KEYS[col]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.text(key)
        if role == RowRole:
            return row
        if role == SortRole:
            return self._sort_value(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.SIGNER and not row.vouched:
                return tr("Signature intact, but the signer is not vouched for by your LA.")
            if col == self.DSL and row.dsl_to_dsl:
                return tr("Designated safeguarding leads speak directly; no detail travels.")
            return row.text(key) or None
        return None

    def _sort_value(self, row: OverviewRow, col: int) -> Any:
        if col == self.VERSION:
            return row.version
        if col in (self.PRIME, self.ASQ, self.WAITING):
            return len(
                {
                    self.PRIME: row.prime_not_on_track,
                    self.ASQ: row.asq_below,
                    self.WAITING: row.waiting_list,
                }[col]
            )
        if col in (self.EAL, self.MEDICAL, self.DSL):
            return int(
                {self.EAL: row.eal, self.MEDICAL: row.medical, self.DSL: row.dsl_to_dsl}[col]
            )
        return row.text(_KEYS[col]).casefold()


class ClassOverviewFilter(QSortFilterProxyModel):
    """Name search plus one flag and one priority group."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self._text = ""
        self._flag: str | None = None
        self._group: str | None = None

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_flag(self, key: str | None) -> None:
        self.beginFilterChange()
        self._flag = key
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_group(self, key: str | None) -> None:
        self.beginFilterChange()
        self._group = key
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:  # noqa: N802
        model = self.sourceModel()
        row = model.index(source_row, 0, source_parent).data(RowRole)
        if not isinstance(row, OverviewRow):
            return False
        if self._text and self._text not in row.name.casefold():
            return False
        if self._flag and not _has(row, self._flag):
            return False
        return not (self._group and not _has(row, self._group))


def counts_text(counts: OverviewCounts) -> str:
    parts = [tr("%n children").replace("%n", str(counts.total))]
    parts += [f"{tr(label)}: {counts.flags[key]}" for key, label in FLAG_COUNTS]
    parts += [f"{tr(label)}: {counts.groups[key]}" for key, label in GROUPS]
    return " · ".join(parts)


class ClassOverviewWidget(QWidget):
    """The class overview page: counts, search, filters, the table and the quarantine line."""

    def __init__(self, service: SchoolViews, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.model = ClassOverviewModel(self)
        self.proxy = ClassOverviewFilter(self)
        self.proxy.setSourceModel(self.model)

        title = QLabel(self.tr("Class overview"), self)
        title.setObjectName("pageTitle")
        self.counts_label = QLabel(self)
        self.counts_label.setWordWrap(True)
        self.counts_label.setAccessibleName(self.tr("Counts"))

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search by name (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Search by name"))
        self.search.setClearButtonEnabled(True)
        search_label = QLabel(self.tr("&Search:"), self)
        search_label.setBuddy(self.search)
        self.flag_filter = QComboBox(self)
        self.flag_filter.setAccessibleName(self.tr("Filter by flag"))
        self.flag_filter.addItem(self.tr("Any flag"), None)
        for key, label in FLAG_COUNTS:
            self.flag_filter.addItem(tr(label), key)
        flag_label = QLabel(self.tr("&Flag:"), self)
        flag_label.setBuddy(self.flag_filter)
        self.group_filter = QComboBox(self)
        self.group_filter.setAccessibleName(self.tr("Filter by priority group"))
        self.group_filter.addItem(self.tr("Every child"), None)
        for key, label in GROUPS:
            self.group_filter.addItem(tr(label), key)
        group_label = QLabel(self.tr("&Group:"), self)
        group_label.setBuddy(self.group_filter)
        self.refresh_button = QPushButton(self.tr("&Refresh"), self)

        filters = QHBoxLayout()
        for w in (
            search_label,
            self.search,
            flag_label,
            self.flag_filter,
            group_label,
            self.group_filter,
            self.refresh_button,
        ):
            filters.addWidget(w)

        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setAccessibleName(self.tr("Children received"))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ClassOverviewModel.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)

        self.quarantine_label = QLabel(self)
        self.quarantine_label.setTextFormat(
            Qt.TextFormat.PlainText
        )  # names are the sender's choice
        self.quarantine_label.setWordWrap(True)
        self.quarantine_label.setAccessibleName(self.tr("Quarantine"))
        self.shown_label = QLabel(self)

        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.counts_label)
        lay.addLayout(filters)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.shown_label)
        lay.addWidget(self.quarantine_label)

        self.search.textChanged.connect(self.proxy.set_text)
        self.flag_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_flag(self.flag_filter.currentData())
        )
        self.group_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_group(self.group_filter.currentData())
        )
        self.refresh_button.clicked.connect(self.refresh)
        for signal in (
            self.proxy.rowsInserted,
            self.proxy.rowsRemoved,
            self.proxy.modelReset,
            self.proxy.layoutChanged,
        ):
            signal.connect(self._update_shown)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.search.setFocus)
        self.table.activated.connect(self.open_record)  # double-click or Enter reads the record
        self.refresh()

    def open_record(self, index: QModelIndex) -> RecordViewDialog | None:
        """Open the child's record read-only (the service notes the reading for the receipt)."""
        row = index.siblingAtColumn(0).data(RowRole)
        if row is None or not hasattr(self._service, "read_record"):
            return None
        try:
            record = self._service.read_record(row.record_id)
        except TransitionsError as exc:
            self.shown_label.setText(str(exc))
            return None
        provenance = getattr(self._service, "provenance", None)
        dialog = RecordViewDialog(
            record,
            self,
            provenance=provenance(row.record_id) if provenance is not None else None,
            files=self._service if hasattr(self._service, "received_pages") else None,  # type: ignore[arg-type]
        )
        dialog.setModal(False)
        dialog.show()
        return dialog

    def set_service(self, service: SchoolViews) -> None:
        """Use a new session (after unlocking)."""
        self._service = service
        self.refresh()

    def refresh(self) -> None:
        try:
            overview = self._service.overview()
        except TransitionsError as exc:
            self.counts_label.setText(str(exc))
            return
        self.model.set_rows(overview.rows)
        self._fit_columns()
        self.counts_label.setText(counts_text(overview.counts))
        quarantine = list(overview.quarantine)
        if quarantine:
            lines = [f"{q.file}: {q.reason}" for q in quarantine]
            self.quarantine_label.setText(
                self.tr("%n file(s) in quarantine, not mixed in:").replace(
                    "%n", str(len(quarantine))
                )
                + "\n"
                + "\n".join(lines)
            )
        else:
            self.quarantine_label.setText(self.tr("No files in quarantine."))
        self._update_shown()

    def _fit_columns(self) -> None:
        """Wide enough for each header and most values; long values show in full as tooltips."""
        self.table.resizeColumnsToContents()
        metrics = self.table.horizontalHeader().fontMetrics()
        for col in range(ClassOverviewModel.COLUMN_COUNT):
            header = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            header_width = metrics.horizontalAdvance(header) + 28
            self.table.setColumnWidth(col, max(header_width, min(self.table.columnWidth(col), 130)))

    def _update_shown(self) -> None:
        self.shown_label.setText(
            self.tr("Showing %1 of %2")
            .replace("%1", str(self.proxy.rowCount()))
            .replace("%2", str(self.model.rowCount()))
        )
