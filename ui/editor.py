"""The record editor: one page per framework section, generated from the definition.

Edits go through a QUndoStack (one command per action, typing merged per field) and are saved
through the service shortly after the person pauses, on section change, on close and before the
window locks. There is no Save button.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QPainter,
    QPen,
    QPixmap,
    QTextCursor,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.completeness import MissingItem, missing_items, section_completeness
from models.errors import SaveConflict, TransitionsError
from models.flags import derive_flags
from models.framework.definition import FieldDef, Guard, SectionDef
from models.framework.registry import get_framework
from models.record import Record, SignOffScope, Status
from models.roles import Permission, can
from models.validation import validate_value
from ui.conflict import ConflictDialog
from ui.fields import FieldWidget, empty_to_none, ftr, make_field
from ui.service import RecordService

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

MissingFor = Callable[[Record], list[MissingItem]]


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

    def __init__(self, section: SectionDef, parent: QWidget | None = None) -> None:
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
        for group, fields in section.groups():
            if group:
                heading = QLabel(ftr(group), inner)
                heading.setObjectName("groupTitle")
                lay.addWidget(heading)
            for fd in fields:
                row = FieldRow(fd, inner)
                row.setMaximumWidth(760)
                lay.addWidget(row)
                self.rows[fd.path] = row
        lay.addStretch(1)
        self._layout = lay
        self.setWidget(inner)

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


def front_sheet_html(record: Record) -> str:
    """The Reception teacher's first page as simple HTML."""
    fw = get_framework(record.framework_id, record.framework_version)
    esc = html.escape
    parts = [f"<h2>{esc(record.display_name)}</h2>"]
    school = record.get("child.school_name")
    if school:
        parts.append(f"<p class='sub'>{esc(tr('Starting at'))} {esc(str(school))}</p>")
    badges = derive_flags(record).badges()
    if badges:
        parts.append(
            "<p>"
            + " ".join(f"<span class='badge'>&nbsp;{esc(b)}&nbsp;</span>" for b in badges)
            + "</p>"
        )
    else:
        parts.append(f"<p class='sub'>{esc(tr('No flags.'))}</p>")
    for fd in fw.section("summary").fields:
        value = record.get(fd.path)
        text = (
            esc(str(value)).replace("\n", "<br>")
            if value
            else f"<i>{esc(tr('Not written yet.'))}</i>"
        )
        parts.append(f"<h3>{esc(ftr(fd.label))}</h3><p>{text}</p>")
    return "".join(parts)


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
        painter.setPen(QPen(QColor("#1e6b3a"), 2.2))
        painter.drawPolyline([QPoint(3, 8), QPoint(7, 12), QPoint(13, 4)])
    else:
        painter.setPen(QPen(QColor("#8a96a3"), 1.4))
        painter.drawEllipse(3, 3, 10, 10)
    painter.end()
    return QIcon(pix)


