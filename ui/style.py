"""The window's look: Fusion with a calm light palette or a dark one, and every colour the app uses.

This is the one module that names colours. Everything else asks it for a colour by its meaning
(``color("error")``, ``badge_colours("red")``) so the light and the dark look stay consistent and
each pair of text and background colours keeps a contrast of at least 4.5:1 (WCAG AA), which
``tests/ui/test_dark_palette.py`` checks on the rendered window.

The look follows the system's light or dark setting (Windows' "Choose your mode", a dark desktop
theme on Linux), unless the person picks one in View ▸ Appearance; the choice is kept with the
other settings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from string import Template
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QWidget


def tr(text: str) -> str:
    return QCoreApplication.translate("style", text)


class Appearance(enum.Enum):
    """What the person chose in View ▸ Appearance."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"
    HIGH_CONTRAST = "high_contrast"

    @property
    def label(self) -> str:
        return {
            Appearance.SYSTEM: tr("Follow the &system"),
            Appearance.LIGHT: tr("&Light"),
            Appearance.DARK: tr("&Dark"),
            Appearance.HIGH_CONTRAST: tr("&High contrast"),
        }[self]


@dataclass(frozen=True, slots=True)
class Theme:
    """Every colour of one look, by meaning (hex strings)."""

    name: str
    dark: bool
    # the Qt palette
    window: str
    text: str
    base: str
    alternate_base: str
    button: str
    highlight: str
    highlighted_text: str
    placeholder: str
    disabled_text: str
    link: str
    tooltip_base: str
    # named text and surfaces
    title: str
    sub_text: str
    field_label: str
    status_text: str
    ok: str
    error: str
    border: str
    header_bg: str
    info_bg: str
    info_border: str
    warning_bg: str
    warning_border: str
    entry_bg: str
    lock_bg: str
    lock_box_bg: str
    page_bg: str  # behind rendered PDF pages
    todo_icon: str
    # badges: background, text
    badge_grey: tuple[str, str]
    badge_red: tuple[str, str]
    badge_yellow: tuple[str, str]
    badge_blue: tuple[str, str]
    badge_purple: tuple[str, str]
    badge_green: tuple[str, str]
    # table cells and charts
    overdue_bg: str
    expected_bg: str
    emerging_bg: str
    neutral_bg: str
    chart_bar: str
    chart_on_bar: str
    chart_target: str
    chart_grid: str


LIGHT = Theme(
    name="light",
    dark=False,
    window="#ffffff",
    text="#1e2328",
    base="#ffffff",
    alternate_base="#f6f8fa",
    button="#f1f3f5",
    highlight="#2f6db5",
    highlighted_text="#ffffff",
    placeholder="#68727d",
    disabled_text="#7a838c",
    link="#1f5fa8",
    tooltip_base="#ffffdc",
    title="#1f3b57",
    sub_text="#56606b",
    field_label="#23303d",
    status_text="#33414e",
    ok="#1e6b3a",
    error="#a4262c",
    border="#d5dde6",
    header_bg="#f4f7fa",
    info_bg="#e8f1fb",
    info_border="#b9d3ee",
    warning_bg="#fff4ce",
    warning_border="#e8d28a",
    entry_bg="#fafbfc",
    lock_bg="#eef2f6",
    lock_box_bg="#ffffff",
    page_bg="#dde2e8",
    todo_icon="#8a96a3",
    badge_grey=("#eef1f4", "#33414e"),
    badge_red=("#fde7e9", "#a4262c"),
    badge_yellow=("#fff4ce", "#7a5a00"),
    badge_blue=("#e5f1fb", "#0b5394"),
    badge_purple=("#f3e8fd", "#5c2d91"),
    badge_green=("#e8f5ec", "#1e6b3a"),
    overdue_bg="#fbe3e0",
    expected_bg="#dcefdc",
    emerging_bg="#fde3b8",
    neutral_bg="#eeeeee",
    chart_bar="#1f5c74",
    chart_on_bar="#ffffff",
    chart_target="#b35c00",
    chart_grid="#e3e8ed",
)

