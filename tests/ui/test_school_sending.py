"""The school's Receipts and outcomes tab, on a real school vault with real signed PDFs: a signed
receipt and signed outcome files written through the tab are accepted by the setting's own vault,
and a bad row in the outcomes CSV is shown and writes nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from models.record import Record
from models.roles import Role
from models.school.outcomes import ELG_COLUMNS, TEMPLATE_COLUMNS
from tests.fixtures_pki import FixturePki, build_pki
from tests.ui.conftest import CHEAP_KDF, PASSWORD
from tests.unit.test_school_service import SETTING_URN, school_records, signed_pdf
from transitions_app.services.feedback_service import FeedbackService
from transitions_app.services.school_service import SchoolService
from transitions_app.services.vault_service import VaultService
from ui.school.page import SchoolPage
from ui.school.sending import ReceivedSettingsModel, SendingPanel

SCHOOL_URN = "900001"
OTHER_URN = "EY900002"
OTHER_NAME = "Willow Tree Pre-school (fictional)"


@dataclass
class World:
    school: SchoolService
    records: list[Record]  # the first three from SETTING_URN, the other two from OTHER_URN
    pki: FixturePki
    tmp: Path


@pytest.fixture(scope="module")
def pki() -> FixturePki:
    return build_pki()


@pytest.fixture
def world(tmp_path: Path, pki: FixturePki) -> Iterator[World]:
    school, _key = SchoolService.create(
        tmp_path / "school", "head", PASSWORD, urn=SCHOOL_URN,
        name="Puddlebrook Primary School (fictional)", kdf=CHEAP_KDF,
    )  # fmt: skip
    school.set_trust(pki.root.cert.public_bytes(serialization.Encoding.PEM))
    records = school_records(5)
    for record in records[3:]:
        record.set("child.setting_urn", OTHER_URN)
        record.set("child.setting_name", OTHER_NAME)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i, record in enumerate(records):
        (inbox / f"child-{i}.pdf").write_bytes(signed_pdf(record, pki.setting))
    outcomes = school.import_files(sorted(inbox.iterdir()))
    assert [o.status for o in outcomes] == ["imported"] * len(records)
    yield World(school, records, pki, tmp_path)
    school.close()


def _setting_feedback(world: World) -> FeedbackService:
    """The first setting's own vault, holding the records it sent."""
    setting, _ = VaultService.create(
        world.tmp / "setting", "manager", "pw-setting-1", kdf=CHEAP_KDF
    )
    for record in world.records[:3]:
        setting.import_record(record)
    feedback = FeedbackService(setting)
    feedback.set_trust(world.pki.root.cert.public_bytes(serialization.Encoding.PEM))
    return feedback


def _tab(qtbot, school: SchoolService) -> tuple[SchoolPage, SendingPanel]:
    page = SchoolPage(school)
    qtbot.addWidget(page)
    page.resize(1000, 760)
    page.setCurrentWidget(page.sending)
    page.show()
    qtbot.waitExposed(page)
    return page, page.sending


def _idle(qtbot, panel: SendingPanel, label, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not panel.busy.isVisible(), timeout=20000)
    assert text in label.text()


def _select(panel: SendingPanel, urn: str) -> None:
    model = panel.settings_model
    row = next(r for r in range(model.rowCount()) if model.index(r, model.URN).data() == urn)
    panel.settings.selectRow(row)


