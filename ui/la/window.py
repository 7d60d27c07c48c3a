"""The window in local authority mode: the returns page, its menu and keyboard paths.

It holds no vault and no child's data (returns are counts), so it has no login or idle lock;
the LA's root certificate and register decide which returns count.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from ui.help import HelpMenu
from ui.la.page import LaPage, LaReports


def tr(text: str) -> str:
    return QCoreApplication.translate("la", text)


class LaWindow(QMainWindow):
    """``reports``: the LA's reports service; ``folder_loaded`` says which folder was imported
    (the app keeps it to open again next time)."""

    folder_loaded = Signal(str)

    def __init__(self, reports: LaReports, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.page = LaPage(reports, self)
        self.setCentralWidget(self.page)
        self.setWindowTitle(
            tr("Transitions – local authority: {name}").format(name=reports.la_name())
        )
        self.page.loaded.connect(self._loaded)
        menu = self.menuBar().addMenu(tr("&File"))
        self.import_action = self._action(
            tr("&Import a folder of returns…"),
            self.page.choose_folder,
            QKeySequence.StandardKey.Open,
        )
        self.reload_action = self._action(tr("&Check the returns again"), self.reload, "F5")
        self.pdf_action = self._action(
            tr("Save the &report (PDF)…"), self.page._choose_pdf, "Ctrl+P"
        )
        self.csv_action = self._action(
            tr("Save the figures as &CSV…"), self.page._choose_csv, "Ctrl+Shift+S"
        )
        self.quit_action = self._action(tr("&Quit"), self.close, "Ctrl+Q")
        for a in (
            self.import_action,
            self.reload_action,
            None,
            self.pdf_action,
            self.csv_action,
            None,
            self.quit_action,
        ):
            menu.addSeparator() if a is None else menu.addAction(a)
        self.help = HelpMenu(self)
        self._sync()
        self.resize(1366, 768)
        self.setMinimumSize(1024, 640)

    def _action(self, text: str, slot: Callable[[], object], shortcut: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))  # type: ignore[call-overload]
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def reload(self) -> None:
        if self.page.folders:
            self.page.load(self.page.folders)

    def load(self, folder: Path) -> None:
        self.page.load([folder])

    def _loaded(self) -> None:
        self._sync()
        if self.page.insight is not None and self.page.folders:
            self.folder_loaded.emit(str(self.page.folders[0]))

    def _sync(self) -> None:
        ready = self.page.insight is not None
        self.pdf_action.setEnabled(ready)
        self.csv_action.setEnabled(ready)
        self.reload_action.setEnabled(bool(self.page.folders))
