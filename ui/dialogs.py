"""First run (new vault + recovery key), change password and the lock screen. The login dialog and
form are in ``ui.login`` (the start-up imports only that module) and are re-exported here."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from models.identifiers import is_school_urn
from ui.login import LoginDialog, LoginForm, busy_bar, plain_error
from ui.service import RecordService
from ui.workers import run_in_background

__all__ = [
    "MIN_PASSWORD",
    "ChangePasswordDialog",
    "LockScreen",
    "LoginDialog",
    "LoginForm",
    "NewVaultDialog",
    "RecoveryKeyDialog",
    "busy_bar",
    "plain_error",
    "urn_problem",
]

MIN_PASSWORD = 8


def tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


class RecoveryKeyDialog(QDialog):
    """Shows the recovery key once, with Copy and Save buttons."""

    def __init__(
        self, recovery_key: str, parent: QWidget | None = None, *, school: bool = False
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Your recovery key"))
        self._key = recovery_key
        if school:
            message = tr(
                "This is the vault's recovery key. It is shown only this once. If the headteacher "
                "forgets their password, it is the only way back in. Print it or save it somewhere "
                "safe, away from this computer."
            )
        else:
            message = tr(
                "This is the vault's recovery key. It is shown only this once. If every manager "
                "forgets their password, it is the only way back in. Print it or save it somewhere "
                "safe, away from this computer."
            )
        text = QLabel(message, self)
        text.setWordWrap(True)
        self.key_field = QLineEdit(recovery_key, self)
        self.key_field.setReadOnly(True)
        self.key_field.setAccessibleName(tr("Recovery key"))
        self.key_field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton(tr("&Copy"), self)
        self.save_button = QPushButton(tr("&Save to a file…"), self)
        self.stored = QCheckBox(tr("I have &stored the recovery key safely"), self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        self.stored.toggled.connect(self.ok_button.setEnabled)
        buttons.accepted.connect(self.accept)
        self.copy_button.clicked.connect(self._copy)
        self.save_button.clicked.connect(self._save)
        row = QHBoxLayout()
        row.addWidget(self.copy_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.key_field)
        lay.addLayout(row)
        lay.addWidget(self.stored)
        lay.addWidget(buttons)
        self.setMinimumWidth(520)

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self._key)
        self.copy_button.setText(tr("Copied"))

    def _save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            tr("Save the recovery key"),
            "transitions-recovery-key.txt",
            tr("Text files (*.txt)"),
        )
        if path:
            Path(path).write_text(
                "Transitions vault recovery key (keep this safe and private):\n" + self._key + "\n",
                encoding="utf-8",
            )
            self.save_button.setText(tr("Saved"))


Creator = Callable[[Path, str, str], tuple[RecordService, str]]


class SchoolCreator(Protocol):
    """Makes a school's vault (first user: the headteacher); ``transitions_app.app``'s
    ``VaultAccess.create_school`` fits. Returns the session and the recovery key. Slow."""

    def __call__(
        self,
        directory: Path,
        user: str,
        password: str,
        *,
        urn: str,
        name: str,
        p12: Path | None = None,
        p12_passphrase: str = "",
    ) -> tuple[RecordService, str]: ...


def urn_problem(urn: str) -> str | None:
    """The sentence to show beside a school's DfE URN, or None when it is six digits."""
    urn = urn.strip()
    if not urn:
        return tr("Enter the school's six-digit DfE URN.")
    if not is_school_urn(urn):
        return tr("A school's DfE URN is six digits, such as 123456.")
    return None


