"""Help ▸ Help (F1), Keyboard shortcuts and About, in the real main window with an in-memory
vault: the guide shows, the shortcuts list is the window's own keys, Esc closes, and the About box
names the version and the components' licences."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester

from tests.ui.conftest import TODAY, FakeAccess, FakeService, show_active
from transitions_app import version
from ui.help import AboutBox, HelpWindow, Shortcut
from ui.main_window import MainWindow


def open_window(qtbot, fake_service: FakeService) -> MainWindow:
    window = MainWindow(
        FakeAccess(fake_service), Path("/nonexistent"), fake_service, today=lambda: TODAY
    )
    show_active(qtbot, window)
    return window


def native(text: str) -> str:
    return QKeySequence(text).toString(QKeySequence.SequenceFormat.NativeText)


def rows_of(help_window: HelpWindow) -> list[Shortcut]:
    return help_window.model.rows()


def test_f1_opens_the_guide_and_esc_closes_it(qtbot, fake_service: FakeService) -> None:
    window = open_window(qtbot, fake_service)

    qtbot.keyClick(window, Qt.Key.Key_F1)
    help_window = window.help.help_window
    assert help_window is not None
    qtbot.waitUntil(help_window.isVisible)
    assert not help_window.isModal()
    assert help_window.tabs.currentWidget() is help_window.guide
    text = help_window.guide.toPlainText()
    for words in ("Starting a record", "saved as you type", "SENCO", "Manager sign-off",
                  "Export", "Switch user", "forget your password"):  # fmt: skip
        assert words in text

    help_window.activateWindow()
    qtbot.waitUntil(help_window.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not help_window.isVisible())
    assert window.isVisible()


def test_the_shortcuts_are_the_windows_own(qtbot, fake_service: FakeService) -> None:
    window = open_window(qtbot, fake_service)
    window.help.shortcuts_action.trigger()
    help_window = window.help.help_window
    assert help_window is not None
    assert help_window.isVisible()
    assert help_window.tabs.currentIndex() == HelpWindow.SHORTCUTS_TAB
    ModelTester(None).check(help_window.model)  # type: ignore[arg-type]

    rows = rows_of(help_window)
    keys = {r.action: r.keys for r in rows}
    assert keys["New child"] == native("Ctrl+N")
    assert keys["Export…"] == native("Ctrl+E")
    assert keys["Next section"] == native("Ctrl+PgDown")
    assert native("Ctrl+Shift+Z") in keys["Redo"]
    assert native("F1") in keys["Help"]
    assert {r.where for r in rows if r.action == "New child"} == {"File menu"}
    # No record is open: its keys are listed, and said not to work now.
    assert {r.where for r in rows if r.action == "Sign off"} == {"Record menu (not available now)"}
    assert any(r.action == "Open the first child found" for r in rows)  # the search box's Enter

    # A key given later, in a menu or on a page of the window (as the dashboard's "With
    # selected…" is), is in the list the next time it opens: the list is never out of date.
    window.lock_action.setShortcut(QKeySequence("Ctrl+Alt+L"))
    on_page = QAction("Sort the list", window.dashboard)
    on_page.setShortcut(QKeySequence("Ctrl+Alt+S"))
    window.dashboard.addAction(on_page)
    help_window.close()
    window.help.show_shortcuts()
    keys = {r.action: r.keys for r in rows_of(help_window)}
    assert keys["Lock"] == native("Ctrl+Alt+L")
    assert keys["Sort the list"] == native("Ctrl+Alt+S")

    qtbot.keyClicks(help_window.filter, "sign off")
    shown = {help_window.proxy.index(i, 1).data() for i in range(help_window.proxy.rowCount())}
    assert "Sign off" in shown
    assert "New child" not in shown


def test_a_hidden_menu_is_not_listed(qtbot, fake_service: FakeService) -> None:
    window = open_window(qtbot, fake_service)
    window.record_menu.menuAction().setVisible(False)  # as in a school's vault
    actions = {r.action for r in rows_of(window.help.show_shortcuts())}
    assert "Sign off" not in actions
    assert "New child" in actions


def test_about_names_the_version_and_the_licences(qtbot, fake_service: FakeService) -> None:
    window = open_window(qtbot, fake_service)
    window.help.about_action.trigger()
    about = window.help.about_box
    assert isinstance(about, AboutBox)
    qtbot.waitUntil(about.isVisible)
    assert not about.isModal()
    assert version() in about.version.text()
    ModelTester(None).check(about.model)  # type: ignore[arg-type]
    pyside = [c for c in about.model.rows() if c.name.lower().startswith("pyside6")]
    assert pyside
    assert all("LGPL-3.0" in c.licence for c in pyside)
    names = [about.model.index(r, about.model.NAME).data() for r in range(about.model.rowCount())]
    assert any(n.startswith("DejaVu Sans") for n in names)
    qtbot.keyClick(about.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not about.isVisible())


class FakeReports:
    """The LA window's reports service, for a window that never loads a folder."""

    def la_name(self) -> str:
        return "Westmoor Borough Council (fictional)"


def test_the_la_window_has_the_help_menu_too(qtbot) -> None:
    from ui.la.window import LaWindow

    window = LaWindow(FakeReports())  # type: ignore[arg-type]
    show_active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    help_window = window.help.help_window
    assert help_window is not None
    qtbot.waitUntil(help_window.isVisible)
    keys = {r.action: r.keys for r in rows_of(help_window)}
    assert keys["Check the returns again"] == native("F5")
    assert "New child" not in keys
