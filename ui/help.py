"""Help ▸ Help (F1), Keyboard shortcuts and About Transitions.

The Help window has two tabs: a one-page guide for a key person (``ui/help_text/guide.md``,
shipped as package data) and the keyboard shortcuts. The shortcuts are read from the window's
own menus each time the Help window opens, so the list always matches the keys that work now;
keys that no menu shows (Enter in the search box, F4 in a date field) are listed from
:data:`DOCUMENTED_KEYS`. The About box names the version, the app's licence and what the app is
built from (``transitions_app.licences``).

Both windows are non-modal: a person can keep the guide open beside the record they are
writing. Esc closes either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QCoreApplication,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from transitions_app import APP_NAME, licences, version
from ui.geometry import fit_columns
from ui.table_model import RowsModel

GUIDE_FILE = Path(__file__).resolve().parent / "help_text" / "guide.md"
RowRole = Qt.ItemDataRole.UserRole + 1  # the row's dataclass (Shortcut or licences.Component)


def tr(text: str) -> str:
    return QCoreApplication.translate("help", text)


def read_guide(path: Path = GUIDE_FILE) -> str:
    """The guide's Markdown text (a file per language can replace it later)."""
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the shortcuts


@dataclass(frozen=True, slots=True)
class Shortcut:
    keys: str  # as the person's system writes them ("Ctrl+Shift+S")
    action: str  # what it does
    where: str  # the menu, or the part of the window where the key works


# Keys that are handled inside a widget rather than by a menu action (grep ui/ for
# keyPressEvent, eventFilter and QShortcut when adding one). (keys, what, where); the keys are
# in QKeySequence's portable form and shown in the system's own words.
DOCUMENTED_KEYS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("Ctrl+F",), "Go to the search box", "List of children"),
    (("Enter",), "Open the first child found", "Search box"),
    (("Down",), "Move from the search box into the list", "Search box"),
    (("Enter",), "Open the selected child's record", "List of children"),
    (("Tab", "Shift+Tab"), "Next or previous field", "Record"),
    (("F4", "Alt+Down"), "Open the calendar", "Date field"),
    (("Down",), "List every school in the directory", "Receiving school field"),
    (("E", "M"), "Mark expected or emerging", "Outcomes grid (school)"),
    (("Space",), "Change the mark", "Outcomes grid (school)"),
    (("Del", "Backspace"), "Clear the mark", "Outcomes grid (school)"),
    (("Enter",), "Move down a row", "Outcomes grid (school)"),
    (("Esc",), "Close a dialog, or this window", "Everywhere"),
)
MNEMONIC_ROW = ("Alt + the underlined letter", "Press that button or open that menu", "Everywhere")


def _native(sequences: Sequence[QKeySequence]) -> str:
    return tr(" or ").join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)


