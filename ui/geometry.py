"""Every window on the screen it opens on: fitted, remembered per screen, and wrapping rows.

Office PCs run anything from 1280x720 at 100 % to 1920x1080 at 150 % (1280x720 logical pixels),
with a taskbar taking part of it. This module is the one place that knows about that:

- :func:`install` puts a :class:`WindowFitter` on the application. Every top-level window it
  shows (the main window, each dialog) then opens inside the screen's available area (the
  screen minus the taskbar), at the size and place it had last time on that same screen, and is
  never larger than the screen. A dialog of ours whose content cannot shrink that far gets a
  scroll area round its content, with its buttons kept below it, in view.
- :class:`FlowLayout` is a row of widgets that wraps onto the next line when the window is too
  narrow for it (filters, button rows), instead of pushing the window off the screen.
- :func:`fit_columns` shares a table's width between its columns, so a narrow window narrows
  every column a little rather than squeezing one to "…".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QResizeEvent, QScreen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QSpacerItem,
    QStyle,
    QVBoxLayout,
    QWidget,
    QWidgetItem,
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
    screen = QGuiApplication.screenAt(widget.geometry().center()) if widget.isVisible() else None
    return screen or widget.screen() or QGuiApplication.primaryScreen()


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
    if not window.isVisible() and isinstance(window, QDialog) and window.parentWidget():
        frame.moveCenter(window.parentWidget().window().frameGeometry().center())
    x = min(max(frame.x(), area.left()), max(area.right() + 1 - frame.width(), area.left()))
    y = min(max(frame.y(), area.top()), max(area.bottom() + 1 - frame.height(), area.top()))
    if QPoint(x, y) != window.pos():
        window.move(x, y)


def _needs_scrolling(dialog: QDialog, limit: QSize) -> bool:
    if dialog.property("fitScrollable") or dialog.layout() is None:
        return False
    if type(dialog).__module__.startswith("PySide6"):
        return False  # Qt's own dialogs (message boxes, file dialogs) manage their own layout
    layout = dialog.layout()
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
    buttons = [
        item.widget()
        for item in (content_layout.itemAt(i) for i in range(content_layout.count()))
        if isinstance(item.widget(), QDialogButtonBox)
    ]
    for box in buttons:
        content_layout.removeWidget(box)
    left, _top, right, bottom = content_layout.getContentsMargins()
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


# --------------------------------------------------------------------------- wrapping rows


class _Stretch(QSpacerItem):
    """A place in a :class:`FlowLayout` row where spare width goes (``addStretch``)."""

    def __init__(self, stretch: int) -> None:
        super().__init__(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.stretch = stretch


class FlowLayout(QLayout):
    """A row that wraps: widgets go left to right and continue on the next line when the row is
    full. It takes the same calls as the ``QHBoxLayout`` it replaces (``addWidget(w, stretch)``,
    ``addStretch``, ``addSpacing``): spare width on a line goes to its stretch, or to the widgets
    added with a stretch factor; every line's items are centred vertically."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 8) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretch: dict[int, int] = {}  # id(item) -> stretch factor
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # the QHBoxLayout calls
    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802
        super().addWidget(widget)  # Qt makes the item and hands it to addItem
        if stretch and self._items:
            self._stretch[id(self._items[-1])] = stretch

    def insertWidget(self, index: int, widget: QWidget) -> None:  # noqa: N802
        """Put ``widget`` before the item at ``index`` (at the end when out of range)."""
        self.addChildWidget(widget)
        item = QWidgetItem(widget)
        self._items.insert(index if 0 <= index <= len(self._items) else len(self._items), item)
        self.invalidate()

    def addStretch(self, stretch: int = 1) -> None:  # noqa: N802
        self._items.append(_Stretch(max(stretch, 1)))
        self.invalidate()

    def addSpacing(self, size: int) -> None:  # noqa: N802
        self._items.append(
            QSpacerItem(size, 0, QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        )
        self.invalidate()

    def setSpacing(self, spacing: int) -> None:  # noqa: N802
        self._gap = spacing
        self.invalidate()

    def spacing(self) -> int:
        return self._gap

    # QLayout
    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802
        self._items.append(item)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        if 0 <= index < len(self._items):
            item = self._items.pop(index)
            self._stretch.pop(id(item), None)
            self.invalidate()
            return item
        return None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        items = list(self._visible())
        left, top, right, bottom = self.getContentsMargins()
        width = sum(i.sizeHint().width() for i in items) + self._gap * max(len(items) - 1, 0)
        height = max((i.sizeHint().height() for i in items), default=0)
        return QSize(width + left + right, height + top + bottom)

    def minimumSize(self) -> QSize:  # noqa: N802
        left, top, right, bottom = self.getContentsMargins()
        widest = max((i.minimumSize().width() for i in self._visible()), default=0)
        tallest = max((i.minimumSize().height() for i in self._visible()), default=0)
        return QSize(widest + left + right, tallest + top + bottom)

    def _visible(self) -> Iterable[QLayoutItem]:
        return (i for i in self._items if not i.isEmpty() or isinstance(i, QSpacerItem))

    def _lines(self, width: int) -> list[list[QLayoutItem]]:
        lines: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._visible():
            w = item.sizeHint().width()
            if isinstance(item, QSpacerItem) and not lines[-1]:
                continue  # no spacing or stretch at the start of a line
            need = w if not lines[-1] else used + self._gap + w
            if lines[-1] and need > width and not isinstance(item, QSpacerItem):
                lines.append([item])
                used = w
            else:
                lines[-1].append(item)
                used = need
        for line in lines:
            while line and isinstance(line[-1], QSpacerItem) and not isinstance(line[-1], _Stretch):
                line.pop()
        return [line for line in lines if line]

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        left, top, right, bottom = self.getContentsMargins()
        area = rect.adjusted(left, top, -right, -bottom)
        y = area.y()
        for line in self._lines(area.width()):
            widths = [i.sizeHint().width() for i in line]
            spare = area.width() - sum(widths) - self._gap * (len(line) - 1)
            if spare > 0:
                stretches = [i.stretch if isinstance(i, _Stretch) else 0 for i in line]
                if not any(stretches):
                    stretches = [self._stretch.get(id(i), 0) for i in line]
                total = sum(stretches)
                if total:
                    for n, s in enumerate(stretches):
                        widths[n] += spare * s // total
            else:  # one item wider than the line: it gets the line, no more
                widths = [min(w, area.width()) for w in widths]
            height = max(i.sizeHint().height() for i in line)
            if apply:
                x = area.x()
                for item, w in zip(line, widths, strict=True):
                    h = min(item.sizeHint().height(), height)
                    if item.expandingDirections() & Qt.Orientation.Vertical:
                        h = height
                    item.setGeometry(QRect(x, y + (height - h) // 2, max(w, 0), h))
                    x += w + self._gap
            y += height + self.verticalGap()
        return y - self.verticalGap() - area.y() + top + bottom if y > area.y() else top + bottom

    def verticalGap(self) -> int:  # noqa: N802
        style = self.parentWidget().style() if self.parentWidget() else QApplication.style()
        gap = style.pixelMetric(QStyle.PixelMetric.PM_LayoutVerticalSpacing)
        return gap if gap >= 0 else self._gap


# --------------------------------------------------------------------------- tables


class _ColumnFitter(QObject):
    def __init__(
        self, view: QAbstractItemView, header: QHeaderView, widths: dict[int, int], minimum: int
    ) -> None:
        super().__init__(view)
        self.view, self.header, self.widths, self.minimum = view, header, widths, minimum
        view.viewport().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        columns = [c for c in self.widths if not self.header.isSectionHidden(c)]
        preferred = sum(self.widths[c] for c in columns)
        stretched = [
            c
            for c in range(self.header.count())
            if not self.header.isSectionHidden(c) and c not in self.widths
        ]
        room = self.view.viewport().width() - self.minimum * len(stretched)
        scale = min(1.0, room / preferred) if preferred > 0 else 1.0
        for c in columns:
            self.header.resizeSection(c, max(int(self.widths[c] * scale), 48))


def fit_columns(
    view: QAbstractItemView, widths: dict[int, int], stretch_minimum: int = 160
) -> None:
    """Give ``view``'s columns ``widths`` (logical pixels) when there is room; when the view is
    narrower, shrink them all in proportion so the stretching columns keep ``stretch_minimum``."""
    header = getattr(view, "horizontalHeader", None)
    assert header is not None, "fit_columns needs a table view"
    fitter = _ColumnFitter(view, header(), dict(widths), stretch_minimum)
    fitter.fit()


class WrappingLabel(QLabel):
    """A word-wrapped label that asks for the height its text needs at its current width.

    Height-for-width does not reach through a QStackedWidget, so a wrapped label in a page's
    header would otherwise be given one line's height and lose the end of its text (the editor's
    sign-off line, which names each person whose sign-off has changed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        was = self.minimumHeight()
        self.setMinimumHeight(0)  # QLabel's answer is never below the minimum already set
        need = max(self.heightForWidth(max(self.width(), 1)), 0)
        self.setMinimumHeight(need if need != was else was)
