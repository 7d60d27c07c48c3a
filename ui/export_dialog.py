"""Record > Export…: look at the unsigned PDF, see what the charter still needs, then sign and write
the packets in the background with a progress bar and a working Cancel."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.names import listed_names
from models.record import Record
from models.signoff import next_export_words
from ui.dialogs import plain_error
from ui.pdf_pages import PagePreview
from ui.workers import run_in_background, run_with_progress

PathRole = Qt.ItemDataRole.UserRole + 1
RecordIdRole = Qt.ItemDataRole.UserRole + 2
MIN_PASSWORD = 8
_RESEND_LINES = 6  # children sent before named in the plan; the rest are counted
PACKETS = (
    ("all", "Teacher packet, and SENCO packet where SEND support is recorded"),
    ("teacher", "Teacher packet only"),
    ("senco", "SENCO packet only"),
)


def tr(text: str) -> str:
    return QCoreApplication.translate("export", text)


def wrap_items(view: QListView | QTreeView) -> None:
    """Long items wrap onto more lines at the view's width instead of ending in "…"."""
    view.setWordWrap(True)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    if isinstance(view, QListView):
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setUniformItemSizes(False)
    if isinstance(view, QTreeView):
        view.setUniformRowHeights(False)
        view.header().setStretchLastSection(True)
        view.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)