def _click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _filled(sheet: Path, plan: dict[str, tuple[str, set[str]]]) -> bytes:
    """The blank sheet with GLD and the ELGs typed in, saved as CSV (as a spreadsheet would)."""
    rows = list(csv.DictReader(io.StringIO(sheet.read_bytes().decode("utf-8-sig"), newline="")))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(TEMPLATE_COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        gld, emerging = plan[row["RecordID"]]
        row["GLD"] = gld
        for col, aspect, _label, _g in ELG_COLUMNS:
            row[col] = "emerging" if aspect in emerging else "expected"
        writer.writerow(row)
    return out.getvalue().encode()


def test_settings_model_passes_the_model_tester(qtmodeltester, world: World) -> None:
    model = ReceivedSettingsModel()
    model.set_rows(world.school.received_settings())
    assert model.rowCount() == 2
    qtmodeltester.check(model, force_py=True)


def test_tab_mnemonic_is_its_own(qtbot, world: World) -> None:
    page, _panel = _tab(qtbot, world.school)
    texts = [page.tabText(i) for i in range(page.count())]
    assert texts[-1] == "Receipts and ou&tcomes"
    letters = [t[t.index("&") + 1].lower() for t in texts]
    assert letters.count("t") == 1


def test_write_a_receipt_the_setting_accepts(qtbot, world: World, monkeypatch) -> None:
    world.school.read_record(world.records[0].id)
    _page, panel = _tab(qtbot, world.school)
    model = panel.settings_model
    shown = {
        model.index(r, model.URN).data(): [
            model.index(r, c).data() for c in range(model.COLUMN_COUNT)
        ]
        for r in range(model.rowCount())
    }
    assert shown[SETTING_URN][1:] == [SETTING_URN, "3", "1", "Not yet"]
    assert shown[OTHER_URN] == [OTHER_NAME, OTHER_URN, "2", "0", "Not yet"]
    assert not panel.receipt_button.isEnabled()  # no setting chosen yet
    assert "Choose a setting" in panel.receipt_button.toolTip()

    _select(panel, SETTING_URN)
    out = world.tmp / "receipt.json"
    asked: list[str] = []

    def save_as(_parent, _title, suggested, _filter):  # type: ignore[no-untyped-def]
        asked.append(suggested)
        return str(out), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    _click(qtbot, panel.receipt_button)
    _idle(qtbot, panel, panel.receipt_message, "Saved the signed receipt")
    assert re.fullmatch(rf"receipt-{SETTING_URN}-\d{{4}}-\d\d-\d\d\.json", asked[0])
    assert "Import receipt…" in panel.receipt_message.text()
    assert "email" in panel.receipt_message.text()
    last = [model.index(r, model.LAST_RECEIPT).data() for r in range(model.rowCount())]
    assert sum(1 for v in last if v != "Not yet") == 1
    assert panel.selected_setting().urn == SETTING_URN  # the choice survives the refresh

    feedback = _setting_feedback(world)
    got = feedback.import_receipt(out.read_bytes())
    assert got.children == 3
    assert got.unknown_records == ()
    items = {i["record_id"]: i for i in feedback.receipts()[0]["records"]}
    assert set(items) == {r.id for r in world.records[:3]}
    assert items[world.records[0].id]["read_by"] == "head"
    assert items[world.records[1].id]["read_by"] is None
    feedback.close()


def test_blank_sheet_filled_imported_and_sent(qtbot, world: World, monkeypatch) -> None:
    _page, panel = _tab(qtbot, world.school)
    assert not panel.write_button.isEnabled()
    sheet = world.tmp / "sheet.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(sheet), ""))
    _click(qtbot, panel.template_button)
    _idle(qtbot, panel, panel.outcomes_message, "Saved a sheet with 5 children")

    plan = {
        world.records[0].id: ("N", {"cl_speaking", "lit_writing"}),
        world.records[1].id: ("Y", {"ead_creating"}),  # ELG16 does not count towards GLD
        world.records[2].id: ("Y", set()),
        world.records[3].id: ("N", {"maths_number"}),
        world.records[4].id: ("Y", set()),
    }
    filled = world.tmp / "filled.csv"
    filled.write_bytes(_filled(sheet, plan))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(filled), ""))
    _click(qtbot, panel.import_button)
    _idle(qtbot, panel, panel.outcomes_message, "ready")
    assert "All 5 children" in panel.outcomes_message.text()
    assert not panel.errors.isVisible()
    assert panel.summary.isVisible()
    summary = {
        panel.summary.item(r, 1).text(): [panel.summary.item(r, c).text() for c in range(5)]
        for r in range(panel.summary.rowCount())
    }
    assert summary[OTHER_URN] == [OTHER_NAME, OTHER_URN, "2", "1", f"outcomes-{OTHER_URN}.json"]
    assert summary[SETTING_URN][1:] == [SETTING_URN, "3", "2", f"outcomes-{SETTING_URN}.json"]

    folder = world.tmp / "to-send"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: str(folder))
    _click(qtbot, panel.write_button)
    _idle(qtbot, panel, panel.outcomes_message, "Wrote 2 signed outcome file(s)")
    assert "Import outcomes…" in panel.outcomes_message.text()
    assert sorted(p.name for p in folder.iterdir()) == [
        f"outcomes-{SETTING_URN}.json",
        f"outcomes-{OTHER_URN}.json",
    ]

    feedback = _setting_feedback(world)
    got = feedback.import_outcomes((folder / f"outcomes-{SETTING_URN}.json").read_bytes())
    assert got.children == 3  # only this setting's own children
    assert got.unknown_records == ()
    stats = feedback.cohort()
    assert stats.group("all").children == 3
    assert stats.group("all").gld == 2
    expected = {e.aspect: e.expected for e in stats.elgs}
    assert expected["cl_speaking"] == 2
    assert expected["lit_writing"] == 2
    assert expected["ead_creating"] == 2
    assert expected["maths_number"] == 3
    feedback.close()


