"""The record editor: one page per framework section, generated from the definition.

Edits go through a QUndoStack (one command per action, typing merged per field) and are saved
through the service shortly after the person pauses, on section change, on close and before the
window locks. There is no Save button. Nothing typed is lost: a value that does not fit its field
(a wrong UPN, 31/02/2021) is kept as typed and listed as a problem.

What stops the record (the "What's missing" panel, the section ticks, the header's sign-offs and
the sign-off buttons) all come from one answer, :func:`models.readiness.readiness`, worked out
again after every change. A sign-off is bound to the content it signed: before the first edit of
signed content the editor says once whose sign-off the change will need again, and undoing the
change makes the sign-off valid again.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QPoint, QSignalBlocker, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
    QShowEvent,
    QTextCursor,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.completeness import ItemKind, MissingItem
from models.errors import SaveConflict, SignOffRefused, TransitionsError
from models.flags import EAL_PATH, HOME_LANGUAGES_PATH, derived_eal
from models.framework.definition import FieldDef, Guard, SectionDef
from models.framework.registry import get_framework
from models.readiness import Readiness, readiness, refusal_sentence, scope_words, signoff_path
from models.record import Record, SignOff, SignOffScope, Status, Unparsed
from models.roles import Permission, can
from models.signoff import derive_status, short_day, signoffs_covering, who
from models.validation import validate_value
from ui.conflict import ConflictDialog
from ui.fields import ChoiceField, FieldWidget, empty_to_none, ftr, make_field
from ui.geometry import FlowLayout, WrappingLabel
from ui.pdf_pages import PagePreview
from ui.service import RecordService, SpellingLike
from ui.spellcheck import SpellingSupport
from ui.style import color, hex_color
from ui.text_menu import TextTools
from ui.workers import run_in_background

MERGE_ID = 4242
MERGE_SECONDS = 4.0  # keystrokes further apart than this start a new undo step
AUTOSAVE_MS = 800
SHORT_SCOPE = {
    SignOffScope.RECORD: "Practitioner sign-off",
    SignOffScope.SEND: "SENCO review",
    SignOffScope.MANAGER: "Manager sign-off",
}
NAV_WIDTH = 270
SIDE_WIDTH = 260
CHARTER_KEY = "__charter__"  # the heading for charter items that belong to no section
PREVIEW_MS = 700  # the front sheet is drawn again this long after the last change
CHANGED_COLOUR = "#8a4b00"  # a sign-off whose content has changed since it was given
BUILD_PAUSE_MS = 15  # between slices of building the pages not visited yet
BUILD_SLICE_S = 0.008  # each slice makes rows for about this long


def tr(text: str) -> str:
    return QCoreApplication.translate("editor", text)


class SetValueCommand(QUndoCommand):
    """Set one field's value. Typing in the same place merges into one command."""

    def __init__(self, editor: RecordEditor, fd: FieldDef, old: Any, new: Any, token: str) -> None:
        super().__init__(tr("Edit “{label}”").format(label=ftr(fd.label)))
        self.editor = editor
        self.path = fd.path
        self.old = old
        self.new = new
        self.token = token
        self.at = time.monotonic()

    def id(self) -> int:
        return MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt override
        if not isinstance(other, SetValueCommand) or not self.token:
            return False
        if (
            other.path != self.path
            or other.token != self.token
            or other.at - self.at > MERGE_SECONDS
        ):
            return False
        self.new = other.new
        self.at = other.at
        if self.new == self.old:
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        self.editor.apply_value(self.path, self.new)

    def undo(self) -> None:
        self.editor.apply_value(self.path, self.old, reveal=True)


