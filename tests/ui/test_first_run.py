"""First run: the new-vault dialog asks who will use the vault. A setting's vault (first user: a
manager) is made as before; a receiving school's (first user: the headteacher) gets its DfE URN,
its name and optionally the LA-issued certificate, and the window opens in school mode."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QLineEdit,
)

import transitions_app.app as app_module
import transitions_app.locations as locations
from export.pki import create_self_signed_setting, identity_to_p12, load_setting_p12
from models.roles import Role
from tests.ui.conftest import CHEAP_KDF, PASSWORD, CheapVaultAccess
from transitions_app.app import VaultAccess, WindowServices
from transitions_app.services.charter_service import EXAMPLES_DIR
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService
from transitions_app.settings import AppSettings
from ui import dialogs
from ui.main_window import MainWindow

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
URN = "990123"
SCHOOL = "Larkspur Infant School (fictional)"
P12_PASSPHRASE = "demo-la-school-passphrase"
BAD_URN = "A school's DfE URN is six digits, such as 123456."

create_school = partial(VaultAccess.create_school, kdf=CHEAP_KDF)


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The recovery key dialog is answered at once; note its key and its sentence."""
    shown: list[tuple[str, str]] = []

    def fake_exec(self: dialogs.RecoveryKeyDialog) -> int:
        text = " ".join(label.text() for label in self.findChildren(QLabel))
        shown.append((self.key_field.text(), text))
        return 1

    monkeypatch.setattr(dialogs.RecoveryKeyDialog, "exec", fake_exec)
    return shown


def new_dialog(qtbot, directory: Path, school_creator=create_school) -> dialogs.NewVaultDialog:
    dialog = dialogs.NewVaultDialog(
        CheapVaultAccess.create, directory, school_creator=school_creator
    )
    qtbot.addWidget(dialog)
    show(qtbot, dialog)
    return dialog


def show(qtbot, dialog: dialogs.NewVaultDialog) -> None:
    """As a person sees it: shown, active, the choice of who will use the vault in focus."""
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.setting_option)


def choose_school_by_keyboard(qtbot, dialog: dialogs.NewVaultDialog) -> None:
    """The choice has focus when the dialog opens; the arrow key moves to the school."""
    qtbot.keyClick(dialog.setting_option, Qt.Key.Key_Down)
    assert dialog.school_option.isChecked()
    assert not dialog.setting_option.isChecked()


def type_into(qtbot, dialog: dialogs.NewVaultDialog, mnemonic: Qt.Key, text: str) -> None:
    """Alt+letter moves to the field (its label's buddy); then type."""
    qtbot.keyClick(dialog, mnemonic, Qt.KeyboardModifier.AltModifier)
    field = QApplication.focusWidget()
    assert isinstance(field, QLineEdit)
    qtbot.keyClicks(field, text)


def type_school(qtbot, dialog: dialogs.NewVaultDialog, urn: str = URN) -> None:
    type_into(qtbot, dialog, Qt.Key.Key_U, urn)
    assert QApplication.focusWidget() is dialog.urn
    qtbot.keyClick(dialog.urn, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.school_name
    qtbot.keyClicks(dialog.school_name, SCHOOL)
    type_into(qtbot, dialog, Qt.Key.Key_Y, "head")
    type_into(qtbot, dialog, Qt.Key.Key_P, PASSWORD)
    type_into(qtbot, dialog, Qt.Key.Key_A, PASSWORD)
    assert QApplication.focusWidget() is dialog.again


def test_a_setting_vault_is_made_as_before(qtbot, tmp_path: Path, keys) -> None:
    directory = tmp_path / "setting"
    dialog = new_dialog(qtbot, directory)
    assert dialog.setting_option.isChecked()
    assert dialog.urn.isHidden()
    assert dialog.school_name.isHidden()
    assert dialog.user.accessibleName() == "Manager's user name"
    qtbot.keyClicks(dialog.user, "morgan")
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.again, PASSWORD)
    qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.service is not None, timeout=10000)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.service.user.role == Role.MANAGER
    assert WindowServices().school(dialog.service) is None
    assert "every manager" in keys[0][1]
    dialog.service.close()
    assert VaultService.exists(directory)


