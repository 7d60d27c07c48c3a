"""Bulk actions on the dashboard's selection with real input: three children selected with the
mouse, the receiving school set from the charter's directory through the "With selected" menu,
then undone with Ctrl+Z; mark ready for review with the summary; a role that cannot edit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from models.record import Status
from models.roles import Role
from models.synthetic import generate_records
from tests.ui.conftest import CHEAP_KDF, PASSWORD, CheapVaultAccess, show_active
from transitions_app.app import WindowServices
from transitions_app.services.charter_service import install_example_charter
from transitions_app.services.vault_service import VaultService
from ui.bulk_actions import BulkValuesDialog
from ui.dashboard import CohortModel
from ui.main_window import MainWindow

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    directory = tmp_path / "vault"
    service, _key = VaultService.create(directory, "sam", PASSWORD, kdf=CHEAP_KDF)
    service.add_user("kim", Role.PRACTITIONER, PASSWORD)
    service.add_user("rae", Role.RECEPTION_TEACHER, PASSWORD)
    for record in generate_records(5, seed=21, today=NOW.date()):
        record.status, record.signoffs = Status.DRAFT, []
        service.import_record(record)
    assert install_example_charter(service, clock=lambda: NOW)
    service.close()
    return directory


def open_window(qtbot, directory: Path, user: str) -> MainWindow:
    session = CheapVaultAccess.open(directory, user, PASSWORD)
    window = MainWindow(
        CheapVaultAccess, directory, session, services=WindowServices(clock=lambda: NOW, workers=1)
    )
    show_active(qtbot, window)
    return window


def click_row(qtbot, window: MainWindow, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    table = window.dashboard.table
    rect = table.visualRect(window.dashboard.proxy.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def when_dialog(qtbot, act: Callable[[QDialog], None]) -> None:
    """Answer the next modal dialog with ``act`` once it is shown."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, answer)
            return
        act(dialog)

    QTimer.singleShot(0, answer)


def test_set_school_on_three_selected_children_then_undo(qtbot, vault: Path) -> None:
    window = open_window(qtbot, vault, "kim")
    bulk = window.bulk
    assert bulk is not None
    click_row(qtbot, window, 0)
    click_row(qtbot, window, 2, Qt.KeyboardModifier.ShiftModifier)
    chosen = window.dashboard.selected_records()
    assert len(chosen) == 3
    assert bulk.button.text().replace("&", "") == "With selected (3)…"
    before = {r.id: r.get("child.school_urn") for r in chosen}

    def fill(dialog: QDialog) -> None:
        assert isinstance(dialog, BulkValuesDialog)
        qtbot.keyClicks(dialog.name, "hilltop")
        popup = dialog.finder.completer_for(dialog.name).popup()
        qtbot.waitUntil(popup.isVisible)
        qtbot.keyClick(popup, Qt.Key.Key_Down)
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.urn.text() == "990102")
        assert "no certificate" in dialog.note.text()
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    when_dialog(qtbot, fill)
    qtbot.keyClick(
        window.dashboard.table,
        Qt.Key.Key_B,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(bulk.menu.isVisible)
    qtbot.keyClick(bulk.menu, Qt.Key.Key_S)  # Set receiving &school…
    qtbot.waitUntil(lambda: bulk.bar.isVisible())
    assert (
        "Receiving school set to Hilltop Church of England Primary (fictional)"
        in bulk.bar.text.text()
    )
    assert "for 3 children" in bulk.bar.text.text()
    stored = {r.id: r for r in window.service.list_records()}
    for record in chosen:
        assert stored[record.id].get("child.school_urn") == "990102"
    shown = {window.dashboard.proxy.index(n, CohortModel.SCHOOL).data() for n in range(3)}
    assert shown == {"Hilltop Church of England Primary (fictional)"}

    # Ctrl+Z on the dashboard takes the whole change back.
    window.activateWindow()  # the offscreen platform does not give it back when the dialog closes
    qtbot.waitUntil(window.isActiveWindow)
    assert window.undo_action.isEnabled()
    qtbot.keyClick(window.dashboard.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    stored = {r.id: r for r in window.service.list_records()}
    for record in chosen:
        assert stored[record.id].get("child.school_urn") == before[record.id]
    assert "Undone: 3 children back as they were." in bulk.bar.text.text()
    qtbot.keyClick(
        window.dashboard.table,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )  # redo
    stored = {r.id: r for r in window.service.list_records()}
    assert all(stored[r.id].get("child.school_urn") == "990102" for r in chosen)
    window.close()


def test_mark_ready_from_the_right_click_menu_and_start_date(qtbot, vault: Path) -> None:
    window = open_window(qtbot, vault, "kim")
    bulk = window.bulk
    assert bulk is not None
    click_row(qtbot, window, 1)
    click_row(qtbot, window, 3, Qt.KeyboardModifier.ControlModifier)
    assert len(window.dashboard.selected_records()) == 2
    table = window.dashboard.table
    table.customContextMenuRequested.emit(
        table.visualRect(window.dashboard.proxy.index(1, 0)).center()
    )
    qtbot.waitUntil(bulk.menu.isVisible)
    qtbot.keyClick(bulk.menu, Qt.Key.Key_R)  # Mark &ready for review
    qtbot.waitUntil(lambda: "Marked 2 children ready for review." in bulk.bar.text.text())
    statuses = [r.status for r in window.dashboard.selected_records()]
    assert statuses == [Status.READY_FOR_REVIEW, Status.READY_FOR_REVIEW]

    def fill(dialog: QDialog) -> None:
        qtbot.keyClicks(dialog.value, "31/02/2027")
        qtbot.keyClick(dialog.value, Qt.Key.Key_Return)
        assert dialog.isVisible()  # not a real date: the dialog says so and stays
        assert dialog.error.text() == "February has no 31st."
        dialog.value.selectAll()
        qtbot.keyClicks(dialog.value, "06/09/2027")
        qtbot.keyClick(dialog.value, Qt.Key.Key_Return)

    when_dialog(qtbot, fill)
    bulk.set_start_action.trigger()
    assert "School start date set to 06/09/2027 for 2 children." in bulk.bar.text.text()
    assert all(
        r.get("child.school_start_date") == date(2027, 9, 6)
        for r in window.dashboard.selected_records()
    )
    # The summary's Undo button (mouse) takes back the date; the ready marks stay.
    qtbot.mouseClick(bulk.bar.undo_button, Qt.MouseButton.LeftButton)
    assert all(
        r.get("child.school_start_date") != date(2027, 9, 6)
        for r in window.dashboard.selected_records()
    )
    assert all(r.status == Status.READY_FOR_REVIEW for r in window.dashboard.selected_records())
    window.close()


def test_switch_user_forgets_the_bulk_undo(qtbot, vault: Path) -> None:
    window = open_window(qtbot, vault, "kim")
    click_row(qtbot, window, 0)
    window.bulk.mark_ready()
    assert window.bulk.undo_stack.canUndo()
    window.switch_user()
    window._unlock("sam", PASSWORD)
    qtbot.waitUntil(lambda: not window.is_locked())
    assert not window.bulk.undo_stack.canUndo()
    window.close()
