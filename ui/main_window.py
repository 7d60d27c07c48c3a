"""The main window: dashboard, record editor, lock screen, menus and the idle lock."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import monotonic
from typing import Any

from PySide6.QtCore import QEvent, QObject, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.framework.registry import current_framework
from models.readiness import Readiness, readiness
from models.record import Record, SignOffScope
from models.roles import Permission, can
from models.safe_output import shown_name
from models.school.handover import receipt_index
from ui.bulk_actions import BulkActions
from ui.charter_dialog import CharterDialog
from ui.dashboard import Dashboard, DeadlineFor
from ui.dialogs import ChangePasswordDialog, LockScreen, NewVaultDialog, plain_error
from ui.editor import MessageBar, RecordEditor
from ui.export_dialog import ExportDialog
from ui.family_dialog import install_family_tools, read_dropped
from ui.feedback import FeedbackPage
from ui.help import HelpMenu
from ui.phrase_bank_dialog import PhraseBankDialog
from ui.phrases import install_phrase_tools
from ui.printing import print_record
from ui.restore_dialog import RestoreDialog
from ui.retention_dialog import RetentionDialog
from ui.school.page import SchoolPage
from ui.school_picker import attach_school_picker, directory_from
from ui.service import RecordService, SessionServices, VaultAccess
from ui.users_dialog import UsersDialog
from ui.workers import run_in_background, run_with_progress

DEMO_NOTE = "demo vault of fictional children"
PREWARM_DELAY_MS = 300  # after the window first shows, the services' imports start
EDITOR_AHEAD_MS = 1000  # then the editor is made ahead, once nobody has typed or clicked for:
QUIET_S = 0.5
PAGES_AHEAD_PAUSE_MS = 15  # between slices of the hidden editor's pages

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class _IdleWatcher(QObject):
    """Restarts the idle timer on any keyboard or mouse input anywhere in the application."""

    def __init__(self, timer: QTimer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = timer
        self.last_input = 0.0  # time.monotonic() of the last key press or mouse use

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in _INPUT_EVENTS:
            self.last_input = monotonic()
            if self._timer.isActive():
                self._timer.start()
        return False


class MainWindow(QMainWindow):
    user_logged_in = Signal(str)

    def __init__(
        self,
        access: VaultAccess,
        directory: Path,
        service: RecordService,
        *,
        idle_minutes: float = 5,
        demo: bool = False,
        demo_hint: str = "",
        deadline_for: DeadlineFor | None = None,
        today: Callable[[], date] | None = None,
        services: SessionServices | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self._fixed_deadline_for = deadline_for
        self.charter: Any = None  # the vault's verified charter (models.charter.Charter) or None
        self.school: Any = None  # a SchoolService when this is a school's vault
        self.feedback: Any = None  # a FeedbackService when this is a setting's vault
        self.school_page: SchoolPage | None = None
        self.feedback_page: FeedbackPage | None = None
        self.last_export: ExportDialog | None = None
        self.access = access
        self.directory = directory
        self.service: RecordService = service
        self.demo = demo
        self.demo_hint = demo_hint
        if today is None:
            today = services.today if services is not None else date.today
        self._today = today
        self.editor: RecordEditor | None = None
        self._spare_editor: RecordEditor | None = None  # the editor last closed, kept hidden
        self._editor_for: tuple[Any, Any, Any] = (None, None, None)
        self.family_tools: Any = None  # the open editor's Family button (ui.family_dialog)
        self.family_reader: Any = None  # reads family forms dropped on the window
        self.school_picker: Any = None  # ui.school_picker.RecordSchoolPicker on the editor
        self.phrase_tools: Any = None  # the open editor's phrase bank keys (ui.phrases)
        self._locked = False
        self._closed = False
        self._prewarmed = False
        self._locked_user = ""
        self._before_lock: QWidget | None = None
        self._focus_before_lock: QWidget | None = None

        self.undo_group = QUndoGroup(self)
        self.dashboard = Dashboard(deadline_for, self)
        self.editor_holder = QWidget(self)
        self._editor_layout = QVBoxLayout(self.editor_holder)
        self._editor_layout.setContentsMargins(0, 0, 0, 0)
        self.lock_screen = LockScreen(self)
        self.stack = QStackedWidget(self)
        for page in (self.dashboard, self.editor_holder, self.lock_screen):
            self.stack.addWidget(page)
        self.message_bar = MessageBar(self)
        central = QWidget(self)
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.message_bar)
        cl.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.bulk: BulkActions | None = None
        self.last_check: Any = None  # the last File ▸ Check the vault report (CheckReport)
        self._build_actions()
        if services is not None:
            self.bulk = self._make_bulk_actions(services)
        self.dashboard.open_requested.connect(self.open_record)
        self.dashboard.new_requested.connect(self.new_record)
        self.dashboard.export_requested.connect(self.export_school_intake)
        self.setAcceptDrops(True)
        self.lock_screen.form.submitted.connect(self._unlock)
        self.lock_screen.other_user.clicked.connect(
            lambda: self.lock_screen.show_switch_user(self.demo_hint)
        )

        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.setInterval(max(int(idle_minutes * 60_000), 100))
        self.idle_timer.timeout.connect(self.lock)
        self._idle_watcher = _IdleWatcher(self.idle_timer, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._idle_watcher)
        self.idle_timer.start()

        self.resize(1366, 768)
        self.setMinimumSize(1024, 640)
        self.refresh()
        self._update_title()
        self._tell_notices()

    # --- actions and menus -----------------------------------------------------------------------

    def _action(
        self, text: str, slot: Callable[[], Any], shortcut: Any = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_child_action = self._action(
            self.tr("&New child"), self.new_record, QKeySequence.StandardKey.New
        )
        self.new_vault_action = self._action(self.tr("New &vault…"), self.new_vault, "Ctrl+Shift+N")
        self.switch_user_action = self._action(
            self.tr("&Switch user…"), self.switch_user, "Ctrl+Shift+U"
        )
        self.change_password_action = self._action(
            self.tr("Change &password…"), self.change_password, "Ctrl+Shift+P"
        )
        self.lock_action = self._action(
            self.tr("&Lock"),
            self.lock,
            "Ctrl+L",
            self.tr("Hide the records until you enter your password"),
        )
        self.quit_action = self._action(self.tr("&Quit"), self.close, QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))

        self.undo_action = self.undo_group.createUndoAction(self, self.tr("&Undo"))
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.undo_group.createRedoAction(self, self.tr("&Redo"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)

        self.back_action = self._action(
            self.tr("&Back to all children"), self.close_editor, "Ctrl+W"
        )
        self.next_section_action = self._action(
            self.tr("&Next section"), lambda: self._step_section(1), "Ctrl+PgDown"
        )
        self.prev_section_action = self._action(
            self.tr("&Previous section"), lambda: self._step_section(-1), "Ctrl+PgUp"
        )
        self.missing_action = self._action(
            self.tr("Go to &what's missing"), self._focus_missing, "Ctrl+M"
        )
        self.ready_action = self._action(
            self.tr("Ready for &review"), lambda: self._editor_call("mark_ready"), "Ctrl+Shift+R"
        )
        self.signoff_action = self._action(
            self.tr("Si&gn off"), lambda: self._sign(SignOffScope.RECORD), "Ctrl+Shift+S"
        )
        self.send_action = self._action(
            self.tr("SEN&CO review of SEND section"),
            lambda: self._sign(SignOffScope.SEND),
            "Ctrl+Shift+E",
        )
        self.manager_action = self._action(
            self.tr("&Manager sign-off"), lambda: self._sign(SignOffScope.MANAGER), "Ctrl+Shift+M"
        )
        self.front_sheet_action = self._action(
            self.tr("&Front sheet preview"), self._show_front_sheet, "Ctrl+Shift+F"
        )
        self.print_action = self._action(
            self.tr("&Print record…"),
            self.print_current,
            QKeySequence.StandardKey.Print,
            self.tr("Print this record as the school will read it"),
        )

        self.export_action = self._action(
            self.tr("&Export…"),
            self.export_current,
            "Ctrl+E",
            self.tr("Sign and export this record"),
        )
        self.export_school_action = self._action(
            self.tr("Export school &intake…"), self.export_school_intake, "Ctrl+Shift+X"
        )
        self.import_pdfs_action = self._action(
            self.tr("&Import received PDFs…"), self.import_received, "Ctrl+I"
        )
        self.import_folder_action = self._action(
            self.tr("Import a &folder of PDFs…"), self.import_received_folder, "Ctrl+Shift+I"
        )
        self.print_summary_action = self._action(
            self.tr("Print class &summary…"), self.print_class_summary, "Ctrl+Shift+C"
        )
        self.backup_action = self._action(self.tr("&Back up vault…"), self.backup_vault, "Ctrl+B")
        self.restore_action = self._action(self.tr("&Restore backup…"), self.restore_backup)
        self.check_action = self._action(
            self.tr("Chec&k the vault…"),
            self.check_vault,
            tip=self.tr("Check every record, setting file and the audit trail for damage"),
        )
        self.charter_action = self._action(self.tr("&Charter…"), self.show_charter, "Ctrl+Shift+H")
        self.users_action = self._action(
            self.tr("&Users…"), self.show_users, tip=self.tr("Add or remove the vault's users")
        )
        self.profile_action = self._action(
            self.tr("Setting &profile…"),
            self.show_profile,
            tip=self.tr("The setting's details every new record starts with, and staff names"),
        )
        self.phrases_action = self._action(
            self.tr("P&hrase bank…"),
            self.show_phrases,
            tip=self.tr(
                "The setting's own sentences; in a record press F3 in a writing box to insert one"
            ),
        )
        self.retention_action = self._action(
            self.tr("Records due for &deletion…"),
            self.show_retention,
            tip=self.tr("Records the charter says to delete now"),
        )
        self.la_return_action = self._action(
            self.tr("Return to the &LA…"),
            self.show_la_return,
            tip=self.tr("The signed, anonymous counts your local authority asks for"),
        )
        self.children_action = self._action(self.tr("&Children"), self.show_home, "Ctrl+1")
        self.feedback_action = self._action(
            self.tr("&Feedback and outcomes"), self.show_feedback, "Ctrl+2"
        )

        file_menu = self.menuBar().addMenu(self.tr("&File"))
        for a in (
            self.new_child_action,
            self.new_vault_action,
            None,
            self.export_school_action,
            self.import_pdfs_action,
            self.import_folder_action,
            self.print_summary_action,
            None,
            self.backup_action,
            self.restore_action,
            self.check_action,
            None,
            self.switch_user_action,
            self.change_password_action,
            self.users_action,
            self.lock_action,
            None,
            self.quit_action,
        ):
            file_menu.addSeparator() if a is None else file_menu.addAction(a)
        edit_menu = self.menuBar().addMenu(self.tr("&Edit"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        self.record_menu = self.menuBar().addMenu(self.tr("&Record"))
        for a in (
            self.back_action,
            self.next_section_action,
            self.prev_section_action,
            self.missing_action,
            self.front_sheet_action,
            self.print_action,
            self.export_action,
            None,
            self.ready_action,
            self.signoff_action,
            self.send_action,
            self.manager_action,
        ):
            self.record_menu.addSeparator() if a is None else self.record_menu.addAction(a)
        self._record_actions = [a for a in self.record_menu.actions() if not a.isSeparator()]
        self.view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.view_menu.addAction(self.children_action)
        self.view_menu.addAction(self.feedback_action)
        self.setting_menu = self.menuBar().addMenu(self.tr("&Setting"))
        self.setting_menu.addAction(self.profile_action)
        self.setting_menu.addAction(self.phrases_action)
        self.setting_menu.addAction(self.charter_action)
        self.setting_menu.addAction(self.retention_action)
        self.setting_menu.addAction(self.la_return_action)
        self._build_help_menu()
        self._sync_actions()

    def _build_help_menu(self) -> None:
        """Help ▸ Help (F1), Keyboard shortcuts, About (ui.help): last, after every other menu."""
        self.help = HelpMenu(self)

    def _sync_actions(self) -> None:
        unlocked = not self._locked
        for a in (
            self.new_child_action,
            self.new_vault_action,
            self.switch_user_action,
            self.change_password_action,
            self.lock_action,
        ):
            a.setEnabled(unlocked)
        for a in self._record_actions:
            a.setEnabled(unlocked and self.editor is not None)
        # On a shared server vault this window stays on the server: a new folder vault is made
        # from a window opened on a folder.
        self.new_vault_action.setEnabled(unlocked and not getattr(self.service, "on_server", False))
        school = self.school is not None
        has_services = self.services is not None
        role = self.service.user.role
        manages_users = has_services and can(role, Permission.MANAGE_USERS)
        self.users_action.setVisible(manages_users)
        for a, on in (
            (self.export_school_action, not school and has_services),
            (self.import_pdfs_action, school),
            (self.import_folder_action, school),
            (self.print_summary_action, school),
            (self.backup_action, has_services),
            (self.restore_action, has_services),
            (self.charter_action, has_services),
            (self.profile_action, has_services and not school),
            (self.phrases_action, self._phrases() is not None and self._can_manage()),
            (self.la_return_action, has_services and can(role, Permission.IMPORT_CHARTER)),
            (self.users_action, manages_users),
            (
                self.retention_action,
                has_services and not school and can(role, Permission.DELETE_RECORDS),
            ),
            (self.feedback_action, self.feedback_page is not None),
            (self.new_child_action, not school),
            (self.export_action, self.editor is not None and has_services),
        ):
            a.setEnabled(unlocked and on)
        # A school's vault has the same menu, named for the school: its charter (LA root, CRL).
        self.setting_menu.setTitle(self.tr("&School") if school else self.tr("&Setting"))
        self.retention_action.setVisible(not school)
        self.profile_action.setVisible(not school)
        self.phrases_action.setVisible(not school)
        self.record_menu.menuAction().setVisible(not school)
        active = self.editor.undo_stack if (self.editor and unlocked) else None
        if active is None and unlocked and self.bulk is not None:
            active = self.bulk.undo_stack  # the dashboard's bulk changes
        self.undo_group.setActiveStack(active)  # type: ignore[arg-type]  # Qt accepts no stack

    def _make_bulk_actions(self, services: SessionServices) -> BulkActions:
        """The dashboard's "With selected" actions (see ui.bulk_actions)."""
        bulk = BulkActions(
            self.dashboard,
            bulk=lambda: services.bulk(self.service),
            records=self.dashboard.selected_records,
            role=lambda: self.service.user.role,
            schools=lambda: directory_from(self.charter),
            encrypts=lambda: bool(self.charter and self.charter.export.encrypt_for_recipient),
            export=self.export_records,
        )
        self.dashboard.bottom_bar.insertWidget(1, bulk.button)
        self.dashboard.page_layout.insertWidget(2, bulk.bar)
        table = self.dashboard.table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(
            lambda pos: bulk.popup(table.viewport().mapToGlobal(pos))
        )
        table.selectionModel().selectionChanged.connect(lambda *_a: bulk.sync())

        def update_rows(records: list[Record]) -> None:
            for record in records:
                self.dashboard.update_record(record)

        bulk.changed.connect(update_rows)
        self.undo_group.addStack(bulk.undo_stack)
        return bulk

    def export_records(self, records: list[Record]) -> None:
        """Export some children (the dashboard's selection), as stored now."""
        if self._locked or self.services is None or not self.close_editor():
            return
        try:
            stored = {r.id: r for r in self.service.list_records()}
        except TransitionsError as exc:
            self.message_bar.show_message(plain_error(exc), "warning")
            return
        chosen = [stored[r.id] for r in records if r.id in stored]
        title = (
            self.tr("Export {name}").format(name=chosen[0].display_name)
            if len(chosen) == 1
            else self.tr("Export {n} children").format(n=len(chosen))
        )
        dialog = self.make_export_dialog(chosen, title)
        if dialog is not None:
            self._run_modal(dialog)

    # --- dashboard and editor ---------------------------------------------------------------------

    def refresh(self) -> None:
        self._setup_mode()
        if self.school is not None:
            if self.school_page is not None:
                self.school_page.refresh()
            return
        try:
            self.dashboard.set_records(self.service.list_records())
        except TransitionsError as exc:
            self.message_bar.show_message(plain_error(exc), "warning")
        self._load_receipts()
        self._load_charter()
        if self.feedback_page is not None:
            self.feedback_page.refresh()

    def _load_receipts(self) -> None:
        """The dashboard's "With the school" column: what the schools' receipts say."""
        if self.feedback is None:
            return
        try:
            self.dashboard.model.set_receipts(receipt_index(self.feedback.receipts()))
        except TransitionsError as exc:
            self.message_bar.show_message(plain_error(exc), "warning")

    def _home(self) -> QWidget:
        return self.school_page if self.school_page is not None else self.dashboard

    def _setup_mode(self) -> None:
        """School vault: the class overview is home. Setting vault: the cohort dashboard, with a
        feedback page. Without services (tests with a fake) only the dashboard."""
        if self.services is None:
            return
        try:
            school = self.services.school(self.service)
            feedback = None if school is not None else self.services.feedback(self.service)
        except TransitionsError as exc:
            self.message_bar.show_message(plain_error(exc), "warning")
            return
        self.school = school
        self.feedback = feedback
        if school is not None:
            if self.school_page is None:
                self.school_page = SchoolPage(school, self)
                self.stack.addWidget(self.school_page)
            else:
                self.school_page.set_school(school)
            if self.stack.currentWidget() is self.dashboard:
                self.stack.setCurrentWidget(self.school_page)
        elif feedback is not None:
            if self.feedback_page is None:
                self.feedback_page = FeedbackPage(self.service, feedback, self)
                self.feedback_page.receipts.changed.connect(self._load_receipts)
                self.stack.addWidget(self.feedback_page)
            else:
                self.feedback_page.set_session(self.service, feedback)
        self._sync_actions()

    def _load_charter(self) -> None:
        """Read the vault's charter: the dashboard's deadlines and the editor's missing items."""
        self.charter = None
        if self.services is not None:
            try:
                self.charter = self.services.charter(self.service).charter()
            except TransitionsError as exc:
                self.message_bar.show_message(
                    self.tr("The charter cannot be used: {why}").format(why=plain_error(exc)),
                    "warning",
                )
        if self._fixed_deadline_for is not None:
            self.dashboard.set_deadline_for(self._fixed_deadline_for)
        else:
            self.dashboard.set_deadline_for(self._deadline_for if self.charter else None)
        self.dashboard.set_readiness_for(self._readiness_for)
        if self.editor is not None:
            self.editor.set_charter(self.charter)

    def _deadline_for(self, record: Record) -> int | None:
        """Days to the child's most urgent deadline that is not yet met (negative: overdue)."""
        if self.charter is None:
            return None
        open_ = [d for d in self.charter.deadlines_for(record, self._today()) if not d.done]
        return min(d.days_left for d in open_) if open_ else None

    def _readiness_for(self, record: Record) -> Readiness:
        """What stops a record (the dashboard's status and percentage, the editor's panel)."""
        return readiness(record, self.charter, self._today())

    def show_home(self) -> None:
        if self._locked or not self.close_editor():
            return
        self.stack.setCurrentWidget(self._home())

    def show_feedback(self) -> None:
        if self._locked or self.feedback_page is None or not self.close_editor():
            return
        self.feedback_page.refresh()
        self.stack.setCurrentWidget(self.feedback_page)

    def open_record(self, record_id: str) -> None:
        self.message_bar.hide()
        try:
            record = self.service.load(record_id)
        except TransitionsError as exc:
            self.message_bar.show_message(plain_error(exc), "warning")
            return
        self._show_editor(record)

    def new_record(self) -> None:
        if self._locked:
            return
        if self.editor is not None and not self.close_editor():
            return
        try:
            if self.services is not None:  # pre-filled from the setting profile
                record = self.services.profile(self.service).new_record()
            else:
                record = self.service.new_record()
        except TransitionsError as exc:
            self.message_bar.show_message(plain_error(exc), "warning")
            return
        self.dashboard.update_record(record)
        self._show_editor(record)
        if self.editor is not None:
            self.editor.go_to_field("child.legal_forenames")

    def _show_editor(self, record: Any) -> None:
        if self.editor is not None:
            self.close_editor()
        editor = self._take_spare_editor(record)
        if editor is None:
            editor = self._make_editor(record)
        else:
            editor.load_record(record)
            if self.school_picker is not None:
                self.school_picker.refresh()
        self.undo_group.addStack(editor.undo_stack)
        self.editor = editor
        self.stack.setCurrentWidget(self.editor_holder)
        editor.show()
        self._sync_actions()
        self._save_state_changed(editor.save_state())
        editor.nav.setFocus()

    def _make_editor(self, record: Record) -> RecordEditor:
        editor = RecordEditor(
            self.service,
            record,
            today=self._today,
            charter=self.charter,
            preview=self.services.preview() if self.services is not None else None,
            spelling=self.services.spelling(self.service) if self.services is not None else None,
            parent=self.editor_holder,
        )
        self._editor_layout.addWidget(editor)
        self.school_picker = attach_school_picker(editor, self.charter)
        editor.closed.connect(self.close_editor)
        editor.export_requested.connect(self.export_current)
        editor.export_button.setVisible(self.services is not None)
        editor.save_state_changed.connect(self._save_state_changed)
        editor.record_saved.connect(self.dashboard.update_record)
        self.family_tools = None
        if self.services is not None and self.school is None:
            self.family_tools = install_family_tools(
                editor,
                self.services.family(self.service),
                applied=self._family_applied,
                run_modal=self._run_modal,
            )
        has_phrases = self._phrases() is not None
        self.phrase_tools = install_phrase_tools(editor, self._phrases) if has_phrases else None
        self._editor_for = (self.service, self.charter, self.school)
        return editor

    def _take_spare_editor(self, record: Record) -> RecordEditor | None:
        """The editor last closed, to show ``record`` in: building an editor's pages is most of
        the time it takes to open a record. Only for the same session, charter and framework
        (its buttons, school finder and family tools belong to those); otherwise it is deleted."""
        editor, self._spare_editor = self._spare_editor, None
        if editor is None:
            return None
        now = (self.service, self.charter, self.school)
        shown = editor.record()
        if all(a is b for a, b in zip(self._editor_for, now, strict=True)) and (
            shown.framework_id,
            shown.framework_version,
        ) == (record.framework_id, record.framework_version):
            return editor
        editor.deleteLater()
        return None

    def _make_editor_ahead(self) -> None:
        """Make the editor before the first record is opened, on a blank record it never shows,
        once the window has been left alone for a moment (it takes the UI thread for 50-100 ms):
        the first record opened is then only filled in, as every later one is."""
        if self.editor is not None or self._spare_editor is not None or self._closed:
            return
        if self._locked or self.school is not None:
            return  # a school's vault has no record editor; a locked window waits for its user
        if monotonic() - self._idle_watcher.last_input < QUIET_S:
            QTimer.singleShot(int(QUIET_S * 1000), self, self._make_editor_ahead)
            return
        framework = current_framework()
        editor = self._make_editor(
            Record(framework_id=framework.id, framework_version=framework.version)
        )
        editor.hide()
        editor.park()
        self._spare_editor = editor
        self._make_pages_ahead()

    def _make_pages_ahead(self) -> None:
        """Let the hidden editor make the pages of its sections a slice at a time, whenever
        nobody has typed or clicked for half a second, until all are made."""
        editor = self._spare_editor
        if editor is None or self._locked or self._closed:
            return
        if monotonic() - self._idle_watcher.last_input < QUIET_S:
            QTimer.singleShot(int(QUIET_S * 1000), self, self._make_pages_ahead)
        elif editor.make_pages_ahead():
            QTimer.singleShot(PAGES_AHEAD_PAUSE_MS, self, self._make_pages_ahead)

    def _forget_spare_editor(self) -> None:
        """Delete the hidden editor kept for the next record (it still shows the last child)."""
        if self._spare_editor is not None:
            self._spare_editor.deleteLater()
            self._spare_editor = None

    def _family_applied(self, record: Record) -> None:
        """A family form was read in: show the record as saved (reopened if it was open)."""
        self.dashboard.update_record(record)
        if self.editor is not None and self.editor.record_id == record.id:
            self._drop_editor()
            self.open_record(record.id)

    def close_editor(self) -> bool:
        """Save and go back to the dashboard. Returns False (and stays) when the save failed."""
        editor = self.editor
        if editor is None:
            return True
        if not editor.flush():
            return False
        self._drop_editor(keep=True)
        return True

    def _drop_editor(self, *, keep: bool = False) -> None:
        """Leave the editor. With ``keep`` (its changes are saved) it stays, hidden, for the next
        record to be opened in; otherwise it is deleted."""
        editor = self.editor
        if editor is None:
            return
        self.editor = None
        self.undo_group.removeStack(editor.undo_stack)
        editor.hide()
        editor.park()
        self._forget_spare_editor()
        if keep:
            self._spare_editor = editor
        else:
            editor.deleteLater()
        self.stack.setCurrentWidget(self._home())
        self.dashboard.select_record(editor.record_id)
        self.dashboard.table.setFocus()
        self._sync_actions()
        self._update_title()

    def _editor_call(self, name: str) -> None:
        if self.editor is not None:
            getattr(self.editor, name)()

    def _sign(self, scope: SignOffScope) -> None:
        if self.editor is not None:
            self.editor.sign_off(scope)

    def _step_section(self, step: int) -> None:
        if self.editor is not None:
            nav = self.editor.nav
            nav.setCurrentRow(max(0, min(nav.count() - 1, nav.currentRow() + step)))

    def _focus_missing(self) -> None:
        if self.editor is not None:
            self.editor.missing.setFocus()

    def _show_front_sheet(self) -> None:
        if self.editor is not None:
            self.editor.tabs.setCurrentIndex(1)

    def _save_state_changed(self, _text: str) -> None:
        self._update_title()  # the editor's header shows the state; the title carries it too

    def _update_title(self) -> None:
        parts = []
        if self._locked:
            parts.append(self.tr("Transitions (locked)"))
        else:
            if self.editor is not None:  # never show a child's name while locked
                parts.append(f"{self.editor.record().display_name} ({self.editor.save_state()})")
            user = self.service.user
            parts += ["Transitions", f"{user.name}, {user.role.label}"]
        if self.demo:
            parts.append(self.tr(DEMO_NOTE))
        self.setWindowTitle(" – ".join(parts))

    # --- lock, switch user, passwords, vaults -----------------------------------------------------

    def is_locked(self) -> bool:
        return self._locked

    def lock(self) -> None:
        """Save, forget the keys and hide the records until the password is entered again."""
        if self._locked:
            return
        if self.editor is not None:
            self.editor.flush()
        self._focus_before_lock = QApplication.focusWidget()
        self._before_lock = self.stack.currentWidget()
        self._enter_lock_screen()
        self.lock_screen.show_locked(self.service.user.name)

    def switch_user(self) -> None:
        if self._locked or not self.close_editor():
            return
        self._before_lock = self._home()
        self._focus_before_lock = None
        self.dashboard.clear_search_and_filters()  # the next person's view is not shaped by ours
        self._enter_lock_screen()
        self.lock_screen.show_switch_user(self.demo_hint)

    def _enter_lock_screen(self) -> None:
        self._forget_spare_editor()  # no child's details kept in hidden widgets while locked
        self._locked_user = self.service.user.name
        self._locked = True
        self.message_bar.hide()
        self.idle_timer.stop()
        self.stack.setCurrentWidget(self.lock_screen)
        self.service.close()
        self._sync_actions()
        self._update_title()

    def _unlock(self, user: str, password: str) -> None:
        self.lock_screen.form.set_busy(True)
        directory = self.directory
        run_in_background(
            lambda: self.access.open(directory, user, password), self._unlocked, self._unlock_failed
        )

    def _unlock_failed(self, exc: BaseException) -> None:
        self.lock_screen.form.set_busy(False)
        self.lock_screen.form.show_error(plain_error(exc))
        self.lock_screen.form.password.selectAll()
        self.lock_screen.form.password.setFocus()

    def _unlocked(self, service: RecordService) -> None:
        if self._closed:  # the window was closed while the vault was opening
            service.close()
            return
        self.lock_screen.form.set_busy(False)
        self.service = service
        self._locked = False
        self.refresh()
        target = self._before_lock or self._home()
        if self.bulk is not None and service.user.name != self._locked_user:
            self.bulk.clear()  # another person: not theirs to undo
        if self.editor is not None and service.user.name != self._locked_user:
            self._drop_editor()  # someone else logged in at the lock screen: not their place
            target = self._home()
        elif self.editor is not None:
            try:
                service.load(self.editor.record_id)  # this session now knows the record's version
                self.editor.set_service(service)
            except TransitionsError as exc:
                self.message_bar.show_message(plain_error(exc), "warning")
                self._drop_editor()
                target = self._home()
        if target is self.dashboard:
            target = self._home()
        self.stack.setCurrentWidget(target)
        self._sync_actions()
        self._update_title()
        self.idle_timer.start()
        if self._focus_before_lock is not None and self._focus_before_lock.isVisible():
            self._focus_before_lock.setFocus(Qt.FocusReason.OtherFocusReason)
        self._tell_notices()
        self.user_logged_in.emit(service.user.name)

    def _tell_notices(self) -> None:
        """Say what the opening found (damage at the end of the audit trail, a vault that cannot
        be written to): in the bar above every page, until dismissed; nothing when all is well."""
        notices = list(self.service.notices)
        if not notices:
            return
        self.message_bar.show_message(
            self.tr(
                "Before you go on: {found} Tell your manager; File ▸ Check the vault lists everything."
            ).format(found=" ".join(notices)),
            "warning",
        )

    def change_password(self) -> None:
        if self._locked:
            return
        dialog = ChangePasswordDialog(self.service, self)
        if dialog.exec():
            self.statusBar().showMessage(self.tr("Your password has been changed."), 8000)

    def new_vault(self) -> None:
        if self._locked or not self.close_editor():
            return
        dialog = NewVaultDialog(
            self.access.create,
            self.directory.parent / "new-vault",
            school_creator=getattr(self.access, "create_school", None),  # not every access has it
            choose_folder=True,
            parent=self,
        )
        if not dialog.exec() or dialog.service is None:
            return
        self.service.close()
        self.service = dialog.service
        self.directory = dialog.directory
        self.demo = False
        self.demo_hint = ""
        self._reset_pages()
        self.refresh()
        self._update_title()
        self._tell_notices()

    def _reset_pages(self) -> None:
        """Forget the pages of the previous vault (after opening another)."""
        for page in (self.school_page, self.feedback_page):
            if page is not None:
                self.stack.removeWidget(page)
                page.deleteLater()
        self.school_page = self.feedback_page = None
        self.school = self.charter = self.feedback = None
        self.stack.setCurrentWidget(self.dashboard)

    # --- charter and export ---------------------------------------------------------------------

    def _can_manage(self) -> bool:
        return can(self.service.user.role, Permission.IMPORT_CHARTER)

    def show_charter(self) -> None:
        if self._locked or self.services is None:
            return
        setting = ""
        records = self.dashboard.model.records() if self.school is None else []
        if records:
            setting = str(records[0].get("child.setting_name") or "")
        dialog = CharterDialog(
            self.services.charter(self.service),
            can_manage=self._can_manage(),
            setting_name=setting,
            school=self.school is not None,
            school_certificate=self.school.set_identity_p12 if self.school is not None else None,
            parent=self,
        )
        self._run_modal(dialog)
        if dialog.changed:
            self.message_bar.hide()
            self._load_charter()
            if self.school_page is not None:
                self.school_page.refresh()

    def show_profile(self) -> None:
        if self._locked or self.services is None or self.school is not None:
            return
        from ui.setting_profile_dialog import SettingProfileDialog

        dialog = SettingProfileDialog(self.services.profile(self.service), self)
        if self._run_modal(dialog) and dialog.saved is not None:
            self.statusBar().showMessage(
                self.tr("Setting profile saved: new records start with it."), 8000
            )

    def _phrases(self) -> Any:
        """The setting's phrase bank service for this session (None on a school's vault)."""
        make = getattr(self.services, "phrases", None)
        return None if make is None or self.school is not None else make(self.service)

    def show_phrases(self) -> None:
        """Setting ▸ Phrase bank…: a manager's list of the setting's phrases."""
        phrases = self._phrases()
        if self._locked or phrases is None or not self._can_manage():
            return
        self._run_modal(PhraseBankDialog(phrases, self))

    def show_la_return(self) -> None:
        """Setting (or School) ▸ Return to the LA…: a manager's or headteacher's counts."""
        make = getattr(self.services, "la_return", None)
        if self._locked or make is None or not self._can_manage():
            return
        from ui.la.return_dialog import LaReturnDialog

        self._run_modal(LaReturnDialog(make(self.service), self))

    def show_users(self) -> None:
        if self._locked or self.services is None:
            return
        self._run_modal(UsersDialog(self.service, self))  # type: ignore[arg-type]  # a VaultService

    def show_retention(self) -> None:
        if self._locked or self.services is None or self.school is not None:
            return
        if not self.close_editor():
            return
        from transitions_app.services.retention_service import RetentionService

        now = datetime.combine(self._today(), time(12), UTC)  # the window's day, as elsewhere
        dialog = RetentionDialog(
            RetentionService(self.service, clock=lambda: now),  # type: ignore[arg-type]
            has_charter=self.charter is not None,
            can_delete=can(self.service.user.role, Permission.DELETE_RECORDS),
            parent=self,
        )
        self._run_modal(dialog)
        if dialog.deleted:
            self.refresh()

    def _default_export_dir(self) -> Path:
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return Path(docs or Path.home()) / "Transitions exports"

    def _run_modal(self, dialog: Any) -> int:
        """exec() a dialog with the idle lock paused (a background job may be using the vault)."""
        self.idle_timer.stop()
        try:
            return int(dialog.exec())
        finally:
            if not self._locked and not self._closed:
                self.idle_timer.start()

    def make_export_dialog(self, records: list[Record], title: str) -> ExportDialog | None:
        if self.services is None:
            return None
        dialog = ExportDialog(
            self.services.exporter(self.service),
            self.services.preview(),
            records,
            charter=self.charter,
            today=self._today,
            out_dir=self._default_export_dir(),
            title=title,
            parent=self,
        )
        dialog.field_requested.connect(self._go_to_field)
        dialog.export_finished.connect(lambda _report: self._after_export())
        self.last_export = dialog
        return dialog

    def print_current(self, *, printer: Any = None, ask: bool = True) -> bool:
        """Print the open record (saved first) through the system's print dialog."""
        if self._locked or self.editor is None or self.services is None or not self.editor.flush():
            return False
        record = self.service.load(self.editor.record_id)
        note = self.charter.export.handling_note if self.charter is not None else ""

        def done(pages: int) -> None:
            self.statusBar().showMessage(
                self.tr("Sent {n} page(s) of {name}'s record to the printer.").format(
                    n=pages, name=record.display_name
                ),
                10000,
            )

        def failed(exc: BaseException) -> None:
            self.message_bar.show_message(
                self.tr("The record could not be printed: {why}").format(why=plain_error(exc)),
                "warning",
            )

        return print_record(
            self,
            self.services.preview(),
            record,
            handling_note=note,
            printer=printer,
            ask=ask,
            on_done=done,
            on_failed=failed,
        )

    def export_current(self) -> None:
        if self._locked or self.editor is None or not self.editor.flush():
            return
        record = self.service.load(self.editor.record_id)
        dialog = self.make_export_dialog(
            [record], self.tr("Export {name}").format(name=record.display_name)
        )
        if dialog is not None:
            self._run_modal(dialog)

    def export_school_intake(self) -> None:
        if self._locked or self.services is None or self.school is not None:
            return
        if not self.close_editor():
            return
        records = self.service.list_records()
        schools: dict[str, str] = {}
        for r in records:
            urn = str(r.get("child.school_urn") or "")
            if urn:
                schools.setdefault(urn, str(r.get("child.school_name") or urn))
        if not schools:
            self.message_bar.show_message(
                self.tr("No child has a receiving school recorded yet."), "info"
            )
            return
        names = sorted(f"{name} (URN {urn})" for urn, name in schools.items())
        choice, ok = QInputDialog.getItem(
            self, self.tr("Export school intake"), self.tr("&School:"), names, 0, False
        )
        if not ok:
            return
        urn = choice.rsplit("URN ", 1)[1].rstrip(")")
        chosen = sorted(
            (r for r in records if r.get("child.school_urn") == urn),
            key=lambda r: r.display_name.casefold(),
        )
        dialog = self.make_export_dialog(
            chosen, self.tr("Export intake for {school}").format(school=schools[urn])
        )
        if dialog is not None:
            self._run_modal(dialog)

    def _go_to_field(self, record_id: str, path: str) -> None:
        if self.editor is None or self.editor.record_id != record_id:
            self.open_record(record_id)
        if self.editor is not None:
            self.editor.go_to_field(path)

    def _after_export(self) -> None:
        try:
            for record in self.service.list_records():
                self.dashboard.update_record(record)
        except TransitionsError as exc:
            self.message_bar.show_message(plain_error(exc), "warning")
        if self.editor is not None:
            with contextlib.suppress(TransitionsError):  # the dashboard message says why
                self.editor.adopt(self.service.load(self.editor.record_id))

    # --- school: import, class summary ------------------------------------------------------------

    def import_received(self) -> None:
        if self.school is None or self._locked:
            return
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Received record PDFs"), "", self.tr("PDF files (*.pdf)")
        )
        if files:
            self.import_paths([Path(f) for f in files])

    def import_received_folder(self) -> None:
        if self.school is None or self._locked:
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of received PDFs"))
        if folder:
            self.import_paths([Path(folder)])

    def _ask_pdf_password(self, count: int) -> str | None:
        text, ok = QInputDialog.getText(
            self,
            self.tr("Password for encrypted files"),
            self.tr(
                "{n} file(s) are encrypted with a password. Type the password the setting gave "
                "you (by phone, not in the same email as the files):"
            ).format(n=count),
            QLineEdit.EchoMode.Password,
        )
        return text if ok and text else None

    @staticmethod
    def _needs_password(outcome: Any) -> bool:
        return bool(outcome.needs_password)

    def import_paths(
        self,
        paths: list[Path],
        password: str | None = None,
        earlier: list[Any] | None = None,
    ) -> None:
        """Verify and import PDF files (folders are opened) in the background, with progress.
        Files refused for want of a password are offered again once the password is typed."""
        school = self.school
        if school is None or self._locked or self.school_page is None:
            return
        files = school.pdf_files_in(paths)
        progress = self._progress_dialog(self.tr("Checking and importing received records…"))
        progress.setMaximum(max(len(files), 1))

        def work(report: Callable[[int, int, str], None]) -> list[Any]:
            outcomes: list[Any] = []
            for n, path in enumerate(files, start=1):
                outcomes += school.import_files([path], password=password)
                report(n, len(files), shown_name(path.name))
            return outcomes

        def done(outcomes: list[Any]) -> None:
            progress.close()
            self.idle_timer.start()
            locked = [o for o in outcomes if self._needs_password(o)]
            if locked and password is None:  # asked once; a wrong password is reported per file
                given = self._ask_pdf_password(len(locked))
                if given:
                    names = {o.file for o in locked}
                    kept = [o for o in outcomes if o.file not in names]
                    again = [
                        f for f in files if shown_name(f.name) in names
                    ]  # outcomes hold shown names
                    self.import_paths(again, given, [*(earlier or []), *kept])
                    return
            outcomes = [*(earlier or []), *outcomes]
            if self.school_page is not None:
                self.school_page.imports.show_outcomes(outcomes)
                self.school_page.overview.refresh()
                self.school_page.senco.refresh()
                bad = [o for o in outcomes if o.status in ("quarantined", "refused")]
                if bad:
                    self.school_page.setCurrentWidget(self.school_page.imports)
            imported = sum(1 for o in outcomes if o.status in ("imported", "updated"))
            self.statusBar().showMessage(
                self.tr("{n} of {total} file(s) imported.").format(n=imported, total=len(outcomes)),
                10000,
            )

        self.idle_timer.stop()
        run_with_progress(
            work, lambda d, t, _n: progress.setValue(d), done, self._background_failed(progress)
        )

    def print_class_summary(self) -> None:
        school = self.school
        if school is None or self._locked or self.services is None:
            return
        out, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the class summary"), "class-summary.pdf", self.tr("PDF (*.pdf)")
        )
        if out:
            self.write_class_summary(Path(out))

    def write_class_summary(self, out: Path) -> None:
        school, services = self.school, self.services
        if school is None or services is None:
            return
        progress = self._progress_dialog(self.tr("Writing the class summary…"))
        progress.setMaximum(0)

        def work() -> Path:
            pdf = school.class_summary_pdf()  # signed with the school's identity
            partial = out.with_name(out.name + ".part")  # never a half-written PDF under its name
            partial.write_bytes(pdf)
            os.replace(partial, out)
            return out

        def done(path: Path) -> None:
            progress.close()
            self.statusBar().showMessage(
                self.tr("Class summary written to {path}").format(path=path), 10000
            )

        run_in_background(work, done, self._background_failed(progress))

    # --- backup and restore -----------------------------------------------------------------------

    def check_vault(self) -> None:
        """Authenticate every record, blob and audit entry (slow on a big vault: in the
        background), then say in one box that all is sound, or list each problem."""
        if self._locked:
            return
        progress = self._progress_dialog(self.tr("Checking every record and the audit trail…"))
        progress.setMaximum(0)
        service = self.service

        def done(report: Any) -> None:
            progress.close()
            box = QMessageBox(self)
            box.setWindowTitle(self.tr("Check the vault"))
            if report.ok:
                box.setIcon(QMessageBox.Icon.Information)
                box.setText(
                    self.tr(
                        "The vault is sound: every record and the audit trail passed their checks."
                    )
                )
            else:
                box.setIcon(QMessageBox.Icon.Warning)
                box.setText(
                    self.tr(
                        "The check found {n} problem(s). Tell your manager; keep a backup of the vault as it is now."
                    ).format(n=len(report.problems))
                )
                box.setDetailedText("\n".join(report.problems))
            self.last_check = report
            box.open()

        run_in_background(service.check, done, self._background_failed(progress))

    def _progress_dialog(self, label: str) -> QProgressDialog:
        dialog = QProgressDialog(label, "", 0, 100, self)
        dialog.setWindowTitle("Transitions")
        dialog.setCancelButton(None)  # Qt accepts no button
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        return dialog

    def _background_failed(self, progress: QProgressDialog) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            progress.close()
            if not self._locked:
                self.idle_timer.start()
            self.message_bar.show_message(plain_error(exc), "warning")

        return failed

    def backup_vault(self) -> None:
        if self._locked or self.services is None or not self.close_editor():
            return
        out, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Back up the vault to"),
            str(self.directory.parent / f"transitions-backup-{self._today():%Y%m%d}.tvbak"),
            self.tr("Transitions backups (*.tvbak);;All files (*)"),
        )
        if out:
            self.write_backup(Path(out))

    def write_backup(self, out: Path) -> None:
        services, session = self.services, self.service
        if services is None:
            return
        progress = self._progress_dialog(self.tr("Backing up the vault…"))

        def work(report: Callable[[int, int, str], None]) -> Path:
            services.backup(session, out, lambda d, t: report(d, t, ""))
            return out

        def step(done: int, total: int, _name: str) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(done)

        def done(path: Path) -> None:
            progress.close()
            self.idle_timer.start()
            self.message_bar.show_message(
                self.tr(
                    "Backup written to {path}. Keep it somewhere safe, away from this computer; "
                    "it is encrypted like the vault."
                ).format(path=path),
                "info",
            )

        self.idle_timer.stop()
        run_with_progress(work, step, done, self._background_failed(progress))

    def restore_backup(self) -> None:
        if self._locked or self.services is None:
            return
        dialog = RestoreDialog(self.directory.parent, self.service.user.name, self)
        if not self._run_modal(dialog):
            return
        self.restore_into(
            Path(dialog.backup.text().strip()),
            Path(dialog.folder.text().strip()),
            user=dialog.user.text().strip() or None,
            password=dialog.password.text() or None,
            recovery_key=dialog.recovery.text().strip() or None,
        )

    def restore_into(
        self,
        backup: Path,
        folder: Path,
        *,
        user: str | None = None,
        password: str | None = None,
        recovery_key: str | None = None,
    ) -> None:
        services = self.services
        if services is None:
            return
        if folder.exists() and any(folder.iterdir()):
            self.message_bar.show_message(
                self.tr("Choose a new, empty folder: {folder} already has files in it.").format(
                    folder=folder
                ),
                "warning",
            )
            return
        progress = self._progress_dialog(self.tr("Restoring the backup…"))

        def work(report: Callable[[int, int, str], None]) -> Path:
            services.restore(
                backup,
                folder,
                lambda d, t: report(d, t, ""),
                user=user,
                password=password,
                recovery_key=recovery_key,
            )
            return folder

        def step(done: int, total: int, _name: str) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(done)

        def done(path: Path) -> None:
            progress.close()
            self.idle_timer.start()
            self.message_bar.show_message(
                self.tr(
                    "The backup was checked and restored into {path}. Open it with "
                    "“transitions-app --vault {path}”; this window stays on the current vault."
                ).format(path=path),
                "info",
            )

        def failed(exc: BaseException) -> None:
            progress.close()
            self.idle_timer.start()
            self.message_bar.show_message(
                self.tr("The backup was not restored and nothing was created: {why}").format(
                    why=plain_error(exc)
                ),
                "warning",
            )

        self.idle_timer.stop()
        run_with_progress(work, step, done, failed)

    # --- Qt overrides ----------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        setting = self.school is None and self.services is not None  # a returned family form
        if (self.school is not None or setting) and not self._locked and event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if self.school is not None and paths:
            event.acceptProposedAction()
            self.import_paths(paths)
        elif paths and not self._locked and self.services is not None:
            event.acceptProposedAction()
            read_dropped(self, self.services.family(self.service), paths)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.services is not None and not self._prewarmed:
            self._prewarmed = True  # after the first paint: the export and family services
            QTimer.singleShot(PREWARM_DELAY_MS, self, self.services.prewarm)
            QTimer.singleShot(EDITOR_AHEAD_MS, self, self._make_editor_ahead)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.editor is not None and not self._locked:
            self.editor.flush()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._idle_watcher)
        self.idle_timer.stop()
        if not self._locked:
            self.service.close()
            self._locked = True
        self._closed = True
        event.accept()