def test_the_school_fields_are_reached_by_keyboard(qtbot, tmp_path: Path) -> None:
    dialog = new_dialog(qtbot, tmp_path / "school")
    choose_school_by_keyboard(qtbot, dialog)
    for widget in (dialog.urn, dialog.school_name, dialog.p12_button):
        assert widget.isVisible()
    assert dialog.user.accessibleName() == "Headteacher's user name"
    assert "headteacher" in dialog.role_note.text()
    # Each field has a label with a mnemonic as its buddy, and an accessible name.
    buddies = {
        label.buddy(): label.text() for label in dialog.findChildren(QLabel) if label.buddy()
    }
    for widget in (dialog.urn, dialog.school_name, dialog.user, dialog.password, dialog.again):
        assert "&" in buddies[widget]
        assert widget.accessibleName()
    # Tab goes down the form; the hidden certificate passphrase and Remove are skipped.
    qtbot.keyClick(dialog.school_option, Qt.Key.Key_Tab)  # the folder (read-only here)
    seen = [QApplication.focusWidget()]
    for _ in range(4):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == [dialog.folder, dialog.urn, dialog.school_name, dialog.p12_button, dialog.user]
    # Back to the setting: the school's fields go away.
    qtbot.keyClick(dialog, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.setting_option.isChecked)
    assert dialog.urn.isHidden()


def test_a_school_vault_by_keyboard_opens_in_school_mode(qtbot, tmp_path: Path, keys) -> None:
    directory = tmp_path / "school"
    dialog = new_dialog(qtbot, directory)
    choose_school_by_keyboard(qtbot, dialog)
    type_school(qtbot, dialog)
    assert dialog.urn_error.isHidden()
    qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.service is not None, timeout=10000)
    assert dialog.directory == directory
    assert "If the headteacher forgets" in keys[0][1]
    session = dialog.service
    assert session.user.name == "head"
    assert session.user.role == Role.HEADTEACHER

    window = MainWindow(
        CheapVaultAccess, directory, session, services=WindowServices(clock=lambda: NOW)
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.school is not None
    assert window.school.info().urn == URN
    assert window.school_page is not None
    assert window.school_page.isVisible()
    assert window.stack.currentWidget() is window.school_page
    assert window.setting_menu.title() == "&School"  # the school's charter lives there
    assert not window.retention_action.isVisible()
    assert window.charter_action.isEnabled()
    assert "Headteacher" in window.windowTitle()
    window.close()
    session.close()

    # On disk: a school's vault, as `school init` makes it.
    school = SchoolService(VaultService.open(directory, "head", PASSWORD, sleeper=lambda _s: None))
    try:
        info = school.info()
        assert (info.urn, info.name) == (URN, SCHOOL)
        assert school.vault.user.role == Role.HEADTEACHER
        assert school.identity().cert is not None  # self-signed: no LA certificate was given
    finally:
        school.close()


@pytest.mark.parametrize("typed", ["12345", "1234567", "12345A", "URN 1"])
def test_a_bad_urn_says_so_beside_the_field_and_makes_nothing(
    qtbot, tmp_path: Path, typed: str, keys
) -> None:
    made: list[str] = []

    def creator(*args, **kwargs):
        made.append(kwargs["urn"])
        return create_school(*args, **kwargs)

    directory = tmp_path / "school"
    dialog = new_dialog(qtbot, directory, school_creator=creator)
    choose_school_by_keyboard(qtbot, dialog)
    type_school(qtbot, dialog, urn=typed)
    # Leaving the field is enough to be told, in a sentence beside it.
    assert dialog.urn_error.isVisible()
    assert dialog.urn_error.text() == BAD_URN
    assert dialog.urn.accessibleDescription() == BAD_URN
    dialog.create_button.click()
    assert QApplication.focusWidget() is dialog.urn
    assert dialog.error.isHidden()
    assert made == []
    assert not directory.exists()
    assert dialog.service is None
    # Put right, the sentence goes as soon as the URN is six digits, and the vault is made.
    dialog.urn.clear()
    qtbot.keyClicks(dialog.urn, URN)
    assert dialog.urn_error.isHidden()
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.service is not None, timeout=10000)
    dialog.service.close()
    assert made == [URN]


def test_an_empty_urn_or_name_is_asked_for(qtbot, tmp_path: Path) -> None:
    dialog = new_dialog(qtbot, tmp_path / "school")
    choose_school_by_keyboard(qtbot, dialog)
    dialog.create_button.click()
    assert dialog.urn_error.text() == "Enter the school's six-digit DfE URN."
    qtbot.keyClicks(dialog.urn, URN)
    dialog.create_button.click()
    assert dialog.error.text() == "Enter the school's name."
    assert QApplication.focusWidget() is dialog.school_name
    assert not (tmp_path / "school").exists()


def _choose_certificate(qtbot, monkeypatch, dialog: dialogs.NewVaultDialog, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.p12 == path)
    assert path.name in dialog.p12_note.text()
    assert dialog.p12_passphrase.isVisible()
    assert QApplication.focusWidget() is dialog.p12_passphrase


