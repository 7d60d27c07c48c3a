"""PDF pages shown one under another in a scroll area (pages drawn by the preview service)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget


def tr(text: str) -> str:
    return QCoreApplication.translate("pdf_pages", text)


class PagePreview(QScrollArea):
    """The rendered pages one under another, with "Page x of y" kept up to date on scroll."""

    page_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName(tr("Preview pages"))
        self.setObjectName("pdfPreview")
        self._inner = QWidget(self)
        self._inner.setObjectName("pdfPreviewInner")
        # ui/style.py gives pdfPreviewInner a background the pages stand out from.
        self._lay = QVBoxLayout(self._inner)
        self._lay.setSpacing(12)
        self._lay.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setWidget(self._inner)
        self._pages: list[QLabel] = []
        self._total = 0  # pages in the document (some may not be drawn yet)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._emit_page())

    def set_message(self, text: str) -> None:
        self._clear()
        label = QLabel(text, self._inner)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._lay.addWidget(label)
        self.page_changed.emit(0, 0)

    def set_pages(self, pages: list[Any], total: int | None = None) -> None:
        """Show ``pages`` (the first ones of ``total``, when the rest follow by :meth:`add_pages`)."""
        self._clear()
        self._total = len(pages) if total is None else total
        self.add_pages(pages)
        self.verticalScrollBar().setValue(0)

    def add_pages(self, pages: list[Any]) -> None:
        """Put ``pages`` under those shown (the scroll position stays)."""
        for page in pages:
            image = QImage(
                page.data, page.width, page.height, page.stride, QImage.Format.Format_RGB888
            ).copy()
            label = QLabel(self._inner)
            label.setPixmap(QPixmap.fromImage(image))
            label.setFixedSize(image.size())  # a page keeps its size; the area scrolls instead
            label.setObjectName("pdfPage")
            self._pages.append(label)
            self._total = max(self._total, len(self._pages))
            self._lay.addWidget(label)
        for n, label in enumerate(self._pages, start=1):
            label.setAccessibleName(tr("Page {n} of {total}").format(n=n, total=self._total))
        self._emit_page()
        QTimer.singleShot(0, self, self._emit_page)  # again once laid out (dropped if closed)

    def clear(self) -> None:
        """Show nothing (no pages, no message)."""
        self._clear()
        self.page_changed.emit(0, 0)

    def total_pages(self) -> int:
        """Pages in the document shown (some may not be drawn yet)."""
        return self._total

    def page_count(self) -> int:
        return len(self._pages)

    def current_page(self) -> int:
        if not self._pages:
            return 0
        # From the page sizes rather than the labels' geometry, which is only final once the
        # scroll area has been laid out.
        middle = self.verticalScrollBar().value() + self.viewport().height() // 3
        top = self._lay.contentsMargins().top()
        for n, label in enumerate(self._pages, start=1):
            top += label.pixmap().height()
            if top >= middle:
                return n
            top += self._lay.spacing()
        return len(self._pages)

    def _emit_page(self) -> None:
        self.page_changed.emit(self.current_page(), self._total if self._pages else 0)

    def _clear(self) -> None:
        while self._lay.count():
            item = self._lay.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._pages = []
        self._total = 0
