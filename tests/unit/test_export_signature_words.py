"""The signature says who signed in words, as the app exports it: the logged-in person's display
name from the setting profile (their login when they have none), their role and the setting.

The file is exported through the export service (as the window and the command line do), then
read back with pikepdf (the signature's /Name and /Reason, what a reader's signature panel shows)
and poppler (the visible stamp's text and pdfsig).
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest

from export.stamp import SIGNATURE_FIELD
from models.setting_profile import StaffMember
from models.vault import KdfParams
from tests import pdf_checks as checks
from transitions_app.services.demo import create_demo_vault
from transitions_app.services.export_service import ExportService
from transitions_app.services.profile_service import ProfileService
from transitions_app.services.vault_service import VaultService

pytestmark = pytest.mark.skipif(not checks.have_poppler(), reason="poppler-utils not installed")

FAST = KdfParams(memory_kib=8 * 1024, iterations=1, lanes=1)
PASSWORD = "demo-password"
PDF_PASSWORD = "school-pass-2026"
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # the example charter is in force
DISPLAY = "Zoë Łucja Marsh-Ōtani"  # outside Latin-1: the stamp's font must cover it


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("words") / "vault"
    create_demo_vault(directory, children=9, seed=2, today=NOW.date(), kdf=FAST)
    return directory


def _export_one(demo: Path, tmp_path: Path, display_name: str) -> tuple[bytes, str, str]:
    copy = tmp_path / "vault"
    shutil.copytree(demo, copy)
    vault = VaultService.open(copy, "manager", PASSWORD)
    try:
        profiles = ProfileService(vault)
        # the demo profile names its staff; "" takes the manager's display name away
        profiles.save(profiles.profile().with_staff(StaffMember("manager", display_name, "")))
        exporter = ExportService(vault, clock=lambda: NOW, workers=1)
        ready = [r for r in vault.list_records() if not exporter.missing_for_export(r)]
        assert ready
        report = exporter.export([ready[0].id], tmp_path / "out", password=PDF_PASSWORD)
        assert report.ok
        (teacher,) = [f for f in report.files if f.record_id == ready[0].id][:1]
        setting = str(ready[0].get("child.setting_name"))
        return teacher.path.read_bytes(), vault.user.role.label, setting
    finally:
        vault.close()


def _signature_words(pdf_bytes: bytes) -> tuple[str, str, str]:
    """/Name and /Reason of the signature, and the text of the stamp's appearance stream."""
    with pikepdf.open(BytesIO(pdf_bytes), password=PDF_PASSWORD) as pdf:
        field = next(f for f in pdf.Root.AcroForm.Fields if f.T == SIGNATURE_FIELD)
        name, reason = str(field.V.Name), str(field.V.Reason)
        appearance = field.AP.N
        fonts = [font for _key, font in appearance.Resources.Font.items()]
        assert fonts
        assert all("/FontFile2" in f.FontDescriptor for f in fonts)  # embedded TrueType
        page = pdf.add_blank_page(page_size=(float(field.Rect[2]), float(field.Rect[3])))
        page.obj.Resources = appearance.Resources
        page.obj.Contents = pdf.make_stream(appearance.read_bytes())
        out = BytesIO()
        pdf.save(out, encryption=False)
        last = str(len(pdf.pages))
    stamp = checks.pdftotext(out.getvalue(), "-f", last, "-l", last, "-raw")
    return name, reason, stamp


def test_the_display_name_and_role_sign_the_exported_file(demo: Path, tmp_path: Path) -> None:
    pdf, role, setting = _export_one(demo, tmp_path, DISPLAY)
    name, reason, stamp = _signature_words(pdf)
    sentence = f"Signed by {DISPLAY}, {role}, {setting}, 1 October 2026"
    assert name == DISPLAY
    assert reason == sentence
    assert sentence.replace(" ", "") in stamp.replace(" ", "").replace("\n", "")
    assert "manager" not in reason.split(",")[0]  # the login is not the name shown
    out = checks.run_tool("pdfsig", pdf, "-nocert", password=PDF_PASSWORD)
    assert "Signature is Valid" in out
    assert "Total document signed" in out


def test_without_a_display_name_the_login_signs(demo: Path, tmp_path: Path) -> None:
    pdf, role, setting = _export_one(demo, tmp_path, "")
    name, reason, _stamp = _signature_words(pdf)
    assert name == "manager"
    assert reason == f"Signed by manager, {role}, {setting}, 1 October 2026"
