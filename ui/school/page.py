"""The school's home page: class overview, SENCO queue, and what happened to imported files."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from ui.school.overview import ClassOverviewWidget
from ui.school.quarantine import DecryptionKeyDialog, ReleaseDialog
from ui.school.senco import SencoQueueWidget
from ui.school.sending import SendingPanel

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


def _what(outcome: Any) -> str:
    """The outcome's reason; for a new version, also which fields changed."""
    changed = list(getattr(outcome, "changed_fields", ()) or ())
    if not changed:
        return str(outcome.reason)
    shown = "; ".join(changed[:6]) + (
        tr(" and {n} more").format(n=len(changed) - 6) if len(changed) > 6 else ""
    )
    return f"{outcome.reason} {tr('Changed')}: {shown}."


class ImportsPanel(QWidget):
    """The last import's outcome per file, and every file in quarantine with its reason; release
    (headteacher, after a phone check), remove, and the school's decryption key."""

    changed = Signal()  # a release imported a record: the overview needs refreshing

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
            [tr("File"), tr("Signer"), tr("Organisation"), tr("Can it be released?"), tr("Reason")],
            tr("Quarantine"),
            self,
        )
        self._entries: list[Any] = []
        self.release_button = QPushButton(tr("Re&lease after a phone check…"), self)
        self.discard_button = QPushButton(tr("Re&move from quarantine…"), self)
        self.key_button = QPushButton(tr("School's &decryption key…"), self)
        self.key_button.setToolTip(
            tr("Keep the key your LA gave the school, to open files encrypted to its certificate.")
        )
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # file names are the sender's choice
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Quarantine message"))
        actions = QHBoxLayout()
        actions.addWidget(self.release_button)
        actions.addWidget(self.discard_button)
        actions.addStretch(1)
        actions.addWidget(self.key_button)
        lay = QVBoxLayout(self)
        lay.addWidget(last_title)
        lay.addWidget(self.last_summary)
        lay.addWidget(self.last, 1)
        lay.addWidget(q_title)
        lay.addWidget(self.quarantine, 1)
        lay.addLayout(actions)
        lay.addWidget(self.message)
        self.release_button.clicked.connect(self.release_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        self.key_button.clicked.connect(self.add_key)
        self.quarantine.itemSelectionChanged.connect(self._sync_buttons)
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
                [o.file, tr(STATUS_WORDS.get(o.status, o.status)), o.child or "", _what(o)]
                for o in outcomes
            ],
        )
        self.refresh()

    def refresh(self) -> None:
        try:
            entries = list(self._school.quarantine())
        except TransitionsError as exc:
            entries = []
            self.last_summary.setText(str(exc))
        self._entries = entries
        _fill(
            self.quarantine,
            [
                [
                    q.file,
                    q.signer,
                    q.organisation,
                    tr("Yes, after a phone check")
                    if getattr(q, "releasable", False)
                    else tr("No: ask for the file again"),
                    q.reason,
                ]
                for q in entries
            ],
        )
        self._sync_buttons()

    def selected_entry(self) -> Any:
        rows = {i.row() for i in self.quarantine.selectedIndexes()}
        return self._entries[rows.pop()] if len(rows) == 1 else None

    def _sync_buttons(self) -> None:
        entry = self.selected_entry()
        head = bool(getattr(self._school, "is_headteacher", False))
        self.release_button.setEnabled(
            head and entry is not None and bool(getattr(entry, "releasable", False))
        )
        self.discard_button.setEnabled(entry is not None and hasattr(self._school, "discard"))
        self.key_button.setEnabled(head)
        if not head:
            self.release_button.setToolTip(tr("Only the headteacher can release a file."))
            self.key_button.setToolTip(tr("Only the headteacher can add the school's key."))

    def release_selected(self) -> ReleaseDialog | None:
        """Open the phone-check dialog for the selected file (non-modal, so tests can drive it)."""
        entry = self.selected_entry()
        if entry is None or not self.release_button.isEnabled():
            return None
        dialog = ReleaseDialog(self._school, entry, self)
        dialog.accepted.connect(lambda: self._released(dialog.outcome))
        dialog.open()
        return dialog

    def _released(self, outcome: Any) -> None:
        self.message.setText(
            tr("{file}: released and imported. {reason}").format(
                file=outcome.file, reason=outcome.reason
            )
        )
        self.changed.emit()
        self.refresh()

    def discard_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            tr("Remove from quarantine"),
            tr(
                "Remove {file} from quarantine? It will not be imported; the audit trail keeps its name."
            ).format(file=entry.file),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)  # the file name is the sender's choice
        if box.exec() != QMessageBox.StandardButton.Yes:
            return
        self.discard(entry)

    def discard(self, entry: Any) -> None:
        try:
            self._school.discard(entry.file_sha256)
        except TransitionsError as exc:
            self.message.setText(str(exc))
        else:
            self.message.setText(tr("Removed {file} from quarantine.").format(file=entry.file))
        self.refresh()

    def add_key(self) -> DecryptionKeyDialog:
        dialog = DecryptionKeyDialog(self._school, self)
        dialog.accepted.connect(
            lambda: self.message.setText(
                tr(
                    "Kept the decryption key for {subject}. Import the encrypted files again."
                ).format(subject=dialog.added.subject)
            )
        )
        dialog.open()
        return dialog


class SchoolPage(QTabWidget):
    """Tabs: class overview, SENCO queue, imports and quarantine, receipts and outcomes."""

    def __init__(self, school: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.school = school
        self.overview = ClassOverviewWidget(school, self)
        self.senco = SencoQueueWidget(school, parent=self)
        self.imports = ImportsPanel(school, self)
        self.sending = SendingPanel(school, self)
        self.addTab(self.overview, tr("Class &overview"))
        self.addTab(self.senco, tr("SENCO &queue"))
        self.addTab(self.imports, tr("&Imports and quarantine"))
        self.addTab(self.sending, tr("Receipts and ou&tcomes"))
        self.setAccessibleName(tr("School"))
        self.imports.changed.connect(self.overview.refresh)
        self.imports.changed.connect(self.senco.refresh)
        self.imports.changed.connect(self.sending.refresh)

    def set_school(self, school: Any) -> None:
        """Use a new session (after unlocking)."""
        self.school = school
        self.overview.set_service(school)
        self.senco.set_service(school)
        self.imports.set_school(school)
        self.sending.set_school(school)

    def refresh(self) -> None:
        self.overview.refresh()
        self.senco.refresh()
        self.imports.refresh()
        self.sending.refresh()