def test_the_la_certificate_is_used_and_a_wrong_one_makes_nothing(
    qtbot, monkeypatch, tmp_path: Path, keys
) -> None:
    identity = create_self_signed_setting(SCHOOL, URN, now=NOW)
    p12 = tmp_path / "larkspur.p12"
    p12.write_bytes(identity_to_p12(identity, P12_PASSPHRASE))
    directory = tmp_path / "school"
    dialog = new_dialog(qtbot, directory)
    choose_school_by_keyboard(qtbot, dialog)
    _choose_certificate(qtbot, monkeypatch, dialog, p12)
    # Every field is shown now: each Alt+letter still leads to one place.
    widgets = [*dialog.findChildren(QLabel), *dialog.findChildren(QAbstractButton)]
    texts = [w.text() for w in widgets if w.isVisible()]
    letters = [t[t.index("&") + 1].lower() for t in texts if "&" in t]
    assert len(letters) == len(set(letters)), letters
    type_school(qtbot, dialog)

    dialog.create_button.click()
    assert dialog.error.text() == "Enter the passphrase your LA gave you with the certificate."
    qtbot.keyClicks(dialog.p12_passphrase, "not the passphrase")
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.create_button.isEnabled(), timeout=10000)
    assert "passphrase is wrong" in dialog.error.text()
    assert not VaultService.exists(directory)

    # A certificate file that holds no signing key (the school's decryption key) is refused too.
    _choose_certificate(
        qtbot, monkeypatch, dialog, EXAMPLES_DIR / "northshire" / "schools" / "990101.p12"
    )
    qtbot.keyClicks(dialog.p12_passphrase, "demo-school-passphrase")
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.create_button.isEnabled(), timeout=10000)
    assert dialog.error.text() == "The certificate file does not hold an ECDSA signing key."
    assert not VaultService.exists(directory)

    _choose_certificate(qtbot, monkeypatch, dialog, p12)
    passphrase = dialog.p12_passphrase
    assert isinstance(passphrase, QLineEdit)
    assert passphrase.text() == ""  # a new file: its passphrase is typed again
    qtbot.keyClicks(passphrase, P12_PASSPHRASE)
    dialog.create_button.click()
    qtbot.waitUntil(lambda: dialog.service is not None, timeout=10000)
    school = SchoolService(dialog.service)
    try:
        assert school.identity().cert == identity.cert
        assert school.info().urn == URN
    finally:
        school.close()
    assert load_setting_p12(p12.read_bytes(), P12_PASSPHRASE).cert == identity.cert


def test_removing_the_certificate_goes_back_to_a_self_signed_one(
    qtbot, monkeypatch, tmp_path: Path
) -> None:
    dialog = new_dialog(qtbot, tmp_path / "school")
    choose_school_by_keyboard(qtbot, dialog)
    _choose_certificate(qtbot, monkeypatch, dialog, tmp_path / "whatever.p12")
    assert dialog.p12_remove.isVisible()
    dialog.p12_remove.click()
    assert dialog.p12 is None
    assert dialog.p12_passphrase.isHidden()
    assert not dialog.p12_remove.isVisible()
    assert "Optional" in dialog.p12_note.text()


def test_run_app_first_run_for_a_school_opens_the_school_page(
    qtbot, monkeypatch, tmp_path: Path, keys
) -> None:
    directory = tmp_path / "school"
    monkeypatch.setattr(app_module, "default_vault_dir", lambda: tmp_path / "default")
    monkeypatch.setattr(locations, "default_vault_dir", lambda: tmp_path / "default")
    monkeypatch.setattr(app_module.VaultAccess, "create_school", staticmethod(create_school))
    monkeypatch.setattr(
        app_module, "AppSettings", lambda: AppSettings.at(tmp_path / "settings.ini")
    )
    pages: list[tuple[str, bool]] = []

    def fill(self: dialogs.NewVaultDialog) -> int:
        show(qtbot, self)
        choose_school_by_keyboard(qtbot, self)
        type_school(qtbot, self)
        self.create_button.click()
        qtbot.waitUntil(lambda: self.service is not None, timeout=10000)
        return 1

    def shown() -> int:
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        assert len(windows) == 1
        window = windows[0]
        page = window.school_page
        pages.append((window.windowTitle(), page is not None and page.isVisible()))
        window.close()
        return 0

    monkeypatch.setattr(dialogs.NewVaultDialog, "exec", fill)
    monkeypatch.setattr(QApplication, "exec", staticmethod(shown))
    assert app_module.run_app(argparse.Namespace(vault=directory), ["transitions-app"]) == 0
    assert pages == [("Transitions – head, Headteacher", True)]
    assert keys
