"""Setting ▸ Phrase bank…: the manager's list of the setting's phrases per kind of field (change,
remove, add, put the examples back, or start again when the stored bank is damaged). The popup
that inserts a phrase and the save dialog are in :mod:`ui.phrases`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QSignalBlocker,
    Qt,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.framework.registry import current_framework
from models.phrases import (
    MAX_PHRASE,
    Phrase,
    PhraseBank,
    PhraseField,
    phrase_fields,
)
from ui.dialogs import plain_error
from ui.fields import ftr
from ui.phrases import (
    INSERT_SHORTCUT,
    SAVE_SHORTCUT,
    PhraseListModel,
    PhraseSource,
    list_view,
    shortcut_text,
    tr,
)


class PhraseBankDialog(QDialog):
    """Setting ▸ Phrase bank…: the setting's phrases per kind of field. A manager changes,
    removes and adds them and can put the examples back; others can only read the list."""

    def __init__(self, service: PhraseSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phraseBankDialog")
        self.setWindowTitle(tr("Phrase bank"))
        self._service = service
        self._curates = service.can_curate()
        self._saves = service.can_save()
        self._bank = PhraseBank()
        self._damaged = False
        self._fields: list[PhraseField] = list(phrase_fields(current_framework()))

        intro = QLabel(
            tr(
                "Sentences the setting uses often. In a record, press {keys} in a writing box to "
                "insert one; anyone can save their own sentence with {save}. Examples are there "
                "to be changed into your setting's own words."
            ).format(keys=shortcut_text(INSERT_SHORTCUT), save=shortcut_text(SAVE_SHORTCUT)),
            self,
        )
        intro.setWordWrap(True)
        self.banner = QLabel(self)
        self.banner.setObjectName("helpText")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(tr("About the bank"))
        self.start_again_button = QPushButton(tr("Start a&gain with the examples"), self)
        self.start_again_button.hide()

        self.field = QComboBox(self)
        self.field.setAccessibleName(tr("Kind of box"))
        field_label = QLabel(tr("&Kind of box:"), self)
        field_label.setBuddy(self.field)
        self.model = PhraseListModel(self)
        self.list = list_view(self.model, tr("Phrases for this kind of box"), self)
        self.text = QLineEdit(self)
        self.text.setMaxLength(MAX_PHRASE)
        self.text.setAccessibleName(tr("Phrase words"))
        self.text.setPlaceholderText(tr("Choose a phrase to change it, or type a new one"))
        text_label = QLabel(tr("&Words:"), self)
        text_label.setBuddy(self.text)

        self.add_button = QPushButton(tr("&Add as a new phrase"), self)
        self.change_button = QPushButton(tr("C&hange to these words"), self)
        self.remove_button = QPushButton(tr("&Remove"), self)
        self.examples_button = QPushButton(tr("Put back the e&xamples"), self)
        self.examples_button.setToolTip(tr("Add the starter examples the bank no longer has"))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(tr("Phrase bank message"))
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)

        form = QGridLayout()
        form.addWidget(field_label, 0, 0)
        form.addWidget(self.field, 0, 1)
        form.addWidget(self.list, 1, 0, 1, 2)
        form.addWidget(text_label, 2, 0)
        form.addWidget(self.text, 2, 1)
        form.setRowStretch(1, 1)
        form.setColumnStretch(1, 1)
        row = QHBoxLayout()
        for b in (self.add_button, self.change_button, self.remove_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.examples_button)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.banner)
        lay.addWidget(self.start_again_button)
        lay.addLayout(form, 1)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addWidget(close)
        self.resize(760, 560)

        self.field.currentIndexChanged.connect(lambda _i: self._show_field())
        self.list.selectionModel().currentChanged.connect(lambda *_a: self._picked())
        self.text.textChanged.connect(lambda _t: self._sync())
        self.text.returnPressed.connect(self._enter)
        self.add_button.clicked.connect(self.add_phrase)
        self.change_button.clicked.connect(self.change_phrase)
        self.remove_button.clicked.connect(self.remove_phrase)
        self.examples_button.clicked.connect(
            lambda: self._run(self._service.add_examples, tr("The examples are back."))
        )
        self.start_again_button.clicked.connect(
            lambda: self._run(
                self._service.start_again, tr("The phrase bank starts again with the examples.")
            )
        )
        self._load()
        first = next((i for i, f in enumerate(self._fields) if self._bank.for_field(f.key)), 0)
        self.field.setCurrentIndex(first)
        self._show_field()

    # --- data ----------------------------------------------------------------------------------

    def _load(self) -> None:
        damaged = ""
        try:
            self._bank = self._service.bank()
        except TransitionsError as exc:
            self._bank, damaged = PhraseBank(), plain_error(exc)
        known = {f.key for f in self._fields}
        self._fields += [
            PhraseField(k, k.replace("_", " "), ())
            for k in self._bank.field_keys()
            if k not in known
        ]
        current = self.field.currentIndex()
        with QSignalBlocker(self.field):
            self.field.clear()
            for f in self._fields:
                label = ftr(f.label)
                if len(f.places) > 1:
                    label = tr("{label} (in {n} places)").format(label=label, n=len(f.places))
                count = len(self._bank.for_field(f.key))
                if count:
                    label = tr("{label} · {n} phrase(s)").format(label=label, n=count)
                self.field.addItem(label, f.key)
                self.field.setItemData(
                    self.field.count() - 1, "\n".join(f.places), Qt.ItemDataRole.ToolTipRole
                )
            self.field.setCurrentIndex(max(current, 0))
        lines = []
        if damaged:
            lines.append(damaged)
        elif not self._service.has_own_bank():
            lines.append(
                tr(
                    "Your setting has no phrases of its own yet: these are the starter examples. "
                    "Change them into your own words, remove them, or add new ones."
                )
            )
        if not self._curates:
            lines.append(tr("Only a manager can change or remove phrases."))
        self.banner.setText("\n".join(lines))
        self.banner.setVisible(bool(self.banner.text()))
        self.start_again_button.setVisible(bool(damaged) and self._curates)
        has_all = self._bank.with_examples() == self._bank
        self.examples_button.setEnabled(self._curates and not damaged and not has_all)
        self._damaged = bool(damaged)

    def current_key(self) -> str:
        return str(self.field.currentData() or "")

    def phrases(self) -> list[str]:
        """The texts listed now (for the kind of box chosen)."""
        return [p.text for p in self.model.phrases()]

    def select_field(self, key: str) -> None:
        index = self.field.findData(key)
        if index >= 0:
            self.field.setCurrentIndex(index)

    def _show_field(self) -> None:
        self.model.set_phrases(self._bank.for_field(self.current_key()))
        self.text.clear()
        if self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0, 0))
        self._sync()

    def _selected(self) -> Phrase | None:
        index = self.list.currentIndex()
        value = index.data(PhraseListModel.PHRASE_ROLE) if index.isValid() else None
        return value if isinstance(value, Phrase) else None

    def _picked(self) -> None:
        phrase = self._selected()
        if phrase is not None:
            self.text.setText(phrase.text)
        self._sync()

    def _sync(self) -> None:
        chosen = self._selected()
        words = " ".join(self.text.text().split())
        ok = not self._damaged
        self.add_button.setEnabled(
            ok and self._saves and bool(words) and words not in self.phrases()
        )
        self.change_button.setEnabled(
            ok and self._curates and chosen is not None and bool(words) and words != chosen.text
        )
        self.remove_button.setEnabled(ok and self._curates and chosen is not None)
        self.text.setReadOnly(not self._saves)

    # --- actions -------------------------------------------------------------------------------

    def _run(self, action: Any, done: str, select: str = "") -> bool:
        key = self.current_key()
        try:
            action()
        except TransitionsError as exc:
            self.status.setText(plain_error(exc))
            return False
        self._load()
        self.select_field(key)
        self._show_field()
        if select in self.phrases():
            self.list.setCurrentIndex(self.model.index(self.phrases().index(select), 0))
        self.status.setText(done)
        return True

    def _enter(self) -> None:
        if self.change_button.isEnabled():
            self.change_phrase()
        elif self.add_button.isEnabled():
            self.add_phrase()

    def add_phrase(self) -> None:
        words = " ".join(self.text.text().split())
        if words:
            self._run(lambda: self._service.save(self.current_key(), words), tr("Added."), words)

    def change_phrase(self) -> None:
        chosen, words = self._selected(), " ".join(self.text.text().split())
        if chosen is None or not words:
            return
        self._run(
            lambda: self._service.replace(self.current_key(), chosen.text, words),
            tr("Changed."),
            words,
        )

    def remove_phrase(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        row = self.list.currentIndex().row()
        if self._run(
            lambda: self._service.remove(self.current_key(), chosen.text),
            tr("Removed. To put it back, type it again and choose Add as a new phrase."),
        ):
            rows = self.model.rowCount()
            if rows:
                self.list.setCurrentIndex(self.model.index(min(row, rows - 1), 0))
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
