"""Quarantine actions: release a file after a phone check, remove one, add a decryption key.

A file lands in quarantine when it does not verify. Only one kind can ever be released: an intact
signature from a signer your LA does not vouch for (a self-signed setting, or one from another
LA). The headteacher phones the setting on a number the school already has, hears the signer's
certificate fingerprint read out, compares it with the one shown here, and says who confirmed it.
A broken signature is never released: the setting sends the file again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
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

from models.errors import ImportRefused, Refusal, TransitionsError
from models.safe_input import read_file

MAX_KEY_FILE = 1024 * 1024


def tr(text: str) -> str:
    return QCoreApplication.translate("quarantine", text)


def grouped_fingerprint(fingerprint: str) -> str:
    """``AB:CD:...`` as groups of four hex digits on two lines, easier to read aloud."""
    digits = "".join(c for c in fingerprint.upper() if c in "0123456789ABCDEF")
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    half = (len(groups) + 1) // 2
    return " ".join(groups[:half]) + "\n" + " ".join(groups[half:])


class ReleaseDialog(QDialog):
    """Release one quarantined file (``entry``) through ``school.release``."""

    def __init__(self, school: Any, entry: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._school = school
        self._entry = entry
        self.outcome: Any = None
        self.setWindowTitle(tr("Release {file} after a phone check").format(file=entry.file))
        intro = QLabel(
            tr(
                "This file's signature is intact, but your LA does not vouch for the person who "
                "signed it. Phone {org} on a number you already have (not one given with the file) "
                "and ask them to read out their certificate fingerprint (in Transitions: Setting > "
                "Charter…). Release the file only if every group matches."
            ).format(org=entry.organisation or tr("the setting")),
            self,
        )
        intro.setWordWrap(True)
        signer = QLabel(
            tr("Signed by {signer}, {org}.").format(
                signer=entry.signer or tr("(no name)"),
                org=entry.organisation or tr("(no organisation)"),
            ),
            self,
        )
        signer.setWordWrap(True)
        self.fingerprint = QLabel(grouped_fingerprint(entry.fingerprint_sha256), self)
        self.fingerprint.setObjectName("fingerprint")
        self.fingerprint.setStyleSheet("font-family: monospace; font-size: 12pt;")
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setAccessibleName(tr("Signer's certificate fingerprint"))
        self.matches = QCheckBox(tr("They read out the &same fingerprint, every group"), self)
        self.checked_with = QLineEdit(self)
        self.checked_with.setAccessibleName(tr("Who confirmed it"))
        self.checked_with.setPlaceholderText(tr("For example: Alex Carewell, manager"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("The file's password"))
        form = QFormLayout()
        who_label = QLabel(tr("&Who confirmed it:"), self)
        who_label.setBuddy(self.checked_with)
        form.addRow(who_label, self.checked_with)
        # The password that opened the file is kept with it in quarantine; the field appears
        # only if it was not (files quarantined by an older version of the app).
        self.password_label = QLabel(tr("The file's &password:"), self)
        self.password_label.setBuddy(self.password)
        form.addRow(self.password_label, self.password)
        self.password_label.hide()
        self.password.hide()
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(self)
        self.release_button = buttons.addButton(
            tr("&Release and import"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._release)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(signer)
        lay.addWidget(self.fingerprint)
        lay.addWidget(self.matches)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.matches.toggled.connect(self._update)
        self.checked_with.textChanged.connect(self._update)
        self._update()
        self.setMinimumWidth(560)

    def _update(self) -> None:
        self.release_button.setEnabled(
            self.matches.isChecked() and bool(self.checked_with.text().strip())
        )

    def _release(self) -> None:
        if not self.release_button.isEnabled():
            return
        try:
            self.outcome = self._school.release(
                self._entry.file_sha256,
                self.checked_with.text(),
                password=self.password.text() or None,
            )
        except TransitionsError as exc:
            self.error.setText(str(exc))
            self.error.show()
            if isinstance(exc, ImportRefused) and exc.refusal is Refusal.PASSWORD:
                self.password_label.show()
                self.password.show()
                self.password.setFocus()
            return
        self.accept()


class DecryptionKeyDialog(QDialog):
    """Add the school's decryption key (a PKCS#12 file from the LA) to the vault."""

    def __init__(self, school: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._school = school
        self.added: Any = None
        self.setWindowTitle(tr("The school's decryption key"))
        held = school.decryption_keys()
        intro = QLabel(
            tr(
                "Settings encrypt records to the certificate your LA lists for this school. To open "
                "them, keep the matching key (a .p12 file from your LA) in this vault. It is stored "
                "encrypted, like the records."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.held = QLabel(
            "\n".join(
                tr("Held: {subject} (valid to {date})").format(subject=k.subject, date=k.not_after)
                for k in held
            )
            or tr("No key held yet: files encrypted to the school's certificate are refused."),
            self,
        )
        self.held.setWordWrap(True)
        self.file = QLineEdit(self)
        self.file.setAccessibleName(tr("Key file"))
        browse = QPushButton(tr("&Browse…"), self)
        browse.clicked.connect(self._browse)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(tr("Key file passphrase"))
        row = QHBoxLayout()
        row.addWidget(self.file, 1)
        row.addWidget(browse)
        form = QFormLayout()
        file_label = QLabel(tr("Key &file (.p12):"), self)
        file_label.setBuddy(self.file)
        form.addRow(file_label, row)
        pass_label = QLabel(tr("Pass&phrase:"), self)
        pass_label.setBuddy(self.passphrase)
        form.addRow(pass_label, self.passphrase)
        self.error = QLabel(self)
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(self)
        self.add_button = buttons.addButton(tr("&Add key"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._add)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.held)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.setMinimumWidth(540)

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, tr("The school's key file"), "", tr("Key files (*.p12 *.pfx)")
        )
        if path:
            self.file.setText(path)

    def _add(self) -> None:
        path = Path(self.file.text().strip())
        if not self.file.text().strip():
            self._show(tr("Choose the key file your LA gave you."))
            return
        try:
            data = read_file(path, limit=MAX_KEY_FILE, what="key file")
        except TransitionsError as exc:
            self._show(str(exc))
            return
        try:
            self.added = self._school.add_decryption_key(data, self.passphrase.text())
        except TransitionsError as exc:
            self._show(str(exc))
            return
        self.accept()

    def _show(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
