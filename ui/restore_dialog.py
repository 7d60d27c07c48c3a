"""File > Restore backup…: the backup file, a new empty folder, and a login (or the recovery key)
that opens the backup, so it is checked before anything is written."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def tr(text: str) -> str:
    return QCoreApplication.translate("restore", text)


def _picker(parent: QWidget, field: QLineEdit, pick: object) -> QWidget:
    box = QWidget(parent)
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    button = QPushButton(tr("Browse…"), box)
    button.setAccessibleName(tr("Browse for {what}").format(what=field.accessibleName()))
    button.clicked.connect(pick)
    lay.addWidget(field, 1)
    lay.addWidget(button)
    box.setFocusProxy(field)
    return box


class RestoreDialog(QDialog):
    def __init__(self, start: Path, user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Restore a backup"))
        self._start = start
        self.backup = QLineEdit(self)
        self.backup.setAccessibleName(tr("Backup file"))
        self.folder = QLineEdit(self)
        self.folder.setAccessibleName(tr("New folder"))
        self.user = QLineEdit(user, self)
        self.user.setAccessibleName(tr("User name"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("Password"))
        self.recovery = QLineEdit(self)
        self.recovery.setAccessibleName(tr("Recovery key"))
        self.recovery.setPlaceholderText(tr("Only if no one can log in"))
        note = QLabel(
            tr(
                "The backup is restored into a new, empty folder; the vault you have open is not "
                "touched. Log in as someone who could open the vault when it was backed up, or "
                "give its recovery key."
            ),
            self,
        )
        note.setWordWrap(True)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("formMessage")
        form = QFormLayout()
        for text, widget in (
            (tr("&Backup file:"), _picker(self, self.backup, self._pick_backup)),
            (tr("New &folder:"), _picker(self, self.folder, self._pick_folder)),
            (tr("&User name:"), self.user),
            (tr("&Password:"), self.password),
            (tr("Or &recovery key:"), self.recovery),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("&Restore"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.resize(620, 300)

    def _pick_backup(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self,
            tr("Backup to restore"),
            str(self._start),
            tr("Transitions backups (*.tvbak);;All files (*)"),
        )
        if chosen:
            self.backup.setText(chosen)

    def _pick_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, tr("A new, empty folder for the restored vault"), str(self._start)
        )
        if chosen:
            self.folder.setText(chosen)

    def _accept(self) -> None:
        if not self.backup.text().strip() or not self.folder.text().strip():
            self.message.setText(tr("Choose the backup file and a new folder."))
            return
        if not self.recovery.text().strip() and not (self.user.text() and self.password.text()):
            self.message.setText(tr("Give a user name and password, or the recovery key."))
            return
        self.accept()
