"""The charter in the window (deadlines, what's missing, the Charter dialog) and export from the
window: preview, refusal with a jump to the field, a real signed export with a password, cancel."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from models.record import Record
from models.synthetic import generate_records
from tests.ui.conftest import CHEAP_KDF, PASSWORD, CheapVaultAccess
from transitions_app.app import WindowServices
from transitions_app.services.charter_service import (
    DEMO_SETTING_PASSPHRASE,
    EXAMPLES_DIR,
    install_example_charter,
)
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from ui.charter_dialog import CharterDialog
from ui.dashboard import CohortModel
from ui.editor import RecordEditor
from ui.export_dialog import ExportDialog, PathRole
from ui.main_window import MainWindow

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the example charter is in force
LATE = datetime(2027, 7, 5, 9, 0, tzinfo=UTC)  # "Records sent to schools" (30 June) has passed
PDF_PASSWORD = "hedgehog-lantern-42"
NORTHSHIRE = EXAMPLES_DIR / "northshire"


def window_for(qtbot, directory: Path, session, clock: datetime) -> MainWindow:
    services = WindowServices(clock=lambda: clock, workers=1)
    window = MainWindow(CheapVaultAccess, directory, session, services=services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo") / "vault"
    create_demo_vault(directory, children=6, seed=2, kdf=CHEAP_KDF, today=NOW.date())
    return directory


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(demo_template, copy)
    return copy


def _ready_and_drafts(window: MainWindow) -> tuple[list[Record], list[Record]]:
    records = window.service.list_records()
    ready = [r for r in records if not window.charter.missing_for_export(r, NOW.date())]
    drafts = [r for r in records if r not in ready]
    return ready, drafts


# --- 1. the charter in the window ---------------------------------------------------------------


def test_deadline_column_and_overdue_count_come_from_the_charter(qtbot, vault_dir: Path) -> None:
    session = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    assert install_example_charter(session, clock=lambda: LATE)
    for record in generate_records(5, seed=3, today=date(2027, 3, 1)):
        session.import_record(record)
    window = window_for(qtbot, vault_dir, session, LATE)

    dash = window.dashboard
    assert not dash.table.isColumnHidden(CohortModel.DEADLINE)
    assert dash.count_label.text().endswith("5 records overdue")
    for row in range(dash.model.rowCount()):
        record = dash.model.index(row, 0).data(Qt.ItemDataRole.UserRole + 1)
        open_ = [d for d in window.charter.deadlines_for(record, LATE.date()) if not d.done]
        days = min(d.days_left for d in open_)
        assert days < 0
        cell = dash.model.index(row, CohortModel.DEADLINE)
        assert cell.data() == f"{-days} days overdue"
        assert cell.data(Qt.ItemDataRole.ForegroundRole) is not None


def test_no_charter_hides_deadlines_and_says_so_in_whats_missing(qtbot, vault_dir: Path) -> None:
    session = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    record = generate_records(1, seed=4, today=NOW.date())[0]
    session.import_record(record)
    window = window_for(qtbot, vault_dir, session, NOW)
    assert window.dashboard.table.isColumnHidden(CohortModel.DEADLINE)
    assert "overdue" not in window.dashboard.count_label.text()
    window.open_record(record.id)
    editor = window.editor
    assert editor is not None
    assert "No charter imported" in editor.charter_note.text()
    assert not any(label.endswith("(charter)") for label in editor.missing_labels())

    # A manager imports the charter; the open record now lists what the charter needs.
    assert install_example_charter(session, clock=lambda: NOW)
    window.refresh()
    labels = editor.missing_labels()
    assert "No charter imported" not in editor.charter_note.text()
    assert "Practitioner sign-off (charter)" in labels
    assert not window.dashboard.table.isColumnHidden(CohortModel.DEADLINE)


def test_charter_dialog_imports_the_las_files(qtbot, vault_dir: Path) -> None:
    session = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    services = WindowServices(clock=lambda: NOW, workers=1)
    dialog = CharterDialog(services.charter(session), can_manage=True)
    qtbot.addWidget(dialog)
    assert "No charter has been imported" in dialog.summary.toPlainText()

    qtbot.keyClicks(dialog.charter_file.path, str(NORTHSHIRE / "charter.signed.toml"))
    qtbot.keyClicks(dialog.root_file.path, str(NORTHSHIRE / "la-ca" / "root-cert.pem"))
    qtbot.keyClicks(dialog.crl_file.path, str(NORTHSHIRE / "crl.pem"))
    qtbot.keyClicks(dialog.p12_file.path, str(NORTHSHIRE / "little-acorns-nursery.p12"))
    qtbot.keyClicks(dialog.passphrase, "not the passphrase")
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    # the charter went in; the certificate with the wrong passphrase did not
    assert "Northshire early years transitions charter" in dialog.summary.toPlainText()
    assert "No setting certificate yet" in dialog.summary.toPlainText()
    assert dialog.message.text()

    dialog.charter_file.path.clear()
    dialog.root_file.path.clear()
    dialog.crl_file.path.clear()
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, DEMO_SETTING_PASSPHRASE)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "Setting certificate imported" in dialog.message.text()
    assert "issued by your LA" in dialog.summary.toPlainText()
    assert dialog.changed


def test_self_signed_certificate_shows_its_fingerprint(qtbot, vault_dir: Path) -> None:
    session = CheapVaultAccess.open(vault_dir, "sam", PASSWORD)
    services = WindowServices(clock=lambda: NOW, workers=1)
    charters = services.charter(session)
    dialog = CharterDialog(charters, can_manage=True, setting_name="Owlet Corner Nursery")
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.self_signed_button, Qt.MouseButton.LeftButton)
    fingerprint = charters.setting_identity().fingerprint
    assert fingerprint in dialog.fingerprint.text()
    assert "not vouched for by your LA" in dialog.message.text()


def test_charter_import_is_for_managers_only(qtbot, vault_dir: Path) -> None:
    session = CheapVaultAccess.open(vault_dir, "kim", PASSWORD)
    window = window_for(qtbot, vault_dir, session, NOW)
    dialog = CharterDialog(window.services.charter(session), can_manage=window._can_manage())
    qtbot.addWidget(dialog)
    assert not hasattr(dialog, "import_box") or not dialog.import_button.isVisibleTo(dialog)


def test_the_editor_is_made_ahead_and_the_first_child_opens_in_it(qtbot, demo: Path) -> None:
    """Left alone for a moment, the window makes its record editor on a blank record it never
    shows or saves; the first child opened is then shown in that editor, with their own values."""
    session = CheapVaultAccess.open(demo, "manager", DEMO_PASSWORD)
    window = window_for(qtbot, demo, session, NOW)
    stored = session.list_records()
    qtbot.waitUntil(lambda: window.findChild(RecordEditor) is not None, timeout=10_000)
    ahead = window.findChild(RecordEditor)
    assert not ahead.isVisible()
    assert window.editor is None
    # ... and, while nobody types or clicks, the pages of all its sections
    qtbot.waitUntil(lambda: len(ahead.section_pages) == ahead.nav.count(), timeout=20_000)
    record = stored[0]
    window.open_record(record.id)
    assert window.editor is ahead
    assert ahead.isVisible()
    assert ahead.name_label.text() == record.display_name
    assert ahead.field_widget("child.legal_surname").value() == record.get("child.legal_surname")
    assert ahead.field_widget("send.status").value() == record.get("send.status")
    assert not ahead.undo_stack.canUndo()
    assert window.close_editor()
    assert {r.id for r in session.list_records()} == {r.id for r in stored}


# --- 2. export from the window ------------------------------------------------------------------


def test_export_dialog_previews_then_exports_with_a_password(qtbot, demo: Path, tmp_path) -> None:
    session = CheapVaultAccess.open(demo, "manager", DEMO_PASSWORD)
    window = window_for(qtbot, demo, session, NOW)
    ready, _drafts = _ready_and_drafts(window)
    record = ready[0]
    window.open_record(record.id)
    dialog = window.make_export_dialog([record], "Export")
    assert isinstance(dialog, ExportDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.pages.page_count() > 0, timeout=10000)
    # The first page comes first, counted out of the whole document; the rest follow.
    total = dialog.preview_pages_expected()
    assert total > 1
    assert dialog.page_text() == f"Page 1 of {total}"
    qtbot.waitUntil(dialog.preview_complete, timeout=10000)
    assert dialog.pages.page_count() == total
    assert dialog.page_text() == f"Page 1 of {total}"
    assert dialog.ready_label.text() == "Ready to export."
    assert dialog.password.isVisible()  # the demo schools have no certificate in the directory

    out = tmp_path / "out"
    dialog.folder.setText(str(out))
    qtbot.keyClicks(dialog.password, PDF_PASSWORD)
    qtbot.keyClicks(dialog.confirm, PDF_PASSWORD + "x")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "not the same" in dialog.status.text()
    assert not out.exists()

    qtbot.keyClicks(dialog.confirm, PDF_PASSWORD)
    with qtbot.waitSignal(dialog.export_finished, timeout=20000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    files = dialog.written_files()
    assert files
    assert all(f.exists() and f.read_bytes().startswith(b"%PDF-") for f in files)
    assert all(f.parent == out for f in files)
    manifest = json.loads(dialog.report.manifest_json.read_text())
    assert {row["file"] for row in manifest["files"]} == {f.name for f in files}
    assert dialog.files.count() == len(files)
    # the folder's file names carry no name; the list in the window says whose file is which
    shown = [dialog.files.item(i).text() for i in range(dialog.files.count())]
    for f, text in zip(dialog.report.files, shown, strict=True):
        assert record.display_name not in f.path.name
        assert text.startswith(f"{record.display_name}, Reception teacher packet: {f.path.name}")
        assert f.code in f.path.name
    dialog.grab().save(str(tmp_path / "export-dialog.png"))
    assert dialog.open_folder_button.isVisible()
    assert "Manifest:" in dialog.status.text()
    # the window knows the record went
    assert window.editor is not None
    assert window.editor.record().export_version == 1
    feedback = window.feedback_page
    assert feedback is not None
    feedback.refresh()
    table = feedback.receipts.table
    sent = [table.item(r, 2).text() for r in range(table.rowCount())]
    assert "Sent (version 1)" in sent


class PausingExporter:
    """The real export service, held at its first progress report until Cancel is clicked, so
    the test does not race the worker thread."""

    def __init__(self, real) -> None:
        self.real = real

    def export(self, ids, out_dir, *, progress, cancel, **kw):
        def gate(done: int, total: int, name: str) -> None:
            progress(done, total, name)
            if done == 0:
                assert cancel.wait(10)

        return self.real.export(ids, out_dir, progress=gate, cancel=cancel, **kw)


def test_cancel_stops_a_batch_export(qtbot, demo: Path, tmp_path) -> None:
    session = CheapVaultAccess.open(demo, "manager", DEMO_PASSWORD)
    window = window_for(qtbot, demo, session, NOW)
    ready, _drafts = _ready_and_drafts(window)
    assert len(ready) >= 3
    dialog = ExportDialog(
        PausingExporter(window.services.exporter(session)),
        window.services.preview(),
        ready,
        charter=window.charter,
        today=lambda: NOW.date(),
        out_dir=tmp_path / "out",
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText(PDF_PASSWORD)
    dialog.confirm.setText(PDF_PASSWORD)

    def cancel_at_start(done: int, _total: int) -> None:
        if done == 0:
            assert dialog.cancel_button.text() == "Cancel export"
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    dialog.progress_changed.connect(cancel_at_start)
    with qtbot.waitSignal(dialog.export_finished, timeout=20000):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.report.cancelled
    assert dialog.report.files == []
    assert not list((tmp_path / "out").glob("*.pdf"))
    assert "cancelled" in dialog.status.text()
    assert dialog.isVisible()  # cancelling the export does not close the dialog
    assert not [r for r in session.list_records() if r.export_version]


def test_refused_export_lists_the_missing_and_jumps_to_the_field(qtbot, demo: Path) -> None:
    session = CheapVaultAccess.open(demo, "manager", DEMO_PASSWORD)
    window = window_for(qtbot, demo, session, NOW)
    _ready, drafts = _ready_and_drafts(window)
    draft = drafts[0]
    draft.set("transition.visits_planned", None)  # the charter requires it
    draft = session.save(draft)
    dialog = window.make_export_dialog([draft], "Export")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "0 of 1 ready" in dialog.ready_label.text()
    assert not dialog.export_button.isEnabled()
    head = dialog.missing.topLevelItem(0)
    items = [head.child(i) for i in range(head.childCount())]
    target = next(i for i in items if i.data(0, PathRole) == "transition.visits_planned")
    path = target.data(0, PathRole)
    dialog.missing.scrollToItem(target)
    rect = dialog.missing.visualItemRect(target)
    qtbot.mouseClick(dialog.missing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not dialog.isVisible()
    assert window.editor is not None
    assert window.editor.record_id == draft.id
    assert window.editor.current_section() == "transition"
    window.activateWindow()
    field = window.editor.row(path).field.focus_target()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is field)


def _fits(view, index) -> bool:
    """The item's text fits its row at the view's width (wrapped, not cut with "…")."""
    rect = view.visualRect(index)
    text = index.data()
    needed = view.fontMetrics().boundingRect(
        0, 0, rect.width(), 10_000, int(Qt.TextFlag.TextWordWrap), text
    )
    return rect.height() >= needed.height() and rect.right() <= view.viewport().width()


def test_a_second_export_says_which_version_and_since_when(qtbot, demo: Path, tmp_path) -> None:
    session = CheapVaultAccess.open(demo, "manager", DEMO_PASSWORD)
    window = window_for(qtbot, demo, session, NOW)
    record = _ready_and_drafts(window)[0][0]
    first = window.make_export_dialog([record], "Export")
    qtbot.addWidget(first)
    assert "This will be version" not in first.plan.text()  # a first export: no earlier version
    first.resize(560, 600)  # narrow: the written files' lines must wrap, not end in "…"
    first.show()
    first.folder.setText(str(tmp_path / "one"))
    qtbot.keyClicks(first.password, PDF_PASSWORD)
    qtbot.keyClicks(first.confirm, PDF_PASSWORD)
    with qtbot.waitSignal(first.export_finished, timeout=20000):
        qtbot.mouseClick(first.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: first.files.isVisible())
    for i in range(first.files.count()):
        assert _fits(first.files, first.files.model().index(i, 0))
    first.close()

    again = window.service.load(record.id)
    assert again.exported_on == NOW.date()
    second = window.make_export_dialog([again], "Export")
    qtbot.addWidget(second)
    assert "This will be version 2 (unchanged since version 1 was sent on 1 October 2026)." in (
        second.plan.text()
    )
    second.close()
