"""Print one record: Ctrl+P in the open record sends the record's own PDF pages to the printer
(here a PDF printer writing a file), with the child's name kept out of the print queue."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter

import ui.printing
from tests.ui.conftest import CHEAP_KDF, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from transitions_app.services.preview_service import PreviewService
from ui.main_window import MainWindow

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def window(qtbot, tmp_path: Path) -> MainWindow:
    directory = tmp_path / "vault"
    create_demo_vault(directory, children=2, seed=5, kdf=CHEAP_KDF, today=NOW.date())
    session = CheapVaultAccess.open(directory, "keyperson", DEMO_PASSWORD)
    w = MainWindow(
        CheapVaultAccess, directory, session, services=WindowServices(clock=lambda: NOW, workers=1)
    )
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_ctrl_p_prints_every_page_of_the_open_record(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "printed.pdf"
    printers: list[QPrinter] = []
    real_new_printer = ui.printing.new_printer

    def pdf_printer(record):
        printer = real_new_printer(record)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printers.append(printer)
        return printer

    monkeypatch.setattr(ui.printing, "new_printer", pdf_printer)
    monkeypatch.setattr(ui.printing.QPrintDialog, "exec", lambda _self: 1)  # "Print" in the dialog
    record = window.service.list_records()[0]
    window.open_record(record.id)
    assert window.print_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "to the printer" in window.statusBar().currentMessage(), timeout=30000)

    expected = len(
        pikepdf.open(io.BytesIO(PreviewService(clock=lambda: NOW).preview_pdf(record))).pages
    )
    with pikepdf.open(out) as printed:
        assert len(printed.pages) == expected
    assert f"{expected} page(s)" in window.statusBar().currentMessage()
    assert record.display_name not in printers[0].docName()  # the print queue is seen by others
    assert printers[0].docName().startswith("Transition record ")
    # the pages are pictures of the record's PDF: nothing is lost on the way (page 1 is not blank)
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-r", "30", "-f", "1", "-l", "1", "-png", str(out), str(tmp_path / "p")],
            check=True,
        )
        page = QImage(str(next(tmp_path.glob("p*.png"))))
        dark = sum(
            1
            for y in range(0, page.height(), 4)
            for x in range(0, page.width(), 4)
            if page.pixelColor(x, y).lightness() < 200
        )
        assert dark > 20


def test_a_printer_that_will_not_start_says_so(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr(ui.printing.QPainter, "begin", lambda _self, _device: False)
    record = window.service.list_records()[0]
    window.open_record(record.id)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName("")
    assert window.print_current(printer=printer, ask=False)
    qtbot.waitUntil(lambda: "could not be printed" in window.message_bar.text.text(), timeout=30000)
    assert "check it is on" in window.message_bar.text.text()


def test_print_needs_an_open_record(window: MainWindow) -> None:
    assert not window.print_action.isEnabled()
    assert not window.print_current(ask=False)