def test_a_bad_row_is_shown_and_nothing_is_written(qtbot, world: World, monkeypatch) -> None:
    _page, panel = _tab(qtbot, world.school)
    sheet = world.tmp / "sheet.csv"
    sheet.write_bytes(world.school.outcomes_template_csv())
    plan = {r.id: ("Y", set()) for r in world.records}
    good = world.tmp / "good.csv"
    good.write_bytes(_filled(sheet, plan))
    panel.import_csv_from(good)
    _idle(qtbot, panel, panel.outcomes_message, "ready")
    assert panel.write_button.isEnabled()

    plan[world.records[2].id] = ("Y", {"cl_listening"})  # GLD Y, but ELG01 emerging
    bad = world.tmp / "bad.csv"
    bad.write_bytes(_filled(sheet, plan))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: (str(bad), ""))
    _click(qtbot, panel.import_button)
    _idle(qtbot, panel, panel.outcomes_message, "Nothing was written")
    assert "1 row(s) of bad.csv" in panel.outcomes_message.text()
    assert panel.errors.isVisible()
    assert not panel.summary.isVisible()
    assert panel.errors.rowCount() == 1
    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    line = next(i for i, row in enumerate(rows, start=2) if row["RecordID"] == world.records[2].id)
    assert panel.errors.item(0, 0).text() == str(line)
    assert panel.errors.item(0, 1).text().startswith("GLD is Y for the child")
    assert not panel.write_button.isEnabled()  # the earlier good import is dropped too
    panel.write_outcome_files()  # the action does nothing without checked files
    assert not list(world.tmp.rglob("outcomes-*.json"))


def test_a_reception_teacher_can_send_receipts_and_outcomes(qtbot, world: World) -> None:
    world.school.vault.add_user("teacher", Role.RECEPTION_TEACHER, "teacher-password")
    teacher = SchoolService(
        VaultService.open(world.school.vault.directory, "teacher", "teacher-password")
    )
    try:
        _page, panel = _tab(qtbot, teacher)
        _select(panel, OTHER_URN)
        assert panel.receipt_button.isEnabled()
        assert panel.template_button.isEnabled()
        assert panel.import_button.isEnabled()
        out = world.tmp / "teacher-receipt.json"
        panel.write_receipt_to(panel.selected_setting(), out)
        _idle(qtbot, panel, panel.receipt_message, "Saved the signed receipt")
        assert out.exists()
    finally:
        teacher.close()
