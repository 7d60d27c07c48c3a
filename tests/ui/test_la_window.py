"""The window in local authority mode: chosen at first run ("A local authority", no vault made),
it imports a folder of returns off the UI thread, shows each topic with Qt Charts and tables,
lists refused files with the reason, and saves the PDF and CSV; the next start opens it again."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

import transitions_app.app as app_module
import transitions_app.locations as locations
from models.vault.crypto import KdfParams
from tests.ui.conftest import CheapVaultAccess
from transitions_app.services.la_demo import create_demo_la
from transitions_app.services.la_service import LaReportService
from transitions_app.settings import AppSettings
from ui import dialogs
from ui.la.page import table_rows
from ui.la.window import LaWindow

FAST = KdfParams(memory_kib=64, iterations=1, lanes=1)


@pytest.fixture(scope="module")
def demo_la(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-la") / "la"
    create_demo_la(folder, kdf=FAST)
    return folder


def _window(qtbot, demo_la: Path) -> LaWindow:  # type: ignore[no-untyped-def]
    window = LaWindow(LaReportService(demo_la / "la-ca"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _load(qtbot, window: LaWindow, folder: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.page.loaded, timeout=20000):
        window.load(folder)


def test_a_folder_of_returns_is_shown_topic_by_topic(qtbot, demo_la: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, demo_la)
    page = window.page
    assert not page.tabs.isEnabled()
    assert not window.pdf_action.isEnabled()
    assert "Import the folder" in page.message.text()
    _load(qtbot, window, demo_la / "returns")
    assert page.message.text() == "2025-26: 7 settings and 3 schools."
    assert (
        window.windowTitle()
        == "Transitions – local authority: Westmoor Borough Council (fictional)"
    )
    names = [row[0] for row in table_rows(page.returns_table)]
    assert "Bramble Hill Day Nursery (fictional)" in names
    assert "Juniper Primary School (fictional)" in names
    assert [row[:2] for row in table_rows(page.missing_table)] == [
        ["Ivy Cottage Pre-school (fictional)", "EY800108"],
        ["Millpond Academy (fictional)", "800204"],
    ]
    assert table_rows(page.refused_table) == []
    # Records sent: one bar per setting, each with its figure in words
    bars = page.sent_chart.bars()
    assert len(bars) == 7
    assert bars[0][0] == "Bramble Hill Day Nursery (fictional)"
    assert all(text == "suppressed" or "%" in text for _l, _v, text in bars)
    assert "Bramble Hill Day Nursery (fictional): " in page.sent_chart.accessibleDescription()
    # Outcomes: the LA's target is drawn, and the gaps are in the table
    assert page.gld_chart.target() == 68.0
    gld = table_rows(page.gld_table)
    assert [row[0] for row in gld] == [
        "All children",
        "Boys",
        "FSM / EYPP",
        "SEND (SEN support or above)",
        "EAL",
    ]
    assert gld[0][2].startswith("-")  # below the target in the demo
    # Keyboard: the tabs have mnemonics, the menu has shortcuts
    qtbot.keyClick(page.tabs, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    assert page.tabs.currentWidget() is page.schools
    assert window.pdf_action.isEnabled()
    assert window.pdf_action.shortcut().toString() == "Ctrl+P"


def test_the_pdf_and_csv_are_saved(qtbot, demo_la: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, demo_la)
    _load(qtbot, window, demo_la / "returns")
    window.page.save_pdf(tmp_path / "report.pdf")
    window.page.save_csv(tmp_path / "report.csv")
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert "LA-wide" in (tmp_path / "report.csv").read_text(encoding="utf-8-sig")
    assert window.page.message.text() == f"Saved {tmp_path / 'report.csv'}."


def test_a_changed_return_is_refused_and_listed(qtbot, demo_la: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "returns"
    folder.mkdir()
    for f in (demo_la / "returns").glob("*.json"):
        (folder / f.name).write_bytes(f.read_bytes())
    target = folder / "la-return-school-800201-2025-26.json"
    doc = json.loads(target.read_bytes())
    doc["return"]["measures"][0]["cells"][0]["value"] += 1
    target.write_text(json.dumps(doc))
    window = _window(qtbot, demo_la)
    _load(qtbot, window, folder)
    assert "1 file(s) refused" in window.page.message.text()
    assert table_rows(window.page.refused_table) == [
        ["la-return-school-800201-2025-26.json", "The return has been changed since it was signed."]
    ]
    assert len(window.page.insight.schools) == 2


def test_first_run_as_a_local_authority_makes_no_vault(
    qtbot, monkeypatch, tmp_path: Path, demo_la: Path
) -> None:  # type: ignore[no-untyped-def]
    directory = tmp_path / "vault"
    settings_file = tmp_path / "settings.ini"
    monkeypatch.setattr(app_module, "default_vault_dir", lambda: tmp_path / "default")
    monkeypatch.setattr(locations, "default_vault_dir", lambda: tmp_path / "default")
    monkeypatch.setattr(app_module, "AppSettings", lambda: AppSettings.at(settings_file))
    seen: list[str] = []

    def fill(self: dialogs.NewVaultDialog) -> int:
        self.show()
        qtbot.waitExposed(self)
        self.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is self.setting_option)
        qtbot.keyClick(self, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # A local authority
        qtbot.waitUntil(self.la_option.isChecked)
        assert self.user.isHidden()
        assert self.password.isHidden()
        assert self.la_path.isVisible()
        assert self.create_button.text() == "&Open the LA's view"
        self.create_button.click()  # no folder yet: it says what to choose
        assert "la init" in self.error.text()
        assert self.result() == 0
        qtbot.keyClicks(self.la_path, str(demo_la / "la-ca"))
        self.create_button.click()
        return self.result()

    def shown() -> int:
        windows = [
            w for w in QApplication.topLevelWidgets() if isinstance(w, LaWindow) and w.isVisible()
        ]
        assert len(windows) == 1
        seen.append(windows[0].windowTitle())
        windows[0].close()
        return 0

    monkeypatch.setattr(dialogs.NewVaultDialog, "exec", fill)
    monkeypatch.setattr(QApplication, "exec", staticmethod(shown))
    assert app_module.run_app(argparse.Namespace(vault=directory), ["transitions-app"]) == 0
    assert seen == ["Transitions – local authority: Westmoor Borough Council (fictional)"]
    assert not CheapVaultAccess.exists(directory)
    assert not directory.exists()
    assert AppSettings.at(settings_file).la_folder == demo_la / "la-ca"
    # the next start opens the LA's view again, without asking
    monkeypatch.setattr(dialogs.NewVaultDialog, "exec", lambda self: pytest.fail("asked again"))
    assert app_module.run_app(argparse.Namespace(vault=directory), ["transitions-app"]) == 0
    assert len(seen) == 2
