"""The main window and every dialog open inside a small office screen (run once per screen).

``tests/ui/test_screen_fit.py`` runs this module in a subprocess per screen: 1280x720 at 100 %,
1366x768 at 125 % and 1920x1080 at 150 % (``QT_SCALE_FACTOR``), each less a Windows taskbar, as
the offscreen platform's fake screen. Each test opens a real window on a real demo vault (a
dialog through the window's own menu action, with ``exec`` replaced by a non-modal show) and
fails naming each control that lies off the screen, is squeezed, or is cut off.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QThreadPool
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QWidget

from tests.ui.conftest import CHEAP_KDF, CheapVaultAccess
from tests.ui.fit_checks import fit_problems
from transitions_app.app import WindowServices
from transitions_app.services.charter_service import EXAMPLES_DIR
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService
from ui import geometry
from ui.style import Appearance, apply_style

SCREEN = os.environ.get("TRANSITIONS_FIT_SCREEN", "")
pytestmark = pytest.mark.skipif(
    not SCREEN, reason="run per screen size by tests/ui/test_screen_fit.py"
)
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
PDF_PASSWORD = "fit-test-pdf-password"


class MemoryStore:
    def __init__(self) -> None:
        self.saved: dict[str, QByteArray] = {}

    def window_geometry_for(self, key: str) -> QByteArray | None:
        return self.saved.get(key)

    def set_window_geometry_for(self, key: str, geometry: QByteArray) -> None:
        self.saved[key] = geometry


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fit") / "setting"
    create_demo_vault(directory, kdf=CHEAP_KDF, today=NOW.date())
    return directory


@pytest.fixture(scope="module")
def school_dir(tmp_path_factory: pytest.TempPathFactory, demo: Path) -> Path:
    """A school vault that received the demo setting's records for one school."""
    base = tmp_path_factory.mktemp("fit-school")
    vault = VaultService.open(demo, "manager", DEMO_PASSWORD)
    try:
        exporter = ExportService(vault, clock=lambda: NOW, workers=1)
        ready = [r for r in vault.list_records() if not exporter.missing_for_export(r)]
        urn = str(ready[0].get("child.school_urn"))
        ids = [r.id for r in ready if r.get("child.school_urn") == urn]
        report = exporter.export(ids, base / "pdfs", packets="teacher", password=PDF_PASSWORD)
    finally:
        vault.close()
    school, _key = SchoolService.create(
        base / "school", "head", DEMO_PASSWORD, urn=urn, name="Fit Test Primary (fictional)",
        kdf=CHEAP_KDF, clock=lambda: NOW,
    )  # fmt: skip
    school.set_trust(root=(EXAMPLES_DIR / "northshire" / "la-ca" / "root-cert.pem").read_bytes())
    school.import_files([f.path for f in report.files], password=PDF_PASSWORD)
    school.vault.close()
    return base / "school"


@pytest.fixture
def fitted(qapp: QApplication) -> Iterator[MemoryStore]:
    apply_style(qapp, appearance=Appearance.LIGHT)
    store = MemoryStore()
    geometry.install(qapp, store)
    yield store
    QThreadPool.globalInstance().waitForDone(10000)