class FieldRow(QWidget):
    """Label (buddy of the field), plain-language help, the field, and an inline problem line."""

    def __init__(self, fd: FieldDef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fd = fd
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 4)
        lay.setSpacing(3)
        required = " *" if fd.required else ""
        self.label = QLabel(ftr(fd.label) + required, self)
        self.label.setObjectName("fieldLabel")
        self.label.setWordWrap(True)
        lay.addWidget(self.label)
        if fd.help:
            self.help = QLabel(ftr(fd.help), self)
            self.help.setObjectName("helpText")
            self.help.setWordWrap(True)
            lay.addWidget(self.help)
        self.field: FieldWidget = make_field(fd, self)
        lay.addWidget(self.field)
        self.label.setBuddy(self.field.focus_target())
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.error.setAccessibleName(tr("Problem with {label}").format(label=ftr(fd.label)))
        lay.addWidget(self.error)

    def show_problem(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.field.setAccessibleDescription(message or "")


class SectionPage(QScrollArea):
    """A scrollable page of one section's fields, grouped under their sub-headings."""

    def __init__(
        self, section: SectionDef, parent: QWidget | None = None, *, later: bool = False
    ) -> None:
        """With ``later`` the rows are made by :meth:`build_some` (a few at a time, while the
        person reads another section) and :meth:`finish`; otherwise all of them now."""
        super().__init__(parent)
        self.section = section
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget(self)
        inner.setObjectName("sectionPage")
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(24, 16, 24, 24)
        lay.setSpacing(6)
        title = QLabel(f"{section.number}. {ftr(section.title)}", inner)
        title.setObjectName("sectionTitle")
        lay.addWidget(title)
        if section.help:
            help_label = QLabel(ftr(section.help), inner)
            help_label.setObjectName("helpText")
            help_label.setWordWrap(True)
            lay.addWidget(help_label)
        self.rows: dict[str, FieldRow] = {}
        self._inner = inner
        self._layout = lay
        self._steps = self._make_rows()
        self.done = False
        if not later:
            self.finish()

    def _make_rows(self) -> Iterator[QWidget]:
        """Make the page's headings and rows one at a time, in order."""
        for group, fields in self.section.groups():
            if group:
                heading = QLabel(ftr(group), self._inner)
                heading.setObjectName("groupTitle")
                self._layout.addWidget(heading)
                yield heading
            for fd in fields:
                row = FieldRow(fd, self._inner)
                row.setMaximumWidth(760)
                self._layout.addWidget(row)
                self.rows[fd.path] = row
                yield row

    def build_some(self, seconds: float) -> bool:
        """Make rows for about ``seconds`` (at least one); True once every row is made."""
        if self.done:
            return True
        end = time.perf_counter() + seconds
        for widget in self._steps:
            widget.ensurePolished()  # styled now rather than when the page is first shown
            if time.perf_counter() >= end:
                return False
        self.finish()
        return True

    def finish(self) -> None:
        """Make the rows not made yet and put the page together."""
        if self.done:
            return
        for _widget in self._steps:
            pass
        self._layout.addStretch(1)
        self.setWidget(self._inner)
        self.done = True

    def add_widget(self, widget: QWidget) -> None:
        """Put ``widget`` at the end of the page (above the free space)."""
        self._layout.insertWidget(self._layout.count() - 1, widget)


class MessageBar(QFrame):
    """A calm, dismissable line above the form: permission refusals, conflicts, confirmations."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 6, 6, 6)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setAccessibleName(tr("Message"))
        self.close_button = QToolButton(self)
        self.close_button.setText(tr("Dismiss"))
        self.close_button.clicked.connect(self.hide)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.close_button)
        self.hide()

    def show_message(self, message: str, kind: str = "info") -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.text.setText(message)
        self.show()


def _holds_unparsed(value: Any) -> bool:
    if isinstance(value, Unparsed):
        return True
    return isinstance(value, tuple) and any(
        isinstance(item, dict) and any(isinstance(v, Unparsed) for v in item.values())
        for item in value
    )


def wrap_text(text: str, metrics: QFontMetrics, width: int) -> str:
    """Break ``text`` into lines that fit ``width`` pixels (item views' own wrapping elides
    unpredictably next to icons)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and metrics.horizontalAdvance(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    lines.append(line)
    return "\n".join(lines)


def _tick_icon(done: bool) -> QIcon:
    pix = QPixmap(16, 16)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if done:
        painter.setPen(QPen(color("ok"), 2.2))
        painter.drawPolyline([QPoint(3, 8), QPoint(7, 12), QPoint(13, 4)])
    else:
        painter.setPen(QPen(color("todo_icon"), 1.4))
        painter.drawEllipse(3, 3, 10, 10)
    painter.end()
    return QIcon(pix)


class RecordEditor(QWidget):
    """Edits one record through ``service``. Emits ``closed`` when the person goes back."""

    closed = Signal()
    export_requested = Signal()
    front_sheet_drawn = Signal()
    save_state_changed = Signal(str)
    record_saved = Signal(object)  # Record
    pictures_changed = Signal()

    def __init__(
        self,
        service: RecordService,
        record: Record,
        *,
        today: Callable[[], date] = date.today,
        charter: Any = None,
        preview: Any = None,
        spelling: SpellingLike | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``charter`` (a ``models.charter.Charter``, or None before one is imported) decides what
        stops the record; ``preview`` (a ``PreviewService``) draws the front sheet from the real
        export pipeline (without it there is no front sheet tab); ``spelling`` checks the text
        fields (without it there is no spell check)."""
        super().__init__(parent)
        self.setObjectName("recordEditor")
        self._service = service
        self._charter = charter
        self._preview = preview
        self._preview_serial = 0
        self._acknowledged: set[SignOffScope] = set()  # signed scopes the person chose to edit
        self._refusals: dict[SignOffScope, str | None] = {}
        self._refused_scope: SignOffScope | None = None
        self._readiness: Readiness | None = None
        self._record = record.copy()
        self._base = record.copy()  # as last loaded or saved: tells this person's changes apart
        self._today = today
        self._dirty = False
        self._applying = False
        self._framework = get_framework(record.framework_id, record.framework_version)
        self.undo_stack = QUndoStack(self)
        # The text fields' right-click menu and spell check (ui.text_menu finds it here).
        self.text_tools = TextTools(
            self.undo_stack, SpellingSupport(spelling, self) if spelling is not None else None
        )
        self._section_widgets: dict[str, list[Callable[[], QWidget]]] = {}
        self._section_keys = [s.key for s in self._framework.sections]
        self._stale: set[str] = set()  # built pages that still show the record loaded before
        self._building: dict[str, SectionPage] = {}  # pages being made while the window is idle
        self._build_timer = QTimer(self)
        self._build_timer.setSingleShot(True)
        self._build_timer.setInterval(BUILD_PAUSE_MS)
        self._build_timer.timeout.connect(self._build_ahead)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(AUTOSAVE_MS)
        self._save_timer.timeout.connect(self.flush)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self._refresh_summary)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_MS)
        self._preview_timer.timeout.connect(self._draw_front_sheet)

        self._build()
        self._load_refusals()
        self._refresh_summary()
        self._set_save_state(tr("Saved"))

    # --- layout ----------------------------------------------------------------------------------

    def _build(self) -> None:
        self.back_button = QPushButton(tr("← &All children"), self)
        self.back_button.setToolTip(
            tr("Back to the list of children (Ctrl+W). Your changes are saved.")
        )
        self.back_button.clicked.connect(self.close_editor)
        self.name_label = QLabel(self)
        self.name_label.setObjectName("childName")
        self.save_label = QLabel(self)
        self.save_label.setObjectName("saveState")
        self.save_label.setAccessibleName(tr("Save state"))
        self.status_label = WrappingLabel(self)  # every changed sign-off is named, never clipped
        self.status_label.setObjectName("statusLine")
        self.status_label.setTextFormat(Qt.TextFormat.RichText)

        self.ready_button = QPushButton(tr("Ready for re&view"), self)
        self.signoff_button = QPushButton(tr("Si&gn off"), self)
        self.send_button = QPushButton(tr("SEN&CO review of SEND section"), self)
        self.manager_button = QPushButton(tr("&Manager sign-off"), self)
        self.ready_button.clicked.connect(self.mark_ready)
        self.signoff_button.clicked.connect(lambda: self.sign_off(SignOffScope.RECORD))
        self.send_button.clicked.connect(lambda: self.sign_off(SignOffScope.SEND))
        self.manager_button.clicked.connect(lambda: self.sign_off(SignOffScope.MANAGER))
        self.export_button = QPushButton(tr("E&xport…"), self)
        self.export_button.setToolTip(tr("Preview, sign and export this record (Ctrl+E)"))
        self.export_button.clicked.connect(self.export_requested)

        row1 = FlowLayout()  # the buttons wrap under the name in a narrow window
        self._header_row = row1
        row1.addWidget(self.back_button)
        row1.addSpacing(12)
        row1.addWidget(self.name_label)
        row1.addStretch(1)
        for b in (
            self.ready_button,
            self.signoff_button,
            self.send_button,
            self.manager_button,
            self.export_button,
        ):
            row1.addWidget(b)
        row2 = QHBoxLayout()
        row2.addWidget(self.status_label, 1)
        row2.addWidget(self.save_label)

        header = QFrame(self)
        header.setObjectName("editorHeader")
        hl = QVBoxLayout(header)
        hl.setContentsMargins(12, 8, 12, 8)
        hl.setSpacing(4)
        hl.addLayout(row1)
        hl.addLayout(row2)

        self.message_bar = MessageBar(self)

        self.nav = QListWidget(self)
        self.nav.setObjectName("sectionNav")
        self.nav.setAccessibleName(tr("Sections"))
        self.nav.setIconSize(QSize(16, 16))
        self.nav.setSpacing(3)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setFixedWidth(NAV_WIDTH)
        self.pages = QStackedWidget(self)
        # Pages are built when first shown (a page per section, ~200 fields in all, would make
        # opening a record take a noticeable moment); rows and pages fill in as they are built.
        self.section_pages: dict[str, SectionPage] = {}
        self.rows: dict[str, FieldRow] = {}
        for section in self._framework.sections:
            title = f"{section.number}. {ftr(section.title)}"
            item = QListWidgetItem(wrap_text(title, self.nav.fontMetrics(), NAV_WIDTH - 46))
            item.setToolTip(title)
            item.setData(Qt.ItemDataRole.UserRole, section.key)
            self.nav.addItem(item)
            self.pages.addWidget(QWidget(self.pages))
        self.nav.setCurrentRow(0)
        self.nav.currentRowChanged.connect(self._section_changed)

        # The front sheet is the exported PDF's own first page, drawn by the export pipeline.
        self.front_sheet = PagePreview(self)
        self.front_sheet.setObjectName("frontSheet")
        self.front_sheet.setAccessibleName(tr("Front sheet preview"))
        self.front_sheet_note = QLabel(
            tr("The first page of the PDF the school will receive (unsigned preview)."), self
        )
        self.front_sheet_note.setObjectName("helpText")
        self.front_sheet_note.setWordWrap(True)
        sheet = QWidget(self)
        sheet_lay = QVBoxLayout(sheet)
        sheet_lay.setContentsMargins(8, 6, 8, 0)
        sheet_lay.addWidget(self.front_sheet_note)
        sheet_lay.addWidget(self.front_sheet, 1)
        self.front_sheet_text = ""  # the page's text, for tests and screen readers
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.pages, tr("Recor&d"))
        if self._preview is not None:
            self.tabs.addTab(sheet, tr("Front s&heet preview"))
        else:
            sheet.hide()
        self.tabs.currentChanged.connect(lambda _i: self._refresh_front_sheet())

        self.missing_title = QLabel(self)
        self.missing_title.setObjectName("panelTitle")
        self.missing = QTreeWidget(self)
        self.missing.setObjectName("missingList")
        self.missing.setAccessibleName(tr("What's missing"))
        self.missing.setHeaderHidden(True)
        self.missing.setWordWrap(False)
        self.missing.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.missing.setUniformRowHeights(False)
        self.missing.setIndentation(14)
        self.missing.setRootIsDecorated(False)
        self.missing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.missing.header().setStretchLastSection(True)
        self.missing_title.setBuddy(self.missing)
        self.charter_note = QLabel(self)
        self.charter_note.setObjectName("helpText")
        self.charter_note.setWordWrap(True)
        self.charter_note.setAccessibleName(tr("Charter"))
        self.all_done = QLabel(tr("Every required item is filled in."), self)
        self.all_done.setObjectName("allDone")
        self.all_done.setWordWrap(True)
        self.missing.itemActivated.connect(self._missing_activated)
        self.missing.itemClicked.connect(self._missing_activated)
        side = QWidget(self)
        sl = QVBoxLayout(side)
        sl.setContentsMargins(8, 8, 8, 8)
        sl.addWidget(self.missing_title)
        sl.addWidget(self.charter_note)
        sl.addWidget(self.all_done)
        sl.addWidget(self.missing, 1)
        sl.addStretch(0)
        side.setFixedWidth(SIDE_WIDTH)

        splitter = QSplitter(self)
        splitter.addWidget(self.nav)
        splitter.addWidget(self.tabs)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([NAV_WIDTH, 1366 - NAV_WIDTH - SIDE_WIDTH, SIDE_WIDTH])
        splitter.setChildrenCollapsible(False)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(header)
        lay.addWidget(self.message_bar)
        lay.addWidget(splitter, 1)
        self.setTabOrder(self.nav, self.tabs)
        self._page(self._framework.sections[0].key)
        self.pages.setCurrentIndex(0)

    def _page(self, key: str) -> SectionPage:
        """The section's page, built (or finished) and filled from the record the first time it
        is needed, and filled again the first time it is needed after another record is loaded."""
        page = self.section_pages.get(key)
        if page is not None:
            if key in self._stale:
                self._fill(page)
            return page
        index = self._section_keys.index(key)
        page = self._building.pop(key, None)
        if page is None:
            page = SectionPage(self._framework.sections[index], self.pages)
        else:
            page.finish()
        placeholder = self.pages.widget(index)
        current = self.pages.currentIndex()
        self.pages.insertWidget(index, page)
        if placeholder is not None:
            self.pages.removeWidget(placeholder)
            placeholder.deleteLater()
        self.pages.setCurrentIndex(current)
        self.section_pages[key] = page
        may_safeguard = can(self._service.user.role, Permission.SET_SAFEGUARDING)
        for path, row in page.rows.items():
            self.rows[path] = row
            row.field.edited.connect(
                lambda value, token, fd=row.fd: self._user_edit(fd, value, token)
            )
            row.field.left.connect(lambda row=row: self._validate(row, finished=True))
            if row.fd.guard == Guard.SAFEGUARDING and not may_safeguard:
                row.field.setEnabled(False)
                row.field.setToolTip(
                    tr("Only the designated safeguarding lead or a manager can change this.")
                )
        self._fill(page)
        for make in self._section_widgets.get(key, []):
            page.add_widget(make())
        return page

    def _fill(self, page: SectionPage) -> None:
        """Show the record's values and problems in the page's fields (signals blocked)."""
        self._stale.discard(page.section.key)
        self._applying = True
        try:
            for path, row in page.rows.items():
                row.field.set_value(self._record.entered(path))
        finally:
            self._applying = False
        for row in page.rows.values():
            self._validate(row, finished=True)
        if EAL_PATH in page.rows:
            self._show_derived_eal()

    def _build_ahead(self) -> None:
        """Make the pages not visited yet, a slice at a time while the window is idle, so the
        first visit to a section only fills it. A key press or click waits for one slice at most."""
        if self.isVisible() and self.make_pages_ahead():
            self._build_timer.start()

    # --- public ----------------------------------------------------------------------------------

    @property
    def service(self) -> RecordService:
        return self._service

    def set_service(self, service: RecordService) -> None:
        """Use a new session (after unlocking or switching user)."""
        self._service = service
        self._load_refusals()
        self._refresh_buttons()

    def load_record(self, record: Record) -> None:
        """Show ``record`` in place of the one shown, as a new editor would show it, reusing the
        pages already built: their fields are filled with signals blocked, so loading is not
        editing. The record must use the same framework (its pages are the same)."""
        if (record.framework_id, record.framework_version) != (
            self._framework.id,
            self._framework.version,
        ):
            raise ValueError("load_record needs a record of the editor's framework")
        self.park()
        self.undo_stack.clear()
        self._acknowledged = set()
        self._refused_scope = None
        self._readiness = None
        self._record = record.copy()
        self._base = record.copy()
        self.message_bar.hide()
        self.front_sheet.clear()
        self.front_sheet_text = ""
        self._stale = set(self.section_pages)  # each page is filled when it is next needed
        self._page(self._section_keys[0])
        with QSignalBlocker(self.nav):
            self.nav.setCurrentRow(0)
        self.pages.setCurrentIndex(0)
        for page in self.section_pages.values():
            page.verticalScrollBar().setValue(0)
        with QSignalBlocker(self.tabs):
            self.tabs.setCurrentIndex(0)
        self._refresh_summary()
        self._set_save_state(tr("Saved"))
        self.pictures_changed.emit()

    def make_pages_ahead(self) -> bool:
        """Make one slice (about 8 ms) of the pages not visited yet; False once all are made.
        The editor does this itself while shown; the window calls it while the editor waits,
        hidden, for the next record."""
        key = next((k for k in self._section_keys if k not in self.section_pages), None)
        if key is None:
            return False
        page = self._building.get(key)
        if page is None:
            index = self._section_keys.index(key)
            page = SectionPage(self._framework.sections[index], self.pages, later=True)
            page.hide()
            self._building[key] = page
        elif page.build_some(BUILD_SLICE_S):
            self._page(key)
        return True

    def park(self) -> None:
        """Stop the save, summary, preview and page-making timers and drop a preview being drawn:
        the editor is hidden until :meth:`load_record` (unsaved edits are the caller's to flush
        first). Showing it again starts making pages again."""
        for timer in (
            self._save_timer,
            self._refresh_timer,
            self._preview_timer,
            self._build_timer,
        ):
            timer.stop()
        self._preview_serial += 1
        self._dirty = False

    def set_charter(self, charter: Any) -> None:
        """Judge the record under ``charter`` (None: the framework's rules alone)."""
        self._charter = charter
        self._refresh_summary()

    def add_header_widget(self, widget: QWidget) -> None:
        """Add a button (or other widget) to the header, before Export."""
        self._header_row.insertWidget(self._header_row.indexOf(self.export_button), widget)

    def add_section_widget(self, key: str, make: Callable[[], QWidget]) -> None:
        """Add the widget ``make()`` builds to the end of a section's page (now, or when the page
        is first built)."""
        self._section_widgets.setdefault(key, []).append(make)
        page = self.section_pages.get(key)
        if page is not None:
            page.add_widget(make())

    def pictures(self) -> tuple[Any, ...]:
        return self._record.pictures

    def set_pictures(self, pictures: tuple[Any, ...]) -> None:
        """Replace the record's pictures (the pictures panel's undo commands call this); saved
        like any edit."""
        self._record.pictures = tuple(pictures)
        self._dirty = True
        self._set_save_state(tr("Saving…"))
        self._save_timer.start()
        self.pictures_changed.emit()

    def readiness(self) -> Readiness:
        """What stops this record now (the same answer export and the dashboard give)."""
        if self._readiness is None:
            self._readiness = readiness(self._record, self._charter, self._today())
        return self._readiness

    def record(self) -> Record:
        return self._record.copy()

    @property
    def record_id(self) -> str:
        return self._record.id

    def is_dirty(self) -> bool:
        return self._dirty

    def current_section(self) -> str:
        item = self.nav.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def show_section(self, key: str) -> None:
        for i in range(self.nav.count()):
            if self.nav.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(i)
                return

    def field_widget(self, path: str) -> FieldWidget:
        return self.row(path).field

    def row(self, path: str) -> FieldRow:
        self._page(path.split(".")[0])
        return self.rows[path]

    def go_to_field(self, path: str) -> None:
        """Show the field's section, scroll to it and put the cursor in it."""
        if not self._framework.has_field(path):
            return
        row = self.row(path)
        self.tabs.setCurrentIndex(0)
        self.show_section(path.split(".")[0])
        page = self.section_pages[path.split(".")[0]]
        page.ensureWidgetVisible(row, 0, 60)
        target = row.field.focus_target()
        if isinstance(target, QPlainTextEdit):
            target.moveCursor(QTextCursor.MoveOperation.End)  # carry on writing where the text ends
        elif isinstance(target, QLineEdit):
            target.end(False)
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def flush(self) -> bool:
        """Save now if anything changed. Returns False when the save was refused."""
        self._save_timer.stop()
        if not self._dirty:
            return True
        self._set_save_state(tr("Saving…"))
        before = self._record.status
        try:
            saved = self._service.save(self._record.copy())
        except SaveConflict:
            return self._resolve_conflict()
        except TransitionsError as exc:
            self._set_save_state(tr("Not saved"))
            self.message_bar.show_message(
                tr("Your change was not saved: {reason}").format(reason=exc), "warning"
            )
            return False
        self._dirty = False
        self._base = self._record.copy()
        self._adopt(saved)
        if before == Status.EXPORTED and saved.status == Status.CHANGED_AFTER_EXPORT:
            self.message_bar.show_message(
                tr(
                    "This record was exported before this change. Export it again so the school has "
                    "the latest version."
                ),
                "info",
            )
        self._set_save_state(tr("Saved"))
        return True

    def close_editor(self) -> None:
        self.flush()
        self.closed.emit()

    def mark_ready(self) -> None:
        if not self.flush():
            return
        self._record.status = Status.READY_FOR_REVIEW
        self._dirty = True
        if not self.flush():
            return
        if self._record.status == Status.READY_FOR_REVIEW:
            self.message_bar.show_message(tr("Marked ready for review."), "info")
        else:
            self.message_bar.show_message(
                tr("This record is already {status}; change something to re-open it.").format(
                    status=tr(self._record.status.label).lower()
                ),
                "info",
            )

    def sign_off(self, scope: SignOffScope) -> None:
        """Give a sign-off. The service refuses a role that may not (the button is disabled, with
        the reason as its tooltip) and content that is not complete (listed here)."""
        if not self.flush():
            return
        try:
            saved = self._service.sign_off(self._record.id, scope.value)
        except SignOffRefused as exc:
            self._refused_scope = scope
            self._show_refusal(str(exc), exc.items)
            return
        except TransitionsError as exc:
            self.message_bar.show_message(str(exc), "warning")
            return
        self._refused_scope = None
        self._adopt(saved)
        self.message_bar.show_message(tr("{what} recorded.").format(what=tr(scope.label)), "info")

    def _show_refusal(self, sentence: str, items: Iterable[object]) -> None:
        lines = [f"• {getattr(m, 'message', m)}" for m in items]
        self.message_bar.show_message("\n".join([sentence, *lines]), "warning")

    def _follow_refusal(self) -> None:
        """A refusal on screen follows the record: it lists what still stops that sign-off, and
        says so when nothing does any more, instead of naming problems already put right."""
        scope = self._refused_scope
        if scope is None or not self.message_bar.isVisible():
            self._refused_scope = None
            return
        stopping = self.readiness().stopping(scope)
        if stopping:
            self._show_refusal(refusal_sentence(scope, stopping), stopping)
        else:
            self._refused_scope = None
            self.message_bar.show_message(
                tr("Nothing stops the {what} now: you can give it.").format(
                    what=scope_words(scope)
                ),
                "info",
            )

    # --- editing ---------------------------------------------------------------------------------

    def _user_edit(self, fd: FieldDef, value: Any, token: str) -> None:
        if self._applying:
            return
        old = self._record.entered(fd.path)
        new = empty_to_none(value)
        if old == new:
            return
        if not self._may_change_signed(fd):
            row = self.rows.get(fd.path)
            if row is not None:  # leave it as it was signed
                self._applying = True
                try:
                    row.field.set_value(old)
                finally:
                    self._applying = False
            return
        self.undo_stack.push(SetValueCommand(self, fd, old, new, token))

    def _may_change_signed(self, fd: FieldDef) -> bool:
        """Before the first edit of content someone has signed off, say once, calmly, whose
        sign-off the change will need again, and let the person continue or leave it."""
        needed = [
            s for s in signoffs_covering(self._record, fd.path) if s.scope not in self._acknowledged
        ]
        if not needed:
            return True
        if self._ask_before_changing(fd, needed):
            self._acknowledged |= {s.scope for s in needed}
            return True
        return False

    def _ask_before_changing(self, fd: FieldDef, needed: list[SignOff]) -> bool:
        names = [who(s) for s in needed]
        people = names[0] if len(names) == 1 else ", ".join(names[:-1]) + tr(" and ") + names[-1]
        box = QMessageBox(self)
        box.setObjectName("signedEditNotice")
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(tr("Signed-off content"))
        box.setText(
            tr(
                "This part of the record is signed off. Changing it will need the sign-off of {people} again."
            ).format(people=people)
        )
        box.setInformativeText(
            tr(
                "Until then the record shows “changed since signed off” and cannot be exported. "
                "Undo (Ctrl+Z) back to what was signed and the sign-off counts again."
            )
        )
        go_on = box.addButton(tr("&Continue editing"), QMessageBox.ButtonRole.AcceptRole)
        leave = box.addButton(tr("&Leave it"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(go_on)
        box.setEscapeButton(leave)
        focus = QApplication.focusWidget()
        box.exec()
        if focus is not None and shiboken6.isValid(focus):
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        return box.clickedButton() is go_on

    def apply_value(self, path: str, value: Any, *, reveal: bool = False) -> None:
        """Put ``value`` into the record and its widget (used by undo commands)."""
        self._applying = True
        try:
            self._record.set(path, value)
            row = self.rows.get(path)  # None while its page has not been built
            if row is not None:
                if row.field.value() != value:
                    row.field.set_value(value)
                self._validate(row, finished=reveal)
            if path == HOME_LANGUAGES_PATH:
                self._show_derived_eal()
            if reveal:
                self.go_to_field(path)
        finally:
            self._applying = False
        self._readiness = None
        self._dirty = True
        self._set_save_state(tr("Saving…"))
        self._save_timer.start()
        self._refresh_timer.start()
        self.name_label.setText(self._record.display_name)

    def _validate(self, row: FieldRow, *, finished: bool = False) -> None:
        """Show the field's problem. Text still being typed (a date not finished yet) is named
        once the person leaves the field, not at every keystroke."""
        entered = self._record.entered(row.fd.path)
        focus = QApplication.focusWidget()
        typing = focus is not None and (focus is row or row.isAncestorOf(focus))
        if not finished and typing and _holds_unparsed(entered):
            return
        row.show_problem(validate_value(row.fd, entered, today=self._today()))

    def _show_derived_eal(self) -> None:
        """The EAL box shows what the home languages say until a person chooses for the child."""
        row = self.rows.get(EAL_PATH)
        if row is None or not isinstance(row.field, ChoiceField):
            return
        derived = derived_eal(self._record)
        text = {
            "yes": tr("Yes (from the home languages)"),
            "no": tr("No (from the home languages)"),
        }.get(derived or "", "")
        row.field.set_empty_text(text)

    def _resolve_conflict(self) -> bool:
        """Someone else saved this record meanwhile: show both versions, let the person choose
        field by field, then save the choice on top of their version. Nothing is discarded."""
        try:
            theirs = self._service.load(self._record.id)  # the session now holds their version
        except TransitionsError as exc:
            self._set_save_state(tr("Not saved"))
            self.message_bar.show_message(
                tr("Your change was not saved: {reason}").format(reason=exc), "warning"
            )
            return False
        mine_changed = {
            fd.path
            for fd in get_framework(
                self._record.framework_id, self._record.framework_version
            ).iter_fields()
            if self._record.get(fd.path) != self._base.get(fd.path)
        }
        dialog = ConflictDialog(self._record, theirs, self, mine_changed=mine_changed)
        dialog.exec()
        keep_mine = dialog.keep_mine()
        for path in dialog.paths:
            if path not in keep_mine:
                self.apply_value(path, theirs.get(path))
                self._record.provenance.pop(path, None)
                if path in theirs.provenance:
                    self._record.provenance[path] = theirs.provenance[path]
        if self._record.pictures == self._base.pictures:  # only they changed the pictures
            self.set_pictures(theirs.pictures)
        self._record.family_returns = theirs.family_returns
        self._record.status = theirs.status
        self._record.signoffs = list(theirs.signoffs)
        self._record.export_version = theirs.export_version
        self._dirty = True
        saved = self.flush()
        if saved:
            self.message_bar.show_message(
                tr("Saved with your choices; the other person's changes you kept are in the form."),
                "info",
            )
        return saved

    def adopt(self, saved: Record) -> None:
        """Take the status and sign-offs of the stored record (after an export elsewhere)."""
        self._adopt(saved)

    def _adopt(self, saved: Record) -> None:
        """Take the status, sign-offs and timestamps the service returned (values are ours)."""
        self._record.status = saved.status
        self._record.signoffs = list(saved.signoffs)
        self._record.updated = saved.updated
        self._record.export_version = saved.export_version
        self._record.exported_digest = saved.exported_digest
        self._readiness = None
        self._refresh_summary()
        self.record_saved.emit(self._record.copy())

    # --- display ---------------------------------------------------------------------------------

    def _set_save_state(self, text: str) -> None:
        self.save_label.setText(text)
        self.save_state_changed.emit(text)

    def save_state(self) -> str:
        return self.save_label.text()

    def _load_refusals(self) -> None:
        """Which sign-offs this user's role may not give, with the sentence saying who can."""
        ask = getattr(self._service, "sign_off_refusal", None)
        self._refusals = {
            scope: (ask(scope.value) if ask is not None else None) for scope in SignOffScope
        }

    def _signoff_buttons(self) -> dict[SignOffScope, QPushButton]:
        return {
            SignOffScope.RECORD: self.signoff_button,
            SignOffScope.SEND: self.send_button,
            SignOffScope.MANAGER: self.manager_button,
        }

    def _refresh_buttons(self) -> None:
        ready = self.readiness()
        for scope, button in self._signoff_buttons().items():
            refusal = self._refusals.get(scope)
            button.setEnabled(refusal is None)
            if refusal is not None:
                button.setToolTip(refusal)
                continue
            stopping = ready.stopping(scope)
            state = ready.state(scope)
            if stopping:
                tip = tr(
                    "{n} item(s) to see to first; they are listed under What's missing."
                ).format(n=len(stopping))
            elif state is not None and state.valid:
                tip = tr("{state}. Signing again binds it to the record as it is now.").format(
                    state=state.describe()
                )
            else:
                tip = tr("Give the {what} for the record as it is now.").format(
                    what=tr(scope.label)
                )
            button.setToolTip(tip)

    def _refresh_header(self) -> None:
        r = self._record
        self.name_label.setText(r.display_name)
        parts = [f"<b>{html.escape(tr(r.status.label))}</b>"]
        for state in self.readiness().signoffs:
            s = state.signoff
            if s.history:
                continue
            if state.valid:
                parts.append(
                    html.escape(
                        tr("{what}: {name} ({role}), {day}").format(
                            what=tr(SHORT_SCOPE[s.scope]),
                            name=s.name,
                            role=s.role.label,
                            day=f"{s.signed_on.day} {s.signed_on:%b %Y}",
                        )
                    )
                )
            else:
                text = tr("{what}: changed since signed off by {who}, {day}").format(
                    what=tr(SHORT_SCOPE[s.scope]), who=who(s), day=short_day(s.signed_on)
                )
                parts.append(f"<span style='color:{CHANGED_COLOUR}'>{html.escape(text)}</span>")
        if len(parts) == 1:
            parts.append(html.escape(tr("No sign-offs yet")))
        self.status_label.setText(" · ".join(parts))
        self.status_label.setAccessibleDescription(self.status_label.text())

    def _refresh_summary(self) -> None:
        """Everything that reads the readiness, worked out again: the status, the header, the
        section ticks, What's missing, the sign-off buttons and the front sheet."""
        self._readiness = None
        self._record.status = derive_status(self._record)
        ready = self.readiness()
        for i in range(self.nav.count()):
            nav_item = self.nav.item(i)
            key = nav_item.data(Qt.ItemDataRole.UserRole)
            waiting = ready.in_section(key)
            nav_item.setIcon(_tick_icon(not waiting))
            nav_item.setData(Qt.ItemDataRole.UserRole + 1, len(waiting))
            nav_item.setToolTip(
                tr("Complete")
                if not waiting
                else tr("{n} item(s) to see to").format(n=len(waiting))
            )
        items = self._missing_items()
        self.missing.clear()
        self.missing_title.setText(
            tr("&What's missing ({n})").format(n=len(items)) if items else tr("&What's missing")
        )
        self.charter_note.setText(
            tr("No charter imported: showing the framework's rules.")
            if self._charter is None
            else tr("Includes what the charter needs before export.")
        )
        self.all_done.setText(
            tr("Nothing missing: every required item is filled in and signed off.")
            if self._charter is None
            else tr("Nothing missing: this record may be exported.")
        )
        self.all_done.setVisible(not items)
        self.missing.setVisible(bool(items))
        section_titles = {s.key: f"{s.number}. {ftr(s.title)}" for s in self._framework.sections}
        section_titles[CHARTER_KEY] = tr("Charter: before export")
        heads: dict[str, QTreeWidgetItem] = {}
        metrics = self.missing.fontMetrics()
        for m in items:
            key = m.section_key if m.section_key in section_titles else CHARTER_KEY
            head = heads.get(key)
            if head is None:
                head = QTreeWidgetItem([wrap_text(section_titles[key], metrics, SIDE_WIDTH - 60)])
                head.setData(0, Qt.ItemDataRole.UserRole + 1, key)
                font = QFont(head.font(0))
                font.setBold(True)
                head.setFont(0, font)
                head.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.missing.addTopLevelItem(head)
                heads[key] = head
            text, colour = self._item_text(m, ready)
            item = QTreeWidgetItem([wrap_text(text, metrics, SIDE_WIDTH - 74)])
            item.setData(0, Qt.ItemDataRole.UserRole, m.path)
            item.setToolTip(0, m.reason)
            if colour:
                item.setForeground(0, QColor(colour))
            head.addChild(item)
        self.missing.expandAll()
        self._refresh_header()
        self._refresh_buttons()
        self._follow_refusal()
        self._refresh_front_sheet(later=True)

    @staticmethod
    def _item_text(m: MissingItem, ready: Readiness) -> tuple[str, str]:
        """How an item reads in the panel, and its colour ("" for the usual one)."""
        label = ftr(m.label)
        if m.kind == ItemKind.PROBLEM:
            return f"{label}: {m.reason}", hex_color("error")
        if m.kind == ItemKind.SIGNOFF:
            state = next((st for st in ready.changed() if signoff_path(st.scope) == m.path), None)
            if state is not None:
                s = state.signoff
                return tr("{label}: changed since signed off by {who}, {day}").format(
                    label=label, who=who(s), day=short_day(s.signed_on)
                ), CHANGED_COLOUR
        if m.source == "charter":
            return tr("{label} (charter)").format(label=label), ""
        return label, ""

    def _missing_items(self) -> list[MissingItem]:
        """What stops the record, with items of the same section kept together in framework
        order (the charter's own items first)."""
        order = {s.key: i for i, s in enumerate(self._framework.sections)}
        return sorted(self.readiness().items, key=lambda m: order.get(m.section_key, -1))

    def _refresh_front_sheet(self, *, later: bool = False) -> None:
        if self._preview is None or self.tabs.currentIndex() != 1:
            return
        if later:
            self._preview_timer.start()
        else:
            self._draw_front_sheet()

    def _draw_front_sheet(self) -> None:
        """Draw the exported PDF's first page for the record as it is now, off the UI thread."""
        if self._preview is None:
            return
        self._preview_serial += 1
        serial = self._preview_serial
        record = self._record.copy()
        note = self._charter.export.handling_note if self._charter is not None else ""
        preview = self._preview
        width = max(self.front_sheet.viewport().width(), 560) - 40
        scale = max(0.8, min(width / 595.0, 1.6))  # an A4 page is 595 points wide
        if not self.front_sheet.page_count():
            self.front_sheet.set_message(tr("Drawing the front sheet…"))

        def work() -> Any:
            return preview.front_sheet(record, handling_note=note, scale=scale)

        def done(result: Any) -> None:
            if serial != self._preview_serial:
                return
            image, text = result
            self.front_sheet_text = text
            self.front_sheet.set_pages([image])
            self.front_sheet.setAccessibleDescription(text)
            self.front_sheet_drawn.emit()

        def failed(exc: BaseException) -> None:
            if serial == self._preview_serial:
                self.front_sheet.set_message(str(exc))

        run_in_background(work, done, failed, owner=self)

    def _section_changed(self, row: int) -> None:
        self.flush()
        if 0 <= row < len(self._framework.sections):
            page = self._page(self._framework.sections[row].key)
            self.pages.setCurrentIndex(row)
            page.verticalScrollBar().setValue(0)  # the section's title in view
            if page.rows:
                first = next(iter(page.rows.values())).field.focus_target()
                first.setFocus(Qt.FocusReason.OtherFocusReason)

    def _missing_groups(self) -> Iterator[list[QTreeWidgetItem]]:
        """The items under each heading of "What's missing", heading by heading."""
        for i in range(self.missing.topLevelItemCount()):
            head = self.missing.topLevelItem(i)
            if head is not None:
                yield [c for j in range(head.childCount()) if (c := head.child(j)) is not None]

    def missing_paths(self) -> list[str]:
        """The field paths listed under "What's missing", in order."""
        out = []
        for group in self._missing_groups():
            out += [
                str(item.data(0, Qt.ItemDataRole.UserRole))
                for item in group
                if item.data(0, Qt.ItemDataRole.UserRole)
            ]
        return out

    def missing_labels(self) -> list[str]:
        """Every item's text under "What's missing" (charter items too), in order."""
        out = []
        for group in self._missing_groups():
            out += [item.text(0).replace("\n", " ") for item in group]
        return out

    def missing_item(self, path: str) -> QTreeWidgetItem | None:
        for group in self._missing_groups():
            for item in group:
                if item.data(0, Qt.ItemDataRole.UserRole) == path:
                    return item
        return None

    def _missing_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        path = str(item.data(0, Qt.ItemDataRole.UserRole) or "")
        if self._framework.has_field(path):
            self.go_to_field(path)
        elif path in {s.key for s in self._framework.sections}:
            self.tabs.setCurrentIndex(0)
            self.show_section(path)
        else:
            for scope, button in self._signoff_buttons().items():
                if path == signoff_path(scope):
                    button.setFocus(Qt.FocusReason.OtherFocusReason)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._build_timer.start()  # the pages not visited yet, while the person reads this one

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1280, 700)
