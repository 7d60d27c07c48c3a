"""Start-up: the demo vault on first start, the login dialog, the first-run dialog for a new folder."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

import transitions_app.app as app_module
import transitions_app.locations as locations
import transitions_app.services.demo as demo
from tests.ui.conftest import CHEAP_KDF, PASSWORD
from transitions_app.services.vault_service import VaultService
from transitions_app.settings import AppSettings
from ui import dialogs
from ui.main_window import DEMO_NOTE, MainWindow


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Instead of running the event loop, note the main window's title and close it."""
    titles: list[str] = []

    def fake_exec() -> int:
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        ]
        assert len(windows) == 1
        titles.append(windows[0].windowTitle())
        windows[0].close()
        return 0

    monkeypatch.setattr(QApplication, "exec", staticmethod(fake_exec))
    monkeypatch.setattr(
        app_module, "AppSettings", lambda: AppSettings.at(tmp_path / "settings.ini")
    )
    return titles


def _login_as(monkeypatch: pytest.MonkeyPatch, qtbot, user: str, password: str) -> list[str]:
    hints: list[str] = []

    def fake_exec(self: dialogs.LoginDialog) -> int:
        hints.append(self.form.hint.text())
        self.form.user.setText(user)
        self.form.password.setText(password)
        self.form.button.click()
        qtbot.waitUntil(
            lambda: self.service is not None or self.form.error.isVisible(), timeout=10000
        )
        return int(self.service is not None)

    monkeypatch.setattr(app_module.LoginDialog, "exec", fake_exec)
    return hints


def test_first_start_makes_the_demo_vault_and_says_so(
    qtbot, monkeypatch, tmp_path: Path, shown
) -> None:
    directory = tmp_path / "default-vault"
    monkeypatch.setattr(app_module, "default_vault_dir", lambda: directory)
    monkeypatch.setattr(locations, "default_vault_dir", lambda: directory)
    real = demo.ensure_demo_vault
    monkeypatch.setattr(demo, "ensure_demo_vault", lambda d: real(d, kdf=CHEAP_KDF, children=5))
    hints = _login_as(monkeypatch, qtbot, "keyperson", demo.DEMO_PASSWORD)
    assert app_module.run_app(argparse.Namespace(vault=None), ["transitions-app"]) == 0
    assert VaultService.exists(directory)
    assert "demo-password" in hints[0]
    assert shown
    assert shown[0].endswith(DEMO_NOTE)
    assert "keyperson" in shown[0]


def test_new_folder_runs_first_run_then_opens(qtbot, monkeypatch, tmp_path: Path, shown) -> None:
    directory = tmp_path / "elsewhere"
    monkeypatch.setattr(app_module, "default_vault_dir", lambda: tmp_path / "default")
    monkeypatch.setattr(locations, "default_vault_dir", lambda: tmp_path / "default")
    monkeypatch.setattr(
        app_module.VaultAccess,
        "create",
        staticmethod(lambda d, u, p: VaultService.create(d, u, p, kdf=CHEAP_KDF)),
    )
    keys: list[str] = []
    monkeypatch.setattr(
        dialogs.RecoveryKeyDialog, "exec", lambda self: keys.append(self.key_field.text()) or 1
    )

    def fake_exec(self: dialogs.NewVaultDialog) -> int:
        self.user.setText("morgan")
        self.password.setText(PASSWORD)
        self.again.setText("not the same")
        self.create_button.click()
        assert self.error.text() == "The two passwords are not the same."
        self.again.setText(PASSWORD)
        self.create_button.click()
        qtbot.waitUntil(lambda: self.service is not None, timeout=10000)
        return 1

    monkeypatch.setattr(dialogs.NewVaultDialog, "exec", fake_exec)
    assert app_module.run_app(argparse.Namespace(vault=directory), ["transitions-app"]) == 0
    assert VaultService.exists(directory)
    assert keys
    assert len(keys[0]) > 20
    assert "morgan" in shown[0]
    assert DEMO_NOTE not in shown[0]


def test_wrong_password_is_a_plain_message(qtbot, vault_dir: Path) -> None:
    from tests.ui.conftest import CheapVaultAccess

    dialog = dialogs.LoginDialog(
        lambda u, p: CheapVaultAccess.open(vault_dir, u, p), last_user="sam"
    )
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.form.password, "not my password")
    dialog.form.button.click()
    assert not dialog.form.button.isEnabled()  # busy while the key is derived off the UI thread
    qtbot.waitUntil(lambda: not dialog.form.error.isHidden(), timeout=10000)
    assert "Traceback" not in dialog.form.error.text()
    assert dialog.service is None


def test_change_password_dialog(qtbot, fake_service) -> None:
    dialog = dialogs.ChangePasswordDialog(fake_service)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.old, "not it")
    qtbot.keyClicks(dialog.new, "a new long password")
    qtbot.keyClicks(dialog.again, "a new long password")
    dialog.ok_button.click()
    qtbot.waitUntil(
        lambda: not dialog.error.isHidden() and dialog.ok_button.isEnabled(), timeout=5000
    )
    assert dialog.error.text() == "The current password is not right."
    dialog.old.setText(PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.ok_button.click()


def test_new_vault_dialog_checks_before_creating(qtbot, tmp_path: Path) -> None:
    made: list[Path] = []
    dialog = dialogs.NewVaultDialog(lambda d, u, p: made.append(d), tmp_path / "v")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.user, "morgan")
    qtbot.keyClicks(dialog.password, "short")
    dialog.create_button.click()
    assert dialog.error.text() == "Choose a password of at least 8 characters."
    assert made == []


def test_the_first_window_after_the_login_gets_the_keyboard(qtbot) -> None:  # noqa: ANN001
    """After the login dialog closes, the main window is made the active one, so the first
    keystroke (Ctrl+N, a search) reaches it."""
    from PySide6.QtWidgets import QMainWindow

    from transitions_app.app import present

    window = QMainWindow()
    qtbot.addWidget(window)
    present(window)
    qtbot.waitExposed(window)
    qtbot.waitUntil(window.isActiveWindow)