def _window(qtbot: Any, directory: Path, user: str) -> Any:
    from ui.main_window import MainWindow

    session = VaultService.open(directory, user, DEMO_PASSWORD)
    services = WindowServices(clock=lambda: NOW, workers=1)
    window = MainWindow(CheapVaultAccess, directory, session, demo=True, services=services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    QApplication.processEvents()
    return window


def assert_fits(widget: QWidget) -> None:
    for _ in range(3):
        QApplication.processEvents()
    problems = fit_problems(widget)
    assert not problems, f"on {SCREEN}:\n" + "\n".join(problems)


@pytest.fixture
def shown_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each dialog a window would exec() is shown instead, checked, and closed (rejected)."""
    checked: list[str] = []

    def exec_(dialog: QDialog) -> int:
        dialog.show()
        QApplication.processEvents()
        assert_fits(dialog)
        checked.append(type(dialog).__name__)
        dialog.reject()
        return 0

    monkeypatch.setattr(QDialog, "exec", exec_)
    return checked


def test_the_dashboard_fits(qtbot: Any, fitted: MemoryStore, demo: Path) -> None:
    window = _window(qtbot, demo, "manager")
    assert_fits(window)
    assert window.dashboard.export_button.isVisible()


def test_the_editor_fits_on_every_section(qtbot: Any, fitted: MemoryStore, demo: Path) -> None:
    window = _window(qtbot, demo, "manager")
    records = window.service.list_records()
    window.open_record(max(records, key=lambda r: len(r.get("send.status") or "")).id)
    assert window.editor is not None
    for section in ("child", "send", "consent"):
        window.editor.show_section(section)
        assert_fits(window)


def test_the_lock_screen_and_feedback_page_fit(qtbot: Any, fitted: MemoryStore, demo: Path) -> None:
    window = _window(qtbot, demo, "manager")
    window.show_feedback()
    assert_fits(window)
    window.lock()
    assert_fits(window)


@pytest.mark.parametrize(
    "action",
    [
        "change_password",
        "new_vault",
        "show_charter",
        "show_users",
        "show_retention",
        "restore_backup",
        "export_school_intake",
        "show_phrases",
    ],
)
def test_each_dialog_of_the_setting_window_fits(
    qtbot: Any,
    fitted: MemoryStore,
    demo: Path,
    shown_dialogs: list[str],
    action: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        QInputDialog, "getItem", staticmethod(lambda _p, _t, _l, items, *_a: (items[0], True))
    )
    window = _window(qtbot, demo, "manager")
    getattr(window, action)()
    assert shown_dialogs, f"{action} opened no dialog"


def test_the_record_export_dialog_fits(
    qtbot: Any, fitted: MemoryStore, demo: Path, shown_dialogs: list[str]
) -> None:
    window = _window(qtbot, demo, "manager")
    window.open_record(window.service.list_records()[0].id)
    window.export_current()
    assert shown_dialogs == ["ExportDialog"]


def test_the_phrase_popup_and_save_dialog_fit(qtbot: Any, fitted: MemoryStore, demo: Path) -> None:
    window = _window(qtbot, demo, "manager")
    window.open_record(window.service.list_records()[0].id)
    assert window.editor is not None
    window.editor.go_to_field("summary.strategies")
    edit = window.editor.row("summary.strategies").field.focus_target()
    popup = window.phrase_tools.open_for(edit)
    assert popup is not None
    assert_fits(popup)
    popup.close()
    dialog = window.phrase_tools.save_from(edit)
    assert dialog is not None
    assert_fits(dialog)
    dialog.reject()


def test_the_login_and_first_run_dialogs_fit(
    qtbot: Any, fitted: MemoryStore, tmp_path: Path
) -> None:
    from ui.dialogs import LoginDialog, NewVaultDialog, RecoveryKeyDialog

    login = LoginDialog(
        lambda _u, _p: None,
        hint="This is the demo vault of fictional children. Log in as manager, keyperson, "
        "senco or dsl with the password “demo-password”.",
        title="Log in to Transitions – demo vault of fictional children",
    )
    first = NewVaultDialog(
        CheapVaultAccess.create, tmp_path / "v", school_creator=lambda *a, **k: None
    )  # type: ignore[arg-type]
    key = RecoveryKeyDialog("ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789", school=True)
    for dialog in (login, first, key):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert_fits(dialog)


def test_the_school_window_and_its_dialogs_fit(
    qtbot: Any, fitted: MemoryStore, school_dir: Path, shown_dialogs: list[str]
) -> None:
    window = _window(qtbot, school_dir, "head")
    assert window.school_page is not None
    assert_fits(window)
    overview = window.school_page.overview
    view = overview.open_record(overview.proxy.index(0, 0))
    assert view is not None
    qtbot.addWidget(view)
    view.show()
    assert_fits(view)
    view.close()
    for action in ("show_charter", "show_users", "restore_backup"):
        getattr(window, action)()
    school = window.school
    from ui.school.outcomes_entry import OutcomesEntryDialog
    from ui.school.quarantine import DecryptionKeyDialog

    for make in (
        lambda: DecryptionKeyDialog(school, window),
        lambda: OutcomesEntryDialog(school, window),
    ):
        dialog: QDialog = make()  # type: ignore[no-untyped-call]
        dialog.show()
        assert_fits(dialog)
        dialog.reject()


def test_a_window_comes_back_where_it_was_on_the_same_screen(
    qtbot: Any, fitted: MemoryStore, demo: Path
) -> None:
    window = _window(qtbot, demo, "manager")
    area = geometry.available_rect(window)
    window.resize(window.minimumSize().expandedTo(area.size() * 0.75))
    QApplication.processEvents()
    spare = area.height() - window.frameGeometry().height()
    # Leave room for a title bar above it: the offscreen screen draws no frame, and Qt's
    # restoreGeometry() keeps room for one, as a real desktop would have.
    title_bar = 30
    window.move(area.left() + 40, area.top() + max(min(spare, title_bar), spare // 2))
    QApplication.processEvents()
    size, pos = window.size(), window.pos()
    window.close()
    assert any(key.startswith("MainWindow/") for key in fitted.saved)
    again = _window(qtbot, demo, "manager")
    assert again.size() == size
    assert again.pos() == pos
    assert_fits(again)


def test_the_help_window_and_about_box_fit(qtbot: Any, fitted: MemoryStore, demo: Path) -> None:
    window = _window(qtbot, demo, "manager")
    window.open_record(window.service.list_records()[0].id)
    help_window = window.help.show_help()
    assert_fits(help_window)
    window.help.show_shortcuts()
    assert_fits(help_window)
    actions = {row.action for row in help_window.model.rows()}
    assert {"With selected…", "Sign off", "Help"} <= actions  # a real window's keys, all of them
    help_window.close()
    about = window.help.show_about()
    assert_fits(about)
    about.close()
