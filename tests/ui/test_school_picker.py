"""The receiving school from the charter's directory, with real typing: a few letters of the name
(or the URN) list the school, Enter fills name and URN in one undo step, the note says whether the
school has a certificate, and a school the directory does not list is allowed with a gentle note."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import CHEAP_KDF, CheapVaultAccess, show_active
from transitions_app.app import WindowServices
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from ui.main_window import MainWindow
from ui.school_picker import DirectorySchool, describe, find_school

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the example charter is in force


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo") / "vault"
    create_demo_vault(directory, children=4, seed=2, kdf=CHEAP_KDF, today=NOW.date())
    return directory


@pytest.fixture
def window(qtbot, demo_template: Path, tmp_path: Path) -> MainWindow:
    copy = tmp_path / "demo"
    shutil.copytree(demo_template, copy)
    session = CheapVaultAccess.open(copy, "keyperson", DEMO_PASSWORD)
    window = MainWindow(
        CheapVaultAccess, copy, session, services=WindowServices(clock=lambda: NOW, workers=1)
    )
    show_active(qtbot, window)
    return window


def test_typing_part_of_the_name_and_enter_fills_name_and_urn(qtbot, window: MainWindow) -> None:
    window.new_child_action.trigger()
    editor = window.editor
    assert editor is not None
    assert window.school_picker is not None
    editor.go_to_field("child.school_name")
    box = QApplication.focusWidget()
    assert box is editor.row("child.school_name").field.focus_target()
    qtbot.keyClicks(box, "acorn")
    popup = window.school_picker.finder.completer_for(box).popup()
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().rowCount() == 1
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.field_widget("child.school_urn").value() == "990101")
    qtbot.waitUntil(lambda: box.text() == "Acorn Lane Primary School (fictional)")
    assert editor.record().get("child.school_name") == "Acorn Lane Primary School (fictional)"
    note = window.school_picker.note
    assert note.isVisible()
    assert "certificate" in note.text()
    assert "encrypted to it" in note.text()

    # One undo step takes back both the name and the URN (what was typed before stays).
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.record().get("child.school_urn") is None
    assert editor.record().get("child.school_name") == "acorn"


def test_typing_the_urn_finds_the_school_and_an_unlisted_school_gets_a_note(
    qtbot, window: MainWindow
) -> None:
    window.new_child_action.trigger()
    editor = window.editor
    assert editor is not None
    urn_box = editor.row("child.school_urn").field.focus_target()
    editor.go_to_field("child.school_urn")
    qtbot.keyClicks(urn_box, "990102")
    popup = window.school_picker.finder.completer_for(urn_box).popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            editor.record().get("child.school_name")
            == "Hilltop Church of England Primary (fictional)"
        )
    )
    qtbot.waitUntil(lambda: urn_box.text() == "990102")
    assert "no certificate" in window.school_picker.note.text()

    # A school the LA does not list: allowed, with a gentle note.
    name_box = editor.row("child.school_name").field.focus_target()
    name_box.setFocus()
    name_box.selectAll()
    qtbot.keyClicks(name_box, "Puddlebrook Primary School (fictional)")
    qtbot.keyClick(name_box, Qt.Key.Key_Escape)  # no match: nothing to choose
    urn_box.setFocus()
    urn_box.selectAll()
    qtbot.keyClicks(urn_box, "900001")
    qtbot.keyClick(urn_box, Qt.Key.Key_Tab)  # the note is about what was written, once left
    assert editor.record().get("child.school_urn") == "900001"
    assert "does not list this school" in window.school_picker.note.text()


def test_describe_and_find_without_qt_widgets() -> None:
    schools = (DirectorySchool("Acorn Lane (fictional)", "990101", True),)
    assert find_school(schools, urn="990101") == schools[0]
    assert find_school(schools, name="acorn lane (FICTIONAL)") == schools[0]
    assert describe(schools, "", "") == ""
    assert "URN 990101" in describe(schools, "Acorn Lane (fictional)", "990199")


def test_down_in_the_empty_box_lists_the_whole_directory(qtbot, window: MainWindow) -> None:
    window.new_child_action.trigger()
    editor = window.editor
    assert editor is not None
    editor.go_to_field("child.school_name")
    box = editor.row("child.school_name").field.focus_target()
    qtbot.keyClick(box, Qt.Key.Key_Down)
    popup = window.school_picker.finder.completer_for(box).popup()
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().rowCount() == 2  # Northshire's two schools
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.record().get("child.school_urn") == "990102")
    assert window.school_picker.note.isVisible()