def _plain(text: str) -> str:
    """A menu text without its mnemonic: "Si&gn off" -> "Sign off", "&&" stays one "&"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _menu_shortcuts(menu: QMenu, where: str, seen: set[int]) -> list[Shortcut]:
    rows: list[Shortcut] = []
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        sub = action.menu()
        if isinstance(sub, QMenu):
            rows += _menu_shortcuts(sub, f"{where} ▸ {_plain(action.text())}", seen)
        elif action.shortcuts():
            seen.add(id(action))
            rows.append(_row(action, where))
    return rows


def _row(action: QAction, where: str) -> Shortcut:
    if not action.isEnabled():  # a record's actions before a record is open, say
        where = tr("{where} (not available now)").format(where=where)
    return Shortcut(_native(action.shortcuts()), _plain(action.text()), where)


def window_shortcuts(window: QMainWindow) -> list[Shortcut]:
    """Every visible action with a key in ``window``: its menus' first, in menu order, then the
    actions that are not in a menu (the dashboard's "With selected…")."""
    seen: set[int] = set()
    rows: list[Shortcut] = []
    for top in window.menuBar().actions():
        menu = top.menu()
        if isinstance(menu, QMenu) and top.isVisible():
            rows += _menu_shortcuts(menu, tr("{menu} menu").format(menu=_plain(top.text())), seen)
    hidden_menus = {
        id(a)
        for top in window.menuBar().actions()
        if isinstance(menu := top.menu(), QMenu) and not top.isVisible()
        for a in menu.actions()
    }
    for widget in [window, *window.findChildren(QWidget)]:
        if widget.window() is not window:  # a dialog's own keys are not the window's
            continue
        for action in widget.actions():
            key = id(action)
            if key in seen or key in hidden_menus or not action.shortcuts():
                continue
            if not action.isVisible() or isinstance(action.parent(), QMenu):
                continue
            seen.add(key)
            rows.append(_row(action, tr("Window")))
    return rows


def documented_shortcuts() -> list[Shortcut]:
    rows = [
        Shortcut(_native([QKeySequence(k) for k in keys]), tr(what), tr(where))
        for keys, what, where in DOCUMENTED_KEYS
    ]
    keys, what, where = MNEMONIC_ROW
    rows.append(Shortcut(tr(keys), tr(what), tr(where)))
    return rows


# --------------------------------------------------------------------------- table models


class _TextRows(RowsModel[Any]):
    """A read-only table of dataclass rows: column n shows the row's attribute ``FIELDS[n]``."""

    CONTEXT = "help"
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def cell(self, row: Any, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return str(getattr(row, self.FIELDS[column]))
        if role == RowRole:
            return row
        return None


class ShortcutModel(_TextRows):
    KEYS, ACTION, WHERE = range(3)
    HEADERS = ("Keys", "What it does", "Where")
    FIELDS = ("keys", "action", "where")  # of Shortcut


class ComponentModel(_TextRows):
    NAME, LICENCE, VERSION, PART_OF = range(4)
    HEADERS = ("Component", "Licence", "Version", "Comes with")
    FIELDS = ("name", "licence", "version", "part_of")  # of licences.Component


def _table(
    model: QAbstractItemModel, name: str, widths: dict[int, int], parent: QWidget
) -> QTableView:
    """A read-only table; the columns of ``widths`` share what the window leaves (the last one
    stretches), and a cut-off cell shows all its text as a tooltip."""
    table = QTableView(parent)
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside it
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    fit_columns(table, widths)
    return table


# --------------------------------------------------------------------------- the windows


class HelpWindow(QDialog):
    """The guide and the keyboard shortcuts of ``window`` (read again each time it is shown)."""

    GUIDE_TAB, SHORTCUTS_TAB = range(2)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.setObjectName("helpWindow")
        self.setWindowTitle(tr("Help – {app}").format(app=APP_NAME))
        # Its own window (it can go behind the record being written), never modal.
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setModal(False)
        self.setSizeGripEnabled(True)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName(tr("Help"))
        self.guide = QTextBrowser(self)
        self.guide.setAccessibleName(tr("Guide for key people"))
        self.guide.setOpenExternalLinks(False)
        self.guide.setTabChangesFocus(True)  # Tab goes on to the Close button
        self.guide.setMarkdown(read_guide())
        self.guide.document().setDocumentMargin(12)
        self.tabs.addTab(self.guide, tr("&Guide"))

        shortcuts_page = QWidget(self)
        page = QVBoxLayout(shortcuts_page)
        self.filter = QLineEdit(shortcuts_page)
        self.filter.setPlaceholderText(tr("Find a shortcut (for example: sign, Ctrl+E)"))
        self.filter.setAccessibleName(tr("Find a shortcut"))
        self.filter.setClearButtonEnabled(True)
        self.model = ShortcutModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = _table(
            self.proxy,
            tr("Keyboard shortcuts"),
            {ShortcutModel.KEYS: 200, ShortcutModel.ACTION: 300},
            shortcuts_page,
        )
        self.filter.returnPressed.connect(self.table.setFocus)
        page.addWidget(self.filter)
        page.addWidget(self.table, 1)
        self.tabs.addTab(shortcuts_page, tr("&Keyboard shortcuts"))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(820, 620)  # the window fitter keeps it inside smaller screens
        self.setMinimumSize(420, 320)

    def refresh(self) -> None:
        """Read the window's shortcuts again (menus change with the vault and the role)."""
        self.model.set_rows([*window_shortcuts(self._window), *documented_shortcuts()])

    def show_tab(self, tab: int) -> None:
        self.refresh()
        self.tabs.setCurrentIndex(tab)
        self.show()
        self.raise_()
        self.activateWindow()
        target = self.guide if tab == self.GUIDE_TAB else self.table
        target.setFocus(Qt.FocusReason.OtherFocusReason)


class AboutBox(QDialog):
    """The app's name, version and licence, and the components it is built from."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        components: Callable[[], list[licences.Component]] = licences.components,
        app_licence: Callable[[], str] = licences.app_licence,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("aboutBox")
        self.setWindowTitle(tr("About {app}").format(app=APP_NAME))
        self.setModal(False)
        self.setSizeGripEnabled(True)

        self.title = QLabel(f"<h2>{APP_NAME}</h2>", self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.version = QLabel(tr("Version {version}").format(version=version()), self)
        self.version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = QLabel(
            tr(
                "Transition records from early years settings to Reception: write them, get "
                "them signed off, send them to the school, and check the ones you receive."
            ),
            self,
        )
        self.description.setWordWrap(True)
        own = app_licence()
        self.licence = QLabel(
            tr("Licence: {licence}").format(licence=own)
            if own
            else tr("Licence of Transitions itself: not declared yet."),
            self,
        )
        self.licence.setWordWrap(True)
        self.built_with = QLabel(
            tr("Built with these components, each under its own licence:"), self
        )
        self.model = ComponentModel(self)
        self.model.set_rows(components())
        self.table = _table(
            self.model,
            tr("Components and their licences"),
            {ComponentModel.NAME: 230, ComponentModel.LICENCE: 250, ComponentModel.VERSION: 110},
            self,
        )
        self.built_with.setBuddy(self.table)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for label in (self.title, self.version, self.description, self.licence, self.built_with):
            layout.addWidget(label)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(760, 560)
        self.setMinimumSize(420, 320)


class HelpMenu(QObject):
    """The Help menu of a main window: Help (F1), Keyboard shortcuts, About Transitions."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.help_window: HelpWindow | None = None
        self.about_box: AboutBox | None = None
        self.menu = window.menuBar().addMenu(tr("&Help"))

        # F1 everywhere, and the platform's own key if it has another (Ctrl+? on a Mac); not the
        # Help key X11 adds, which office keyboards do not have.
        f1, help_key = QKeySequence("F1"), QKeySequence(Qt.Key.Key_Help)
        platform = QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents)
        keys = [f1, *(k for k in platform if k not in (f1, help_key))]
        self.help_action = self._action(tr("&Help"), self.show_help, keys)
        self.help_action.setStatusTip(tr("A one-page guide and the keyboard shortcuts"))
        self.shortcuts_action = self._action(tr("&Keyboard shortcuts"), self.show_shortcuts)
        self.about_action = self._action(tr("&About {app}").format(app=APP_NAME), self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _action(
        self, text: str, slot: Callable[[], object], keys: list[QKeySequence] | None = None
    ) -> QAction:
        action = QAction(text, self._window)
        if keys:
            action.setShortcuts(keys)
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        self._window.addAction(action)
        return action

    def _help(self) -> HelpWindow:
        if self.help_window is None:
            self.help_window = HelpWindow(self._window)
        return self.help_window

    def show_help(self) -> HelpWindow:
        window = self._help()
        window.show_tab(HelpWindow.GUIDE_TAB)
        return window

    def show_shortcuts(self) -> HelpWindow:
        window = self._help()
        window.show_tab(HelpWindow.SHORTCUTS_TAB)
        return window

    def show_about(self) -> AboutBox:
        if self.about_box is None:
            self.about_box = AboutBox(self._window)
        self.about_box.show()
        self.about_box.raise_()
        self.about_box.activateWindow()
        self.about_box.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return self.about_box
