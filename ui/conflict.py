"""The conflict view: someone else saved this record while it was open here.

Nothing is discarded. For every field where the two versions differ the person sees both values
side by side and chooses, field by field (their own change is chosen by default); the merged
record is then saved on top of the other person's version.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from models.framework.registry import get_framework
from models.record import Record
from models.values import display_value


def tr(text: str) -> str:
    return QCoreApplication.translate("conflict", text)


def differing_paths(mine: Record, theirs: Record) -> list[str]:
    """Field paths whose values differ, in framework order."""
    fw = get_framework(mine.framework_id, mine.framework_version)
    return [fd.path for fd in fw.iter_fields() if mine.get(fd.path) != theirs.get(fd.path)]


def merge(mine: Record, theirs: Record, keep_mine: set[str]) -> Record:
    """Their saved record with this person's values for the paths in ``keep_mine``."""
    merged = theirs.copy()
    for path in keep_mine:
        merged.set(path, mine.get(path))
    return merged


class ConflictDialog(QDialog):
    def __init__(
        self,
        mine: Record,
        theirs: Record,
        parent: QWidget | None = None,
        *,
        mine_changed: set[str] | None = None,
    ) -> None:
        """``mine_changed``: the fields this person changed; each difference defaults to their own
        version there and to the other person's version elsewhere (None: always their own)."""
        super().__init__(parent)
        self._mine, self._theirs = mine, theirs
        self.setWindowTitle(tr("Someone else changed this record"))
        self.setAccessibleName(self.windowTitle())
        fw = get_framework(mine.framework_id, mine.framework_version)
        self.paths = differing_paths(mine, theirs)
        intro = QLabel(
            tr(
                "While you were working, someone else saved changes to {name}. Nothing has been "
                "lost. For each difference below, choose which version to keep, then save. Your "
                "own changes are chosen where you made them; theirs everywhere else."
            ).format(name=mine.display_name),
            self,
        )
        intro.setWordWrap(True)
        grid_host = QWidget(self)
        grid = QGridLayout(grid_host)
        for col, text in enumerate((tr("Field"), tr("Your version"), tr("Their version"))):
            head = QLabel(f"<b>{text}</b>", grid_host)
            grid.addWidget(head, 0, col)
        self._choices: dict[str, QRadioButton] = {}
        for row, path in enumerate(self.paths, start=1):
            fd = fw.field(path)
            grid.addWidget(QLabel(fd.label, grid_host), row, 0, Qt.AlignmentFlag.AlignTop)
            group = QButtonGroup(grid_host)
            mine_text = display_value(fd, mine.get(path)) or tr("(empty)")
            theirs_text = display_value(fd, theirs.get(path)) or tr("(empty)")
            keep_mine = QRadioButton(mine_text[:300], grid_host)
            keep_theirs = QRadioButton(theirs_text[:300], grid_host)
            keep_mine.setAccessibleName(tr("Keep your version of {field}").format(field=fd.label))
            keep_theirs.setAccessibleName(
                tr("Keep their version of {field}").format(field=fd.label)
            )
            group.addButton(keep_mine)
            group.addButton(keep_theirs)
            if mine_changed is None or path in mine_changed:
                keep_mine.setChecked(True)
            else:
                keep_theirs.setChecked(True)
            grid.addWidget(keep_mine, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(keep_theirs, row, 2, Qt.AlignmentFlag.AlignTop)
            self._choices[path] = keep_mine
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(
            tr("&Save my choices"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        self.resize(760, 420)

    def reject(self) -> None:
        """Escape or the close button do not dismiss the choice: leaving without choosing would
        either lose the person's work or silently overwrite the other person's."""

    def keep_mine(self) -> set[str]:
        return {path for path, button in self._choices.items() if button.isChecked()}

    def choose_theirs(self, path: str) -> None:
        button = self._choices[path]
        group = button.group()
        for other in group.buttons():
            if other is not button:
                other.setChecked(True)

    def merged(self) -> Record:
        return merge(self._mine, self._theirs, self.keep_mine())
