"""Render the dashboard and the record editor offscreen at 1366x768 for the docs.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Builds a throwaway demo vault of fictional children (cheap key derivation, in a temporary folder),
logs in as the manager, and saves dashboard.png and editor.png (a filled SEN-support record).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1366, 768)
TODAY = date(2026, 3, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtWidgets import QApplication

    from models.vault import KdfParams
    from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
    from transitions_app.services.vault_service import VaultService
    from ui.main_window import MainWindow
    from ui.style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_style(app)
    args.out.mkdir(parents=True, exist_ok=True)

    class Access:
        exists = staticmethod(VaultService.exists)
        open = staticmethod(VaultService.open)
        create = staticmethod(VaultService.create)

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "vault"
        create_demo_vault(
            directory, today=TODAY, kdf=KdfParams(memory_kib=64, iterations=1, lanes=1)
        )
        service = VaultService.open(directory, "manager", DEMO_PASSWORD)
        window = MainWindow(Access(), directory, service, demo=True, today=lambda: TODAY)
        window.resize(*SIZE)
        window.show()
        app.processEvents()
        _save(window, args.out / "dashboard.png", app)

        records = service.list_records()
        sen = next(r for r in records if r.get("send.status") == "sen_support")
        window.open_record(sen.id)
        assert window.editor is not None
        window.editor.show_section("send")
        app.processEvents()
        _save(window, args.out / "editor.png", app)
        window.close()
    return 0


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
