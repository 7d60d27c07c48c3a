"""The record editor: generated pages, inline validation, undo, autosave, workflow, what's missing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QMessageBox

from models.errors import PermissionDenied
from models.framework.definition import Kind
from models.framework.registry import current_framework
from models.readiness import readiness
from models.record import Person, Record, SignOffScope, Status, Unparsed
from models.roles import Role
from models.upn import check_upn
from tests.ui.conftest import TODAY, FakeService
from ui.editor import RecordEditor
from ui.fields import FIELD_FACTORIES


def make_editor(qtbot, service: FakeService, record: Record) -> RecordEditor:
    editor = RecordEditor(service, record, today=lambda: TODAY)
    qtbot.addWidget(editor)
    editor.resize(1366, 700)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    return editor


@pytest.fixture
def blank(fake_service: FakeService) -> Record:
    return fake_service.new_record()


def answer_next_question(qtbot, button: str, seen: list[str] | None = None) -> None:
    """Click ``button`` in the next message box that opens (the person's answer)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        if seen is not None:
            seen.append(f"{box.text()} {box.informativeText()}")
        for candidate in box.buttons():
            if candidate.text().replace("&", "") == button:
                qtbot.mouseClick(candidate, Qt.MouseButton.LeftButton)
                return
        raise AssertionError(f"no button {button!r} in {[b.text() for b in box.buttons()]}")

    QTimer.singleShot(0, click)


def complete(records: list[Record]) -> Record:
    """A record nothing but its sign-offs stands between and export (framework rules)."""
    return next(r for r in records if not readiness(r, None, TODAY).stopping(SignOffScope.RECORD))


def test_every_framework_section_and_field_has_an_editor(
    qtbot, fake_service: FakeService, blank: Record
) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    fw = current_framework()
    assert set(FIELD_FACTORIES) == set(Kind)
    assert editor.nav.count() == len(fw.sections) == 12
    for n, section in enumerate(fw.sections):
        qtbot.mouseClick(
            editor.nav.viewport(),
            Qt.MouseButton.LeftButton,
            pos=editor.nav.visualItemRect(editor.nav.item(n)).center(),
        )
        assert section.key in editor.section_pages, f"no editor page for section {section.key}"
        page = editor.section_pages[section.key]
        assert editor.pages.currentWidget() is page
        missing = [fd.path for fd in section.fields if fd.path not in page.rows]
        assert not missing, f"section {section.key} has fields without editors: {missing}"
        for fd in section.fields:
            row = page.rows[fd.path]
            assert row.label.buddy() is row.field.focus_target()
            assert row.field.accessibleName()


def test_bad_upn_shows_a_plain_message_under_the_field(
    qtbot, fake_service: FakeService, blank: Record
) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    editor.go_to_field("child.upn")
    row = editor.row("child.upn")
    qtbot.keyClicks(row.field.focus_target(), "A12345678901")
    assert row.error.isVisible()
    assert (
        row.error.text()
        == check_upn("A12345678901").message
        == "A UPN has 13 characters; this one has 12."
    )
    qtbot.keyClicks(row.field.focus_target(), "2")
    assert row.error.text() == check_upn("A123456789012").message
    qtbot.keyClick(row.field.focus_target(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(row.field.focus_target(), Qt.Key.Key_Backspace)
    assert editor.record().get("child.upn") is None
    assert not row.error.isVisible()


def test_number_out_of_range_explained_inline(
    qtbot, fake_service: FakeService, blank: Record
) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    row = editor.row("progress_check.asq_communication_score")
    editor.go_to_field(row.fd.path)
    qtbot.keyClicks(row.field.focus_target(), "37")
    assert row.error.text() == "Scores go in steps of 5 (for example 0, 5, 10)."
    assert editor.record().get(row.fd.path) == 37


def test_whats_missing_click_jumps_to_the_field(
    qtbot, fake_service: FakeService, blank: Record
) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    assert "summary.day_one" in editor.missing_paths()
    target = editor.missing_item("summary.day_one")
    editor.missing.scrollToItem(target)
    rect = editor.missing.visualItemRect(target)
    qtbot.mouseClick(editor.missing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert editor.current_section() == "summary"
    assert editor.pages.currentWidget() is editor.section_pages["summary"]
    assert QApplication.focusWidget() is editor.row("summary.day_one").field.focus_target()

    qtbot.keyClicks(QApplication.focusWidget(), "Likes a wave at the gate.")
    qtbot.waitUntil(lambda: "summary.day_one" not in editor.missing_paths())


def test_typing_is_one_undo_step_and_undo_restores_the_widget(
    qtbot, fake_service: FakeService, blank: Record
) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    edit = editor.row("child.legal_forenames").field.focus_target()
    assert isinstance(edit, QLineEdit)
    editor.go_to_field("child.legal_forenames")
    qtbot.keyClicks(edit, "Wren")
    sex = editor.row("child.sex").field.focus_target()
    assert isinstance(sex, QComboBox)
    sex.setFocus()
    qtbot.keyClick(sex, Qt.Key.Key_Down)
    assert editor.record().get("child.sex") == "female"
    assert editor.undo_stack.count() == 2  # four keystrokes merged into one step, plus the choice

    editor.undo_stack.undo()
    assert editor.record().get("child.sex") is None
    assert sex.currentIndex() == 0
    editor.undo_stack.undo()
    assert edit.text() == ""
    assert editor.record().get("child.legal_forenames") is None
    assert editor.undo_stack.count() == 2  # undoing did not push new commands
    editor.undo_stack.redo()
    assert edit.text() == "Wren"


def test_ctrl_z_in_a_text_field_undoes_through_the_record_history(
    qtbot, fake_service: FakeService, blank: Record
) -> None:
    from PySide6.QtGui import QAction, QKeySequence

    editor = make_editor(qtbot, fake_service, blank)
    undo = editor.undo_stack.createUndoAction(editor)
    undo.setShortcut(QKeySequence("Ctrl+Z"))
    undo.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    editor.addAction(undo)
    assert isinstance(undo, QAction)
    editor.activateWindow()
    editor.go_to_field("child.preferred_name")
    edit = editor.row("child.preferred_name").field.focus_target()
    qtbot.keyClicks(edit, "Pip")
    qtbot.keyClick(edit, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert edit.text() == ""
    assert editor.record().get("child.preferred_name") is None


def test_autosave_after_a_pause(qtbot, fake_service: FakeService, blank: Record) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    editor.go_to_field("about_me.likes")
    qtbot.keyClicks(editor.row("about_me.likes").field.focus_target(), "Puddles")
    assert editor.save_state() == "Saving…"
    assert fake_service.saves == []
    qtbot.waitUntil(lambda: editor.save_state() == "Saved", timeout=2000)
    assert fake_service.records[blank.id].get("about_me.likes") == "Puddles"


def test_every_kind_round_trips_through_its_widget(
    qtbot, fake_service: FakeService, records: list[Record]
) -> None:
    record = next(r for r in records if r.get("send.status") == "sen_support")
    editor = make_editor(qtbot, fake_service, record)
    for fd in current_framework().iter_fields():
        assert editor.field_widget(fd.path).value() == record.get(fd.path), fd.path


def test_dates_set_and_clear(qtbot, fake_service: FakeService, blank: Record) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    field = editor.field_widget("child.date_of_birth")
    field.set_date(date(2021, 10, 3))
    assert editor.record().get("child.date_of_birth") == date(2021, 10, 3)
    qtbot.mouseClick(field.clear_button, Qt.MouseButton.LeftButton)
    assert editor.record().get("child.date_of_birth") is None
    assert field.edit.text() == ""
    assert field.edit.placeholderText() == "dd/mm/yyyy"
    editor.undo_stack.undo()
    assert field.value() == date(2021, 10, 3)
    assert field.edit.text() == "03/10/2021"


def test_dates_are_typed_day_first(qtbot, fake_service: FakeService, blank: Record) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    field = editor.field_widget("child.date_of_birth")
    field.edit.setFocus()
    qtbot.keyClicks(field.edit, "15/03/2021")
    assert editor.record().get("child.date_of_birth") == date(2021, 3, 15)  # taken as typed
    field.edit.clear()
    qtbot.keyClicks(field.edit, "1.3.21")
    field.edit.editingFinished.emit()
    assert editor.record().get("child.date_of_birth") == date(2021, 3, 1)
    assert field.edit.text() == "01/03/2021"  # tidied on leaving the field
    field.edit.clear()
    qtbot.keyClicks(field.edit, "31/02/2021")
    row = editor.row("child.date_of_birth")
    assert not row.error.isVisibleTo(row)  # nothing said while the person is still typing
    field.edit.editingFinished.emit()
    assert row.error.isVisibleTo(row)
    assert row.error.text() == "February has no 31st."  # the actual problem, not a format hint
    assert editor.record().entered("child.date_of_birth") == Unparsed("31/02/2021")  # kept as typed
    assert field.edit.text() == "31/02/2021"
    editor.undo_stack.undo()
    assert field.value() == date(2021, 3, 1)
    editor.undo_stack.undo()  # what was typed before leaving the field the first time
    assert field.value() is None


def test_dates_from_the_calendar(qtbot, fake_service: FakeService, blank: Record) -> None:
    from PySide6.QtCore import QDate

    editor = make_editor(qtbot, fake_service, blank)
    field = editor.field_widget("child.date_of_birth")
    assert field.calendar is None  # made when first opened
    field._prepare_calendar()
    assert field.calendar is not None
    field.calendar.clicked.emit(QDate(2021, 9, 4))
    assert editor.record().get("child.date_of_birth") == date(2021, 9, 4)
    assert field.edit.text() == "04/09/2021"


def test_typed_date_parsing() -> None:
    from ui.fields import parse_typed_date

    assert parse_typed_date("  ") is None
    assert parse_typed_date("15 March 2021") == date(2021, 3, 15)
    assert parse_typed_date("2021-03-15") == date(2021, 3, 15)
    assert parse_typed_date("15/03/99") == date(1999, 3, 15)
    for bad, why in (
        ("31/02/2021", "February has no 31st."),
        ("29/02/2021", "2021 is not a leap year, so February 2021 has no 29th."),
        ("31/04/2021", "April has no 31st."),
        ("31 June 2021", "June has no 31st."),
        ("15/13/2021", "There is no month 13: the month comes second, from 1 to 12."),
        ("2021-02-30", "February has no 30th."),
        ("yesterday", "Type the date as day/month/year, for example 15/03/2021."),
        ("15/03", "Type the date as day/month/year, for example 15/03/2021."),
    ):
        with pytest.raises(ValueError, match=re.escape(why)) as caught:
            parse_typed_date(bad)
        assert str(caught.value) == why
    assert parse_typed_date("29/02/2024") == date(2024, 2, 29)


def test_list_entries_add_fill_remove(qtbot, fake_service: FakeService, blank: Record) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    editor.go_to_field("send.professionals")
    field = editor.field_widget("send.professionals")
    qtbot.mouseClick(field.add_button, Qt.MouseButton.LeftButton)
    entry = field.entries[0]
    qtbot.keyClicks(entry.fields["service"].focus_target(), "Speech and language therapy")
    qtbot.keyClicks(entry.fields["person"].focus_target(), "Dr Una Example")
    status = entry.fields["status"].focus_target()
    status.setCurrentIndex(status.findData("waiting"))
    value = editor.record().get("send.professionals")
    assert value == (
        {
            "service": "Speech and language therapy",
            "person": Person(name="Dr Una Example"),
            "status": "waiting",
        },
    )
    qtbot.mouseClick(field.add_button, Qt.MouseButton.LeftButton)
    assert len(field.entries) == 2
    qtbot.mouseClick(
        field.entries[1].remove_button, Qt.MouseButton.LeftButton
    )  # empty: no question
    assert len(field.entries) == 1
    qtbot.mouseClick(field.add_button, Qt.MouseButton.LeftButton)
    asked: list[str] = []
    answer_next_question(qtbot, "Keep it", asked)
    qtbot.mouseClick(field.entries[0].remove_button, Qt.MouseButton.LeftButton)
    assert asked == [
        "Remove entry 1 of “Professionals involved”? What it holds goes with it. "
        "You can bring it back with Edit > Undo (Ctrl+Z)."
    ]
    assert len(editor.record().get("send.professionals")) == 2  # kept
    answer_next_question(qtbot, "Remove entry")
    qtbot.mouseClick(field.entries[0].remove_button, Qt.MouseButton.LeftButton)
    assert editor.record().get("send.professionals") == ({},)
    editor.undo_stack.undo()
    assert editor.record().get("send.professionals")[0]["service"] == "Speech and language therapy"
    assert field.entries[0].fields["service"].value() == "Speech and language therapy"


def test_a_role_that_may_not_sign_has_the_button_disabled_saying_who_can(
    qtbot, records: list[Record]
) -> None:
    service = FakeService(records, user="kim", role=Role.PRACTITIONER)
    editor = make_editor(qtbot, service, records[0])
    assert not editor.manager_button.isEnabled()
    assert editor.manager_button.toolTip() == (
        "Only a manager can give the manager's sign-off. Ask boss (Manager)."
    )
    assert not editor.send_button.isEnabled()
    assert editor.send_button.toolTip() == (
        "Only a SENCO can review the SEND section. Ask sen (SENCO) or the manager."
    )
    assert editor.signoff_button.isEnabled()
    editor.sign_off(SignOffScope.MANAGER)  # the menu's path: the service says the same
    assert editor.message_bar.text.text() == editor.manager_button.toolTip()
    assert editor.record().signoffs == []


def test_sign_off_then_change_shows_it_changed_and_undo_makes_it_valid(
    qtbot, fake_service: FakeService, records: list[Record]
) -> None:
    editor = make_editor(qtbot, fake_service, complete(records))
    qtbot.mouseClick(editor.signoff_button, Qt.MouseButton.LeftButton)
    assert editor.record().status == Status.SIGNED_OFF
    assert "Signed off" in editor.status_label.text()
    assert "Practitioner sign-off: sam (Manager), 2 Mar 2026" in editor.status_label.text()
    editor.go_to_field("about_me.friends")
    answer_next_question(qtbot, "Continue editing")
    qtbot.keyClicks(editor.row("about_me.friends").field.focus_target(), " And Bram.")
    assert editor.flush()
    assert editor.record().status == Status.DRAFT
    assert "changed since signed off by sam (Manager), 2 March" in editor.status_label.text()
    assert editor.record().signoff(SignOffScope.RECORD) is not None  # kept, no longer valid
    editor.undo_stack.undo()
    assert editor.flush()
    assert editor.record().status == Status.SIGNED_OFF
    assert "changed since" not in editor.status_label.text()


def test_save_refused_keeps_the_edit_and_says_so(
    qtbot, fake_service: FakeService, blank: Record
) -> None:
    editor = make_editor(qtbot, fake_service, blank)
    fake_service.fail_next_save = PermissionDenied("Your role cannot change records.")
    editor.go_to_field("child.legal_surname")
    qtbot.keyClicks(editor.row("child.legal_surname").field.focus_target(), "Example")
    assert not editor.flush()
    assert editor.save_state() == "Not saved"
    assert "cannot change records" in editor.message_bar.text.text()
    assert editor.record().get("child.legal_surname") == "Example"
    assert editor.flush()
    assert fake_service.records[blank.id].get("child.legal_surname") == "Example"


def test_front_sheet_is_the_pdfs_first_page(
    qtbot, fake_service: FakeService, records: list[Record]
) -> None:
    from transitions_app.services.preview_service import PreviewService

    record = next(r for r in records if r.get("send.status") == "sen_support")
    editor = RecordEditor(fake_service, record, today=lambda: TODAY, preview=PreviewService())
    qtbot.addWidget(editor)
    editor.resize(1366, 700)
    editor.show()
    with qtbot.waitSignal(editor.front_sheet_drawn, timeout=20000):
        editor.tabs.setCurrentIndex(1)
    assert editor.front_sheet.page_count() == 1
    text = " ".join(editor.front_sheet_text.split())
    assert "Front sheet for the Reception teacher" in text
    assert " ".join(record.get("summary.day_one").split()) in text
    assert "SEN support" in text
    assert "One thing to know on day one" in text
    assert editor.front_sheet.accessibleDescription() == editor.front_sheet_text


def test_safeguarding_flag_is_read_only_for_a_practitioner(qtbot, records: list[Record]) -> None:
    service = FakeService(records, user="kim", role=Role.PRACTITIONER)
    editor = make_editor(qtbot, service, records[0])
    assert not editor.field_widget("child.cin_cp").isEnabled()
    assert editor.field_widget("child.fsm_eypp").isEnabled()


def test_ready_for_review(qtbot, fake_service: FakeService, records: list[Record]) -> None:
    editor = make_editor(qtbot, fake_service, records[1])
    qtbot.mouseClick(editor.ready_button, Qt.MouseButton.LeftButton)
    assert fake_service.records[records[1].id].status == Status.READY_FOR_REVIEW
    assert "Ready for review" in editor.status_label.text()


def test_pages_not_visited_are_made_while_idle_and_show_the_record(
    qtbot, fake_service: FakeService, records: list[Record]
) -> None:
    """The editor makes the other sections' pages a slice at a time while the window is idle;
    visiting one then shows the record's values, and typing in it is an edit like any other."""
    record = records[0]
    editor = make_editor(qtbot, fake_service, record)
    assert len(editor.section_pages) < editor.nav.count()
    qtbot.waitUntil(lambda: len(editor.section_pages) == editor.nav.count(), timeout=10_000)
    for path, row in editor.rows.items():
        assert row.field.value() == record.entered(path), path
    editor.go_to_field("learning.cl_strengths")
    qtbot.keyClicks(QApplication.focusWidget(), "Shares the sand timer.")
    assert editor.record().get("learning.cl_strengths").endswith("Shares the sand timer.")
    assert editor.undo_stack.canUndo()
