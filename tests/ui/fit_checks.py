"""What "fits the screen" means, checked on real, shown widgets (used by the screen-fit tests).

A window fits when, with room for the frame Windows draws round it, it lies inside the screen's
available area (the screen minus the taskbar), every visible control in it lies inside the
window (or inside a scroll area that is itself inside it) and so on the screen, no button or
field is squeezed below the size its text needs, no label is cut off, and the title bar has room
for the window's title.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from ui.geometry import TITLE_BAR_EXTRA, available_rect, frame_margins

CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QTextEdit,
    QPlainTextEdit,
    QAbstractItemView,
    QTabBar,
    QLabel,
)


def _name(widget: QWidget) -> str:
    text = ""
    for attr in ("text", "windowTitle", "accessibleName", "placeholderText"):
        value = getattr(widget, attr, None)
        if callable(value):
            value = value()
        if isinstance(value, str) and value.strip():
            text = value.strip().replace("\n", " ")[:40]
            break
    return f"{type(widget).__name__}({text!r}, objectName={widget.objectName()!r})"


def _clip_of(widget: QWidget, window: QWidget) -> QRect:
    """The part of ``window`` (window coordinates) that can show ``widget``: the viewport of the
    innermost scroll area round it, else the whole window."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and parent is grand.viewport():
            return QRect(parent.mapTo(window, QPoint(0, 0)), parent.size())
        parent = grand
    return QRect(QPoint(0, 0), window.size())


def _inside_scroll_area(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and parent is grand.viewport():
            return True
        parent = grand
    return False


def _visible(widget: QWidget, window: QWidget) -> bool:
    return widget.isVisibleTo(window) and widget.width() > 0 and widget.height() > 0


def fit_problems(window: QWidget) -> list[str]:
    """Everything that does not fit, as sentences; empty when the window fits."""
    problems: list[str] = []
    area = available_rect(window)
    left, top, right, bottom = frame_margins(window)
    frame = window.geometry().adjusted(-left, -top, right, bottom)
    title = window.windowTitle()
    if not area.contains(frame):
        problems.append(
            f"{_name(window)}: the window with its frame, {frame}, is not inside the screen's "
            f"available area {area}"
        )
    if title:
        needed = QFontMetrics(window.font()).horizontalAdvance(title) + TITLE_BAR_EXTRA
        if needed > window.width() and window.width() < area.width() - left - right:
            problems.append(
                f"{_name(window)}: the title needs {needed} px, the window is {window.width()} px"
            )
    inner = QRect(QPoint(0, 0), window.size())
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or not _visible(widget, window) or widget.isWindow():
            continue
        rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        clip = _clip_of(widget, window)
        scrolled = _inside_scroll_area(widget, window)
        if not scrolled and not inner.contains(rect):
            problems.append(f"{_name(widget)} at {rect} lies outside its window {inner}")
            continue
        if not scrolled:
            on_screen = QRect(window.mapToGlobal(rect.topLeft()), rect.size())
            if not area.contains(on_screen):
                problems.append(f"{_name(widget)} at {on_screen} is off the screen {area}")
        elif not clip.intersects(rect) and not widget.isVisibleTo(window):
            continue
        problems += _squeezed(widget)
    return problems


def _squeezed(widget: QWidget) -> list[str]:
    """A control smaller than its text needs (a cut label, a button showing half its name)."""
    if isinstance(widget, QLabel):
        text = widget.text()
        if not text or widget.pixmap() is not None and not widget.pixmap().isNull():
            return []
        if widget.wordWrap():
            need = widget.heightForWidth(widget.width())
            if need > widget.height() + 1:
                return [f"{_name(widget)} needs {need} px of height, has {widget.height()}"]
            return []
        need = widget.minimumSizeHint().width()
        if need > widget.width() + 1 and widget.sizeHint().width() > widget.width() + 1:
            return [f"{_name(widget)} needs {need} px of width, has {widget.width()}"]
        return []
    if isinstance(widget, QAbstractButton | QComboBox | QLineEdit | QAbstractSpinBox):
        need = widget.minimumSizeHint()
        if need.width() > widget.width() + 1 or need.height() > widget.height() + 1:
            return [f"{_name(widget)} is {widget.size().toTuple()}, needs {need.toTuple()}"]
    return []
