"""Every window on the screen it opens on: fitted and remembered per screen.

Office PCs run anything from 1280x720 at 100 % to 1920x1080 at 150 % (1280x720 logical pixels),
with a taskbar taking part of it. :func:`install` puts a :class:`WindowFitter` on the
application. Every top-level window it shows (the main window, each dialog) then opens inside the
screen's available area (the screen minus the taskbar), at the size and place it had last time on
that same screen, and is never larger than the screen. A dialog of ours whose content cannot
shrink that far gets a scroll area round its content, with its buttons kept below it, in view.

The start-up installs it before the login dialog's first paint, so this module imports only what
fitting needs; the wrapping rows and table columns are in ``ui.geometry``.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

# Room for the window frame the system draws round a window (title bar and borders), in logical
# pixels. Before a window is first shown Qt does not know its frame, so this is assumed.
FRAME_TOP = 32
FRAME_SIDE = 8
# The smallest a main window may be made: it still shows the menu, a few rows and the buttons.
MIN_WINDOW = QSize(720, 420)
# Beside the title, a title bar holds the window's icon and its minimise, maximise and close
# buttons (Windows 10 and 11 at 100 %: about 170 logical pixels).
TITLE_BAR_EXTRA = 170


class GeometryStore(Protocol):
    """Where window sizes and places are kept (``transitions_app.settings.AppSettings``)."""

    def window_geometry_for(self, key: str) -> QByteArray | None: ...

    def set_window_geometry_for(self, key: str, geometry: QByteArray) -> None: ...


# --------------------------------------------------------------------------- the screen


def screen_of(widget: QWidget) -> QScreen:
    """The screen a window is on, or will open on (its parent's, else the primary one)."""
    parent = widget.parentWidget()
    for candidate in (widget, parent.window() if parent is not None else None):
        if candidate is not None and candidate.isVisible():
            screen = candidate.screen()
            if screen is not None:
                return screen
    at = QGuiApplication.screenAt(widget.geometry().center()) if widget.isVisible() else None
    return at or widget.screen() or QGuiApplication.primaryScreen()


def available_rect(widget: QWidget) -> QRect:
    """The part of the window's screen that windows may use: the screen minus the taskbar."""
    return screen_of(widget).availableGeometry()


def frame_margins(window: QWidget) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the frame round ``window``: measured once it is shown,
    else assumed."""
    frame, inner = window.frameGeometry(), window.geometry()
    if window.isVisible() and frame != inner:
        return (
            inner.left() - frame.left(),
            inner.top() - frame.top(),
            frame.right() - inner.right(),
            frame.bottom() - inner.bottom(),
        )
    if window.windowFlags() & Qt.WindowType.FramelessWindowHint:
        return (0, 0, 0, 0)
    return (FRAME_SIDE, FRAME_TOP, FRAME_SIDE, FRAME_SIDE)


def largest_size(window: QWidget) -> QSize:
    """The largest client size at which ``window``, frame included, fits on its screen."""
    area = available_rect(window)
    left, top, right, bottom = frame_margins(window)
    return QSize(max(area.width() - left - right, 1), max(area.height() - top - bottom, 1))


def screen_key(screen: QScreen) -> str:
    """Names a screen setup: the same monitor at another resolution or scale is another key."""
    size = screen.size()
    scale = round(screen.devicePixelRatio() * 100)
    return f"{screen.name() or 'screen'}-{size.width()}x{size.height()}@{scale}"


# --------------------------------------------------------------------------- fitting a window


def fit_window(window: QWidget, preferred: QSize | None = None) -> None:
    """Size ``window`` to ``preferred`` (or its current size) but no larger than its screen
    allows, and move it so that all of it, frame included, is on the screen."""
    limit = largest_size(window)
    if isinstance(window, QDialog) and _needs_scrolling(window, limit):
        make_scrollable(window)
    minimum = window.minimumSize()
    if minimum.width() > limit.width() or minimum.height() > limit.height():
        window.setMinimumSize(minimum.boundedTo(limit))
    wanted = preferred if preferred is not None else window.size()
    wanted = wanted.expandedTo(QSize(title_width(window), 0))
    lowest = window.minimumSizeHint().expandedTo(window.minimumSize()).boundedTo(limit)
    size = wanted.boundedTo(limit).expandedTo(lowest)
    if size != window.size():
        window.resize(size)
    move_onto_screen(window)


def title_width(window: QWidget) -> int:
    """How wide ``window`` must be for the title bar to show its whole title."""
    title = window.windowTitle()
    if not title:
        return 0
    return QFontMetrics(window.font()).horizontalAdvance(title) + TITLE_BAR_EXTRA


def move_onto_screen(window: QWidget) -> None:
    """Move ``window`` the least distance that puts its frame inside the available area."""
    area = available_rect(window)
    left, top, right, bottom = frame_margins(window)
    size = window.size()
    frame = QRect(window.x(), window.y(), size.width() + left + right, size.height() + top + bottom)
    parent = window.parentWidget()
    if not window.isVisible() and isinstance(window, QDialog) and parent:
        frame.moveCenter(parent.window().frameGeometry().center())
    x = min(max(frame.x(), area.left()), max(area.right() + 1 - frame.width(), area.left()))
    y = min(max(frame.y(), area.top()), max(area.bottom() + 1 - frame.height(), area.top()))
    if QPoint(x, y) != window.pos():
        window.move(x, y)


def _needs_scrolling(dialog: QDialog, limit: QSize) -> bool:
    layout = dialog.layout()
    if dialog.property("fitScrollable") or layout is None:
        return False
    if type(dialog).__module__.startswith("PySide6"):
        return False  # Qt's own dialogs (message boxes, file dialogs) manage their own layout
    width = min(max(dialog.width(), layout.totalMinimumSize().width()), limit.width())
    needed = layout.totalMinimumSize().expandedTo(dialog.minimumSize())
    if layout.hasHeightForWidth():  # wrapped text: taller the narrower it is
        needed.setHeight(max(needed.height(), layout.totalHeightForWidth(width)))
    return needed.width() > limit.width() or needed.height() > limit.height()


def make_scrollable(dialog: QDialog) -> QScrollArea:
    """Put the dialog's content in a scroll area, keeping its button box below it, in view.

    Done only when the content cannot shrink to the screen: on a larger screen the dialog is as
    it was built.
    """
    content_layout = dialog.layout()
    assert content_layout is not None
    items = (content_layout.itemAt(i) for i in range(content_layout.count()))
    buttons = [
        box
        for item in items
        if item is not None and isinstance(box := item.widget(), QDialogButtonBox)
    ]
    for box in buttons:
        content_layout.removeWidget(box)
    margins = content_layout.contentsMargins()
    left, right, bottom = margins.left(), margins.right(), margins.bottom()
    content = QWidget()
    content.setObjectName("scrolledContent")
    # What the dialog asked for is now the content's to ask: the scroll area shows it.
    content.setMinimumSize(dialog.minimumSize())
    dialog.setMinimumSize(0, 0)
    content.setLayout(content_layout)  # moves the layout and its widgets into ``content``
    scroll = QScrollArea(dialog)
    scroll.setObjectName("dialogScroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    outer = QVBoxLayout(dialog)
    outer.setContentsMargins(0, 0, 0, bottom if buttons else 0)
    outer.setSpacing(6)
    outer.addWidget(scroll, 1)
    for box in buttons:
        row = QVBoxLayout()
        row.setContentsMargins(left, 0, right, 0)
        row.addWidget(box)
        outer.addLayout(row)
    dialog.setProperty("fitScrollable", True)
    return scroll


# --------------------------------------------------------------------------- the app-wide fitter


def window_key(window: QWidget) -> str:
    """What a window's remembered geometry is filed under: its object name, else its class."""
    return window.objectName() or type(window).__name__


class WindowFitter(QObject):
    """Fits every window the application shows; remembers each one's geometry per screen."""

    def __init__(self, store: GeometryStore | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in (QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.Close) and _is_window(obj):
            assert isinstance(obj, QWidget)
            if kind == QEvent.Type.Show:
                self._shown(obj)
            else:
                self._save(obj)
        elif kind == QEvent.Type.ScreenChangeInternal and _is_window(obj):
            assert isinstance(obj, QWidget)
            if obj.isVisible() and not obj.isMaximized() and not obj.isFullScreen():
                fit_window(obj)
        return False

    def _shown(self, window: QWidget) -> None:
        if window.property("fitShown"):
            return
        window.setProperty("fitShown", True)
        restored = False
        if self.store is not None and window_key(window):
            saved = self.store.window_geometry_for(self._key(window))
            if saved is not None:
                restored = window.restoreGeometry(saved)
        if restored and (window.isMaximized() or window.isFullScreen()):
            return
        fit_window(window)

    def _save(self, window: QWidget) -> None:
        if self.store is not None and window.property("fitShown") and window.isVisible():
            self.store.set_window_geometry_for(self._key(window), window.saveGeometry())

    @staticmethod
    def _key(window: QWidget) -> str:
        return f"{window_key(window)}/{screen_key(screen_of(window))}"


def _is_window(obj: QObject) -> bool:
    if not isinstance(obj, QWidget) or not obj.isWindow():
        return False
    kind = obj.windowType()
    return kind in (Qt.WindowType.Window, Qt.WindowType.Dialog)


def install(app: QApplication, store: GeometryStore | None = None) -> WindowFitter:
    """Fit every window ``app`` shows from now on (once per application)."""
    for existing in app.findChildren(WindowFitter):
        existing.store = store if store is not None else existing.store
        return existing
    fitter = WindowFitter(store, app)
    app.installEventFilter(fitter)
    return fitter
