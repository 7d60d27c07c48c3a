"""Right-clicking a text field and choosing from its menu (ui/text_menu.py), for the UI tests."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QPlainTextEdit, QWidget

from ui import text_menu


def right_click(qtbot, edit: QWidget, point: QPoint) -> QMenu:
    """The context menu event a right-click at ``point`` gives the widget under the pointer (a
    note field's viewport). It is sent to the widget: the offscreen platform sometimes delivers
    the event a right-click through the window makes to another widget after earlier tests."""
    target = edit.viewport() if isinstance(edit, QPlainTextEdit) else edit
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, target.mapToGlobal(point))
    QApplication.sendEvent(target, event)
    menu: QMenu | None = None

    def shown() -> bool:
        nonlocal menu
        menu = edit.findChild(QMenu, text_menu.MENU_NAME)
        return menu is not None and menu.isVisible()

    qtbot.waitUntil(shown)
    assert menu is not None
    # Corrections not worked out before arrive in the open menu from the thread pool.
    qtbot.waitUntil(
        lambda: not [a for a in menu.actions() if a.objectName() == "suggestionsPending"]
    )
    return menu


def action(menu: QMenu, text: str) -> QAction:
    found = [a for a in menu.actions() if a.text().replace("&", "") == text]
    assert found, f"no {text!r} in {[a.text() for a in menu.actions()]}"
    return found[0]


def click(qtbot, menu: QMenu, entry: QAction) -> None:
    assert entry.isEnabled(), entry.text()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(entry).center())
    qtbot.waitUntil(lambda: not menu.isVisible())