class NewVaultDialog(QDialog):
    """First run: make a vault in ``directory``, then show the recovery key. Asks who will use it:
    a setting (first user: a manager) or, when ``school_creator`` is given, a receiving school
    (first user: the headteacher, with the school's URN and name, and optionally its LA-issued
    certificate)."""

    def __init__(
        self,
        creator: Creator,
        directory: Path,
        *,
        school_creator: SchoolCreator | None = None,
        choose_folder: bool = False,
        la_choice: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Create a new vault"))
        self.la_folder: Path | None = (
            None  # set when a local authority was chosen: no vault is made
        )
        self.service: RecordService | None = None
        self.recovery_key: str | None = None
        self.directory = directory
        self._creator = creator
        self._school_creator = school_creator
        intro = QLabel(tr("A vault keeps the children's records encrypted on this computer."), self)
        intro.setWordWrap(True)

        self.kind_box = QGroupBox(tr("Who will use this vault?"), self)
        self.setting_option = QRadioButton(
            tr("An &early years setting or childminder (you write records)"), self.kind_box
        )
        self.school_option = QRadioButton(
            tr("A &school receiving records (Reception, SENCO, DSL)"), self.kind_box
        )
        self.la_option = QRadioButton(
            tr("A &local authority (you see your settings' and schools' returns)"), self.kind_box
        )
        self._la_choice = la_choice
        self.la_option.setVisible(la_choice)
        self.setting_option.setChecked(True)
        kind_lay = QVBoxLayout(self.kind_box)
        kind_lay.addWidget(self.setting_option)
        kind_lay.addWidget(self.school_option)
        kind_lay.addWidget(self.la_option)
        self.la_path = QLineEdit(self)
        self.la_path.setAccessibleName(tr("The LA's CA folder"))
        self.la_path.setPlaceholderText(tr("the folder made by “transitions-app la init”"))
        self.la_browse = QPushButton(tr("Bro&wse…"), self)
        self.la_browse.clicked.connect(self._browse_la)
        self.kind_box.setVisible(school_creator is not None)
        self.role_note = QLabel(self)
        self.role_note.setWordWrap(True)

        self.folder = QLineEdit(str(directory), self)
        self.folder.setAccessibleName(tr("Vault folder"))
        self.folder.setReadOnly(not choose_folder)
        self.browse = QPushButton(tr("&Browse…"), self)
        self._choose_folder = choose_folder
        self.browse.setVisible(choose_folder)
        self.browse.clicked.connect(self._browse)
        self.urn = QLineEdit(self)
        self.urn.setAccessibleName(tr("School's DfE URN"))
        self.urn.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.urn.setPlaceholderText(tr("six digits"))
        self.urn_error = QLabel(self)
        self.urn_error.setObjectName("fieldError")
        self.school_name = QLineEdit(self)
        self.school_name.setAccessibleName(tr("School's name"))
        self.p12_button = QPushButton(tr("Certificate from your &LA (.p12)…"), self)
        self.p12_button.setAccessibleName(tr("Choose the certificate from your LA"))
        self.p12_button.clicked.connect(self._choose_p12)
        self.p12_note = QLabel(self)
        self.p12_note.setObjectName("helpText")
        self.p12_remove = QPushButton(tr("&Remove"), self)
        self.p12_remove.setAccessibleName(tr("Remove the certificate"))
        self.p12_remove.clicked.connect(lambda: self.set_p12(None))
        self.p12_passphrase = QLineEdit(self)
        self.p12_passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.p12_passphrase.setAccessibleName(tr("Certificate passphrase"))
        self.p12: Path | None = None
        self.user = QLineEdit(self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("Password"))
        self.again = QLineEdit(self)
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName(tr("Password again"))

        self.form = form = QFormLayout()
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self._la_row = la_row = QHBoxLayout()
        la_row.addWidget(self.la_path, 1)
        la_row.addWidget(self.la_browse)
        self._folder_row = folder_row
        self._p12_row = p12_row = QHBoxLayout()
        p12_row.addWidget(self.p12_button)
        p12_row.addWidget(self.p12_remove)
        p12_row.addStretch(1)
        self.user_label = QLabel(tr("&Your user name:"), self)
        self.user_label.setBuddy(self.user)
        for text, widget, field in (
            (tr("&Folder:"), self.folder, folder_row),
            (tr("LA's CA &folder:"), self.la_path, la_row),
            (tr("School's DfE &URN:"), self.urn, self.urn),
            (tr("School's &name:"), self.school_name, self.school_name),
            (tr("LA certificate:"), self.p12_button, p12_row),
            (tr("Certifica&te passphrase:"), self.p12_passphrase, self.p12_passphrase),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, field)
            if widget is self.urn:
                form.addRow("", self.urn_error)
            if widget is self.p12_button:
                form.addRow("", self.p12_note)
        form.addRow(self.user_label, self.user)
        for text, widget in (
            (tr("&Password:"), self.password),
            (tr("Password &again:"), self.again),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.busy = busy_bar(self)
        buttons = QDialogButtonBox(self)
        self.create_button = buttons.addButton(
            tr("&Create vault"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        self._layout = lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.kind_box)
        lay.addWidget(self.role_note)
        lay.addSpacing(4)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.busy)
        lay.addWidget(buttons)
        order = (
            self.setting_option,
            self.school_option,
            self.la_option,
            self.la_path,
            self.la_browse,
            self.folder,
            self.browse,
            self.urn,
            self.school_name,
            self.p12_button,
            self.p12_remove,
            self.p12_passphrase,
            self.user,
            self.password,
            self.again,
        )
        for before, after in pairwise(order):
            QWidget.setTabOrder(before, after)
        self.setMinimumWidth(560)

        self.school_option.toggled.connect(self._show_kind)
        self.la_option.toggled.connect(self._show_kind)
        self.urn.editingFinished.connect(self._check_urn)
        self.urn.textChanged.connect(self._urn_edited)
        self._show_kind()
        self.set_p12(None)
        (self.setting_option if school_creator is not None else self.user).setFocus()

    @property
    def for_school(self) -> bool:
        return self._school_creator is not None and self.school_option.isChecked()

    @property
    def for_la(self) -> bool:
        return self._la_choice and self.la_option.isChecked()

    def _show_kind(self) -> None:
        school = self.for_school
        la = self.for_la
        for row in (self._folder_row, self.user, self.password, self.again):
            self.form.setRowVisible(row, not la)
        self.form.setRowVisible(self._la_row, la)
        self.browse.setVisible(self._choose_folder and not la)  # showing its row showed it too
        self.create_button.setText(tr("&Open the LA's view") if la else tr("&Create vault"))
        if la:
            self.role_note.setText(
                tr(
                    "No vault is made: a local authority sees only the signed counts its settings and "
                    "schools send, never a child. Choose the LA's CA folder (made by “transitions-app "
                    "la init”); its root certificate and register decide which returns count."
                )
            )
        elif school:
            self.role_note.setText(
                tr(
                    "You will be its first user, with the headteacher's role: once it is made you "
                    "can add the Reception teacher, SENCO and DSL."
                )
            )
            self.user.setAccessibleName(tr("Headteacher's user name"))
        else:
            self.role_note.setText(
                tr("You will be its first manager: you can add other users once it is made.")
            )
            self.user.setAccessibleName(tr("Manager's user name"))
        self.form.setRowVisible(self.urn, school)
        self.form.setRowVisible(self.school_name, school)
        self.form.setRowVisible(self._p12_row, school)
        self.p12_remove.setVisible(school and self.p12 is not None)
        self.form.setRowVisible(self.p12_note, school)
        self.form.setRowVisible(self.urn_error, school and bool(self.urn_error.text()))
        self.form.setRowVisible(self.p12_passphrase, school and self.p12 is not None)
        self.error.hide()
        self._fit()

    def _fit(self) -> None:
        """Grow or shrink to the rows now shown, wrapped sentences included."""
        lay = self._layout
        lay.activate()
        width = (
            self.width() if self.isVisible() else max(self.minimumWidth(), self.sizeHint().width())
        )
        height = lay.totalHeightForWidth(width) if lay.hasHeightForWidth() else -1
        self.resize(width, max(height, lay.totalMinimumSize().height()))

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Choose an empty folder for the vault"))
        if path:
            self.folder.setText(path)

    def _choose_p12(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            tr("Choose the certificate from your LA"),
            "",
            tr("Certificate files (*.p12 *.pfx);;All files (*)"),
        )
        if path:
            self.set_p12(Path(path))
            self.p12_passphrase.setFocus()

    def set_p12(self, path: Path | None) -> None:
        """Use the LA-issued certificate at ``path`` (None: the app makes the school its own)."""
        self.p12 = path
        self.p12_passphrase.clear()
        if path is None:
            self.p12_note.setText(
                tr("Optional: without one, the app makes a certificate for the school.")
            )
        else:
            self.p12_note.setText(tr("Chosen: {name}").format(name=path.name))
        self.p12_remove.setVisible(self.for_school and path is not None)
        self.form.setRowVisible(self.p12_passphrase, self.for_school and path is not None)
        self._fit()

    def _set_urn_error(self, message: str | None) -> None:
        self.urn_error.setText(message or "")
        self.urn.setAccessibleDescription(message or "")
        self.form.setRowVisible(self.urn_error, bool(message))
        self._fit()

    def _check_urn(self) -> None:
        """Leaving the URN field: say at once what is wrong with a URN that was typed."""
        if self.urn.text().strip():
            self._set_urn_error(urn_problem(self.urn.text()))

    def _urn_edited(self) -> None:
        if self.urn_error.text() and urn_problem(self.urn.text()) is None:
            self._set_urn_error(None)

    def _browse_la(self) -> None:
        path = QFileDialog.getExistingDirectory(self, tr("Choose the LA's CA folder"))
        if path:
            self.la_path.setText(path)

    def _problem(self) -> tuple[str, QWidget] | None:
        if self.for_la:
            folder = self.la_path.text().strip()
            if not folder or not (Path(folder) / "root-cert.pem").is_file():
                return (
                    tr(
                        "Choose the LA's CA folder made by “transitions-app la init” (it holds root-cert.pem)."
                    ),
                    self.la_path,
                )
            return None
        if not self.folder.text().strip():
            return tr("Choose a folder for the vault."), self.folder
        if self.for_school:
            urn = urn_problem(self.urn.text())
            if urn:
                return urn, self.urn
            if not self.school_name.text().strip():
                return tr("Enter the school's name."), self.school_name
            if self.p12 is not None and not self.p12_passphrase.text():
                return (
                    tr("Enter the passphrase your LA gave you with the certificate."),
                    self.p12_passphrase,
                )
        if not self.user.text().strip():
            return tr("Enter a user name for yourself."), self.user
        if len(self.password.text()) < MIN_PASSWORD:
            return tr("Choose a password of at least {n} characters.").format(
                n=MIN_PASSWORD
            ), self.password
        if self.password.text() != self.again.text():
            return tr("The two passwords are not the same."), self.again
        return None

    def problem(self) -> str | None:
        found = self._problem()
        return found[0] if found else None

    def _create(self) -> None:
        found = self._problem()
        if found:
            message, widget = found
            if widget is self.urn:
                self._set_urn_error(message)
                self.error.hide()
            else:
                self.error.setText(message)
                self.error.show()
            widget.setFocus()
            return
        self.error.hide()
        if self.for_la:
            self.la_folder = Path(self.la_path.text().strip())
            self.accept()
            return
        self.busy.show()
        self.create_button.setEnabled(False)
        self.kind_box.setEnabled(False)
        directory = Path(self.folder.text().strip())
        user, password = self.user.text().strip(), self.password.text()
        self.directory = directory
        job: Callable[[], tuple[RecordService, str]]
        if self.for_school:
            assert self._school_creator is not None
            job = partial(
                self._school_creator,
                directory,
                user,
                password,
                urn=self.urn.text().strip(),
                name=self.school_name.text().strip(),
                p12=self.p12,
                p12_passphrase=self.p12_passphrase.text(),
            )
        else:
            job = partial(self._creator, directory, user, password)
        run_in_background(job, self._created, self._failed)

    def _created(self, result: tuple[RecordService, str]) -> None:
        self.busy.hide()
        self.service, self.recovery_key = result
        RecoveryKeyDialog(self.recovery_key, self, school=self.for_school).exec()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.create_button.setEnabled(True)
        self.kind_box.setEnabled(True)
        self.error.setText(plain_error(exc))
        self.error.show()


class ChangePasswordDialog(QDialog):
    def __init__(self, service: RecordService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Change your password"))
        self._service = service
        self.old = QLineEdit(self)
        self.new = QLineEdit(self)
        self.again = QLineEdit(self)
        form = QFormLayout()
        for text, widget in (
            (tr("&Current password:"), self.old),
            (tr("&New password:"), self.new),
            (tr("New password &again:"), self.again),
        ):
            widget.setEchoMode(QLineEdit.EchoMode.Password)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.busy = busy_bar(self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("&Change password"))
        buttons.accepted.connect(self._change)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(self.busy)
        lay.addWidget(buttons)
        self.setMinimumWidth(420)

    def _change(self) -> None:
        if len(self.new.text()) < MIN_PASSWORD:
            self._show(
                tr("Choose a new password of at least {n} characters.").format(n=MIN_PASSWORD)
            )
            return
        if self.new.text() != self.again.text():
            self._show(tr("The two new passwords are not the same."))
            return
        old, new = self.old.text(), self.new.text()
        self.busy.show()
        self.ok_button.setEnabled(False)
        run_in_background(
            lambda: self._service.change_password(old, new), lambda _r: self.accept(), self._failed
        )

    def _failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.ok_button.setEnabled(True)
        self._show(plain_error(exc))

    def _show(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class LockScreen(QWidget):
    """Hides everything behind a password prompt; also used to switch user."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = QLabel(self)
        self.title.setObjectName("pageTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.form = LoginForm(button_text=tr("&Unlock"), parent=self)
        self.other_user = QPushButton(tr("&Someone else…"), self)
        self.other_user.setAutoDefault(False)
        self.other_user.setToolTip(tr("Log in as a different person"))
        self.form.button_row.insertWidget(0, self.other_user)
        box = QWidget(self)
        box.setObjectName("lockBox")
        box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        box.setFixedWidth(460)
        bl = QVBoxLayout(box)
        bl.setContentsMargins(28, 24, 28, 20)
        bl.setSpacing(10)
        bl.addWidget(self.title)
        bl.addWidget(self.note)
        bl.addWidget(self.form)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(2)

    def show_locked(self, user: str) -> None:
        self.title.setText(tr("Transitions is locked"))
        self.note.setText(
            tr(
                "Records are hidden while you are away. Enter your password to carry on "
                "where you left off."
            )
        )
        self.form.button.setText(tr("&Unlock"))
        self.other_user.show()
        self.form.reset(user, user_fixed=True)

    def show_switch_user(self, hint: str = "") -> None:
        self.title.setText(tr("Switch user"))
        self.note.setText(hint or tr("Log in as the next person."))
        self.form.button.setText(tr("&Log in"))
        self.other_user.hide()
        self.form.reset("")
