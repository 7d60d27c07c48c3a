"""Entering EYFS profile outcomes in the app, on a real school vault holding real signed records:
typed by keyboard, kept in the vault as they are typed, GLD worked out, and once every child is
complete the same check as an imported CSV makes files a setting's own vault imports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton

from models.errors import ValidationFailed, VaultError
from models.school.outcomes import ASPECTS, EMERGING, EXPECTED, GLD_ASPECTS, entry_children
from tests.fixtures_pki import FixturePki, build_pki
from tests.ui.conftest import CHEAP_KDF, PASSWORD
from tests.ui.test_school_sending import (
    OTHER_NAME,
    OTHER_URN,
    SCHOOL_URN,
    World,
    _click,
    _idle,
    _setting_feedback,
    _tab,
)
from tests.unit.test_school_service import SETTING_URN, school_records, signed_pdf
from transitions_app.services.school_service import SchoolService
from ui.school.outcomes_entry import OutcomesEntryDialog, OutcomesEntryModel, ValueRole
from ui.school.sending import SendingPanel

FIRST = OutcomesEntryModel.FIRST_ELG


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
    assert [o.status for o in school.import_files(sorted(inbox.iterdir()))] == ["imported"] * 5
    yield World(school, records, pki, tmp_path)
    school.close()


def _open(qtbot, panel: SendingPanel) -> OutcomesEntryDialog:  # type: ignore[no-untyped-def]
    _click(qtbot, panel.enter_button)
    dialog = panel.entry_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.table.setFocus()
    return dialog


def _close(qtbot, panel: SendingPanel, dialog: OutcomesEntryDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.entry_dialog is None, timeout=5000)


def _keys(qtbot, dialog: OutcomesEntryDialog, keys: str) -> None:  # type: ignore[no-untyped-def]
    for ch in keys:
        key = {"E": Qt.Key.Key_E, "M": Qt.Key.Key_M, " ": Qt.Key.Key_Space}[ch]
        qtbot.keyClick(dialog.table, key)


def _shown(dialog: OutcomesEntryDialog, row: int) -> list[str]:
    model = dialog.model
    return [model.index(row, c).data() for c in range(model.columnCount())]


def _row_of(dialog: OutcomesEntryDialog, record_id: str) -> int:
    model = dialog.model
    return next(r for r in range(model.rowCount()) if model.child(r).record_id == record_id)


def _everyone(world: World) -> dict[str, dict[str, str]]:
    """A complete plan: emerging where chosen, expected everywhere else."""
    emerging = {
        world.records[0].id: {"cl_speaking", "lit_writing"},
        world.records[1].id: {"ead_creating"},  # ELG16 does not count towards GLD
        world.records[2].id: set(),
        world.records[3].id: {"maths_number"},
        world.records[4].id: set(),
    }
    return {
        rid: {a: EMERGING if a in low else EXPECTED for a in ASPECTS}
        for rid, low in emerging.items()
    }


def test_model_passes_the_model_tester(qtmodeltester, world: World) -> None:
    model = OutcomesEntryModel()
    entered = {world.records[0].id: {"cl_speaking": EMERGING, "pd_gross": EXPECTED}}
    model.set_children(entry_children(world.school.records()), entered)
    assert model.rowCount() == 5
    assert model.columnCount() == 3 + 17
    qtmodeltester.check(model, force_py=True)
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert header[:4] == ["Child", "Setting", "GLD", "ELG01"]
    assert header[-1] == "ELG17"
    assert "ELG12" in model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "Speaking" in model.headerData(FIRST + 1, Qt.Orientation.Horizontal, 3)


def test_gld_is_worked_out_from_the_goals(qtbot, world: World) -> None:
    model = OutcomesEntryModel()
    model.set_children(entry_children(world.school.records()), {})
    gld = OutcomesEntryModel.GLD

    def set_(row: int, aspect: str, value: str | None) -> None:
        assert model.setData(model.index(row, model.column_of(aspect)), value)

    assert model.index(0, gld).data() == ""  # nothing entered: not worked out
    for aspect in GLD_ASPECTS:
        set_(0, aspect, EXPECTED)
    assert model.index(0, gld).data() == "Y"  # ELG13-17 do not count
    assert not model.is_row_complete(0)
    set_(0, "ead_creating", EMERGING)
    assert model.index(0, gld).data() == "Y"
    set_(0, "lit_word_reading", EMERGING)
    assert model.index(0, gld).data() == "N"
    set_(1, "cl_listening", EMERGING)  # one emerging goal that counts decides it already
    assert model.index(1, gld).data() == "N"
    set_(1, "cl_listening", None)
    assert model.index(1, gld).data() == ""
    assert not model.setData(model.index(1, gld), "Y")  # GLD cannot be typed
    assert not model.setData(model.index(1, FIRST), "maybe")


def test_enter_by_keyboard_close_and_reopen(qtbot, world: World) -> None:
    _page, panel = _tab(qtbot, world.school)
    assert panel.enter_button.isEnabled()
    dialog = _open(qtbot, panel)
    model = dialog.model
    assert model.rowCount() == 5
    assert dialog.count_line.text() == "0 of 5 children complete"
    current = dialog.table.currentIndex()
    assert (current.row(), current.column()) == (0, FIRST)  # the first goal not yet entered
    first, second = model.child(0).record_id, model.child(1).record_id
    assert _shown(dialog, 0)[FIRST:] == [""] * 17  # nothing entered looks empty

    # First child: E for every goal but ELG02 (M); the cursor moves on by itself.
    _keys(qtbot, dialog, "EM" + "E" * 15)
    assert _shown(dialog, 0)[2:5] == ["N", "Exp", "Emg"]
    assert dialog.count_line.text() == "1 of 5 children complete"
    current = dialog.table.currentIndex()
    assert (current.row(), current.column()) == (1, FIRST)  # on to the next child

    # Second child: M then the rest expected; Right twice, Space switches ELG03 to emerging
    # and back with a second Space, then Left and Space switch ELG02 to emerging.
    _keys(qtbot, dialog, "M")
    qtbot.keyClick(dialog, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: model.is_row_complete(1))  # a mnemonic clicks after a moment
    assert dialog.table.hasFocus()  # back in the grid to carry on typing
    dialog.table.setCurrentIndex(model.index(1, FIRST + 2))
    _keys(qtbot, dialog, "  ")
    qtbot.keyClick(dialog.table, Qt.Key.Key_Left)
    _keys(qtbot, dialog, " ")
    assert _shown(dialog, 1)[FIRST : FIRST + 4] == ["Emg", "Emg", "Exp", "Exp"]
    assert _shown(dialog, 1)[2] == "N"
    assert dialog.count_line.text() == "2 of 5 children complete"
    assert "ELG02 Speaking: emerging" in dialog.current_line.text()

    # Saved a moment after the last change, before the dialog closes.
    qtbot.waitUntil(lambda: dialog.save_state.text() == "All changes saved", timeout=5000)
    kept = world.school.entered_outcomes()
    assert set(kept) == {first, second}
    assert kept[first]["cl_speaking"] == EMERGING
    assert sum(v == EMERGING for v in kept[first].values()) == 1

    # Undo takes back the last key (ELG02 of the second child), then it is typed again.
    qtbot.keyClick(dialog.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.index(1, FIRST + 1).data(ValueRole) == EXPECTED
    qtbot.keyClick(dialog.table, Qt.Key.Key_M)
    dialog.table.setCurrentIndex(model.index(2, FIRST + 5))
    _keys(qtbot, dialog, "E")  # one goal for a third child, saved on close
    first_row = _shown(dialog, 0)
    missing = [c.name for c in model.incomplete()]
    done_name = model.child(0).name
    _close(qtbot, panel, dialog)

    # The panel says who is still missing; nothing is ready to write.
    message = panel.outcomes_message.text()
    assert "3 of 5 children still need" in message
    assert len(missing) == 3
    for name in missing:
        assert name in message
    assert done_name not in message
    assert not panel.write_button.isEnabled()
    assert not panel.summary.isVisible()

    reopened = _open(qtbot, panel)
    again = reopened.model
    assert reopened.count_line.text() == "2 of 5 children complete"
    assert _shown(reopened, 0) == first_row
    assert _shown(reopened, 1)[2:] == ["N", "Emg", "Emg", *["Exp"] * 15]
    assert again.index(2, FIRST + 5).data(ValueRole) == EXPECTED
    current = reopened.table.currentIndex()
    assert (current.row(), current.column()) == (2, FIRST)  # carries on at the first gap
    _close(qtbot, panel, reopened)


def test_all_complete_gives_files_the_setting_imports(qtbot, world: World, monkeypatch) -> None:
    plan = _everyone(world)
    _page, panel = _tab(qtbot, world.school)
    dialog = _open(qtbot, panel)
    model = dialog.model
    # Column by column: mark the emerging ones, then the rest of the column expected.
    for aspect in ASPECTS:
        col = model.column_of(aspect)
        for rid, elgs in plan.items():
            if elgs[aspect] == EMERGING:
                dialog.table.setCurrentIndex(model.index(_row_of(dialog, rid), col))
                _keys(qtbot, dialog, "M")
        dialog.table.setCurrentIndex(model.index(0, col))
        qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda c=col: all(model.index(r, c).data(ValueRole) for r in range(5)))
    assert dialog.count_line.text() == "5 of 5 children complete"
    gld = {model.child(r).record_id: model.index(r, model.GLD).data() for r in range(5)}
    assert gld == {
        world.records[0].id: "N",
        world.records[1].id: "Y",
        world.records[2].id: "Y",
        world.records[3].id: "N",
        world.records[4].id: "Y",
    }
    _click(qtbot, dialog.done_button)
    qtbot.waitUntil(lambda: panel.entry_dialog is None, timeout=5000)
    assert world.school.entered_outcomes() == plan

    _idle(qtbot, panel, panel.outcomes_message, "ready")
    assert "All 5 children have their outcomes entered" in panel.outcomes_message.text()
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

    feedback = _setting_feedback(world)
    got = feedback.import_outcomes((folder / f"outcomes-{SETTING_URN}.json").read_bytes())
    assert got.children == 3
    stats = feedback.cohort()
    mine = [plan[r.id] for r in world.records[:3]]
    assert stats.group("all").children == 3
    assert stats.group("all").gld == sum(all(p[a] == EXPECTED for a in GLD_ASPECTS) for p in mine)
    for figure in stats.elgs:
        assert figure.expected == sum(p[figure.aspect] == EXPECTED for p in mine), figure.aspect
    assert {c.record_id: c.elgs for c in feedback.outcomes()} == {
        r.id: plan[r.id] for r in world.records[:3]
    }
    feedback.close()


def test_mnemonics_and_names(qtbot, world: World) -> None:
    _page, panel = _tab(qtbot, world.school)
    dialog = _open(qtbot, panel)
    texts = [w.text() for w in dialog.findChildren(QPushButton)]
    texts += [w.text() for w in dialog.findChildren(QLabel) if w.buddy() is not None]
    letters = [t[t.index("&") + 1].lower() for t in texts if "&" in t]
    assert len(letters) == len(texts) == 6
    assert len(set(letters)) == len(letters)
    assert dialog.table.accessibleName()
    panel_texts = [b.text() for b in panel.findChildren(QPushButton) if b.window() is not dialog]
    panel_letters = [t[t.index("&") + 1].lower() for t in panel_texts if "&" in t]
    assert len(set(panel_letters)) == len(panel_letters)
    assert "Enter o&utcomes…" in panel_texts
    _close(qtbot, panel, dialog)


def test_the_service_refuses_bad_entries(world: World) -> None:
    rid = world.records[0].id
    with pytest.raises(ValidationFailed, match="not an early learning goal"):
        world.school.save_entered_outcomes({rid: {"reading_stars": EXPECTED}})
    with pytest.raises(ValidationFailed, match="expected or emerging"):
        world.school.save_entered_outcomes({rid: {"cl_speaking": "secure"}})
    with pytest.raises(ValidationFailed, match="not in this vault"):
        world.school.save_entered_outcomes({"no-such-record": {"cl_speaking": EXPECTED}})
    assert world.school.entered_outcomes() == {}
    world.school.save_entered_outcomes({rid: {"cl_speaking": EMERGING}, world.records[1].id: {}})
    assert world.school.entered_outcomes() == {rid: {"cl_speaking": EMERGING}}
    actions = [e.action for e in world.school.vault.audit_entries()]
    assert actions[-1] == "school_outcomes_entered"


class _FailingSave:
    """The real school session, except that saving fails (a full disk, a locked vault)."""

    def __init__(self, school: SchoolService) -> None:
        self._school = school

    def records(self):  # type: ignore[no-untyped-def]
        return self._school.records()

    def entered_outcomes(self) -> dict[str, dict[str, str]]:
        return self._school.entered_outcomes()

    def save_entered_outcomes(self, entered: dict[str, dict[str, str]]) -> None:
        raise VaultError("The vault is locked.")


def test_a_failed_save_is_said_and_closing_waits_once(qtbot, world: World) -> None:
    dialog = OutcomesEntryDialog(_FailingSave(world.school))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.table.setFocus()
    _keys(qtbot, dialog, "E")
    assert dialog.save_state.text() == "Saving…"
    qtbot.waitUntil(lambda: dialog.save_state.text().startswith("Not saved"), timeout=5000)
    assert "The vault is locked." in dialog.save_state.text()
    dialog.reject()
    assert dialog.isVisible()  # the first close keeps the entries on screen, with the reason
    assert "Close again to leave without saving." in dialog.save_state.text()
    dialog.reject()
    assert not dialog.isVisible()
    assert world.school.entered_outcomes() == {}


def test_locking_the_window_saves_and_closes_the_grid(qtbot, world: World) -> None:
    page, panel = _tab(qtbot, world.school)
    dialog = _open(qtbot, panel)
    _keys(qtbot, dialog, "M")
    first = dialog.model.child(0).record_id
    assert world.school.entered_outcomes() == {}  # not yet: a moment after the last change
    page.hide()  # what the lock screen does to the page, before the session closes
    assert panel.entry_dialog is None
    assert world.school.entered_outcomes() == {first: {"cl_listening": EMERGING}}
    assert "saved" in panel.outcomes_message.text()