DARK = Theme(
    name="dark",
    dark=True,
    window="#1d2125",
    text="#e8ebee",
    base="#15181b",
    alternate_base="#1c2024",
    button="#2b3137",
    highlight="#3a78c2",
    highlighted_text="#ffffff",
    placeholder="#9aa4ae",
    disabled_text="#8a939c",
    link="#8ab8f0",
    tooltip_base="#2b3137",
    title="#a9c8e8",
    sub_text="#aab3bc",
    field_label="#dfe4e9",
    status_text="#c9d1d9",
    ok="#6fcf8f",
    error="#ff8a8f",
    border="#3a424a",
    header_bg="#23282d",
    info_bg="#1b2d42",
    info_border="#2f4f73",
    warning_bg="#3a3117",
    warning_border="#6b5a22",
    entry_bg="#1a1e22",
    lock_bg="#181b1f",
    lock_box_bg="#23282d",
    page_bg="#2a2f35",
    todo_icon="#8a96a3",
    badge_grey=("#343b42", "#dfe4e9"),
    badge_red=("#4a2226", "#ffb3b7"),
    badge_yellow=("#453a12", "#ffe08a"),
    badge_blue=("#1d3550", "#a9d1ff"),
    badge_purple=("#3a2a52", "#dcc4ff"),
    badge_green=("#1f3d2a", "#9fe3b4"),
    overdue_bg="#4a2226",
    expected_bg="#1f3d2a",
    emerging_bg="#4a3a1a",
    neutral_bg="#2b3137",
    chart_bar="#5aa6c4",
    chart_on_bar="#0d1114",
    chart_target="#ffa94d",
    chart_grid="#343b42",
)

# White and yellow on black, as Windows' "Night sky"/"High Contrast Black" gives: every pair of
# text and background is at least 7:1 (WCAG AAA), borders are solid white, badges keep their
# meaning by a bright text colour on black rather than by a pale fill.
HIGH_CONTRAST = Theme(
    name="high_contrast",
    dark=True,
    window="#000000",
    text="#ffffff",
    base="#000000",
    alternate_base="#0d0d0d",
    button="#000000",
    highlight="#ffff00",
    highlighted_text="#000000",
    placeholder="#d0d0d0",
    disabled_text="#a8a8a8",
    link="#80ffff",
    tooltip_base="#000000",
    title="#ffff00",
    sub_text="#e6e6e6",
    field_label="#ffffff",
    status_text="#ffffff",
    ok="#7dff7d",
    error="#ff9e9e",
    border="#ffffff",
    header_bg="#000000",
    info_bg="#000000",
    info_border="#80ffff",
    warning_bg="#000000",
    warning_border="#ffff00",
    entry_bg="#000000",
    lock_bg="#000000",
    lock_box_bg="#000000",
    page_bg="#333333",
    todo_icon="#ffffff",
    badge_grey=("#000000", "#ffffff"),
    badge_red=("#000000", "#ff9e9e"),
    badge_yellow=("#000000", "#ffff00"),
    badge_blue=("#000000", "#80ffff"),
    badge_purple=("#000000", "#e0b8ff"),
    badge_green=("#000000", "#7dff7d"),
    overdue_bg="#5c0000",
    expected_bg="#003300",
    emerging_bg="#4d3300",
    neutral_bg="#000000",
    chart_bar="#80ffff",
    chart_on_bar="#000000",
    chart_target="#ffff00",
    chart_grid="#808080",
)

THEMES = {theme.name: theme for theme in (LIGHT, DARK, HIGH_CONTRAST)}

STYLE_SHEET = Template("""
QLabel#pageTitle { font-size: 15pt; font-weight: 600; color: $title; }
QLabel#sectionTitle { font-size: 14pt; font-weight: 600; color: $title; }
QLabel#groupTitle { font-size: 11pt; font-weight: 600; color: $title; margin-top: 14px;
                    padding: 0 0 2px 0; border: none; border-bottom: 1px solid $border; }
QLabel#subLabel { color: $sub_text; }
QLabel#allDone { color: $ok; }
QLabel#fieldLabel { font-weight: 600; color: $field_label; }
QLabel#helpText { color: $sub_text; }
QLabel#fieldError { color: $error; }
QLabel#childName { font-size: 15pt; font-weight: 600; color: $title; }
QLabel#saveState { color: $sub_text; }
QLabel#statusLine { color: $status_text; }
QLabel#countLine { color: $status_text; }
QLabel#panelTitle { font-weight: 600; color: $title; }
QLabel#entryTitle { font-weight: 600; color: $status_text; }
QLabel#dialogHeading { font-size: 12pt; font-weight: 600; color: $title; }
QFrame#editorHeader { background: $header_bg; border-bottom: 1px solid $border; }
QFrame#messageBar { background: $info_bg; border-bottom: 1px solid $info_border; }
QFrame#messageBar[kind="warning"] { background: $warning_bg; border-bottom: 1px solid $warning_border; }
QFrame#listEntry { background: $entry_bg; border: 1px solid $border; border-radius: 4px; }
QWidget#lockScreen { background: $lock_bg; }
QWidget#lockBox { background: $lock_box_bg; border: 1px solid $border; border-radius: 6px; }
QWidget#pdfPreviewInner { background: $page_bg; }
QTreeWidget#missingList::item { padding: 1px 0; }
QPlainTextEdit:focus, QTextEdit:focus, QTableView:focus, QListView:focus, QTreeView:focus,
QLineEdit:focus { border: 2px solid $highlight; border-radius: 2px; }
""")


