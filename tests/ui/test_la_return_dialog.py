"""Setting ▸ Return to the LA…: for a manager only; shows the counts in plain language for the
chosen year and saves the signed return, which the LA's report accepts."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tests.ui.conftest import CHEAP_KDF, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.charter_service import EXAMPLES_DIR
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from transitions_app.services.la_service import LaReportService, LaReturnService
from transitions_app.services.vault_service import VaultService
from ui.la.return_dialog import LaReturnDialog
from ui.main_window import MainWindow

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("la-return") / "vault"
    create_demo_vault(directory, children=12, seed=5, kdf=CHEAP_KDF, today=NOW.date())
    return directory


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(demo_template, copy)
    return copy


def _window(qtbot, directory: Path, user: str) -> MainWindow:  # type: ignore[no-untyped-def]
    session = VaultService.open(directory, user, DEMO_PASSWORD, sleeper=lambda _s: None)
    window = MainWindow(
        CheapVaultAccess, directory, session, services=WindowServices(clock=lambda: NOW, workers=1)
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_only_a_manager_has_the_action(qtbot, demo: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, demo, "manager")
    assert window.la_return_action in window.setting_menu.actions()
    assert window.la_return_action.isEnabled()
    window.close()
    window = _window(qtbot, demo, "keyperson")
    assert not window.la_return_action.isEnabled()
    window.close()


def test_the_menu_opens_the_return_dialog(
    qtbot, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, demo, "manager")
    opened: list[QDialog] = []
    monkeypatch.setattr(window, "_run_modal", lambda dialog: opened.append(dialog) or 0)
    window.la_return_action.trigger()
    assert len(opened) == 1
    assert isinstance(opened[0], LaReturnDialog)
    window.close()


def test_the_dialog_shows_the_counts_and_saves_the_signed_return(
    qtbot, demo: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    session = VaultService.open(demo, "manager", DEMO_PASSWORD, sleeper=lambda _s: None)
    try:
        dialog = LaReturnDialog(LaReturnService(session, clock=lambda: NOW))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.content is not None, timeout=10000)
        assert dialog.year.currentText() == "2026-27"
        text = dialog.preview.toPlainText()
        assert text.startswith(
            "Return from Little Acorns Nursery (fictional) (Ofsted URN EY999001)"
        )
        assert "Children due to start Reception: 12." in text
        # another year: counted again (no child starts Reception the year after 2025-26's)
        dialog.year.setFocus()
        qtbot.keyClick(dialog.year, Qt.Key.Key_Down)
        qtbot.waitUntil(
            lambda: dialog.content is not None and dialog.content.period.label == "2025-26",
            timeout=10000,
        )
        assert "Children due to start Reception: 0." in dialog.preview.toPlainText()
        qtbot.keyClick(dialog.year, Qt.Key.Key_Up)
        qtbot.waitUntil(
            lambda: dialog.content is not None and dialog.content.period.label == "2026-27",
            timeout=10000,
        )
        out = tmp_path / "return.json"
        dialog.save(out)
        qtbot.waitUntil(lambda: dialog.saved == out, timeout=10000)
        assert "Send it to your local authority" in dialog.message.text()
    finally:
        session.close()
    assert json.loads(out.read_bytes())["return"]["period"] == "2026-27"
    insight = LaReportService(EXAMPLES_DIR / "northshire" / "la-ca", clock=lambda: NOW).insight(
        [out]
    )
    assert insight.refused == ()
    assert insight.settings[0].content.value("due") == 12
