"""The family's part in the window, driven as a person would: pictures added with the button and
by dropping files, undone and removed; the family form made from the editor's Family button,
filled, dropped back on the window and taken in through the side-by-side choice; a paper form
typed in; the family's copy saved."""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QInputDialog, QLineEdit, QWidget

from models.pictures import prepare_picture
from tests.pictures_helpers import SECRET_TEXT, drawing_png, photo_jpeg, truncated_jpeg
from tests.ui.conftest import CHEAP_KDF, TODAY, CheapVaultAccess, FakeService
from transitions_app.app import WindowServices
from transitions_app.services.demo import DEMO_PASSWORD, create_demo_vault
from transitions_app.services.family_service import read_picture_file
from ui.editor import RecordEditor
from ui.family_dialog import PaperFormDialog, ReturnDialog, SaveOptionsDialog
from ui.main_window import MainWindow
from ui.pictures import PicturesPanel, install_pictures

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
LIKES = "Dinosaurs and the big red slide – i łódki!"


def _prepare(path: Path, caption: str):  # type: ignore[no-untyped-def]
    return prepare_picture(read_picture_file(path), caption)


def _editor(qtbot, service: FakeService) -> RecordEditor:  # type: ignore[no-untyped-def]
    record = service.list_records()[0]
    editor = RecordEditor(service, record, today=lambda: TODAY)
    install_pictures(editor, _prepare)
    qtbot.addWidget(editor)
    editor.resize(1366, 760)
    editor.show()
    qtbot.waitExposed(editor)
    editor.show_section("about_me")
    return editor


def _drop(target: QWidget, paths: list[Path]) -> tuple[bool, bool]:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    where = QPointF(target.rect().center())
    enter = QDragEnterEvent(
        where.toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(target, enter)
    drop = QDropEvent(
        where,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    if enter.isAccepted():
        QApplication.sendEvent(target, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_pictures_added_dropped_undone_and_removed(
    qtbot, fake_service: FakeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = _editor(qtbot, fake_service)
    panel = editor.findChild(PicturesPanel)
    assert panel is not None
    assert panel.isVisible()
    assert panel.list.count() == 0
    drawing = tmp_path / "drawing.png"
    drawing.write_bytes(drawing_png())
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(drawing)], ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("My house and the sun", True))
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=10_000)
    assert panel.list.item(0).text() == "My house and the sun"
    assert not panel.list.item(0).icon().isNull()

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photo_jpeg())
    assert _drop(panel, [photo]) == (True, True)
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=10_000)
    assert editor.flush()
    saved = fake_service.records[editor.record_id]
    assert [p.caption for p in saved.pictures] == ["My house and the sun", ""]
    assert SECRET_TEXT.encode() not in saved.pictures[0].data

    editor.undo_stack.undo()  # the dropped photo goes again
    assert panel.list.count() == 1
    editor.undo_stack.redo()
    assert panel.list.count() == 2

    panel.list.setCurrentRow(1)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("At the park", True))
    qtbot.mouseClick(panel.caption_button, Qt.MouseButton.LeftButton)
    assert panel.list.item(1).text() == "At the park"
    panel.list.setCurrentRow(0)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert [panel.list.item(i).text() for i in range(panel.list.count())] == ["At the park"]
    assert editor.flush()
    assert [p.caption for p in fake_service.records[editor.record_id].pictures] == ["At the park"]


def test_hostile_pictures_are_refused_with_a_plain_line(
    qtbot, fake_service: FakeService, tmp_path: Path
) -> None:
    editor = _editor(qtbot, fake_service)
    panel = editor.findChild(PicturesPanel)
    bad = tmp_path / "cut.jpg"
    bad.write_bytes(truncated_jpeg())
    panel.add_file(bad)
    qtbot.waitUntil(lambda: panel.message.isVisible(), timeout=10_000)
    assert "damaged or incomplete" in panel.message.text()
    assert panel.list.count() == 0
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    assert _drop(panel, [text]) == (False, False)  # not offered as a picture at all
    assert not editor.is_dirty()


# --- the form, through the window --------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("family-ui") / "vault"
    create_demo_vault(directory, children=4, seed=6, kdf=CHEAP_KDF, today=NOW.date())
    return directory


