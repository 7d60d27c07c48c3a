"""An older copy of the vault put back: the window says so above every page as soon as the
person logs in, and File ▸ Check the vault lists the problem (the attack is done for real: a
copy of the folder taken, the vault used, the copy put back)."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.conftest import CHEAP_KDF, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from ui.main_window import MainWindow


def _window(qtbot, folder: Path) -> MainWindow:  # noqa: ANN001
    session = CheapVaultAccess.open(folder, "manager", DEMO_PASSWORD)
    window = MainWindow(CheapVaultAccess, folder, session, services=WindowServices(workers=1))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_an_older_copy_put_back_is_told_in_the_window_and_by_the_check(
    qtbot, tmp_path: Path
) -> None:  # noqa: ANN001
    folder = tmp_path / "vault"
    create_demo_vault(folder, children=3, seed=4, kdf=CHEAP_KDF)
    CheapVaultAccess.open(folder, "manager", DEMO_PASSWORD).close()  # seen on this PC
    old = tmp_path / "old"
    shutil.copytree(folder, old)
    later = CheapVaultAccess.open(folder, "manager", DEMO_PASSWORD)
    later.load(later.list_records()[0].id)  # the trail moves on past the copy
    later.close()
    shutil.rmtree(folder)
    shutil.copytree(old, folder)  # the older copy is put back

    window = _window(qtbot, folder)
    assert window.message_bar.isVisible()
    said = window.message_bar.text.text()
    assert "older copy of the vault was put back" in said
    assert "Check the vault" in said

    window.check_action.trigger()
    qtbot.waitUntil(lambda: window.last_check is not None, timeout=20000)
    assert not window.last_check.ok
    box = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    )
    assert "problem" in box.text()
    assert any("older copy" in p for p in window.last_check.problems)
    box.close()


def test_a_sound_vault_says_nothing_and_the_check_says_sound(qtbot, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "vault"
    create_demo_vault(folder, children=2, seed=4, kdf=CHEAP_KDF)
    window = _window(qtbot, folder)
    assert not window.message_bar.isVisible()
    window.check_action.trigger()
    qtbot.waitUntil(lambda: window.last_check is not None, timeout=20000)
    assert window.last_check.ok
    box = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    )
    assert box.text().startswith("The vault is sound")
    box.close()
