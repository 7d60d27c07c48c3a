"""School mode in the window (class overview, import with progress, quarantine, class summary) and
backup and restore from the File menu, on real vaults."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QInputDialog

from tests.ui.conftest import CHEAP_KDF, PASSWORD, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.charter_service import EXAMPLES_DIR
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService
from ui.main_window import MainWindow

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
PDF_PASSWORD = "hedgehog-lantern-42"
ROOT_PEM = EXAMPLES_DIR / "northshire" / "la-ca" / "root-cert.pem"


def window_for(qtbot, directory: Path, session) -> MainWindow:
    services = WindowServices(clock=lambda: NOW, workers=1)
    window = MainWindow(CheapVaultAccess, directory, session, services=services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture(scope="module")
def received(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Signed, password-encrypted PDFs exported from a demo setting for one school (its URN)."""
    base = tmp_path_factory.mktemp("received")
    demo = base / "setting"
    create_demo_vault(demo, children=6, seed=2, kdf=CHEAP_KDF, today=NOW.date())
    vault = VaultService.open(demo, "manager", DEMO_PASSWORD)
    try:
        exporter = ExportService(vault, clock=lambda: NOW, workers=1)
        ready = [r for r in vault.list_records() if not exporter.missing_for_export(r)]
        urn = str(ready[0].get("child.school_urn"))
        ids = [r.id for r in ready if r.get("child.school_urn") == urn]
        report = exporter.export(ids, base / "pdfs", packets="teacher", password=PDF_PASSWORD)
        assert report.files
    finally:
        vault.close()
    for extra in (base / "pdfs").glob("manifest-*"):
        extra.unlink()
    return base / "pdfs", urn


@pytest.fixture
def school_dir(tmp_path: Path, received: tuple[Path, str]) -> Path:
    directory = tmp_path / "school"
    school, _key = SchoolService.create(
        directory,
        "head",
        PASSWORD,
        urn=received[1],
        name="Larkspur Infant School (fictional)",
        kdf=CHEAP_KDF,
        clock=lambda: NOW,
    )
    school.set_trust(root=ROOT_PEM.read_bytes())
    school.close()
    return directory


def test_school_vault_shows_the_class_overview_and_imports_in_the_background(
    qtbot, school_dir: Path, received: tuple[Path, str], tmp_path: Path
) -> None:
    pdfs, _urn = received
    session = CheapVaultAccess.open(school_dir, "head", PASSWORD)
    window = window_for(qtbot, school_dir, session)
    page = window.school_page
    assert page is not None
    assert window.stack.currentWidget() is page
    assert page.overview.model.rowCount() == 0
    assert window.import_pdfs_action.isEnabled()
    assert not window.new_child_action.isEnabled()
    assert window.setting_menu.title() == "&School"  # the school's charter lives there
    assert not window.retention_action.isVisible()
    assert window.charter_action.isEnabled()

    folder = tmp_path / "inbox"
    shutil.copytree(pdfs, folder)
    good = sorted(folder.glob("*.pdf"))
    damaged = folder / "zz-damaged.pdf"
    data = bytearray(good[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))

    # Dropped onto the window: the encrypted files are refused until the password is typed.
    def type_password() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog) or not dialog.isVisible():
            QTimer.singleShot(50, type_password)
            return
        assert "encrypted with a password" in dialog.labelText()
        dialog.setTextValue(PDF_PASSWORD)
        QTimer.singleShot(20, dialog.accept)  # once its event loop is running

    QTimer.singleShot(50, type_password)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    where = QPointF(window.rect().center())
    enter = QDragEnterEvent(
        where.toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        where,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)
    qtbot.waitUntil(lambda: page.overview.model.rowCount() == len(good), timeout=20000)
    table = page.imports.last
    results = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert all(results[f.name] == "Imported" for f in good)
    assert results[damaged.name] in ("Quarantined", "Refused")
    assert page.currentWidget() is page.imports  # a file that did not go in is shown at once
    if results[damaged.name] == "Quarantined":
        assert page.imports.quarantine.rowCount() == 1

    out = tmp_path / "class-summary.pdf"
    window.write_class_summary(out)
    qtbot.waitUntil(out.exists, timeout=20000)
    assert out.read_bytes().startswith(b"%PDF-")
    with pikepdf.open(out) as summary:  # signed with the school's identity (SchoolService)
        (field,) = summary.Root.AcroForm.Fields
        assert str(field.V.Reason).startswith("Signed by ")
        assert str(field.V.SubFilter) == "/ETSI.CAdES.detached"


def test_backup_from_the_window_and_restore_into_a_new_folder(
    qtbot, vault_dir: Path, tmp_path
) -> None:
    session = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    created = session.new_record()
    window = window_for(qtbot, vault_dir, session)
    backup = tmp_path / "vault.tvbak"
    window.write_backup(backup)
    qtbot.waitUntil(lambda: "Backup written" in window.message_bar.text.text(), timeout=20000)
    assert backup.exists()
    assert backup.stat().st_size > 0

    restored = tmp_path / "restored"
    window.restore_into(backup, restored, user="sam", password=PASSWORD)
    qtbot.waitUntil(lambda: "restored into" in window.message_bar.text.text(), timeout=20000)
    check = VaultService.open(restored, "sam", PASSWORD, sleeper=lambda _s: None)
    try:
        assert [r.id for r in check.list_records()] == [created.id]
    finally:
        check.close()

    damaged = tmp_path / "damaged.tvbak"
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    again = tmp_path / "again"
    window.restore_into(damaged, again, user="sam", password=PASSWORD)
    qtbot.waitUntil(lambda: "not restored" in window.message_bar.text.text(), timeout=20000)
    assert not again.exists() or not any(again.iterdir())
