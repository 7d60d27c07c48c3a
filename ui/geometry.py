"""Every window on the screen it opens on: fitted, remembered per screen, and wrapping rows.

Office PCs run anything from 1280x720 at 100 % to 1920x1080 at 150 % (1280x720 logical pixels),
with a taskbar taking part of it. This module is the one place that knows about that:

- :func:`install` puts a :class:`WindowFitter` on the application (see ``ui.window_fit``, where
  it lives so that the start-up need not import the rest of this module; re-exported here).
- :class:`FlowLayout` is a row of widgets that wraps onto the next line when the window is too
  narrow for it (filters, button rows), instead of pushing the window off the screen.
- :func:`fit_columns` shares a table's width between its columns, so a narrow window narrows
  every column a little rather than squeezing one to "…".
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QSizePolicy,
    QSpacerItem,
    QStyle,
    QWidget,
    QWidgetItem,
)

from ui.window_fit import (
    FRAME_SIDE,
    FRAME_TOP,
    MIN_WINDOW,
    TITLE_BAR_EXTRA,
    GeometryStore,
    WindowFitter,
    available_rect,
    fit_window,
    frame_margins,
    install,
    largest_size,
    make_scrollable,
    move_onto_screen,
    screen_key,
    screen_of,
    title_width,
    window_key,
)

# The window fitting lives in ui.window_fit (the start-up imports only that) and is part of this
# module's job, so it is re-exported.
__all__ = [
    "FRAME_SIDE",
    "FRAME_TOP",
    "FlowLayout",
    "GeometryStore",
    "MIN_WINDOW",
    "TITLE_BAR_EXTRA",
    "WindowFitter",
    "WrappingLabel",
    "available_rect",
    "fit_columns",
    "fit_window",
    "frame_margins",
    "install",
    "largest_size",
    "make_scrollable",
    "move_onto_screen",
    "screen_key",
    "screen_of",
    "title_width",
    "window_key",
]

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
        m = self.contentsMargins()
        left, top, right, bottom = m.left(), m.top(), m.right(), m.bottom()
        width = sum(i.sizeHint().width() for i in items) + self._gap * max(len(items) - 1, 0)
        height = max((i.sizeHint().height() for i in items), default=0)
        return QSize(width + left + right, height + top + bottom)

    def minimumSize(self) -> QSize:  # noqa: N802
        m = self.contentsMargins()
        left, top, right, bottom = m.left(), m.top(), m.right(), m.bottom()
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
        m = self.contentsMargins()
        left, top, right, bottom = m.left(), m.top(), m.right(), m.bottom()
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
        parent = self.parentWidget()
        style = parent.style() if parent is not None else QApplication.style()
        gap = style.pixelMetric(QStyle.PixelMetric.PM_LayoutVerticalSpacing)
        return gap if gap >= 0 else self._gap


# --------------------------------------------------------------------------- tables


class _ColumnFitter(QObject):
    def __init__(
        self,
        view: QAbstractItemView,
        header: QHeaderView,
        widths: dict[int, int],
        minimum: int,
        keep: frozenset[int] = frozenset(),
    ) -> None:
        super().__init__(view)
        self.view, self.header, self.widths, self.minimum = view, header, widths, minimum
        self.keep = keep
        view.viewport().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        columns = [c for c in self.widths if not self.header.isSectionHidden(c)]
        kept = [c for c in columns if c in self.keep]
        shrinking = [c for c in columns if c not in self.keep]
        preferred = sum(self.widths[c] for c in shrinking)
        stretched = [
            c
            for c in range(self.header.count())
            if not self.header.isSectionHidden(c) and c not in self.widths
        ]
        room = (
            self.view.viewport().width()
            - self.minimum * len(stretched)
            - sum(self.widths[c] for c in kept)
        )
        scale = min(1.0, room / preferred) if preferred > 0 else 1.0
        for c in kept:
            self.header.resizeSection(c, self.widths[c])
        for c in shrinking:
            self.header.resizeSection(c, max(int(self.widths[c] * scale), 48))


def fit_columns(
    view: QAbstractItemView,
    widths: dict[int, int],
    stretch_minimum: int = 160,
    keep: Iterable[int] = (),
) -> None:
    """Give ``view``'s columns ``widths`` (logical pixels) when there is room; when the view is
    narrower, shrink them in proportion so the stretching columns keep ``stretch_minimum``.
    The columns in ``keep`` (short values that say nothing once cut, such as a date) keep their
    width and the others shrink a little more."""
    header = getattr(view, "horizontalHeader", None)
    assert header is not None, "fit_columns needs a table view"
    fitter = _ColumnFitter(view, header(), dict(widths), stretch_minimum, frozenset(keep))
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