class ExportDialog(QDialog):
    """Export ``records`` with ``exporter`` (an ``ExportService``) under ``charter``.

    Emits ``field_requested(record_id, path)`` (and closes) when a missing item is clicked for a
    single child, so the window can open the field."""

    field_requested = Signal(str, str)
    export_finished = Signal(object)  # the ExportReport
    progress_changed = Signal(int, int)
    preview_drawn = Signal()  # every page of the preview is shown

    def __init__(
        self,
        exporter: Any,
        preview: Any,
        records: list[Record],
        *,
        charter: Any,
        today: Callable[[], date],
        out_dir: Path,
        title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or tr("Export"))
        self._exporter = exporter
        self._preview = preview
        self._records = records
        self._charter = charter
        self._today = today
        self._cancel: threading.Event | None = None
        self._preview_serial = 0
        self._preview_done = False
        self.report: Any = None
        self._out_dir = out_dir

        # --- preview side
        self.preview_child = QComboBox(self)
        self.preview_child.setAccessibleName(tr("Child to preview"))
        self._names = listed_names(records)  # same-name children told apart by date of birth
        for r in records:
            self.preview_child.addItem(self._names[r.id], r.id)
        preview_label = QLabel(tr("Pre&view of:"), self)
        preview_label.setBuddy(self.preview_child)
        self.page_label = QLabel(self)
        self.page_label.setAccessibleName(tr("Page"))
        # The page count arrives after the first layout: keep room for it so it is never squeezed.
        self.page_label.setMinimumWidth(
            self.page_label.fontMetrics().horizontalAdvance(tr("Page 88 of 88")) + 4
        )
        self.preview_child.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.preview_child.setMinimumContentsLength(12)
        self.pages = PagePreview(self)
        self.pages.page_changed.connect(self._page_changed)
        top = QHBoxLayout()
        top.addWidget(preview_label)
        top.addWidget(self.preview_child, 1)
        top.addWidget(self.page_label)
        unsigned = QLabel(tr("Unsigned preview: this is what the school will read once you sign."))
        unsigned.setObjectName("helpText")
        unsigned.setWordWrap(True)
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(top)
        ll.addWidget(unsigned)
        ll.addWidget(self.pages, 1)

        # --- what is missing
        self.ready_label = QLabel(self)
        self.ready_label.setObjectName("panelTitle")
        self.ready_label.setWordWrap(True)
        self.ready_label.setAccessibleName(tr("Ready to export"))
        self.missing = QTreeWidget(self)
        self.missing.setHeaderHidden(True)
        self.missing.setAccessibleName(tr("What the charter still needs"))
        wrap_items(self.missing)
        self.missing.itemActivated.connect(self._missing_clicked)
        self.missing.itemClicked.connect(self._missing_clicked)

        self.plan = QLabel(self)
        self.plan.setWordWrap(True)
        self.plan.setObjectName("exportPlan")
        self.plan.setAccessibleName(tr("What will happen"))
        self.plan.setTextFormat(Qt.TextFormat.RichText)

        # --- options
        self.packets = QComboBox(self)
        self.packets.setAccessibleName(tr("Packets"))
        for key, name in PACKETS:
            self.packets.addItem(tr(name), key)
        self.folder = QLineEdit(str(out_dir), self)
        self.folder.setAccessibleName(tr("Folder to write to"))
        self.browse = QPushButton(tr("&Browse…"), self)
        self.browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("Encryption password"))
        self.confirm = QLineEdit(self)
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName(tr("Encryption password again"))
        self.password_note = QLabel(
            tr(
                "The charter asks for encrypted records and this school has no certificate in "
                "the directory. Choose a password (at least 8 characters) and give it to the "
                "school by phone, never in the same email as the files."
            ),
            self,
        )
        self.password_note.setWordWrap(True)
        self.password_note.setObjectName("helpText")
        form = QFormLayout()
        rows: list[tuple[str, QWidget | QHBoxLayout]] = [
            (tr("&Packets:"), self.packets),
            (tr("&Folder:"), folder_row),
        ]
        for text, widget in rows:
            label = QLabel(text, self)
            label.setBuddy(self.packets if widget is self.packets else self.folder)
            form.addRow(label, widget)
        self._password_labels: list[QLabel] = []
        form.addRow(self.password_note)
        for text, field in ((tr("Pass&word:"), self.password), (tr("&Again:"), self.confirm)):
            label = QLabel(text, self)
            label.setBuddy(field)
            self._password_labels.append(label)
            form.addRow(label, field)

        # --- running and results
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(tr("Export progress"))
        self.progress.setVisible(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(tr("Export status"))
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.files = QListWidget(self)
        self.files.setAccessibleName(tr("Files written"))
        wrap_items(self.files)
        self.files.setVisible(False)
        self.export_button = QPushButton(tr("Sign and &export"), self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.open_folder_button = QPushButton(tr("&Open folder"), self)
        self.open_folder_button.setVisible(False)
        self.open_folder_button.clicked.connect(self.open_folder)
        self.cancel_button = QPushButton(tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)

        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(8, 0, 0, 0)
        rl.addWidget(self.ready_label)
        rl.addWidget(self.missing, 3)
        rl.addWidget(self.plan)
        rl.addSpacing(8)
        rl.addLayout(form)
        rl.addSpacing(8)
        rl.addWidget(self.progress)
        rl.addWidget(self.status)
        rl.addWidget(self.files, 3)
        rl.addStretch(1)
        rl.addLayout(buttons)

        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([700, 520])
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setFrameShape(QFrame.Shape.NoFrame)
        lay = QVBoxLayout(self)
        lay.addWidget(splitter)
        self.resize(1240, 720)

        self.preview_child.currentIndexChanged.connect(lambda _i: self._load_preview())
        self._check_records()
        self._shown_once = False

    # --- before export ---------------------------------------------------------------------

    def _missing_for(self, record: Record) -> list[Any]:
        if self._charter is None:
            return []
        return list(self._charter.missing_for_export(record, self._today()))

    def _needs_password(self, records: list[Record]) -> bool:
        if self._charter is None or not self._charter.export.encrypt_for_recipient:
            return False
        for r in records:
            school = self._charter.school(str(r.get("child.school_urn") or ""))
            if school is None or not school.encryption_cert_pem:
                return True
        return False

    def _check_records(self) -> None:
        self.missing.clear()
        self._ready: list[Record] = []
        for record in self._records:
            items = self._missing_for(record)
            if not items:
                self._ready.append(record)
                continue
            head = QTreeWidgetItem([self._names[record.id]])
            head.setData(0, RecordIdRole, record.id)
            font = head.font(0)
            font.setBold(True)
            head.setFont(0, font)
            self.missing.addTopLevelItem(head)
            for m in items:
                child = QTreeWidgetItem([f"{m.label}: {m.reason}"])
                child.setToolTip(0, m.reason)
                child.setData(0, PathRole, m.path)
                child.setData(0, RecordIdRole, record.id)
                head.addChild(child)
        self.missing.expandAll()
        total, ready = len(self._records), len(self._ready)
        if self._charter is None:
            self.ready_label.setText(
                tr(
                    "No charter imported: a manager imports the LA's charter (Setting > Charter…) before anything can be exported."
                )
            )
        elif ready == total:
            self.ready_label.setText(
                tr("Ready to export.")
                if total == 1
                else tr("All {n} children are ready to export.").format(n=total)
            )
        else:
            hint = tr(" Click one to go to it.") if total == 1 else ""
            self.ready_label.setText(
                tr(
                    "{ready} of {total} ready. The charter still needs what is listed below."
                ).format(ready=ready, total=total)
                + hint
            )
        self.missing.setVisible(ready < total and self._charter is not None)
        self.plan.setText(self._plan_html())
        needs = self._needs_password(self._ready)
        for w in (self.password_note, self.password, self.confirm, *self._password_labels):
            w.setVisible(needs)
        self._needs_pw = needs
        self.export_button.setEnabled(bool(self._ready) and self._charter is not None)

    def _plan_html(self) -> str:
        """Who goes to which school, and how the files are protected, in a few lines."""
        if not self._ready or self._charter is None:
            return ""
        schools = sorted({str(r.get("child.school_name") or "") for r in self._ready} - {""})
        children = (
            self._names[self._ready[0].id]
            if len(self._ready) == 1
            else tr("{n} children").format(n=len(self._ready))
        )
        lines = [
            tr("<b>{who}</b> to {school}").format(
                who=html.escape(children), school=html.escape(", ".join(schools) or tr("school"))
            ),
            tr("Each PDF is signed with the setting's certificate and gets a new version number."),
            tr("A manifest (JSON and CSV) lists every file with its SHA-256 checksum."),
        ]
        lines.extend(self._resend_lines())
        if self._charter.export.handling_note:
            lines.append(html.escape(self._charter.export.handling_note))
        return "".join(f"<p style='margin: 0 0 5px 0'>{line}</p>" for line in lines)

    def _resend_lines(self) -> list[str]:
        """Children sent before: the version this export makes and whether it changed since."""
        resent = [(r, words) for r in self._ready if (words := next_export_words(r))]
        if len(self._ready) == 1 and resent:
            return [tr("This will be {words}.").format(words=html.escape(resent[0][1]))]
        shown = [
            tr("{child}: {words}").format(
                child=html.escape(self._names[r.id]), words=html.escape(words)
            )
            for r, words in resent[:_RESEND_LINES]
        ]
        if len(resent) > _RESEND_LINES:
            shown.append(tr("and {n} more sent before").format(n=len(resent) - _RESEND_LINES))
        return shown

    def _missing_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        path = item.data(0, PathRole)
        if len(self._records) != 1 or not path or self._cancel is not None:
            return
        self.field_requested.emit(str(item.data(0, RecordIdRole)), str(path))
        self.reject()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, tr("Folder to write the files to"), self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)

    # --- preview ---------------------------------------------------------------------------

    def _load_preview(self) -> None:
        record_id = self.preview_child.currentData()
        record = next((r for r in self._records if r.id == record_id), None)
        if record is None:
            self.pages.set_message(tr("Nothing to preview."))
            return
        self._preview_serial += 1
        serial = self._preview_serial
        self.pages.set_message(tr("Drawing the preview…"))
        note = self._charter.export.handling_note if self._charter is not None else ""
        preview = self._preview
        # A4 is 595 points wide: draw the pages to fit the preview's width (and never tiny).
        width = max(self.pages.viewport().width(), 560) - 40
        scale = max(0.8, min(width / 595.0, 1.6))

        self._preview_done = False

        def first() -> tuple[bytes, list[Any], int]:
            pdf = preview.preview_pdf(record, handling_note=note)
            return pdf, list(preview.render_pages(pdf, scale, stop=1)), preview.page_count(pdf)

        def first_done(result: tuple[bytes, list[Any], int]) -> None:
            if serial != self._preview_serial:
                return
            pdf, pages, total = result
            self.pages.set_pages(pages, total)
            if total <= len(pages) or not self.isVisible():  # closed meanwhile: nothing to add to
                self._preview_finished()
                return
            # The first page is up; the rest are drawn in the background and added below it.
            run_in_background(
                lambda: list(preview.render_pages(pdf, scale, start=len(pages))),
                rest_done,
                failed,
                owner=self,
            )

        def rest_done(pages: list[Any]) -> None:
            if serial == self._preview_serial:
                self.pages.add_pages(pages)
                self._preview_finished()

        def failed(exc: BaseException) -> None:
            if serial == self._preview_serial:
                self.pages.set_message(plain_error(exc))
                self._preview_finished()

        run_in_background(first, first_done, failed, owner=self)

    def _preview_finished(self) -> None:
        self._preview_done = True
        self.preview_drawn.emit()

    def preview_pages_expected(self) -> int:
        """Pages in the document previewed (0 until its first page is drawn)."""
        return self.pages.total_pages()

    def preview_complete(self) -> bool:
        """Every page of the preview is drawn (or it failed and says why)."""
        return self._preview_done

    def _page_changed(self, page: int, total: int) -> None:
        self.page_label.setText(tr("Page {x} of {y}").format(x=page, y=total) if total else "")

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._shown_once:  # drawn once the preview's width is known
            self._shown_once = True
            QTimer.singleShot(0, self, self._load_preview)

    def page_text(self) -> str:
        return self.page_label.text()

    # --- export ----------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self._cancel is not None

    def start_export(self) -> None:
        if self._cancel is not None or not self._ready:
            return
        password: str | None = None
        if self._needs_pw:
            password = self.password.text()
            if len(password) < MIN_PASSWORD:
                self._fail(
                    tr("Choose a password of at least {n} characters.").format(n=MIN_PASSWORD)
                )
                self.password.setFocus()
                return
            if password != self.confirm.text():
                self._fail(tr("The two passwords are not the same. Type them again."))
                self.confirm.clear()
                self.confirm.setFocus()
                return
        elif self.password.text():
            password = self.password.text()
        folder = Path(self.folder.text().strip() or str(self._out_dir))
        ids = [r.id for r in self._ready]
        packets = str(self.packets.currentData())
        cancel = threading.Event()
        self._cancel = cancel
        exporter = self._exporter
        self._set_running(True)
        self.status.setText(tr("Signing and writing…"))

        def work(report: Callable[[int, int, str], None]) -> Any:
            return exporter.export(
                ids, folder, packets=packets, password=password, progress=report, cancel=cancel
            )

        run_with_progress(work, self._progress, self._finished, self._failed)

    def cancel_export(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.setText(tr("Cancelling after the current file…"))
            self.cancel_button.setEnabled(False)

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(True)
        self.progress.setRange(0, 0 if running else 1)
        for w in (
            self.export_button,
            self.packets,
            self.folder,
            self.browse,
            self.password,
            self.confirm,
        ):
            w.setEnabled(not running)
        self.cancel_button.setText(tr("Cancel export") if running else tr("Close"))
        self.cancel_button.setEnabled(True)

    def _progress(self, done: int, total: int, name: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if name:
            self.status.setText(
                tr("Signed {done} of {total}: {name}").format(done=done, total=total, name=name)
            )
        self.progress_changed.emit(done, total)

    def _finished(self, report: Any) -> None:
        self._cancel = None
        self._set_running(False)
        self.report = report
        self.progress.setValue(
            self.progress.maximum() if not report.cancelled else self.progress.value()
        )
        lines = []
        if report.cancelled:
            lines.append(
                tr(
                    "Export cancelled. {n} file(s) were finished and written before it stopped."
                ).format(n=len(report.files))
            )
        elif report.files:
            lines.append(tr("{n} file(s) signed and written.").format(n=len(report.files)))
        for refusal in report.refused:
            lines.append(refusal.message())
        if report.manifest_json is not None:
            lines.append(tr("Manifest: {path}").format(path=report.manifest_json))
        self.status.setText("\n".join(lines))
        self.files.clear()
        for f in report.files:
            how = {"password": tr("password"), "certificate": tr("school's certificate")}.get(
                f.encrypted, ""
            )
            text = f.describe() + (f" ({tr('encrypted with the')} {how})" if how else "")
            self.files.addItem(text)
        self.files.setVisible(bool(report.files))
        self.open_folder_button.setVisible(bool(report.files))
        self.export_button.setEnabled(False)
        self.password.clear()
        self.confirm.clear()
        self.export_finished.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self._cancel = None
        self._set_running(False)
        self.progress.setVisible(False)
        self._fail(plain_error(exc))

    def _fail(self, text: str) -> None:
        self.status.setProperty("kind", "warning")
        self.status.setText(text)

    def written_files(self) -> list[Path]:
        return [f.path for f in self.report.files] if self.report is not None else []

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(self.folder.text()))

    def reject(self) -> None:
        if self._cancel is not None:  # Cancel while running stops the export; the dialog stays
            self.cancel_export()
            return
        super().reject()