class RecordEditor(QWidget):
    """Edits one record through ``service``. Emits ``closed`` when the person goes back."""

    closed = Signal()
    export_requested = Signal()
    save_state_changed = Signal(str)
    record_saved = Signal(object)  # Record
    pictures_changed = Signal()

    def __init__(
        self,
        service: RecordService,
        record: Record,
        *,
        today: Callable[[], date] = date.today,
        missing_for: MissingFor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("recordEditor")
        self._service = service
        self._missing_for = missing_for
        self._record = record.copy()
        self._base = record.copy()  # as last loaded or saved: tells this person's changes apart
        self._today = today
        self._dirty = False
        self._applying = False
        self._framework = get_framework(record.framework_id, record.framework_version)
        self.undo_stack = QUndoStack(self)
        self._section_widgets: dict[str, list[Callable[[], QWidget]]] = {}

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(AUTOSAVE_MS)
        self._save_timer.timeout.connect(self.flush)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self._refresh_summary)

        self._build()
        self._refresh_header()
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
        self.status_label = QLabel(self)
        self.status_label.setObjectName("statusLine")
        self.status_label.setWordWrap(True)
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

        row1 = QHBoxLayout()
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

        self.front_sheet = QTextBrowser(self)
        self.front_sheet.setObjectName("frontSheet")
        self.front_sheet.setAccessibleName(tr("Front sheet preview"))
        self.front_sheet.document().setDefaultStyleSheet(
            "h2 { font-size: 18pt; } h3 { color: #1f3b57; margin-top: 12px; }"
            " .sub { color: #56606b; } .badge { background: #e8eef5; color: #1f3b57; }"
        )
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.pages, tr("Recor&d"))
        self.tabs.addTab(self.front_sheet, tr("Front s&heet preview"))
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
        """The section's page, built and filled from the record the first time it is needed."""
        page = self.section_pages.get(key)
        if page is not None:
            return page
        index = [s.key for s in self._framework.sections].index(key)
        page = SectionPage(self._framework.sections[index], self.pages)
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
            row.field.set_value(self._record.get(path))
            self._validate(row)
            row.field.edited.connect(
                lambda value, token, fd=row.fd: self._user_edit(fd, value, token)
            )
            if row.fd.guard == Guard.SAFEGUARDING and not may_safeguard:
                row.field.setEnabled(False)
                row.field.setToolTip(
                    tr("Only the designated safeguarding lead or a manager can change this.")
                )
        for make in self._section_widgets.get(key, []):
            page.add_widget(make())
        return page

    # --- public ----------------------------------------------------------------------------------

    @property
    def service(self) -> RecordService:
        return self._service

    def set_service(self, service: RecordService) -> None:
        """Use a new session (after unlocking or switching user)."""
        self._service = service

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

    def set_missing_for(self, missing_for: MissingFor | None) -> None:
        """List what ``missing_for(record)`` gives (the charter's rules), or the framework's
        required items when None."""
        self._missing_for = missing_for
        self._refresh_summary()

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
        if before == Status.SIGNED_OFF and saved.status == Status.DRAFT:
            self.message_bar.show_message(
                tr(
                    "This record had been signed off. Your change has re-opened it as a draft; "
                    "it needs signing off again."
                ),
                "info",
            )
        elif before == Status.EXPORTED and saved.status == Status.CHANGED_AFTER_EXPORT:
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
        if not self.flush():
            return
        try:
            saved = self._service.sign_off(self._record.id, scope.value)
        except TransitionsError as exc:
            self.message_bar.show_message(str(exc), "warning")
            return
        self._adopt(saved)
        self.message_bar.show_message(tr("{what} recorded.").format(what=tr(scope.label)), "info")

    # --- editing ---------------------------------------------------------------------------------

    def _user_edit(self, fd: FieldDef, value: Any, token: str) -> None:
        if self._applying:
            return
        old = self._record.get(fd.path)
        new = empty_to_none(value)
        if old == new:
            return
        self.undo_stack.push(SetValueCommand(self, fd, old, new, token))

    def apply_value(self, path: str, value: Any, *, reveal: bool = False) -> None:
        """Put ``value`` into the record and its widget (used by undo commands)."""
        self._applying = True
        try:
            self._record.set(path, value)
            row = self.rows.get(path)  # None while its page has not been built
            if row is not None:
                if row.field.value() != value:
                    row.field.set_value(value)
                self._validate(row)
            if reveal:
                self.go_to_field(path)
        finally:
            self._applying = False
        self._dirty = True
        self._set_save_state(tr("Saving…"))
        self._save_timer.start()
        self._refresh_timer.start()
        self.name_label.setText(self._record.display_name)

    def _validate(self, row: FieldRow) -> None:
        row.show_problem(validate_value(row.fd, self._record.get(row.fd.path), today=self._today()))

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
            for fd in get_framework(self._record.framework_id, self._record.framework_version).iter_fields()
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
                tr("Saved with your choices; the other person's changes you kept are in the form."), "info"
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
        self._refresh_header()
        self.record_saved.emit(self._record.copy())

    # --- display ---------------------------------------------------------------------------------

    def _set_save_state(self, text: str) -> None:
        self.save_label.setText(text)
        self.save_state_changed.emit(text)

    def save_state(self) -> str:
        return self.save_label.text()

    def _refresh_header(self) -> None:
        r = self._record
        self.name_label.setText(r.display_name)
        parts = [f"<b>{html.escape(tr(r.status.label))}</b>"]
        for s in r.signoffs:
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
        if not r.signoffs:
            parts.append(html.escape(tr("No sign-offs yet")))
        self.status_label.setText(" · ".join(parts))

    def _refresh_summary(self) -> None:
        done = section_completeness(self._record)
        for i in range(self.nav.count()):
            item = self.nav.item(i)
            key = item.data(Qt.ItemDataRole.UserRole)
            share = done.get(key, 1.0)
            item.setIcon(_tick_icon(share >= 1.0))
            item.setToolTip(
                tr("Complete")
                if share >= 1.0
                else tr("{p}% of required items filled").format(p=round(share * 100))
            )
        items = self._missing_items()
        self.missing.clear()
        self.missing_title.setText(
            tr("&What's missing ({n})").format(n=len(items)) if items else tr("&What's missing")
        )
        self.charter_note.setText(
            tr("No charter imported: showing the framework's required items.")
            if self._missing_for is None
            else tr("Includes what the charter needs before export.")
        )
        self.all_done.setText(
            tr("Every required item is filled in.")
            if self._missing_for is None
            else tr("Nothing missing: this record may be exported.")
        )
        self.all_done.setVisible(not items)
        self.missing.setVisible(bool(items))
        section_titles = {s.key: f"{s.number}. {ftr(s.title)}" for s in self._framework.sections}
        section_titles[CHARTER_KEY] = tr("Charter: before export")
        heads: dict[str, QTreeWidgetItem] = {}
        for m in items:
            key = m.section_key if m.section_key in section_titles else CHARTER_KEY
            head = heads.get(key)
            if head is None:
                head = QTreeWidgetItem(
                    [wrap_text(section_titles[key], self.missing.fontMetrics(), SIDE_WIDTH - 60)]
                )
                head.setData(0, Qt.ItemDataRole.UserRole + 1, key)
                font = QFont(head.font(0))
                font.setBold(True)
                head.setFont(0, font)
                head.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.missing.addTopLevelItem(head)
                heads[key] = head
            label = ftr(m.label)
            if m.source == "charter":
                label = tr("{label} (charter)").format(label=label)
            item = QTreeWidgetItem([wrap_text(label, self.missing.fontMetrics(), SIDE_WIDTH - 74)])
            item.setData(0, Qt.ItemDataRole.UserRole, m.path)
            item.setToolTip(0, m.reason)
            head.addChild(item)
        self.missing.expandAll()
        if self.tabs.currentIndex() == 1:
            self._refresh_front_sheet()

    def _missing_items(self) -> list[MissingItem]:
        """The framework's required items, or the charter's (which include them), with items of
        the same section kept together in framework order."""
        if self._missing_for is None:
            return missing_items(self._record)
        try:
            items = self._missing_for(self._record.copy())
        except TransitionsError:
            return missing_items(self._record)
        order = {s.key: i for i, s in enumerate(self._framework.sections)}
        return sorted(items, key=lambda m: order.get(m.section_key, len(order)))

    def _refresh_front_sheet(self) -> None:
        if self.tabs.currentIndex() == 1:
            self.front_sheet.setHtml(front_sheet_html(self._record))

    def _section_changed(self, row: int) -> None:
        self.flush()
        if 0 <= row < len(self._framework.sections):
            self._page(self._framework.sections[row].key)
            self.pages.setCurrentIndex(row)

    def missing_paths(self) -> list[str]:
        """The field paths listed under "What's missing", in order."""
        out = []
        for i in range(self.missing.topLevelItemCount()):
            head = self.missing.topLevelItem(i)
            out += [
                str(head.child(j).data(0, Qt.ItemDataRole.UserRole))
                for j in range(head.childCount())
                if head.child(j).data(0, Qt.ItemDataRole.UserRole)
            ]
        return out

    def missing_labels(self) -> list[str]:
        """Every item's text under "What's missing" (charter items too), in order."""
        out = []
        for i in range(self.missing.topLevelItemCount()):
            head = self.missing.topLevelItem(i)
            out += [head.child(j).text(0).replace("\n", " ") for j in range(head.childCount())]
        return out

    def missing_item(self, path: str) -> QTreeWidgetItem | None:
        for i in range(self.missing.topLevelItemCount()):
            head = self.missing.topLevelItem(i)
            for j in range(head.childCount()):
                if head.child(j).data(0, Qt.ItemDataRole.UserRole) == path:
                    return head.child(j)
        return None

    def _missing_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        path = str(item.data(0, Qt.ItemDataRole.UserRole) or "")
        if self._framework.has_field(path):
            self.go_to_field(path)
        elif path in {s.key for s in self._framework.sections}:
            self.tabs.setCurrentIndex(0)
            self.show_section(path)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1280, 700)
