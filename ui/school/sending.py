"""What the school sends back to settings: a signed receipt per setting, and at the end of
Reception one signed EYFS profile outcome file per setting.

Receipts: the settings records came from (received, read so far, last receipt saved); the
selected setting's signed receipt is written to a file the school sends on.

Outcomes: a blank sheet in the EYFSP column style (one row per received child) to fill in a
spreadsheet, or the same grid entered in the app (:mod:`ui.school.outcomes_entry`, kept in the
vault as it is typed); either is checked and signed per setting in the background through the
same CSV path. Any bad row is listed and nothing is written; otherwise one file per setting goes
into a folder the school chooses. Messages are shown in the tab, never in a modal box.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import (
    QCoreApplication,
    QItemSelectionModel,
    Qt,
)
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.record import Record
from models.safe_input import read_file
from models.school.outcomes import MAX_CSV_BYTES, RowError
from ui.dialogs import busy_bar, plain_error
from ui.school.outcomes_entry import OutcomesEntryDialog
from ui.table_model import RowsModel
from ui.workers import run_in_background

SettingRole = Qt.ItemDataRole.UserRole + 1  # the ReceivedSetting of a row


def tr(text: str) -> str:
    return QCoreApplication.translate("sending", text)


class SendingService(Protocol):
    """What the tab needs from the school session (``SchoolService`` satisfies it)."""

    def received_settings(self) -> list[Any]: ...

    def save_receipt(self, setting_urn: str, path: Path) -> None: ...

    def save_outcomes_template(self, path: Path) -> int: ...

    def outcome_files(self, csv_bytes: bytes) -> Any: ...

    def outcome_summaries(self, files: dict[str, bytes]) -> list[Any]: ...

    def save_outcome_files(self, files: dict[str, bytes], folder: Path) -> list[Path]: ...

    def records(self) -> list[Record]: ...

    def entered_outcomes(self) -> dict[str, dict[str, str]]: ...

    def save_entered_outcomes(self, entered: dict[str, dict[str, str]]) -> None: ...

    def entered_outcomes_csv(self) -> bytes: ...


def receipt_file_name(setting_urn: str, today: date) -> str:
    """``receipt-EY900001-2026-11-25.json``: the setting and the day, safe as a file name."""
    urn = "".join(c for c in setting_urn if c.isalnum()) or "setting"
    return f"receipt-{urn}-{today.isoformat()}.json"


class ReceivedSettingsModel(RowsModel[Any]):
    """One row per setting records came from; ``SettingRole`` gives its ``ReceivedSetting``."""

    NAME, URN, RECEIVED, READ, LAST_RECEIPT = range(5)
    HEADERS = ("Setting", "URN", "Records received", "Read so far", "Last receipt saved")
    CONTEXT = "sending"

    def cell(self, row: Any, col: int, role: int) -> Any:
        if role == SettingRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.RECEIVED, self.READ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if col == self.NAME:
            return row.name or tr("(no name given)")
        if col == self.URN:
            return row.urn
        if col == self.RECEIVED:
            return str(row.received)
        if col == self.READ:
            return str(row.read)
        return row.last_receipt or (tr("Not yet") if role == Qt.ItemDataRole.DisplayRole else None)


def _results_table(headers: list[str], name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    table.hide()
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
    table.setVisible(bool(rows))


def _sentence(error: RowError) -> tuple[str, str]:
    """(line, what to fix) for the errors table, the sentence starting with a capital."""
    text = error.message
    return (str(error.line) if error.line else tr("Whole file"), text[:1].upper() + text[1:])


def _title(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("panelTitle")
    return label


def _help(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("helpText")
    label.setWordWrap(True)
    return label


def _message(name: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


class SendingPanel(QWidget):
    """Receipts to settings, and end-of-Reception outcome files, for the school's window."""

    def __init__(self, school: SendingService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._school = school
        self._pending: dict[str, bytes] = {}
        self._busy = False

        # --- receipts ---
        self.settings_model = ReceivedSettingsModel(self)
        self.settings = QTableView(self)
        self.settings.setModel(self.settings_model)
        self.settings.setAccessibleName(tr("Settings that sent records"))
        self.settings.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.settings.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.settings.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.settings.setTabKeyNavigation(False)
        self.settings.verticalHeader().setVisible(False)
        header = self.settings.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ReceivedSettingsModel.NAME, QHeaderView.ResizeMode.Stretch)
        settings_label = QLabel(tr("Settings that se&nt records:"), self)
        settings_label.setBuddy(self.settings)
        self.receipt_button = QPushButton(tr("Write signed &receipt…"), self)
        self.receipt_message = _message(tr("Receipt message"), self)
        self.settings.activated.connect(lambda _index: self.write_receipt())

        # --- outcomes ---
        self.template_button = QPushButton(tr("Save a &blank outcomes sheet…"), self)
        self.import_button = QPushButton(tr("&Import outcomes CSV…"), self)
        self.enter_button = QPushButton(tr("Enter o&utcomes…"), self)
        self.entry_dialog: OutcomesEntryDialog | None = None
        self._entry_locked = False  # the grid was closed because the page went away
        self.write_button = QPushButton(tr("&Write signed outcome files…"), self)
        self.outcomes_message = _message(tr("Outcomes message"), self)
        self.errors = _results_table(
            [tr("Line"), tr("What to fix")], tr("Rows to fix in the outcomes file"), self
        )
        self.summary = _results_table(
            [tr("Setting"), tr("URN"), tr("Children"), tr("Reached GLD"), tr("File")],
            tr("Outcome files ready to write"),
            self,
        )

        self.busy = busy_bar(self)

        receipt_row = QHBoxLayout()
        receipt_row.addWidget(self.receipt_button)
        receipt_row.addStretch(1)
        outcome_row = QHBoxLayout()
        outcome_row.addWidget(self.template_button)
        outcome_row.addWidget(self.import_button)
        outcome_row.addWidget(self.enter_button)
        outcome_row.addStretch(1)
        write_row = QHBoxLayout()
        write_row.addWidget(self.write_button)
        write_row.addStretch(1)

        lay = QVBoxLayout(self)
        lay.addWidget(_title(tr("Receipts: tell each setting what arrived"), self))
        lay.addWidget(
            _help(
                tr(
                    "A receipt lists every record received from one setting, that it verified, "
                    "the date, and who has read it. Choose the setting, then write its receipt."
                ),
                self,
            )
        )
        lay.addWidget(settings_label)
        lay.addWidget(self.settings, 2)
        lay.addLayout(receipt_row)
        lay.addWidget(self.receipt_message)
        lay.addSpacing(12)
        lay.addWidget(_title(tr("End of Reception: EYFS profile outcomes"), self))
        lay.addWidget(
            _help(
                tr(
                    "Save a blank sheet (one row per child), fill in GLD (Y or N) and ELG01 to "
                    "ELG17 (expected or emerging) in a spreadsheet, save it as CSV, then import "
                    "it. Your EYFSP return's CSV in the same columns works too. Or enter each "
                    "child's outcomes here: they are saved as you type. Each setting gets one "
                    "signed file with its own children."
                ),
                self,
            )
        )
        lay.addLayout(outcome_row)
        lay.addWidget(self.outcomes_message)
        lay.addWidget(self.errors, 2)
        lay.addWidget(self.summary, 2)
        lay.addLayout(write_row)
        lay.addWidget(self.busy)

        self.receipt_button.clicked.connect(self.write_receipt)
        self.template_button.clicked.connect(self.save_blank_sheet)
        self.import_button.clicked.connect(self.import_csv)
        self.enter_button.clicked.connect(self.enter_outcomes)
        self.write_button.clicked.connect(self.write_outcome_files)
        self.settings.selectionModel().selectionChanged.connect(lambda *_a: self._sync_buttons())
        self.refresh()

    # --- state ---------------------------------------------------------------------------------

    def set_school(self, school: SendingService) -> None:
        """Use a new session (after unlocking); anything checked for the old one is dropped."""
        self._school = school
        self._pending = {}
        self.errors.hide()
        self.summary.hide()
        self.outcomes_message.hide()
        self.receipt_message.hide()
        self.refresh()

    def refresh(self) -> None:
        keep = self.selected_setting()
        try:
            rows = list(self._school.received_settings())
        except TransitionsError as exc:
            rows = []
            self._say(self.receipt_message, str(exc))
        self.settings_model.set_rows(rows)
        urns = [r.urn for r in rows]
        wanted = (
            keep.urn
            if keep is not None and keep.urn in urns
            else (urns[0] if len(urns) == 1 else None)
        )
        if wanted is not None:
            self.settings.selectionModel().select(
                self.settings_model.index(urns.index(wanted), 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._sync_buttons()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        """Read counts change as people open records elsewhere: refresh when the tab is shown."""
        super().showEvent(event)
        if not self._busy:
            self.refresh()

    def selected_setting(self) -> Any:
        rows = {i.row() for i in self.settings.selectionModel().selectedRows()}
        if len(rows) != 1:
            return None
        return self.settings_model.index(rows.pop(), 0).data(SettingRole)

    def _sync_buttons(self) -> None:
        has_records = self.settings_model.rowCount() > 0
        chosen = self.selected_setting() is not None
        self.receipt_button.setEnabled(not self._busy and chosen)
        self.template_button.setEnabled(not self._busy and has_records)
        self.import_button.setEnabled(not self._busy and has_records)
        self.enter_button.setEnabled(not self._busy and has_records)
        self.write_button.setEnabled(not self._busy and bool(self._pending))
        if not has_records:
            why = tr("No records have been received yet: import them first.")
            for button in (
                self.receipt_button,
                self.template_button,
                self.import_button,
                self.enter_button,
            ):
                button.setToolTip(why)
        else:
            self.receipt_button.setToolTip(
                tr(
                    "A signed list of the records received from the selected setting: each one "
                    "received and verified, with the date, and who read it."
                )
                if chosen
                else tr("Choose a setting in the list first.")
            )
            self.template_button.setToolTip(
                tr("A CSV with one row per child received, to fill in with a spreadsheet.")
            )
            self.import_button.setToolTip(
                tr("Check the filled sheet and sign one outcome file for each setting.")
            )
            self.enter_button.setToolTip(
                tr(
                    "Enter GLD and the early learning goals for each child in a grid here; "
                    "what you enter is kept in the vault as you go."
                )
            )
        self.write_button.setToolTip(
            tr("Choose a folder; one file per setting is written there.")
            if self._pending
            else tr("Import a filled outcomes sheet, or enter the outcomes, first.")
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self._sync_buttons()

    @staticmethod
    def _say(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def _failed(self, label: QLabel) -> Any:
        def show(exc: BaseException) -> None:
            self._set_busy(False)
            self._say(label, plain_error(exc))

        return show

    # --- receipts --------------------------------------------------------------------------------

    def write_receipt(self) -> None:
        """Ask where to save the selected setting's receipt, then write it."""
        setting = self.selected_setting()
        if setting is None or not self.receipt_button.isEnabled():
            return
        path, _filter = QFileDialog.getSaveFileName(
            self,
            tr("Save the signed receipt for {name}").format(name=setting.name or setting.urn),
            receipt_file_name(setting.urn, date.today()),
            tr("Signed receipts (*.json)"),
        )
        if path:
            self.write_receipt_to(setting, Path(path))

    def write_receipt_to(self, setting: Any, path: Path) -> None:
        school = self._school
        self._set_busy(True)
        self._say(self.receipt_message, tr("Signing the receipt…"))

        def done(_result: Any) -> None:
            self._set_busy(False)
            self._say(
                self.receipt_message,
                tr(
                    "Saved the signed receipt for {name} to {path}. Send this file to the "
                    "setting (by email or your LA's transfer route); they add it with Import "
                    "receipt… on their Feedback and outcomes page."
                ).format(name=setting.name or setting.urn, path=str(path)),
            )
            self.refresh()

        run_in_background(
            lambda: school.save_receipt(setting.urn, path),
            done,
            self._failed(self.receipt_message),
            owner=self,
        )

    # --- outcomes --------------------------------------------------------------------------------

    def save_blank_sheet(self) -> None:
        if not self.template_button.isEnabled():
            return
        path, _filter = QFileDialog.getSaveFileName(
            self,
            tr("Save a blank outcomes sheet"),
            f"reception-outcomes-{date.today().year}.csv",
            tr("CSV files (*.csv)"),
        )
        if path:
            self.save_blank_sheet_to(Path(path))

    def save_blank_sheet_to(self, path: Path) -> None:
        school = self._school
        self._set_busy(True)
        self._say(self.outcomes_message, tr("Writing the sheet…"))

        def done(children: int) -> None:
            self._set_busy(False)
            self._say(
                self.outcomes_message,
                tr(
                    "Saved a sheet with {n} children to {path}. It holds their names: keep it "
                    "as safe as the records. Fill in GLD and every ELG for each child (remove "
                    "the row of a child who has left), save it as CSV, then import it here."
                ).format(n=children, path=str(path)),
            )

        run_in_background(
            lambda: school.save_outcomes_template(path),
            done,
            self._failed(self.outcomes_message),
            owner=self,
        )

    def import_csv(self) -> None:
        if not self.import_button.isEnabled():
            return
        path, _filter = QFileDialog.getOpenFileName(
            self, tr("Import outcomes CSV"), "", tr("CSV files (*.csv);;All files (*)")
        )
        if path:
            self.import_csv_from(Path(path))

    def import_csv_from(self, path: Path) -> None:
        """Check the CSV and sign the files in the background; show the rows to fix, or what is
        ready to write. Nothing is written to disk here."""

        def read() -> tuple[str, bytes]:
            try:
                return "", read_file(path, limit=MAX_CSV_BYTES, what="EYFSP return")
            except TransitionsError as exc:
                return str(exc), b""

        self._check(
            read,
            tr("Checking {file}…").format(file=path.name),
            lambda n: tr(
                "Nothing was written: {n} row(s) of {file} need a change. Correct them in the "
                "spreadsheet, save it as CSV again and import it again."
            ).format(n=n, file=path.name),
            lambda children, n: tr(
                "All {children} children in {file} are matched to their records. One signed "
                "file for each of {n} setting(s) is ready: choose Write signed outcome files… "
                "to save them."
            ).format(children=children, file=path.name, n=n),
        )

    def _check(
        self,
        read: Callable[[], tuple[str, bytes]],
        checking: str,
        to_fix: Callable[[int], str],
        ready: Callable[[int, int], str],
        *,
        lines: bool = True,
    ) -> None:
        """Read the CSV with ``read()`` (a problem sentence, or the bytes), check it and sign the
        files in the background. ``to_fix(rows)`` and ``ready(children, settings)`` say how it
        went; without ``lines`` the rows to fix are listed without line numbers (the CSV was
        made here, so its line numbers mean nothing to the person)."""
        school = self._school
        self._pending = {}
        self.errors.hide()
        self.summary.hide()
        self._set_busy(True)
        self._say(self.outcomes_message, checking)

        def work() -> tuple[str, Any, list[Any]]:
            problem, data = read()
            if problem:
                return problem, None, []
            result = school.outcome_files(data)
            summaries = school.outcome_summaries(result.files) if result.files else []
            return "", result, summaries

        def done(answer: tuple[str, Any, list[Any]]) -> None:
            self._set_busy(False)
            problem, result, summaries = answer
            if problem:
                self._say(self.outcomes_message, problem)
                return
            if result.errors:
                self._say(self.outcomes_message, to_fix(len(result.errors)))
                found = [list(_sentence(e)) for e in result.errors]
                _fill(self.errors, found if lines else [["–", text] for _l, text in found])
                return
            self._pending = dict(result.files)
            children = sum(s.children for s in summaries)
            self._say(self.outcomes_message, ready(children, len(summaries)))
            _fill(
                self.summary,
                [[s.name, s.urn, str(s.children), str(s.gld), s.file_name] for s in summaries],
            )
            self._sync_buttons()

        run_in_background(work, done, self._failed(self.outcomes_message), owner=self)

    # --- outcomes entered in the app ------------------------------------------------------------

    def enter_outcomes(self) -> OutcomesEntryDialog | None:
        """Open the entry grid (window-modal, so tests can drive it); when it closes, check the
        entries if every child is complete, or say who is still missing."""
        if not self.enter_button.isEnabled():
            return None
        try:
            dialog = OutcomesEntryDialog(self._school, self)
        except TransitionsError as exc:
            self._say(self.outcomes_message, plain_error(exc))
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._entry_closed(dialog))
        self._entry_locked = False
        self.entry_dialog = dialog
        dialog.open()
        return dialog

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        """The page is going away (the vault is locking): save the grid and close it, so no
        names stay on screen. Minimising the window (a spontaneous hide) keeps it open."""
        super().hideEvent(event)
        dialog = self.entry_dialog
        if dialog is not None and not event.spontaneous():
            self._entry_locked = True
            saved = dialog.close_now()
            self._say(
                self.outcomes_message,
                tr("The outcomes you entered are saved; choose Enter outcomes… to carry on.")
                if saved
                else tr(
                    "The last outcomes you entered could not be saved before the window "
                    "locked; check them with Enter outcomes…."
                ),
            )

    def _entry_closed(self, dialog: OutcomesEntryDialog) -> None:
        self.entry_dialog = None
        if self._entry_locked:  # said by hideEvent; the session is about to close
            return
        model = dialog.model
        missing = model.incomplete()
        total = model.rowCount()
        if not model.entered():
            return
        if missing:
            names = [c.name for c in missing[:10]]
            more = len(missing) - len(names)
            listed = ", ".join(names) + (tr(" and {n} more").format(n=more) if more else "")
            self.errors.hide()
            self.summary.hide()
            self._pending = {}
            self._sync_buttons()
            self._say(
                self.outcomes_message,
                tr(
                    "What you entered is saved. {n} of {total} children still need every early "
                    "learning goal entered before the files can be made: {names}. Choose Enter "
                    "outcomes… to carry on."
                ).format(n=len(missing), total=total, names=listed),
            )
            return
        school = self._school
        self._check(
            lambda: ("", school.entered_outcomes_csv()),
            tr("Checking the outcomes you entered…"),
            lambda n: tr(
                "Nothing was written: the outcomes entered for {n} child(ren) need a change "
                "(listed below)."
            ).format(n=n),
            lambda children, n: tr(
                "All {children} children have their outcomes entered and matched to their "
                "records. One signed file for each of {n} setting(s) is ready: choose Write "
                "signed outcome files… to save them."
            ).format(children=children, n=n),
            lines=False,
        )

    def write_outcome_files(self) -> None:
        if not self.write_button.isEnabled():
            return
        folder = QFileDialog.getExistingDirectory(self, tr("Folder for the signed outcome files"))
        if folder:
            self.write_outcome_files_to(Path(folder))

    def write_outcome_files_to(self, folder: Path) -> None:
        school, files = self._school, dict(self._pending)
        if not files:
            return
        self._set_busy(True)
        self._say(self.outcomes_message, tr("Writing the signed outcome files…"))

        def done(paths: list[Path]) -> None:
            self._set_busy(False)
            self._say(
                self.outcomes_message,
                tr(
                    "Wrote {n} signed outcome file(s) to {folder}: {names}. Send each setting "
                    "its own file (by email or your LA's transfer route); they add it with "
                    "Import outcomes… on their Feedback and outcomes page."
                ).format(n=len(paths), folder=str(folder), names=", ".join(p.name for p in paths)),
            )

        run_in_background(
            lambda: school.save_outcome_files(files, folder),
            done,
            self._failed(self.outcomes_message),
            owner=self,
        )
