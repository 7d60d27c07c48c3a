"""The dark look, rendered: every field, button, label and menu of the dashboard and the editor
keeps text at a contrast of at least 4.5:1 (WCAG AA) against what is painted behind it.

The colours are read from each widget's palette after Qt has polished it with the style sheet
(which is how the style sheet's colours reach the painting), and the background is also read back
from the rendered pixels, so a white-on-white field cannot pass by its palette alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QWidget,
)

from tests.ui.conftest import CHEAP_KDF, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from ui import style
from ui.main_window import MainWindow

NOW = datetime(2026, 10, 1, 9, 0)
AA = 4.5


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dark") / "demo"
    create_demo_vault(folder, children=6, seed=1, kdf=CHEAP_KDF, today=NOW.date())
    return folder


AAA = 7.0  # the high-contrast look promises more than AA
LOOKS = [
    pytest.param((style.Appearance.DARK, AA), id="dark"),
    pytest.param((style.Appearance.HIGH_CONTRAST, AAA), id="high-contrast"),
]


@dataclass(frozen=True)
class Look:
    theme: style.Theme
    minimum: float  # the contrast every text keeps in this look


@pytest.fixture(params=LOOKS)
def dark(qapp: QApplication, request: pytest.FixtureRequest):  # noqa: ANN201 - restores the light look
    """The dark look (AA, 4.5:1) and the high-contrast look (AAA, 7:1), each applied in turn."""
    appearance, minimum = request.param
    style.apply_style(qapp, appearance=appearance)
    yield Look(style.current(), minimum)
    style.apply_style(qapp, appearance=style.Appearance.LIGHT)


def _window(qtbot, demo_template: Path, tmp_path: Path) -> MainWindow:  # noqa: ANN001
    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    session = CheapVaultAccess.open(folder, "keyperson", DEMO_PASSWORD)
    window = MainWindow(
        CheapVaultAccess, folder, session, services=WindowServices(clock=lambda: NOW, workers=1)
    )
    qtbot.addWidget(window)
    window.resize(1366, 760)
    window.show()
    qtbot.waitExposed(window)
    return window


def _roles(widget: QWidget) -> tuple[QPalette.ColorRole, QPalette.ColorRole]:
    if isinstance(widget, (QLineEdit, QPlainTextEdit)) or (
        isinstance(widget, QComboBox) and widget.isEditable()
    ):
        return QPalette.ColorRole.Text, QPalette.ColorRole.Base
    if isinstance(widget, (QAbstractButton, QComboBox)):
        return QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button
    return widget.foregroundRole(), widget.backgroundRole()


def _painted_background(widget: QWidget) -> QColor | None:
    """The colour most of the widget is painted in: its background (text covers far less)."""
    image = widget.grab().toImage()
    if image.width() < 12 or image.height() < 12:
        return None
    counts: dict[int, int] = {}
    step = max(1, min(image.width(), image.height()) // 12)
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            rgb = image.pixel(x, y)
            counts[rgb] = counts.get(rgb, 0) + 1
    rgb, n = max(counts.items(), key=lambda kv: kv[1])
    return QColor.fromRgb(rgb) if n * 3 >= sum(counts.values()) else None


def _problems(root: QWidget, minimum: float = AA) -> list[str]:
    problems = []
    kinds = (QLineEdit, QPlainTextEdit, QAbstractButton, QComboBox, QLabel)
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, kinds) or not widget.isVisible() or not widget.isEnabled():
            continue
        text_role, ground_role = _roles(widget)
        palette = widget.palette()
        fg, bg = palette.color(text_role), palette.color(ground_role)
        if isinstance(widget, QLabel) and not widget.autoFillBackground():
            bg = _painted_background(widget) or palette.color(QPalette.ColorRole.Window)
        name = f"{type(widget).__name__}({widget.objectName() or widget.accessibleName() or ''})"
        ratio = style.contrast_ratio(fg, bg)
        if ratio < minimum:
            problems.append(f"{name}: text {fg.name()} on {bg.name()} is {ratio:.2f}:1")
        if isinstance(widget, (QLineEdit, QPlainTextEdit)):
            painted = _painted_background(
                widget.viewport() if isinstance(widget, QPlainTextEdit) else widget
            )
            if painted is not None and style.contrast_ratio(fg, painted) < minimum:
                problems.append(f"{name}: text {fg.name()} painted on {painted.name()}")
    return problems


def test_the_dashboard_in_the_dark_look_is_readable(
    qtbot, dark, demo_template: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    window = _window(qtbot, demo_template, tmp_path)
    assert dark.theme.dark
    assert window.palette().color(QPalette.ColorRole.Window).lightness() < 80
    assert _problems(window, dark.minimum) == []


def test_the_editor_on_every_section_in_the_dark_look_is_readable(
    qtbot,
    dark,
    demo_template: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    window = _window(qtbot, demo_template, tmp_path)
    window.open_record(window.service.list_records()[0].id)
    editor = window.editor
    assert editor is not None
    problems: list[str] = []
    for key in editor.section_pages:
        editor.show_section(key)
        QApplication.processEvents()
        problems += [f"{key}: {p}" for p in _problems(window, dark.minimum)]
    assert problems == []


def test_menus_in_the_dark_look_are_readable(
    qtbot, dark, demo_template: Path, tmp_path: Path
) -> None:  # noqa: ANN001
    window = _window(qtbot, demo_template, tmp_path)
    menus = [a.menu() for a in window.menuBar().actions() if isinstance(a.menu(), QMenu)]
    assert menus
    for menu in menus:
        palette = menu.palette()
        for fg, bg in (
            (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
            (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
        ):
            ratio = style.contrast_ratio(palette.color(fg), palette.color(bg))
            assert ratio >= dark.minimum, (menu.title(), fg, ratio)


def test_the_check_finds_light_text_on_a_white_field(qtbot, dark) -> None:  # noqa: ANN001
    """What the issue saw: a field painted white while the dark palette keeps light text."""
    box = QWidget()
    qtbot.addWidget(box)
    field = QLineEdit("Amara", box)
    field.setStyleSheet("QLineEdit { background: #ffffff; }")
    box.resize(300, 60)
    field.resize(280, 30)
    box.show()
    qtbot.waitExposed(box)
    assert any("QLineEdit" in p for p in _problems(box))


def test_every_colour_pair_of_the_high_contrast_look_is_at_least_7_to_1() -> None:
    hc = style.HIGH_CONTRAST
    pairs = {
        "text": (hc.text, hc.window),
        "field": (hc.text, hc.base),
        "alternate rows": (hc.text, hc.alternate_base),
        "button": (hc.text, hc.button),
        "selection": (hc.highlighted_text, hc.highlight),
        "placeholder": (hc.placeholder, hc.base),
        "link": (hc.link, hc.window),
        "title": (hc.title, hc.window),
        "help text": (hc.sub_text, hc.window),
        "ok": (hc.ok, hc.window),
        "error": (hc.error, hc.window),
        "message bar": (hc.text, hc.info_bg),
        "warning bar": (hc.text, hc.warning_bg),
        "overdue cell": (hc.text, hc.overdue_bg),
        "expected cell": (hc.text, hc.expected_bg),
        "emerging cell": (hc.text, hc.emerging_bg),
        "chart label on bar": (hc.chart_on_bar, hc.chart_bar),
        **{
            f"badge {k}": (text, bg)
            for k, (bg, text) in (
                ("grey", hc.badge_grey),
                ("red", hc.badge_red),
                ("yellow", hc.badge_yellow),
                ("blue", hc.badge_blue),
                ("purple", hc.badge_purple),
                ("green", hc.badge_green),
            )
        },
    }
    low = {
        name: round(style.contrast_ratio(QColor(fg), QColor(bg)), 2)
        for name, (fg, bg) in pairs.items()
        if style.contrast_ratio(QColor(fg), QColor(bg)) < AAA
    }
    assert low == {}


def test_the_system_s_high_contrast_setting_is_followed(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(style, "_system_wants_high_contrast", lambda: True)
    try:
        style.apply_style(qapp, appearance=style.Appearance.SYSTEM)
        assert style.current() is style.HIGH_CONTRAST
        style.apply_style(qapp, appearance=style.Appearance.LIGHT)  # a choice in View wins
        assert style.current() is style.LIGHT
    finally:
        style.apply_style(qapp, appearance=style.Appearance.LIGHT)


def test_the_look_applies_in_a_fresh_process() -> None:
    """The first thing the app does: in a new process nothing else holds Qt's style hints, and
    PySide 6.11 drops their accessibility hints with a temporary wrapper (a crash at start-up)."""
    code = (
        "import gc\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from ui import style\n"
        "controller = style.apply_style(app)\n"
        "gc.collect()\n"
        "controller.apply()\n"
        "assert style._system_wants_high_contrast() in (True, False)\n"
        "print('applied', style.current().name)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("applied ")
