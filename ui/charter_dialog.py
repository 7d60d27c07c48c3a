"""Setting > Charter…: what the LA's charter asks for, and (for managers) importing it with the
LA root, the revocation list and the setting's certificate, or making a self-signed certificate."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.safe_input import DOCUMENT_BYTES, read_file
from ui.dialogs import plain_error

SIGNOFF_LABELS = {"record": "Practitioner", "send": "SENCO (SEND section)", "manager": "Manager"}


def tr(text: str) -> str:
    return QCoreApplication.translate("charter", text)


class FilePicker(QWidget):
    """A path field with a Browse… button."""

    def __init__(self, caption: str, file_filter: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._caption = caption
        self._filter = file_filter
        self.path = QLineEdit(self)
        self.path.setAccessibleName(caption)
        self.browse = QPushButton(tr("Browse…"), self)
        self.browse.setAccessibleName(tr("Browse for {what}").format(what=caption))
        self.browse.clicked.connect(self._browse)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.path, 1)
        lay.addWidget(self.browse)
        self.setFocusProxy(self.path)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self._caption, self.path.text(), self._filter)
        if chosen:
            self.path.setText(chosen)

    def file(self) -> Path | None:
        text = self.path.text().strip()
        return Path(text) if text else None

    def read(self) -> bytes | None:
        path = self.file()
        if path is None:
            return None
        return read_file(
            path, limit=DOCUMENT_BYTES, what="file"
        )  # a charter, certificate or CRL is small


def summary_html(summary: dict[str, Any]) -> str:
    """The charter summary (``CharterService.summary()``) as short HTML for people."""
    esc = html.escape
    charter = summary.get("charter")
    if not charter:
        return "<p>" + esc(tr("No charter has been imported yet.")) + "</p>"
    parts = [
        f"<h3>{esc(charter['title'])}</h3>",
        "<p>"
        + esc(
            tr("Issued by {la}, version {v}. In force {start} to {end}.").format(
                la=charter["issuing_la"],
                v=charter["version"],
                start=charter["in_force"],
                end=charter["expires"],
            )
        )
        + ("" if summary.get("in_force") else " <b>" + esc(tr("Not in force today.")) + "</b>")
        + "</p>",
    ]
    deadlines = charter.get("deadlines") or []
    if deadlines:
        parts.append(f"<p><b>{esc(tr('Deadlines'))}</b></p><ul>")
        for d in deadlines:
            parts.append(
                f"<li>{esc(d['name'])}: {d['day']}/{d['month']} ({esc(str(d['applies']))})</li>"
            )
        parts.append("</ul>")
    consent = charter.get("consent") or {}
    lines = []
    if consent.get("required_before_export"):
        lines.append(tr("Parents' consent is recorded before export."))
    if consent.get("separate_consent_sections"):
        lines.append(
            tr("Separate consent for: {s}.").format(
                s=", ".join(consent["separate_consent_sections"])
            )
        )
    if consent.get("withdrawal_blocks_export"):
        lines.append(tr("Withdrawn consent stops export."))
    if lines:
        parts.append(f"<p><b>{esc(tr('Consent'))}</b><br>{'<br>'.join(esc(x) for x in lines)}</p>")
    signoff = charter.get("signoff") or []
    if signoff:
        items = [
            f"{SIGNOFF_LABELS.get(s['scope'], s['scope'])}"
            + ("" if s["when"] == "always" else f" ({s['when']})")
            for s in signoff
        ]
        parts.append(f"<p><b>{esc(tr('Sign-off'))}</b><br>{esc('; '.join(items))}</p>")
    export = charter.get("export") or {}
    if export:
        level = (
            tr("a certificate the LA issued")
            if export.get("signature_level") == "la_issued"
            else tr("any certificate, including a self-signed one")
        )
        enc = (
            tr("encrypted for the school (or with a password)")
            if export.get("encrypt_for_recipient")
            else tr("not necessarily encrypted")
        )
        parts.append(
            f"<p><b>{esc(tr('Export'))}</b><br>"
            + esc(tr("Signed with {level}; {enc}.").format(level=level, enc=enc))
            + "</p>"
        )
    cert = summary.get("setting_certificate")
    if cert:
        vouched = tr("issued by your LA") if cert["la_issued"] else tr("self-signed")
        parts.append(
            f"<p><b>{esc(tr('Setting certificate'))}</b><br>{esc(cert['subject'])} ({esc(vouched)})"
            f"<br>{esc(tr('Fingerprint'))}: <code>{esc(cert['fingerprint'])}</code></p>"
        )
    else:
        parts.append(f"<p><b>{esc(tr('No setting certificate yet.'))}</b></p>")
    return "".join(parts)


class CharterDialog(QDialog):
    """Shows the charter; managers import the charter and certificates here."""

    def __init__(
        self,
        charters: Any,
        *,
        can_manage: bool,
        setting_name: str = "",
        school: bool = False,
        school_certificate: Callable[[bytes, str], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``school``: a school's vault, which imports the charter, LA root and revocation list,
        and (through ``school_certificate(p12, passphrase)``) the signing certificate the LA
        issued to the school for its receipts and outcome files."""
        self._school_certificate = school_certificate
        super().__init__(parent)
        self.setWindowTitle(tr("Charter"))
        self._charters = charters
        self.changed = False

        self.summary = QTextBrowser(self)
        self.summary.setAccessibleName(tr("Charter summary"))
        self.summary.setMinimumWidth(420)

        self.charter_file = FilePicker(
            tr("Signed charter"), tr("Signed charter (*.toml *.signed.toml);;All files (*)"), self
        )
        self.root_file = FilePicker(
            tr("LA root certificate"), tr("Certificates (*.pem *.crt *.cer);;All files (*)"), self
        )
        self.crl_file = FilePicker(
            tr("Revocation list"), tr("Revocation lists (*.pem *.crl);;All files (*)"), self
        )
        self.p12_file = FilePicker(
            tr("Setting certificate"), tr("PKCS#12 (*.p12 *.pfx);;All files (*)"), self
        )
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(tr("Certificate passphrase"))
        self.import_button = QPushButton(tr("&Import"), self)
        self.import_button.clicked.connect(self.import_files)
        form = QFormLayout()
        rows: list[tuple[str, QWidget]] = [
            (tr("Signed &charter:"), self.charter_file),
            (tr("LA &root certificate:"), self.root_file),
            (tr("Revocation &list (CRL):"), self.crl_file),
        ]
        if not school:
            rows += [
                (tr("Setting certificate (.p&12):"), self.p12_file),
                (tr("Pass&phrase:"), self.passphrase),
            ]
        elif school_certificate is not None:
            rows += [
                (tr("School's signing certificate (.p&12):"), self.p12_file),
                (tr("Pass&phrase:"), self.passphrase),
            ]
        else:
            self.p12_file.hide()
            self.passphrase.hide()
        for text, widget in rows:
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("", self.import_button)
        import_box = QGroupBox(tr("Import from your local authority"), self)
        import_box.setLayout(form)

        explain = QLabel(
            tr(
                "No certificate from your LA yet? You can make a self-signed one. Records still "
                "arrive intact, but schools will see them as “not vouched for by your LA”, and a "
                "charter that asks for LA-issued certificates will not let you export."
            ),
            self,
        )
        explain.setWordWrap(True)
        self.setting_name = QLineEdit(setting_name, self)
        self.setting_name.setAccessibleName(tr("Setting name"))
        self.setting_urn = QLineEdit(self)
        self.setting_urn.setAccessibleName(tr("Setting URN"))
        self.self_signed_button = QPushButton(tr("Create &self-signed certificate"), self)
        self.self_signed_button.clicked.connect(self.create_self_signed)
        self.fingerprint = QLabel(self)
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setAccessibleName(tr("Certificate fingerprint"))
        self_form = QFormLayout()
        self_form.addRow(explain)
        for text, widget in (
            (tr("Setting &name:"), self.setting_name),
            (tr("Setting &URN:"), self.setting_urn),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            self_form.addRow(label, widget)
        self_form.addRow("", self.self_signed_button)
        self_form.addRow(self.fingerprint)
        self_box = QGroupBox(tr("Self-signed certificate"), self)
        self_box.setLayout(self_form)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        self.message.setObjectName("formMessage")

        right = QVBoxLayout()
        if can_manage:
            right.addWidget(import_box)
            if school:
                self_box.hide()
                trust = QLabel(
                    tr(
                        "Records are trusted when they are signed with a certificate your LA "
                        "issued: the charter brings the LA's root certificate and revocation list."
                    ),
                    self,
                )
                trust.setWordWrap(True)
                right.addWidget(trust)
            else:
                right.addWidget(self_box)
        else:  # the boxes are the dialog's children: hide them, or they show at the top left
            import_box.hide()
            self_box.hide()
            who = tr("the headteacher") if school else tr("a manager")
            note = QLabel(
                tr("Only {who} can import a charter or certificates.").format(who=who), self
            )
            note.setWordWrap(True)
            right.addWidget(note)
        right.addWidget(self.message)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.summary, 1)
        body.addLayout(right, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addWidget(buttons)
        self.resize(980, 600)
        self.refresh()

    def refresh(self) -> None:
        try:
            self.summary.setHtml(summary_html(self._charters.summary()))
        except TransitionsError as exc:
            self.summary.setPlainText(plain_error(exc))

    def _say(self, text: str, ok: bool) -> None:
        self.message.setProperty("kind", "info" if ok else "warning")
        self.message.setText(text)

    def import_files(self) -> None:
        done: list[str] = []
        try:
            signed = self.charter_file.read()
            root = self.root_file.read()
            crl = self.crl_file.read()
            p12 = self.p12_file.read()
            if signed is not None:
                verified = self._charters.import_charter(signed, root_pem=root, crl=crl)
                done.append(
                    tr("Charter “{title}” imported.").format(title=verified.charter.identity.title)
                )
            elif crl is not None:
                self._charters.import_crl(crl)
                done.append(tr("Revocation list imported."))
            if p12 is not None:
                if self._school_certificate is not None:
                    self._school_certificate(p12, self.passphrase.text())
                    done.append(
                        tr(
                            "School certificate imported: receipts and outcome files are signed with it."
                        )
                    )
                else:
                    self._charters.import_setting_p12(p12, self.passphrase.text())
                    done.append(tr("Setting certificate imported."))
        except Exception as exc:  # noqa: BLE001 - a refused or unreadable file, said plainly
            self.changed = self.changed or bool(done)
            self._say(" ".join([*done, plain_error(exc)]), ok=False)
            self.refresh()
            return
        if not done:
            self._say(tr("Choose the files to import first."), ok=False)
            return
        self.changed = True
        self.passphrase.clear()
        self._say(" ".join(done), ok=True)
        self.refresh()

    def create_self_signed(self) -> None:
        name = self.setting_name.text().strip()
        if not name:
            self._say(tr("Give the setting's name first."), ok=False)
            self.setting_name.setFocus()
            return
        try:
            identity = self._charters.use_self_signed(name, self.setting_urn.text().strip())
        except TransitionsError as exc:
            self._say(plain_error(exc), ok=False)
            return
        self.changed = True
        self.fingerprint.setText(
            tr(
                "Self-signed certificate made. Fingerprint (read it to a school that asks):\n{fp}"
            ).format(fp=identity.fingerprint)
        )
        self._say(
            tr("Schools will see records signed with it as “not vouched for by your LA”."), ok=True
        )
        self.refresh()