@pytest.fixture
def window(qtbot, demo_template: Path, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    directory = tmp_path / "vault"
    shutil.copytree(demo_template, directory)
    session = CheapVaultAccess.open(directory, "keyperson", DEMO_PASSWORD)
    win = MainWindow(
        CheapVaultAccess, directory, session, services=WindowServices(clock=lambda: NOW, workers=1)
    )
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    return win


def when_modal(kind: type, act: Callable[[QWidget], None]) -> None:
    """Once a modal dialog of ``kind`` is up (its own event loop running), ``act`` on it."""
    deadline = time.monotonic() + 20

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            act(dialog)
        elif time.monotonic() < deadline:
            QTimer.singleShot(30, poll)

    QTimer.singleShot(30, poll)


def _fill(pdf: bytes, answers: dict[str, str]) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for field in doc.Root.AcroForm.Fields:
            if str(field.T) in answers:
                field.V = pikepdf.String(answers[str(field.T)])
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def test_family_form_made_returned_by_drop_and_taken_in_with_a_choice(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = window.service.list_records()[0]
    window.open_record(record.id)
    tools = window.family_tools
    assert tools is not None
    assert tools.button.isVisible()
    assert [a.text() for a in tools.button.menu().actions() if a.text()] == [
        "Family &form…",
        "&Read a returned form…",
        "Enter a &paper form…",
        "Family's &copy…",
    ]
    out = tmp_path / "form.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    when_modal(
        SaveOptionsDialog, lambda d: qtbot.mouseClick(d.save_button, Qt.MouseButton.LeftButton)
    )
    tools.form_action.trigger()
    qtbot.waitUntil(lambda: "saved to" in window.editor.message_bar.text.text(), timeout=20_000)
    assert out.exists()

    returned = tmp_path / "returned.pdf"
    returned.write_bytes(
        _fill(out.read_bytes(), {"about_me__likes": LIKES, "family__lives_with": "Mum and Grandad"})
    )
    seen: dict[str, object] = {}

    def choose(dialog: QWidget) -> None:
        assert isinstance(dialog, ReturnDialog)
        seen["title"] = dialog.windowTitle()
        seen["choices"] = sorted(dialog._family_buttons)
        take = dialog._family_buttons["about_me.likes"]
        qtbot.mouseClick(take, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.take_button, Qt.MouseButton.LeftButton)

    when_modal(ReturnDialog, choose)
    assert _drop(window, [returned]) == (True, True)
    qtbot.waitUntil(
        lambda: window.editor is not None and window.editor.record().get("about_me.likes") == LIKES,
        timeout=20_000,
    )
    assert seen["title"] == f"The family's form for {record.display_name}"
    assert "about_me.likes" in seen["choices"]
    stored = window.service.load(record.id)
    assert stored.get("about_me.likes") == LIKES
    assert stored.get("family.lives_with") == "Mum and Grandad"
    assert (
        stored.provenance["about_me.likes"] == "From the family's form, returned on 1 October 2026"
    )
    assert (
        "Took in" in window.message_bar.text.text()
        or "Took in" in window.editor.message_bar.text.text()
    )

    # the same file again: refused plainly, nothing changes
    _drop(window, [returned])
    qtbot.waitUntil(lambda: "already read in" in window.message_bar.text.text(), timeout=20_000)
    assert QApplication.activeModalWidget() is None  # no choice offered
    assert window.service.load(record.id).family_returns == stored.family_returns


def test_cancelling_the_choice_changes_nothing(qtbot, window: MainWindow, tmp_path: Path) -> None:
    record = window.service.list_records()[1]
    made = window.services.family(window.service).make_form(record.id)  # type: ignore[union-attr]
    returned = tmp_path / "returned.pdf"
    returned.write_bytes(_fill(made.pdf, {"about_me__likes": LIKES}))
    before = window.service.load(record.id)
    when_modal(ReturnDialog, lambda d: d.reject())
    _drop(window, [returned])
    qtbot.waitUntil(lambda: "Nothing was changed" in window.message_bar.text.text(), timeout=20_000)
    after = window.service.load(record.id)
    assert after.values == before.values
    assert after.family_returns == ()


def test_paper_form_typed_in_from_the_editor(qtbot, window: MainWindow) -> None:
    record = window.service.list_records()[2]
    window.open_record(record.id)
    tools = window.family_tools

    def type_in(dialog: QWidget) -> None:
        assert isinstance(dialog, PaperFormDialog)
        box = dialog.widgets["family.lives_with"]
        assert isinstance(box, QLineEdit)
        box.clear()
        qtbot.keyClicks(box, "Dad, Nan and two sisters")
        when_modal(
            ReturnDialog, lambda d: qtbot.mouseClick(d.take_button, Qt.MouseButton.LeftButton)
        )
        qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)

    when_modal(PaperFormDialog, type_in)
    tools.paper_action.trigger()
    qtbot.waitUntil(lambda: window.service.load(record.id).family_returns != (), timeout=20_000)
    stored = window.service.load(record.id)
    if record.get("family.lives_with"):
        assert stored.get("family.lives_with") == record.get(
            "family.lives_with"
        )  # a choice, not taken
    else:
        assert stored.get("family.lives_with") == "Dad, Nan and two sisters"
        assert (
            stored.provenance["family.lives_with"]
            == "From the family's paper form, returned on 1 October 2026"
        )
    assert stored.family_returns[0].source.value == "paper"


def test_family_copy_saved_from_the_editor_locked_with_a_password(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = window.service.list_records()[0]
    window.open_record(record.id)
    out = tmp_path / "copy.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))

    def lock(dialog: QWidget) -> None:
        assert isinstance(dialog, SaveOptionsDialog)
        qtbot.mouseClick(dialog.lock, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(dialog.password, "abc")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.problem.isVisible()  # too short
        qtbot.keyClicks(dialog.password, "-copy-2026")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    when_modal(SaveOptionsDialog, lock)
    window.family_tools.copy_action.trigger()
    qtbot.waitUntil(out.exists, timeout=20_000)
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(out)
    with pikepdf.open(out, password="abc-copy-2026") as pdf:
        assert len(pdf.pages) >= 3


def test_dialogs_have_keyboard_paths(qtbot, window: MainWindow) -> None:
    record = window.service.list_records()[0]
    dialog = PaperFormDialog(record, consent=True, parent=window)
    qtbot.addWidget(dialog)
    for q in dialog.questions:
        widget = dialog.widgets[q.path]
        if isinstance(widget, dict):
            assert all(w.accessibleName() for w in widget.values())
        else:
            assert widget.accessibleName() == q.label
    assert isinstance(dialog, QDialog)
