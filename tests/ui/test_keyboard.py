"""Keyboard paths with real key presses: search, section switch, switch user."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import FakeAccess, FakeService
from tests.ui.test_window import open_window


def test_enter_in_search_opens_the_first_match(qtbot, fake_service: FakeService, records) -> None:
    window = open_window(qtbot, FakeAccess(fake_service), Path("unused"), fake_service)
    child = records[-1]
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.dashboard.search, str(child.get("child.legal_forenames")))
    qtbot.keyClick(window.dashboard.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.editor is not None, timeout=3000)
    assert window.editor.record_id == child.id


def test_down_in_search_moves_to_the_first_match(qtbot, fake_service: FakeService) -> None:
    window = open_window(qtbot, FakeAccess(fake_service), Path("unused"), fake_service)
    window.dashboard.search.setFocus()
    qtbot.keyClick(window.dashboard.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is window.dashboard.table
    assert window.dashboard.table.currentIndex().row() == 0


def test_next_section_lands_in_its_first_field(qtbot, fake_service: FakeService, records) -> None:
    window = open_window(qtbot, FakeAccess(fake_service), Path("unused"), fake_service)
    window.open_record(records[0].id)
    qtbot.waitUntil(lambda: window.editor is not None, timeout=3000)
    editor = window.editor
    before = editor.current_section()
    qtbot.keyClick(
        QApplication.focusWidget() or window,
        Qt.Key.Key_PageDown,
        Qt.KeyboardModifier.ControlModifier,
    )
    qtbot.waitUntil(lambda: editor.current_section() != before, timeout=3000)
    page = editor.section_pages[editor.current_section()]
    first = next(iter(page.rows.values())).field.focus_target()
    assert QApplication.focusWidget() is first
    assert page.verticalScrollBar().value() == 0


def test_switch_user_clears_the_search(qtbot, fake_service: FakeService) -> None:
    window = open_window(qtbot, FakeAccess(fake_service), Path("unused"), fake_service)
    qtbot.keyClicks(window.dashboard.search, "zz")
    window.switch_user_action.trigger()
    assert window.dashboard.search.text() == ""
