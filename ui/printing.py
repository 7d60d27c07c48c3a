"""Print one record: the PDF the school would read (unsigned), through the system's print dialog.

The pages are drawn from the record's own PDF (the export pipeline's layout, so paper and file
never differ) one at a time on a worker thread, straight onto the printer: Qt supports painting on
a QPrinter outside the UI thread, so a seven-page record at print resolution never freezes the
window. The print queue sees "Transition record" and the file code, never the child's name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QRect, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from export.file_names import file_code
from models.errors import TransitionsError
from models.record import Record
from ui.workers import run_with_progress

PRINT_DPI = 200  # pixels per inch drawn for the printer: sharp text, a few MB per page


class PrintFailed(TransitionsError):
    """The printer would not take the record (its message says what to check)."""


def tr(text: str) -> str:
    return QCoreApplication.translate("printing", text)


class _Page(Protocol):
    width: int
    height: int
    stride: int
    data: bytes


class PrintPreview(Protocol):
    """What printing needs from the preview service (transitions_app.services.preview_service)."""

    def preview_pdf(
        self, record: Record, *, packet: str = ..., handling_note: str = ...
    ) -> bytes: ...

    def each_page(
        self, pdf: bytes, scale: float = ..., pages: range | None = ...
    ) -> Iterator[tuple[int, int, _Page]]: ...


def _wanted_pages(printer: QPrinter) -> range | None:
    """The pages the person chose in the dialog (0-based), or None for all of them."""
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        return range(printer.fromPage() - 1, printer.toPage())
    return None


def draw_record(
    printer: QPrinter,
    preview: PrintPreview,
    record: Record,
    *,
    handling_note: str = "",
    report: Callable[[int, int, str], None] = lambda _d, _t, _s: None,
    cancel: threading.Event | None = None,
) -> int:
    """Draw the record's pages onto ``printer``; the number of pages printed. Runs on any thread."""
    pdf = preview.preview_pdf(record, handling_note=handling_note)
    scale = min(printer.resolution(), PRINT_DPI) / 72
    painter = QPainter()
    printed = 0
    try:
        for index, count, page in preview.each_page(pdf, scale, _wanted_pages(printer)):
            if cancel is not None and cancel.is_set():
                printer.abort()
                return printed
            if printed == 0:
                if not painter.begin(printer):
                    raise PrintFailed(
                        "The printer could not be started; check it is on and try again."
                    )
            elif not printer.newPage():
                raise PrintFailed("The printer stopped taking pages; check it and try again.")
            image = QImage(
                page.data, page.width, page.height, page.stride, QImage.Format.Format_RGB888
            )
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(
                area.x() + (area.width() - size.width()) // 2, area.y(), size.width(), size.height()
            )
            painter.drawImage(target, image)
            printed += 1
            report(index + 1, count, tr("Page {n} of {count}").format(n=index + 1, count=count))
    finally:
        if painter.isActive():
            painter.end()
    return printed


def new_printer(record: Record) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(tr("Transition record {code}").format(code=file_code(record.id)))
    printer.setFullPage(False)
    return printer


def print_record(
    parent: QWidget,
    preview: PrintPreview,
    record: Record,
    *,
    handling_note: str = "",
    printer: QPrinter | None = None,
    ask: bool = True,
    on_done: Callable[[int], None] | None = None,
    on_failed: Callable[[BaseException], None] | None = None,
) -> bool:
    """Ask where to print (unless ``ask`` is False), then print in the background with progress
    that can be cancelled. False when the person closed the print dialog."""
    printer = printer or new_printer(record)
    if ask:
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(tr("Print {name}'s record").format(name=record.display_name))
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintSelection, False)
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintCurrentPage, False)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
    progress = QProgressDialog(tr("Preparing the pages…"), tr("Cancel"), 0, 0, parent)
    progress.setWindowTitle(tr("Printing"))
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(300)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    cancel = threading.Event()
    progress.canceled.connect(cancel.set)

    def work(report: Callable[[int, int, str], None]) -> int:
        return draw_record(
            printer, preview, record, handling_note=handling_note, report=report, cancel=cancel
        )

    def moved(done: int, total: int, text: str) -> None:
        progress.setMaximum(total)
        progress.setValue(done)
        progress.setLabelText(text)

    def finished(pages: int) -> None:
        progress.close()
        if on_done is not None:
            on_done(pages)

    def failed(exc: BaseException) -> None:
        progress.close()
        if on_failed is not None:
            on_failed(exc)

    run_with_progress(work, moved, finished, failed)
    return True
