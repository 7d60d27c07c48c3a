"""The setting's feedback page: for each child, whether the record was sent and whether the school
has confirmed receiving it (signed receipts), and the outcomes schools return."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from export.receipts import MAX_DOCUMENT_BYTES
from models.errors import TransitionsError
from models.names import listed_names
from models.record import Record
from models.safe_input import read_file
from models.school.handover import Stage, handovers
from ui.dialogs import plain_error
from ui.school.outcomes import OutcomesWidget


def tr(text: str) -> str:
    return QCoreApplication.translate("feedback", text)


def receipt_rows(records: list[Record], receipts: list[dict[str, Any]]) -> list[list[str]]:
    """[child, school, sent, received, read] for each record; newest receipt per record wins."""
    state = handovers(records, receipts)
    names = listed_names(records)  # two children of one name told apart by date of birth
    rows = []
    for r in sorted(records, key=lambda r: r.display_name.casefold()):
        h = state[r.id]
        sent = (
            tr("Sent (version {v})").format(v=r.export_version)
            if r.export_version
            else tr("Not sent yet")
        )
        if h.received_version is not None:
            got = tr("Received version {v} on {when}").format(
                v=h.received_version, when=h.received_on
            )
            if h.stage is Stage.RECEIVED_OLDER:
                got += tr(" (an older version: the newest has not been confirmed)")
        else:
            got = tr("No receipt yet") if r.export_version else ""
        seen = (
            tr("Read by {who} on {when}").format(who=h.read_by, when=h.read_on) if h.read_by else ""
        )
        rows.append([names[r.id], str(r.get("child.school_name") or ""), sent, got, seen])
    return rows


class ReceiptsPanel(QWidget):
    changed = Signal()

    def __init__(self, session: Any, feedback: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._feedback = feedback
        title = QLabel(tr("Sent and received"), self)
        title.setObjectName("pageTitle")
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(tr("Summary"))
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(
            [tr("Child"), tr("School"), tr("Sent"), tr("Received"), tr("Read")]
        )
        self.table.setAccessibleName(tr("Receipts per child"))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.import_receipt = QPushButton(tr("Import &receipt…"), self)
        self.import_outcomes = QPushButton(tr("Import &outcomes…"), self)
        self.import_receipt.clicked.connect(lambda: self._import("receipt"))
        self.import_outcomes.clicked.connect(lambda: self._import("outcomes"))
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.import_receipt)
        buttons.addWidget(self.import_outcomes)
        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addLayout(buttons)
        self.refresh()

    def set_session(self, session: Any, feedback: Any) -> None:
        self._session, self._feedback = session, feedback

    def refresh(self) -> None:
        try:
            rows = receipt_rows(self._session.list_records(), self._feedback.receipts())
        except TransitionsError as exc:
            self.summary.setText(plain_error(exc))
            return
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for c, value in enumerate(row):
                self.table.setItem(i, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        sent = sum(1 for r in rows if not r[2].startswith(tr("Not sent")))
        got = sum(1 for r in rows if r[3].startswith(tr("Received")))
        read = sum(1 for r in rows if r[4])
        self.summary.setText(
            tr(
                "{sent} of {n} records sent; the school has confirmed receiving {got} and reading {read}."
            ).format(sent=sent, n=len(rows), got=got, read=read)
        )

    def _import(self, kind: str) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("Signed file from a school"),
            "",
            tr("Signed files (*.json *.signed *.txt);;All files (*)"),
        )
        if not path:
            return
        try:
            data = read_file(path, limit=MAX_DOCUMENT_BYTES, what="signed file")
            done = (
                self._feedback.import_receipt(data)
                if kind == "receipt"
                else self._feedback.import_outcomes(data)
            )
        except (OSError, TransitionsError) as exc:
            self.message.setText(
                plain_error(exc) if isinstance(exc, TransitionsError) else str(exc)
            )
            return
        self.message.setText(
            tr("Imported from {school}: {n} children.").format(school=done.school, n=done.children)
        )
        self.refresh()
        self.changed.emit()


class FeedbackPage(QTabWidget):
    """Tabs: receipts per child, and the outcomes chart and tables."""

    def __init__(self, session: Any, feedback: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.receipts = ReceiptsPanel(session, feedback, self)
        self.outcomes = OutcomesWidget(feedback, self)
        self.addTab(self.receipts, tr("Sent and &received"))
        self.addTab(self.outcomes, tr("O&utcomes"))
        self.receipts.changed.connect(self.outcomes.refresh)

    def set_session(self, session: Any, feedback: Any) -> None:
        self.receipts.set_session(session, feedback)
        self.receipts.refresh()
        self.outcomes.set_source(feedback)

    def refresh(self) -> None:
        self.receipts.refresh()
        self.outcomes.refresh()
