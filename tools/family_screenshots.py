"""Render the family form (as it goes home, blank and filled in) and the family's copy for the docs.

    .venv/bin/python tools/family_screenshots.py [--out docs/screenshots]

Builds a throwaway demo vault of fictional children, makes a family form for one child, fills it
in as a family would (pikepdf: values and appearances), attaches two synthetic pictures and makes
the family's copy. Pages are rendered with pdftoppm (poppler-utils) and put side by side with
ImageMagick. Writes family-form.png, family-form-filled.png, family-copy.png and
editor-pictures.png (the editor's All about me with its pictures, offscreen).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the example charter is in force
DPI = "60"


def _pages(pdf: Path, stem: Path, first: int, last: int) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-png", "-r", DPI, "-f", str(first), "-l", str(last), str(pdf), str(stem)],
        check=True,
    )
    return sorted(stem.parent.glob(stem.name + "-*.png"))


def _side_by_side(images: list[Path], out: Path) -> None:
    subprocess.run(
        [
            "convert",
            *map(str, images),
            "-bordercolor",
            "#d0d7dc",
            "-border",
            "1",
            "-background",
            "#eef1f3",
            "-splice",
            "12x12",
            "+append",
            "-gravity",
            "southeast",
            "-splice",
            "12x12",
            str(out),
        ],
        check=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from export.family_form import fill_form
    from models.pictures import prepare_picture
    from models.vault import KdfParams
    from tests.pictures_helpers import drawing_png, photo_jpeg
    from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
    from transitions_app.services.family_service import FamilyService
    from transitions_app.services.vault_service import VaultService

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        directory = tmp / "vault"
        create_demo_vault(
            directory,
            today=NOW.date(),
            kdf=KdfParams(memory_kib=64, iterations=1, lanes=1),
            children=8,
        )
        vault = VaultService.open(directory, "keyperson", DEMO_PASSWORD)
        family = FamilyService(vault, clock=lambda: NOW, token=lambda: "K7Q2M9XD")
        records = vault.list_records()
        child = next(r for r in records if r.get("send.status") in (None, "none"))

        # the form as it goes home
        form = tmp / "form.pdf"
        form.write_bytes(family.make_form(child.id).pdf)
        _side_by_side(_pages(form, tmp / "form", 1, 2), args.out / "family-form.png")

        # a blank form (nothing written yet) beside one the family filled in
        blank_record = vault.new_record()
        for path in (
            "child.legal_forenames",
            "child.legal_surname",
            "child.setting_name",
            "child.school_name",
        ):
            blank_record.set(path, child.get(path))
        blank_record.set("child.legal_forenames", "Wren")
        blank_record.set("child.legal_surname", "Applethwaite")
        vault.save(blank_record)
        blank = tmp / "blank.pdf"
        blank.write_bytes(
            FamilyService(vault, clock=lambda: NOW, token=lambda: "B1AN4K00")
            .make_form(blank_record.id)
            .pdf
        )
        filled = tmp / "filled.pdf"
        filled.write_bytes(
            fill_form(
                form.read_bytes(),
                {
                    "about_me__likes": "Dinosaurs, the big red slide and baking bread with Babcia. "
                    "“Łódki!” (boats) in the bath.",
                    "about_me__friends": "Milo and Zofia.",
                    "about_me__captured_how__photos": True,
                    "about_me__captured_by": "Mum, at bedtime",
                },
            )
        )
        blank_page = _pages(blank, tmp / "blank", 1, 1)
        filled_page = _pages(filled, tmp / "filled", 1, 1)
        _side_by_side([*blank_page, *filled_page], args.out / "family-form-filled.png")

        # the form comes back: answers taken in, pictures added, the family's copy
        preview = family.read_return(filled.read_bytes())
        family.apply_return(preview, {c.path for c in preview.choices})
        family.attach_picture(
            child.id, prepare_picture(drawing_png(640, 480), "My house and the sun")
        )
        family.attach_picture(
            child.id, prepare_picture(photo_jpeg(800, 600), "At the park with Grandad")
        )
        copy = tmp / "copy.pdf"
        copy.write_bytes(family.family_copy(child.id).pdf)
        _side_by_side(_pages(copy, tmp / "copy", 1, 3), args.out / "family-copy.png")

        _editor_screenshot(vault, child.id, args.out / "editor-pictures.png")
        vault.close()
    for name in (
        "family-form.png",
        "family-form-filled.png",
        "family-copy.png",
        "editor-pictures.png",
    ):
        print(args.out / name)
    return 0


def _editor_screenshot(vault: object, record_id: str, out: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from transitions_app.app import WindowServices
    from transitions_app.services.vault_service import VaultService
    from ui.main_window import MainWindow
    from ui.pictures import PicturesPanel
    from ui.style import apply_style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_style(app)

    class Access:
        exists = staticmethod(VaultService.exists)
        open = staticmethod(VaultService.open)
        create = staticmethod(VaultService.create)

    assert isinstance(vault, VaultService)
    window = MainWindow(
        Access(),
        vault.directory or Path(),
        vault,
        demo=True,
        services=WindowServices(clock=lambda: NOW),
    )
    window.resize(1366, 768)
    window.show()
    window.open_record(record_id)
    editor = window.editor
    assert editor is not None
    editor.show_section("about_me")
    app.processEvents()
    panel = editor.findChild(PicturesPanel)
    assert panel is not None
    editor.section_pages["about_me"].ensureWidgetVisible(panel)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.02)
    window.grab().save(str(out))
    editor.flush()
    window.hide()


if __name__ == "__main__":
    raise SystemExit(main())
