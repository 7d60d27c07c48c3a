"""The school's quarantine actions, decryption key and received-PDF view in the window, on a real
school vault with real signed PDFs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt

from export.encrypt import RecipientEncryption
from models.roles import Role
from models.synthetic import generate_records
from tests.fixtures_pki import P12_PASSPHRASE, FixturePki, build_pki, to_p12
from tests.ui.conftest import CHEAP_KDF, PASSWORD
from tests.unit.test_school_service import signed_pdf
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService
from ui.school.page import SchoolPage
from ui.school.quarantine import grouped_fingerprint

URN = "900001"


@pytest.fixture(scope="module")
def pki() -> FixturePki:
    return build_pki()


@pytest.fixture
def school(tmp_path: Path, pki: FixturePki) -> Iterator[SchoolService]:
    service, _key = SchoolService.create(
        tmp_path / "school",
        "head",
        PASSWORD,
        urn=URN,
        name="Puddlebrook Primary (fictional)",
        kdf=CHEAP_KDF,
    )
    service.set_trust(pki.root.cert.public_bytes(serialization.Encoding.PEM))
    records = generate_records(3, seed=5, today=date(2026, 3, 2))
    for r in records:
        r.set("child.school_urn", URN)
        r.export_version = 1
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = signed_pdf(records[0], pki.setting)
    broken = bytearray(good)
    broken[bytes(broken).index(b"/Contents") - 200] ^= 0x01
    files = {
        "good.pdf": good,
        "self-signed.pdf": signed_pdf(records[1], pki.self_signed),
        "broken.pdf": bytes(broken),
    }
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    service.import_files(sorted(inbox.iterdir()))
    yield service
    service.close()


def _select(page: SchoolPage, file: str) -> None:
    table = page.imports.quarantine
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == file)
    table.selectRow(row)


def test_release_after_phone_check(qtbot, school: SchoolService) -> None:
    page = SchoolPage(school)
    qtbot.addWidget(page)
    page.show()
    assert page.overview.model.rowCount() == 1
    assert page.imports.quarantine.rowCount() == 2
    _select(page, "broken.pdf")
    assert not page.imports.release_button.isEnabled()  # a broken signature is never released
    _select(page, "self-signed.pdf")
    assert page.imports.release_button.isEnabled()
    dialog = page.imports.release_selected()
    assert dialog is not None
    qtbot.addWidget(dialog)
    entry = page.imports.selected_entry()
    assert dialog.fingerprint.text() == grouped_fingerprint(entry.fingerprint_sha256)
    assert not dialog.release_button.isEnabled()
    qtbot.keyClicks(dialog.checked_with, "Alex Carewell, manager")
    assert not dialog.release_button.isEnabled()  # the fingerprint match must be ticked
    dialog.matches.setChecked(True)
    assert dialog.release_button.isEnabled()
    qtbot.mouseClick(dialog.release_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert "released and imported" in page.imports.message.text()
    assert page.imports.quarantine.rowCount() == 1
    assert page.overview.model.rowCount() == 2  # the overview refreshed itself


def test_remove_from_quarantine(qtbot, school: SchoolService) -> None:
    page = SchoolPage(school)
    qtbot.addWidget(page)
    _select(page, "broken.pdf")
    page.imports.discard(page.imports.selected_entry())
    assert page.imports.quarantine.rowCount() == 1
    assert "Removed broken.pdf" in page.imports.message.text()


def test_teacher_cannot_release_or_add_keys(qtbot, school: SchoolService) -> None:
    school.vault.add_user("teacher", Role.RECEPTION_TEACHER, "teacher-password")
    teacher = SchoolService(
        VaultService.open(school.vault.directory, "teacher", "teacher-password")
    )
    try:
        page = SchoolPage(teacher)
        qtbot.addWidget(page)
        _select(page, "self-signed.pdf")
        assert not page.imports.release_button.isEnabled()
        assert not page.imports.key_button.isEnabled()
    finally:
        teacher.close()


def test_decryption_key_dialog_then_encrypted_file_imports(
    qtbot, school: SchoolService, pki: FixturePki, tmp_path: Path
) -> None:
    page = SchoolPage(school)
    qtbot.addWidget(page)
    key_file = tmp_path / "school.p12"
    key_file.write_bytes(to_p12(pki.school))
    dialog = page.imports.add_key()
    qtbot.addWidget(dialog)
    assert "No key held yet" in dialog.held.text()
    dialog.file.setText(str(key_file))
    qtbot.keyClicks(dialog.passphrase, "not the passphrase")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible()
    assert "passphrase" in dialog.error.text()
    dialog.passphrase.setText(P12_PASSPHRASE.decode())
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert "Kept the decryption key" in page.imports.message.text()

    record = generate_records(1, seed=9, today=date(2026, 3, 2))[0]
    record.set("child.school_urn", URN)
    record.export_version = 1
    sealed = tmp_path / "sealed.pdf"
    sealed.write_bytes(
        signed_pdf(record, pki.setting, encryption=RecipientEncryption((pki.school.cert,)))
    )
    [outcome] = school.import_files([sealed])
    assert outcome.status == "imported", outcome.reason


def test_record_view_shows_the_pdf_as_received(
    qtbot, school: SchoolService, tmp_path: Path
) -> None:
    page = SchoolPage(school)
    qtbot.addWidget(page)
    page.show()
    dialog = page.overview.open_record(page.overview.proxy.index(0, 0))
    assert dialog is not None  # a child of the page: closed with it
    assert "signed by Little Acorns Nursery" in dialog.source.text()
    assert "issued by your LA" in dialog.source.text()
    dialog.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: dialog.pages.page_count() > 1, timeout=20000)
    out = tmp_path / "kept.pdf"
    dialog.save_to(out)
    assert "Saved the file as received" in dialog.message.text()
    name, data = school.received_file(school.overview().rows[0].record_id)
    assert out.read_bytes() == data
    assert name == "good.pdf"


def test_a_new_version_says_which_fields_changed(
    qtbot, school: SchoolService, pki: FixturePki, tmp_path: Path
) -> None:
    page = SchoolPage(school)
    qtbot.addWidget(page)
    record = school.records()[0].copy()
    record.export_version = 2
    record.set("about_me.likes", "Puddle jumping in yellow boots")
    newer = tmp_path / "newer.pdf"
    newer.write_bytes(signed_pdf(record, pki.setting))
    outcomes = school.import_files([newer])
    page.imports.show_outcomes(outcomes)
    assert outcomes[0].status == "updated"
    what = page.imports.last.item(0, 3).text()
    assert "replaces version 1" in what
    assert "Changed:" in what
    assert "All about me: What I like" in what


def test_record_view_offers_both_packets(
    qtbot, school: SchoolService, pki: FixturePki, tmp_path: Path
) -> None:
    from tests.unit.test_school_files import _senco_pdf

    class _World:  # what _senco_pdf reads
        pass

    world = _World()
    world.pki = pki  # type: ignore[attr-defined]
    record = school.records()[0]
    senco = tmp_path / "senco.pdf"
    senco.write_bytes(_senco_pdf(world, record))  # type: ignore[arg-type]
    assert school.import_files([senco])[0].status == "imported"
    page = SchoolPage(school)
    qtbot.addWidget(page)
    page.show()
    row = next(
        r
        for r in range(page.overview.proxy.rowCount())
        if page.overview.proxy.index(r, 0).data() == record.display_name
    )
    dialog = page.overview.open_record(page.overview.proxy.index(row, 0))
    assert dialog is not None
    assert dialog.packet.count() == 2
    dialog.tabs.setCurrentIndex(1)
    assert dialog.packet.isVisible()
    qtbot.waitUntil(lambda: dialog.pages.page_count() > 0, timeout=20000)
    dialog.packet.setCurrentIndex(1)  # the SENCO packet: drawn again
    assert dialog.pages.page_count() == 0
    qtbot.waitUntil(lambda: dialog.pages.page_count() > 0, timeout=20000)
    out = tmp_path / "saved-senco.pdf"
    dialog.save_to(out)
    assert out.read_bytes() == senco.read_bytes()


def test_a_hostile_file_name_is_shown_as_plain_escaped_text(
    qtbot, school: SchoolService, tmp_path: Path
) -> None:
    # The sender chose this name: markup must not render, a newline must not start a fake line.
    hostile = tmp_path / "inbox" / "<font color=red>IMPORTED\nall fine.pdf"
    broken = bytearray((tmp_path / "inbox" / "broken.pdf").read_bytes())
    broken[bytes(broken).index(b"/Contents") - 300] ^= 0x01
    hostile.write_bytes(bytes(broken))
    [outcome] = school.import_files([hostile])
    assert outcome.file == "<font color=red>IMPORTED\\nall fine.pdf"
    page = SchoolPage(school)
    qtbot.addWidget(page)
    page.show()
    label = page.overview.quarantine_label
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert "<font color=red>IMPORTED\\nall fine.pdf: " in label.text()
    _select(page, outcome.file)
    page.imports.discard(page.imports.selected_entry())
    assert page.imports.message.textFormat() == Qt.TextFormat.PlainText
    assert (
        page.imports.message.text()
        == "Removed <font color=red>IMPORTED\\nall fine.pdf from quarantine."
    )
    page.grab().save(str(tmp_path / "quarantine.png"))
