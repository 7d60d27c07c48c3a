"""Render the dashboard and the record editor offscreen at 1366x768 for the docs.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Builds a throwaway demo vault of fictional children (cheap key derivation, in a temporary folder),
logs in as the manager, and saves dashboard.png, editor.png (a filled SEN-support record) and
export.png (the export dialog with the unsigned preview). Then exports (record-page1.png is the
first page of one exported, signed PDF) the records for one school,
imports them into a throwaway school vault and saves school-overview.png and school-record.png (a
child's PDF as received); then sends outcomes back and saves the setting's outcomes.png.
The clock is fixed on a day the example charter is in force.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1366, 768)
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the example charter is in force
TODAY = NOW.date()
PDF_PASSWORD = "screenshot-password"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtWidgets import QApplication

    from models.school.outcomes import ELG_COLUMNS
    from models.vault import KdfParams
    from transitions_app.app import WindowServices
    from transitions_app.services.charter_service import EXAMPLES_DIR
    from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
    from transitions_app.services.feedback_service import FeedbackService
    from transitions_app.services.school_service import SchoolService
    from transitions_app.services.vault_service import VaultService
    from ui.main_window import MainWindow
    from ui.style import Appearance, apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_style(app)
    args.out.mkdir(parents=True, exist_ok=True)
    kdf = KdfParams(memory_kib=64, iterations=1, lanes=1)
    services = WindowServices(clock=lambda: NOW, workers=1)

    class Access:
        exists = staticmethod(VaultService.exists)
        open = staticmethod(VaultService.open)
        create = staticmethod(VaultService.create)

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "vault"
        create_demo_vault(directory, today=TODAY, kdf=kdf)
        service = VaultService.open(directory, "manager", DEMO_PASSWORD)
        window = MainWindow(Access(), directory, service, demo=True, services=services)
        window.resize(*SIZE)
        window.show()
        app.processEvents()
        _save(window, args.out / "dashboard.png", app)
        apply_style(app, appearance=Appearance.HIGH_CONTRAST)  # View ▸ Appearance ▸ High contrast
        _save(window, args.out / "high-contrast-dashboard.png", app)
        apply_style(app, appearance=Appearance.LIGHT)

        records = service.list_records()
        sen = next(r for r in records if r.get("send.status") == "sen_support")
        window.open_record(sen.id)
        assert window.editor is not None
        window.editor.show_section("send")
        app.processEvents()
        _save(window, args.out / "editor.png", app)
        window.close_editor()

        # The export dialog for one child who is ready, with the preview drawn.
        assert window.charter is not None
        ready = [r for r in records if not window.charter.missing_for_export(r, TODAY)]
        by_school: dict[str, list[object]] = {}
        for r in ready:
            by_school.setdefault(str(r.get("child.school_urn")), []).append(r)
        urn, intake = max(by_school.items(), key=lambda item: len(item[1]))
        dialog = window.make_export_dialog([intake[0]], "Export " + intake[0].display_name)
        assert dialog is not None
        dialog.folder.setText(str(Path.home() / "Documents" / "Transitions exports"))
        dialog.resize(*SIZE)
        dialog.show()
        _wait(app, lambda: dialog.pages.page_count() > 0)
        _save(dialog, args.out / "export.png", app)
        dialog.close()

        # The school's side: the intake exported, then imported into a school vault.
        exporter = services.exporter(service)
        report = exporter.export(
            [r.id for r in intake], Path(tmp) / "pdfs", packets="teacher", password=PDF_PASSWORD
        )
        _save_pdf_page(report.files[0].path, PDF_PASSWORD, args.out / "record-page1.png")
        window.close()
        school, _key = SchoolService.create(
            Path(tmp) / "school",
            "headteacher",
            DEMO_PASSWORD,
            urn=urn,
            name=str(intake[0].get("child.school_name") or "Demo school"),
            kdf=kdf,
            clock=lambda: NOW,
        )
        school.set_trust(
            root=(EXAMPLES_DIR / "northshire" / "la-ca" / "root-cert.pem").read_bytes()
        )
        school.import_files([f.path for f in report.files], password=PDF_PASSWORD)
        school_window = MainWindow(
            Access(), Path(tmp) / "school", school.vault, demo=True, services=services
        )
        school_window.resize(*SIZE)
        school_window.show()
        app.processEvents()
        _save(school_window, args.out / "school-overview.png", app)

        # A child opened from the overview: the PDF as received, decrypted in memory.
        page = school_window.school_page
        assert page is not None
        record_view = page.overview.open_record(page.overview.proxy.index(0, 0))
        assert record_view is not None
        record_view.resize(1000, 740)
        record_view.tabs.setCurrentIndex(1)
        _wait(app, lambda: record_view.pages.page_count() > 0)
        _save(record_view, args.out / "school-record.png", app)
        record_view.close()

        # End of Reception: the school's outcomes go back; the setting sees its cohort.
        received = sorted(school.records(), key=lambda r: r.id)
        aspects = [column for column, *_rest in ELG_COLUMNS]
        rows = ["UPN,RecordID,Forename,Surname,GLD," + ",".join(aspects)]
        for i, record in enumerate(received):
            gld = i % 3 != 0
            elgs = ["expected" if gld or j % 4 else "emerging" for j in range(len(aspects))]
            rows.append(",".join(["", record.id, "", "", "Y" if gld else "N", *elgs]))
        files = school.outcome_files(("\n".join(rows) + "\n").encode())
        school_window.close()
        service = VaultService.open(directory, "manager", DEMO_PASSWORD)
        feedback = FeedbackService(service, clock=lambda: NOW)
        for data in files.files.values():
            feedback.import_outcomes(data)
        window = MainWindow(Access(), directory, service, demo=True, services=services)
        window.resize(*SIZE)
        window.show()
        window.show_feedback()
        assert window.feedback_page is not None
        window.feedback_page.setCurrentWidget(window.feedback_page.outcomes)
        _save(window, args.out / "outcomes.png", app)
        window.close()
    _la_screenshots(args.out, app)
    return 0


def _save_pdf_page(pdf: Path, password: str, out: Path) -> None:
    """Page 1 of an exported (signed, encrypted) PDF as the school's reader draws it."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf), password=password)
    try:
        doc[0].render(scale=1.4).to_pil().save(out)
    finally:
        doc.close()


