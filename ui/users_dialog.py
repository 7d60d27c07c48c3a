"""File > Users…: who can open this vault, with their roles; add a user, remove one.

For the manager of a setting's vault (or the headteacher of a school's). The role rules are the
service's: it refuses anyone else, and the dialog shows its sentence. Adding a user derives a key
from their password and removing one re-keys the whole vault, so both run off the UI thread.
There is no way to reset someone else's password: a forgotten one is dealt with by removing the
user and adding them again (their records belong to the vault and stay), or by the recovery key.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import (
    QCoreApplication,
    Qt,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.roles import SCHOOL_ROLES, Role
from ui.dialogs import MIN_PASSWORD, busy_bar, plain_error
from ui.service import UserLike
from ui.table_model import RowsModel
from ui.workers import run_in_background

UserRole = Qt.ItemDataRole.UserRole + 1  # the user (name, role) of a row

SETTING_ROLE_ORDER = (Role.PRACTITIONER, Role.SENCO, Role.DSL, Role.MANAGER, Role.CHILDMINDER)
SCHOOL_ROLE_ORDER = (Role.RECEPTION_TEACHER, Role.SCHOOL_SENCO, Role.SCHOOL_DSL, Role.HEADTEACHER)


def tr(text: str) -> str:
    return QCoreApplication.translate("users", text)


class UserAdmin(Protocol):
    """What the dialog needs from the session (``VaultService`` fits)."""

    @property
    def user(self) -> UserLike: ...

    def list_users(self) -> list[Any]: ...

    def add_user(self, name: str, role: Role | str, password: str) -> Any: ...

    def remove_user(self, name: str) -> None: ...

    def reset_password(self, name: str, new: str) -> None: ...


def roles_for(me: Role) -> tuple[Role, ...]:
    """The roles a new user of this vault can have: a school's if the person adding is school
    staff, otherwise the setting's."""
    return SCHOOL_ROLE_ORDER if me in SCHOOL_ROLES else SETTING_ROLE_ORDER


