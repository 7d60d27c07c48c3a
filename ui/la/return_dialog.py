"""Setting ▸ Return to the LA… (or School ▸): the manager or headteacher sees, in plain language,
the counts the vault's return will hold for an academic year, then saves the signed file to send
to the local authority. Counting and signing run off the UI thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.la.returns import LaReturn, Period
from ui.dialogs import busy_bar, plain_error
from ui.workers import run_in_background

YEARS_BACK = 3


def tr(text: str) -> str:
    return QCoreApplication.translate("la", text)


class ReturnMaker(Protocol):
    """``transitions_app.services.la_service.LaReturnService`` fits."""

    def default_period(self) -> Period: ...

    def make_return(self, period: Period | None = None) -> LaReturn: ...

    def save_return(self, path: Path, period: Period | None = None) -> LaReturn: ...


class LaReturnDialog(QDialog):
    def __init__(self, maker: ReturnMaker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Return to the local authority"))
        self.maker = maker
        self.content: LaReturn | None = None
        self.saved: Path | None = None
        intro = QLabel(
            tr(
                "The return holds counts only: no child is named, and counts from 1 to 4 are shown "
                "as “suppressed”. It is signed with the certificate your LA issued to you."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.year = QComboBox(self)
        self.year.setAccessibleName(tr("Academic year"))
        current = maker.default_period()
        for n in range(YEARS_BACK + 1):
            period = Period(current.start_year - n)
            self.year.addItem(period.label, period)
        form = QFormLayout()
        label = QLabel(tr("Academic &year:"), self)
        label.setBuddy(self.year)
        form.addRow(label, self.year)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName(tr("What the return says"))
        self.preview.setMinimumSize(640, 320)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Message"))
        self.busy = busy_bar(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button: QPushButton = buttons.addButton(
            tr("&Save the signed return…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.clicked.connect(self._choose_file)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.message)
        lay.addWidget(self.busy)
        lay.addWidget(buttons)
        self.year.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh()

    def period(self) -> Period:
        value: Any = self.year.currentData()
        return value if isinstance(value, Period) else self.maker.default_period()

    def refresh(self) -> None:
        """Count again for the chosen year (in the background)."""
        self.save_button.setEnabled(False)
        self.busy.show()
        period = self.period()
        run_in_background(
            lambda: self.maker.make_return(period), self._shown, self._failed, owner=self
        )

    def _shown(self, content: LaReturn) -> None:
        self.busy.hide()
        self.content = content
        self.preview.setPlainText("\n\n".join(content.summary_lines()))
        self.message.setText("")
        self.save_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.content = None
        self.preview.clear()
        self.message.setText(plain_error(exc))

    def _choose_file(self) -> None:
        if self.content is None:
            return
        from_name = (
            f"la-return-{self.content.kind}-{self.content.urn}-{self.content.period.label}.json"
        )
        path, _ = QFileDialog.getSaveFileName(
            self, tr("Save the signed return"), from_name, tr("Returns (*.json)")
        )
        if path:
            self.save(Path(path))

    def save(self, path: Path) -> None:
        """Sign and write the return for the chosen year (in the background)."""
        self.save_button.setEnabled(False)
        self.busy.show()
        period = self.period()

        def done(content: LaReturn) -> None:
            self.busy.hide()
            self.saved = path
            self.save_button.setEnabled(True)
            self.message.setText(
                tr(
                    "Saved the signed return for {year} to {path}. Send it to your local authority."
                ).format(year=content.period.label, path=str(path))
            )

        run_in_background(
            lambda: self.maker.save_return(path, period), done, self._failed, owner=self
        )
