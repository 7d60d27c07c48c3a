"""Log in: the dialog the app starts with, and the user + password form the lock screen uses too.

The cold start is the time to this dialog's first paint, so this module imports only what it needs
(``tests/unit/test_cold_imports.py``); the other dialogs are in ``ui.dialogs``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from ui.workers import run_in_background

if TYPE_CHECKING:
    from ui.service import Opener, RecordService


def tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


def plain_error(exc: BaseException) -> str:
    """A failure as one sentence a person can act on; never a traceback."""
    if isinstance(exc, TransitionsError):
        return str(exc)
    return tr(
        "Something went wrong ({kind}). Try again; if it keeps happening, tell your manager."
    ).format(kind=type(exc).__name__)


def busy_bar(parent: QWidget) -> QProgressBar:
    """A thin, hidden "working" bar (no percentage) shown while a background job runs."""
    bar = QProgressBar(parent)
    bar.setRange(0, 0)
    bar.setMaximumHeight(6)
    bar.setTextVisible(False)
    bar.setAccessibleName(tr("Working"))
    bar.hide()
    return bar


class LoginForm(QWidget):
    """User name + password with a busy bar. Used by the login dialog and the lock screen."""

    submitted = Signal(str, str)

    def __init__(self, *, button_text: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.user = QLineEdit(self)
        self.user.setAccessibleName(tr("User name"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("Password"))
        form = QFormLayout()
        user_label = QLabel(tr("&User name:"), self)
        user_label.setBuddy(self.user)
        pw_label = QLabel(tr("&Password:"), self)
        pw_label.setBuddy(self.password)
        form.addRow(user_label, self.user)
        form.addRow(pw_label, self.password)
        self.hint = QLabel(hint, self)
        self.hint.setObjectName("helpText")
        self.hint.setWordWrap(True)
        self.hint.setVisible(bool(hint))
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.busy = busy_bar(self)
        self.button = QPushButton(button_text, self)
        self.button.setDefault(True)
        self.button.setAutoDefault(True)
        self.button_row = row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.hint)
        lay.addWidget(self.error)
        lay.addWidget(self.busy)
        lay.addLayout(row)
        self.button.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.user.returnPressed.connect(self.password.setFocus)

    def _submit(self) -> None:
        if not self.button.isEnabled():
            return
        if not self.user.text().strip():
            self.show_error(tr("Enter your user name."))
            self.user.setFocus()
            return
        if not self.password.text():
            self.show_error(tr("Enter your password."))
            self.password.setFocus()
            return
        self.submitted.emit(self.user.text().strip(), self.password.text())

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.button.setEnabled(not busy)
        self.user.setEnabled(not busy and not self.user.isReadOnly())
        self.password.setEnabled(not busy)
        if busy:
            self.error.hide()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def reset(self, user: str = "", *, user_fixed: bool = False) -> None:
        self.user.setText(user)
        self.user.setReadOnly(user_fixed)
        self.user.setEnabled(not user_fixed)
        self.password.clear()
        self.error.hide()
        self.set_busy(False)
        (self.password if user else self.user).setFocus()


class LoginDialog(QDialog):
    """Asks for user and password and opens the vault off the UI thread."""

    def __init__(
        self,
        opener: Opener,
        *,
        last_user: str = "",
        hint: str = "",
        title: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or tr("Log in to Transitions"))
        self.service: RecordService | None = None
        self._opener = opener
        self._gave_up = False
        heading = QLabel(tr("Log in"), self)
        heading.setObjectName("pageTitle")
        self.form = LoginForm(button_text=tr("&Log in"), hint=hint, parent=self)
        cancel = QPushButton(tr("&Quit"), self)
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        self.form.button_row.insertWidget(1, cancel)
        lay = QVBoxLayout(self)
        lay.addWidget(heading)
        lay.addWidget(self.form)
        self.form.reset(last_user)
        self.form.submitted.connect(self._open)
        self.setMinimumWidth(420)

    def _open(self, user: str, password: str) -> None:
        self.form.set_busy(True)
        run_in_background(lambda: self._opener(user, password), self._opened, self._failed)

    def _opened(self, service: Any) -> None:
        if self._gave_up:
            service.close()  # the person quit while the vault was opening
            return
        self.service = service
        self.form.set_busy(False)
        self.accept()

    def reject(self) -> None:
        self._gave_up = True
        super().reject()

    def _failed(self, exc: BaseException) -> None:
        self.form.set_busy(False)
        self.form.show_error(plain_error(exc))
        self.form.password.selectAll()
        self.form.password.setFocus()
