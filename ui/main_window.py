"""The main window: dashboard, record editor, lock screen, menus and the idle lock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.record import SignOffScope
from ui.dashboard import Dashboard, DeadlineFor
from ui.dialogs import ChangePasswordDialog, LockScreen, NewVaultDialog, plain_error
from ui.editor import MessageBar, RecordEditor
from ui.service import RecordService, VaultAccess
from ui.workers import run_in_background

DEMO_NOTE = "demo vault of fictional children"

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
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
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.access = access
        self.directory = directory
        self.service: RecordService = service
        self.demo = demo
        self.demo_hint = demo_hint
        self._today = today
        self.editor: RecordEditor | None = None
        self._locked = False
        self._closed = False
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

        self._build_actions()
        self.dashboard.open_requested.connect(self.open_record)
        self.dashboard.new_requested.connect(self.new_record)
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
            self.tr("&Front sheet preview"), self._show_front_sheet, "Ctrl+P"
        )

        file_menu = self.menuBar().addMenu(self.tr("&File"))
        for a in (
            self.new_child_action,
            self.new_vault_action,
            None,
            self.switch_user_action,
            self.change_password_action,
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
            None,
            self.ready_action,
            self.signoff_action,
            self.send_action,
            self.manager_action,
        ):
            self.record_menu.addSeparator() if a is None else self.record_menu.addAction(a)
        self._record_actions = [a for a in self.record_menu.actions() if not a.isSeparator()]
        self._sync_actions()

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
        active = self.editor.undo_stack if (self.editor and unlocked) else None
        self.undo_group.setActiveStack(active)  # type: ignore[arg-type]  # Qt accepts no stack

    # --- dashboard and editor ---------------------------------------------------------------------

    def refresh(self) -> None:
        try:
            self.dashboard.set_records(self.service.list_records())
        except TransitionsError as exc:
            self.message_bar.show_message(plain_error(exc), "warning")

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
        editor = RecordEditor(self.service, record, today=self._today, parent=self.editor_holder)
        self._editor_layout.addWidget(editor)
        editor.closed.connect(self.close_editor)
        editor.save_state_changed.connect(self._save_state_changed)
        editor.record_saved.connect(self.dashboard.update_record)
        self.undo_group.addStack(editor.undo_stack)
        self.editor = editor
        self.stack.setCurrentWidget(self.editor_holder)
        self._sync_actions()
        self._save_state_changed(editor.save_state())
        editor.nav.setFocus()

    def close_editor(self) -> bool:
        """Save and go back to the dashboard. Returns False (and stays) when the save failed."""
        editor = self.editor
        if editor is None:
            return True
        if not editor.flush():
            return False
        self._drop_editor()
        return True

    def _drop_editor(self) -> None:
        editor = self.editor
        if editor is None:
            return
        self.editor = None
        self.undo_group.removeStack(editor.undo_stack)
        editor.hide()
        editor.deleteLater()
        self.stack.setCurrentWidget(self.dashboard)
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
        self._before_lock = self.dashboard
        self._focus_before_lock = None
        self._enter_lock_screen()
        self.lock_screen.show_switch_user(self.demo_hint)

    def _enter_lock_screen(self) -> None:
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
        target = self._before_lock or self.dashboard
        if self.editor is not None and service.user.name != self._locked_user:
            self._drop_editor()  # someone else logged in at the lock screen: not their place
            target = self.dashboard
        elif self.editor is not None:
            try:
                service.load(self.editor.record_id)  # this session now knows the record's version
                self.editor.set_service(service)
            except TransitionsError as exc:
                self.message_bar.show_message(plain_error(exc), "warning")
                self._drop_editor()
                target = self.dashboard
        self.stack.setCurrentWidget(target)
        self._sync_actions()
        self._update_title()
        self.idle_timer.start()
        if self._focus_before_lock is not None and self._focus_before_lock.isVisible():
            self._focus_before_lock.setFocus(Qt.FocusReason.OtherFocusReason)
        self.user_logged_in.emit(service.user.name)

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
            self.access.create, self.directory.parent / "new-vault", choose_folder=True, parent=self
        )
        if not dialog.exec() or dialog.service is None:
            return
        self.service.close()
        self.service = dialog.service
        self.directory = dialog.directory
        self.demo = False
        self.demo_hint = ""
        self.refresh()
        self._update_title()

    # --- Qt overrides ----------------------------------------------------------------------------

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