def _la_screenshots(out: Path, app: object) -> None:
    """The LA window on the demo LA folder (two tabs), and two pages of the board's PDF."""
    import subprocess
    import tempfile

    from PySide6.QtWidgets import QApplication

    from models.vault import KdfParams
    from transitions_app.services.la_demo import create_demo_la
    from transitions_app.services.la_service import LaReportService
    from ui.la.window import LaWindow

    with tempfile.TemporaryDirectory() as tmp:
        made = create_demo_la(Path(tmp) / "la", kdf=KdfParams(memory_kib=64, iterations=1, lanes=1))
        reports = LaReportService(made.ca, clock=lambda: NOW)
        window = LaWindow(reports)
        window.resize(*SIZE)
        window.show()
        loaded: list[bool] = []
        window.page.loaded.connect(lambda: loaded.append(True))
        window.load(made.returns)
        _wait(app, lambda: loaded)
        page = window.page
        page.tabs.setCurrentIndex(1)
        _save(window, out / "la-window.png", app)
        page.tabs.setCurrentIndex(page.tabs.count() - 1)
        _save(window, out / "la-window-outcomes.png", app)
        window.close()
        QApplication.processEvents()
        pdf = Path(tmp) / "report.pdf"
        reports.save_pdf(reports.insight([made.returns]), pdf)
        for number, name in ((2, "la-report-sent"), (6, "la-report-gld")):
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", str(number), "-l", str(number),
                 "-singlefile", str(pdf), str(out / name)],
                check=True,
            )  # fmt: skip
            print(f"wrote {out / name}.png")


def _wait(app: object, done: object, seconds: float = 20.0) -> None:
    import time

    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:  # type: ignore[operator]
        QApplication.processEvents()
        QThreadPool.globalInstance().waitForDone(20)
    QApplication.processEvents()


def _save(window: object, path: Path, app: object) -> None:
    from PySide6.QtWidgets import QApplication, QWidget

    assert isinstance(window, QWidget)
    for _ in range(3):
        QApplication.processEvents()
    if not window.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    raise SystemExit(main())
