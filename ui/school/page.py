"""The school's home page: class overview, SENCO queue, and what happened to imported files."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from ui.school.overview import ClassOverviewWidget
from ui.school.senco import SencoQueueWidget

STATUS_WORDS = {
    "imported": "Imported",
    "updated": "Updated",
    "quarantined": "Quarantined",
    "refused": "Refused",
}


def tr(text: str) -> str:
    return QCoreApplication.translate("school", text)


def _table(headers: list[str], name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.resizeRowsToContents()


class ImportsPanel(QWidget):
    """The last import's outcome per file, and every file in quarantine with its reason."""

    def __init__(self, school: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._school = school
        last_title = QLabel(tr("Last import"), self)
        last_title.setObjectName("panelTitle")
        self.last_summary = QLabel(
            tr(
                "Nothing imported in this session yet. Use File > Import received PDFs… "
                "(Ctrl+I) or drop PDF files or a folder onto the window."
            ),
            self,
        )
        self.last_summary.setWordWrap(True)
        self.last = _table(
            [tr("File"), tr("Result"), tr("Child"), tr("What happened")], tr("Last import"), self
        )
        q_title = QLabel(tr("Quarantine: files that did not verify, kept apart"), self)
        q_title.setObjectName("panelTitle")
        self.quarantine = _table(
            [tr("File"), tr("Signer"), tr("Organisation"), tr("Reason")], tr("Quarantine"), self
        )
        lay = QVBoxLayout(self)
        lay.addWidget(last_title)
        lay.addWidget(self.last_summary)
        lay.addWidget(self.last, 1)
        lay.addWidget(q_title)
        lay.addWidget(self.quarantine, 1)
        self.refresh()

    def set_school(self, school: Any) -> None:
        self._school = school
        self.refresh()

    def show_outcomes(self, outcomes: list[Any]) -> None:
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        self.last_summary.setText(
            ", ".join(f"{tr(STATUS_WORDS.get(k, k))}: {n}" for k, n in sorted(counts.items()))
            or tr("No files were found to import.")
        )
        _fill(
            self.last,
            [
                [o.file, tr(STATUS_WORDS.get(o.status, o.status)), o.child or "", o.reason]
                for o in outcomes
            ],
        )
        self.refresh()

    def refresh(self) -> None:
        try:
            entries = self._school.quarantine()
        except TransitionsError as exc:
            entries = []
            self.last_summary.setText(str(exc))
        _fill(self.quarantine, [[q.file, q.signer, q.organisation, q.reason] for q in entries])


class SchoolPage(QTabWidget):
    """Tabs: class overview, SENCO queue, imports and quarantine."""

    def __init__(self, school: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.school = school
        self.overview = ClassOverviewWidget(school, self)
        self.senco = SencoQueueWidget(school, parent=self)
        self.imports = ImportsPanel(school, self)
        self.addTab(self.overview, tr("Class &overview"))
        self.addTab(self.senco, tr("SENCO &queue"))
        self.addTab(self.imports, tr("Imports and &quarantine"))
        self.setAccessibleName(tr("School"))

    def set_school(self, school: Any) -> None:
        """Use a new session (after unlocking)."""
        self.school = school
        self.overview.set_service(school)
        self.senco.set_service(school)
        self.imports.set_school(school)

    def refresh(self) -> None:
        self.overview.refresh()
        self.senco.refresh()
        self.imports.refresh()