class AppearanceStore(Protocol):
    """Where the choice is kept (``transitions_app.settings.AppSettings``)."""

    @property
    def appearance(self) -> str: ...

    @appearance.setter
    def appearance(self, value: str) -> None: ...


def _system_wants_high_contrast() -> bool:
    """Windows' contrast themes (and other desktops' high-contrast settings, where Qt reads
    them): Qt's accessibility hints say so.

    The QStyleHints wrapper must stay referenced while its accessibility hints are used: when a
    temporary ``styleHints()`` wrapper is collected, PySide 6.11 marks the child object deleted."""
    style_hints = QGuiApplication.styleHints()
    try:
        access = style_hints.accessibility()
        return bool(
            access is not None and access.contrastPreference() == Qt.ContrastPreference.HighContrast
        )
    except RuntimeError:  # the binding lost the object: no preference known
        return False


def _scheme_is_dark(system: QPalette) -> bool:
    """Does the system ask for a dark look? Qt's colour scheme when it knows it, else the
    lightness of the system palette's window colour (a dark desktop theme on Linux)."""
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return system.color(QPalette.ColorRole.Window).lightness() < 128


def build_palette(theme: Theme) -> QPalette:
    """A whole QPalette from ``theme``: every role set, so nothing of the system's look (light
    text on a dark system) mixes with ours."""
    c = QColor
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, value in (
        (roles.Window, theme.window),
        (roles.WindowText, theme.text),
        (roles.Base, theme.base),
        (roles.AlternateBase, theme.alternate_base),
        (roles.Text, theme.text),
        (roles.Button, theme.button),
        (roles.ButtonText, theme.text),
        (roles.BrightText, "#ffffff"),
        (roles.Highlight, theme.highlight),
        (roles.HighlightedText, theme.highlighted_text),
        (roles.ToolTipBase, theme.tooltip_base),
        (roles.ToolTipText, theme.text),
        (roles.PlaceholderText, theme.placeholder),
        (roles.Link, theme.link),
        (roles.LinkVisited, theme.link),
    ):
        palette.setColor(role, c(value))
    # Fusion draws bevels from these; derive them from the button colour.
    button = c(theme.button)
    palette.setColor(roles.Light, button.lighter(150))
    palette.setColor(roles.Midlight, button.lighter(125))
    palette.setColor(roles.Mid, button.darker(130) if not theme.dark else button.lighter(140))
    palette.setColor(roles.Dark, button.darker(180) if not theme.dark else button.darker(150))
    palette.setColor(roles.Shadow, c("#000000"))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        palette.setColor(disabled, role, c(theme.disabled_text))
    palette.setColor(disabled, roles.Base, c(theme.window))
    palette.setColor(disabled, roles.Highlight, c(theme.disabled_text))
    return palette


class ThemeController(QObject):
    """Applies the chosen look to the application and follows the system's when asked to."""

    def __init__(self, app: QApplication, store: AppearanceStore | None) -> None:
        super().__init__(app)
        self.setObjectName("themeController")
        self.app = app
        self.store = store
        self.system_palette = QPalette(app.palette())
        self.theme = LIGHT
        self.choice = Appearance.SYSTEM
        if store is not None:
            try:
                self.choice = Appearance(store.appearance)
            except ValueError:
                self.choice = Appearance.SYSTEM
        self._style_hints = QGuiApplication.styleHints()  # kept: see _system_wants_high_contrast
        self._style_hints.colorSchemeChanged.connect(self._system_changed)
        self._access_hints = self._style_hints.accessibility()
        if self._access_hints is not None:
            self._access_hints.contrastPreferenceChanged.connect(self._system_changed)

    def _system_changed(self, _scheme: object) -> None:
        if self.choice == Appearance.SYSTEM:
            self.apply()

    def choose(self, choice: Appearance) -> None:
        self.choice = choice
        if self.store is not None:
            self.store.appearance = choice.value
        self.apply()

    def resolved(self) -> Theme:
        if self.choice == Appearance.DARK:
            return DARK
        if self.choice == Appearance.LIGHT:
            return LIGHT
        if self.choice == Appearance.HIGH_CONTRAST or _system_wants_high_contrast():
            return HIGH_CONTRAST
        return DARK if _scheme_is_dark(self.system_palette) else LIGHT

    def apply(self) -> None:
        self.theme = self.resolved()
        self.app.setStyle("Fusion")
        self.app.setPalette(build_palette(self.theme))
        self.app.setStyleSheet(style_sheet(self.theme))


