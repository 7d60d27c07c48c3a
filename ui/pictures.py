"""The child's drawings and photos on the editor's "All about me" page.

"Add a picture…" or a file dropped on the panel: the file is read and cleaned by the family
service off the UI thread (decoded and re-encoded in memory, metadata removed, turned upright),
then added to the record through the undo stack like any edit and saved with it. Pictures are
shown from memory (never written to a file). Captions can be changed; pictures can be removed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QPixmap, QUndoCommand
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.errors import TransitionsError
from models.pictures import (
    MAX_PICTURES,
    PICTURE_SECTION,
    Picture,
    with_caption,
    with_picture,
    without_picture,
)
from ui.dialogs import busy_bar, plain_error
from ui.workers import run_in_background

PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg")
THUMB = 150
PICTURE_ROLE = Qt.ItemDataRole.UserRole + 7

Prepare = Callable[
    [Path, str], Picture
]  # reads and cleans a picture file (slow: off the UI thread)


def tr(text: str) -> str:
    return QCoreApplication.translate("pictures", text)


def picture_paths(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.suffix.lower() in PICTURE_SUFFIXES]


class PicturesCommand(QUndoCommand):
    """One change to the record's pictures (add, remove or caption), undoable."""

    def __init__(
        self, editor: Any, before: tuple[Picture, ...], after: tuple[Picture, ...], text: str
    ) -> None:
        super().__init__(text)
        self.editor = editor
        self.before = before
        self.after = after

    def redo(self) -> None:
        self.editor.set_pictures(self.after)

    def undo(self) -> None:
        self.editor.set_pictures(self.before)


def thumbnail(picture: Picture, size: int = THUMB) -> QPixmap:
    """The picture scaled to fit ``size``, decoded from the bytes in memory."""
    pixmap = QPixmap()
    pixmap.loadFromData(picture.data)
    return pixmap.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


class PicturesPanel(QFrame):
    """Thumbnails of the record's pictures with Add, Caption and Remove; accepts dropped files."""

    def __init__(self, editor: Any, prepare: Prepare, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("picturesPanel")
        self.setAcceptDrops(True)
        self._editor = editor
        self._prepare = prepare
        self._busy_count = 0
        title = QLabel(tr("Drawings and photos"), self)
        title.setObjectName("groupTitle")
        help_text = QLabel(
            tr(
                "The child's drawings or photos, PNG or JPEG: add them here or drop the files on "
                "this box. Location, camera and other hidden details are removed and the picture "
                "is kept encrypted with the record. They print in All about me."
            ),
            self,
        )
        help_text.setObjectName("helpText")
        help_text.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("pictureList")
        self.list.setAccessibleName(tr("Pictures"))
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 24, THUMB + 48))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setFixedHeight(THUMB + 64)
        self.list.setAcceptDrops(False)
        self.add_button = QPushButton(tr("Add a &picture…"), self)
        self.caption_button = QPushButton(tr("Edit ca&ption…"), self)
        self.remove_button = QPushButton(tr("Remo&ve picture"), self)
        self.add_button.clicked.connect(self.choose_files)
        self.caption_button.clicked.connect(self.edit_caption)
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.currentItemChanged.connect(lambda *_a: self._sync())
        self.list.itemActivated.connect(lambda _item: self.edit_caption())
        self.busy = busy_bar(self)
        self.message = QLabel(self)
        self.message.setObjectName("fieldError")
        self.message.setWordWrap(True)
        self.message.setAccessibleName(tr("Problem with the picture"))
        self.message.hide()
        buttons = QHBoxLayout()
        for b in (self.add_button, self.caption_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 12, 0, 4)
        lay.addWidget(title)
        lay.addWidget(help_text)
        lay.addWidget(self.list)
        lay.addWidget(self.busy)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        self.setMaximumWidth(760)
        editor.pictures_changed.connect(self.refresh)
        self.refresh()

    # --- showing -----------------------------------------------------------------------------

    def pictures(self) -> tuple[Picture, ...]:
        return tuple(self._editor.pictures())

    def refresh(self) -> None:
        current = self.current_id()
        self.list.clear()
        for picture in self.pictures():
            item = QListWidgetItem(QIcon(thumbnail(picture)), picture.caption or tr("(no caption)"))
            item.setData(PICTURE_ROLE, picture.id)
            item.setToolTip(picture.caption)
            item.setSizeHint(QSize(THUMB + 20, THUMB + 44))
            self.list.addItem(item)
            if picture.id == current:
                self.list.setCurrentItem(item)
        self._sync()

    def current_id(self) -> str:
        item = self.list.currentItem()
        return str(item.data(PICTURE_ROLE)) if item is not None else ""

    def _sync(self) -> None:
        chosen = bool(self.current_id())
        self.caption_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)
        self.add_button.setEnabled(len(self.pictures()) < MAX_PICTURES)

    def show_problem(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- changing ------------------------------------------------------------------------------

    def _push(self, after: tuple[Picture, ...], text: str) -> None:
        self._editor.undo_stack.push(PicturesCommand(self._editor, self.pictures(), after, text))

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, tr("Add a picture"), "", tr("Pictures (*.png *.jpg *.jpeg)")
        )
        for name in files:
            caption, ok = QInputDialog.getText(
                self,
                tr("Caption"),
                tr("What does “{name}” show? (a few words, optional)").format(name=Path(name).name),
            )
            self.add_file(Path(name), caption if ok else "")

    def add_file(self, path: Path, caption: str = "") -> None:
        """Read and clean the file off the UI thread, then add it (one undo step)."""
        self.show_problem("")
        self._set_busy(+1)

        def done(picture: Picture) -> None:
            self._set_busy(-1)
            try:
                after = with_picture(self.pictures(), picture)
            except TransitionsError as exc:
                self.show_problem(str(exc))
                return
            self._push(after, tr("Add a picture"))
            self.refresh()
            self.list.setCurrentRow(self.list.count() - 1)

        def failed(exc: BaseException) -> None:
            self._set_busy(-1)
            self.show_problem(plain_error(exc))

        prepare = self._prepare
        run_in_background(lambda: prepare(path, caption), done, failed, owner=self)

    def _set_busy(self, step: int) -> None:
        self._busy_count += step
        self.busy.setVisible(self._busy_count > 0)

    def is_busy(self) -> bool:
        return self._busy_count > 0

    def edit_caption(self) -> None:
        picture_id = self.current_id()
        picture = next((p for p in self.pictures() if p.id == picture_id), None)
        if picture is None:
            return
        text, ok = QInputDialog.getText(
            self, tr("Caption"), tr("What does the picture show?"), text=picture.caption
        )
        if not ok:
            return
        try:
            after = with_caption(self.pictures(), picture_id, text)
        except TransitionsError as exc:
            self.show_problem(str(exc))
            return
        if after != self.pictures():
            self._push(after, tr("Change a caption"))

    def remove_selected(self) -> None:
        picture_id = self.current_id()
        if not picture_id:
            return
        self._push(without_picture(self.pictures(), picture_id), tr("Remove a picture"))

    # --- drag and drop ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if picture_paths(paths):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = picture_paths(
            [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        )
        if paths:
            event.acceptProposedAction()
            for path in paths:
                self.add_file(path)


def install_pictures(editor: Any, prepare: Prepare) -> None:
    """Put the pictures panel on the editor's "All about me" page."""
    editor.add_section_widget(PICTURE_SECTION, lambda: PicturesPanel(editor, prepare))