class UsersModel(RowsModel[UserLike]):
    NAME, ROLE = range(2)
    HEADERS = ("Name", "Role")
    CONTEXT = "users"

    def __init__(self, me: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._me = me

    def set_users(self, users: list[UserLike]) -> None:
        self.set_rows(sorted(users, key=lambda u: u.name.casefold()))

    def users(self) -> list[UserLike]:
        return self.rows()

    def row_of(self, name: str) -> int:
        return next((n for n, u in enumerate(self.rows()) if u.name == name), -1)

    def cell(self, user: UserLike, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.NAME:
                return (
                    tr("{name} (you)").format(name=user.name)
                    if user.name == self._me
                    else user.name
                )
            return tr(user.role.label)
        if role == Qt.ItemDataRole.FontRole and user.name == self._me:
            font = QFont()
            font.setBold(True)
            return font
        if role == UserRole:
            return user
        return None


class UsersDialog(QDialog):
    """The vault's users. ``service`` is the logged-in session (see :class:`UserAdmin`)."""

    def __init__(self, service: UserAdmin, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Users"))
        self._service = service
        self._me = service.user.name
        self.confirmation: QMessageBox | None = None
        self.model = UsersModel(self._me, self)

        title = QLabel(tr("Who can open this vault"), self)
        title.setObjectName("pageTitle")
        intro = QLabel(
            tr(
                "Each person has their own name and password. Their role decides what they can "
                "do with the records."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(tr("Users of this vault"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(UsersModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(UsersModel.ROLE, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(150)
        table_label = QLabel(tr("&Users:"), self)
        table_label.setBuddy(self.table)
        self.remove_button = QPushButton(tr("Re&move user…"), self)
        self.remove_button.setAccessibleName(tr("Remove the chosen user"))
        self.remove_button.setAutoDefault(False)
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.ask_remove)
        self.reset_button = QPushButton(tr("Set a new pass&word…"), self)
        self.reset_button.setAccessibleName(tr("Set a new password for the chosen user"))
        self.reset_button.setAutoDefault(False)
        self.reset_button.setEnabled(False)
        self.reset_button.clicked.connect(self.ask_reset)
        self.reset_dialog: NewPasswordDialog | None = None
        self.remove_note = QLabel(self)
        self.remove_note.setObjectName("helpText")
        self.remove_note.setWordWrap(True)
        remove_row = QHBoxLayout()
        remove_row.addWidget(self.remove_note, 1)
        remove_row.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignTop)
        remove_row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)

        self.add_box = QGroupBox(tr("Add a user"), self)
        self.name = QLineEdit(self.add_box)
        self.name.setAccessibleName(tr("New user's name"))
        self.name.setPlaceholderText(tr("for example, jo.smith"))
        self.role = QComboBox(self.add_box)
        self.role.setAccessibleName(tr("New user's role"))
        for role in roles_for(service.user.role):
            self.role.addItem(tr(role.label), role)
        self.password = QLineEdit(self.add_box)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("New user's first password"))
        self.again = QLineEdit(self.add_box)
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName(tr("New user's first password again"))
        form = QFormLayout()
        for text, widget in (
            (tr("&Name:"), self.name),
            (tr("&Role:"), self.role),
            (tr("First &password:"), self.password),
            (tr("Password a&gain:"), self.again),
        ):
            label = QLabel(text, self.add_box)
            label.setBuddy(widget)
            form.addRow(label, widget)
        pass_on = QLabel(
            tr(
                "At least {n} characters. Tell the person their password yourself, in person, "
                "not by email or message. They can change it with File ▸ Change password."
            ).format(n=MIN_PASSWORD),
            self.add_box,
        )
        pass_on.setObjectName("helpText")
        pass_on.setWordWrap(True)
        self.add_button = QPushButton(tr("&Add user"), self.add_box)
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        add_row.addWidget(self.add_button)
        box_lay = QVBoxLayout(self.add_box)
        box_lay.addLayout(form)
        box_lay.addWidget(pass_on)
        box_lay.addLayout(add_row)
        for field in (self.name, self.password, self.again):
            field.returnPressed.connect(self.add)

        forgotten = QLabel(
            tr(
                "Forgotten password? Choose the person and Set a new password; their role and "
                "the records they wrote stay. If no one who can manage users remembers their "
                "password, use the vault's recovery key."
            ),
            self,
        )
        forgotten.setObjectName("helpText")
        forgotten.setWordWrap(True)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        self.message.hide()
        self.busy = busy_bar(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(title)
        lay.addWidget(intro)
        lay.addSpacing(4)
        lay.addWidget(table_label)
        lay.addWidget(self.table, 1)
        lay.addLayout(remove_row)
        lay.addSpacing(6)
        lay.addWidget(self.add_box)
        lay.addWidget(forgotten)
        lay.addWidget(self.message)
        lay.addWidget(self.busy)
        lay.addWidget(buttons)
        for before, after in (
            (self.table, self.reset_button),
            (self.reset_button, self.remove_button),
            (self.remove_button, self.name),
            (self.name, self.role),
            (self.role, self.password),
            (self.password, self.again),
            (self.again, self.add_button),
            (self.add_button, self.close_button),
        ):
            QWidget.setTabOrder(before, after)
        self.setMinimumSize(560, 640)  # the wrapped sentences need room the layout cannot foresee
        self.resize(600, 680)

        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.refresh()
        self._selection_changed()
        self.name.setFocus()

    # --- list ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        try:
            self.model.set_users(self._service.list_users())
        except Exception as exc:  # noqa: BLE001 - shown as one plain sentence
            self.show_message(plain_error(exc), error=True)
        self._selection_changed()

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        user = self.model.data(rows[0], UserRole)
        return None if user is None else str(user.name)

    def select(self, name: str) -> None:
        row = self.model.row_of(name)
        if row >= 0:
            self.table.selectRow(row)

    def _selection_changed(self, *_args: object) -> None:
        name = self.selected_name()
        working = self.busy.isVisible()
        self.reset_button.setEnabled(name is not None and name != self._me and not working)
        if name is None:
            self.remove_button.setEnabled(False)
            self.remove_note.setText(tr("Choose someone in the list to remove them."))
        elif name == self._me:
            self.remove_button.setEnabled(False)
            self.remove_note.setText(
                tr("You cannot remove yourself. Another manager can, or add one first.")
            )
        else:
            self.remove_button.setEnabled(not working)
            self.remove_note.setText(
                tr("Removing {name} locks them out at once; the records stay.").format(name=name)
            )

    # --- messages and busy -----------------------------------------------------------------------

    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setObjectName("fieldError" if error else "statusLine")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.add_box.setEnabled(not busy)
        self.table.setEnabled(not busy)
        self.close_button.setEnabled(not busy)
        self._selection_changed()
        if busy:
            self.remove_button.setEnabled(False)
            self.reset_button.setEnabled(False)

    def is_busy(self) -> bool:
        return self.busy.isVisible()

    def reject(self) -> None:
        if self.is_busy():  # a key derivation or re-key is running on the vault
            return
        super().reject()

    # --- add ------------------------------------------------------------------------------------

    def _problem(self) -> tuple[str, QWidget] | None:
        if not self.name.text().strip():
            return tr("Enter the new user's name."), self.name
        if len(self.password.text()) < MIN_PASSWORD:
            return tr("Choose a first password of at least {n} characters.").format(
                n=MIN_PASSWORD
            ), self.password
        if self.password.text() != self.again.text():
            return tr("The two passwords are not the same. Type them again."), self.again
        return None

    def add(self) -> None:
        if self.is_busy():
            return
        found = self._problem()
        if found is not None:
            text, widget = found
            self.show_message(text, error=True)
            if widget is self.again:
                self.password.clear()
                self.again.clear()
                self.password.setFocus()
            else:
                widget.setFocus()
            return
        name, role, password = (
            self.name.text().strip(),
            self.role.currentData(),
            self.password.text(),
        )
        self.show_message(tr("Adding {name}…").format(name=name))
        self._set_busy(True)
        service = self._service
        run_in_background(
            lambda: service.add_user(name, role, password),
            self._added,
            self._add_failed,
            owner=self,
        )

    def _added(self, info: Any) -> None:
        self._set_busy(False)
        for field in (self.name, self.password, self.again):
            field.clear()
        self.refresh()
        self.select(info.name)
        self.show_message(
            tr(
                "Added {name} as {role}. Give them their password in person; they can log in "
                "with it now."
            ).format(name=info.name, role=tr(info.role.label))
        )
        self.name.setFocus()

    def _add_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.show_message(plain_error(exc), error=True)
        self.name.setFocus()

    # --- remove ---------------------------------------------------------------------------------

    def ask_remove(self) -> None:
        """Ask (window-modal, without blocking) whether to remove the chosen user; the answer goes
        to :meth:`answer_remove`."""
        name = self.selected_name()
        if name is None or name == self._me or self.is_busy():
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("Remove a user"))
        box.setText(tr("Remove {name}?").format(name=name))
        box.setInformativeText(
            tr(
                "{name} will no longer be able to open this vault. The records they wrote stay. "
                "This takes a little while: the vault is locked with a new key."
            ).format(name=name)
        )
        yes = box.addButton(
            tr("&Remove {name}").format(name=name), QMessageBox.ButtonRole.AcceptRole
        )
        no = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.finished.connect(lambda _r: self._confirmed(box, name, box.clickedButton() is yes))
        self.confirmation = box
        box.open()

    def _confirmed(self, box: QMessageBox, name: str, yes: bool) -> None:
        if self.confirmation is box:
            self.confirmation = None
        box.deleteLater()
        self.answer_remove(name, yes)

    def answer_remove(self, name: str, yes: bool) -> None:
        """The answer to "Remove NAME?": on yes, remove and re-key in the background."""
        if not yes:
            self.table.setFocus()
            return
        self.show_message(
            tr("Removing {name} and locking the vault with a new key…").format(name=name)
        )
        self._set_busy(True)
        service = self._service

        def done(_result: object) -> None:
            self._removed(name)

        run_in_background(lambda: service.remove_user(name), done, self._remove_failed, owner=self)

    def _removed(self, name: str) -> None:
        self._set_busy(False)
        self.refresh()
        self.show_message(
            tr("Removed {name}. They can no longer open this vault; their records stay.").format(
                name=name
            )
        )
        self.table.setFocus()

    def _remove_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.refresh()
        self.show_message(plain_error(exc), error=True)

    # --- a new password for someone who forgot theirs ----------------------------------------------

    def ask_reset(self) -> NewPasswordDialog | None:
        """Ask for the chosen user's new password (window-modal, without blocking)."""
        name = self.selected_name()
        if name is None or name == self._me or self.is_busy():
            return None
        dialog = NewPasswordDialog(name, self)
        dialog.accepted.connect(lambda: self.reset(name, dialog.password.text()))
        self.reset_dialog = dialog
        dialog.open()
        return dialog

    def reset(self, name: str, password: str) -> None:
        """Give ``name`` the new ``password`` in the background (the key derivation is slow)."""
        self.show_message(tr("Setting a new password for {name}…").format(name=name))
        self._set_busy(True)
        service = self._service

        def done(_result: object) -> None:
            self._set_busy(False)
            self.show_message(
                tr(
                    "{name} has a new password. Tell it to them in person; the old one no longer "
                    "opens the vault."
                ).format(name=name)
            )

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self.show_message(plain_error(exc), error=True)

        run_in_background(lambda: service.reset_password(name, password), done, failed, owner=self)


class NewPasswordDialog(QDialog):
    """The new password for a user who forgot theirs, typed twice; checked before accepting."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("A new password for {name}").format(name=name))
        intro = QLabel(
            tr(
                "{name} will log in with this password from now on; the old one stops working. "
                "Their role and their records stay."
            ).format(name=name),
            self,
        )
        intro.setWordWrap(True)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("New password"))
        self.again = QLineEdit(self)
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName(tr("New password again"))
        form = QFormLayout()
        for text, widget in (
            (tr("New &password:"), self.password),
            (tr("Password a&gain:"), self.again),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(self)
        self.set_button = buttons.addButton(
            tr("&Set password"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.check_and_accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.setMinimumWidth(420)
        self.password.setFocus()

    def check_and_accept(self) -> None:
        if len(self.password.text()) < MIN_PASSWORD:
            problem = tr("Choose a password of at least {n} characters.").format(n=MIN_PASSWORD)
        elif self.password.text() != self.again.text():
            problem = tr("The two passwords are not the same. Type them again.")
        else:
            self.accept()
            return
        self.error.setText(problem)
        self.error.show()
        self.password.clear()
        self.again.clear()
        self.password.setFocus()