# Fusion draws frames and check boxes a little darker than the window: on black that is black.
# The high-contrast look outlines every control in its border colour instead.
OUTLINED = Template("""
QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractSpinBox, QPushButton, QToolButton,
QTableView, QListView, QTreeView, QTabWidget::pane, QScrollArea#pdfPreview { border: 1px solid $border; }
QComboBox, QPushButton, QToolButton { padding: 2px 6px; }
QPushButton:default { border: 2px solid $border; }
QPushButton:focus, QToolButton:focus, QComboBox:focus, QAbstractSpinBox:focus,
QCheckBox:focus, QRadioButton:focus { outline: none; border: 2px solid $highlight; }
QPushButton:disabled, QToolButton:disabled { border: 1px dashed $disabled_text; }
QCheckBox::indicator, QRadioButton::indicator { width: 13px; height: 13px; border: 1px solid $border;
                                                background: $base; }
QRadioButton::indicator { border-radius: 7px; }
QCheckBox::indicator:checked, QRadioButton::indicator:checked { background: $highlight; }
QTabBar::tab { border: 1px solid $border; padding: 3px 10px; }
QTabBar::tab:selected { background: $highlight; color: $highlighted_text; }
QMenu { border: 1px solid $border; }
""")


def style_sheet(theme: Theme) -> str:
    values = {f.name: getattr(theme, f.name) for f in fields(theme)}
    sheet = STYLE_SHEET.substitute(values)
    if theme is HIGH_CONTRAST:
        sheet += OUTLINED.substitute(values)
    return sheet


def controller() -> ThemeController | None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    return app.findChild(ThemeController, "themeController")


def apply_style(
    app: QApplication, store: AppearanceStore | None = None, *, appearance: Appearance | None = None
) -> ThemeController:
    """Fusion with our palette and style sheet. ``store`` keeps View ▸ Appearance's choice;
    ``appearance`` forces one (tests, screenshots)."""
    found = controller()
    if found is None:
        found = ThemeController(app, store)
    elif store is not None:
        found.store = store
    if appearance is not None:
        found.choice = appearance
    found.apply()
    return found


def current() -> Theme:
    """The look in use (light when no application has been styled)."""
    found = controller()
    return found.theme if found is not None else LIGHT


def color(name: str) -> QColor:
    """A colour of the current look by its meaning: ``color("error")``."""
    value = getattr(current(), name)
    assert isinstance(value, str), f"{name} is not a single colour"
    return QColor(value)


def badge_colours(kind: str) -> tuple[QColor, QColor]:
    """(background, text) of a badge: kind is grey, red, yellow, blue, purple or green."""
    background, text = getattr(current(), f"badge_{kind}")
    return QColor(background), QColor(text)


def hex_color(name: str) -> str:
    """A colour of the current look as #rrggbb, for rich text and HTML."""
    return color(name).name()


def front_sheet_css() -> str:
    """The editor's front-sheet preview (rich text) in the current look."""
    theme = current()
    return (
        f"h2 {{ font-size: 18pt; }} h3 {{ color: {theme.title}; margin-top: 12px; }}"
        f" .sub {{ color: {theme.sub_text}; }}"
        f" .badge {{ background: {theme.info_bg}; color: {theme.title}; }}"
    )


def appearance_menu(parent: QWidget) -> QMenu:
    """View ▸ Appearance: follow the system, light or dark (checked: the current choice)."""
    menu = QMenu(tr("&Appearance"), parent)
    group = QActionGroup(menu)
    group.setExclusive(True)
    found = controller()
    for choice in Appearance:
        action = menu.addAction(choice.label)
        action.setCheckable(True)
        action.setChecked(found is not None and found.choice == choice)
        action.setData(choice.value)
        group.addAction(action)
        action.triggered.connect(lambda _checked=False, c=choice: _choose(c))
    return menu


def _choose(choice: Appearance) -> None:
    found = controller()
    if found is not None:
        found.choose(choice)


# --------------------------------------------------------------------------- contrast


def relative_luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio, 1 (same) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


# Text colour on background colour pairs each theme promises at 4.5:1 or more.
TEXT_PAIRS = (
    ("text", "window"), ("text", "base"), ("text", "alternate_base"), ("text", "button"),
    ("highlighted_text", "highlight"), ("placeholder", "base"), ("link", "base"),
    ("title", "window"), ("sub_text", "window"), ("field_label", "window"),
    ("status_text", "window"), ("ok", "window"), ("error", "window"), ("title", "header_bg"),
    ("status_text", "header_bg"), ("sub_text", "header_bg"), ("text", "info_bg"),
    ("text", "warning_bg"), ("text", "lock_box_bg"), ("text", "tooltip_base"),
    ("text", "overdue_bg"), ("text", "expected_bg"), ("text", "emerging_bg"),
    ("text", "neutral_bg"), ("chart_on_bar", "chart_bar"), ("text", "entry_bg"),
    ("status_text", "entry_bg"),
)  # fmt: skip
