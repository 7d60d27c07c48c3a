"""``python -m bench.profiles [--records N] [--top K]``: where the time goes in the slow paths.

Prints cProfile summaries (sorted by cumulative and by own time) of the paths the figures time,
and the heaviest imports of the app's start-up (``python -X importtime``). The vault is built with
small Argon2 parameters, since the key derivation is not what is being profiled here.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import exporting, figures
from bench.vaults import PASSWORD, USER, build_vault
from models.interchange import record_to_bytes
from transitions_app.services.vault_service import VaultService


def profile(title: str, fn: Callable[[], Any], top: int, times: int = 1) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        fn()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order)
        stats.print_stats(top)
        text = buffer.getvalue()
        body = text[text.find("   ncalls") :]
        print(f"\n=== {title} ({times}x) by {order} ===\n{body.rstrip()}")


def import_times(vault: Path, top: int) -> None:
    env = figures.probe_env(vault.parent / "home")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bench.probes", "coldstart-app", str(vault)],
        cwd=figures.REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append((int(match.group(2)), len(match.group(3)), match.group(4)))
    top_level = sorted((r for r in rows if r[1] <= 2), reverse=True)[:top]
    print("\n=== start-up imports (cumulative ms, top-level packages) ===")
    for cumulative, _depth, name in top_level:
        print(f"{cumulative / 1000:8.1f}  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profiles")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--top", type=int, default=18)
    args = parser.parse_args(argv)
    work = figures.new_work_dir(None)
    try:
        vault = build_vault(work / "vault", args.records, quick=True)
        (work / "home").mkdir()
        service = VaultService.open(vault.directory, USER, PASSWORD)
        profile("list_records", service.list_records, args.top)
        records = service.list_records()
        profile("dashboard summaries", lambda: figures.summarise(records), args.top)
        record = service.load(records[len(records) // 2].id)

        def save() -> None:
            nonlocal record
            record.set(figures.EDITED_FIELD, f"edit {os.urandom(4).hex()}")
            record = service.save(record)

        profile("save", save, args.top, times=50)
        service.close()

        full = figures.fullest_record(records)
        record_json = record_to_bytes(full)
        settings = exporting.ExportSettings(generated_on=datetime.now(UTC).replace(microsecond=0))
        creds = exporting.load_demo_signer()
        pdf = exporting.render(full, settings, record_json)
        profile(
            "render_record_pdf", lambda: exporting.render(full, settings, record_json), args.top, 5
        )
        profile("sign_pdf", lambda: exporting.sign(pdf, creds, settings.generated_on), args.top, 5)
        signed = exporting.sign(pdf, creds, settings.generated_on)
        from export.pki import load_crl, load_root_cert
        from export.verify import verify_pdf

        roots = [load_root_cert(exporting.LA_CA_DIR)]
        crls = [load_crl(exporting.CRL_FILE.read_bytes())]
        profile("verify_pdf", lambda: verify_pdf(signed, trust_roots=roots, crls=crls), args.top, 5)
        import_times(vault.directory, args.top)
        _profile_search(records, args.top)
        _profile_editor(vault.directory, records, args.top)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _profile_search(records: list[Any], top: int) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui.dashboard import Dashboard

    app = QApplication.instance() or QApplication(sys.argv[:1])
    dashboard = Dashboard()
    dashboard.set_records(records)
    dashboard.resize(1366, 768)
    dashboard.show()
    app.processEvents()
    names = figures.search_names(records, 3)

    def type_names() -> None:
        for name in names:
            dashboard.search.clear()
            app.processEvents()
            for char in name:
                QTest.keyClicks(dashboard.search, char)
                app.processEvents()

    profile("search as you type (Dashboard, offscreen)", type_names, top)
    dashboard.close()


def _profile_editor(directory: Path, records: list[Any], top: int) -> None:
    """The real MainWindow (with its services): open records one after another from the
    dashboard, visit every section of one, New child, and the export dialog to its first page."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from transitions_app.app import VaultAccess, WindowServices
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    service = VaultService.open(directory, USER, PASSWORD)
    window = MainWindow(VaultAccess(), directory, service, services=WindowServices())
    window.show()

    def settle(times: int = 10) -> None:
        for _ in range(times):
            app.processEvents()

    settle(50)
    ids = [r.id for r in records[::97][:12]]

    def open_records() -> None:
        for record_id in ids:
            window.open_record(record_id)
            settle()
            window.close_editor()
            settle()

    profile("open a record, then back (MainWindow, offscreen)", open_records, top)
    window.open_record(records[1].id)
    settle()
    editor = window.editor
    assert editor is not None

    def visit_sections() -> None:
        for row in range(1, editor.nav.count()):
            editor.nav.setCurrentRow(row)
            settle()

    profile("every section of an open record", visit_sections, top)

    def export_dialog() -> None:
        def drive() -> None:
            dialog = window.last_export
            if dialog is None or not dialog.isVisible():
                QTimer.singleShot(1, drive)
                return
            while dialog.pages.page_count() == 0:
                app.processEvents()
            dialog.reject()

        window.last_export = None
        QTimer.singleShot(0, drive)
        window.export_current()

    profile("export dialog to its first preview page", export_dialog, top)
    window.close_editor()

    def new_child() -> None:
        window.new_record()
        settle()
        window.close_editor()
        settle()

    profile("New child, then back", new_child, top, times=3)
    window.close()
    service.close()


if __name__ == "__main__":
    raise SystemExit(main())
