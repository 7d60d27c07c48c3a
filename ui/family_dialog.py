"""The family's part in the window: the form that goes home, reading it back, the paper form,
the family's copy.

The editor gets a "Family" button (Family form…, Read a returned form…, Enter a paper form…,
Family's copy…) and the pictures panel on "All about me". A returned form can also be dropped on
the window. Reading a form never changes the record: :class:`ReturnDialog` shows, side by side,
what the record holds and what the family wrote; answers that need no choice are listed as taken
in, and for every answer that differs from what the setting wrote the person chooses (the
setting's words are kept unless they choose the family's). Slow work (making PDFs, reading a
form, cleaning a picture) runs off the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models.family import AnswerKind, Question, date_for_form, form_questions, parse_family_date
from models.record import FamilySource, Record
from ui.dialogs import busy_bar, plain_error
from ui.pictures import install_pictures
from ui.workers import run_in_background


def tr(text: str) -> str:
    return QCoreApplication.translate("family", text)


def _is_password_problem(exc: BaseException) -> bool:
    return type(exc).__name__ == "FormPasswordNeeded"


class ReturnDialog(QDialog):
    """What the family's answers change, side by side, with a choice wherever the setting wrote
    something else. Accept to take the answers in; cancel and nothing changes."""

    def __init__(self, preview: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        record: Record = preview.record
        paper = preview.source is FamilySource.PAPER
        self.setWindowTitle(
            (
                tr("The family's paper form for {child}")
                if paper
                else tr("The family's form for {child}")
            ).format(child=record.display_name)
        )
        self.setAccessibleName(self.windowTitle())
        intro = QLabel(
            tr(
                "Returned on {day}. Answers where the record was empty, or that change the "
                "family's own earlier words, are taken in. Where the family wrote something "
                "different from the setting, choose which to keep: the setting's words stay "
                "unless you choose the family's."
            ).format(day=f"{preview.returned_on.day} {preview.returned_on:%B %Y}"),
            self,
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for note in (preview.warning, *preview.problems):
            if note:
                label = QLabel(note, self)
                label.setObjectName("fieldError")
                label.setWordWrap(True)
                layout.addWidget(label)
        host = QWidget(self)
        grid = QGridLayout(host)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        heads = (tr("Question"), tr("In the record now"), tr("The family's answer"))
        for col, text in enumerate(heads):
            grid.addWidget(QLabel(f"<b>{text}</b>", host), 0, col)
        self._family_buttons: dict[str, QRadioButton] = {}
        self._setting_buttons: dict[str, QRadioButton] = {}
        if not preview.changes:
            grid.addWidget(
                QLabel(tr("The family's answers change nothing in the record."), host), 1, 0, 1, 3
            )
        for row, change in enumerate(preview.changes, start=1):
            question = QLabel(change.question, host)
            question.setWordWrap(True)
            grid.addWidget(question, row, 0, Qt.AlignmentFlag.AlignTop)
            ours = change.record_text(record) or tr("(empty)")
            theirs = change.family_text(record) or tr("(left empty)")
            if change.needs_choice:
                group = QButtonGroup(host)
                keep = QRadioButton(ours[:400], host)
                take = QRadioButton(theirs[:400], host)
                keep.setAccessibleName(
                    tr("Keep the setting's words for {q}").format(q=change.question)
                )
                take.setAccessibleName(
                    tr("Take the family's answer for {q}").format(q=change.question)
                )
                group.addButton(keep)
                group.addButton(take)
                keep.setChecked(True)
                grid.addWidget(keep, row, 1, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(take, row, 2, Qt.AlignmentFlag.AlignTop)
                self._family_buttons[change.path] = take
                self._setting_buttons[change.path] = keep
            else:
                now = QLabel(ours[:400], host)
                now.setWordWrap(True)
                added = QLabel(tr("{text}  (taken in)").format(text=theirs[:400]), host)
                added.setWordWrap(True)
                added.setObjectName("allDone")
                grid.addWidget(now, row, 1, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(added, row, 2, Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(host)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(self)
        self.all_family_button = buttons.addButton(
            tr("Choose all the family's &answers"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.all_family_button.setEnabled(bool(self._family_buttons))
        self.all_family_button.clicked.connect(self.choose_all_family)
        self.take_button = buttons.addButton(tr("&Take in"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, 560)

    def choose_all_family(self) -> None:
        for button in self._family_buttons.values():
            button.setChecked(True)

    def choose_family(self, path: str) -> None:
        self._family_buttons[path].setChecked(True)

    def take_family(self) -> set[str]:
        return {path for path, button in self._family_buttons.items() if button.isChecked()}


class PaperFormDialog(QDialog):
    """The form's questions, filled with what the record holds, for a person to type in what the
    family wrote on the printed form."""

    def __init__(self, record: Record, *, consent: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            tr("Enter the family's paper form for {child}").format(child=record.display_name)
        )
        self.setAccessibleName(self.windowTitle())
        self.questions: tuple[Question, ...] = form_questions(consent=consent)
        intro = QLabel(
            tr(
                "Type in what the family wrote, changing the boxes below. Answers are marked as "
                "from the family's paper form. Next shows what changes before anything is saved."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.form_number = QLineEdit(self)
        self.form_number.setPlaceholderText(tr("for example K7Q2-M9XD"))
        self.form_number.setAccessibleName(tr("Form number"))
        host = QWidget(self)
        form = QFormLayout(host)
        number_label = QLabel(
            tr("Form &number (at the foot of each page, if you can read it):"), host
        )
        number_label.setBuddy(self.form_number)
        number_label.setWordWrap(True)
        form.addRow(number_label, self.form_number)
        self.shown: dict[str, Any] = {}
        self.widgets: dict[str, Any] = {}
        for q in self.questions:
            value = record.get(q.path)
            if q.kind is AnswerKind.NOTE:
                widget: Any = QPlainTextEdit(host)
                widget.setTabChangesFocus(True)
                widget.setPlainText(str(value or ""))
                widget.setFixedHeight(64)
            elif q.kind is AnswerKind.CHECK:
                widget = QCheckBox(host)
                widget.setChecked(value is True)
            elif q.kind is AnswerKind.CHOICES:
                widget = {opt: QCheckBox(label, host) for opt, label in q.options}
                box = QWidget(host)
                row = QVBoxLayout(box)
                row.setContentsMargins(0, 0, 0, 0)
                for opt, check in widget.items():
                    check.setChecked(opt in (value or ()))
                    check.setAccessibleName(f"{q.label} {check.text()}")
                    row.addWidget(check)
                label = QLabel(q.label, host)
                label.setWordWrap(True)
                form.addRow(label, box)
                self.widgets[q.path] = widget
                self.shown[q.path] = value
                continue
            else:
                widget = QLineEdit(host)
                widget.setText(
                    date_for_form(value) if isinstance(value, date) else str(value or "")
                )
            widget.setAccessibleName(q.label)
            label = QLabel(q.label, host)
            label.setWordWrap(True)
            label.setBuddy(widget)
            form.addRow(label, widget)
            self.widgets[q.path] = widget
            self.shown[q.path] = value
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(host)
        self.problem = QLabel(self)
        self.problem.setObjectName("fieldError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        buttons = QDialogButtonBox(self)
        self.next_button = buttons.addButton(tr("&Next"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(760, 640)

    def answers(self) -> dict[str, Any]:
        """The typed answers; raises ValueError naming a date that cannot be read."""
        out: dict[str, Any] = {}
        for q in self.questions:
            widget = self.widgets[q.path]
            if q.kind is AnswerKind.NOTE:
                out[q.path] = widget.toPlainText().strip() or None
            elif q.kind is AnswerKind.CHECK:
                out[q.path] = widget.isChecked()
            elif q.kind is AnswerKind.CHOICES:
                out[q.path] = (
                    tuple(opt for opt, check in widget.items() if check.isChecked()) or None
                )
            elif q.kind is AnswerKind.DATE:
                text = widget.text().strip()
                parsed = parse_family_date(text) if text else None
                if text and parsed is None:
                    raise ValueError(
                        tr("“{text}” is not a date: write it as day/month/year.").format(text=text)
                    )
                out[q.path] = parsed
            else:
                out[q.path] = " ".join(widget.text().split()) or None
        return out

    def _check(self) -> None:
        try:
            self.answers()
        except ValueError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        self.accept()


class SaveOptionsDialog(QDialog):
    """A short explanation and an optional password, before choosing where to save."""

    def __init__(self, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        intro = QLabel(text, self)
        intro.setWordWrap(True)
        self.lock = QCheckBox(
            tr("&Lock it with a password (tell the family the password by phone)"), self
        )
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(tr("Password"))
        self.password.setEnabled(False)
        self.lock.toggled.connect(self.password.setEnabled)
        self.problem = QLabel(self)
        self.problem.setObjectName("fieldError")
        self.problem.hide()
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(
            tr("&Save as…"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.lock)
        layout.addWidget(self.password)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        self.resize(520, 220)

    def chosen_password(self) -> str | None:
        return self.password.text() if self.lock.isChecked() else None

    def _check(self) -> None:
        if self.lock.isChecked() and len(self.password.text()) < 6:
            self.problem.setText(
                tr("Choose a password of at least 6 characters, or untick the lock.")
            )
            self.problem.show()
            return
        self.accept()


class FormReader(QObject):
    """Reads a returned form (chosen or dropped) off the UI thread, asks for its password when it
    is locked, shows :class:`ReturnDialog` and takes the answers in as the person chose."""

    def __init__(
        self,
        host: QWidget,
        service: Any,
        *,
        say: Callable[[str, str], None],
        applied: Callable[[Record], None],
        run_modal: Callable[[QDialog], int],
        before: Callable[[], bool] = lambda: True,
        busy: QWidget | None = None,
    ) -> None:
        super().__init__(host)
        self.host = host
        self.service = service
        self.say = say
        self._applied = applied
        self._run_modal = run_modal
        self._before = before
        self._busy = busy
        self.last_dialog: QDialog | None = None

    def background(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        if self._busy is not None:
            self._busy.show()

        def ok(result: Any) -> None:
            if self._busy is not None:
                self._busy.hide()
            done(result)

        def bad(exc: BaseException) -> None:
            if self._busy is not None:
                self._busy.hide()
            (failed or (lambda e: self.say(plain_error(e), "warning")))(exc)

        run_in_background(work, ok, bad, owner=self.host)

    def read_returned(self, path: Path, password: str | None = None) -> None:
        if not self._before():
            return
        service = self.service

        def work() -> Any:
            return service.read_return_file(path, password=password)

        def failed(exc: BaseException) -> None:
            if _is_password_problem(exc) and password is None:
                given, ok = QInputDialog.getText(
                    self.host,
                    tr("Password for the family form"),
                    tr(
                        "{name} is locked with a password. Type the password it was sent with:"
                    ).format(name=path.name),
                    QLineEdit.EchoMode.Password,
                )
                if ok and given:
                    self.read_returned(path, given)
                return
            self.say(plain_error(exc), "warning")

        self.background(work, self.review, failed)

    def review(self, preview: Any) -> None:
        """Show what the answers change; take them in if the person says so."""
        dialog = ReturnDialog(preview, self.host)
        self.last_dialog = dialog
        if not self._run_modal(dialog):
            self.say(tr("Nothing was changed; you can read the form in again later."), "info")
            return
        try:
            result = self.service.apply_return(preview, dialog.take_family())
        except Exception as exc:  # noqa: BLE001 - shown as one plain sentence
            self.say(plain_error(exc), "warning")
            return
        self._applied(result.record)
        message = tr("Took in {n} answer(s) from the family for {child}.").format(
            n=len(result.taken), child=result.record.display_name
        )
        if result.kept:
            message += " " + tr("Kept the setting's words for {n}.").format(n=len(result.kept))
        self.say(message, "info")


class FamilyTools(QObject):
    """The Family button of one editor (and its pictures panel)."""

    def __init__(
        self,
        editor: Any,
        service: Any,
        *,
        applied: Callable[[Record], None],
        run_modal: Callable[[QDialog], int] | None = None,
    ) -> None:
        super().__init__(editor)
        self.editor = editor
        self.service = service
        self._run_modal = run_modal or (lambda dialog: int(dialog.exec()))
        self.busy = busy_bar(editor)
        self.reader = FormReader(
            editor,
            service,
            say=editor.message_bar.show_message,
            applied=applied,
            run_modal=self._run_modal,
            before=editor.flush,
            busy=self.busy,
        )
        self.button = QToolButton(editor)
        self.button.setText(tr("Famil&y"))
        self.button.setToolTip(tr("The form that goes home to the family, and the family's copy"))
        self.button.setAccessibleName(tr("Family"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.button)
        self.form_action = menu.addAction(tr("Family &form…"), self.make_form)
        self.read_action = menu.addAction(tr("&Read a returned form…"), self.choose_returned)
        self.paper_action = menu.addAction(tr("Enter a &paper form…"), self.enter_paper)
        menu.addSeparator()
        self.copy_action = menu.addAction(tr("Family's &copy…"), self.make_copy)
        self.button.setMenu(menu)
        editor.add_header_widget(self.button)
        editor.add_header_widget(self.busy)
        install_pictures(editor, service.picture_from_file)

    @property
    def last_dialog(self) -> QDialog | None:
        return self._last or self.reader.last_dialog

    _last: QDialog | None = None

    def say(self, text: str, kind: str = "info") -> None:
        self.editor.message_bar.show_message(text, kind)

    def _save_as(self, caption: str, name: str) -> Path | None:
        out, _ = QFileDialog.getSaveFileName(self.editor, caption, name, tr("PDF (*.pdf)"))
        return Path(out) if out else None

    def _options(self, title: str, text: str) -> SaveOptionsDialog | None:
        dialog = SaveOptionsDialog(title, text, self.editor)
        self._last = dialog
        return dialog if self._run_modal(dialog) else None

    # --- the form that goes home -------------------------------------------------------------------

    def make_form(self) -> None:
        if not self.editor.flush():
            return
        record = self.editor.record()
        dialog = self._options(
            tr("Family form for {child}").format(child=record.display_name),
            tr(
                "A short form for {child}'s family to fill in on a phone, tablet or computer, or "
                "to print: All about me, the family's voice and, where the charter asks, consent. "
                "It is filled in with what the record holds, so the family only corrects and adds. "
                "When it comes back, drop it on the window or use Read a returned form."
            ).format(child=record.display_name),
        )
        if dialog is None:
            return
        out = self._save_as(tr("Save the family form"), f"{record.display_name} - family form.pdf")
        if out is None:
            return
        service, password, record_id = self.service, dialog.chosen_password(), record.id

        def work() -> Any:
            made = service.make_form(record_id, password=password)
            service.save_file(out, made.pdf)
            return made

        self.reader.background(
            work,
            lambda made: self.say(
                tr(
                    "Family form {ref} saved to {path}. Send it to the family; when it comes back, "
                    "drop it on the window."
                ).format(ref=made.reference, path=out)
            ),
        )

    # --- coming back -------------------------------------------------------------------------------

    def choose_returned(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self.editor, tr("A returned family form"), "", tr("PDF (*.pdf)")
        )
        if name:
            self.reader.read_returned(Path(name))

    def read_returned(self, path: Path) -> None:
        self.reader.read_returned(path)

    def enter_paper(self) -> None:
        if not self.editor.flush():
            return
        record = self.editor.record()
        dialog = PaperFormDialog(
            record, consent=bool(self.service.asks_consent()), parent=self.editor
        )
        self._last = dialog
        if not self._run_modal(dialog):
            return
        try:
            preview = self.service.paper_preview(
                record.id, dialog.answers(), serial=dialog.form_number.text(), shown=dialog.shown
            )
        except Exception as exc:  # noqa: BLE001 - shown as one plain sentence
            self.say(plain_error(exc), "warning")
            return
        self._last = None
        self.reader.review(preview)

    # --- the family's copy ----------------------------------------------------------------------

    def make_copy(self) -> None:
        if not self.editor.flush():
            return
        record = self.editor.record()
        dialog = self._options(
            tr("Family's copy for {child}").format(child=record.display_name),
            tr(
                "The record as {child}'s family will see it, in plain words: everything the school "
                "will be sent, with the family's own words shown as theirs and a note on what to "
                "do if they disagree. The safeguarding flag and private contact details are left out."
            ).format(child=record.display_name),
        )
        if dialog is None:
            return
        out = self._save_as(
            tr("Save the family's copy"), f"{record.display_name} - family copy.pdf"
        )
        if out is None:
            return
        service, password, record_id = self.service, dialog.chosen_password(), record.id

        def work() -> str:
            copy = service.family_copy(record_id, password=password)
            service.save_file(out, copy.pdf)
            return str(copy.note)

        self.reader.background(
            work,
            lambda note: self.say(
                tr("The family's copy was saved to {path}. {note}").format(path=out, note=note)
            ),
        )


def read_dropped(window: Any, service: Any, paths: list[Path]) -> None:
    """Files dropped on the window of a setting: returned family forms are read (each shown for
    a choice), pictures go to the open record's All about me."""
    from ui.pictures import PicturesPanel, picture_paths

    forms = [p for p in paths if p.suffix.lower() == ".pdf"]
    pictures = picture_paths(paths)
    if pictures:
        editor = window.editor
        panel = editor.findChild(PicturesPanel) if editor is not None else None
        if panel is None:
            window.message_bar.show_message(
                tr("Open a child's record, then drop the pictures on its All about me page."),
                "info",
            )
        else:
            for path in pictures:
                panel.add_file(path)
    if not forms:
        if not pictures:
            window.message_bar.show_message(
                tr("Drop a returned family form (PDF) or a picture (PNG or JPEG) here."), "info"
            )
        return
    reader = FormReader(
        window,
        service,
        say=window.message_bar.show_message,
        applied=window._family_applied,
        run_modal=window._run_modal,
        before=lambda: window.editor.flush() if window.editor is not None else True,
    )
    window.family_reader = reader
    for path in forms:
        reader.read_returned(path)


def install_family_tools(
    editor: Any,
    service: Any,
    *,
    applied: Callable[[Record], None],
    run_modal: Callable[[QDialog], int] | None = None,
) -> FamilyTools:
    return FamilyTools(editor, service, applied=applied, run_modal=run_modal)
